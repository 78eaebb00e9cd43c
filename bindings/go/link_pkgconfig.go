//go:build ray_client_pkgconfig

package ray

// With -tags ray_client_pkgconfig the header and library come from an installed
// libray_client (cmake --install), found through ray_client.pc on PKG_CONFIG_PATH. The
// .pc file carries no rpath: install into a directory the loader searches, or add
// CGO_LDFLAGS="-Wl,-rpath,$(pkg-config --variable=libdir ray_client)".

/*
#cgo pkg-config: ray_client
*/
import "C"
