//! Remote functions: making them (by module and name, or from Python source), attaching
//! options, and calling them; and the caller-sized results array every call fills.

use std::ffi::c_char;
use std::sync::Arc;

use super::*;
use crate::object_ref::ObjectRef;
use crate::options::Options;
use crate::tasks::{Remote, RemoteKind};

/// Checks that `results` has room for exactly the `n` refs a call with `options` returns,
/// and clears it, before anything is sent.
pub(crate) unsafe fn results_of<'a>(
    results: *mut *mut ray_client_object_ref,
    nresults: usize,
    options: &Options,
) -> R<&'a mut [*mut ray_client_object_ref]> {
    let n = options.num_returns_or_default()?;
    if nresults != n {
        return Err(ErrorInfo::invalid(format!(
            "the call returns {n} result{} (num_returns), but results has room for {nresults}",
            if n == 1 { "" } else { "s" }
        )));
    }
    if n == 0 {
        return Ok(&mut []);
    }
    let slots = slice(results.cast_const(), n, "results")?;
    let slots = std::slice::from_raw_parts_mut(slots.as_ptr().cast_mut(), n);
    slots.fill(std::ptr::null_mut());
    Ok(slots)
}

/// Hands the call's refs to the caller's results array.
pub(crate) fn give_results(refs: Vec<ObjectRef>, out: &mut [*mut ray_client_object_ref]) {
    debug_assert_eq!(refs.len(), out.len());
    for (slot, r) in out.iter_mut().zip(refs) {
        *slot = new_handle::<ray_client_object_ref>(r);
    }
}

/// Stores in `out` a new function or actor class handle to what `make` gives (`out` is
/// checked after `make` ran).
pub(crate) unsafe fn give_remote<K, H>(
    out: *mut *mut H,
    make: impl FnOnce() -> R<Remote<K>>,
) -> ray_client_status
where
    K: RemoteKind,
    H: Handle<Inner = Arc<Remote<K>>>,
{
    guard(|| {
        let remote = make()?;
        fill_handle(out, || Ok(Arc::new(remote)))
    })
}

/// The body of `ray_client_function_with_options` and
/// `ray_client_actor_class_with_options`: the same code with `options` attached (checked).
pub(crate) unsafe fn remote_with_options<K, H>(
    remote: *const H,
    what: &str,
    options: *const ray_client_options,
    out: *mut *mut H,
) -> ray_client_status
where
    K: RemoteKind,
    H: Handle<Inner = Arc<Remote<K>>>,
{
    give_remote(out, || {
        let remote = get::<H>(remote, what)?;
        let options = options_of(options)?;
        options.check()?;
        Ok((*remote).clone().with_options(options))
    })
}

/// The function or actor class behind `remote` with a call's `options` set over its own,
/// as Python's `f.options(...)` on a function declared with options.
pub(crate) fn with_call_options<K, H>(
    remote: *const H,
    what: &str,
    options: *const ray_client_options,
) -> R<Remote<K>>
where
    K: RemoteKind,
    H: Handle<Inner = Arc<Remote<K>>>,
{
    let remote = get::<H>(remote, what)?;
    let options = remote.options().merged(&options_of(options)?);
    Ok((*remote).clone().with_options(options))
}

/// ---- Remote functions (src/ffi/tasks.rs) ----
///
/// The function `qualname` (dotted for nested names) of `module`, which must be
/// importable on the cluster. Nothing is sent until it is called. The caller frees `*out`
/// with `ray_client_function_free`.
#[no_mangle]
pub unsafe extern "C" fn ray_client_function_new(
    module: *const c_char,
    qualname: *const c_char,
    out: *mut *mut ray_client_function,
) -> ray_client_status {
    give_remote(out, || {
        Ok(Remote::new(
            str_arg(module, "module")?,
            str_arg(qualname, "qualname")?,
        )?)
    })
}

/// The function `name` defined by Python `source` (a `def`, with the imports it needs
/// inside); the cluster receives it by value. The caller frees `*out`.
#[no_mangle]
pub unsafe extern "C" fn ray_client_function_from_source(
    source: *const c_char,
    name: *const c_char,
    out: *mut *mut ray_client_function,
) -> ray_client_status {
    give_remote(out, || {
        Ok(Remote::from_source(
            str_arg(source, "source")?,
            str_arg(name, "name")?,
        )?)
    })
}

/// The same function with `options` attached instead of any attached before (Python's
/// `f.options(...)`): its calls use them, under any options a call gives. The options are
/// copied. The caller frees `*out`.
#[no_mangle]
pub unsafe extern "C" fn ray_client_function_with_options(
    function: *const ray_client_function,
    options: *const ray_client_options,
    out: *mut *mut ray_client_function,
) -> ray_client_status {
    remote_with_options(function, "function", options, out)
}

/// Calls `function(*args, **kwargs)` on `client` and returns at once, without waiting for
/// the task to be scheduled: `results` receives one new ref per return value, and must
/// have room for exactly as many as the call returns (`num_returns`, 1 unless set; 0
/// allows `results` NULL). `args` may be NULL (no arguments); `options` may be NULL, and
/// are set over the function's own (`f.options(...)` per call). The caller frees each
/// ref with `ray_client_object_ref_free`; get the results with `ray_client_object_get`.
#[no_mangle]
pub unsafe extern "C" fn ray_client_function_call(
    client: *const ray_client_client,
    function: *const ray_client_function,
    args: *const ray_client_args,
    options: *const ray_client_options,
    results: *mut *mut ray_client_object_ref,
    nresults: usize,
) -> ray_client_status {
    guard(|| {
        let c = client_of(client)?;
        let f = with_call_options(function, "function", options)?;
        let out = results_of(results, nresults, f.options())?;
        let list = args_of(args)?;
        give_results(c.call_n(&f, list.args, list.kwargs)?, out);
        Ok(())
    })
}

/// Frees a function handle. NULL is a no-op.
/// Thread-safety: may run while other threads still call the function: their calls
/// finish normally.
#[no_mangle]
pub unsafe extern "C" fn ray_client_function_free(
    function: *mut ray_client_function,
) -> ray_client_status {
    guard(|| free_handle(function))
}
