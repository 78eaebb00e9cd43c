//! The one runtime thread. Every gRPC channel and stream of every client in the process
//! lives on a single tokio current-thread runtime, on a thread of its own. Public blocking
//! calls hand their work to it and wait; async calls await the same work from any
//! executor. Heavy CPU work (pickling large values) stays on the caller's thread so the
//! runtime thread only moves bytes.

use std::future::Future;
use std::sync::OnceLock;
use std::thread::ThreadId;

use tokio::runtime::Handle;
use tokio::task::JoinHandle;

use crate::error::{Error, Result};

struct Runtime {
    handle: Handle,
    thread: ThreadId,
}

static RUNTIME: OnceLock<Runtime> = OnceLock::new();

fn runtime() -> &'static Runtime {
    RUNTIME.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .thread_name("ray-client-io")
            .build()
            .expect("building the tokio runtime");
        let handle = rt.handle().clone();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::Builder::new()
            .name("ray-client-io".into())
            .spawn(move || {
                block_sigpipe();
                tx.send(std::thread::current().id()).ok();
                rt.block_on(std::future::pending::<()>());
            })
            .expect("spawning the ray-client runtime thread");
        let thread = rx.recv().expect("runtime thread started");
        Runtime { handle, thread }
    })
}

/// Blocks SIGPIPE on the calling thread. Every socket of the library is written on the
/// I/O thread, and a vectored write (`writev`, which hyper uses) to a connection the peer
/// closed raises SIGPIPE, whose default action kills the process: harmless in a Rust
/// program (std ignores SIGPIPE at start-up) but fatal in a C, Go or Swift host. Blocked
/// here, the signal stays pending on this thread and the write fails with EPIPE, which
/// the connection code handles; the host's own signal handling is left alone.
fn block_sigpipe() {
    #[cfg(unix)]
    // SAFETY: plain libc calls on a local, initialised signal set.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGPIPE);
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
    }
}

/// True on the runtime thread itself, where blocking would deadlock.
pub(crate) fn on_runtime_thread() -> bool {
    RUNTIME
        .get()
        .is_some_and(|rt| rt.thread == std::thread::current().id())
}

/// Runs `fut` on the runtime thread.
pub(crate) fn spawn<F>(fut: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    runtime().handle.spawn(fut)
}

/// Runs `fut` on the runtime thread and blocks the calling thread until it finishes.
pub(crate) fn block_on<F, T>(fut: F) -> Result<T>
where
    F: Future<Output = Result<T>> + Send + 'static,
    T: Send + 'static,
{
    if on_runtime_thread() {
        return Err(Error::invalid(
            "a blocking ray-client call was made from the client's I/O thread (inside a \
             callback); use the asynchronous form there",
        ));
    }
    // A plain channel, not an executor: this works from any thread, including one that
    // is itself running some other async executor.
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    spawn(async move {
        tx.send(fut.await).ok();
    });
    rx.recv()
        .unwrap_or_else(|_| Err(Error::internal("the ray-client I/O task was dropped")))
}

/// Awaits a task spawned with [`spawn`], from any executor. Dropping the returned
/// future (a caller that gave up, a `select!` that took another branch) aborts the task,
/// so an abandoned get stops polling the server.
pub(crate) async fn join<T>(handle: JoinHandle<Result<T>>) -> Result<T> {
    struct AbortOnDrop<T>(JoinHandle<T>);
    impl<T> Drop for AbortOnDrop<T> {
        fn drop(&mut self) {
            self.0.abort();
        }
    }
    let mut guard = AbortOnDrop(handle);
    match (&mut guard.0).await {
        Ok(r) => r,
        Err(e) => Err(Error::internal(format!("ray-client I/O task failed: {e}"))),
    }
}
