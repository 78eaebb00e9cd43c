//! Objects: put, get, wait and cancel, object ref handles, and the asynchronous forms of
//! get and wait with their completion callbacks.

use std::collections::HashSet;
use std::ffi::{c_char, c_int, c_void};
use std::sync::Arc;
use std::time::Duration;

use futures::future::{BoxFuture, FutureExt};

use super::*;
use crate::object_ref::ObjectRef;
use crate::Client;

pub(crate) fn ref_of(r: *const ray_client_object_ref, what: &str) -> R<ObjectRef> {
    get::<ray_client_object_ref>(r, what)
}

pub(crate) unsafe fn refs_of(
    refs: *const *const ray_client_object_ref,
    n: usize,
) -> R<Vec<ObjectRef>> {
    slice(refs, n, "refs")?
        .iter()
        .enumerate()
        .map(|(i, &r)| ref_of(r, &format!("refs[{i}]")))
        .collect()
}

/// ---- Objects: put, get, wait, cancel, refs, async get/wait (src/ffi/objects.rs) ----
///
/// Stores `value` in the cluster's object store. Refs inside the value must belong to
/// `client`. The caller frees `*out` with `ray_client_object_ref_free`.
#[no_mangle]
pub unsafe extern "C" fn ray_client_object_put(
    client: *const ray_client_client,
    value: *const ray_client_value,
    out: *mut *mut ray_client_object_ref,
) -> ray_client_status {
    guard(|| {
        let c = client_of(client)?;
        let v = value_of(value, "value")?;
        fill_handle(out, || Ok(c.put((*v).clone())?))
    })
}

/// Gets one object's value, waiting up to `timeout_ms` milliseconds (negative: no
/// limit; `RAY_CLIENT_ERROR_TIMEOUT` when it passes). A task that raised gives
/// `RAY_CLIENT_ERROR_TASK_ERROR` with the remote exception in the last error. The caller
/// frees `*out` with `ray_client_value_free`.
#[no_mangle]
pub unsafe extern "C" fn ray_client_object_get(
    client: *const ray_client_client,
    r: *const ray_client_object_ref,
    timeout_ms: i64,
    out: *mut *mut ray_client_value,
) -> ray_client_status {
    guard(|| {
        let c = client_of(client)?;
        let r = ref_of(r, "ref")?;
        fill_handle(out, || {
            let mut values = c.get_many(std::slice::from_ref(&r), timeout_ms_of(timeout_ms))?;
            Ok(Arc::new(values.pop().expect("one value")))
        })
    })
}

/// Receives a large put's or get's progress: `done` bytes out of `total` (a get's `total`
/// is 0 until its first chunk said it). Called on a library thread of its own (never the
/// caller's nor the I/O thread), first with `done` 0, at most ten times a second, and a
/// last time (`done == total` on success) before the put or get returns.
pub type ray_client_progress_callback =
    Option<unsafe extern "C" fn(user: *mut c_void, done: u64, total: u64)>;

/// A progress callback as the core takes it (NULL: none).
fn progress_fn(
    callback: ray_client_progress_callback,
    user: *mut c_void,
) -> impl Fn(u64, u64) + Send + Sync + 'static {
    let user = UserData(user);
    move |done, total| {
        if let Some(cb) = callback {
            // SAFETY: the caller's callback, with the caller's pointer, as documented.
            unsafe { cb(user.get(), done, total) }
        }
    }
}

/// `ray_client_object_put` reporting the progress of the transfer (bytes the connection
/// has taken) to `progress(user, done, total)`, which may be NULL (see
/// `ray_client_progress_callback`). `user` is only used until this returns, from the
/// library's progress thread. Blocks (refused on the I/O thread, as every blocking call).
/// The caller frees `*out` with `ray_client_object_ref_free`; a NULL or freed client or
/// value gives an error status; after any error `*out` holds nothing to free.
#[no_mangle]
pub unsafe extern "C" fn ray_client_object_put_with_progress(
    client: *const ray_client_client,
    value: *const ray_client_value,
    progress: ray_client_progress_callback,
    user: *mut c_void,
    out: *mut *mut ray_client_object_ref,
) -> ray_client_status {
    let report = progress_fn(progress, user);
    guard(|| {
        let c = client_of(client)?;
        let v = value_of(value, "value")?;
        fill_handle(out, || Ok(c.put_with_progress((*v).clone(), report)?))
    })
}

