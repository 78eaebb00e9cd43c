//! Options, remote function calls and actors.

use std::ffi::{c_char, c_int};
use std::sync::{Arc, Mutex, PoisonError};

use super::client::client_of;
use super::value::{value_of, values_of};
use super::*;
use crate::actors::{ActorClass, ActorHandle};
use crate::client::Client;
use crate::objects::ObjectRef;
use crate::options::Options;
use crate::scheduling::SchedulingStrategy;
use crate::tasks::{Kwargs, RemoteFunction};
use crate::value::Value;

/// What an options handle holds: the options, plus custom resources collected one by
/// one.
#[derive(Default)]
pub(crate) struct OptionsBuilder {
    options: Options,
    resources: Vec<(String, f64)>,
}

impl OptionsBuilder {
    fn build(&self) -> Options {
        if self.resources.is_empty() {
            self.options.clone()
        } else {
            self.options.clone().resources(self.resources.clone())
        }
    }
}

/// The options behind a handle; NULL means no options.
fn options_of(o: *const ray_client_options) -> R<Options> {
    if o.is_null() {
        return Ok(Options::new());
    }
    Ok(get::<ray_client_options>(o, "options")?
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .build())
}

fn with_options(o: *mut ray_client_options, f: impl FnOnce(Options) -> R<Options>) -> c_int {
    guard(|| {
        let o = get::<ray_client_options>(o, "options")?;
        let mut b = o.lock().unwrap_or_else(PoisonError::into_inner);
        let current = std::mem::take(&mut b.options);
        // A value Ray refuses is refused here, where it is set, and leaves the options
        // as they were.
        match f(current.clone()).and_then(|new| new.check().map(|()| new).map_err(Into::into)) {
            Ok(new) => {
                b.options = new;
                Ok(())
            }
            Err(e) => {
                b.options = current;
                Err(e)
            }
        }
    })
}

/// New, empty task/actor options (Python's `.options(...)`). The caller frees `*out`
/// with `ray_client_options_free`. Options are read when passed to a call, so one
/// options object may serve many calls; don't modify it while another thread calls
/// with it.
/// Thread-safety: any thread; the builder is locked, so concurrent use is safe (but racy).
#[no_mangle]
pub unsafe extern "C" fn ray_client_options_new(out: *mut *mut ray_client_options) -> c_int {
    guard(|| {
        let out = out_handle(out, "out")?;
        *out = new_handle::<ray_client_options>(Arc::new(Mutex::new(OptionsBuilder::default())));
        Ok(())
    })
}

/// Frees options. NULL is a no-op.
/// Thread-safety: any thread; calls already running on the handle in other threads finish normally, borrowed pointers into it become invalid.
#[no_mangle]
pub unsafe extern "C" fn ray_client_options_free(options: *mut ray_client_options) -> c_int {
    guard(|| free_handle(options))
}

/// A resource amount as Ray accepts it: finite and not negative (Ray's own check).
fn resource_amount(n: f64, what: &str) -> R<f64> {
    if n.is_finite() && n >= 0.0 {
        Ok(n)
    } else {
        Err(ErrorInfo::invalid(format!(
            "{what} must be a finite number >= 0, got {n}"
        )))
    }
}

/// `num_cpus` (finite, >= 0).
/// Thread-safety: any thread; the builder is locked, so concurrent use is safe (but racy).
#[no_mangle]
pub unsafe extern "C" fn ray_client_options_set_num_cpus(
    options: *mut ray_client_options,
    n: f64,
) -> c_int {
    with_options(options, |o| Ok(o.num_cpus(resource_amount(n, "num_cpus")?)))
}

/// `num_gpus` (finite, >= 0).
/// Thread-safety: any thread; the builder is locked, so concurrent use is safe (but racy).
#[no_mangle]
pub unsafe extern "C" fn ray_client_options_set_num_gpus(
    options: *mut ray_client_options,
    n: f64,
) -> c_int {
    with_options(options, |o| Ok(o.num_gpus(resource_amount(n, "num_gpus")?)))
}

/// `memory`, in bytes.
/// Thread-safety: any thread; the builder is locked, so concurrent use is safe (but racy).
#[no_mangle]
pub unsafe extern "C" fn ray_client_options_set_memory(
    options: *mut ray_client_options,
    bytes: u64,
) -> c_int {
    with_options(options, |o| Ok(o.memory(bytes)))
}

