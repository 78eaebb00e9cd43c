//! The stable C ABI: the contract every binding (C++, Go, Swift) wraps. `include/ray_client.h`
//! is generated from this module by cbindgen (`UPDATE_HEADER=1 cargo test --test header`).
//!
//! Conventions, for every function of the ABI:
//!
//! - **Status codes.** Every fallible function returns an `int`: `RAY_CLIENT_OK` (0) or a
//!   negative `RAY_CLIENT_ERROR_*` code. Results come back through out-parameters, which
//!   are set to `NULL` / zero first, so on failure they never hold stale data. The details
//!   of the last failure on the calling thread are in `ray_client_last_error` and
//!   `ray_client_last_error_message`.
//! - **No panics cross the boundary.** A bug inside the library becomes
//!   `RAY_CLIENT_ERROR_PANIC`, never an unwinding into C or an abort.
//! - **Handles.** `ray_client_client`, `ray_client_object_ref`, `ray_client_actor`,
//!   `ray_client_value`, `ray_client_error`, `ray_client_options`,
//!   `ray_client_connect_options` and `ray_client_placement_group` are opaque: the pointer
//!   value is a token (a never-reused id plus a type tag), never dereferenced by anyone.
//!   Every handle the library hands out is **owned by the receiver**, who frees it with
//!   the type's `_free` function. Every use checks the token against a registry of live
//!   handles first: `NULL` gives `RAY_CLIENT_ERROR_NULL_ARGUMENT`, a freed (or made up, or
//!   wrong-type) handle gives `RAY_CLIENT_ERROR_INVALID_HANDLE`, never a crash. Ids are
//!   never reused (64-bit platforms; on 32-bit ones after 2^28 handles), so a freed handle
//!   stays invalid forever. `_free(NULL)` is a no-op returning `RAY_CLIENT_OK`, like
//!   `free(NULL)`; freeing twice returns `RAY_CLIENT_ERROR_INVALID_HANDLE`.
//! - **Returned memory.** Strings (`char*`), byte buffers (`uint8_t*`) and handle arrays
//!   returned through out-parameters are owned by the caller and freed with
//!   `ray_client_string_free`, `ray_client_bytes_free`, `ray_client_value_array_free` or
//!   `ray_client_object_ref_array_free`; these are checked like handles too. Pointers
//!   documented as *borrowed* (`const char*` from an error or value accessor) point into
//!   a handle and stay valid until that handle is freed.
//! - **Strings** given to the library are NUL-terminated UTF-8 (`RAY_CLIENT_ERROR_INVALID_UTF8`
//!   otherwise), except where a length is passed.
//! - **Threads.** Clients, object refs, actors and placement groups are thread-safe:
//!   use one handle from any number of threads. Values are immutable once built and may be
//!   read from many threads at once. Options builders may be used from any thread but
//!   must not be modified concurrently with a call that reads them (they are locked, so
//!   this is safe, merely racy). Freeing a handle while another thread uses it is safe
//!   for the library (the other call keeps its own reference) but invalidates borrowed
//!   pointers into it.
//! - **Callbacks** (log lines, asynchronous completion) run on the library's single I/O
//!   thread. They must return quickly and must not call blocking functions of this API
//!   (`ray_client_get`, `ray_client_connect`, ...): those fail there with
//!   `RAY_CLIENT_ERROR_INVALID_ARGUMENT` instead of deadlocking. Non-blocking functions
//!   (value accessors, `_free`, `*_async`) are fine.

#![allow(
    non_camel_case_types,
    clippy::missing_safety_doc,
    clippy::too_many_arguments
)]

mod calls;
mod client;
mod cluster;
mod value;

pub use calls::*;
pub use client::*;
pub use cluster::*;
pub use value::*;

use std::cell::RefCell;
use std::collections::HashMap;
use std::ffi::{c_char, c_int, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex, PoisonError, RwLock};

use crate::error::{Error, ErrorKind};

// ---------------------------------------------------------------------------------------
// Version

/// Major version of this library (the C ABI is stable within a major version from 1.0).
pub const RAY_CLIENT_VERSION_MAJOR: u32 = 0;
/// Minor version of this library.
pub const RAY_CLIENT_VERSION_MINOR: u32 = 1;
/// Patch version of this library.
pub const RAY_CLIENT_VERSION_PATCH: u32 = 0;