/// `ray_client_object_get` reporting the progress of the transfer (bytes received) to
/// `progress(user, done, total)`, which may be NULL (see `ray_client_progress_callback`).
/// `timeout_ms` as for `ray_client_object_get` (negative: no limit). `user` is only used
/// until this returns, from the library's progress thread. Blocks (refused on the I/O
/// thread). The caller frees `*out` with `ray_client_value_free`; a NULL or freed client
/// or ref gives an error status; after any error `*out` holds nothing to free.
#[no_mangle]
pub unsafe extern "C" fn ray_client_object_get_with_progress(
    client: *const ray_client_client,
    r: *const ray_client_object_ref,
    timeout_ms: i64,
    progress: ray_client_progress_callback,
    user: *mut c_void,
    out: *mut *mut ray_client_value,
) -> ray_client_status {
    let report = progress_fn(progress, user);
    guard(|| {
        let c = client_of(client)?;
        let r = ref_of(r, "ref")?;
        fill_handle(out, || {
            Ok(Arc::new(c.get_with_progress(
                &r,
                timeout_ms_of(timeout_ms),
                report,
            )?))
        })
    })
}

fn timeout_ms_of(ms: i64) -> Option<Duration> {
    timeout_ms(ms)
}

/// Gets `n` objects' values at once, waiting up to `timeout_ms` (negative: no limit).
/// `*out` is an array of `n` new value handles; the caller frees the array and the
/// handles in it with `ray_client_value_array_free`.
#[no_mangle]
pub unsafe extern "C" fn ray_client_object_get_many(
    client: *const ray_client_client,
    refs: *const *const ray_client_object_ref,
    n: usize,
    timeout_ms: i64,
    out: *mut *mut *mut ray_client_value,
) -> ray_client_status {
    guard(|| {
        let c = client_of(client)?;
        let refs = refs_of(refs, n)?;
        let out = out_handle(out, "out")?;
        let values = c.get_many(&refs, timeout_ms_of(timeout_ms))?;
        *out = give_values(values);
        Ok(())
    })
}

fn ready_flags(refs: &[ObjectRef], ready: &[ObjectRef]) -> Vec<u8> {
    let ids: HashSet<_> = ready.iter().filter_map(ObjectRef::resolved_id).collect();
    refs.iter()
        .map(|r| u8::from(r.resolved_id().is_some_and(|id| ids.contains(&id))))
        .collect()
}

/// Waits until `num_returns` of the `n` refs are ready or `timeout_ms` passes (negative:
/// no limit); no timeout error, the refs are just not all ready. `ready` is the
/// caller's array of `n` bytes: `ready[i]` becomes 1 when `refs[i]` is ready, else 0.
/// `*num_ready` (may be NULL) is how many are.
#[no_mangle]
pub unsafe extern "C" fn ray_client_object_wait(
    client: *const ray_client_client,
    refs: *const *const ray_client_object_ref,
    n: usize,
    num_returns: usize,
    timeout_ms: i64,
    ready: *mut u8,
    num_ready: *mut usize,
) -> ray_client_status {
    guard(|| {
        let c = client_of(client)?;
        let refs = refs_of(refs, n)?;
        let num_ready = opt_out(num_ready, "num_ready", 0)?;
        let ready_out: &mut [u8] = match n {
            0 => &mut [],
            // n is bounded: `refs_of` read n pointers from a real array.
            _ if ready.is_null() => return Err(ErrorInfo::null("ready")),
            _ => std::slice::from_raw_parts_mut(ready, n),
        };
        ready_out.fill(0);
        let (done, _) = c.wait(&refs, num_returns, timeout_ms_of(timeout_ms))?;
        ready_out.copy_from_slice(&ready_flags(&refs, &done));
        if let Some(o) = num_ready {
            *o = done.len();
        }
        Ok(())
    })
}