/// Adds (or replaces) one custom resource of `resources`, e.g. `("gadget", 1.0)`; the
/// amount must be finite and >= 0.
/// Thread-safety: any thread; the builder is locked, so concurrent use is safe (but racy).
#[no_mangle]
pub unsafe extern "C" fn ray_client_options_set_resource(
    options: *mut ray_client_options,
    name: *const c_char,
    amount: f64,
) -> c_int {
    guard(|| {
        let name = str_arg(name, "name")?.to_owned();
        let amount = resource_amount(amount, "a resource amount")?;
        let o = get::<ray_client_options>(options, "options")?;
        let mut b = o.lock().unwrap_or_else(PoisonError::into_inner);
        match b.resources.iter_mut().find(|(k, _)| *k == name) {
            Some(e) => e.1 = amount,
            None => b.resources.push((name, amount)),
        }
        Ok(())
    })
}

/// `max_retries`: 0 or more, or -1 to retry forever; anything else is refused here
/// (`RAY_CLIENT_ERROR_INVALID_ARGUMENT`, with Ray's rule in the message), as are the
/// other counts below.
/// Thread-safety: any thread; the builder is locked, so concurrent use is safe (but racy).
#[no_mangle]
pub unsafe extern "C" fn ray_client_options_set_max_retries(
    options: *mut ray_client_options,
    n: i64,
) -> c_int {
    with_options(options, |o| Ok(o.max_retries(n)))
}

/// `retry_exceptions` (`retry != 0`).
/// Thread-safety: any thread; the builder is locked, so concurrent use is safe (but racy).
#[no_mangle]
pub unsafe extern "C" fn ray_client_options_set_retry_exceptions(
    options: *mut ray_client_options,
    retry: c_int,
) -> c_int {
    with_options(options, |o| Ok(o.retry_exceptions(retry != 0)))
}

/// `num_returns`: how many refs a call returns (use the `_n` call functions when it is
/// not 1). 0 is allowed, as in Ray (the call has no result: an `_n` call with 0 refs).
/// Thread-safety: any thread; the builder is locked, so concurrent use is safe (but racy).
#[no_mangle]
pub unsafe extern "C" fn ray_client_options_set_num_returns(
    options: *mut ray_client_options,
    n: usize,
) -> c_int {
    with_options(options, |o| Ok(o.num_returns(n)))
}

/// `name` of the task or actor.
/// Thread-safety: any thread; the builder is locked, so concurrent use is safe (but racy).
#[no_mangle]
pub unsafe extern "C" fn ray_client_options_set_name(
    options: *mut ray_client_options,
    name: *const c_char,
) -> c_int {
    let name = str_arg(name, "name");
    with_options(options, |o| Ok(o.name(name?)))
}

/// `namespace` of a named actor.
/// Thread-safety: any thread; the builder is locked, so concurrent use is safe (but racy).
#[no_mangle]
pub unsafe extern "C" fn ray_client_options_set_namespace(
    options: *mut ray_client_options,
    namespace: *const c_char,
) -> c_int {
    let ns = str_arg(namespace, "namespace");
    with_options(options, |o| Ok(o.namespace(ns?)))
}

/// `lifetime="detached"`: the actor outlives this client.
/// Thread-safety: any thread; the builder is locked, so concurrent use is safe (but racy).
#[no_mangle]
pub unsafe extern "C" fn ray_client_options_set_detached(
    options: *mut ray_client_options,
) -> c_int {
    with_options(options, |o| Ok(o.detached()))
}

/// `max_restarts` of an actor (>= 0, or -1: restart forever).
/// Thread-safety: any thread; the builder is locked, so concurrent use is safe (but racy).
#[no_mangle]
pub unsafe extern "C" fn ray_client_options_set_max_restarts(
    options: *mut ray_client_options,
    n: i64,
) -> c_int {
    with_options(options, |o| Ok(o.max_restarts(n)))
}

/// `max_task_retries` of an actor (>= 0, or -1: retry forever).
/// Thread-safety: any thread; the builder is locked, so concurrent use is safe (but racy).
#[no_mangle]
pub unsafe extern "C" fn ray_client_options_set_max_task_retries(
    options: *mut ray_client_options,
    n: i64,
) -> c_int {
    with_options(options, |o| Ok(o.max_task_retries(n)))
}