static VERSION_C: &CStr = c"0.1.0";

/// The library's version, `"MAJOR.MINOR.PATCH"`; compare with the `RAY_CLIENT_VERSION_*`
/// macros to detect a header/library mismatch. Static storage: never free it. Thread-safe.
/// Thread-safety: any thread.
#[no_mangle]
pub extern "C" fn ray_client_version() -> *const c_char {
    VERSION_C.as_ptr()
}

// ---------------------------------------------------------------------------------------
// Status codes

/// Success.
pub const RAY_CLIENT_OK: i32 = 0;
/// The caller passed something unusable: a bad address, an empty name, a ref of another
/// client, a value of the wrong kind, an absurd size, a blocking call on the I/O thread.
pub const RAY_CLIENT_ERROR_INVALID_ARGUMENT: i32 = -1;
/// The cluster could not be reached.
pub const RAY_CLIENT_ERROR_CONNECTION_FAILED: i32 = -2;
/// An established connection broke, or the client was disconnected.
pub const RAY_CLIENT_ERROR_CONNECTION_LOST: i32 = -3;
/// The server runs a Ray version this client was not tested against.
pub const RAY_CLIENT_ERROR_VERSION_MISMATCH: i32 = -4;
/// The server refused the connection setup.
pub const RAY_CLIENT_ERROR_INIT_FAILED: i32 = -5;
/// A get or wait did not finish within its timeout.
pub const RAY_CLIENT_ERROR_TIMEOUT: i32 = -6;
/// A remote task or actor method raised (see the error's remote type and traceback).
pub const RAY_CLIENT_ERROR_TASK_ERROR: i32 = -7;
/// The actor that should run a method is dead.
pub const RAY_CLIENT_ERROR_ACTOR_DIED: i32 = -8;
/// An object's value is lost.
pub const RAY_CLIENT_ERROR_OBJECT_LOST: i32 = -9;
/// The task was cancelled.
pub const RAY_CLIENT_ERROR_TASK_CANCELLED: i32 = -10;
/// The server failed a request for another reason.
pub const RAY_CLIENT_ERROR_SERVER_ERROR: i32 = -11;
/// A pickle could not be encoded or decoded.
pub const RAY_CLIENT_ERROR_PICKLE: i32 = -12;
/// The server's reply did not follow the protocol.
pub const RAY_CLIENT_ERROR_PROTOCOL: i32 = -13;
/// A bug in this library.
pub const RAY_CLIENT_ERROR_INTERNAL: i32 = -14;
/// The cluster requires token authentication and the token is missing or wrong.
pub const RAY_CLIENT_ERROR_AUTHENTICATION_FAILED: i32 = -15;
/// A required pointer argument was `NULL`.
pub const RAY_CLIENT_ERROR_NULL_ARGUMENT: i32 = -20;
/// A handle (or returned buffer) that is not live: freed, of another type, or made up.
pub const RAY_CLIENT_ERROR_INVALID_HANDLE: i32 = -21;
/// A string argument was not valid UTF-8.
pub const RAY_CLIENT_ERROR_INVALID_UTF8: i32 = -22;
/// The library panicked (a bug); the call had no effect or an unknown partial effect.
pub const RAY_CLIENT_ERROR_PANIC: i32 = -23;

fn kind_code(kind: ErrorKind) -> (c_int, &'static str) {
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
    };
    (code, kind.as_str())
}

// ---------------------------------------------------------------------------------------
// Opaque handle types. Never dereferenced: the pointer value is a registry token.

/// A connection to a Ray cluster. Thread-safe. Freeing the last handle of a connection
/// disconnects it (`ray_client_disconnect` does so explicitly while handles remain).
pub struct ray_client_client {
    _private: [u8; 0],
}

/// A reference to an object in the cluster, owned by one client. Thread-safe. The
/// server's reference is released when the last handle (and value holding it) is freed.
pub struct ray_client_object_ref {
    _private: [u8; 0],
}

/// A handle to an actor, owned by one client. Thread-safe.
pub struct ray_client_actor {
    _private: [u8; 0],
}

/// An immutable value (Python's object model: none, bool, int, float, str, bytes,
/// containers, refs, numpy arrays, ...). Thread-safe for reading.
pub struct ray_client_value {
    _private: [u8; 0],
}

