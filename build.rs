//! Compiles proto/ray_client.proto with protox, a pure-Rust protobuf compiler, so that a
//! fresh machine needs no system `protoc` to build the crate.
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    c_library_link_args();
    let proto = "proto/ray_client.proto";
    println!("cargo:rerun-if-changed={proto}");
    let descriptors = protox::compile([proto], ["proto"])?;
    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);
    // Kept for the wire-compatibility test, which compares it with Ray's own descriptors.
    std::fs::write(
        out_dir.join("ray_client_descriptor.bin"),
        prost::Message::encode_to_vec(&descriptors),
    )?;
    tonic_prost_build::configure()
        .build_server(false)
        // Payload fields as `bytes::Bytes`: chunks of a large object are slices of one
        // buffer instead of copies.
        .bytes(".")
        .compile_fds(descriptors)?;
    Ok(())
}

/// The shared library's ELF link arguments: the soname, libray_client.so.<major> (the ABI's
/// major version is the crate's, as the header's RAY_CLIENT_VERSION_MAJOR), and with the C
/// ABI the version script abi/libray_client.map (only ray_client_* exported, in the
/// version node RAY_CLIENT_<major>). Not for Apple targets (Mach-O has no soname) or
/// Windows.
///
/// What the version script does here: rustc passes the linker a version script of its own
/// that names every `#[no_mangle]` function explicitly, and an explicit name outranks the
/// wildcard of ours, so cargo's libray_client.so exports what rustc lists (only the
/// ray_client_* functions, as tests/run-c checks) without symbol versions, and ours adds
/// the version node RAY_CLIENT_<major>. That node is what lets a program linked against a
/// release library (dist/build relinks libray_client.a with this same script, so there
/// every symbol is ray_client_*@@RAY_CLIENT_<major>) load a library built from source
/// without "no version information available".
fn c_library_link_args() {
    let vendor = std::env::var("CARGO_CFG_TARGET_VENDOR").unwrap_or_default();
    let family = std::env::var("CARGO_CFG_TARGET_FAMILY").unwrap_or_default();
    if vendor == "apple" || !family.split(',').any(|f| f == "unix") {
        return;
    }
    let major = std::env::var("CARGO_PKG_VERSION_MAJOR").unwrap_or_else(|_| "0".into());
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libray_client.so.{major}");
    if std::env::var_os("CARGO_FEATURE_C_API").is_some() {
        let map = "abi/libray_client.map";
        println!("cargo:rerun-if-changed={map}");
        let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into());
        println!("cargo:rustc-cdylib-link-arg=-Wl,--version-script={dir}/{map}");
    }
    soname_link(&major);
}

/// Programs linked against target/<profile>/libray_client.so (the Go binding's cgo
/// directives, tests/run-c) load it by its soname, which cargo does not create: put the
/// link `libray_client.so.<major> -> libray_client.so` next to where the library will be. The
/// link may dangle until the library is linked. Best effort: a failure only means the
/// consumer must make the link itself.
fn soname_link(major: &str) {
    let Some(out_dir) = std::env::var_os("OUT_DIR") else {
        return;
    };
    // OUT_DIR is <target>/<profile>/build/<pkg>-<hash>/out.
    let Some(profile_dir) = std::path::Path::new(&out_dir).ancestors().nth(3) else {
        return;
    };
    let link = profile_dir.join(format!("libray_client.so.{major}"));
    if std::fs::read_link(&link).is_err() {
        #[cfg(unix)]
        let _ = std::os::unix::fs::symlink("libray_client.so", &link);
    }
}
