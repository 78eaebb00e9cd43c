//! Our proto/ray_client.proto against Ray's own: the compiled descriptor set is compared,
//! message by message, with `ray.core.generated.ray_client_pb2` of the installed Ray by
//! tests/python/compare_descriptors.py. Needs the Ray virtualenv, not a cluster.
mod common;

use std::process::Command;

#[test]
fn our_proto_matches_rays_message_for_message() {
    let set = ray_client::__private::DESCRIPTOR_SET;
    assert!(!set.is_empty(), "the compiled descriptor set is empty");
    let path =
        std::env::temp_dir().join(format!("ray-client-descriptors-{}.bin", std::process::id()));
    std::fs::write(&path, set).expect("writing the descriptor set");

    let python = common::python();
    let out = Command::new(&python)
        .arg(common::repo().join("tests/python/compare_descriptors.py"))
        .arg(&path)
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", python.display()));
    let _ = std::fs::remove_file(&path);

    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    assert!(
        out.status.success(),
        "our proto differs from Ray's ({}):\n{stdout}\n{stderr}",
        out.status
    );
    // The comparison did compare something.
    assert!(
        stdout.contains("no differences") && !stdout.contains(" 0 messages"),
        "{stdout}"
    );
}