/// `max_concurrency` of an actor (>= 0, as Ray accepts).
/// Thread-safety: any thread; the builder is locked, so concurrent use is safe (but racy).
#[no_mangle]
pub unsafe extern "C" fn ray_client_options_set_max_concurrency(
    options: *mut ray_client_options,
    n: i64,
) -> c_int {
    with_options(options, |o| Ok(o.max_concurrency(n)))
}

/// `get_if_exists` of a named actor.
/// Thread-safety: any thread; the builder is locked, so concurrent use is safe (but racy).
#[no_mangle]
pub unsafe extern "C" fn ray_client_options_set_get_if_exists(
    options: *mut ray_client_options,
    yes: c_int,
) -> c_int {
    with_options(options, |o| Ok(o.get_if_exists(yes != 0)))
}

/// `runtime_env` as JSON text (an object: `env_vars`, `pip`, `working_dir`, ...).
/// Thread-safety: any thread; the builder is locked, so concurrent use is safe (but racy).
#[no_mangle]
pub unsafe extern "C" fn ray_client_options_set_runtime_env_json(
    options: *mut ray_client_options,
    json: *const c_char,
) -> c_int {
    let json = str_arg(json, "json");
    with_options(options, |o| {
        let env = crate::json::from_json(json?)?;
        if !matches!(env, Value::Dict(_)) {
            return Err(ErrorInfo::invalid("runtime_env must be a JSON object"));
        }
        Ok(o.runtime_env(env))
    })
}

/// `scheduling_strategy="SPREAD"`.
/// Thread-safety: any thread; the builder is locked, so concurrent use is safe (but racy).
#[no_mangle]
pub unsafe extern "C" fn ray_client_options_set_scheduling_spread(
    options: *mut ray_client_options,
) -> c_int {
    with_options(options, |o| {
        Ok(o.scheduling_strategy(SchedulingStrategy::Spread))
    })
}

/// `scheduling_strategy="DEFAULT"`.
/// Thread-safety: any thread; the builder is locked, so concurrent use is safe (but racy).
#[no_mangle]
pub unsafe extern "C" fn ray_client_options_set_scheduling_default(
    options: *mut ray_client_options,
) -> c_int {
    with_options(options, |o| {
        Ok(o.scheduling_strategy(SchedulingStrategy::Default))
    })
}

/// `NodeAffinitySchedulingStrategy(node_id, soft)`: run on the node with hex id
/// `node_id`; with `soft != 0`, elsewhere when it cannot.
/// Thread-safety: any thread; the builder is locked, so concurrent use is safe (but racy).
#[no_mangle]
pub unsafe extern "C" fn ray_client_options_set_scheduling_node_affinity(
    options: *mut ray_client_options,
    node_id: *const c_char,
    soft: c_int,
) -> c_int {
    let node = str_arg(node_id, "node_id");
    with_options(options, |o| {
        Ok(o.scheduling_strategy(SchedulingStrategy::NodeAffinity {
            node_id: node?.to_owned(),
            soft: soft != 0,
        }))
    })
}

/// `PlacementGroupSchedulingStrategy(pg, bundle_index, capture_child_tasks)`
/// (`bundle_index` -1: any bundle). The options keep their own reference to the group.
/// Thread-safety: any thread; the builder is locked, so concurrent use is safe (but racy).
#[no_mangle]
pub unsafe extern "C" fn ray_client_options_set_scheduling_placement_group(
    options: *mut ray_client_options,
    pg: *const ray_client_placement_group,
    bundle_index: i64,
    capture_child_tasks: c_int,
) -> c_int {
    let pg = get::<ray_client_placement_group>(pg, "placement_group");
    with_options(options, |o| {
        Ok(o.scheduling_strategy(SchedulingStrategy::PlacementGroup {
            placement_group: pg?.pg.clone(),
            bundle_index,
            capture_child_tasks: capture_child_tasks != 0,
        }))
    })
}

