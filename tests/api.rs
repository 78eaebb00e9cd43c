//! Task options, functions from source, KV, numpy, cancel and runtime context against
//! the real cluster.
mod common;

use common::task as f;
use ray_client::{Client, ErrorKind, NdArray, Options, RemoteFunction, SchedulingStrategy, Value};

/// A call of `task`, which the cluster can never schedule, stays pending (for the 2 s
/// this waits); it is then cancelled.
fn assert_never_scheduled(client: &Client, task: &RemoteFunction) {
    let r = client.call(task, vec![], vec![]).unwrap();
    assert!(
        common::pending_after(client, &r, 2),
        "the task was scheduled"
    );
    client.cancel(&r, true, false).unwrap();
}

#[test]
fn function_from_source_text() {
    let client = common::client();
    let cube = RemoteFunction::from_source("def cube(x):\n    return x * x * x\n", "cube").unwrap();
    let r = client.call(&cube, vec![Value::from(7)], vec![]).unwrap();
    assert_eq!(client.get(&r).unwrap(), Value::from(343));
    let with_import = RemoteFunction::from_source(
        "import math\n\ndef hyp(a, b):\n    return math.hypot(a, b)\n",
        "hyp",
    )
    .unwrap();
    let r = client
        .call(&with_import, vec![Value::from(3), Value::from(4)], vec![])
        .unwrap();
    assert_eq!(client.get(&r).unwrap(), Value::Float(5.0));
    assert!(RemoteFunction::from_source("x = 1", "not an identifier").is_err());
    let broken = RemoteFunction::from_source("def oops(:\n", "oops").unwrap();
    let err = client.call(&broken, vec![], vec![]).unwrap_err();
    assert!(err.to_string().contains("SyntaxError"), "{err}");
}

#[test]
fn num_returns_gives_several_refs() {
    let client = common::client();
    let pair = f("pair").with_options(Options::new().num_returns(2));
    let refs = client.call_n(&pair, vec![Value::from(1)], vec![]).unwrap();
    assert_eq!(
        client.get_many(&refs, None).unwrap(),
        vec![Value::from(1), Value::from(2)]
    );
    let err = client
        .call(&pair, vec![Value::from(1)], vec![])
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
}

#[test]
fn resource_options_reach_the_task() {
    let client = common::client();
    let task =
        f("task_resources").with_options(Options::new().num_cpus(2.0).name("resource-check"));
    let v = common::call_get(&client, &task, vec![]).unwrap();
    let cpus = v
        .get_str("resources")
        .and_then(|r| r.get_str("CPU"))
        .and_then(Value::as_f64);
    assert_eq!(cpus, Some(2.0), "{v:?}");
    // More than the cluster has can never be scheduled: the task stays pending.
    let greedy = f("nop").with_options(Options::new().resources([("no-such-resource", 1.0)]));
    assert_never_scheduled(&client, &greedy);
}

#[test]
fn retry_exceptions_reruns_a_failing_task() {
    let client = common::client();
    let marker =
        std::env::temp_dir().join(format!("rc-retry-{}-{}", std::process::id(), rand_suffix()));
    let task = f("fail_once").with_options(Options::new().max_retries(2).retry_exceptions(true));
    let r = client
        .call(&task, vec![Value::str(marker.to_str().unwrap())], vec![])
        .unwrap();
    assert_eq!(client.get(&r).unwrap(), Value::str("second attempt"));
    let marker2 = std::env::temp_dir().join(format!(
        "rc-noretry-{}-{}",
        std::process::id(),
        rand_suffix()
    ));
    let task = f("fail_once").with_options(Options::new().max_retries(2).retry_exceptions(false));
    let r = client
        .call(&task, vec![Value::str(marker2.to_str().unwrap())], vec![])
        .unwrap();
    assert_eq!(client.get(&r).unwrap_err().kind(), ErrorKind::TaskError);
    std::fs::remove_file(marker).ok();
    std::fs::remove_file(marker2).ok();
}

fn rand_suffix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
}

#[test]
fn node_affinity_and_spread_strategies_are_accepted() {
    let client = common::client();
    let node = client
        .get(&client.call(&f("node_id"), vec![], vec![]).unwrap())
        .unwrap();
    let node = node.as_str().unwrap().to_owned();
    let pinned = f("node_id").with_options(Options::new().scheduling_strategy(
        SchedulingStrategy::NodeAffinity {
            node_id: node.clone(),
            soft: false,
        },
    ));
    let r = client.call(&pinned, vec![], vec![]).unwrap();
    assert_eq!(client.get(&r).unwrap(), Value::str(node));
    let spread =
        f("square").with_options(Options::new().scheduling_strategy(SchedulingStrategy::Spread));
    let r = client.call(&spread, vec![Value::from(3)], vec![]).unwrap();
    assert_eq!(client.get(&r).unwrap(), Value::from(9));
    let nowhere = f("nop").with_options(Options::new().scheduling_strategy(
        SchedulingStrategy::NodeAffinity {
            node_id: "ab".repeat(28),
            soft: false,
        },
    ));
    let err = client
        .get(&client.call(&nowhere, vec![], vec![]).unwrap())
        .unwrap_err();
    let remote = err.remote().expect("a remote error");
    assert!(
        remote.type_name.ends_with("TaskUnschedulableError"),
        "{err:?}"
    );
}

