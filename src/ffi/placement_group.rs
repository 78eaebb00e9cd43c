//! Placement groups: create, wait, remove, describe.

use std::ffi::{c_char, c_int, CString};
use std::sync::Arc;
use std::time::Duration;

use super::*;
use crate::placement_group::{PlacementGroup, PlacementGroupOptions, PlacementStrategy};

/// What a placement group handle holds.
pub(crate) struct PgBox {
    pub(crate) pg: PlacementGroup,
    id: CString,
}

/// ---- Placement group strategies (src/ffi/placement_group.rs) ----
///
/// Bundles packed on as few nodes as possible.
pub const RAY_CLIENT_PLACEMENT_PACK: i32 = 0;
/// Bundles spread over nodes where possible.
pub const RAY_CLIENT_PLACEMENT_SPREAD: i32 = 1;
/// All bundles on one node.
pub const RAY_CLIENT_PLACEMENT_STRICT_PACK: i32 = 2;
/// Each bundle on a different node.
pub const RAY_CLIENT_PLACEMENT_STRICT_SPREAD: i32 = 3;

/// A `RAY_CLIENT_PLACEMENT_*` code as a strategy.
fn strategy_of(strategy: c_int) -> R<PlacementStrategy> {
    match strategy {
        RAY_CLIENT_PLACEMENT_PACK => Ok(PlacementStrategy::Pack),
        RAY_CLIENT_PLACEMENT_SPREAD => Ok(PlacementStrategy::Spread),
        RAY_CLIENT_PLACEMENT_STRICT_PACK => Ok(PlacementStrategy::StrictPack),
        RAY_CLIENT_PLACEMENT_STRICT_SPREAD => Ok(PlacementStrategy::StrictSpread),
        other => Err(ErrorInfo::invalid(format!(
            "{other} is not a RAY_CLIENT_PLACEMENT strategy"
        ))),
    }
}

/// The bundles of `bundles_json`: a JSON array of objects of numbers.
fn bundles_of(json: &str) -> R<Vec<Vec<(String, f64)>>> {
    let parsed: serde_json::Value = serde_json::from_str(json)
        .map_err(|e| ErrorInfo::invalid(format!("bundles_json is not JSON: {e}")))?;
    let bad = || ErrorInfo::invalid("bundles_json must be an array of objects of numbers");
    parsed
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
        .collect()
}

/// The options of `options_json`: a JSON object with any of `name` (a string),
/// `lifetime` (`"detached"`, or null), `_soft_target_node_id` (a hex node id) and
/// `bundle_label_selector` (an array, per bundle, of objects of strings).
fn pg_options_of(json: &str) -> R<PlacementGroupOptions> {
    let parsed: serde_json::Value = serde_json::from_str(json)
        .map_err(|e| ErrorInfo::invalid(format!("options_json is not JSON: {e}")))?;
    let fields = parsed
        .as_object()
        .ok_or_else(|| ErrorInfo::invalid("options_json must be a JSON object"))?;
    let mut options = PlacementGroupOptions::default();
    let text = |key: &str, v: &serde_json::Value| -> R<String> {
        v.as_str()
            .map(str::to_owned)
            .ok_or_else(|| ErrorInfo::invalid(format!("options_json: {key} must be a string")))
    };
    for (key, v) in fields {
        match key.as_str() {
            "name" => options.name = Some(text(key, v)?),
            "lifetime" => {
                options.detached = match v.as_str() {
                    Some("detached") => true,
                    None if v.is_null() => false,
                    _ => {
                        return Err(ErrorInfo::invalid(
                            "options_json: lifetime must be \"detached\" or null",
                        ))
                    }
                }
            }
            "_soft_target_node_id" => options.soft_target_node_id = Some(text(key, v)?),
            "bundle_label_selector" => {
                let bad = || {
                    ErrorInfo::invalid(
                        "options_json: bundle_label_selector must be an array of objects of strings",
                    )
                };
                options.bundle_label_selector = v
                    .as_array()
                    .ok_or_else(bad)?
                    .iter()
                    .map(|s| {
                        s.as_object()
                            .ok_or_else(bad)?
                            .iter()
                            .map(|(k, v)| Ok((k.clone(), v.as_str().ok_or_else(bad)?.to_owned())))
                            .collect::<R<Vec<_>>>()
                    })
                    .collect::<R<_>>()?;
            }
            other => {
                return Err(ErrorInfo::invalid(format!(
                    "options_json: unknown placement group option {other:?} (name, lifetime, \
                     _soft_target_node_id, bundle_label_selector)"
                )))
            }
        }
    }
    Ok(options)
}

/// A new handle to `pg`.
fn pg_handle(pg: PlacementGroup) -> Arc<PgBox> {
    let id = cstring_lossy(pg.id().to_owned());
    Arc::new(PgBox { pg, id })
}

