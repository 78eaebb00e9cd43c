//! Internal KV, cluster information and placement groups.

use std::ffi::{c_char, c_int, CString};
use std::sync::Arc;
use std::time::Duration;

use super::client::client_of;
use super::*;
use crate::placement_group::{PlacementGroup, PlacementStrategy};
use crate::value::Value;

// ---------------------------------------------------------------------------------------
// Internal KV

/// The value stored under `key` (`key_len` bytes) in `namespace` (NULL: none). When the
/// key exists, `*found` is 1 and `*value` / `*value_len` hold a copy the caller frees
/// with `ray_client_bytes_free`; otherwise `*found` is 0 and `*value` NULL.
/// Thread-safety: any thread, concurrently with other calls on the same handles (from a callback on the I/O thread, a call that waits on the cluster fails instead of blocking).
#[no_mangle]
pub unsafe extern "C" fn ray_client_kv_get(
    client: *const ray_client_client,
    key: *const u8,
    key_len: usize,
    namespace: *const c_char,
    value: *mut *mut u8,
    value_len: *mut usize,
    found: *mut c_int,
) -> c_int {
    guard(|| {
        let c = client_of(client)?;
        let key = slice(key, key_len, "key")?;
        let ns = opt_str(namespace, "namespace")?;
        let value = out_handle(value, "value")?;
        let value_len = out_val(value_len, "value_len", 0)?;
        let found = out_val(found, "found", 0)?;
        if let Some(v) = c.kv_get(key, ns)? {
            *value_len = v.len();
            *value = give_bytes(&v);
            *found = 1;
        }
        Ok(())
    })
}

/// Stores `value` under `key` in `namespace` (NULL: none). With `overwrite == 0` an
/// existing value is kept. `*already_existed` (may be NULL) tells whether the key was
/// there before.
/// Thread-safety: any thread, concurrently with other calls on the same handles (from a callback on the I/O thread, a call that waits on the cluster fails instead of blocking).
#[no_mangle]
pub unsafe extern "C" fn ray_client_kv_put(
    client: *const ray_client_client,
    key: *const u8,
    key_len: usize,
    value: *const u8,
    value_len: usize,
    overwrite: c_int,
    namespace: *const c_char,
    already_existed: *mut c_int,
) -> c_int {
    guard(|| {
        let c = client_of(client)?;
        let key = slice(key, key_len, "key")?;
        let value = slice(value, value_len, "value")?;
        let ns = opt_str(namespace, "namespace")?;
        let existed = opt_out(already_existed, "already_existed", 0)?;
        let e = c.kv_put(key, value, overwrite != 0, ns)?;
        if let Some(o) = existed {
            *o = c_int::from(e);
        }
        Ok(())
    })
}

/// Deletes `key`, or with `by_prefix != 0` every key starting with it. `*deleted` (may
/// be NULL) is how many keys went.
/// Thread-safety: any thread, concurrently with other calls on the same handles (from a callback on the I/O thread, a call that waits on the cluster fails instead of blocking).
#[no_mangle]
pub unsafe extern "C" fn ray_client_kv_del(
    client: *const ray_client_client,
    key: *const u8,
    key_len: usize,
    by_prefix: c_int,
    namespace: *const c_char,
    deleted: *mut usize,
) -> c_int {
    guard(|| {
        let c = client_of(client)?;
        let key = slice(key, key_len, "key")?;
        let ns = opt_str(namespace, "namespace")?;
        let deleted = opt_out(deleted, "deleted", 0)?;
        let n = c.kv_del(key, by_prefix != 0, ns)?;
        if let Some(o) = deleted {
            *o = n;
        }
        Ok(())
    })
}

/// Whether `key` exists (`*exists` 1 or 0).
/// Thread-safety: any thread, concurrently with other calls on the same handles (from a callback on the I/O thread, a call that waits on the cluster fails instead of blocking).
#[no_mangle]
pub unsafe extern "C" fn ray_client_kv_exists(
    client: *const ray_client_client,
    key: *const u8,
    key_len: usize,
    namespace: *const c_char,
    exists: *mut c_int,
) -> c_int {
    guard(|| {
        let c = client_of(client)?;
        let key = slice(key, key_len, "key")?;
        let ns = opt_str(namespace, "namespace")?;
        let exists = out_val(exists, "exists", 0)?;
        *exists = c_int::from(c.kv_exists(key, ns)?);
        Ok(())
    })
}

