//! Several clusters at once, the default client, and one client shared by many threads.
mod common;

use std::sync::Arc;

use ray_client::{Client, ErrorKind, RemoteFunction, Value};

#[test]
fn default_client_like_ray_init() {
    assert!(!ray_client::is_initialized());
    assert_eq!(
        ray_client::default_client().err().unwrap().kind(),
        ErrorKind::InvalidArgument
    );
    let client = ray_client::init(common::options()).unwrap();
    assert!(ray_client::is_initialized());
    let err = ray_client::init(common::options()).err().unwrap();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{err}");
    // An explicit extra client (allow_multiple) is fine alongside the default one.
    let extra = Client::connect(&common::cluster().address).unwrap();
    assert_ne!(extra.client_id(), client.client_id());
    let r = ray_client::default_client()
        .unwrap()
        .put(Value::from(1))
        .unwrap();
    assert_eq!(client.get(&r).unwrap(), Value::from(1));
    ray_client::shutdown();
    assert!(!ray_client::is_initialized());
    assert!(!client.is_connected());
    assert!(extra.is_connected());
}

#[test]
fn two_clusters_at_once_each_with_its_own_refs() {
    let a = common::client();
    let b = Client::connect(&common::second_cluster().address).unwrap();
    assert_ne!(
        a.runtime_context().unwrap().gcs_address,
        b.runtime_context().unwrap().gcs_address
    );
    let ra = a.put(Value::str("on a")).unwrap();
    let rb = b.put(Value::str("on b")).unwrap();
    assert_eq!(a.get(&ra).unwrap(), Value::str("on a"));
    assert_eq!(b.get(&rb).unwrap(), Value::str("on b"));
    let err = b.get(&ra).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    let mean = RemoteFunction::new("statistics", "mean").unwrap();
    let err = b.call(&mean, vec![Value::from(&ra)], vec![]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    // Each cluster runs its own work.
    let list = |c: &Client| {
        c.put(Value::List(vec![1.into(), 2.into(), 3.into()]))
            .unwrap()
    };
    let (la, lb) = (list(&a), list(&b));
    let ma = a.call(&mean, vec![Value::from(&la)], vec![]).unwrap();
    let mb = b.call(&mean, vec![Value::from(&lb)], vec![]).unwrap();
    assert_eq!(a.get(&ma).unwrap(), Value::from(2));
    assert_eq!(b.get(&mb).unwrap(), Value::from(2));
}

#[test]
fn one_client_shared_by_many_threads() {
    let client = Arc::new(common::client());
    let square = common::task("square");
    let threads: Vec<_> = (0..16i64)
        .map(|t| {
            let client = client.clone();
            let square = square.clone();
            std::thread::spawn(move || {
                for i in 0..25i64 {
                    let x = t * 1000 + i;
                    let r = client.put(Value::from(x)).unwrap();
                    let s = client.call(&square, vec![Value::from(&r)], vec![]).unwrap();
                    assert_eq!(client.get(&s).unwrap(), Value::from(x * x));
                    assert_eq!(client.get(&r).unwrap(), Value::from(x));
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
}

#[test]
fn async_forms_work_from_another_executor() {
    let client = common::client();
    let square = common::task("square");
    futures::executor::block_on(async {
        let r = client.put_async(Value::from(12)).await.unwrap();
        let s = client.call(&square, vec![Value::from(&r)], vec![]).unwrap();
        let (ready, _) = client
            .wait_async(std::slice::from_ref(&s), 1, None)
            .await
            .unwrap();
        assert_eq!(ready.len(), 1);
        let values = client.get_async(&[s, r], None).await.unwrap();
        assert_eq!(values, vec![Value::from(144), Value::from(12)]);
        let c2 = Client::connect_async(common::options()).await.unwrap();
        assert!(c2.is_connected());
    });
}

#[test]
fn cluster_information() {
    let client = common::client();
    let nodes = client.nodes().unwrap();
    assert_eq!(nodes.len(), 2, "{nodes:?}");
    assert!(nodes
        .iter()
        .all(|n| n.get_str("Alive") == Some(&Value::Bool(true))));
    let ids: Vec<_> = nodes
        .iter()
        .filter_map(|n| n.get_str("NodeID").and_then(Value::as_str))
        .collect();
    assert!(
        ids.contains(&common::cluster().node2_id.as_deref().unwrap()),
        "{ids:?}"
    );
    assert!(client.is_initialized().unwrap());
    client.ping().unwrap();
    // The test cluster runs without a dashboard.
    let url = client.dashboard_url().unwrap();
    assert!(url.is_empty() || url.contains(':'), "{url}");
}
