//! Actors: creating them, calling their methods, named actors, kill, actor handles.

use std::ffi::{c_char, c_int};

use super::*;
use crate::actors::ActorClass;
use crate::client::Client;
use crate::options::Options;

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

/// ---- Actors (src/ffi/actors.rs) ----
///
/// Creates an actor: `module.qualname(*args, **kwargs)` on the cluster (arguments as in
/// `ray_client_call`; `options` may be NULL: `name`, `namespace`, detached,
/// `max_restarts`, resources, ...). Returns at once; a failure to create shows on the
/// first method call. The caller frees `*out` with `ray_client_actor_free` (which does
/// not kill the actor; the server does when this client's job ends, unless detached).
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
/// Thread-safety: may run while other threads still use the handle: their calls finish
/// normally, and borrowed pointers into it become invalid.
#[no_mangle]
pub unsafe extern "C" fn ray_client_actor_free(actor: *mut ray_client_actor) -> c_int {
    guard(|| free_handle(actor))
}
