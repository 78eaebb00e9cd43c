//! Actors: actor classes, creating actors, calling their methods, named actors, kill,
//! actor handles.

use std::ffi::{c_char, c_int};

use super::*;
use crate::tasks::Remote;

/// ---- Actors (src/ffi/actors.rs) ----
///
/// The actor class `qualname` of `module`, importable on the cluster. The caller frees
/// `*out` with `ray_client_actor_class_free`.
#[no_mangle]
pub unsafe extern "C" fn ray_client_actor_class_new(
    module: *const c_char,
    qualname: *const c_char,
    out: *mut *mut ray_client_actor_class,
) -> ray_client_status {
    give_remote(out, || {
        Ok(Remote::new(
            str_arg(module, "module")?,
            str_arg(qualname, "qualname")?,
        )?)
    })
}

/// The actor class `name` defined by Python `source` (sent by value). The caller frees
/// `*out`.
#[no_mangle]
pub unsafe extern "C" fn ray_client_actor_class_from_source(
    source: *const c_char,
    name: *const c_char,
    out: *mut *mut ray_client_actor_class,
) -> ray_client_status {
    give_remote(out, || {
        Ok(Remote::from_source(
            str_arg(source, "source")?,
            str_arg(name, "name")?,
        )?)
    })
}

/// The same class with actor `options` attached instead of any attached before (`name`,
/// `namespace`, detached, `max_restarts`, resources, ...; copied), under any options a
/// creation gives. The caller frees `*out`.
#[no_mangle]
pub unsafe extern "C" fn ray_client_actor_class_with_options(
    actor_class: *const ray_client_actor_class,
    options: *const ray_client_options,
    out: *mut *mut ray_client_actor_class,
) -> ray_client_status {
    remote_with_options(actor_class, "actor_class", options, out)
}

/// Frees an actor class. NULL is a no-op.
/// Thread-safety: may run while other threads still create actors from it: their calls
/// finish normally.
#[no_mangle]
pub unsafe extern "C" fn ray_client_actor_class_free(
    actor_class: *mut ray_client_actor_class,
) -> ray_client_status {
    guard(|| free_handle(actor_class))
}

/// Creates an actor: `actor_class(*args, **kwargs)` on the cluster (`args` and `options` as in
/// `ray_client_function_call`). Returns at once; a failure to create shows on the first
/// method call. The caller frees `*out` with `ray_client_actor_free` (which does not
/// kill the actor; the server does when this client's job ends, unless detached).
#[no_mangle]
pub unsafe extern "C" fn ray_client_actor_create(
    client: *const ray_client_client,
    actor_class: *const ray_client_actor_class,
    args: *const ray_client_args,
    options: *const ray_client_options,
    out: *mut *mut ray_client_actor,
) -> ray_client_status {
    guard(|| {
        fill_handle(out, || {
            let c = client_of(client)?;
            let class = with_call_options(actor_class, "actor_class", options)?;
            let list = args_of(args)?;
            Ok(c.create_actor(&class, list.args, list.kwargs)?)
        })
    })
}

/// Calls `actor.method(*args, **kwargs)` and returns at once; `args`, `options` and the
/// caller-sized `results` as in `ray_client_function_call`. The actor must belong to
/// `client`.
#[no_mangle]
pub unsafe extern "C" fn ray_client_actor_call(
    client: *const ray_client_client,
    actor: *const ray_client_actor,
    method: *const c_char,
    args: *const ray_client_args,
    options: *const ray_client_options,
    results: *mut *mut ray_client_object_ref,
    nresults: usize,
) -> ray_client_status {
    guard(|| {
        let c = client_of(client)?;
        let a = get::<ray_client_actor>(actor, "actor")?;
        let method = str_arg(method, "method")?;
        let options = options_of(options)?;
        let out = results_of(results, nresults, &options)?;
        let list = args_of(args)?;
        give_results(
            c.call_method_with(&a, method, list.args, list.kwargs, &options)?,
            out,
        );
        Ok(())
    })
}

/// The named actor `name` in `namespace` (NULL: this client's namespace);
/// `RAY_CLIENT_ERROR_INVALID_ARGUMENT` when there is none. The caller frees `*out`.
#[no_mangle]
pub unsafe extern "C" fn ray_client_actor_get(
    client: *const ray_client_client,
    name: *const c_char,
    namespace: *const c_char,
    out: *mut *mut ray_client_actor,
) -> ray_client_status {
    guard(|| {
        let c = client_of(client)?;
        let name = str_arg(name, "name")?;
        let ns = opt_str(namespace, "namespace")?;
        fill_handle(out, || Ok(c.get_actor(name, ns)?))
    })
}

/// Kills an actor (`ray.kill`); with `no_restart == 0` it may restart if it has
/// restarts left.
#[no_mangle]
pub unsafe extern "C" fn ray_client_actor_kill(
    client: *const ray_client_client,
    actor: *const ray_client_actor,
    no_restart: c_int,
) -> ray_client_status {
    guard(|| {
        let c = client_of(client)?;
        let a = get::<ray_client_actor>(actor, "actor")?;
        Ok(c.kill_actor(&a, no_restart != 0)?)
    })
}

/// Named actors as JSON text: `[{"name": ..., "namespace": ...}, ...]`, of this
/// client's namespace or (`all_namespaces != 0`) of every namespace. The caller frees
/// `*out` with `ray_client_string_free`.
#[no_mangle]
pub unsafe extern "C" fn ray_client_actor_list_named(
    client: *const ray_client_client,
    all_namespaces: c_int,
    out: *mut *mut c_char,
) -> ray_client_status {
    guard(|| {
        let c = client_of(client)?;
        fill_string(out, || {
            let list: Vec<serde_json::Value> = c
                .list_named_actors(all_namespaces != 0)?
                .into_iter()
                .map(|a| serde_json::json!({"name": a.name, "namespace": a.namespace}))
                .collect();
            Ok(serde_json::Value::Array(list).to_string())
        })
    })
}

/// The actor id in hex (waits for it right after creation). The caller frees `*out`
/// with `ray_client_string_free`.
#[no_mangle]
pub unsafe extern "C" fn ray_client_actor_id_hex(
    actor: *const ray_client_actor,
    out: *mut *mut c_char,
) -> ray_client_status {
    guard(|| {
        let a = get::<ray_client_actor>(actor, "actor")?;
        fill_string(out, || Ok(a.hex()?))
    })
}

/// A new handle to the same actor. The caller frees `*out`.
#[no_mangle]
pub unsafe extern "C" fn ray_client_actor_clone(
    actor: *const ray_client_actor,
    out: *mut *mut ray_client_actor,
) -> ray_client_status {
    clone_handle(actor, "actor", out)
}

/// Frees an actor handle (the actor keeps running). NULL is a no-op.
/// Thread-safety: may run while other threads still use the handle: their calls finish
/// normally, and borrowed pointers into it become invalid.
#[no_mangle]
pub unsafe extern "C" fn ray_client_actor_free(actor: *mut ray_client_actor) -> ray_client_status {
    guard(|| free_handle(actor))
}