/// ---- Placement groups (src/ffi/placement_group.rs) ----
///
/// Creates a placement group. `bundles_json` is a JSON array of resource objects, e.g.
/// `[{"CPU": 1}, {"CPU": 1, "GPU": 1}]`; `strategy` is a `RAY_CLIENT_PLACEMENT_*`;
/// `name` may be NULL. Returns once the cluster accepted the request (wait with
/// `ray_client_placement_group_wait`). The caller frees `*out` with
/// `ray_client_placement_group_free` (which does not remove the group).
#[no_mangle]
pub unsafe extern "C" fn ray_client_placement_group_create(
    client: *const ray_client_client,
    bundles_json: *const c_char,
    strategy: c_int,
    name: *const c_char,
    out: *mut *mut ray_client_placement_group,
) -> ray_client_status {
    guard(|| {
        let c = client_of(client)?;
        let json = str_arg(bundles_json, "bundles_json")?;
        let name = opt_str(name, "name")?;
        fill_handle(out, || {
            let strategy = strategy_of(strategy)?;
            let bundles = bundles_of(json)?;
            Ok(pg_handle(
                c.create_placement_group(&bundles, strategy, name)?,
            ))
        })
    })
}

/// `ray_client_placement_group_create` with `options_json` (NULL: none), a JSON object
/// of Python's other `placement_group()` keywords: `name`, `lifetime` (`"detached"`: the
/// group outlives this client's job until removed), `_soft_target_node_id` (a node's hex
/// id, with `RAY_CLIENT_PLACEMENT_STRICT_PACK`; Ray 2.10 and later) and
/// `bundle_label_selector` (per bundle, an object of node labels; Ray 2.50 and later).
/// An option the cluster's release lacks gives `RAY_CLIENT_ERROR_VERSION_MISMATCH`. The
/// caller frees `*out`.
#[no_mangle]
pub unsafe extern "C" fn ray_client_placement_group_create_with(
    client: *const ray_client_client,
    bundles_json: *const c_char,
    strategy: c_int,
    options_json: *const c_char,
    out: *mut *mut ray_client_placement_group,
) -> ray_client_status {
    guard(|| {
        fill_handle(out, || {
            let c = client_of(client)?;
            let bundles = bundles_of(str_arg(bundles_json, "bundles_json")?)?;
            let strategy = strategy_of(strategy)?;
            let options = match opt_str(options_json, "options_json")? {
                Some(json) => pg_options_of(json)?,
                None => PlacementGroupOptions::default(),
            };
            Ok(pg_handle(c.create_placement_group_with(
                &bundles, strategy, &options,
            )?))
        })
    })
}

/// The placement group named `name` in this client's namespace
/// (`ray.util.get_placement_group`); `RAY_CLIENT_ERROR_INVALID_ARGUMENT` when there is
/// none. The caller frees `*out`.
#[no_mangle]
pub unsafe extern "C" fn ray_client_placement_group_get(
    client: *const ray_client_client,
    name: *const c_char,
    out: *mut *mut ray_client_placement_group,
) -> ray_client_status {
    guard(|| {
        fill_handle(out, || {
            let c = client_of(client)?;
            Ok(pg_handle(c.get_placement_group(str_arg(name, "name")?)?))
        })
    })
}

/// Ray's description of every placement group of the cluster (`placement_group_table()`)
/// as JSON text: an object by group id. The caller frees `*out` with
/// `ray_client_string_free`.
#[no_mangle]
pub unsafe extern "C" fn ray_client_placement_group_table_all(
    client: *const ray_client_client,
    out: *mut *mut c_char,
) -> ray_client_status {
    json_out(client, out, |c| {
        Ok(crate::json::to_json(&c.placement_group_table_all()?)?)
    })
}

/// Waits up to `timeout_ms` until the group is placed: `*ready` 1, or 0 when the time
/// passed first.
#[no_mangle]
pub unsafe extern "C" fn ray_client_placement_group_wait(
    client: *const ray_client_client,
    pg: *const ray_client_placement_group,
    timeout_ms: u64,
    ready: *mut c_int,
) -> ray_client_status {
    guard(|| {
        let c = client_of(client)?;
        let pg = get::<ray_client_placement_group>(pg, "placement_group")?;
        let ready = out_val(ready, "ready", 0)?;
        *ready = c_int::from(c.wait_placement_group(&pg.pg, Duration::from_millis(timeout_ms))?);
        Ok(())
    })
}

/// Removes the group; tasks and actors in it are killed.
#[no_mangle]
pub unsafe extern "C" fn ray_client_placement_group_remove(
    client: *const ray_client_client,
    pg: *const ray_client_placement_group,
) -> ray_client_status {
    guard(|| {
        let c = client_of(client)?;
        let pg = get::<ray_client_placement_group>(pg, "placement_group")?;
        Ok(c.remove_placement_group(&pg.pg)?)
    })
}

/// Ray's description of the group (`placement_group_table(pg)`: state, bundles,
/// strategy, ...) as JSON text. The caller frees `*out` with `ray_client_string_free`.
#[no_mangle]
pub unsafe extern "C" fn ray_client_placement_group_table(
    client: *const ray_client_client,
    pg: *const ray_client_placement_group,
    out: *mut *mut c_char,
) -> ray_client_status {
    let pg = get::<ray_client_placement_group>(pg, "placement_group");
    json_out(client, out, |c| {
        Ok(crate::json::to_json(&c.placement_group_table(&pg?.pg)?)?)
    })
}

/// The group's hex id. Borrowed: valid until `pg` (this handle) is freed. NULL when `pg`
/// is not a live handle.
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
/// Thread-safety: may run while other threads still use the handle: their calls finish
/// normally, and borrowed pointers into it become invalid.
#[no_mangle]
pub unsafe extern "C" fn ray_client_placement_group_free(
    pg: *mut ray_client_placement_group,
) -> ray_client_status {
    guard(|| free_handle(pg))
}