/// The object id in hex (waits for it when the ref is a task's return still being
/// scheduled). The caller frees `*out` with `ray_client_string_free`.
#[no_mangle]
pub unsafe extern "C" fn ray_client_object_ref_hex(
    r: *const ray_client_object_ref,
    out: *mut *mut c_char,
) -> ray_client_status {
    guard(|| {
        let r = ref_of(r, "ref")?;
        fill_string(out, || Ok(r.hex()?))
    })
}

/// The hex id of the task that made the object (Python's `ObjectRef.task_id()`; waits as
/// `ray_client_object_ref_hex`). The caller frees `*out` with `ray_client_string_free`.
#[no_mangle]
pub unsafe extern "C" fn ray_client_object_ref_task_id(
    r: *const ray_client_object_ref,
    out: *mut *mut c_char,
) -> ray_client_status {
    guard(|| {
        let r = ref_of(r, "ref")?;
        fill_string(out, || Ok(r.task_id()?))
    })
}

/// A new handle to the same object. The caller frees `*out`.
#[no_mangle]
pub unsafe extern "C" fn ray_client_object_ref_clone(
    r: *const ray_client_object_ref,
    out: *mut *mut ray_client_object_ref,
) -> ray_client_status {
    clone_handle(r, "ref", out)
}

/// Frees a ref handle; the server's reference goes with the last handle (and value)
/// holding it. NULL is a no-op.
/// Thread-safety: may run while other threads still use the handle: their calls finish
/// normally, and borrowed pointers into it become invalid.
#[no_mangle]
pub unsafe extern "C" fn ray_client_object_ref_free(
    r: *mut ray_client_object_ref,
) -> ray_client_status {
    guard(|| free_handle(r))
}

/// Cancels the task that produces `r` (`ray.cancel`); `force` kills the worker,
/// `recursive` cancels the tasks it started. A get of `r` then fails with
/// `RAY_CLIENT_ERROR_TASK_CANCELLED`. As in Python, a non-force cancel interrupts the
/// task at its next Python bytecode: a task blocked in one long C call (`time.sleep(60)`,
/// a long numpy operation) runs on until that call returns; only `force` stops it at once.
#[no_mangle]
pub unsafe extern "C" fn ray_client_object_cancel(
    client: *const ray_client_client,
    r: *const ray_client_object_ref,
    force: c_int,
    recursive: c_int,
) -> ray_client_status {
    guard(|| {
        let c = client_of(client)?;
        let r = ref_of(r, "ref")?;
        Ok(c.cancel(&r, force != 0, recursive != 0)?)
    })
}

/// Completion of `ray_client_object_get_async`: `status` is `RAY_CLIENT_OK` with a value, or an
/// error code with an error. Both `value` and `error` (whichever is not NULL) are owned
/// by the callback, which frees them (`ray_client_value_free`, `ray_client_error_free`),
/// possibly later on another thread. Runs on the library's I/O thread: return quickly,
/// make no blocking calls (they fail there).
pub type ray_client_get_callback = Option<
    unsafe extern "C" fn(
        user: *mut c_void,
        status: ray_client_status,
        value: *mut ray_client_value,
        error: *mut ray_client_error,
    ),
>;

/// Completion of `ray_client_object_get_many_async`: on success `values` is an array of `n`
/// value handles that the callback owns (free with `ray_client_value_array_free`); on
/// failure `values` is NULL and `error` is owned by the callback. I/O thread rules as
/// for `ray_client_get_callback`.
pub type ray_client_get_many_callback = Option<
    unsafe extern "C" fn(
        user: *mut c_void,
        status: ray_client_status,
        values: *mut *mut ray_client_value,
        n: usize,
        error: *mut ray_client_error,
    ),
>;

