//! One benchmark workload against a cluster, for `bench/run`, which runs the
//! same workload with the Python Ray Client (`bench/python/bench.py`) in alternation.
//! Each run is its own process, so peak RSS is the workload's. Prints one JSON object:
//! wall seconds, client CPU seconds (user + sys, all threads) and peak RSS in MiB.
//!
//!     cargo run --release --example bench -- WORKLOAD ray://127.0.0.1:10001
//!
//! Workloads: connect, task_sync, tasks_pipelined, actor_sync, actor_pipelined,
//! request_floor (1,000 of the cheapest Datapath request), put_get_small, put_1m,
//! get_1m, put_64m, get_64m, put_512m, get_512m, numpy_put_64m, numpy_get_64m, wait_1000.
use std::time::Instant;

use ray_client::{ActorClass, Client, ConnectOptions, NdArray, RemoteFunction, Value};

fn cpu_seconds() -> f64 {
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage fills the struct it is given.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) };
    let t = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 * 1e-6;
    t(u.ru_utime) + t(u.ru_stime)
}

fn peak_rss_mib() -> f64 {
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) };
    u.ru_maxrss as f64 / 1024.0
}

/// Fields after the command name of /proc/PID/stat (field 3, the state, is index 0).
fn proc_stat(pid: &str) -> Option<Vec<u64>> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, rest) = stat.rsplit_once(')')?;
    Some(
        rest.split_whitespace()
            .map(|f| f.parse().unwrap_or(0))
            .collect(),
    )
}

/// The cluster's server process for this client: the youngest `specific-server` (the
/// proxy starts one per client). Its CPU time is the server's side of the workload.
fn server_process() -> Option<String> {
    youngest_process(b"specific-server")
}

/// The cluster's client proxy (`--mode=proxy`), which every message of every client
/// passes through on its way to the client's server.
fn proxy_process() -> Option<String> {
    youngest_process(b"--mode=proxy")
}

/// The youngest process whose command line contains `marker`.
fn youngest_process(marker: &[u8]) -> Option<String> {
    std::fs::read_dir("/proc")
        .ok()?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|pid| pid.bytes().all(|b| b.is_ascii_digit()))
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|c| c.windows(marker.len()).any(|w| w == marker))
        })
        .filter_map(|pid| Some((*proc_stat(&pid)?.get(19)?, pid)))
        .max()
        .map(|(_, pid)| pid)
}

/// CPU time the whole machine spent busy (every process, the kernel; not idle or waiting
/// for I/O), from the first line of /proc/stat. With the client's own time taken off, it
/// is what the cluster cost: the server, raylet, workers, GCS, and the loopback network.
fn machine_cpu() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let fields: Vec<u64> = stat
        .lines()
        .next()?
        .split_whitespace()
        .skip(1)
        .map(|f| f.parse().unwrap_or(0))
        .collect();
    let (idle, iowait) = (*fields.get(3)?, *fields.get(4)?);
    // Fields 9 and 10 (guest time) are already counted in user time.
    let total: u64 = fields.iter().take(8).sum();
    // SAFETY: sysconf only reads a system constant.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    Some((total - idle - iowait) as f64 / ticks)
}

