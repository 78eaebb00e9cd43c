//! Failures: `ErrorInfo` (what an error handle and the thread's last error hold), the
//! `guard` every function body runs in (panics caught, failures recorded), and the error
//! accessors of the ABI.

use std::cell::RefCell;
use std::ffi::{c_char, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use super::*;
use crate::error::{Error, ErrorKind};

fn kind_code(kind: ErrorKind) -> (ray_client_status, &'static str) {
    let code = match kind {
        ErrorKind::InvalidArgument => RAY_CLIENT_ERROR_INVALID_ARGUMENT,
        ErrorKind::ConnectionFailed => RAY_CLIENT_ERROR_CONNECTION_FAILED,
        ErrorKind::ConnectionLost => RAY_CLIENT_ERROR_CONNECTION_LOST,
        ErrorKind::VersionMismatch => RAY_CLIENT_ERROR_VERSION_MISMATCH,
        ErrorKind::InitFailed => RAY_CLIENT_ERROR_INIT_FAILED,
        ErrorKind::Timeout => RAY_CLIENT_ERROR_TIMEOUT,
        ErrorKind::TaskError => RAY_CLIENT_ERROR_TASK_ERROR,
        ErrorKind::ActorDied => RAY_CLIENT_ERROR_ACTOR_DIED,
        ErrorKind::ObjectLost => RAY_CLIENT_ERROR_OBJECT_LOST,
        ErrorKind::TaskCancelled => RAY_CLIENT_ERROR_TASK_CANCELLED,
        ErrorKind::ServerError => RAY_CLIENT_ERROR_SERVER_ERROR,
        ErrorKind::Pickle => RAY_CLIENT_ERROR_PICKLE,
        ErrorKind::Protocol => RAY_CLIENT_ERROR_PROTOCOL,
        ErrorKind::Internal => RAY_CLIENT_ERROR_INTERNAL,
        ErrorKind::AuthenticationFailed => RAY_CLIENT_ERROR_AUTHENTICATION_FAILED,
        ErrorKind::NotFound => RAY_CLIENT_ERROR_NOT_FOUND,
    };
    (code, kind.as_str())
}

/// What a `ray_client_error` handle holds; also the thread's last error.
pub(crate) struct ErrorInfo {
    code: ray_client_status,
    kind: CString,
    message: CString,
    remote_type: Option<CString>,
    cause_type: Option<CString>,
    remote_message: Option<CString>,
    traceback: Option<CString>,
}

pub(crate) type R<T> = Result<T, ErrorInfo>;

impl ErrorInfo {
    pub(crate) fn new(
        code: ray_client_status,
        kind: &str,
        message: impl Into<String>,
    ) -> ErrorInfo {
        ErrorInfo {
            code,
            kind: cstring_lossy(kind.to_owned()),
            message: cstring_lossy(message.into()),
            remote_type: None,
            cause_type: None,
            remote_message: None,
            traceback: None,
        }
    }

    pub(crate) fn invalid(message: impl Into<String>) -> ErrorInfo {
        ErrorInfo::new(
            RAY_CLIENT_ERROR_INVALID_ARGUMENT,
            "invalid_argument",
            message,
        )
    }

    pub(crate) fn null(what: &str) -> ErrorInfo {
        ErrorInfo::new(
            RAY_CLIENT_ERROR_NULL_ARGUMENT,
            "null_argument",
            format!("{what} must not be NULL"),
        )
    }

    pub(crate) fn code(&self) -> ray_client_status {
        self.code
    }
}

impl From<Error> for ErrorInfo {
    fn from(e: Error) -> ErrorInfo {
        let (code, kind) = kind_code(e.kind());
        let mut info = ErrorInfo::new(code, kind, e.message());
        if let Some(r) = e.remote() {
            info.remote_type = Some(cstring_lossy(r.type_name.clone()));
            info.cause_type = r.cause_type.clone().map(cstring_lossy);
            info.remote_message = Some(cstring_lossy(r.message.clone()));
            info.traceback = r.traceback.clone().map(cstring_lossy);
        }
        info
    }
}

thread_local! {
    static LAST_ERROR: RefCell<Option<Arc<ErrorInfo>>> = const { RefCell::new(None) };
}

fn set_last_error(e: ErrorInfo) -> ray_client_status {
    let code = e.code;
    let _ = LAST_ERROR.try_with(|l| *l.borrow_mut() = Some(Arc::new(e)));
    code
}

fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_owned()
    }
}

/// Runs the body of an ABI function: catches panics, records a failure as this thread's
/// last error and turns the outcome into a status code. Every fallible function goes
/// through here.
pub(crate) fn guard(f: impl FnOnce() -> R<()>) -> ray_client_status {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => RAY_CLIENT_OK,
        Ok(Err(e)) => set_last_error(e),
        Err(p) => set_last_error(ErrorInfo::new(
            RAY_CLIENT_ERROR_PANIC,
            "panic",
            format!("ray-client panicked (a bug): {}", panic_message(&*p)),
        )),
    }
}

/// [`guard`] for functions that return a value instead of a status (accessors returning
/// borrowed pointers): `fallback` on failure or panic.
pub(crate) fn guard_value<T>(fallback: T, f: impl FnOnce() -> R<T>) -> T {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(v)) => v,
        Ok(Err(e)) => {
            set_last_error(e);
            fallback
        }
        Err(p) => {
            set_last_error(ErrorInfo::new(
                RAY_CLIENT_ERROR_PANIC,
                "panic",
                format!("ray-client panicked (a bug): {}", panic_message(&*p)),
            ));
            fallback
        }
    }
}

