//go:build linux && (amd64 || arm64) && !ray_client_pkgconfig

package ray

// The package links the static libray_client that build-lib puts into the module
// (lib/<os>-<arch>/libray_client.a, with lib/include/ray_client.h), as wasmtime-go does:
// a program built with the package, in this repository or any other module, needs no
// cgo settings, carries the library (no libray_client.so to install) and no rpath. The
// libraries after the archive are the system libraries Rust's standard library uses
// (cargo rustc --crate-type staticlib -- --print native-static-libs). With -tags
// ray_client_pkgconfig an installed library is linked instead (link_pkgconfig.go).

/*
#cgo CFLAGS: -I${SRCDIR}/lib/include
#cgo linux,amd64 LDFLAGS: ${SRCDIR}/lib/linux-amd64/libray_client.a
#cgo linux,arm64 LDFLAGS: ${SRCDIR}/lib/linux-arm64/libray_client.a
#cgo LDFLAGS: -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc
*/
import "C"
