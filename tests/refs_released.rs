//! Ten thousand refs held and then released leave no reference behind on the server
//! (checked through the cluster's own state, like `ray memory`). Its own test binary, so
//! that its memory does not count in the RSS of the load test (tests/load.rs).
mod common;

use ray_client::{Client, ObjectRef, Value};

/// Object references the cluster's workers of `client`'s job hold, as the raylets
/// report them (the data behind `ray memory`).
fn server_side_refs(client: &Client) -> usize {
    let job = client.runtime_context().unwrap().job_id;
    common::job_query("worker_refs.py", &job)
        .parse()
        .expect("a count")
}

/// A Datapath round trip: the server handles Datapath requests in order, so when this
/// returns, every release sent before it was applied.
fn sync(client: &Client) {
    let r = client.put(Value::from(0)).unwrap();
    client.get(&r).unwrap();
}

#[test]
fn ten_thousand_refs_released_leave_nothing_on_the_server() {
    let client = common::client();
    sync(&client);
    let baseline = server_side_refs(&client);
    let refs: Vec<ObjectRef> = (0..10_000)
        .map(|i| client.put(Value::from(i)).unwrap())
        .collect();
    sync(&client);
    let held = server_side_refs(&client);
    // Not baseline + 10,000: the baseline may count the ref of the first sync, which
    // the server may have dropped by now (Ray 2.9 reports it there, then not).
    assert!(
        held >= 10_000,
        "the server holds {held} refs with 10,000 outstanding (baseline {baseline})"
    );
    // Spot-check that they are the values put.
    assert_eq!(client.get(&refs[4321]).unwrap(), Value::from(4321));
    drop(refs);
    sync(&client);
    let after = server_side_refs(&client);
    assert!(
        after <= baseline,
        "{after} refs left on the server after releasing all (baseline {baseline})"
    );
}
