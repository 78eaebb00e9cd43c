//! Our proto/ray_client.proto against Ray's own: the compiled descriptor set is compared,
//! message by message, with `ray.core.generated.ray_client_pb2` of the installed Ray by
//! tests/python/compare_descriptors.py. Needs the Ray virtualenv, not a cluster.
//!
//! Our proto is Ray 2.60's. Against another release the differences must be exactly the
//! fields its capabilities record says that release has or lacks (each of them one this
//! client can do without), and nothing else.
mod common;

use std::collections::BTreeSet;
use std::process::Command;

/// The differences compare_descriptors.py prints for the installed release, as its
/// capabilities record predicts them.
fn expected_differences() -> BTreeSet<String> {
    let caps = common::capabilities();
    let theirs_only =
        |name: &str| format!("field .ray.rpc.{name}: in Ray's proto, missing from ours");
    let ours_only = |name: &str| format!("field .ray.rpc.{name}: in ours, not in Ray's proto");
    let mut expected = BTreeSet::new();
    if caps.connection_info_protocol_version {
        expected.insert(theirs_only("ConnectionInfoResponse protocol_version"));
    }
    if caps.get_request_single_id {
        expected.insert(theirs_only("GetRequest id"));
    }
    if caps.put_owner_id {
        expected.insert(theirs_only("PutRequest owner_id"));
    }
    if !caps.runtime_context_session_name {
        expected.insert(ours_only("ClusterInfoResponse.RuntimeContext session_name"));
    }
    if !caps.runtime_context_worker_id {
        expected.insert(ours_only("ClusterInfoResponse.RuntimeContext worker_id"));
    }
    expected
}

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
    // The comparison did compare something.
    assert!(
        stdout.starts_with("compared ") && !stdout.contains(" 0 messages"),
        "{stdout}\n{stderr}"
    );
    let found: BTreeSet<String> = stdout
        .lines()
        .skip(1)
        .filter(|l| !l.ends_with(" differences") && *l != "no differences")
        .map(str::to_owned)
        .collect();
    let expected = expected_differences();
    assert_eq!(
        found,
        expected,
        "our proto differs from Ray {}'s other than its capabilities record says \
         ({}):\n{stdout}\n{stderr}",
        common::ray_version(),
        out.status
    );
    assert_eq!(
        out.status.success(),
        expected.is_empty(),
        "{stdout}\n{stderr}"
    );
}
