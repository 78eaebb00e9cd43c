//! Messages and stubs generated from `proto/ray_client.proto` at build time.
#![allow(clippy::all, missing_docs, dead_code)]

tonic::include_proto!("ray.rpc");

/// Our compiled descriptor set, for the wire-compatibility check against Ray's own.
pub const DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/ray_client_descriptor.bin"));
