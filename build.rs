//! Compiles proto/ray_client.proto with protox, a pure-Rust protobuf compiler, so that a
//! fresh machine needs no system `protoc` to build the crate.
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The C ABI's shared library carries a versioned soname.
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libray_client.so.0");
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
