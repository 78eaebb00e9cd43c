//! The library's own diagnostics: what it does that a user may want to know without
//! asking (the connection broke and is being restored, it came back, a call is retried,
//! the cluster runs an untested release) and, on request, the detail (each connect's
//! steps, uploads). Python's client logs the same through `logging`; a connection that
//! flaps and recovers is not invisible.
//!
//! Each diagnostic goes to [`tracing`] (target `ray_client::<area>`, for programs that
//! collect tracing events) and to one process-wide sink: by default this process's
//! stderr, warnings and errors only (`RAY_CLIENT_LOG=off|error|warn|info|debug|trace`
//! changes the level; a program that installed a global tracing subscriber gets nothing
//! printed, its subscriber has the events), or a handler given to [`set_handler`] (the C
//! ABI's diagnostic callback, which Go maps to `log/slog` and Swift to a closure).
//!
//! Messages never carry an authentication token or a header's value.

use std::sync::{Arc, LazyLock, RwLock};

/// How much a diagnostic matters; a sink set to a level receives that level and the
/// more important ones. The numbers are the C ABI's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Something failed for good (the connection is lost).
    Error = 1,
    /// Something went wrong and is being handled (reconnecting), or a risk (an
    /// untested Ray release).
    Warn = 2,
    /// A notable event (reconnected; a retried connect).
    Info = 3,
    /// Detail: each connect's steps, uploads, retried calls.
    Debug = 4,
    /// Finer detail.
    Trace = 5,
}

impl Level {
    /// `off` gives `None`; `error`, `warn`/`warning`, `info`, `debug`, `trace` (any case).
    pub fn parse(text: &str) -> Result<Option<Level>, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "off" | "none" => Ok(None),
            "error" => Ok(Some(Level::Error)),
            "warn" | "warning" => Ok(Some(Level::Warn)),
            "info" => Ok(Some(Level::Info)),
            "debug" => Ok(Some(Level::Debug)),
            "trace" => Ok(Some(Level::Trace)),
            other => Err(format!(
                "{other:?} is not a diagnostics level (off, error, warn, info, debug, trace)"
            )),
        }
    }

    /// The C ABI's number: 0 is off.
    pub fn from_number(n: i32) -> Result<Option<Level>, String> {
        Ok(match n {
            0 => None,
            1 => Some(Level::Error),
            2 => Some(Level::Warn),
            3 => Some(Level::Info),
            4 => Some(Level::Debug),
            5 => Some(Level::Trace),
            _ => return Err(format!("{n} is not a diagnostics level (0 off to 5 trace)")),
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Error => "ERROR",
            Level::Warn => "WARN",
            Level::Info => "INFO",
            Level::Debug => "DEBUG",
            Level::Trace => "TRACE",
        }
    }

    #[doc(hidden)]
    pub fn of(level: tracing::Level) -> Level {
        match level {
            tracing::Level::ERROR => Level::Error,
            tracing::Level::WARN => Level::Warn,
            tracing::Level::INFO => Level::Info,
            tracing::Level::DEBUG => Level::Debug,
            _ => Level::Trace,
        }
    }
}

/// One diagnostic, borrowed for the duration of the handler's call.
#[derive(Debug, Clone, Copy)]
pub struct Diagnostic<'a> {
    pub level: Level,
    /// `ray_client::<area>`: `connection`, `connect`, `version`, `runtime_env`, ...
    pub target: &'a str,
    pub message: &'a str,
}

/// Receives diagnostics. Runs on the thread where the event happens, often the
/// library's I/O thread: it must return quickly and make no blocking calls into the
/// library.
pub type Handler = Arc<dyn Fn(&Diagnostic<'_>) + Send + Sync>;

struct Sink {
    handler: Option<Handler>,
    max: Option<Level>,
}

static SINK: LazyLock<RwLock<Sink>> = LazyLock::new(|| {
    RwLock::new(Sink {
        handler: None,
        max: default_level(),
    })
});

/// `RAY_CLIENT_LOG`, or warnings (a bad value is said once on stderr, and warnings kept).
fn default_level() -> Option<Level> {
    match std::env::var("RAY_CLIENT_LOG") {
        Ok(v) if !v.trim().is_empty() => Level::parse(&v).unwrap_or_else(|e| {
            eprintln!("ray_client: RAY_CLIENT_LOG: {e}; showing warnings");
            Some(Level::Warn)
        }),
        _ => Some(Level::Warn),
    }
}

/// Where diagnostics go from now on, process-wide: `handler` (or, with `None`, this
/// process's stderr), those at `max_level` and more important (`None`: none at all).
/// Replaces the earlier setting; the default is stderr at `RAY_CLIENT_LOG` (warnings).
pub fn set_handler(handler: Option<Handler>, max_level: Option<Level>) {
    let mut sink = SINK.write().unwrap_or_else(|e| e.into_inner());
    *sink = Sink {
        handler,
        max: max_level,
    };
}

/// The level the sink receives (`None`: off).
pub fn max_level() -> Option<Level> {
    SINK.read().unwrap_or_else(|e| e.into_inner()).max
}

/// Whether the sink takes a diagnostic of `level` (checked before a message is made).
#[doc(hidden)]
pub fn wants(level: tracing::Level) -> bool {
    max_level().is_some_and(|max| Level::of(level) <= max)
}

/// Hands a diagnostic to the sink (see [`diag!`]).
#[doc(hidden)]
pub fn deliver(level: tracing::Level, target: &str, message: &str) {
    let level = Level::of(level);
    let handler = {
        let sink = SINK.read().unwrap_or_else(|e| e.into_inner());
        if sink.max.is_none_or(|max| level > max) {
            return;
        }
        sink.handler.clone()
    };
    match handler {
        Some(h) => h(&Diagnostic {
            level,
            target,
            message,
        }),
        // A program with a global tracing subscriber has the event there.
        None if tracing::dispatcher::has_been_set() => {}
        None => eprintln!("ray_client {} {target}: {message}", level.as_str()),
    }
}

/// `diag!(WARN, "connection", "the connection to {} broke", address)`: a diagnostic of
/// tracing's level `WARN` with target `ray_client::connection`, to tracing and to the
/// sink; the message is formatted only when one of them takes it.
macro_rules! diag {
    ($level:ident, $area:literal, $($arg:tt)+) => {{
        const LEVEL: ::tracing::Level = ::tracing::Level::$level;
        const TARGET: &str = concat!("ray_client::", $area);
        let to_sink = $crate::diagnostics::wants(LEVEL);
        let traced = ::tracing::enabled!(target: TARGET, LEVEL);
        if to_sink || traced {
            let message = format!($($arg)+);
            if traced {
                ::tracing::event!(target: TARGET, LEVEL, "{}", message);
            }
            if to_sink {
                $crate::diagnostics::deliver(LEVEL, TARGET, &message);
            }
        }
    }};
}
pub(crate) use diag;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_read_as_their_names_and_numbers() {
        assert_eq!(Level::parse("Warning"), Ok(Some(Level::Warn)));
        assert_eq!(Level::parse("off"), Ok(None));
        assert!(Level::parse("loud").is_err());
        assert_eq!(Level::from_number(4), Ok(Some(Level::Debug)));
        assert_eq!(Level::from_number(0), Ok(None));
        assert!(Level::from_number(6).is_err());
        assert!(Level::Error < Level::Debug);
    }
}
