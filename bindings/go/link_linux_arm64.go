//go:build !ray_client_pkgconfig

package ray

// The static library for linux/arm64 (see link.go). The libraries after the archive are
// the system libraries Rust's standard library uses (cargo rustc --crate-type staticlib
// -- --print native-static-libs).

/*
#cgo LDFLAGS: ${SRCDIR}/lib/linux-arm64/libray_client.a -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc
*/
import "C"
