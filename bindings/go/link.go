//go:build !(linux && (amd64 || arm64)) && !ray_client_pkgconfig

package ray

// No static library is bundled for this platform yet (link_linux.go): the header comes
// from the module (bindings/go/build-lib puts it into lib/include) and the library must
// be named by hand, CGO_LDFLAGS="<path>/libray_client.a <the libraries cargo's
// --print native-static-libs lists>", or come from an installed library with -tags
// ray_client_pkgconfig.

/*
#cgo CFLAGS: -I${SRCDIR}/lib/include
*/
import "C"
