//! Progress of one large transfer, a put or a get: bytes done out of bytes total, handed
//! to the caller's callback from a thread of its own (never the I/O thread, which must
//! not wait on a caller's code, nor the caller's, which is blocked in the call) at most
//! every [`REPORT_INTERVAL`], and once more at the end.
//!
//! The transport counts: a put's bytes as the connection takes its chunks (gRPC's flow
//! control paces that to what the network carries), a get's as they arrive. A transfer
//! restarted by a reconnect counts again from where it restarts.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// Receives `(done, total)` in bytes; `total` is 0 while a get does not know it yet.
pub type ProgressFn = Arc<dyn Fn(u64, u64) + Send + Sync>;

/// The longest a callback waits for news: at most ten calls a second.
pub const REPORT_INTERVAL: Duration = Duration::from_millis(100);

/// The counters one transfer updates, and the thread that reports them.
#[derive(Debug)]
pub(crate) struct Tracker {
    done: AtomicU64,
    total: AtomicU64,
    finished: AtomicBool,
    reporter: Mutex<Option<JoinHandle<()>>>,
}

impl Tracker {
    /// Starts reporting to `report` (first `(0, total)`).
    pub(crate) fn start(report: ProgressFn, total: u64) -> Arc<Tracker> {
        let tracker = Arc::new(Tracker {
            done: AtomicU64::new(0),
            total: AtomicU64::new(total),
            finished: AtomicBool::new(false),
            reporter: Mutex::new(None),
        });
        let t = tracker.clone();
        let (first_done, first) = std::sync::mpsc::channel();
        let spawned = std::thread::Builder::new()
            .name("ray-client-progress".to_owned())
            .spawn(move || t.report_until_finished(&*report, first_done));
        // Without a thread (the system refused one) the transfer goes on unreported.
        if spawned.is_ok() {
            // The first report, (0, total), comes before the transfer starts.
            let _ = first.recv();
        }
        *tracker.reporter.lock().unwrap_or_else(|e| e.into_inner()) = spawned.ok();
        tracker
    }

    fn report_until_finished(
        &self,
        report: &(dyn Fn(u64, u64) + Send + Sync),
        first_done: std::sync::mpsc::Sender<()>,
    ) {
        let mut last = None;
        let mut first_done = Some(first_done);
        loop {
            let finished = self.finished.load(Ordering::Acquire);
            let now = (self.done(), self.total.load(Ordering::Relaxed));
            if last != Some(now) {
                report(now.0, now.1);
                last = Some(now);
            }
            if let Some(tx) = first_done.take() {
                let _ = tx.send(());
            }
            if finished {
                return;
            }
            // park_timeout may return early (finish unparks; it may also wake for
            // nothing): only the end cuts an interval short.
            let until = std::time::Instant::now() + REPORT_INTERVAL;
            loop {
                let now = std::time::Instant::now();
                if now >= until || self.finished.load(Ordering::Acquire) {
                    break;
                }
                std::thread::park_timeout(until - now);
            }
        }
    }

    /// Bytes done so far, never more than the total once it is known.
    fn done(&self) -> u64 {
        let done = self.done.load(Ordering::Relaxed);
        match self.total.load(Ordering::Relaxed) {
            0 => done,
            total => done.min(total),
        }
    }

    pub(crate) fn add(&self, bytes: u64) {
        self.done.fetch_add(bytes, Ordering::Relaxed);
    }

    /// Bytes done so far, as counted by the transport (a get's received bytes).
    pub(crate) fn set(&self, done: u64, total: u64) {
        self.done.store(done, Ordering::Relaxed);
        if total > 0 {
            self.total.store(total, Ordering::Relaxed);
        }
    }

    /// The transfer starts over (sent again after a reconnect).
    pub(crate) fn restart(&self) {
        self.done.store(0, Ordering::Relaxed);
    }

    /// The transfer ended: reports where it stands (all of it when `complete`) and waits
    /// for the reporter, so the caller's last callback has returned when the call does.
    pub(crate) fn finish(&self, complete: bool) {
        if complete {
            let total = self.total.load(Ordering::Relaxed);
            self.done.store(
                total.max(self.done.load(Ordering::Relaxed)),
                Ordering::Relaxed,
            );
        }
        self.finished.store(true, Ordering::Release);
        let reporter = self
            .reporter
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(handle) = reporter {
            handle.thread().unpark();
            let _ = handle.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_change_at_a_bounded_rate_and_the_end_before_finish_returns() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let s = seen.clone();
        let t = Tracker::start(Arc::new(move |d, n| s.lock().unwrap().push((d, n))), 1000);
        for _ in 0..10 {
            t.add(50);
        }
        t.restart();
        t.add(2000);
        t.finish(true);
        let seen = seen.lock().unwrap();
        assert_eq!(seen.first(), Some(&(0, 1000)));
        assert_eq!(seen.last(), Some(&(1000, 1000)));
        // Never more than the total, and far fewer reports than updates.
        assert!(
            seen.iter().all(|&(d, n)| d <= n) && seen.len() <= 4,
            "{seen:?}"
        );
    }
}
