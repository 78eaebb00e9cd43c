//! Quickstart: connect to a Ray cluster, put and get values, call remote Python functions.
//!
//!     cargo run --example quickstart -- ray://127.0.0.1:10001
//!
//! Without an argument the address comes from `RAY_ADDRESS`. The functions called here
//! are from Python's standard library, so any cluster has them.
use ray_client::{Client, RemoteFunction, Value};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let address = std::env::args().nth(1).unwrap_or_default();
    let start = std::time::Instant::now();
    let client = Client::connect(&address)?;
    let info = client.server_info();
    println!(
        "connected to {} in {:.2} s: Ray {} on Python {}",
        client.address(),
        start.elapsed().as_secs_f64(),
        info.ray_version,
        info.python_version
    );

    // put / get
    let value = Value::dict([
        ("name", Value::str("ray-client")),
        (
            "numbers",
            Value::List(vec![1.into(), 2.into(), 3.into(), 4.into()]),
        ),
    ]);
    let r = client.put(value.clone())?;
    println!("put {value} -> {r:?}");
    assert_eq!(client.get(&r)?, value);
    println!("get -> same value back");

    // a remote function, with a ref as its argument: Ray resolves it first
    let numbers = client.put(Value::List(vec![1.into(), 2.into(), 3.into(), 4.into()]))?;
    let mean = RemoteFunction::new("statistics", "mean")?;
    let m = client.call(&mean, vec![Value::from(&numbers)], vec![])?;
    println!(
        "statistics.mean([1, 2, 3, 4]) on the cluster = {}",
        client.get(&m)?
    );

    // keyword arguments
    let dumps = RemoteFunction::new("json", "dumps")?;
    let j = client.call(
        &dumps,
        vec![Value::dict([("b", 1), ("a", 2)])],
        vec![("sort_keys".into(), Value::Bool(true))],
    )?;
    println!(
        "json.dumps({{'b': 1, 'a': 2}}, sort_keys=True) = {}",
        client.get(&j)?
    );

    // a remote exception comes back structured
    let err = client
        .get(&client.call(
            &RemoteFunction::new("json", "loads")?,
            vec![Value::str("{oops")],
            vec![],
        )?)
        .unwrap_err();
    let remote = err.remote().expect("remote error");
    println!(
        "json.loads('{{oops') raised {} remotely: {}",
        remote.cause_type.as_deref().unwrap_or(&remote.type_name),
        remote.message
    );

    println!("cluster resources: {:?}", client.cluster_resources()?);
    client.disconnect();
    println!("disconnected");
    Ok(())
}
