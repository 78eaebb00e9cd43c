//! What differs between Ray releases reads the same through this client: run against a
//! cluster of any supported release (tests/run-matrix starts one per release and points
//! RAY_TEST_ADDRESS at it; RAY_TEST_RAY_VERSION names the release).
mod common;

use std::time::Duration;

use ray_client::{ErrorKind, RemoteFunction, Support, Value};

/// The connect chose the record of the cluster's release, which the policy supports.
#[test]
fn the_clusters_release_gets_its_record() {
    let client = common::client();
    let caps = client.capabilities();
    assert_eq!(caps.ray_version, common::ray_version());
    assert_eq!(caps.support, Support::Supported, "{caps:?}");
    assert_eq!(
        caps,
        &ray_client::Capabilities::for_version(&caps.ray_version)
    );
}

/// A task's `json.JSONDecodeError`: Ray 2.9 pickles its task error class without a
/// module, 2.10 to 2.47 with the decode error's own arguments, later releases with the
/// exception itself; all read as below.
#[test]
fn a_tasks_exception_reads_the_same_on_every_release() {
    let client = common::client();
    let loads = RemoteFunction::new("json", "loads").unwrap();
    let err = common::call_get(&client, &loads, vec![Value::str("not json")]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TaskError, "{err}");
    let remote = err.remote().expect("a remote error");
    assert_eq!(
        remote.type_name, "ray.exceptions.RayTaskError(JSONDecodeError)",
        "{remote:?}"
    );
    assert_eq!(remote.cause_type.as_deref(), Some("JSONDecodeError"));
    assert_eq!(remote.message, "Expecting value: line 1 column 1 (char 0)");
    assert_eq!(
        err.message(),
        "get: JSONDecodeError: Expecting value: line 1 column 1 (char 0)"
    );
    let tb = remote.traceback.as_deref().expect("a traceback");
    assert!(tb.starts_with("ray::loads()"), "{tb}");
    assert!(
        tb.trim_end()
            .ends_with("json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)"),
        "{tb}"
    );

    // A user exception whose pickle is its message alone.
    let err = common::call_get(&client, &common::task("boom"), vec![Value::from(3)]).unwrap_err();
    let remote = err.remote().expect("a remote error");
    assert_eq!(remote.type_name, "ray.exceptions.RayTaskError(ValueError)");
    assert_eq!(remote.cause_type.as_deref(), Some("ValueError"));
    assert_eq!(err.message(), "get: ValueError: bad value 3");
}

/// Ray's own errors: a timeout, and a call on a dead actor (`RayActorError` before Ray
/// 2.11, `ActorDiedError` since; the same kind either way).
#[test]
fn rays_errors_read_the_same_on_every_release() {
    let client = common::client();
    let r = common::sleep_then(&client, 30.0, Value::from(1));
    let err = common::get_within(&client, &r, Duration::from_millis(200)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert!(
        err.remote().unwrap().type_name.ends_with("GetTimeoutError"),
        "{err}"
    );
    client.cancel(&r, true, false).unwrap();

    let actor = client
        .create_actor(&common::counter(), vec![], vec![])
        .unwrap();
    assert_eq!(
        common::method_get(&client, &actor, "incr", vec![]).unwrap(),
        Value::from(1)
    );
    let err = common::error_once_killed(&client, &actor, "incr");
    assert_eq!(err.kind(), ErrorKind::ActorDied, "{err}");
    let remote = err.remote().expect("a remote error");
    let expected = format!("ray.exceptions.{}", common::capabilities().actor_died_error);
    assert_eq!(remote.type_name, expected, "{remote:?}");
    assert!(
        remote.message.starts_with("The actor died"),
        "{}",
        remote.message
    );
}

/// The runtime context has the session name on every release (before Ray 2.54 its reply
/// had no such field and the client reads it from the cluster's KV store).
#[test]
fn the_runtime_context_is_complete_on_every_release() {
    let client = common::client();
    let ctx = client.runtime_context().unwrap();
    assert!(ctx.session_name.starts_with("session_"), "{ctx:?}");
    assert_eq!(ctx.job_id.len(), 8, "{ctx:?}");
    assert_eq!(ctx.node_id.len(), 56, "{ctx:?}");
    assert!(!ctx.namespace.is_empty(), "{ctx:?}");
    assert!(ctx.runtime_env.contains("working_dir"), "{ctx:?}");
}
