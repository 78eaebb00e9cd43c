//go:build !ray_client_pkgconfig

package ray

// By default the package links the static libray_client inside the module, as
// wasmtime-go does: the header is lib/include/ray_client.h (this file), the library
// lib/<os>-<arch>/libray_client.a, named by one file per platform, link_<os>_<arch>.go,
// with the system libraries it needs. A program built with the package, in this
// repository or any other module, needs no cgo settings, carries the library (no
// libray_client.so to install) and no rpath. A release of the module (dist/build)
// carries the library of every platform built for it; in the repository,
// bindings/go/build-lib puts the host's there. Adding a platform is adding its
// link_<os>_<arch>.go and its library, nothing else.
//
// On a platform without a link_<os>_<arch>.go, name the archive yourself:
// CGO_LDFLAGS="<dir>/libray_client.a <the libraries `cargo rustc --release --lib
// --crate-type staticlib -- --print native-static-libs` lists>"; or build with
// -tags ray_client_pkgconfig to link an installed library (link_pkgconfig.go).

/*
#cgo CFLAGS: -I${SRCDIR}/lib/include
*/
import "C"