/// Sets any other `.options()` keyword `key` to the value of JSON text `json` (the
/// rules of `ray_client_value_from_json`), e.g. `("max_calls", "3")`.
/// Thread-safety: any thread; the builder is locked, so concurrent use is safe (but racy).
#[no_mangle]
pub unsafe extern "C" fn ray_client_options_set_json(
    options: *mut ray_client_options,
    key: *const c_char,
    json: *const c_char,
) -> c_int {
    let key = str_arg(key, "key");
    let json = str_arg(json, "json");
    with_options(options, |o| {
        let key = key?;
        if key.is_empty() {
            return Err(ErrorInfo::invalid("an option name is needed"));
        }
        Ok(o.set(key, crate::json::from_json(json?)?))
    })
}

/// Sets any `.options()` keyword `key` to a copy of `value`.
/// Thread-safety: any thread; the builder is locked, so concurrent use is safe (but racy).
#[no_mangle]
pub unsafe extern "C" fn ray_client_options_set_value(
    options: *mut ray_client_options,
    key: *const c_char,
    value: *const ray_client_value,
) -> c_int {
    let key = str_arg(key, "key");
    let value = value_of(value, "value");
    with_options(options, |o| {
        let key = key?;
        if key.is_empty() {
            return Err(ErrorInfo::invalid("an option name is needed"));
        }
        Ok(o.set(key, (*value?).clone()))
    })
}

// ---------------------------------------------------------------------------------------
// Calls

/// Positional arguments: `nargs` value handles (copied).
unsafe fn args_of(args: *const *const ray_client_value, nargs: usize) -> R<Vec<Value>> {
    values_of(args, nargs)
}

