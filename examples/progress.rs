//! A large object to the cluster and back with progress bars: `put_with_progress` and
//! `get_with_progress` report (bytes done, bytes total) from a thread of the library's,
//! at most ten times a second, the last report before the call returns.
//!
//!   cargo run --release --example progress -- [ray://host:port] [MiB, default 1024]
//!
//! The address defaults to `RAY_ADDRESS`.
use std::io::Write;
use std::time::Instant;

use ray_client::{Client, Value};

/// Draws `done` of `total` as a bar on one line of stderr (`\r` rewrites it).
fn bar(what: &'static str) -> impl Fn(u64, u64) + Send + Sync + 'static {
    move |done, total| {
        let width = 40;
        let filled = match total {
            0 => 0,
            t => (done as u128 * width as u128 / t as u128) as usize,
        };
        let mib = |b: u64| format!("{:.1}", b as f64 / (1 << 20) as f64);
        // A get learns the total with its first chunk.
        let of = if total == 0 {
            "?".to_owned()
        } else {
            mib(total)
        };
        eprint!(
            "\r{what} [{}{}] {:>7} / {of} MiB",
            "#".repeat(filled),
            " ".repeat(width - filled),
            mib(done)
        );
        if total > 0 && done == total {
            eprintln!();
        }
        let _ = std::io::stderr().flush();
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let address = args.next().unwrap_or_default();
    let mib: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(1024);
    let client = Client::connect(&address)?;
    let data = bytes::Bytes::from(vec![0x2a_u8; mib << 20]);

    let started = Instant::now();
    let r = client.put_with_progress(Value::Bytes(data.clone()), bar("put"))?;
    let put = started.elapsed();
    let started = Instant::now();
    let back = client.get_with_progress(&r, None, bar("get"))?;
    let get = started.elapsed();
    let same = back.as_bytes() == Some(&data[..]);
    println!(
        "{mib} MiB: put {:.2} s, get {:.2} s, {}",
        put.as_secs_f64(),
        get.as_secs_f64(),
        if same {
            "the same bytes back"
        } else {
            "DIFFERENT bytes back"
        }
    );
    client.disconnect();
    match same {
        true => Ok(()),
        false => Err("the object changed in transit".into()),
    }
}
