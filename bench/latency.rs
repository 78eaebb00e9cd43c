//! Latency of the basic operations, for the side-by-side comparison with the Python
//! client (`bench/run latency`). Prints one JSON object of medians in ms.
//!
//!     cargo run --release --example latency -- ray://127.0.0.1:10001 [repetitions]
use std::time::Instant;

use ray_client::{Client, ConnectOptions, RemoteFunction, Value};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let address = std::env::args().nth(1).unwrap_or_default();
    let reps: usize = std::env::args().nth(2).map_or(Ok(200), |s| s.parse())?;

    let start = Instant::now();
    // The workload's Python functions travel as the job's working_dir, as for the
    // Python client in bench/python/latency.py.
    let test_modules = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python");
    let env = Value::dict([
        ("working_dir", Value::str(test_modules)),
        ("excludes", Value::List(vec![Value::str("__pycache__")])),
    ]);
    let client = Client::connect_with(ConnectOptions::new(address.clone()).runtime_env(env))?;
    let nop = RemoteFunction::new("rc_test_tasks", "nop")?;
    client.get(&client.call(&nop, vec![], vec![])?)?;
    let connect_ms = start.elapsed().as_secs_f64() * 1e3;

    let mut put_get = Vec::with_capacity(reps);
    let mut task = Vec::with_capacity(reps);
    for i in 0..reps {
        let t = Instant::now();
        let r = client.put(Value::from(i as i64))?;
        client.get(&r)?;
        put_get.push(t.elapsed().as_secs_f64() * 1e3);

        let t = Instant::now();
        client.get(&client.call(&nop, vec![], vec![])?)?;
        task.push(t.elapsed().as_secs_f64() * 1e3);
    }
    println!(
        "{{\"connect_ms\": {connect_ms:.2}, \"put_get_ms\": {:.3}, \"task_ms\": {:.3}}}",
        median(put_get),
        median(task)
    );
    client.disconnect();
    Ok(())
}