/// Completion of `ray_client_object_wait_async`: on success `ready` holds `n` bytes (1: the
/// ref at that index is ready), borrowed for the duration of the call, and `num_ready`
/// counts them; on failure `ready` is NULL and `error` is owned by the callback. I/O
/// thread rules as for `ray_client_get_callback`.
pub type ray_client_wait_callback = Option<
    unsafe extern "C" fn(
        user: *mut c_void,
        status: ray_client_status,
        ready: *const u8,
        n: usize,
        num_ready: usize,
        error: *mut ray_client_error,
    ),
>;

/// What `ray_client_object_get_many_async` and `ray_client_object_wait_async` read first,
/// in this order: the client, the `n` refs, and the callback, which must not be NULL. One
/// function, so that both check the same things in the same order.
unsafe fn async_args<F>(
    client: *const ray_client_client,
    refs: *const *const ray_client_object_ref,
    n: usize,
    callback: Option<F>,
) -> R<(Client, Vec<ObjectRef>, F)> {
    let c = client_of(client)?;
    let refs = refs_of(refs, n)?;
    let cb = callback.ok_or_else(|| ErrorInfo::null("callback"))?;
    Ok((c, refs, cb))
}

fn give_error(e: crate::Error) -> (ray_client_status, *mut ray_client_error) {
    let info = ErrorInfo::from(e);
    let code = info.code();
    (code, new_handle::<ray_client_error>(Arc::new(info)))
}

/// What an asynchronous operation hands its callback: the operation's result, or the
/// status and a new error handle that the callback owns.
pub(crate) type Outcome<T> = Result<T, (ray_client_status, *mut ray_client_error)>;

/// The rest of an `*_async` function once its arguments are read: checks that `c` is
/// open and owns `refs` (a failure here means the callback never runs), then runs `op` on
/// the I/O thread and hands its outcome to `done`, which calls the caller's callback with
/// the caller's `user` (a panic there is swallowed so that it cannot take the I/O thread
/// down). The client and the refs live until the callback returned.
pub(crate) fn start<T>(
    c: Client,
    refs: Vec<ObjectRef>,
    user: *mut c_void,
    op: impl for<'a> FnOnce(&'a Client, &'a [ObjectRef]) -> BoxFuture<'a, crate::Result<T>>
        + Send
        + 'static,
    done: impl FnOnce(*mut c_void, Outcome<T>) + Send + 'static,
) -> R<()> {
    c.check_open()?;
    refs.iter().try_for_each(|r| c.check_ref(r))?;
    let user = UserData(user);
    crate::runtime::spawn(async move {
        let outcome = op(&c, &refs).await.map_err(give_error);
        let call = || done(user.get(), outcome);
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(call));
    });
    Ok(())
}

/// Starts getting one object's value (the result of a task, or a put object) and
/// returns at once; `callback(user, ...)` runs exactly once on the I/O thread when the
/// value is there, the timeout (`timeout_ms`, negative: no limit) passed or the get
/// failed. A status other than `RAY_CLIENT_OK` here means the callback will not run.
/// `user` must stay valid until the callback ran.
/// Thread-safety: may also be called from a callback on the I/O thread; `callback` runs
/// on the I/O thread.
#[no_mangle]
pub unsafe extern "C" fn ray_client_object_get_async(
    client: *const ray_client_client,
    r: *const ray_client_object_ref,
    timeout_ms: i64,
    callback: ray_client_get_callback,
    user: *mut c_void,
) -> ray_client_status {
    guard(|| {
        let c = client_of(client)?;
        let r = ref_of(r, "ref")?;
        let cb = callback.ok_or_else(|| ErrorInfo::null("callback"))?;
        let timeout = timeout_ms_of(timeout_ms);
        start(
            c,
            vec![r],
            user,
            move |c, refs| {
                async move {
                    let mut values = c.get_on_io_thread(refs, timeout).await?;
                    Ok(values.pop().expect("one value"))
                }
                .boxed()
            },
            move |user, outcome| call_get_callback(cb, user, outcome.map(Some)),
        )
    })
}

