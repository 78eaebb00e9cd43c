//! The dashboard (src/dashboard/): its options and handle; Jobs and State in the modules
//! below.

use std::ffi::{c_char, c_int, CString};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use super::*;
use crate::dashboard::{Dashboard, DashboardOptions};
use crate::security::AuthToken;

pub mod jobs;
pub mod state;

/// What a dashboard handle holds: the dashboard and the C strings of its properties.
pub(crate) struct DashboardBox {
    pub(crate) dashboard: Dashboard,
    url: CString,
    ray_version: CString,
}

pub(crate) fn dashboard_of(d: *const ray_client_dashboard) -> R<Arc<DashboardBox>> {
    get::<ray_client_dashboard>(d, "dashboard")
}

fn with_options(
    o: *mut ray_client_dashboard_options,
    f: impl FnOnce(&mut DashboardOptions) -> R<()>,
) -> ray_client_status {
    guard(|| {
        let o = get::<ray_client_dashboard_options>(o, "options")?;
        let mut o = o.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut o)
    })
}

/// ---- The dashboard: options, connect (src/ffi/dashboard/mod.rs) ----
///
/// New dashboard options for `address`: `http://host:8265`, `https://host:8265`,
/// `host:8265`, or a Ray Client address `ray://host:10001` (the cluster is asked where
/// its dashboard is); NULL or `""` reads `RAY_API_SERVER_ADDRESS`, then `RAY_ADDRESS`,
/// then uses `http://localhost:8265`. The caller frees `*out` with
/// `ray_client_dashboard_options_free`.
#[no_mangle]
pub unsafe extern "C" fn ray_client_dashboard_options_new(
    address: *const c_char,
    out: *mut *mut ray_client_dashboard_options,
) -> ray_client_status {
    guard(|| {
        let address = opt_str(address, "address")?.filter(|a| !a.is_empty());
        fill_handle(out, || {
            let o = DashboardOptions {
                address: address.map(str::to_owned),
                ..Default::default()
            };
            Ok(Arc::new(Mutex::new(o)))
        })
    })
}

/// Frees dashboard options. NULL is a no-op.
/// Thread-safety: may run while other threads still use the handle.
#[no_mangle]
pub unsafe extern "C" fn ray_client_dashboard_options_free(
    options: *mut ray_client_dashboard_options,
) -> ray_client_status {
    guard(|| free_handle(options))
}

/// Adds a header sent with every request (an ingress's auth, a cookie).
#[no_mangle]
pub unsafe extern "C" fn ray_client_dashboard_options_add_header(
    options: *mut ray_client_dashboard_options,
    name: *const c_char,
    value: *const c_char,
) -> ray_client_status {
    let pair = str_pair(name, "name", value);
    with_options(options, |o| {
        let (n, v) = pair?;
        o.headers.push((n, v));
        Ok(())
    })
}

/// Adds metadata to every job submitted through the dashboard (over a job's own keys,
/// as Python merges them).
#[no_mangle]
pub unsafe extern "C" fn ray_client_dashboard_options_add_metadata(
    options: *mut ray_client_dashboard_options,
    key: *const c_char,
    value: *const c_char,
) -> ray_client_status {
    let pair = str_pair(key, "key", value);
    with_options(options, |o| {
        let (k, v) = pair?;
        o.metadata.insert(k, v);
        Ok(())
    })
}

/// The cluster's authentication token (NULL: Ray's variables and files, as for
/// connect).
#[no_mangle]
pub unsafe extern "C" fn ray_client_dashboard_options_set_auth_token(
    options: *mut ray_client_dashboard_options,
    token: *const c_char,
) -> ray_client_status {
    let token = opt_str(token, "token");
    with_options(options, |o| {
        o.auth_token = token?.map(AuthToken::new);
        Ok(())
    })
}

/// PEM file of the CA of an `https` dashboard (NULL: the system's roots); `insecure`
/// non-zero accepts any certificate (Python's `verify=False`).
#[no_mangle]
pub unsafe extern "C" fn ray_client_dashboard_options_set_tls(
    options: *mut ray_client_dashboard_options,
    ca_cert: *const c_char,
    insecure: c_int,
) -> ray_client_status {
    let ca = opt_str(ca_cert, "ca_cert");
    with_options(options, |o| {
        o.ca_cert = ca?.map(PathBuf::from);
        o.insecure = insecure != 0;
        Ok(())
    })
}

/// The longest one request may take, in milliseconds (default 60,000; must be > 0).
#[no_mangle]
pub unsafe extern "C" fn ray_client_dashboard_options_set_timeout_ms(
    options: *mut ray_client_dashboard_options,
    timeout_ms: u64,
) -> ray_client_status {
    with_options(options, |o| {
        o.timeout = Duration::from_millis(timeout_ms);
        Ok(())
    })
}

/// Connects to a dashboard with `options` (NULL: the defaults): resolves the address
/// and asks the dashboard for its Ray version. The caller frees `*out` with
/// `ray_client_dashboard_free`.
#[no_mangle]
pub unsafe extern "C" fn ray_client_dashboard_connect(
    options: *const ray_client_dashboard_options,
    out: *mut *mut ray_client_dashboard,
) -> ray_client_status {
    guard(|| {
        let opts = match options.is_null() {
            true => DashboardOptions::default(),
            false => {
                let o = get::<ray_client_dashboard_options>(options, "options")?;
                let o = o.lock().unwrap_or_else(PoisonError::into_inner);
                o.clone()
            }
        };
        fill_handle(out, || {
            let dashboard = Dashboard::connect_with(opts)?;
            Ok(Arc::new(DashboardBox {
                url: cstring_lossy(dashboard.url().to_owned()),
                ray_version: cstring_lossy(dashboard.ray_version().to_owned()),
                dashboard,
            }))
        })
    })
}

/// Frees a dashboard handle. NULL is a no-op.
/// Thread-safety: may run while other threads still use the handle.
#[no_mangle]
pub unsafe extern "C" fn ray_client_dashboard_free(
    dashboard: *mut ray_client_dashboard,
) -> ray_client_status {
    guard(|| free_handle(dashboard))
}

/// A string of the dashboard handle, borrowed until the handle is freed.
unsafe fn borrowed(
    dashboard: *const ray_client_dashboard,
    out: *mut *const c_char,
    field: fn(&DashboardBox) -> &CString,
) -> ray_client_status {
    guard(|| {
        let d = dashboard_of(dashboard)?;
        *out_val(out, "out", std::ptr::null())? = field(&d).as_ptr();
        Ok(())
    })
}

/// The dashboard's base URL (`http://host:port`), borrowed until the handle is freed.
#[no_mangle]
pub unsafe extern "C" fn ray_client_dashboard_url(
    dashboard: *const ray_client_dashboard,
    out: *mut *const c_char,
) -> ray_client_status {
    borrowed(dashboard, out, |d| &d.url)
}

/// The Ray release the cluster runs, borrowed until the handle is freed.
#[no_mangle]
pub unsafe extern "C" fn ray_client_dashboard_ray_version(
    dashboard: *const ray_client_dashboard,
    out: *mut *const c_char,
) -> ray_client_status {
    borrowed(dashboard, out, |d| &d.ray_version)
}
