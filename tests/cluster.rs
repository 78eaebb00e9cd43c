//! Cluster resources against the real cluster (the harness starts the head with 4 CPUs).
mod common;

#[test]
fn cluster_and_available_resources() {
    let client = common::client();
    let total = client.cluster_resources().unwrap();
    assert_eq!(total.get("CPU"), Some(&4.0), "{total:?}");
    assert!(total.get("memory").is_some_and(|m| *m > 0.0), "{total:?}");
    assert!(total.keys().any(|k| k.starts_with("node:")), "{total:?}");
    let available = client.available_resources().unwrap();
    let cpu = available.get("CPU").copied().unwrap_or(0.0);
    assert!((0.0..=4.0).contains(&cpu), "{available:?}");
}
