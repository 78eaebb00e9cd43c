//! Item streams: calling a generator function or an actor's generator method, and reading
//! its items as it yields them.

use std::ffi::{c_char, c_void};
use std::sync::Arc;

use super::objects::{call_get_callback, start};
use super::*;

/// ---- Item streams (src/ffi/streams.rs) ----
///
/// Calls the generator function `function(*args, **kwargs)` on `client` and returns its
/// items as they are yielded (Python's `num_returns="streaming"`); `args` and `options`
/// as in `ray_client_function_call`. The option `_generator_backpressure_num_objects`
/// (an int from 1; 1024 unless set, 64 for a method) is the stream's buffer `b`, which
/// bounds what is held beyond what was read: a generator function's items travel in
/// batches of up to `b` items and 4 MiB, at most six batches ahead of the reader; an
/// actor's generator method's one by one, Ray pausing it while `b` wait and the client's
/// actor on the cluster queueing `b` more. The caller frees `*out` with
/// `ray_client_item_stream_free`.
#[no_mangle]
pub unsafe extern "C" fn ray_client_function_call_streaming(
    client: *const ray_client_client,
    function: *const ray_client_function,
    args: *const ray_client_args,
    options: *const ray_client_options,
    out: *mut *mut ray_client_item_stream,
) -> ray_client_status {
    guard(|| {
        fill_handle(out, || {
            let c = client_of(client)?;
            let f = with_call_options(function, "function", options)?;
            let list = args_of(args)?;
            Ok(Arc::new(c.call_streaming(&f, list.args, list.kwargs)?))
        })
    })
}

/// Calls the generator method `actor.method(*args, **kwargs)` and returns its items as
/// they are yielded; `args`, `options` and the buffer as in
/// `ray_client_function_call_streaming`. The caller frees `*out`.
#[no_mangle]
pub unsafe extern "C" fn ray_client_actor_call_streaming(
    client: *const ray_client_client,
    actor: *const ray_client_actor,
    method: *const c_char,
    args: *const ray_client_args,
    options: *const ray_client_options,
    out: *mut *mut ray_client_item_stream,
) -> ray_client_status {
    guard(|| {
        fill_handle(out, || {
            let c = client_of(client)?;
            let a = get::<ray_client_actor>(actor, "actor")?;
            let method = str_arg(method, "method")?;
            let options = options_of(options)?;
            let list = args_of(args)?;
            Ok(Arc::new(c.call_method_streaming(
                &a,
                method,
                list.args,
                list.kwargs,
                &options,
            )?))
        })
    })
}

/// The next item, waiting up to `timeout_ms` (negative: no limit): `*out` gets a new
/// value handle (free it with `ray_client_value_free`), or NULL once the generator
/// returned. The exception the generator raised comes as `RAY_CLIENT_ERROR_TASK_ERROR`
/// after the items yielded before it, and the stream ends there.
/// `RAY_CLIENT_ERROR_TIMEOUT` when the time passed; the stream keeps its place, so a
/// later read gets that item.
#[no_mangle]
pub unsafe extern "C" fn ray_client_item_stream_next(
    stream: *const ray_client_item_stream,
    timeout_ms: i64,
    out: *mut *mut ray_client_value,
) -> ray_client_status {
    guard(|| {
        let s = get::<ray_client_item_stream>(stream, "stream")?;
        let out = out_handle(out, "out")?;
        if let Some(v) = s.next_item_timeout(super::timeout_ms(timeout_ms))? {
            *out = new_handle::<ray_client_value>(Arc::new(v));
        }
        Ok(())
    })
}

/// Starts reading the next item and returns at once; `callback(user, ...)` runs exactly
/// once on the I/O thread with what `ray_client_item_stream_next` would give: a value
/// (owned by the callback), NULL with `RAY_CLIENT_OK` at the end, or an error (owned by
/// the callback). A status other than `RAY_CLIENT_OK` here means the callback will not
/// run. `user` must stay valid until the callback ran.
/// Thread-safety: may also be called from a callback on the I/O thread; `callback` runs
/// on the I/O thread. Reads started before the last one ended are served in turn.
#[no_mangle]
pub unsafe extern "C" fn ray_client_item_stream_next_async(
    stream: *const ray_client_item_stream,
    timeout_ms: i64,
    callback: ray_client_get_callback,
    user: *mut c_void,
) -> ray_client_status {
    guard(|| {
        let s = get::<ray_client_item_stream>(stream, "stream")?;
        let cb = callback.ok_or_else(|| ErrorInfo::null("callback"))?;
        let read = s.next_on_io_thread(super::timeout_ms(timeout_ms));
        start(
            s.client().clone(),
            vec![],
            user,
            move |_, _| read,
            move |user, outcome| call_get_callback(cb, user, outcome),
        )
    })
}

/// Stops the generator on the cluster and ends the stream (later reads give NULL);
/// a stream that ended already is left as it is.
#[no_mangle]
pub unsafe extern "C" fn ray_client_item_stream_cancel(
    stream: *const ray_client_item_stream,
) -> ray_client_status {
    guard(|| {
        let s = get::<ray_client_item_stream>(stream, "stream")?;
        Ok(s.cancel()?)
    })
}

/// The stream's buffer (see `ray_client_function_call_streaming`) in `*out`.
#[no_mangle]
pub unsafe extern "C" fn ray_client_item_stream_buffer(
    stream: *const ray_client_item_stream,
    out: *mut usize,
) -> ray_client_status {
    guard(|| {
        let s = get::<ray_client_item_stream>(stream, "stream")?;
        *out_val(out, "out", 0)? = s.buffer();
        Ok(())
    })
}

/// Frees a stream, stopping its generator if it has not ended. NULL is a no-op.
/// Thread-safety: may run while another thread waits in `ray_client_item_stream_next`
/// on it: that read ends (with the generator's cancellation) rather than waiting on.
#[no_mangle]
pub unsafe extern "C" fn ray_client_item_stream_free(
    stream: *mut ray_client_item_stream,
) -> ray_client_status {
    guard(|| {
        if !stream.is_null() {
            // Stopped first: a read in progress holds the stream until it returns.
            let s = get::<ray_client_item_stream>(stream, "stream")?;
            let _ = s.cancel();
        }
        free_handle(stream)
    })
}