/// User + system CPU seconds of process `pid`.
fn process_cpu(pid: Option<&str>) -> Option<f64> {
    let stat = proc_stat(pid?)?;
    // SAFETY: sysconf only reads a system constant.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    Some((stat.get(11)? + stat.get(12)?) as f64 / ticks)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let workload = args.next().expect("workload");
    let address = args.next().unwrap_or_default();
    let nop = RemoteFunction::new("rc_test_tasks", "nop")?;

    let (wall0, cpu0) = (Instant::now(), cpu_seconds());
    // The workload's Python functions travel as the job's working_dir, as for the
    // Python client in bench/python/bench.py.
    let test_modules = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python");
    let env = Value::dict([
        ("working_dir", Value::str(test_modules)),
        ("excludes", Value::List(vec![Value::str("__pycache__")])),
    ]);
    let client = Client::connect_with(ConnectOptions::new(address.clone()).runtime_env(env))?;
    client.get(&client.call(&nop, vec![], vec![])?)?;
    if workload == "connect" {
        return report(wall0, cpu0, ClusterCpu::default(), None);
    }
    let (server, proxy) = (server_process(), proxy_process());

    // Inputs are made before the clock starts.
    let mib = |n: usize| Value::bytes(vec![0x5au8; n << 20]);
    let data = match workload.as_str() {
        "put_1m" => Some(mib(1)),
        "put_64m" => Some(mib(64)),
        "put_512m" => Some(mib(512)),
        "numpy_put_64m" => Some(Value::from(NdArray::from_vec(vec![1.5f64; 8 << 20]))),
        _ => None,
    };
    let stored = match workload.as_str() {
        "get_1m" | "get_64m" | "get_512m" => {
            let n: usize = workload
                .trim_start_matches("get_")
                .trim_end_matches('m')
                .parse()?;
            let make = RemoteFunction::new("rc_test_tasks", "make_bytes")?;
            let r = client.call(&make, vec![Value::from((n << 20) as u64)], vec![])?;
            client.wait(std::slice::from_ref(&r), 1, None)?;
            Some(r)
        }
        "numpy_get_64m" => {
            let make = RemoteFunction::new("rc_test_tasks", "make_array")?;
            let r = client.call(&make, vec![Value::from(1024), Value::from(8192)], vec![])?;
            client.wait(std::slice::from_ref(&r), 1, None)?;
            Some(r)
        }
        _ => None,
    };
    let counter = ActorClass::new("rc_test_tasks", "Counter")?;
    let actor = if workload.starts_with("actor") {
        let a = client.create_actor(&counter, vec![], vec![])?;
        client.get(&client.call_method(&a, "get", vec![], vec![])?)?;
        Some(a)
    } else {
        None
    };
    // A stream's first use also creates the client's actor that runs its streams (one
    // Ray worker start), made before the clock as the actor workloads' actor is.
    if workload.starts_with("stream") {
        let warm = client.call_streaming(
            &RemoteFunction::new("rc_streams", "count")?,
            vec![Value::from(1)],
            vec![],
        )?;
        for item in warm.iter() {
            item?;
        }
    }
    let waitees = if workload == "wait_1000" {
        let refs: Vec<_> = (0..1000)
            .map(|i| client.put(Value::from(i)))
            .collect::<Result<_, _>>()?;
        Some(refs)
    } else {
        None
    };

    let (server, proxy) = (server.as_deref(), proxy.as_deref());
    let (wall0, cpu0) = (Instant::now(), cpu_seconds());
    let (server0, proxy0) = (process_cpu(server), process_cpu(proxy));
    let machine0 = machine_cpu();
    // Streams: the time to the first item, besides the time to the last.
    let mut first_item = None;
    match workload.as_str() {
        "task_sync" => {
            for _ in 0..500 {
                client.get(&client.call(&nop, vec![], vec![])?)?;
            }
        }
        "tasks_pipelined" => {
            let refs: Vec<_> = (0..5000)
                .map(|_| client.call(&nop, vec![], vec![]))
                .collect::<Result<_, _>>()?;
            client.get_many(&refs, None)?;
        }
        "actor_sync" => {
            let a = actor.as_ref().unwrap();
            for _ in 0..2000 {
                client.get(&client.call_method(a, "incr", vec![], vec![])?)?;
            }
        }
        "actor_pipelined" => {
            let a = actor.as_ref().unwrap();
            let refs: Vec<_> = (0..10_000)
                .map(|_| client.call_method(a, "incr", vec![], vec![]))
                .collect::<Result<_, _>>()?;
            client.get_many(&refs, None)?;
        }
        "request_floor" => {
            for _ in 0..1000 {
                client.__datapath_round_trip()?;
            }
        }
        "put_get_small" => {
            for i in 0..1000 {
                client.get(&client.put(Value::from(i))?)?;
            }
        }
        "put_1m" | "put_64m" | "put_512m" | "numpy_put_64m" => {
            client.put(data.unwrap())?;
        }
        "get_1m" | "get_64m" | "get_512m" | "numpy_get_64m" => {
            std::hint::black_box(client.get(stored.as_ref().unwrap())?);
        }
        "wait_1000" => {
            let refs = waitees.as_ref().unwrap();
            client.wait(refs, refs.len(), None)?;
        }
        "stream_10k_small" | "stream_100_1m" => {
            let (generator, args) = match workload.as_str() {
                "stream_10k_small" => ("count", vec![Value::from(10_000)]),
                _ => ("chunks", vec![Value::from(100), Value::from(1 << 20)]),
            };
            let stream = client.call_streaming(
                &RemoteFunction::new("rc_streams", generator)?,
                args,
                vec![],
            )?;
            let mut n = 0;
            for item in stream.iter() {
                std::hint::black_box(item?);
                if n == 0 {
                    first_item = Some(wall0.elapsed().as_secs_f64());
                }
                n += 1;
            }
            assert_eq!(
                n,
                if workload == "stream_10k_small" {
                    10_000
                } else {
                    100
                }
            );
        }
        other => return Err(format!("unknown workload {other}").into()),
    }
    let machine = machine0.zip(machine_cpu());
    let cluster = ClusterCpu {
        server: server0.zip(process_cpu(server)),
        proxy: proxy0.zip(process_cpu(proxy)),
        machine,
    };
    report(wall0, cpu0, cluster, first_item)
}

/// CPU seconds (before, after) the cluster spent during a workload, where they could be
/// read: this client's server process, the client proxy, and the whole machine.
#[derive(Default)]
struct ClusterCpu {
    server: Option<(f64, f64)>,
    proxy: Option<(f64, f64)>,
    machine: Option<(f64, f64)>,
}

/// Prints the JSON line.
fn report(
    wall0: Instant,
    cpu0: f64,
    cluster: ClusterCpu,
    first_item: Option<f64>,
) -> Result<(), Box<dyn std::error::Error>> {
    let first_item = first_item.map_or(String::new(), |s| {
        format!(", \"first_item_seconds\": {s:.6}")
    });
    let delta =
        |d: Option<(f64, f64)>| d.map_or("null".to_owned(), |(a, b)| format!("{:.6}", b - a));
    let (server, proxy, machine) = (
        delta(cluster.server),
        delta(cluster.proxy),
        delta(cluster.machine),
    );
    println!(
        "{{\"seconds\": {:.6}, \"cpu_seconds\": {:.6}, \"peak_rss_mib\": {:.1}, \"server_cpu_seconds\": {server}, \"proxy_cpu_seconds\": {proxy}, \"machine_cpu_seconds\": {machine}{first_item}}}",
        wall0.elapsed().as_secs_f64(),
        cpu_seconds() - cpu0,
        peak_rss_mib()
    );
    Ok(())
}
