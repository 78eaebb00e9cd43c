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