#[test]
fn cancel_a_running_task() {
    let client = common::client();
    let slow = common::sleep_then(&client, 60.0, Value::None);
    // Once it runs (it will not finish for a minute), cancel it.
    assert!(common::pending_after(&client, &slow, 1));
    client.cancel(&slow, true, false).unwrap();
    let err = client.get(&slow).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TaskCancelled, "{err:?}");
    assert!(
        err.remote()
            .unwrap()
            .type_name
            .ends_with("TaskCancelledError"),
        "{err:?}"
    );
}

#[test]
fn kv_store_operations() {
    let client = common::client();
    let ns = Some("rc-kv-test");
    let k = format!("key-{}", std::process::id());
    client.kv_del(k.as_bytes(), true, ns).unwrap();
    assert_eq!(client.kv_get(k.as_bytes(), ns).unwrap(), None);
    assert!(!client.kv_exists(k.as_bytes(), ns).unwrap());
    assert!(!client.kv_put(k.as_bytes(), b"one", false, ns).unwrap());
    assert!(
        client.kv_put(k.as_bytes(), b"two", false, ns).unwrap(),
        "already existed"
    );
    assert_eq!(
        client.kv_get(k.as_bytes(), ns).unwrap().as_deref(),
        Some(&b"one"[..])
    );
    client.kv_put(k.as_bytes(), b"three", true, ns).unwrap();
    assert_eq!(
        client.kv_get(k.as_bytes(), ns).unwrap().as_deref(),
        Some(&b"three"[..])
    );
    // Namespaces are separate.
    assert_eq!(
        client.kv_get(k.as_bytes(), Some("rc-kv-other")).unwrap(),
        None
    );
    client
        .kv_put(format!("{k}/a").as_bytes(), b"1", true, ns)
        .unwrap();
    client
        .kv_put(format!("{k}/b").as_bytes(), b"2", true, ns)
        .unwrap();
    let mut keys = client.kv_list(format!("{k}/").as_bytes(), ns).unwrap();
    keys.sort();
    assert_eq!(
        keys,
        vec![format!("{k}/a").into_bytes(), format!("{k}/b").into_bytes()]
    );
    assert_eq!(
        client.kv_del(format!("{k}/").as_bytes(), true, ns).unwrap(),
        2
    );
    assert_eq!(client.kv_del(k.as_bytes(), false, ns).unwrap(), 1);
    assert!(!client.kv_exists(k.as_bytes(), ns).unwrap());
}

#[test]
fn numpy_arrays_both_ways() {
    let client = common::client();
    // From the cluster: a real ndarray decodes to a typed array.
    let r = client
        .call(
            &f("make_array"),
            vec![Value::from(2), Value::from(3)],
            vec![],
        )
        .unwrap();
    let Value::NdArray(a) = client.get(&r).unwrap() else {
        panic!("expected an array")
    };
    assert_eq!(a.shape, vec![2, 3]);
    assert_eq!(
        a.to_vec::<f64>().unwrap(),
        vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    );
    // To the cluster: each supported dtype arrives as a writable numpy.ndarray.
    let cases: Vec<(NdArray, &str, f64)> = vec![
        (
            NdArray::from_vec_shaped(vec![1.5f64, 2.5, 3.0, 4.0], vec![2, 2]).unwrap(),
            "float64",
            11.0,
        ),
        (NdArray::from_vec(vec![1.0f32, 2.0]), "float32", 3.0),
        (NdArray::from_vec(vec![-1i64, 5]), "int64", 4.0),
        (NdArray::from_vec(vec![7i32, 8, 9]), "int32", 24.0),
        (NdArray::from_vec(vec![200u8, 100]), "uint8", 300.0),
        (NdArray::from_bools(&[true, false, true]), "bool", 2.0),
    ];
    for (array, dtype, sum) in cases {
        let shape: Vec<Value> = array.shape.iter().map(|&d| Value::from(d as u64)).collect();
        let d = common::call_get(
            &client,
            &f("describe_array"),
            vec![Value::from(array.clone())],
        )
        .unwrap();
        assert_eq!(
            d.get_str("type"),
            Some(&Value::str("numpy.ndarray")),
            "{d:?}"
        );
        assert_eq!(d.get_str("dtype"), Some(&Value::str(dtype)), "{d:?}");
        assert_eq!(d.get_str("shape"), Some(&Value::List(shape)), "{d:?}");
        assert_eq!(d.get_str("sum").and_then(Value::as_f64), Some(sum), "{d:?}");
        // And it comes back equal.
        let back = client
            .get(&client.put(Value::from(array.clone())).unwrap())
            .unwrap();
        assert_eq!(back, Value::from(array));
    }
    // Fortran order arrives with the same shape and element order.
    let mut fortran =
        NdArray::from_vec_shaped(vec![1.0f64, 2.0, 3.0, 4.0, 5.0, 6.0], vec![2, 3]).unwrap();
    fortran.fortran_order = true;
    let d = common::call_get(&client, &f("describe_array"), vec![Value::from(fortran)]).unwrap();
    assert_eq!(
        d.get_str("shape"),
        Some(&Value::List(vec![2u64.into(), 3u64.into()]))
    );
    assert_eq!(d.get_str("first").and_then(Value::as_f64), Some(1.0));
}