/// Hands a get's outcome to the caller's `ray_client_get_callback`: a new value handle,
/// none (`Ok(None)`: an item stream's end), or the error.
pub(crate) fn call_get_callback(
    cb: unsafe extern "C" fn(
        *mut c_void,
        ray_client_status,
        *mut ray_client_value,
        *mut ray_client_error,
    ),
    user: *mut c_void,
    outcome: Outcome<Option<crate::Value>>,
) {
    let (status, value, error) = match outcome {
        Ok(v) => (
            RAY_CLIENT_OK,
            v.map_or(std::ptr::null_mut(), |v| new_handle(Arc::new(v))),
            std::ptr::null_mut(),
        ),
        Err((code, err)) => (code, std::ptr::null_mut(), err),
    };
    // SAFETY: the caller's callback with the caller's pointer, as documented.
    unsafe { cb(user, status, value, error) }
}

/// Starts getting `n` objects' values; `callback` runs once on the I/O thread (see
/// `ray_client_get_many_callback`). A status other than `RAY_CLIENT_OK` here means the
/// callback will not run. The refs are copied: the caller may free them at once.
/// Thread-safety: may also be called from a callback on the I/O thread; `callback` runs
/// on the I/O thread.
#[no_mangle]
pub unsafe extern "C" fn ray_client_object_get_many_async(
    client: *const ray_client_client,
    refs: *const *const ray_client_object_ref,
    n: usize,
    timeout_ms: i64,
    callback: ray_client_get_many_callback,
    user: *mut c_void,
) -> ray_client_status {
    guard(|| {
        let (c, refs, cb) = async_args(client, refs, n, callback)?;
        let timeout = timeout_ms_of(timeout_ms);
        start(
            c,
            refs,
            user,
            move |c, refs| c.get_on_io_thread(refs, timeout).boxed(),
            move |user, outcome| {
                let (status, values, n, error) = match outcome {
                    Ok(v) => {
                        let n = v.len();
                        (RAY_CLIENT_OK, give_values(v), n, std::ptr::null_mut())
                    }
                    Err((code, err)) => (code, std::ptr::null_mut(), 0, err),
                };
                // SAFETY: the caller's callback with the caller's pointer, as documented.
                unsafe { cb(user, status, values, n, error) }
            },
        )
    })
}

/// Starts waiting until `num_returns` of the `n` refs are ready or `timeout_ms` passes
/// (negative: no limit); `callback` runs once on the I/O thread (see
/// `ray_client_wait_callback`). A status other than `RAY_CLIENT_OK` here means the
/// callback will not run. The refs are copied: the caller may free them at once.
/// Thread-safety: may also be called from a callback on the I/O thread; `callback` runs
/// on the I/O thread.
#[no_mangle]
pub unsafe extern "C" fn ray_client_object_wait_async(
    client: *const ray_client_client,
    refs: *const *const ray_client_object_ref,
    n: usize,
    num_returns: usize,
    timeout_ms: i64,
    callback: ray_client_wait_callback,
    user: *mut c_void,
) -> ray_client_status {
    guard(|| {
        let (c, refs, cb) = async_args(client, refs, n, callback)?;
        if num_returns == 0 || num_returns > refs.len() {
            return Err(ErrorInfo::invalid(format!(
                "num_returns must be between 1 and the number of refs ({}), got {num_returns}",
                refs.len()
            )));
        }
        let timeout = timeout_ms_of(timeout_ms);
        start(
            c,
            refs,
            user,
            move |c, refs| {
                async move {
                    let (done, _) = c.wait_async(refs, num_returns, timeout).await?;
                    Ok((ready_flags(refs, &done), done.len()))
                }
                .boxed()
            },
            move |user, outcome| match outcome {
                Ok((flags, k)) => {
                    let (p, n) = (flags.as_ptr(), flags.len());
                    // SAFETY: the caller's callback; `flags` outlives the call.
                    unsafe { cb(user, RAY_CLIENT_OK, p, n, k, std::ptr::null_mut()) }
                }
                // SAFETY: the caller's callback with the caller's pointer.
                Err((code, err)) => unsafe { cb(user, code, std::ptr::null(), 0, 0, err) },
            },
        )
    })
}
