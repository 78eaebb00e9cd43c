//! Task and actor options (Python's `.options(...)`): the `ray_client_options` builder.

use std::ffi::{c_char, c_int};
use std::sync::{Arc, Mutex, PoisonError};

use super::*;
use crate::options::Options;
use crate::scheduling::SchedulingStrategy;
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
pub(crate) fn options_of(o: *const ray_client_options) -> R<Options> {
    if o.is_null() {
        return Ok(Options::new());
    }
    Ok(get::<ray_client_options>(o, "options")?
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .build())
}

fn with_options(
    o: *mut ray_client_options,
    f: impl FnOnce(Options) -> R<Options>,
) -> ray_client_status {
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

/// ---- Task and actor options (src/ffi/options.rs) ----
///
/// New, empty task/actor options (Python's `.options(...)`). The caller frees `*out`
/// with `ray_client_options_free`. Options are read when passed to a call, so one
/// options object may serve many calls.
#[no_mangle]
pub unsafe extern "C" fn ray_client_options_new(
    out: *mut *mut ray_client_options,
) -> ray_client_status {
    guard(|| fill_handle(out, || Ok(Arc::new(Mutex::new(OptionsBuilder::default())))))
}

/// Frees options. NULL is a no-op.
/// Thread-safety: may run while other threads still use the handle: their calls finish
/// normally, and borrowed pointers into it become invalid.
#[no_mangle]
pub unsafe extern "C" fn ray_client_options_free(
    options: *mut ray_client_options,
) -> ray_client_status {
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
#[no_mangle]
pub unsafe extern "C" fn ray_client_options_set_num_cpus(
    options: *mut ray_client_options,
    n: f64,
) -> ray_client_status {
    with_options(options, |o| Ok(o.num_cpus(resource_amount(n, "num_cpus")?)))
}

/// `num_gpus` (finite, >= 0).
#[no_mangle]
pub unsafe extern "C" fn ray_client_options_set_num_gpus(
    options: *mut ray_client_options,
    n: f64,
) -> ray_client_status {
    with_options(options, |o| Ok(o.num_gpus(resource_amount(n, "num_gpus")?)))
}

/// `memory`, in bytes.
#[no_mangle]
pub unsafe extern "C" fn ray_client_options_set_memory(
    options: *mut ray_client_options,
    bytes: u64,
) -> ray_client_status {
    with_options(options, |o| Ok(o.memory(bytes)))
}

/// Adds (or replaces) one custom resource of `resources`, e.g. `("gadget", 1.0)`; the
/// amount must be finite and >= 0.
#[no_mangle]
pub unsafe extern "C" fn ray_client_options_set_resource(
    options: *mut ray_client_options,
    name: *const c_char,
    amount: f64,
) -> ray_client_status {
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
#[no_mangle]
pub unsafe extern "C" fn ray_client_options_set_max_retries(
    options: *mut ray_client_options,
    n: i64,
) -> ray_client_status {
    with_options(options, |o| Ok(o.max_retries(n)))
}

/// `retry_exceptions` (`retry != 0`).
#[no_mangle]
pub unsafe extern "C" fn ray_client_options_set_retry_exceptions(
    options: *mut ray_client_options,
    retry: c_int,
) -> ray_client_status {
    with_options(options, |o| Ok(o.retry_exceptions(retry != 0)))
}

/// `num_returns`: how many refs a call returns, so how many its `results` array must
/// hold. 0 is allowed, as in Ray (the call has no result: `results` may be NULL).
#[no_mangle]
pub unsafe extern "C" fn ray_client_options_set_num_returns(
    options: *mut ray_client_options,
    n: usize,
) -> ray_client_status {
    with_options(options, |o| Ok(o.num_returns(n)))
}

/// `name` of the task or actor.
#[no_mangle]
pub unsafe extern "C" fn ray_client_options_set_name(
    options: *mut ray_client_options,
    name: *const c_char,
) -> ray_client_status {
    let name = str_arg(name, "name");
    with_options(options, |o| Ok(o.name(name?)))
}

/// `namespace` of a named actor.
#[no_mangle]
pub unsafe extern "C" fn ray_client_options_set_namespace(
    options: *mut ray_client_options,
    namespace: *const c_char,
) -> ray_client_status {
    let ns = str_arg(namespace, "namespace");
    with_options(options, |o| Ok(o.namespace(ns?)))
}

/// `lifetime="detached"`: the actor outlives this client.
#[no_mangle]
pub unsafe extern "C" fn ray_client_options_set_detached(
    options: *mut ray_client_options,
) -> ray_client_status {
    with_options(options, |o| Ok(o.detached()))
}

/// `max_restarts` of an actor (>= 0, or -1: restart forever).
#[no_mangle]
pub unsafe extern "C" fn ray_client_options_set_max_restarts(
    options: *mut ray_client_options,
    n: i64,
) -> ray_client_status {
    with_options(options, |o| Ok(o.max_restarts(n)))
}

/// `max_task_retries` of an actor (>= 0, or -1: retry forever).
#[no_mangle]
pub unsafe extern "C" fn ray_client_options_set_max_task_retries(
    options: *mut ray_client_options,
    n: i64,
) -> ray_client_status {
    with_options(options, |o| Ok(o.max_task_retries(n)))
}

/// `max_concurrency` of an actor (>= 0, as Ray accepts).
#[no_mangle]
pub unsafe extern "C" fn ray_client_options_set_max_concurrency(
    options: *mut ray_client_options,
    n: i64,
) -> ray_client_status {
    with_options(options, |o| Ok(o.max_concurrency(n)))
}

/// `get_if_exists` of a named actor.
#[no_mangle]
pub unsafe extern "C" fn ray_client_options_set_get_if_exists(
    options: *mut ray_client_options,
    yes: c_int,
) -> ray_client_status {
    with_options(options, |o| Ok(o.get_if_exists(yes != 0)))
}

/// `runtime_env` as JSON text (an object: `env_vars`, `pip`, `working_dir`, ...).
#[no_mangle]
pub unsafe extern "C" fn ray_client_options_set_runtime_env_json(
    options: *mut ray_client_options,
    json: *const c_char,
) -> ray_client_status {
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
#[no_mangle]
pub unsafe extern "C" fn ray_client_options_set_scheduling_spread(
    options: *mut ray_client_options,
) -> ray_client_status {
    with_options(options, |o| {
        Ok(o.scheduling_strategy(SchedulingStrategy::Spread))
    })
}

/// `scheduling_strategy="DEFAULT"`.
#[no_mangle]
pub unsafe extern "C" fn ray_client_options_set_scheduling_default(
    options: *mut ray_client_options,
) -> ray_client_status {
    with_options(options, |o| {
        Ok(o.scheduling_strategy(SchedulingStrategy::Default))
    })
}

/// `NodeAffinitySchedulingStrategy(node_id, soft)`: run on the node with hex id
/// `node_id`; with `soft != 0`, elsewhere when it cannot.
#[no_mangle]
pub unsafe extern "C" fn ray_client_options_set_scheduling_node_affinity(
    options: *mut ray_client_options,
    node_id: *const c_char,
    soft: c_int,
) -> ray_client_status {
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
#[no_mangle]
pub unsafe extern "C" fn ray_client_options_set_scheduling_placement_group(
    options: *mut ray_client_options,
    pg: *const ray_client_placement_group,
    bundle_index: i64,
    capture_child_tasks: c_int,
) -> ray_client_status {
    let pg = get::<ray_client_placement_group>(pg, "placement_group");
    with_options(options, |o| {
        Ok(o.scheduling_strategy(SchedulingStrategy::PlacementGroup {
            placement_group: pg?.pg.clone(),
            bundle_index,
            capture_child_tasks: capture_child_tasks != 0,
        }))
    })
}

/// The `.options()` keyword of the generic setters: any name but the empty one.
fn option_name(key: R<&str>) -> R<&str> {
    match key? {
        "" => Err(ErrorInfo::invalid("an option name is needed")),
        key => Ok(key),
    }
}

/// Sets any other `.options()` keyword `key` to the value of JSON text `json` (the
/// rules of `ray_client_value_from_json`), e.g. `("max_calls", "3")`. The keywords Ray
/// takes only in `@ray.remote(...)` (`concurrency_groups` of an actor class, `max_calls`
/// of a function) go with the class or function as its declaration's.
#[no_mangle]
pub unsafe extern "C" fn ray_client_options_set_json(
    options: *mut ray_client_options,
    key: *const c_char,
    json: *const c_char,
) -> ray_client_status {
    let key = str_arg(key, "key");
    let json = str_arg(json, "json");
    with_options(options, |o| {
        Ok(o.set(option_name(key)?, crate::json::from_json(json?)?))
    })
}

/// Sets any `.options()` keyword `key` to a copy of `value`.
#[no_mangle]
pub unsafe extern "C" fn ray_client_options_set_value(
    options: *mut ray_client_options,
    key: *const c_char,
    value: *const ray_client_value,
) -> ray_client_status {
    let key = str_arg(key, "key");
    let value = value_of(value, "value");
    with_options(options, |o| Ok(o.set(option_name(key)?, (*value?).clone())))
}