/// Keyword arguments: `nkw` names and values (copied).
unsafe fn kwargs_of(
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
enum ActorOrFn {
    Function(RemoteFunction),
    Method(ActorHandle, String),
}

/// Validates and copies the arguments, then calls what `target` names.
unsafe fn call_refs(
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

fn one_ref(mut refs: Vec<ObjectRef>, out: &mut *mut ray_client_object_ref) -> R<()> {
    if refs.len() != 1 {
        return Err(ErrorInfo::invalid(format!(
            "the call returns {} refs (num_returns); use the _n form",
            refs.len()
        )));
    }
    *out = new_handle::<ray_client_object_ref>(refs.pop().expect("one ref"));
    Ok(())
}

fn many_refs(
    refs: Vec<ObjectRef>,
    out: &mut *mut *mut ray_client_object_ref,
    n: &mut usize,
) -> R<()> {
    *n = refs.len();
    *out = give_refs(refs);
    Ok(())
}

/// Calls `module.qualname(*args, **kwargs)` on the cluster (the function must be
/// importable there) and returns the ref of its result at once, without waiting for the
/// task to be scheduled. `args`: `nargs` value handles; `kwarg_names` / `kwarg_values`:
/// `nkw` names and values; all copied, the caller keeps ownership. Refs among the
/// arguments (nested too) must belong to `client`; Ray resolves them before the function
/// runs. `options` may be NULL. The caller frees `*out` with `ray_client_object_ref_free`.
/// Get the result with `ray_client_get` or `ray_client_get_async`.
/// Thread-safety: any thread, concurrently with other calls on the same handles (from a callback on the I/O thread, a call that waits on the cluster fails instead of blocking).
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
/// Thread-safety: any thread, concurrently with other calls on the same handles (from a callback on the I/O thread, a call that waits on the cluster fails instead of blocking).
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
/// Thread-safety: any thread, concurrently with other calls on the same handles (from a callback on the I/O thread, a call that waits on the cluster fails instead of blocking).
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
/// Thread-safety: any thread, concurrently with other calls on the same handles (from a callback on the I/O thread, a call that waits on the cluster fails instead of blocking).
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

// ---------------------------------------------------------------------------------------
// Actors

unsafe fn create_actor(
    client: *const ray_client_client,
    class: ActorClass,
    args: *const *const ray_client_value,
    nargs: usize,
    kwarg_names: *const *const c_char,
    kwarg_values: *const *const ray_client_value,
    nkw: usize,
    options: *const ray_client_options,
    out: &mut *mut ray_client_actor,
) -> R<()> {
    let c = client_of(client)?;
    let args = args_of(args, nargs)?;
    let kwargs = kwargs_of(kwarg_names, kwarg_values, nkw)?;
    let class = class.with_options(options_of(options)?);
    *out = new_handle::<ray_client_actor>(c.create_actor(&class, args, kwargs)?);
    Ok(())
}

/// Creates an actor: `module.qualname(*args, **kwargs)` on the cluster (arguments as in
/// `ray_client_call`; `options` may be NULL: `name`, `namespace`, detached,
/// `max_restarts`, resources, ...). Returns at once; a failure to create shows on the
/// first method call. The caller frees `*out` with `ray_client_actor_free` (which does
/// not kill the actor; the server does when this client's job ends, unless detached).
/// Thread-safety: any thread, concurrently with other calls on the same handles (from a callback on the I/O thread, a call that waits on the cluster fails instead of blocking).
#[no_mangle]
pub unsafe extern "C" fn ray_client_actor_create(
    client: *const ray_client_client,
    module: *const c_char,
    qualname: *const c_char,
    args: *const *const ray_client_value,
    nargs: usize,
    kwarg_names: *const *const c_char,
    kwarg_values: *const *const ray_client_value,
    nkw: usize,
    options: *const ray_client_options,
    out: *mut *mut ray_client_actor,
) -> c_int {
    guard(|| {
        let out = out_handle(out, "out")?;
        let class = ActorClass::new(str_arg(module, "module")?, str_arg(qualname, "qualname")?)?;
        create_actor(
            client,
            class,
            args,
            nargs,
            kwarg_names,
            kwarg_values,
            nkw,
            options,
            out,
        )
    })
}

/// `ray_client_actor_create` of the class `name` defined by Python `source`.
/// Thread-safety: any thread, concurrently with other calls on the same handles (from a callback on the I/O thread, a call that waits on the cluster fails instead of blocking).
#[no_mangle]
pub unsafe extern "C" fn ray_client_actor_create_source(
    client: *const ray_client_client,
    source: *const c_char,
    name: *const c_char,
    args: *const *const ray_client_value,
    nargs: usize,
    kwarg_names: *const *const c_char,
    kwarg_values: *const *const ray_client_value,
    nkw: usize,
    options: *const ray_client_options,
    out: *mut *mut ray_client_actor,
) -> c_int {
    guard(|| {
        let out = out_handle(out, "out")?;
        let class = ActorClass::from_source(str_arg(source, "source")?, str_arg(name, "name")?)?;
        create_actor(
            client,
            class,
            args,
            nargs,
            kwarg_names,
            kwarg_values,
            nkw,
            options,
            out,
        )
    })
}

fn method<'a>(
    client: *const ray_client_client,
    actor: *const ray_client_actor,
    name: R<&'a str>,
) -> impl FnOnce(Options) -> R<(Client, ActorOrFn)> + 'a {
    move |_| {
        let c = client_of(client)?;
        let a = get::<ray_client_actor>(actor, "actor")?;
        Ok((c, ActorOrFn::Method(a, name?.to_owned())))
    }
}

/// Calls `actor.method(*args, **kwargs)` (arguments as in `ray_client_call`; `options`
/// may be NULL) and returns the ref of its result at once. The actor must belong to
/// `client`. The caller frees `*out`.
/// Thread-safety: any thread, concurrently with other calls on the same handles (from a callback on the I/O thread, a call that waits on the cluster fails instead of blocking).
#[no_mangle]
pub unsafe extern "C" fn ray_client_actor_call(
    client: *const ray_client_client,
    actor: *const ray_client_actor,
    method_name: *const c_char,
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
        let m = method(client, actor, str_arg(method_name, "method"));
        let refs = call_refs(m, args, nargs, kwarg_names, kwarg_values, nkw, options)?;
        one_ref(refs, out)
    })
}

/// `ray_client_actor_call` for any `num_returns` (see `ray_client_call_n`).
/// Thread-safety: any thread, concurrently with other calls on the same handles (from a callback on the I/O thread, a call that waits on the cluster fails instead of blocking).
#[no_mangle]
pub unsafe extern "C" fn ray_client_actor_call_n(
    client: *const ray_client_client,
    actor: *const ray_client_actor,
    method_name: *const c_char,
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
        let m = method(client, actor, str_arg(method_name, "method"));
        let refs = call_refs(m, args, nargs, kwarg_names, kwarg_values, nkw, options)?;
        many_refs(refs, out, n)
    })
}

