//! Pickle codec throughput on two workloads, for `bench/run pickle`, which runs
//! CPython's `pickle` on the same values in the same run. Prints JSON: median seconds.
//!
//!     cargo run --release --example pickle_bench [repetitions]
use std::time::Instant;

use ray_client::pickle::{decode, encode, reject_persistent, Limits};
use ray_client::Value;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn time(reps: usize, mut f: impl FnMut()) -> f64 {
    median(
        (0..reps)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed().as_secs_f64()
            })
            .collect(),
    )
}

fn main() {
    let reps: usize = std::env::args().nth(1).map_or(5, |s| s.parse().unwrap());
    let limits = Limits::default();
    let big = Value::bytes(vec![0x5au8; 100 << 20]);
    let ints = Value::List((0..1_000_000i64).map(|i| Value::Int(i % 1000)).collect());
    let mut out = Vec::new();
    for (name, value) in [("bytes_100mib", &big), ("list_1m_ints", &ints)] {
        let pickled = bytes::Bytes::from(encode(value).unwrap());
        let enc = time(reps, || {
            std::hint::black_box(encode(value).unwrap());
        });
        let dec = time(reps, || {
            std::hint::black_box(decode(&pickled, &limits, &mut reject_persistent).unwrap());
        });
        out.push(format!(
            "\"{name}\": {{\"encode_s\": {enc:e}, \"decode_s\": {dec:e}}}"
        ));
    }
    println!("{{{}}}", out.join(", "));
}
