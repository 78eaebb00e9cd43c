//! The cluster's state (src/dashboard/state.rs): lists of actors, tasks, nodes, objects,
//! placement groups, jobs and workers, and the task summary, as JSON text.

use std::ffi::{c_char, c_int};
use std::time::Duration;

use super::*;
use crate::dashboard::state::{ListOptions, Predicate, StateResource};

/// ---- The cluster's state (src/ffi/dashboard/state.rs) ----
///
/// Lists `resource` (`"actors"`, `"tasks"`, `"nodes"`, `"objects"`,
/// `"placement_groups"`, `"jobs"`, `"workers"`) as Python's `ray.util.state` does: at most
/// `limit` records (0: Python's default, 100) matching every filter, with `detail`
/// non-zero the fields Python shows only in detail, waiting at most `timeout_ms` (0: 30
/// s). A filter is three strings, key, predicate (`"="` or `"!="`) and value, so
/// `filters` holds `3 * num_filters` strings (NULL when none). `*out_json` gets
/// `{"records": [...], "total": N, "partial_failure_warning": "...", "warnings": [...]}`;
/// the caller frees it with `ray_client_string_free`.
#[no_mangle]
pub unsafe extern "C" fn ray_client_state_list(
    dashboard: *const ray_client_dashboard,
    resource: *const c_char,
    filters: *const *const c_char,
    num_filters: usize,
    limit: u32,
    detail: c_int,
    timeout_ms: u64,
    out_json: *mut *mut c_char,
) -> ray_client_status {
    guard(|| {
        let d = dashboard_of(dashboard)?;
        let name = str_arg(resource, "resource")?;
        let resource = StateResource::parse(name).ok_or_else(|| {
            ErrorInfo::from(crate::Error::invalid(format!(
                "{name:?} is not a state resource (actors, tasks, nodes, objects, \
                 placement_groups, jobs, workers)"
            )))
        })?;
        let strings = slice(filters, num_filters.saturating_mul(3), "filters")?;
        let mut options = ListOptions::default().detail(detail != 0);
        if limit > 0 {
            options.limit = limit;
        }
        if timeout_ms > 0 {
            options.timeout = Duration::from_millis(timeout_ms);
        }
        for f in strings.chunks(3) {
            let key = str_arg(f[0], "filter key")?;
            let predicate = match str_arg(f[1], "filter predicate")? {
                "=" => Predicate::Equal,
                "!=" => Predicate::NotEqual,
                p => {
                    return Err(crate::Error::invalid(format!(
                        "unsupported filter predicate {p:?}; available predicates: =, !="
                    ))
                    .into())
                }
            };
            options = options.filter(key, predicate, str_arg(f[2], "filter value")?);
        }
        fill_string(out_json, || {
            let list = d.dashboard.list_state(resource, &options)?;
            Ok(serde_json::json!({
                "records": list.records,
                "total": list.total,
                "partial_failure_warning": list.partial_failure_warning,
                "warnings": list.warnings,
            })
            .to_string())
        })
    })
}

/// The summary of tasks by function name (Python's `summarize_tasks`), per node id
/// (`"cluster"` for all), as JSON text, waiting at most `timeout_ms` (0: 30 s). The
/// caller frees `*out_json` with `ray_client_string_free`.
#[no_mangle]
pub unsafe extern "C" fn ray_client_state_summarize_tasks(
    dashboard: *const ray_client_dashboard,
    timeout_ms: u64,
    out_json: *mut *mut c_char,
) -> ray_client_status {
    guard(|| {
        let d = dashboard_of(dashboard)?;
        let timeout = match timeout_ms {
            0 => Duration::from_secs(30),
            ms => Duration::from_millis(ms),
        };
        fill_string(out_json, || {
            Ok(d.dashboard.summarize_tasks(timeout)?.to_string())
        })
    })
}
