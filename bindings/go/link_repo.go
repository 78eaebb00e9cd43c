//go:build !ray_client_pkgconfig

package ray

// Inside this repository the package compiles against include/ray_client.h and links the
// release build (cargo build --release) found next to it, with an rpath so that tests and
// programs built here run without LD_LIBRARY_PATH. Users outside the repository build
// with -tags ray_client_pkgconfig (link_pkgconfig.go) or set CGO_CFLAGS/CGO_LDFLAGS.

/*
#cgo CFLAGS: -I${SRCDIR}/../../include
#cgo LDFLAGS: -L${SRCDIR}/../../target/release -lray_client -Wl,-rpath,${SRCDIR}/../../target/release
*/
import "C"