/// Every key starting with `prefix`, as a list value of bytes values. The caller frees
/// `*out` with `ray_client_value_free`.
/// Thread-safety: any thread, concurrently with other calls on the same handles (from a callback on the I/O thread, a call that waits on the cluster fails instead of blocking).
#[no_mangle]
pub unsafe extern "C" fn ray_client_kv_list(
    client: *const ray_client_client,
    prefix: *const u8,
    prefix_len: usize,
    namespace: *const c_char,
    out: *mut *mut ray_client_value,
) -> c_int {
    guard(|| {
        let c = client_of(client)?;
        let prefix = slice(prefix, prefix_len, "prefix")?;
        let ns = opt_str(namespace, "namespace")?;
        let out = out_handle(out, "out")?;
        let keys = c.kv_list(prefix, ns)?;
        *out = new_handle::<ray_client_value>(Arc::new(Value::List(
            keys.into_iter().map(Value::Bytes).collect(),
        )));
        Ok(())
    })
}

// ---------------------------------------------------------------------------------------
// Cluster information

fn json_out(
    client: *const ray_client_client,
    out: *mut *mut c_char,
    f: impl FnOnce(&crate::Client) -> R<String>,
) -> c_int {
    guard(|| {
        let c = client_of(client)?;
        // SAFETY: `out` is checked by `out_handle`.
        let out = unsafe { out_handle(out, "out")? };
        *out = give_string(f(&c)?);
        Ok(())
    })
}

fn resources_json(r: std::collections::BTreeMap<String, f64>) -> String {
    serde_json::Value::Object(
        r.into_iter()
            .map(|(k, v)| (k, serde_json::json!(v)))
            .collect(),
    )
    .to_string()
}

/// Total resources of the cluster (`ray.cluster_resources()`) as a JSON object of
/// numbers, e.g. `{"CPU": 4.0, "memory": ...}`. The caller frees `*out` with
/// `ray_client_string_free`.
/// Thread-safety: any thread, concurrently with other calls on the same handles (from a callback on the I/O thread, a call that waits on the cluster fails instead of blocking).
#[no_mangle]
pub unsafe extern "C" fn ray_client_cluster_resources(
    client: *const ray_client_client,
    out: *mut *mut c_char,
) -> c_int {
    json_out(client, out, |c| Ok(resources_json(c.cluster_resources()?)))
}

/// Resources not in use right now (`ray.available_resources()`), as for
/// `ray_client_cluster_resources`.
/// Thread-safety: any thread, concurrently with other calls on the same handles (from a callback on the I/O thread, a call that waits on the cluster fails instead of blocking).
#[no_mangle]
pub unsafe extern "C" fn ray_client_available_resources(
    client: *const ray_client_client,
    out: *mut *mut c_char,
) -> c_int {
    json_out(client, out, |c| {
        Ok(resources_json(c.available_resources()?))
    })
}

/// The cluster's nodes (`ray.nodes()`) as a JSON array of objects (`NodeID`, `Alive`,
/// `Resources`, ...). The caller frees `*out` with `ray_client_string_free`.
/// Thread-safety: any thread, concurrently with other calls on the same handles (from a callback on the I/O thread, a call that waits on the cluster fails instead of blocking).
#[no_mangle]
pub unsafe extern "C" fn ray_client_nodes(
    client: *const ray_client_client,
    out: *mut *mut c_char,
) -> c_int {
    json_out(client, out, |c| {
        Ok(crate::json::to_json(&Value::List(c.nodes()?))?)
    })
}

/// The job's runtime context as a JSON object with the string fields `job_id`,
/// `node_id`, `namespace`, `runtime_env` (itself JSON text), `gcs_address` and
/// `session_name`. The caller frees `*out` with `ray_client_string_free`.
/// Thread-safety: any thread, concurrently with other calls on the same handles (from a callback on the I/O thread, a call that waits on the cluster fails instead of blocking).
#[no_mangle]
pub unsafe extern "C" fn ray_client_runtime_context(
    client: *const ray_client_client,
    out: *mut *mut c_char,
) -> c_int {
    json_out(client, out, |c| {
        let r = c.runtime_context()?;
        Ok(serde_json::json!({
            "job_id": r.job_id,
            "node_id": r.node_id,
            "namespace": r.namespace,
            "runtime_env": r.runtime_env,
            "gcs_address": r.gcs_address,
            "session_name": r.session_name,
        })
        .to_string())
    })
}

