//! Cluster information: resources, nodes, the job's runtime context, the dashboard, ping.

use std::ffi::{c_char, c_int};

use super::*;
use crate::value::Value;

pub(crate) fn json_out(
    client: *const ray_client_client,
    out: *mut *mut c_char,
    f: impl FnOnce(&crate::Client) -> R<String>,
) -> ray_client_status {
    guard(|| {
        let c = client_of(client)?;
        // SAFETY: `out` is checked by `fill_string`.
        unsafe { fill_string(out, || f(&c)) }
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

/// ---- Cluster information (src/ffi/cluster.rs) ----
///
/// Total resources of the cluster (`ray.cluster_resources()`) as a JSON object of
/// numbers, e.g. `{"CPU": 4.0, "memory": ...}`. The caller frees `*out` with
/// `ray_client_string_free`.
#[no_mangle]
pub unsafe extern "C" fn ray_client_cluster_resources(
    client: *const ray_client_client,
    out: *mut *mut c_char,
) -> ray_client_status {
    json_out(client, out, |c| Ok(resources_json(c.cluster_resources()?)))
}

/// Resources not in use right now (`ray.available_resources()`), as for
/// `ray_client_cluster_resources`.
#[no_mangle]
pub unsafe extern "C" fn ray_client_cluster_available_resources(
    client: *const ray_client_client,
    out: *mut *mut c_char,
) -> ray_client_status {
    json_out(client, out, |c| {
        Ok(resources_json(c.available_resources()?))
    })
}

/// The cluster's nodes (`ray.nodes()`) as a JSON array of objects (`NodeID`, `Alive`,
/// `Resources`, ...). The caller frees `*out` with `ray_client_string_free`.
#[no_mangle]
pub unsafe extern "C" fn ray_client_cluster_nodes(
    client: *const ray_client_client,
    out: *mut *mut c_char,
) -> ray_client_status {
    json_out(client, out, |c| {
        Ok(crate::json::to_json(&Value::List(c.nodes()?))?)
    })
}

/// The cluster's task timeline (`ray.timeline()`) as a JSON array of Chrome tracing
/// events (objects with `cat`, `name`, `pid`, `tid`, `ts`, `dur`, `ph`, ...): written to
/// a file, `chrome://tracing` or Perfetto shows it. The caller frees `*out` with
/// `ray_client_string_free`.
#[no_mangle]
pub unsafe extern "C" fn ray_client_cluster_timeline(
    client: *const ray_client_client,
    out: *mut *mut c_char,
) -> ray_client_status {
    json_out(client, out, |c| {
        Ok(crate::json::to_json(&Value::List(c.timeline()?))?)
    })
}

/// The job's runtime context as a JSON object with the string fields `job_id`,
/// `node_id`, `namespace`, `runtime_env` (itself JSON text), `gcs_address`,
/// `session_name` and `worker_id` (null from releases that do not send it: 2.55 and
/// earlier). The caller frees `*out` with `ray_client_string_free`.
#[no_mangle]
pub unsafe extern "C" fn ray_client_client_runtime_context(
    client: *const ray_client_client,
    out: *mut *mut c_char,
) -> ray_client_status {
    json_out(client, out, |c| {
        let r = c.runtime_context()?;
        Ok(serde_json::json!({
            "job_id": r.job_id,
            "node_id": r.node_id,
            "namespace": r.namespace,
            "runtime_env": r.runtime_env,
            "gcs_address": r.gcs_address,
            "session_name": r.session_name,
            "worker_id": r.worker_id,
        })
        .to_string())
    })
}

/// The dashboard's URL (`""` without a dashboard). The caller frees `*out` with
/// `ray_client_string_free`.
#[no_mangle]
pub unsafe extern "C" fn ray_client_cluster_dashboard_url(
    client: *const ray_client_client,
    out: *mut *mut c_char,
) -> ray_client_status {
    json_out(client, out, |c| Ok(c.dashboard_url()?))
}

/// Asks the server whether it is there: `RAY_CLIENT_OK` when it answers.
#[no_mangle]
pub unsafe extern "C" fn ray_client_client_ping(
    client: *const ray_client_client,
) -> ray_client_status {
    guard(|| Ok(client_of(client)?.ping()?))
}

/// Whether Ray is initialized on the client's server (`*out` 1 or 0).
#[no_mangle]
pub unsafe extern "C" fn ray_client_client_server_is_initialized(
    client: *const ray_client_client,
    out: *mut c_int,
) -> ray_client_status {
    guard(|| {
        let c = client_of(client)?;
        let out = out_val(out, "out", 0)?;
        *out = c_int::from(c.is_initialized()?);
        Ok(())
    })
}
