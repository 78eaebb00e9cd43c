//! Remote functions: calling a function by module and name or from Python source, and the
//! argument handling that actor method calls share.

use std::ffi::{c_char, c_int};

use super::*;
use crate::actors::ActorHandle;
use crate::client::Client;
use crate::objects::ObjectRef;
use crate::options::Options;
use crate::tasks::{Kwargs, RemoteFunction};
use crate::value::Value;

/// Positional arguments: `nargs` value handles (copied).
pub(crate) unsafe fn args_of(args: *const *const ray_client_value, nargs: usize) -> R<Vec<Value>> {
    values_of(args, nargs)
}

/// Keyword arguments: `nkw` names and values (copied).
pub(crate) unsafe fn kwargs_of(
    names: *const *const c_char,
    values: *const *const ray_client_value,
    nkw: usize,
) -> R<Kwargs> {
    let names = slice(names, nkw, "kwarg_names")?;
    let values = values_of(values, nkw)?;
    names
        .iter()
        .zip(values)
        .enumerate()
        .map(|(i, (&n, v))| Ok((str_arg(n, &format!("kwarg_names[{i}]"))?.to_owned(), v)))
        .collect()
}

/// What a call runs: a function (with its options), or an actor's method.
pub(crate) enum ActorOrFn {
    Function(RemoteFunction),
    Method(ActorHandle, String),
}

/// Validates and copies the arguments, then calls what `target` names.
pub(crate) unsafe fn call_refs(
    target: impl FnOnce(Options) -> R<(Client, ActorOrFn)>,
    args: *const *const ray_client_value,
    nargs: usize,
    kwarg_names: *const *const c_char,
    kwarg_values: *const *const ray_client_value,
    nkw: usize,
    options: *const ray_client_options,
) -> R<Vec<ObjectRef>> {
    let options = options_of(options)?;
    let (c, target) = target(options.clone())?;
    let args = args_of(args, nargs)?;
    let kwargs = kwargs_of(kwarg_names, kwarg_values, nkw)?;
    Ok(match target {
        ActorOrFn::Function(f) => c.call_n(&f, args, kwargs)?,
        ActorOrFn::Method(a, m) => c.call_method_with(&a, &m, args, kwargs, &options)?,
    })
}

unsafe fn function(
    client: *const ray_client_client,
    module_or_source: *const c_char,
    name: *const c_char,
    from_source: bool,
) -> impl FnOnce(Options) -> R<(Client, ActorOrFn)> {
    move |options| {
        let c = client_of(client)?;
        let f = if from_source {
            RemoteFunction::from_source(
                str_arg(module_or_source, "source")?,
                str_arg(name, "name")?,
            )?
        } else {
            RemoteFunction::new(str_arg(module_or_source, "module")?, str_arg(name, "name")?)?
        };
        Ok((c, ActorOrFn::Function(f.with_options(options))))
    }
}

pub(crate) fn one_ref(mut refs: Vec<ObjectRef>, out: &mut *mut ray_client_object_ref) -> R<()> {
    if refs.len() != 1 {
        return Err(ErrorInfo::invalid(format!(
            "the call returns {} refs (num_returns); use the _n form",
            refs.len()
        )));
    }
    *out = new_handle::<ray_client_object_ref>(refs.pop().expect("one ref"));
    Ok(())
}

pub(crate) fn many_refs(
    refs: Vec<ObjectRef>,
    out: &mut *mut *mut ray_client_object_ref,
    n: &mut usize,
) -> R<()> {
    *n = refs.len();
    *out = give_refs(refs);
    Ok(())
}

/// ---- Tasks: calling remote functions (src/ffi/tasks.rs) ----
///
/// Calls `module.qualname(*args, **kwargs)` on the cluster (the function must be
/// importable there) and returns the ref of its result at once, without waiting for the
/// task to be scheduled. `args`: `nargs` value handles; `kwarg_names` / `kwarg_values`:
/// `nkw` names and values; all copied, the caller keeps ownership. Refs among the
/// arguments (nested too) must belong to `client`; Ray resolves them before the function
/// runs. `options` may be NULL. The caller frees `*out` with `ray_client_object_ref_free`.
/// Get the result with `ray_client_get` or `ray_client_get_async`.
#[no_mangle]
pub unsafe extern "C" fn ray_client_call(
    client: *const ray_client_client,
    module: *const c_char,
    qualname: *const c_char,
    args: *const *const ray_client_value,
    nargs: usize,
    kwarg_names: *const *const c_char,
    kwarg_values: *const *const ray_client_value,
    nkw: usize,
    options: *const ray_client_options,
    out: *mut *mut ray_client_object_ref,
) -> c_int {
    guard(|| {
        let out = out_handle(out, "out")?;
        let f = function(client, module, qualname, false);
        let refs = call_refs(f, args, nargs, kwarg_names, kwarg_values, nkw, options)?;
        one_ref(refs, out)
    })
}

/// `ray_client_call` for any `num_returns`: `*out` is an array of `*n` new ref handles,
/// freed (with the handles still in it) by `ray_client_object_ref_array_free`.
#[no_mangle]
pub unsafe extern "C" fn ray_client_call_n(
    client: *const ray_client_client,
    module: *const c_char,
    qualname: *const c_char,
    args: *const *const ray_client_value,
    nargs: usize,
    kwarg_names: *const *const c_char,
    kwarg_values: *const *const ray_client_value,
    nkw: usize,
    options: *const ray_client_options,
    out: *mut *mut *mut ray_client_object_ref,
    n: *mut usize,
) -> c_int {
    guard(|| {
        let out = out_handle(out, "out")?;
        let n = out_val(n, "n", 0)?;
        let f = function(client, module, qualname, false);
        let refs = call_refs(f, args, nargs, kwarg_names, kwarg_values, nkw, options)?;
        many_refs(refs, out, n)
    })
}

/// `ray_client_call` of the function `name` defined by Python `source` (a `def`, with
/// the imports it needs inside); the cluster receives it by value.
#[no_mangle]
pub unsafe extern "C" fn ray_client_call_source(
    client: *const ray_client_client,
    source: *const c_char,
    name: *const c_char,
    args: *const *const ray_client_value,
    nargs: usize,
    kwarg_names: *const *const c_char,
    kwarg_values: *const *const ray_client_value,
    nkw: usize,
    options: *const ray_client_options,
    out: *mut *mut ray_client_object_ref,
) -> c_int {
    guard(|| {
        let out = out_handle(out, "out")?;
        let f = function(client, source, name, true);
        let refs = call_refs(f, args, nargs, kwarg_names, kwarg_values, nkw, options)?;
        one_ref(refs, out)
    })
}

/// `ray_client_call_source` for any `num_returns` (see `ray_client_call_n`).
#[no_mangle]
pub unsafe extern "C" fn ray_client_call_source_n(
    client: *const ray_client_client,
    source: *const c_char,
    name: *const c_char,
    args: *const *const ray_client_value,
    nargs: usize,
    kwarg_names: *const *const c_char,
    kwarg_values: *const *const ray_client_value,
    nkw: usize,
    options: *const ray_client_options,
    out: *mut *mut *mut ray_client_object_ref,
    n: *mut usize,
) -> c_int {
    guard(|| {
        let out = out_handle(out, "out")?;
        let n = out_val(n, "n", 0)?;
        let f = function(client, source, name, true);
        let refs = call_refs(f, args, nargs, kwarg_names, kwarg_values, nkw, options)?;
        many_refs(refs, out, n)
    })
}