/// The details of a failure: status code, kind name, message and, for failures on the
/// cluster, the remote exception type, the user's exception type and the traceback.
pub struct ray_client_error {
    _private: [u8; 0],
}

/// Options of a task, actor or actor method call (Python's `.options(...)`).
pub struct ray_client_options {
    _private: [u8; 0],
}

/// Everything `ray_client_connect` can be told.
pub struct ray_client_connect_options {
    _private: [u8; 0],
}

/// A placement group on the cluster. Thread-safe.
pub struct ray_client_placement_group {
    _private: [u8; 0],
}

// ---------------------------------------------------------------------------------------
// Errors

/// What a `ray_client_error` handle holds; also the thread's last error.
pub(crate) struct ErrorInfo {
    code: c_int,
    kind: CString,
    message: CString,
    remote_type: Option<CString>,
    cause_type: Option<CString>,
    remote_message: Option<CString>,
    traceback: Option<CString>,
}

pub(crate) type R<T> = Result<T, ErrorInfo>;

impl ErrorInfo {
    pub(crate) fn new(code: c_int, kind: &str, message: impl Into<String>) -> ErrorInfo {
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

    pub(crate) fn code(&self) -> c_int {
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

/// A C string of `s`; an interior NUL (which C cannot represent) becomes `\0`.
pub(crate) fn cstring_lossy(s: String) -> CString {
    CString::new(s).unwrap_or_else(|e| {
        let s = String::from_utf8_lossy(&e.into_vec()).replace('\0', "\\0");
        CString::new(s).expect("no NUL left")
    })
}

thread_local! {
    static LAST_ERROR: RefCell<Option<Arc<ErrorInfo>>> = const { RefCell::new(None) };
}

fn set_last_error(e: ErrorInfo) -> c_int {
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
pub(crate) fn guard(f: impl FnOnce() -> R<()>) -> c_int {
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

/// The last failure on the calling thread as a new error handle, or `NULL` in `*out`
/// when this thread has had no failure. Ownership: the caller frees `*out` with
/// `ray_client_error_free`. Successful calls do not clear the last error. Thread-safe
/// (each thread has its own last error).
/// Thread-safety: any thread; the last error is per thread, an error handle is immutable.
#[no_mangle]
pub unsafe extern "C" fn ray_client_last_error(out: *mut *mut ray_client_error) -> c_int {
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
/// Thread-safety: any thread; the last error is per thread, an error handle is immutable.
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
/// Thread-safety: any thread; the last error is per thread, an error handle is immutable.
#[no_mangle]
pub extern "C" fn ray_client_last_error_code() -> c_int {
    LAST_ERROR
        .try_with(|l| l.borrow().as_ref().map_or(RAY_CLIENT_OK, |e| e.code))
        .unwrap_or(RAY_CLIENT_OK)
}

/// The error's status code (one of `RAY_CLIENT_ERROR_*`); `RAY_CLIENT_ERROR_INVALID_HANDLE`
/// or `RAY_CLIENT_ERROR_NULL_ARGUMENT` when `error` is not a live error handle.
/// Thread-safety: any thread; the last error is per thread, an error handle is immutable.
#[no_mangle]
pub unsafe extern "C" fn ray_client_error_code(error: *const ray_client_error) -> c_int {
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
/// Thread-safety: any thread; the last error is per thread, an error handle is immutable.
#[no_mangle]
pub unsafe extern "C" fn ray_client_error_kind(error: *const ray_client_error) -> *const c_char {
    error_str(error, |e| Some(&e.kind))
}

/// The human-readable message. Borrowed: valid until the error is freed. NULL when
/// `error` is not a live handle.
/// Thread-safety: any thread; the last error is per thread, an error handle is immutable.
#[no_mangle]
pub unsafe extern "C" fn ray_client_error_message(error: *const ray_client_error) -> *const c_char {
    error_str(error, |e| Some(&e.message))
}

/// For failures on the cluster, the qualified Python type of the exception the server
/// sent (e.g. `ray.exceptions.RayTaskError(ValueError)`); NULL otherwise. Borrowed: valid
/// until the error is freed.
/// Thread-safety: any thread; the last error is per thread, an error handle is immutable.
#[no_mangle]
pub unsafe extern "C" fn ray_client_error_remote_type(
    error: *const ray_client_error,
) -> *const c_char {
    error_str(error, |e| e.remote_type.as_ref())
}

/// For task errors, the user's exception type (e.g. `ValueError`); NULL otherwise.
/// Borrowed: valid until the error is freed.
/// Thread-safety: any thread; the last error is per thread, an error handle is immutable.
#[no_mangle]
pub unsafe extern "C" fn ray_client_error_cause_type(
    error: *const ray_client_error,
) -> *const c_char {
    error_str(error, |e| e.cause_type.as_ref())
}

/// For failures on the cluster, the exception's own text as Python's `str(exception)`
/// gives it (`'x'` for `KeyError('x')`; for task errors, the user's exception's);
/// NULL otherwise. Borrowed: valid until the error is freed.
/// Thread-safety: any thread; the last error is per thread, an error handle is immutable.
#[no_mangle]
pub unsafe extern "C" fn ray_client_error_remote_message(
    error: *const ray_client_error,
) -> *const c_char {
    error_str(error, |e| e.remote_message.as_ref())
}

/// The remote traceback text, when the server sent one; NULL otherwise. Borrowed: valid
/// until the error is freed.
/// Thread-safety: any thread; the last error is per thread, an error handle is immutable.
#[no_mangle]
pub unsafe extern "C" fn ray_client_error_traceback(
    error: *const ray_client_error,
) -> *const c_char {
    error_str(error, |e| e.traceback.as_ref())
}

/// Frees an error handle. NULL is a no-op.
/// Thread-safety: any thread; calls already running on the handle in other threads finish normally, borrowed pointers into it become invalid.
#[no_mangle]
pub unsafe extern "C" fn ray_client_error_free(error: *mut ray_client_error) -> c_int {
    guard(|| free_handle(error))
}

// ---------------------------------------------------------------------------------------
// The handle registry

/// Types of handles: a tag stored in the token's low bits, and what the registry holds.
pub(crate) trait Handle {
    const TAG: usize;
    const NAME: &'static str;
    type Inner: Clone;
    fn wrap(inner: Self::Inner) -> Slot;
    fn unwrap(slot: &Slot) -> Option<Self::Inner>;
}

#[derive(Clone)]
pub(crate) enum Slot {
    Client(Arc<client::ClientBox>),
    Ref(crate::ObjectRef),
    Actor(crate::ActorHandle),
    Value(Arc<crate::Value>),
    Error(Arc<ErrorInfo>),
    Options(Arc<Mutex<calls::OptionsBuilder>>),
    ConnectOptions(Arc<Mutex<crate::ConnectOptions>>),
    PlacementGroup(Arc<cluster::PgBox>),
}

macro_rules! handle {
    ($t:ident, $tag:expr, $variant:ident, $inner:ty) => {
        impl Handle for $t {
            const TAG: usize = $tag;
            const NAME: &'static str = stringify!($t);
            type Inner = $inner;
            fn wrap(inner: $inner) -> Slot {
                Slot::$variant(inner)
            }
            fn unwrap(slot: &Slot) -> Option<$inner> {
                match slot {
                    Slot::$variant(i) => Some(i.clone()),
                    _ => None,
                }
            }
        }
    };
}

handle!(ray_client_client, 1, Client, Arc<client::ClientBox>);
handle!(ray_client_object_ref, 2, Ref, crate::ObjectRef);
handle!(ray_client_actor, 3, Actor, crate::ActorHandle);
handle!(ray_client_value, 4, Value, Arc<crate::Value>);
handle!(ray_client_error, 5, Error, Arc<ErrorInfo>);
handle!(
    ray_client_options,
    6,
    Options,
    Arc<Mutex<calls::OptionsBuilder>>
);
handle!(
    ray_client_connect_options,
    7,
    ConnectOptions,
    Arc<Mutex<crate::ConnectOptions>>
);
handle!(
    ray_client_placement_group,
    8,
    PlacementGroup,
    Arc<cluster::PgBox>
);

const TAG_BITS: u32 = 4;

static HANDLES: LazyLock<RwLock<HashMap<usize, Slot>>> = LazyLock::new(Default::default);
static NEXT_ID: AtomicUsize = AtomicUsize::new(1);

/// Registers `inner` and returns its new token.
pub(crate) fn new_handle<H: Handle>(inner: H::Inner) -> *mut H {
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    let key = (id << TAG_BITS) | H::TAG;
    HANDLES
        .write()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(key, H::wrap(inner));
    std::ptr::without_provenance_mut(key)
}

fn invalid_handle(what: &str, name: &str) -> ErrorInfo {
    ErrorInfo::new(
        RAY_CLIENT_ERROR_INVALID_HANDLE,
        "invalid_handle",
        format!("{what} is not a live {name} handle (freed already, or never one)"),
    )
}

/// The object behind a handle (a clone of the registry's reference), after checking it.
pub(crate) fn get<H: Handle>(p: *const H, what: &str) -> R<H::Inner> {
    if p.is_null() {
        return Err(ErrorInfo::null(what));
    }
    let key = p.addr();
    let slots = HANDLES.read().unwrap_or_else(PoisonError::into_inner);
    slots
        .get(&key)
        .and_then(H::unwrap)
        .ok_or_else(|| invalid_handle(what, H::NAME))
}

/// Unregisters a handle; what it held is dropped after the registry lock is released
/// (dropping a client disconnects it, which takes a while).
pub(crate) fn free_handle<H: Handle>(p: *mut H) -> R<()> {
    if p.is_null() {
        return Ok(());
    }
    let key = p.addr();
    let removed = {
        let mut slots = HANDLES.write().unwrap_or_else(PoisonError::into_inner);
        match slots.get(&key) {
            Some(slot) if H::unwrap(slot).is_some() => slots.remove(&key),
            _ => None,
        }
    };
    match removed {
        Some(slot) => {
            drop(slot);
            Ok(())
        }
        None => Err(invalid_handle("the handle to free", H::NAME)),
    }
}

/// Number of live handles of every type (for leak checks in tests).
/// Thread-safety: any thread.
#[no_mangle]
pub extern "C" fn ray_client_live_handles() -> usize {
    HANDLES.read().unwrap_or_else(PoisonError::into_inner).len()
        + ALLOCS.lock().unwrap_or_else(PoisonError::into_inner).len()
}

// ---------------------------------------------------------------------------------------
// Memory handed to the caller: strings, byte buffers, handle arrays

enum Alloc {
    Str(#[allow(dead_code)] CString),
    Bytes(#[allow(dead_code)] Vec<u8>),
    /// Tokens of value handles, freed with the array.
    Values(Vec<usize>),
    /// Tokens of object ref handles, freed with the array.
    Refs(Vec<usize>),
}

static ALLOCS: LazyLock<Mutex<HashMap<usize, Alloc>>> = LazyLock::new(Default::default);

fn remember(addr: usize, a: Alloc) {
    ALLOCS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(addr, a);
}

fn forget(addr: usize, what: &str) -> R<Alloc> {
    ALLOCS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .remove(&addr)
        .ok_or_else(|| {
            ErrorInfo::new(
                RAY_CLIENT_ERROR_INVALID_HANDLE,
                "invalid_handle",
                format!("{what} was not returned by ray-client, or was freed already"),
            )
        })
}

/// A string for the caller (free with `ray_client_string_free`).
pub(crate) fn give_string(s: String) -> *mut c_char {
    let c = cstring_lossy(s);
    // The heap buffer does not move when the CString moves into the table; the caller
    // only reads it, and hands it back to `ray_client_string_free`.
    let p = c.as_ptr().cast_mut();
    remember(p.addr(), Alloc::Str(c));
    p
}

/// A byte buffer for the caller (free with `ray_client_bytes_free`). Never a dangling
/// pointer, even when empty, so every buffer has its own address.
pub(crate) fn give_bytes(b: &[u8]) -> *mut u8 {
    let mut v = Vec::with_capacity(b.len().max(1));
    v.extend_from_slice(b);
    let p = v.as_mut_ptr();
    remember(p.addr(), Alloc::Bytes(v));
    p
}

pub(crate) fn give_values(values: Vec<crate::Value>) -> *mut *mut ray_client_value {
    let mut tokens: Vec<usize> = Vec::with_capacity(values.len().max(1));
    tokens.extend(
        values
            .into_iter()
            .map(|v| new_handle::<ray_client_value>(Arc::new(v)).addr()),
    );
    let p = tokens.as_mut_ptr().cast::<*mut ray_client_value>();
    remember(p.addr(), Alloc::Values(tokens));
    p
}

pub(crate) fn give_refs(refs: Vec<crate::ObjectRef>) -> *mut *mut ray_client_object_ref {
    let mut tokens: Vec<usize> = Vec::with_capacity(refs.len().max(1));
    tokens.extend(
        refs.into_iter()
            .map(|r| new_handle::<ray_client_object_ref>(r).addr()),
    );
    let p = tokens.as_mut_ptr().cast::<*mut ray_client_object_ref>();
    remember(p.addr(), Alloc::Refs(tokens));
    p
}

/// Frees a string returned by the library. NULL is a no-op; anything else not returned
/// by the library (or freed already) gives `RAY_CLIENT_ERROR_INVALID_HANDLE`.
/// Thread-safety: any thread; calls already running on the handle in other threads finish normally, borrowed pointers into it become invalid.
#[no_mangle]
pub unsafe extern "C" fn ray_client_string_free(s: *mut c_char) -> c_int {
    guard(|| {
        if s.is_null() {
            return Ok(());
        }
        match forget(s.addr(), "the string")? {
            Alloc::Str(_) => Ok(()),
            other => {
                remember(s.addr(), other);
                Err(invalid_handle("the string", "string"))
            }
        }
    })
}

/// Frees a byte buffer returned by the library (`ray_client_kv_get`,
/// `ray_client_value_to_pickle`). NULL is a no-op; anything else not returned by the
/// library (or freed already) gives `RAY_CLIENT_ERROR_INVALID_HANDLE`.
/// Thread-safety: any thread; calls already running on the handle in other threads finish normally, borrowed pointers into it become invalid.
#[no_mangle]
pub unsafe extern "C" fn ray_client_bytes_free(data: *mut u8) -> c_int {
    guard(|| {
        if data.is_null() {
            return Ok(());
        }
        match forget(data.addr(), "the byte buffer")? {
            Alloc::Bytes(_) => Ok(()),
            other => {
                remember(data.addr(), other);
                Err(invalid_handle("the byte buffer", "byte buffer"))
            }
        }
    })
}

/// Frees an array of values returned by the library (`ray_client_get_many`, ...) and
/// every value handle still in it (entries the caller freed already and set to NULL
/// are skipped; entries freed but not NULLed are skipped too). NULL is a no-op.
/// Thread-safety: any thread; calls already running on the handle in other threads finish normally, borrowed pointers into it become invalid.
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_array_free(values: *mut *mut ray_client_value) -> c_int {
    guard(|| {
        if values.is_null() {
            return Ok(());
        }
        match forget(values.addr(), "the value array")? {
            Alloc::Values(tokens) => {
                for t in tokens {
                    let _ = free_handle::<ray_client_value>(std::ptr::without_provenance_mut(t));
                }
                Ok(())
            }
            other => {
                remember(values.addr(), other);
                Err(invalid_handle("the value array", "value array"))
            }
        }
    })
}

/// Frees an array of object refs returned by the library (`ray_client_call_n`, ...)
/// and every ref handle still in it (the caller may have taken some out and freed them;
/// those are skipped). NULL is a no-op.
/// Thread-safety: any thread; calls already running on the handle in other threads finish normally, borrowed pointers into it become invalid.
#[no_mangle]
pub unsafe extern "C" fn ray_client_object_ref_array_free(
    refs: *mut *mut ray_client_object_ref,
) -> c_int {
    guard(|| {
        if refs.is_null() {
            return Ok(());
        }
        match forget(refs.addr(), "the ref array")? {
            Alloc::Refs(tokens) => {
                for t in tokens {
                    let _ =
                        free_handle::<ray_client_object_ref>(std::ptr::without_provenance_mut(t));
                }
                Ok(())
            }
            other => {
                remember(refs.addr(), other);
                Err(invalid_handle("the ref array", "object ref array"))
            }
        }
    })
}

// ---------------------------------------------------------------------------------------
// Argument helpers

/// A handle out-parameter, checked and set to NULL.
pub(crate) unsafe fn out_handle<'a, T>(p: *mut *mut T, what: &str) -> R<&'a mut *mut T> {
    if p.is_null() {
        return Err(ErrorInfo::null(what));
    }
    check_aligned(p, what)?;
    *p = std::ptr::null_mut();
    Ok(&mut *p)
}

/// A plain out-parameter, checked and set to `init`.
pub(crate) unsafe fn out_val<'a, T>(p: *mut T, what: &str, init: T) -> R<&'a mut T> {
    if p.is_null() {
        return Err(ErrorInfo::null(what));
    }
    check_aligned(p, what)?;
    p.write(init);
    Ok(&mut *p)
}

/// An optional out-parameter (NULL: the caller does not want it), set to `init`.
pub(crate) unsafe fn opt_out<'a, T>(p: *mut T, what: &str, init: T) -> R<Option<&'a mut T>> {
    if p.is_null() {
        return Ok(None);
    }
    out_val(p, what, init).map(Some)
}

fn check_aligned<T>(p: *const T, what: &str) -> R<()> {
    if p.is_aligned() {
        Ok(())
    } else {
        Err(ErrorInfo::invalid(format!("{what} is not aligned")))
    }
}

fn invalid_utf8(what: &str) -> ErrorInfo {
    ErrorInfo::new(
        RAY_CLIENT_ERROR_INVALID_UTF8,
        "invalid_utf8",
        format!("{what} is not valid UTF-8"),
    )
}

/// A required NUL-terminated UTF-8 string argument.
pub(crate) unsafe fn str_arg<'a>(p: *const c_char, what: &str) -> R<&'a str> {
    if p.is_null() {
        return Err(ErrorInfo::null(what));
    }
    CStr::from_ptr(p).to_str().map_err(|_| invalid_utf8(what))
}

/// An optional string argument (NULL: not given).
pub(crate) unsafe fn opt_str<'a>(p: *const c_char, what: &str) -> R<Option<&'a str>> {
    if p.is_null() {
        Ok(None)
    } else {
        str_arg(p, what).map(Some)
    }
}

/// A UTF-8 string given as pointer and length.
pub(crate) unsafe fn str_n<'a>(p: *const c_char, len: usize, what: &str) -> R<&'a str> {
    std::str::from_utf8(slice(p.cast::<u8>(), len, what)?).map_err(|_| invalid_utf8(what))
}

/// An array argument: `len` elements at `p` (`p` may be NULL when `len` is 0). Refuses
/// lengths no real buffer can have.
pub(crate) unsafe fn slice<'a, T>(p: *const T, len: usize, what: &str) -> R<&'a [T]> {
    if len == 0 {
        return Ok(&[]);
    }
    if p.is_null() {
        return Err(ErrorInfo::null(what));
    }
    let max = isize::MAX as usize / std::mem::size_of::<T>().max(1);
    if len > max {
        return Err(ErrorInfo::invalid(format!(
            "{what}: a length of {len} is impossible"
        )));
    }
    check_aligned(p, what)?;
    Ok(std::slice::from_raw_parts(p, len))
}

/// Milliseconds to an optional duration: negative means "no limit".
pub(crate) fn timeout_ms(ms: i64) -> Option<std::time::Duration> {
    u64::try_from(ms).ok().map(std::time::Duration::from_millis)
}

/// A pointer the library hands back to a callback on another thread.
#[derive(Clone, Copy)]
pub(crate) struct UserData(*mut std::ffi::c_void);

// SAFETY: the pointer is never dereferenced by the library, only handed back to the
// caller's callback; the ABI documents that callbacks run on the I/O thread, so the
// caller is responsible for what the pointer points at being usable there.
unsafe impl Send for UserData {}
unsafe impl Sync for UserData {}

impl UserData {
    pub(crate) fn get(self) -> *mut std::ffi::c_void {
        self.0
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn version_macros_match_the_crate() {
        let v = format!(
            "{}.{}.{}",
            super::RAY_CLIENT_VERSION_MAJOR,
            super::RAY_CLIENT_VERSION_MINOR,
            super::RAY_CLIENT_VERSION_PATCH
        );
        assert_eq!(v, crate::VERSION);
        assert_eq!(super::VERSION_C.to_str().unwrap(), crate::VERSION);
    }
}