/// The dashboard's URL (`""` without a dashboard). The caller frees `*out` with
/// `ray_client_string_free`.
/// Thread-safety: any thread, concurrently with other calls on the same handles (from a callback on the I/O thread, a call that waits on the cluster fails instead of blocking).
#[no_mangle]
pub unsafe extern "C" fn ray_client_dashboard_url(
    client: *const ray_client_client,
    out: *mut *mut c_char,
) -> c_int {
    json_out(client, out, |c| Ok(c.dashboard_url()?))
}

/// Asks the server whether it is there: `RAY_CLIENT_OK` when it answers.
/// Thread-safety: any thread, concurrently with other calls on the same handles (from a callback on the I/O thread, a call that waits on the cluster fails instead of blocking).
#[no_mangle]
pub unsafe extern "C" fn ray_client_ping(client: *const ray_client_client) -> c_int {
    guard(|| Ok(client_of(client)?.ping()?))
}

/// Whether Ray is initialized on the client's server (`*out` 1 or 0).
/// Thread-safety: any thread, concurrently with other calls on the same handles (from a callback on the I/O thread, a call that waits on the cluster fails instead of blocking).
#[no_mangle]
pub unsafe extern "C" fn ray_client_server_is_initialized(
    client: *const ray_client_client,
    out: *mut c_int,
) -> c_int {
    guard(|| {
        let c = client_of(client)?;
        let out = out_val(out, "out", 0)?;
        *out = c_int::from(c.is_initialized()?);
        Ok(())
    })
}

// ---------------------------------------------------------------------------------------
// Placement groups

/// What a placement group handle holds.
pub(crate) struct PgBox {
    pub(crate) pg: PlacementGroup,
    id: CString,
}

/// Bundles packed on as few nodes as possible.
pub const RAY_CLIENT_PLACEMENT_PACK: i32 = 0;
/// Bundles spread over nodes where possible.
pub const RAY_CLIENT_PLACEMENT_SPREAD: i32 = 1;
/// All bundles on one node.
pub const RAY_CLIENT_PLACEMENT_STRICT_PACK: i32 = 2;
/// Each bundle on a different node.
pub const RAY_CLIENT_PLACEMENT_STRICT_SPREAD: i32 = 3;

/// Creates a placement group. `bundles_json` is a JSON array of resource objects, e.g.
/// `[{"CPU": 1}, {"CPU": 1, "GPU": 1}]`; `strategy` is a `RAY_CLIENT_PLACEMENT_*`;
/// `name` may be NULL. Returns once the cluster accepted the request (wait with
/// `ray_client_placement_group_wait`). The caller frees `*out` with
/// `ray_client_placement_group_free` (which does not remove the group).
/// Thread-safety: any thread, concurrently with other calls on the same handles (from a callback on the I/O thread, a call that waits on the cluster fails instead of blocking).
#[no_mangle]
pub unsafe extern "C" fn ray_client_placement_group_create(
    client: *const ray_client_client,
    bundles_json: *const c_char,
    strategy: c_int,
    name: *const c_char,
    out: *mut *mut ray_client_placement_group,
) -> c_int {
    guard(|| {
        let c = client_of(client)?;
        let json = str_arg(bundles_json, "bundles_json")?;
        let name = opt_str(name, "name")?;
        let out = out_handle(out, "out")?;
        let strategy = match strategy {
            RAY_CLIENT_PLACEMENT_PACK => PlacementStrategy::Pack,
            RAY_CLIENT_PLACEMENT_SPREAD => PlacementStrategy::Spread,
            RAY_CLIENT_PLACEMENT_STRICT_PACK => PlacementStrategy::StrictPack,
            RAY_CLIENT_PLACEMENT_STRICT_SPREAD => PlacementStrategy::StrictSpread,
            other => {
                return Err(ErrorInfo::invalid(format!(
                    "{other} is not a RAY_CLIENT_PLACEMENT strategy"
                )))
            }
        };
        let parsed: serde_json::Value = serde_json::from_str(json)
            .map_err(|e| ErrorInfo::invalid(format!("bundles_json is not JSON: {e}")))?;
        let bad = || ErrorInfo::invalid("bundles_json must be an array of objects of numbers");
        let bundles = parsed
            .as_array()
            .ok_or_else(bad)?
            .iter()
            .map(|b| {
                b.as_object()
                    .ok_or_else(bad)?
                    .iter()
                    .map(|(k, v)| Ok((k.clone(), v.as_f64().ok_or_else(bad)?)))
                    .collect::<R<Vec<_>>>()
            })
            .collect::<R<Vec<_>>>()?;
        let pg = c.create_placement_group(&bundles, strategy, name)?;
        let id = cstring_lossy(pg.id().to_owned());
        *out = new_handle::<ray_client_placement_group>(Arc::new(PgBox { pg, id }));
        Ok(())
    })
}

