//! Load against the real cluster: many threads sharing one client for minutes (no
//! deadlock, flat memory). Alone in its test binary (the process whose RSS it judges);
//! the 10,000 refs test is tests/refs_released.rs.
mod common;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use common::XorShift;
use ray_client::{ObjectRef, Value};

/// Counts the bytes this process has allocated and not freed, to tell a leak (live heap
/// grows) from allocator fragmentation (RSS grows, live heap flat).
struct CountingAllocator;

static LIVE_BYTES: AtomicU64 = AtomicU64::new(0);

unsafe impl std::alloc::GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        let p = unsafe { std::alloc::System.alloc(layout) };
        if !p.is_null() {
            LIVE_BYTES.fetch_add(layout.size() as u64, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        unsafe { std::alloc::System.dealloc(ptr, layout) };
        LIVE_BYTES.fetch_sub(layout.size() as u64, Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new: usize) -> *mut u8 {
        let p = unsafe { std::alloc::System.realloc(ptr, layout, new) };
        if !p.is_null() {
            LIVE_BYTES.fetch_add(new as u64, Ordering::Relaxed);
            LIVE_BYTES.fetch_sub(layout.size() as u64, Ordering::Relaxed);
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

fn live_kib() -> u64 {
    LIVE_BYTES.load(Ordering::Relaxed) / 1024
}

/// This process's resident set size, measured after handing the C heap's free memory back
/// to the system (glibc's `malloc_trim`, as the Go load test does), so that a sample counts
/// what is live and fragmented rather than what the allocator keeps cached: with 64
/// threads and values up to 256 KiB, glibc's arenas hold megabytes of free memory that
/// come and go with the moment's load (a run measured +7% without the trim while the live
/// heap shrank).
fn rss_kib() -> u64 {
    #[cfg(target_env = "gnu")]
    // SAFETY: malloc_trim only walks and releases glibc's own free lists.
    unsafe {
        libc::malloc_trim(0);
    }
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/self/status")
}

#[test]
fn sixty_four_threads_share_one_client() {
    // glibc's per-thread caches (tcache: up to 7 free blocks per size class per thread)
    // fill slowly as each of the ~70 threads meets more block sizes, and their memory
    // counts in RSS: with them, RSS crept +5.3% over the two minutes after a 120 s warm-up
    // while the live heap stayed flat; with them off, +0.8% (both 240 s runs). They can only
    // be turned off when a process starts, so the test runs itself again in a child with
    // GLIBC_TUNABLES=glibc.malloc.tcache_count=0, which judges memory the library holds
    // rather than what glibc caches per thread.
    #[cfg(target_env = "gnu")]
    if std::env::var_os("RC_LOAD_TEST_CHILD").is_none() {
        let tunables = match std::env::var("GLIBC_TUNABLES") {
            Ok(t) if !t.is_empty() => format!("{t}:glibc.malloc.tcache_count=0"),
            _ => "glibc.malloc.tcache_count=0".to_owned(),
        };
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "sixty_four_threads_share_one_client",
                "--nocapture",
            ])
            .env("RC_LOAD_TEST_CHILD", "1")
            .env("GLIBC_TUNABLES", tunables)
            .output()
            .expect("running the load test in a child process");
        let stdout = String::from_utf8_lossy(&out.stdout);
        eprintln!("{stdout}{}", String::from_utf8_lossy(&out.stderr));
        // The child must have run this very test: a renamed test would match nothing in
        // the child and pass without running.
        assert!(
            out.status.success() && stdout.contains("test result: ok. 1 passed"),
            "the load test (in a child with glibc's per-thread caches off) failed or did \
             not run: see its output above"
        );
        return;
    }
    // How long the load runs: two minutes of it are judged after the warm-up (the issue
    // asks for at least two minutes).
    let seconds: u64 = std::env::var("RAY_CLIENT_LOAD_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(240);
    let duration = Duration::from_secs(seconds);
    // RSS settles slowly while the live heap stays flat (printed below): glibc's
    // per-thread caches fill as each of the ~70 threads meets more block sizes, and its
    // arenas and adaptive mmap threshold grow with the largest values seen. With a 60 s
    // warm-up a run measured +7% (26.0 -> 27.8 MiB, flat after ~110 s), so the warm-up is
    // the first half, as in the Go load test; and two arenas, as the Go test runs with
    // (MALLOC_ARENA_MAX=2, a usual setting for many-threaded services), so that the bound
    // measures leaks rather than arena spread.
    let warm_up = duration / 2;
    #[cfg(target_env = "gnu")]
    // SAFETY: mallopt only sets a glibc tuning parameter; called before the threads start.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
    let client = common::client();
    let square = common::task("square");
    let counter = client
        .create_actor(&common::counter(), vec![], vec![])
        .unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let ops = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let workers: Vec<_> = (0..64u64)
        .map(|t| {
            let (client, square, counter) = (client.clone(), square.clone(), counter.clone());
            let (stop, ops) = (stop.clone(), ops.clone());
            thread::spawn(move || {
                let mut rng = XorShift(0x9e37_79b9_7f4a_7c15 ^ (t + 1));
                let key = format!("rc-load-{}-{t}", client.client_id());
                let mut i = 0i64;
                while !stop.load(Ordering::Relaxed) {
                    i += 1;
                    match rng.below(6) {
                        0 => {
                            let r = client.call(&square, vec![Value::from(i)], vec![]).unwrap();
                            assert_eq!(client.get(&r).unwrap(), Value::from(i * i));
                        }
                        1 => {
                            let v = Value::Bytes(vec![t as u8; 1 + rng.below(256 * 1024)].into());
                            let r = client.put(v.clone()).unwrap();
                            assert_eq!(client.get(&r).unwrap(), v);
                        }
                        2 => {
                            let r = client
                                .call_method(&counter, "incr", vec![], vec![])
                                .unwrap();
                            client.get(&r).unwrap();
                        }
                        3 => {
                            let v = i.to_string();
                            client
                                .kv_put(key.as_bytes(), v.as_bytes(), true, None)
                                .unwrap();
                            let got = client.kv_get(key.as_bytes(), None).unwrap();
                            assert_eq!(got.as_deref(), Some(v.as_bytes()));
                        }
                        4 => {
                            let refs: Vec<ObjectRef> = (0..8)
                                .map(|j| client.put(Value::from(j)).unwrap())
                                .collect();
                            let (ready, rest) = client.wait(&refs, 8, None).unwrap();
                            assert_eq!((ready.len(), rest.len()), (8, 0));
                        }
                        _ => {
                            let refs: Vec<ObjectRef> = (0..16)
                                .map(|j| {
                                    client.call(&square, vec![Value::from(j)], vec![]).unwrap()
                                })
                                .collect();
                            let got = client.get_many(&refs, None).unwrap();
                            assert_eq!(got[15], Value::from(225));
                        }
                    }
                    ops.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();

    thread::sleep(warm_up);
    let ops_after_warm_up = ops.load(Ordering::Relaxed);
    // Samples every quarter second. One sample swings by +-5% with the values in flight
    // at that moment (64 threads, values up to 256 KiB: the live heap alone moves between
    // 4 and 12 MiB), so growth is read from the trend of all the samples of the judged
    // window, not from its first and last sample: a run whose RSS minus live heap was flat
    // to 0.1% measured +6.9% from two single samples.
    let mut samples = vec![(rss_kib(), live_kib())];
    while start.elapsed() < duration {
        thread::sleep(Duration::from_millis(250));
        samples.push((rss_kib(), live_kib()));
        assert!(
            workers.iter().all(|w| !w.is_finished()),
            "a worker thread died (see its panic above)"
        );
    }
    // Judged while the 64 threads still run (after they exit, their stacks and caches
    // are gone and RSS drops, which would flatter the result).
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        w.join().expect("a worker thread panicked");
    }
    let total = ops.load(Ordering::Relaxed);
    let rss: Vec<f64> = samples.iter().map(|&(rss, _)| rss as f64).collect();
    let live: Vec<f64> = samples.iter().map(|&(_, live)| live as f64).collect();
    let (rss_growth, rss_mean) = growth_over_window(&rss);
    let (live_growth, live_mean) = growth_over_window(&live);
    let quarter = rss.len() / 4;
    eprintln!(
        "64 threads, {seconds} s: {total} operations ({} after warm-up); after warm-up, \
         {} samples: RSS mean {rss_mean:.0} KiB, peak {:.0} KiB, first/last quarter medians \
         {:.0} / {:.0} KiB, trend over the window {rss_growth:+.0} KiB ({:+.2}%); live heap \
         mean {live_mean:.0} KiB, trend {live_growth:+.0} KiB",
        total - ops_after_warm_up,
        rss.len(),
        rss.iter().cloned().fold(0.0, f64::max),
        median(&rss[..quarter]),
        median(&rss[rss.len() - quarter..]),
        100.0 * rss_growth / rss_mean,
    );
    eprintln!(
        "(RSS, live heap) every second after warm-up (KiB): {:?}",
        samples.iter().step_by(4).collect::<Vec<_>>()
    );
    assert!(total > ops_after_warm_up, "no progress after warm-up");
    assert!(
        rss_growth / rss_mean < 0.05,
        "RSS grew {:.1}% after warm-up (trend of {} samples: {rss_growth:+.0} KiB on a mean \
         of {rss_mean:.0} KiB)",
        100.0 * rss_growth / rss_mean,
        rss.len()
    );
    // RSS alone misses a small leak: leaked blocks fill the free holes of a fragmented
    // heap before they need new pages (measured: 256 bytes forgotten per operation, 4.4 MiB
    // over the window, left the RSS trend at -0.2% while the live heap's rose 4.7 MiB). So
    // the live heap may not grow by 5% of the RSS either.
    assert!(
        live_growth / rss_mean < 0.05,
        "the live heap grew {live_growth:+.0} KiB after warm-up ({:.1}% of the mean RSS of \
         {rss_mean:.0} KiB): memory allocated and not freed",
        100.0 * live_growth / rss_mean
    );
}

/// The growth of `y` (samples at equal intervals) over its whole window as the
/// least-squares line through all samples reads it (slope times the window's length),
/// and the mean of `y`. A steady leak shows in full; the moment's noise averages out.
fn growth_over_window(y: &[f64]) -> (f64, f64) {
    let n = y.len() as f64;
    let mean_x = (n - 1.0) / 2.0;
    let mean_y = y.iter().sum::<f64>() / n;
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for (i, v) in y.iter().enumerate() {
        let dx = i as f64 - mean_x;
        sxy += dx * (v - mean_y);
        sxx += dx * dx;
    }
    let slope = if sxx > 0.0 { sxy / sxx } else { 0.0 };
    (slope * (n - 1.0), mean_y)
}

fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}
