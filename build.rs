//! Compiles proto/ray_client.proto with protox, a pure-Rust protobuf compiler, so that a
//! fresh machine needs no system `protoc` to build the crate.
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The C ABI's shared library carries a versioned soname.
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libray_client.so.0");
    soname_link();
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

/// Programs linked against target/<profile>/libray_client.so (the Go binding's cgo
/// directives, tests/run-c) load it by its soname, which cargo does not create: put the
/// link `libray_client.so.0 -> libray_client.so` next to where the library will be. The
/// link may dangle until the library is linked. Best effort: a failure only means the
/// consumer must make the link itself.
fn soname_link() {
    let Some(out_dir) = std::env::var_os("OUT_DIR") else {
        return;
    };
    // OUT_DIR is <target>/<profile>/build/<pkg>-<hash>/out.
    let Some(profile_dir) = std::path::Path::new(&out_dir).ancestors().nth(3) else {
        return;
    };
    let link = profile_dir.join("libray_client.so.0");
    if std::fs::read_link(&link).is_err() {
        #[cfg(unix)]
        let _ = std::os::unix::fs::symlink("libray_client.so", &link);
    }
}
