//! The opaque handle types and the registry behind them: every handle is a token (an id
//! plus a type tag) checked against the registry on each use.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex, PoisonError, RwLock};

use super::connect::ClientBox;
use super::options::OptionsBuilder;
use super::placement_group::PgBox;
use super::*;

/// A connection to a Ray cluster. Ownership: freed with `ray_client_client_free`; freeing
/// the last handle of a connection disconnects it (`ray_client_client_disconnect` does so
/// explicitly while handles remain).
/// Thread-safety: thread-safe; any number of threads may use one client handle at once.
/// Inside a callback, on the library's I/O thread, a function that would wait for the
/// cluster fails with `RAY_CLIENT_ERROR_INVALID_ARGUMENT` instead of blocking; the
/// `*_async` forms, value functions and `_free` functions work there.
pub struct ray_client_client {
    _private: [u8; 0],
}

/// A reference to an object in the cluster, owned by one client. Ownership: freed with
/// `ray_client_object_ref_free`; the server's reference is released when the last handle
/// (and value holding it) is freed.
/// Thread-safety: thread-safe, like its client; one handle may be used from many threads.
pub struct ray_client_object_ref {
    _private: [u8; 0],
}

// cbindgen writes the opaque types sorted by name, so the header's heading for them goes
// on the first one by name.
/// ---- Handle types (src/ffi/handles.rs), then the callback types ----
///
/// A handle to an actor, owned by one client. Ownership: freed with
/// `ray_client_actor_free`, which does not kill the actor.
/// Thread-safety: thread-safe, like its client; one handle may be used from many threads.
pub struct ray_client_actor {
    _private: [u8; 0],
}

/// An immutable value (Python's object model: none, bool, int, float, str, bytes,
/// containers, refs, numpy arrays, ...). Ownership: freed with `ray_client_value_free`;
/// pointers borrowed from it stay valid until then.
/// Thread-safety: immutable once built, so any number of threads may read one value at
/// once.
pub struct ray_client_value {
    _private: [u8; 0],
}

/// The details of a failure: status code, kind name, message and, for failures on the
/// cluster, the remote exception type, the user's exception type and the traceback.
/// Ownership: freed with `ray_client_error_free`; its strings are borrowed until then.
/// Thread-safety: immutable, so any thread may read it. The last error
/// (`ray_client_last_error*`) is kept per thread.
pub struct ray_client_error {
    _private: [u8; 0],
}

/// Options of a task, actor or actor method call (Python's `.options(...)`), read when
/// passed to a call, so one options handle may serve many calls. Ownership: freed with
/// `ray_client_options_free`.
/// Thread-safety: a locked builder: using one from several threads is safe but racy;
/// don't change options while another thread passes them to a call.
pub struct ray_client_options {
    _private: [u8; 0],
}

/// Everything `ray_client_connect` can be told, read when connecting. Ownership: freed
/// with `ray_client_connect_options_free`.
/// Thread-safety: a locked builder: using one from several threads is safe but racy;
/// don't change the options while another thread connects with them.
pub struct ray_client_connect_options {
    _private: [u8; 0],
}

/// A placement group on the cluster. Ownership: freed with
/// `ray_client_placement_group_free`, which does not remove the group.
/// Thread-safety: thread-safe; one handle may be used from many threads at once.
pub struct ray_client_placement_group {
    _private: [u8; 0],
}

/// A remote function: a Python function on the cluster, named by module and qualified
/// name or defined by Python source, with the options its calls use. Made once, called
/// any number of times, from any client. Ownership: freed with
/// `ray_client_function_free`.
/// Thread-safety: immutable, so any number of threads may call one function at once.
pub struct ray_client_function {
    _private: [u8; 0],
}

/// An actor class: a Python class on the cluster (by module and qualified name or from
/// Python source), with the options its actors are created with. Ownership: freed with
/// `ray_client_actor_class_free`.
/// Thread-safety: immutable, so any number of threads may use one class at once.
pub struct ray_client_actor_class {
    _private: [u8; 0],
}

/// The arguments of one call: positional values, then keyword arguments, copied in as
/// they are pushed and read when passed to a call, so one list may serve many calls.
/// Ownership: freed with `ray_client_args_free`.
/// Thread-safety: a locked builder: using one from several threads is safe but racy;
/// don't push arguments while another thread passes the list to a call.
pub struct ray_client_args {
    _private: [u8; 0],
}

/// A cluster's dashboard (its Jobs and State APIs over HTTP). Ownership: freed with
/// `ray_client_dashboard_free`.
/// Thread-safety: thread-safe; any number of threads may use one dashboard handle at
/// once. Its calls block, so none may be made from a callback.
pub struct ray_client_dashboard {
    _private: [u8; 0],
}

/// Everything `ray_client_dashboard_connect` can be told, read when connecting.
/// Ownership: freed with `ray_client_dashboard_options_free`.
/// Thread-safety: a locked builder: using one from several threads is safe but racy.
pub struct ray_client_dashboard_options {
    _private: [u8; 0],
}

