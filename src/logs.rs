//! Task and actor output streamed back to the client (the `Logstream` service), like
//! Python's `log_to_driver`: printed to this process's stderr by default, or handed to a
//! callback, or switched off.

use std::fmt;
use std::sync::Arc;

use tokio::sync::mpsc;
use tokio::task::AbortHandle;

use crate::connection::{Connection, ConnectionState};
use crate::proto::raylet_log_streamer_client::RayletLogStreamerClient;
use crate::proto::{LogData, LogSettingsRequest};

/// Python's `logging.INFO`, the level Python's client asks for.
const INFO: i32 = 20;

/// One line (or block) of output from the cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRecord {
    /// The text, with its trailing newline, prefixed by Ray with the task or actor and
    /// its pid, e.g. `(shout pid=1234) hello`. Without terminal colour codes (Ray colours
    /// the prefix for a terminal; the default printer to stderr keeps them when stderr
    /// is one).
    pub message: String,
    /// -1 for stdout, -2 for stderr, otherwise a Python logging level.
    pub level: i32,
    /// The logger name for logging records.
    pub name: String,
}

impl LogRecord {
    pub fn is_stdout(&self) -> bool {
        self.level == -1
    }

    pub fn is_stderr(&self) -> bool {
        self.level == -2
    }
}

impl From<LogData> for LogRecord {
    fn from(data: LogData) -> Self {
        LogRecord {
            message: crate::ansi::strip(&data.msg),
            level: data.level,
            name: data.name,
        }
    }
}

/// Prints a record to this process's stderr as Python's client shows it: task output as
/// it came (with its colours when stderr is a terminal), and the client server's own
/// log records (`level` >= 0, e.g. its `logger.exception("Put failed:")`) marked as
/// coming from the server, with their level, not as bare text.
fn print_to_stderr(data: &LogData) {
    use std::io::IsTerminal;
    let text = match std::io::stderr().is_terminal() {
        true => data.msg.clone(),
        false => crate::ansi::strip(&data.msg),
    };
    if data.level < 0 {
        eprint!("{text}");
        return;
    }
    let level = match data.level {
        ..=10 => "DEBUG",
        11..=20 => "INFO",
        21..=30 => "WARNING",
        31..=40 => "ERROR",
        _ => "CRITICAL",
    };
    let source = match data.name.as_str() {
        "" => "ray client server".to_owned(),
        name => format!("ray client server, {name}"),
    };
    eprintln!("({source}) {level}: {}", text.trim_end());
}

/// Where streamed output goes.
#[derive(Clone, Default)]
pub enum LogHandler {
    /// Printed to this process's stderr (the default).
    #[default]
    Stderr,
    /// Not streamed at all.
    Off,
    /// Handed to a callback. It runs on the library's I/O thread: it must return quickly
    /// and must not make blocking calls on a client (those fail with an error there).
    Callback(Arc<dyn Fn(&LogRecord) + Send + Sync>),
}

impl fmt::Debug for LogHandler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LogHandler::Stderr => "Stderr",
            LogHandler::Off => "Off",
            LogHandler::Callback(_) => "Callback",
        })
    }
}

/// A running log stream; dropping it does not stop it, [`LogStream::stop`] does.
pub(crate) struct LogStream {
    abort: AbortHandle,
    _settings: mpsc::UnboundedSender<LogSettingsRequest>,
}

impl LogStream {
    /// Starts streaming on the runtime thread. Returns `None` for [`LogHandler::Off`].
    pub(crate) fn start(conn: &Connection, handler: LogHandler) -> Option<LogStream> {
        if matches!(handler, LogHandler::Off) {
            return None;
        }
        let (settings, rx) = mpsc::unbounded_channel::<LogSettingsRequest>();
        let conn = conn.clone();
        let task = tokio::spawn(async move {
            let mut settings = rx;
            let mut state = conn.watch_state();
            loop {
                // The settings stream is the request half; a new stream after a reconnect
                // needs the settings again, so they are re-sent ahead of what follows.
                let (tx, again) = mpsc::unbounded_channel();
                tx.send(LogSettingsRequest {
                    enabled: true,
                    loglevel: INFO,
                })
                .ok();
                let forward = async {
                    while let Some(s) = settings.recv().await {
                        if tx.send(s).is_err() {
                            break;
                        }
                    }
                };
                let stream = stream_logs(&conn, again, &handler);
                let started = std::time::Instant::now();
                tokio::select! {
                    _ = stream => {}
                    _ = forward => return, // The client stopped streaming.
                }
                // The stream broke: follow the connection back up, or stop with it.
                loop {
                    match &*state.borrow_and_update() {
                        ConnectionState::Lost(_) => return,
                        ConnectionState::Connected => break,
                        ConnectionState::Reconnecting { .. } => {}
                    }
                    if state.changed().await.is_err() {
                        return;
                    }
                }
                // Output printed while no stream is open is lost (the server keeps none,
                // as for Python's client), so reconnect at once; only a stream that the
                // server keeps ending right away is retried with a pause, not in a spin.
                if started.elapsed() < std::time::Duration::from_secs(1) {
                    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                }
            }
        });
        Some(LogStream {
            abort: task.abort_handle(),
            _settings: settings,
        })
    }

    pub(crate) fn stop(&self) {
        self.abort.abort();
    }
}

/// One Logstream call: hands every record to `handler` until the stream ends.
async fn stream_logs(
    conn: &Connection,
    settings: mpsc::UnboundedReceiver<LogSettingsRequest>,
    handler: &LogHandler,
) {
    let mut stub = RayletLogStreamerClient::new(conn.channel());
    let request = conn.request(tokio_stream::wrappers::UnboundedReceiverStream::new(
        settings,
    ));
    let Ok(response) = stub.logstream(request).await else {
        return;
    };
    let mut stream = response.into_inner();
    while let Ok(Some(data)) = stream.message().await {
        match handler {
            LogHandler::Callback(f) => {
                let record = LogRecord::from(data);
                // A panicking callback must not take the I/O thread down.
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&record)));
            }
            _ => print_to_stderr(&data),
        }
    }
}