#[test]
fn refs_returned_nested_inside_results_are_usable() {
    let client = common::client();
    let r = client
        .call(&f("put_nested"), vec![Value::str("inner value")], vec![])
        .unwrap();
    let Value::List(items) = client.get(&r).unwrap() else {
        panic!()
    };
    let Value::ObjectRef(inner) = &items[0] else {
        panic!("expected a ref")
    };
    assert_eq!(client.get(inner).unwrap(), Value::str("inner value"));
    let again = client
        .call(&f("identity"), vec![Value::from(inner)], vec![])
        .unwrap();
    assert_eq!(client.get(&again).unwrap(), Value::str("inner value"));
}

#[test]
fn runtime_context_and_env_vars_on_connect() {
    let client =
        ray_client::Client::connect_with(common::options().runtime_env(common::test_runtime_env(
            vec![("env_vars", Value::dict([("RC_TEST_VAR", "from-client")]))],
        )))
        .unwrap();
    let r = client
        .call(&f("env_var"), vec![Value::str("RC_TEST_VAR")], vec![])
        .unwrap();
    assert_eq!(client.get(&r).unwrap(), Value::str("from-client"));
    let ctx = client.runtime_context().unwrap();
    assert!(ctx.runtime_env.contains("RC_TEST_VAR"), "{ctx:?}");
    assert_eq!(ctx.job_id.len(), 8, "{ctx:?}");
    // Per task, too.
    let task = f("env_var").with_options(Options::new().runtime_env(Value::dict([(
        "env_vars",
        Value::dict([("RC_TEST_VAR", "per-task")]),
    )])));
    let r = client
        .call(&task, vec![Value::str("RC_TEST_VAR")], vec![])
        .unwrap();
    assert_eq!(client.get(&r).unwrap(), Value::str("per-task"));
}

/// The runtime context's worker id (the driver of this client's server, which the
/// cluster lists as a DRIVER worker; sent by releases after 2.55) and an object ref's
/// task id (Python's `ObjectRef.task_id()`: what the task itself reads).
#[test]
fn worker_id_and_task_id() {
    let client = common::client();
    let ctx = client.runtime_context().unwrap();
    let version = client.server_info().ray_version.clone();
    match &ctx.worker_id {
        Some(id) => {
            assert_eq!(id.len(), 56, "{ctx:?}");
            if common::cluster().dashboard_url.is_some() {
                use ray_client::dashboard::state::{ListOptions, Predicate};
                let by_id = ListOptions::default().filter("worker_id", Predicate::Equal, id);
                let workers = common::dashboard().list_workers(&by_id).unwrap();
                assert_eq!(workers.len(), 1, "{workers:?}");
                assert_eq!(
                    workers[0].worker_type.as_deref(),
                    Some("DRIVER"),
                    "{workers:?}"
                );
            }
        }
        None => assert!(
            ["2.9.", "2.1", "2.2", "2.3", "2.4", "2.50", "2.51", "2.52", "2.53", "2.54", "2.55"]
                .iter()
                .any(|old| version.starts_with(old)),
            "Ray {version} sends the worker id"
        ),
    }
    let r = client.call(&f("my_task_id"), vec![], vec![]).unwrap();
    let task_id = r.task_id().unwrap();
    assert_eq!(client.get(&r).unwrap(), Value::str(&task_id));
    assert_eq!(task_id.len(), 48);
    assert!(r.hex().unwrap().starts_with(&task_id));
}

#[test]
fn memory_and_gpu_options() {
    let client = common::client();
    let with_memory = f("square").with_options(Options::new().memory(64 << 20).num_gpus(0.0));
    assert_eq!(
        common::call_get(&client, &with_memory, vec![Value::from(6)]).unwrap(),
        Value::from(36)
    );
    // The test cluster has no GPUs: a task that needs one is never scheduled.
    let gpu = f("nop").with_options(Options::new().num_gpus(1.0));
    assert_never_scheduled(&client, &gpu);
}