/// A job to submit (entrypoint, id, runtime_env, metadata, entrypoint resources), read
/// when submitted, so one may serve many submissions. Ownership: freed with
/// `ray_client_job_submission_free`.
/// Thread-safety: a locked builder: using one from several threads is safe but racy.
pub struct ray_client_job_submission {
    _private: [u8; 0],
}

/// A job's log being followed. Ownership: freed with `ray_client_log_tail_free`, which
/// stops following.
/// Thread-safety: one reader: calls on one tail from several threads take turns.
pub struct ray_client_log_tail {
    _private: [u8; 0],
}

/// The items of a generator running on the cluster, read as it yields them
/// (`ray_client_item_stream_next`). Ownership: freed with `ray_client_item_stream_free`,
/// which stops the generator if it has not ended.
/// Thread-safety: thread-safe; reads from several threads take turns, each item going to
/// exactly one of them.
pub struct ray_client_item_stream {
    _private: [u8; 0],
}

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
    Client(Arc<ClientBox>),
    Ref(crate::ObjectRef),
    Actor(crate::ActorHandle),
    Value(Arc<crate::Value>),
    Error(Arc<ErrorInfo>),
    Options(Arc<Mutex<OptionsBuilder>>),
    ConnectOptions(Arc<Mutex<crate::ConnectOptions>>),
    PlacementGroup(Arc<PgBox>),
    Function(Arc<crate::RemoteFunction>),
    ActorClass(Arc<crate::ActorClass>),
    Args(Arc<Mutex<super::args::ArgList>>),
    Dashboard(Arc<super::dashboard::DashboardBox>),
    DashboardOptions(Arc<Mutex<crate::dashboard::DashboardOptions>>),
    JobSubmission(Arc<Mutex<crate::dashboard::JobSubmission>>),
    LogTail(super::dashboard::jobs::LogTailBox),
    ItemStream(Arc<crate::ItemStream>),
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

handle!(ray_client_client, 1, Client, Arc<ClientBox>);
handle!(ray_client_object_ref, 2, Ref, crate::ObjectRef);
handle!(ray_client_actor, 3, Actor, crate::ActorHandle);
handle!(ray_client_value, 4, Value, Arc<crate::Value>);
handle!(ray_client_error, 5, Error, Arc<ErrorInfo>);
handle!(ray_client_options, 6, Options, Arc<Mutex<OptionsBuilder>>);
handle!(
    ray_client_connect_options,
    7,
    ConnectOptions,
    Arc<Mutex<crate::ConnectOptions>>
);
handle!(ray_client_placement_group, 8, PlacementGroup, Arc<PgBox>);
handle!(ray_client_function, 9, Function, Arc<crate::RemoteFunction>);
handle!(
    ray_client_actor_class,
    10,
    ActorClass,
    Arc<crate::ActorClass>
);
handle!(ray_client_args, 11, Args, Arc<Mutex<super::args::ArgList>>);
handle!(
    ray_client_dashboard,
    12,
    Dashboard,
    Arc<super::dashboard::DashboardBox>
);
handle!(
    ray_client_dashboard_options,
    13,
    DashboardOptions,
    Arc<Mutex<crate::dashboard::DashboardOptions>>
);
handle!(
    ray_client_job_submission,
    14,
    JobSubmission,
    Arc<Mutex<crate::dashboard::JobSubmission>>
);
handle!(
    ray_client_log_tail,
    15,
    LogTail,
    super::dashboard::jobs::LogTailBox
);

handle!(
    ray_client_item_stream,
    16,
    ItemStream,
    Arc<crate::ItemStream>
);

// Five bits: tags 1 to 31, 16 of them in use.
const TAG_BITS: u32 = 5;

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

pub(crate) fn invalid_handle(what: &str, name: &str) -> ErrorInfo {
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

/// Checks the out-parameter `out` (set to NULL), then stores in it a new handle to what
/// `make` gives: what runs before this call is checked before `out`, what runs in `make`
/// after it.
pub(crate) unsafe fn fill_handle<H: Handle>(
    out: *mut *mut H,
    make: impl FnOnce() -> R<H::Inner>,
) -> R<()> {
    let out = out_handle(out, "out")?;
    *out = new_handle::<H>(make()?);
    Ok(())
}

/// The body of the `_clone` functions: a new handle in `out` to what `h` holds.
pub(crate) unsafe fn clone_handle<H: Handle>(
    h: *const H,
    what: &str,
    out: *mut *mut H,
) -> ray_client_status {
    guard(|| {
        let inner = get::<H>(h, what)?;
        fill_handle(out, || Ok(inner))
    })
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

/// ---- Handles (src/ffi/handles.rs) ----
///
/// Number of live handles of every type (for leak checks in tests).
#[no_mangle]
pub extern "C" fn ray_client_live_handles() -> usize {
    HANDLES.read().unwrap_or_else(PoisonError::into_inner).len() + live_allocations()
}
