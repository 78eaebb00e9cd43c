//! Errors: every failure is an [`Error`] with a machine-readable [`ErrorKind`], a message
//! for humans and, when the failure happened on the cluster, the structured
//! [`RemoteError`] decoded from the server's pickled exception.

use std::fmt;
use std::sync::Arc;

/// What went wrong, as a stable category that bindings map to their own error types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The caller passed something unusable: a bad address, an empty name, a ref of
    /// another client, a value that cannot be encoded.
    InvalidArgument,
    /// The cluster could not be reached (nothing listening, timeout while connecting, the
    /// TLS handshake failed).
    ConnectionFailed,
    /// The cluster requires token authentication and the token is missing or wrong.
    AuthenticationFailed,
    /// An established connection broke, or the client was disconnected.
    ConnectionLost,
    /// The server runs a Ray release the support policy refuses (older than 2.9, another
    /// major release), or one that lacks what was asked for ("... is not supported by
    /// Ray X.Y.Z"); see [`Capabilities`](crate::Capabilities).
    VersionMismatch,
    /// The server refused the connection setup (`InitResponse.ok == false`).
    InitFailed,
    /// A `get` or `wait` did not finish within its timeout.
    Timeout,
    /// A remote task or actor method raised; see [`Error::remote`].
    TaskError,
    /// The actor that should run a method is dead.
    ActorDied,
    /// An object's value is lost and could not be reconstructed.
    ObjectLost,
    /// The task was cancelled.
    TaskCancelled,
    /// The server failed a request for another reason (for example it could not
    /// unpickle put data); see [`Error::remote`].
    ServerError,
    /// A pickle could not be encoded or decoded.
    Pickle,
    /// The server's reply did not follow the protocol.
    Protocol,
    /// A bug in this library.
    Internal,
    /// What was asked for does not exist on the cluster (an unknown job id).
    NotFound,
}

impl ErrorKind {
    /// A short stable name, e.g. `"connection_lost"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::InvalidArgument => "invalid_argument",
            ErrorKind::ConnectionFailed => "connection_failed",
            ErrorKind::AuthenticationFailed => "authentication_failed",
            ErrorKind::ConnectionLost => "connection_lost",
            ErrorKind::VersionMismatch => "version_mismatch",
            ErrorKind::InitFailed => "init_failed",
            ErrorKind::Timeout => "timeout",
            ErrorKind::TaskError => "task_error",
            ErrorKind::ActorDied => "actor_died",
            ErrorKind::ObjectLost => "object_lost",
            ErrorKind::TaskCancelled => "task_cancelled",
            ErrorKind::ServerError => "server_error",
            ErrorKind::Pickle => "pickle",
            ErrorKind::Protocol => "protocol",
            ErrorKind::Internal => "internal",
            ErrorKind::NotFound => "not_found",
        }
    }
}

/// An exception raised on the cluster, decoded symbolically from its pickle.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RemoteError {
    /// Qualified Python type of the exception the server sent, e.g.
    /// `ray.exceptions.RayTaskError(ValueError)` or `ray.exceptions.GetTimeoutError`.
    /// A task error with a known cause always reads `ray.exceptions.RayTaskError(X)`,
    /// whichever of its forms the server's Ray release pickled.
    pub type_name: String,
    /// For task errors, the user's exception type, e.g. `ValueError`.
    pub cause_type: Option<String>,
    /// The exception message (its first argument).
    pub message: String,
    /// The remote traceback text, when the server sent one.
    pub traceback: Option<String>,
}

#[derive(Debug)]
struct Inner {
    kind: ErrorKind,
    message: String,
    remote: Option<RemoteError>,
}

/// The error type of every fallible call. Cheap to clone.
#[derive(Clone)]
pub struct Error(Arc<Inner>);

/// Result alias used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A new error of `kind` with a message.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error(Arc::new(Inner {
            kind,
            message: message.into(),
            remote: None,
        }))
    }

    /// A new error carrying a decoded remote exception.
    pub fn with_remote(kind: ErrorKind, message: impl Into<String>, remote: RemoteError) -> Self {
        Error(Arc::new(Inner {
            kind,
            message: message.into(),
            remote: Some(remote),
        }))
    }

    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidArgument, message)
    }

    pub(crate) fn protocol(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Protocol, message)
    }

    pub(crate) fn pickle(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Pickle, message)
    }

    pub(crate) fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Internal, message)
    }

    /// The category of this error.
    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }

    /// The human-readable message.
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// The remote exception, when the error came from the cluster.
    pub fn remote(&self) -> Option<&RemoteError> {
        self.0.remote.as_ref()
    }

    /// The same error with `context: ` put in front of its message.
    pub fn context(&self, context: impl fmt::Display) -> Self {
        Error(Arc::new(Inner {
            kind: self.0.kind,
            message: format!("{context}: {}", self.0.message),
            remote: self.0.remote.clone(),
        }))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.0.kind.as_str(), self.0.message)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.0.kind)
            .field("message", &self.0.message)
            .field("remote", &self.0.remote)
            .finish()
    }
}

impl std::error::Error for Error {}