/// The named actor `name` in `namespace` (NULL: this client's namespace);
/// `RAY_CLIENT_ERROR_INVALID_ARGUMENT` when there is none. The caller frees `*out`.
/// Thread-safety: any thread, concurrently with other calls on the same handles (from a callback on the I/O thread, a call that waits on the cluster fails instead of blocking).
#[no_mangle]
pub unsafe extern "C" fn ray_client_get_actor(
    client: *const ray_client_client,
    name: *const c_char,
    namespace: *const c_char,
    out: *mut *mut ray_client_actor,
) -> c_int {
    guard(|| {
        let c = client_of(client)?;
        let name = str_arg(name, "name")?;
        let ns = opt_str(namespace, "namespace")?;
        let out = out_handle(out, "out")?;
        *out = new_handle::<ray_client_actor>(c.get_actor(name, ns)?);
        Ok(())
    })
}

/// Kills an actor (`ray.kill`); with `no_restart == 0` it may restart if it has
/// restarts left.
/// Thread-safety: any thread, concurrently with other calls on the same handles (from a callback on the I/O thread, a call that waits on the cluster fails instead of blocking).
#[no_mangle]
pub unsafe extern "C" fn ray_client_kill_actor(
    client: *const ray_client_client,
    actor: *const ray_client_actor,
    no_restart: c_int,
) -> c_int {
    guard(|| {
        let c = client_of(client)?;
        let a = get::<ray_client_actor>(actor, "actor")?;
        Ok(c.kill_actor(&a, no_restart != 0)?)
    })
}

/// Named actors as JSON text: `[{"name": ..., "namespace": ...}, ...]`, of this
/// client's namespace or (`all_namespaces != 0`) of every namespace. The caller frees
/// `*out` with `ray_client_string_free`.
/// Thread-safety: any thread, concurrently with other calls on the same handles (from a callback on the I/O thread, a call that waits on the cluster fails instead of blocking).
#[no_mangle]
pub unsafe extern "C" fn ray_client_list_named_actors(
    client: *const ray_client_client,
    all_namespaces: c_int,
    out: *mut *mut c_char,
) -> c_int {
    guard(|| {
        let c = client_of(client)?;
        let out = out_handle(out, "out")?;
        let list: Vec<serde_json::Value> = c
            .list_named_actors(all_namespaces != 0)?
            .into_iter()
            .map(|a| serde_json::json!({"name": a.name, "namespace": a.namespace}))
            .collect();
        *out = give_string(serde_json::Value::Array(list).to_string());
        Ok(())
    })
}

/// The actor id in hex (waits for it right after creation). The caller frees `*out`
/// with `ray_client_string_free`.
/// Thread-safety: any thread, concurrently with other calls on the same handles (from a callback on the I/O thread, a call that waits on the cluster fails instead of blocking).
#[no_mangle]
pub unsafe extern "C" fn ray_client_actor_id_hex(
    actor: *const ray_client_actor,
    out: *mut *mut c_char,
) -> c_int {
    guard(|| {
        let a = get::<ray_client_actor>(actor, "actor")?;
        let out = out_handle(out, "out")?;
        *out = give_string(a.hex()?);
        Ok(())
    })
}

/// A new handle to the same actor. The caller frees `*out`.
/// Thread-safety: any thread, concurrently with other calls on the same handles (from a callback on the I/O thread, a call that waits on the cluster fails instead of blocking).
#[no_mangle]
pub unsafe extern "C" fn ray_client_actor_clone(
    actor: *const ray_client_actor,
    out: *mut *mut ray_client_actor,
) -> c_int {
    guard(|| {
        let a = get::<ray_client_actor>(actor, "actor")?;
        let out = out_handle(out, "out")?;
        *out = new_handle::<ray_client_actor>(a);
        Ok(())
    })
}

/// Frees an actor handle (the actor keeps running). NULL is a no-op.
/// Thread-safety: any thread; calls already running on the handle in other threads finish normally, borrowed pointers into it become invalid.
#[no_mangle]
pub unsafe extern "C" fn ray_client_actor_free(actor: *mut ray_client_actor) -> c_int {
    guard(|| free_handle(actor))
}
