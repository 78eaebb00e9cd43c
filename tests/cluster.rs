//! Cluster resources against the real cluster: a head with 4 CPUs and a second node with
//! 2 CPUs and the custom resource `rc_node2: 2`.
mod common;

#[test]
fn cluster_and_available_resources() {
    let client = common::client();
    let total = client.cluster_resources().unwrap();
    assert_eq!(total.get("CPU"), Some(&6.0), "{total:?}");
    assert_eq!(total.get("rc_node2"), Some(&2.0), "{total:?}");
    assert!(total.get("memory").is_some_and(|m| *m > 0.0), "{total:?}");
    assert!(total.keys().any(|k| k.starts_with("node:")), "{total:?}");
    let available = client.available_resources().unwrap();
    let cpu = available.get("CPU").copied().unwrap_or(0.0);
    assert!((0.0..=6.0).contains(&cpu), "{available:?}");
}

/// `ray.timeline()`: Chrome tracing events; a task's run shows up once the cluster has
/// reported it (no time limit: a task that never shows is this test running on).
#[test]
fn timeline_shows_a_task_that_ran() {
    use ray_client::Value;
    let client = common::client();
    let marker = format!("timeline_marker_{}", std::process::id());
    let f = ray_client::RemoteFunction::from_source(
        format!("def {marker}():\n    return 1\n"),
        &marker,
    )
    .unwrap();
    let r = client.call(&f, vec![], vec![]).unwrap();
    assert_eq!(client.get(&r).unwrap(), Value::from(1));
    loop {
        let events = client.timeline().unwrap();
        let named = |e: &Value| {
            e.get_str("name")
                .and_then(Value::as_str)
                .is_some_and(|n| n.contains(&marker))
        };
        if let Some(e) = events.iter().find(|e| named(e)) {
            for key in ["ph", "ts", "pid", "tid"] {
                assert!(e.get_str(key).is_some(), "{key} in {e:?}");
            }
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
}