/// Waits up to `timeout_ms` until the group is placed: `*ready` 1, or 0 when the time
/// passed first.
/// Thread-safety: any thread, concurrently with other calls on the same handles (from a callback on the I/O thread, a call that waits on the cluster fails instead of blocking).
#[no_mangle]
pub unsafe extern "C" fn ray_client_placement_group_wait(
    client: *const ray_client_client,
    pg: *const ray_client_placement_group,
    timeout_ms: u64,
    ready: *mut c_int,
) -> c_int {
    guard(|| {
        let c = client_of(client)?;
        let pg = get::<ray_client_placement_group>(pg, "placement_group")?;
        let ready = out_val(ready, "ready", 0)?;
        *ready = c_int::from(c.wait_placement_group(&pg.pg, Duration::from_millis(timeout_ms))?);
        Ok(())
    })
}

/// Removes the group; tasks and actors in it are killed.
/// Thread-safety: any thread, concurrently with other calls on the same handles (from a callback on the I/O thread, a call that waits on the cluster fails instead of blocking).
#[no_mangle]
pub unsafe extern "C" fn ray_client_placement_group_remove(
    client: *const ray_client_client,
    pg: *const ray_client_placement_group,
) -> c_int {
    guard(|| {
        let c = client_of(client)?;
        let pg = get::<ray_client_placement_group>(pg, "placement_group")?;
        Ok(c.remove_placement_group(&pg.pg)?)
    })
}

/// Ray's description of the group (`placement_group_table(pg)`: state, bundles,
/// strategy, ...) as JSON text. The caller frees `*out` with `ray_client_string_free`.
/// Thread-safety: any thread, concurrently with other calls on the same handles (from a callback on the I/O thread, a call that waits on the cluster fails instead of blocking).
#[no_mangle]
pub unsafe extern "C" fn ray_client_placement_group_table(
    client: *const ray_client_client,
    pg: *const ray_client_placement_group,
    out: *mut *mut c_char,
) -> c_int {
    let pg = get::<ray_client_placement_group>(pg, "placement_group");
    json_out(client, out, |c| {
        Ok(crate::json::to_json(&c.placement_group_table(&pg?.pg)?)?)
    })
}

/// The group's hex id. Borrowed: valid until `pg` (this handle) is freed. NULL when `pg`
/// is not a live handle.
/// Thread-safety: any thread, concurrently with other calls on the same handles (from a callback on the I/O thread, a call that waits on the cluster fails instead of blocking).
#[no_mangle]
pub unsafe extern "C" fn ray_client_placement_group_id(
    pg: *const ray_client_placement_group,
) -> *const c_char {
    guard_value(std::ptr::null(), || {
        Ok(get::<ray_client_placement_group>(pg, "placement_group")?
            .id
            .as_ptr())
    })
}

/// Frees a placement group handle (the group stays on the cluster). NULL is a no-op.
/// Thread-safety: any thread; calls already running on the handle in other threads finish normally, borrowed pointers into it become invalid.
#[no_mangle]
pub unsafe extern "C" fn ray_client_placement_group_free(
    pg: *mut ray_client_placement_group,
) -> c_int {
    guard(|| free_handle(pg))
}