/// ---- Errors: the last error, error handles (src/ffi/error.rs) ----
///
/// The last failure on the calling thread as a new error handle, or `NULL` in `*out`
/// when this thread has had no failure. Ownership: the caller frees `*out` with
/// `ray_client_error_free`. Successful calls do not clear the last error. Thread-safe
/// (each thread has its own last error).
#[no_mangle]
pub unsafe extern "C" fn ray_client_last_error(
    out: *mut *mut ray_client_error,
) -> ray_client_status {
    guard(|| {
        let out = out_handle(out, "out")?;
        if let Some(e) = LAST_ERROR.with(|l| l.borrow().clone()) {
            *out = new_handle::<ray_client_error>(e);
        }
        Ok(())
    })
}

/// The message of the last failure on the calling thread (`""` when there was none).
/// Borrowed, thread-local: valid until the next failing call on this thread. Never NULL.
#[no_mangle]
pub extern "C" fn ray_client_last_error_message() -> *const c_char {
    LAST_ERROR
        .try_with(|l| {
            l.borrow()
                .as_ref()
                .map_or(c"".as_ptr(), |e| e.message.as_ptr())
        })
        .unwrap_or(c"".as_ptr())
}

/// The status code of the last failure on the calling thread (`RAY_CLIENT_OK` if none).
#[no_mangle]
pub extern "C" fn ray_client_last_error_code() -> ray_client_status {
    LAST_ERROR
        .try_with(|l| l.borrow().as_ref().map_or(RAY_CLIENT_OK, |e| e.code))
        .unwrap_or(RAY_CLIENT_OK)
}

/// The error's status code (one of `RAY_CLIENT_ERROR_*`); `RAY_CLIENT_ERROR_INVALID_HANDLE`
/// or `RAY_CLIENT_ERROR_NULL_ARGUMENT` when `error` is not a live error handle.
#[no_mangle]
pub unsafe extern "C" fn ray_client_error_code(
    error: *const ray_client_error,
) -> ray_client_status {
    match get::<ray_client_error>(error, "error") {
        Ok(e) => e.code,
        Err(e) => e.code,
    }
}

fn error_str(
    error: *const ray_client_error,
    f: impl FnOnce(&ErrorInfo) -> Option<&CString>,
) -> *const c_char {
    guard_value(std::ptr::null(), || {
        let e = get::<ray_client_error>(error, "error")?;
        // The CString lives inside the handle's Arc, which the registry keeps alive.
        Ok(f(&e).map_or(std::ptr::null(), |s| s.as_ptr()))
    })
}

/// The error's kind as a short stable name: `"timeout"`, `"task_error"`,
/// `"null_argument"`, `"invalid_handle"`, ... Borrowed: valid until the error is freed.
/// NULL when `error` is not a live handle.
#[no_mangle]
pub unsafe extern "C" fn ray_client_error_kind(error: *const ray_client_error) -> *const c_char {
    error_str(error, |e| Some(&e.kind))
}

/// The human-readable message. Borrowed: valid until the error is freed. NULL when
/// `error` is not a live handle.
#[no_mangle]
pub unsafe extern "C" fn ray_client_error_message(error: *const ray_client_error) -> *const c_char {
    error_str(error, |e| Some(&e.message))
}

/// For failures on the cluster, the qualified Python type of the exception the server
/// sent (e.g. `ray.exceptions.RayTaskError(ValueError)`); NULL otherwise. Borrowed: valid
/// until the error is freed.
#[no_mangle]
pub unsafe extern "C" fn ray_client_error_remote_type(
    error: *const ray_client_error,
) -> *const c_char {
    error_str(error, |e| e.remote_type.as_ref())
}

/// For task errors, the user's exception type (e.g. `ValueError`); NULL otherwise.
/// Borrowed: valid until the error is freed.
#[no_mangle]
pub unsafe extern "C" fn ray_client_error_cause_type(
    error: *const ray_client_error,
) -> *const c_char {
    error_str(error, |e| e.cause_type.as_ref())
}

/// For failures on the cluster, the exception's own text as Python's `str(exception)`
/// gives it (`'x'` for `KeyError('x')`; for task errors, the user's exception's);
/// NULL otherwise. Borrowed: valid until the error is freed.
#[no_mangle]
pub unsafe extern "C" fn ray_client_error_remote_message(
    error: *const ray_client_error,
) -> *const c_char {
    error_str(error, |e| e.remote_message.as_ref())
}

/// The remote traceback text, when the server sent one; NULL otherwise. Borrowed: valid
/// until the error is freed.
#[no_mangle]
pub unsafe extern "C" fn ray_client_error_traceback(
    error: *const ray_client_error,
) -> *const c_char {
    error_str(error, |e| e.traceback.as_ref())
}

/// Frees an error handle. NULL is a no-op.
/// Thread-safety: may run while other threads still use the handle: their calls finish
/// normally, and borrowed pointers into it become invalid.
#[no_mangle]
pub unsafe extern "C" fn ray_client_error_free(error: *mut ray_client_error) -> ray_client_status {
    guard(|| free_handle(error))
}
