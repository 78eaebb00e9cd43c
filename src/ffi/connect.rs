//! Connecting: connect options, connect and disconnect, a client's properties and
//! connection state, and the process's default client (`ray_client_init`).

use std::ffi::{c_char, c_int, c_void, CString};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use super::*;
use crate::client::{Client, ConnectOptions};
use crate::logs::{LogHandler, LogRecord};
use crate::security::AuthToken;

/// What a client handle holds: the client and the C strings of its fixed properties.
pub(crate) struct ClientBox {
    pub(crate) client: Client,
    ray_version: CString,
    ray_commit: CString,
    python_version: CString,
    client_id: CString,
    address: CString,
    namespace: Option<CString>,
}

/// What a client handle to `client` holds.
fn client_box(client: Client) -> Arc<ClientBox> {
    let info = client.server_info().clone();
    let b = ClientBox {
        ray_version: cstring_lossy(info.ray_version),
        ray_commit: cstring_lossy(info.ray_commit),
        python_version: cstring_lossy(info.python_version),
        client_id: cstring_lossy(client.client_id().to_owned()),
        address: cstring_lossy(client.address().to_string()),
        namespace: client.namespace().map(|n| cstring_lossy(n.to_owned())),
        client,
    };
    Arc::new(b)
}

pub(crate) fn client_of(c: *const ray_client_client) -> R<Client> {
    Ok(get::<ray_client_client>(c, "client")?.client.clone())
}

/// ---- Connect: log modes and connection states (src/ffi/connect.rs) ----
///
/// Task and actor output is printed to this process's stderr (the default).
pub const RAY_CLIENT_LOGS_STDERR: i32 = 0;
/// Task and actor output is not streamed.
pub const RAY_CLIENT_LOGS_OFF: i32 = 1;
/// Log level of a line the task wrote to stdout.
pub const RAY_CLIENT_LOG_STDOUT: i32 = -1;
/// Log level of a line the task wrote to stderr.
pub const RAY_CLIENT_LOG_STDERR: i32 = -2;

/// Receives task and actor output: `level` is `RAY_CLIENT_LOG_STDOUT`,
/// `RAY_CLIENT_LOG_STDERR` or a Python logging level; `msg` is the NUL-terminated text
/// (with its newline, prefixed by Ray with the task and pid), borrowed for the duration
/// of the call. Runs on the library's I/O thread: return quickly, make no blocking
/// calls.
pub type ray_client_log_callback =
    Option<unsafe extern "C" fn(user: *mut c_void, level: c_int, msg: *const c_char)>;

fn connect_options_of(o: *const ray_client_connect_options) -> R<Arc<Mutex<ConnectOptions>>> {
    get::<ray_client_connect_options>(o, "options")
}

/// A copy of the options behind a handle; NULL means the defaults (`RAY_ADDRESS`).
fn connect_options_or_default(o: *const ray_client_connect_options) -> R<ConnectOptions> {
    if o.is_null() {
        return Ok(ConnectOptions::new(""));
    }
    let o = connect_options_of(o)?;
    let o = o.lock().unwrap_or_else(PoisonError::into_inner);
    Ok(o.clone())
}

fn with_connect_options(
    o: *mut ray_client_connect_options,
    f: impl FnOnce(&mut ConnectOptions) -> R<()>,
) -> ray_client_status {
    guard(|| {
        let o = connect_options_of(o)?;
        let mut o = o.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut o)
    })
}

/// [`with_connect_options`] for a setter that cannot fail.
fn set_connect_option(
    o: *mut ray_client_connect_options,
    set: impl FnOnce(&mut ConnectOptions),
) -> ray_client_status {
    with_connect_options(o, |o| {
        set(o);
        Ok(())
    })
}

/// [`set_connect_option`] with an optional string argument `arg` (`what`; NULL clears
/// the option), checked after the options handle.
unsafe fn set_connect_option_str(
    o: *mut ray_client_connect_options,
    arg: *const c_char,
    what: &str,
    set: impl FnOnce(&mut ConnectOptions, Option<&str>),
) -> ray_client_status {
    let arg = opt_str(arg, what);
    with_connect_options(o, |o| {
        set(o, arg?);
        Ok(())
    })
}

/// ---- Connect options, connect, disconnect, the default client (src/ffi/connect.rs) ----
///
/// New connect options for `address` (`ray://host:port`, `host:port` or `host`; NULL or
/// `""` reads `RAY_ADDRESS` at connect time). The caller frees `*out` with
/// `ray_client_connect_options_free`.
#[no_mangle]
pub unsafe extern "C" fn ray_client_connect_options_new(
    address: *const c_char,
    out: *mut *mut ray_client_connect_options,
) -> ray_client_status {
    guard(|| {
        let address = opt_str(address, "address")?.unwrap_or_default();
        fill_handle(out, || {
            Ok(Arc::new(Mutex::new(ConnectOptions::new(address))))
        })
    })
}

/// Frees connect options. NULL is a no-op.
/// Thread-safety: may run while other threads still use the handle: their calls finish
/// normally, and borrowed pointers into it become invalid.
#[no_mangle]
pub unsafe extern "C" fn ray_client_connect_options_free(
    options: *mut ray_client_connect_options,
) -> ray_client_status {
    guard(|| free_handle(options))
}

/// The Ray namespace of the job (`ray.init(namespace=...)`); NULL clears it (then
/// `RAY_NAMESPACE` applies, as for Python).
#[no_mangle]
pub unsafe extern "C" fn ray_client_connect_options_set_namespace(
    options: *mut ray_client_connect_options,
    namespace: *const c_char,
) -> ray_client_status {
    set_connect_option_str(options, namespace, "namespace", |o, ns| {
        o.namespace = ns.map(str::to_owned);
    })
}

/// The job's runtime environment as JSON text (an object: `env_vars`, `pip`,
/// `working_dir`, ...); NULL clears it (then `RAY_RUNTIME_ENV` applies, as for Python).
#[no_mangle]
pub unsafe extern "C" fn ray_client_connect_options_set_runtime_env_json(
    options: *mut ray_client_connect_options,
    json: *const c_char,
) -> ray_client_status {
    let json = opt_str(json, "json");
    with_connect_options(options, |o| {
        o.runtime_env = match json? {
            Some(j) => Some(crate::json::from_json(j)?),
            None => None,
        };
        Ok(())
    })
}

/// The logging configuration of the job's tasks and actors as JSON, Python's dict form
/// of `ray.init(logging_config=...)`: `{"encoding": "TEXT"|"JSON", "log_level": "INFO",
/// "additional_log_standard_attrs": ["name", ...]}`, every key optional; checked here
/// (an unknown key, encoding, level or attribute is `RAY_CLIENT_INVALID_ARGUMENT`).
/// NULL clears it. Ray 2.30 and later (the connect says which release lacks it).
#[no_mangle]
pub unsafe extern "C" fn ray_client_connect_options_set_logging_config_json(
    options: *mut ray_client_connect_options,
    json: *const c_char,
) -> ray_client_status {
    let json = opt_str(json, "json");
    with_connect_options(options, |o| {
        o.logging_config = json?.map(crate::LoggingConfig::from_json).transpose()?;
        Ok(())
    })
}

/// The level of the `ray` logger of this client's server (`ray.init(logging_level=...)`
/// there): a level name in any case (`"debug"`) or number (`"10"`); NULL clears it
/// (Ray's default, INFO).
#[no_mangle]
pub unsafe extern "C" fn ray_client_connect_options_set_logging_level(
    options: *mut ray_client_connect_options,
    level: *const c_char,
) -> ray_client_status {
    let level = opt_str(level, "level");
    with_connect_options(options, |o| {
        o.logging_level = level?
            .map(crate::job_config::check_logging_level)
            .transpose()?;
        Ok(())
    })
}

/// Whether the cluster sends the job's task and actor output to this client
/// (`ray.init(log_to_driver=...)`; `on != 0`, the default): with 0 the client's server
/// does not collect it at all, while `ray_client_connect_options_set_logs` with
/// `RAY_CLIENT_LOGS_OFF` drops it on arrival.
#[no_mangle]
pub unsafe extern "C" fn ray_client_connect_options_set_log_to_driver(
    options: *mut ray_client_connect_options,
    on: c_int,
) -> ray_client_status {
    set_connect_option(options, |o| o.log_to_driver = on != 0)
}

/// How long connecting keeps trying, in milliseconds (default 30000; 0 is refused).
#[no_mangle]
pub unsafe extern "C" fn ray_client_connect_options_set_connect_timeout_ms(
    options: *mut ray_client_connect_options,
    timeout_ms: u64,
) -> ray_client_status {
    with_connect_options(options, |o| {
        let timeout = Duration::from_millis(timeout_ms);
        crate::client::check_connect_timeout(timeout)?;
        o.connect_timeout = timeout;
        Ok(())
    })
}

/// How long the server keeps this client's state after the connection drops, in
/// seconds (0 disables reconnection; default `RAY_CLIENT_RECONNECT_GRACE_PERIOD` or 30).
#[no_mangle]
pub unsafe extern "C" fn ray_client_connect_options_set_reconnect_grace_period_s(
    options: *mut ray_client_connect_options,
    seconds: u64,
) -> ray_client_status {
    set_connect_option(options, |o| {
        o.reconnect_grace_period = Some(Duration::from_secs(seconds));
    })
}

/// HTTP/2 keepalive: a ping every `interval_ms` (default 30000, like Python's client),
/// also while idle, so proxies that drop silent connections keep this one; a ping
/// unanswered for `timeout_ms` (default 20000) counts the connection as broken and starts
/// reconnection. Both must be > 0.
#[no_mangle]
pub unsafe extern "C" fn ray_client_connect_options_set_keepalive_ms(
    options: *mut ray_client_connect_options,
    interval_ms: u64,
    timeout_ms: u64,
) -> ray_client_status {
    with_connect_options(options, |o| {
        if interval_ms == 0 || timeout_ms == 0 {
            return Err(ErrorInfo::invalid(
                "keepalive interval and timeout must be > 0 ms",
            ));
        }
        o.keepalive_interval = Duration::from_millis(interval_ms);
        o.keepalive_timeout = Duration::from_millis(timeout_ms);
        Ok(())
    })
}

/// Connect even when the server's Ray version is untested (`ignore != 0`).
#[no_mangle]
pub unsafe extern "C" fn ray_client_connect_options_set_ignore_version_mismatch(
    options: *mut ray_client_connect_options,
    ignore: c_int,
) -> ray_client_status {
    set_connect_option(options, |o| o.ignore_version_mismatch = ignore != 0)
}

/// Adds one entry to the job's metadata (Python's `JobConfig(metadata=...)`), shown with
/// the job by the dashboard (`ray_client_job_list`); a key set again takes
/// the later value. Both strings are copied.
#[no_mangle]
pub unsafe extern "C" fn ray_client_connect_options_add_job_metadata(
    options: *mut ray_client_connect_options,
    key: *const c_char,
    value: *const c_char,
) -> ray_client_status {
    let pair = str_pair(key, "key", value);
    with_connect_options(options, |o| {
        let (k, v) = pair?;
        o.job_metadata.insert(k, v);
        Ok(())
    })
}

/// Whether the actors this client creates outlive it unless created otherwise
/// (`detached != 0`; Python's `JobConfig(default_actor_lifetime="detached")`).
#[no_mangle]
pub unsafe extern "C" fn ray_client_connect_options_set_detached_actors(
    options: *mut ray_client_connect_options,
    detached: c_int,
) -> ray_client_status {
    set_connect_option(options, |o| o.detached_actors = detached != 0)
}

/// TLS: `1` on, `0` off (whatever `RAY_USE_TLS` says), `-1` decided by the environment
/// (the default: on when `RAY_USE_TLS` is `1`/`true` or a certificate path is set).
#[no_mangle]
pub unsafe extern "C" fn ray_client_connect_options_set_tls(
    options: *mut ray_client_connect_options,
    enabled: c_int,
) -> ray_client_status {
    with_connect_options(options, |o| {
        o.tls.enabled = match enabled {
            1 => Some(true),
            0 => Some(false),
            -1 => None,
            other => {
                return Err(ErrorInfo::invalid(format!(
                    "{other} is not a TLS setting (1 on, 0 off, -1 from the environment)"
                )))
            }
        };
        Ok(())
    })
}

/// The PEM file of the CA that signed the server's certificate (copied; read when
/// connecting); NULL clears it, and then `RAY_TLS_CA_CERT` or the system's roots apply.
#[no_mangle]
pub unsafe extern "C" fn ray_client_connect_options_set_tls_ca_cert(
    options: *mut ray_client_connect_options,
    path: *const c_char,
) -> ray_client_status {
    set_connect_option_str(options, path, "path", |o, path| {
        o.tls.ca_cert = path.map(PathBuf::from);
    })
}

/// This client's certificate chain and private key, PEM files (copied; read when
/// connecting). Both or neither: two NULLs clear them, and then `RAY_TLS_SERVER_CERT` /
/// `RAY_TLS_SERVER_KEY` apply (a Ray cluster with `RAY_USE_TLS=1` requires a client
/// certificate signed by its CA).
#[no_mangle]
pub unsafe extern "C" fn ray_client_connect_options_set_tls_client_cert(
    options: *mut ray_client_connect_options,
    cert_path: *const c_char,
    key_path: *const c_char,
) -> ray_client_status {
    let cert = opt_str(cert_path, "cert_path");
    let key = opt_str(key_path, "key_path");
    with_connect_options(options, |o| {
        let (cert, key) = match (cert?, key?) {
            (Some(c), Some(k)) => (Some(PathBuf::from(c)), Some(PathBuf::from(k))),
            (None, None) => (None, None),
            _ => {
                return Err(ErrorInfo::invalid(
                    "a client certificate needs both cert_path and key_path (or neither)",
                ))
            }
        };
        o.tls.client_cert = cert;
        o.tls.client_key = key;
        Ok(())
    })
}

/// The name the server's certificate must carry when it is not the host of the address
/// (copied); NULL clears it.
#[no_mangle]
pub unsafe extern "C" fn ray_client_connect_options_set_tls_server_name(
    options: *mut ray_client_connect_options,
    name: *const c_char,
) -> ray_client_status {
    set_connect_option_str(options, name, "name", |o, name| {
        o.tls.server_name = name.map(str::to_owned);
    })
}

/// The token for a cluster with token authentication (`RAY_AUTH_MODE=token`), sent as
/// `authorization: Bearer <token>` (copied; never shown in errors). NULL clears it, and
/// then `RAY_AUTH_TOKEN`, `RAY_AUTH_TOKEN_PATH` or `~/.ray/auth_token` apply. An empty
/// token is `RAY_CLIENT_ERROR_INVALID_ARGUMENT`.
#[no_mangle]
pub unsafe extern "C" fn ray_client_connect_options_set_auth_token(
    options: *mut ray_client_connect_options,
    token: *const c_char,
) -> ray_client_status {
    let token = opt_str(token, "token");
    with_connect_options(options, |o| {
        o.auth_token = match token? {
            Some(t) if t.trim().is_empty() => {
                return Err(ErrorInfo::invalid("the authentication token is empty"))
            }
            Some(t) => Some(AuthToken::new(t)),
            None => None,
        };
        Ok(())
    })
}

/// Adds a header (gRPC metadata, Python's `_metadata`) sent with every call: what an
/// ingress or an authentication proxy in front of the client port needs. Both strings
/// are copied. Names are checked at connect (letters, digits, `-_.`; not the protocol's
/// own, `grpc-*` or `-bin`), values must be printable ASCII; a name may repeat. An
/// `authorization` header stands in for the token (setting both fails the connect).
#[no_mangle]
pub unsafe extern "C" fn ray_client_connect_options_add_header(
    options: *mut ray_client_connect_options,
    name: *const c_char,
    value: *const c_char,
) -> ray_client_status {
    let pair = str_pair(name, "name", value);
    with_connect_options(options, |o| {
        let (n, v) = pair?;
        o.headers.push(n, v);
        Ok(())
    })
}

/// Where task and actor output goes: `RAY_CLIENT_LOGS_STDERR` or `RAY_CLIENT_LOGS_OFF`
/// (`ray_client_connect_options_set_log_callback` for a callback).
#[no_mangle]
pub unsafe extern "C" fn ray_client_connect_options_set_logs(
    options: *mut ray_client_connect_options,
    mode: c_int,
) -> ray_client_status {
    with_connect_options(options, |o| {
        o.logs = match mode {
            RAY_CLIENT_LOGS_STDERR => LogHandler::Stderr,
            RAY_CLIENT_LOGS_OFF => LogHandler::Off,
            other => return Err(ErrorInfo::invalid(format!("{other} is not a log mode"))),
        };
        Ok(())
    })
}

/// Hands task and actor output to `callback(user, level, msg)` on the I/O thread (see
/// `ray_client_log_callback`). `user` must stay valid, and usable from the I/O thread,
/// until every client connected with these options is freed. NULL `callback` switches
/// output off.
#[no_mangle]
pub unsafe extern "C" fn ray_client_connect_options_set_log_callback(
    options: *mut ray_client_connect_options,
    callback: ray_client_log_callback,
    user: *mut c_void,
) -> ray_client_status {
    let user = UserData(user);
    set_connect_option(options, |o| {
        o.logs = match callback {
            None => LogHandler::Off,
            Some(cb) => LogHandler::Callback(Arc::new(move |r: &LogRecord| {
                let msg = cstring_lossy(r.message.clone());
                // SAFETY: the caller's callback, with the caller's pointer, as documented.
                unsafe { cb(user.get(), r.level, msg.as_ptr()) }
            })),
        };
    })
}

/// Connects with `options` (NULL: defaults with `RAY_ADDRESS`); blocks until the server
/// is ready. The caller frees `*out` with `ray_client_client_free`, which disconnects
/// when it is the last handle of the connection.
#[no_mangle]
pub unsafe extern "C" fn ray_client_connect(
    options: *const ray_client_connect_options,
    out: *mut *mut ray_client_client,
) -> ray_client_status {
    guard(|| {
        let opts = connect_options_or_default(options)?;
        fill_handle(out, || Ok(client_box(Client::connect_with(opts)?)))
    })
}

/// Connects to `address` with default options (NULL or `""`: `RAY_ADDRESS`). The caller
/// frees `*out` with `ray_client_client_free`.
#[no_mangle]
pub unsafe extern "C" fn ray_client_connect_address(
    address: *const c_char,
    out: *mut *mut ray_client_client,
) -> ray_client_status {
    guard(|| {
        let address = opt_str(address, "address")?.unwrap_or_default();
        fill_handle(out, || Ok(client_box(Client::connect(address)?)))
    })
}

/// Sends `connection_cleanup` and closes the connection; the server releases every
/// object and actor of this client. Idempotent. Later calls on the client (and on its
/// refs) fail with `RAY_CLIENT_ERROR_CONNECTION_LOST`. The handle must still be freed.
#[no_mangle]
pub unsafe extern "C" fn ray_client_client_disconnect(
    client: *const ray_client_client,
) -> ray_client_status {
    guard(|| {
        client_of(client)?.disconnect();
        Ok(())
    })
}

/// Frees a client handle; the connection closes when its last handle is freed (the
/// default client's connection also stays until `ray_client_shutdown`). NULL is a no-op.
/// Thread-safety: may run while other threads still use the handle: their calls finish
/// normally, and borrowed pointers into it become invalid.
#[no_mangle]
pub unsafe extern "C" fn ray_client_client_free(
    client: *mut ray_client_client,
) -> ray_client_status {
    guard(|| free_handle(client))
}

/// A new handle to the same connection. The caller frees `*out`.
#[no_mangle]
pub unsafe extern "C" fn ray_client_client_clone(
    client: *const ray_client_client,
    out: *mut *mut ray_client_client,
) -> ray_client_status {
    clone_handle(client, "client", out)
}

/// Whether the client is connected (1) or was disconnected (0).
#[no_mangle]
pub unsafe extern "C" fn ray_client_client_is_connected(
    client: *const ray_client_client,
    out: *mut c_int,
) -> ray_client_status {
    guard(|| {
        let c = client_of(client)?;
        *out_val(out, "out", 0)? = c_int::from(c.is_connected());
        Ok(())
    })
}

/// `ray_client_client_state`: the connection is up.
pub const RAY_CLIENT_STATE_CONNECTED: c_int = 0;
/// `ray_client_client_state`: the connection dropped and the client is reconnecting;
/// calls made meanwhile wait for it, up to the reconnect grace period.
pub const RAY_CLIENT_STATE_RECONNECTING: c_int = 1;
/// `ray_client_client_state`: the connection is gone for good (disconnected, grace
/// period passed, or the server no longer knows this client); calls fail with
/// `RAY_CLIENT_ERROR_CONNECTION_LOST`.
pub const RAY_CLIENT_STATE_LOST: c_int = 2;

/// The connection's state: one of `RAY_CLIENT_STATE_*`.
#[no_mangle]
pub unsafe extern "C" fn ray_client_client_state(
    client: *const ray_client_client,
    out: *mut c_int,
) -> ray_client_status {
    guard(|| {
        let c = client_of(client)?;
        *out_val(out, "out", 0)? = match c.connection_state() {
            crate::ConnectionState::Connected => RAY_CLIENT_STATE_CONNECTED,
            crate::ConnectionState::Reconnecting { .. } => RAY_CLIENT_STATE_RECONNECTING,
            crate::ConnectionState::Lost(_) => RAY_CLIENT_STATE_LOST,
        };
        Ok(())
    })
}

/// What the server said about itself. Each out-parameter may be NULL when not wanted.
/// The strings are borrowed: valid until `client` (this handle) is freed.
#[no_mangle]
pub unsafe extern "C" fn ray_client_client_server_info(
    client: *const ray_client_client,
    ray_version: *mut *const c_char,
    ray_commit: *mut *const c_char,
    python_version: *mut *const c_char,
    num_clients: *mut i32,
) -> ray_client_status {
    guard(|| {
        let c = get::<ray_client_client>(client, "client")?;
        if let Some(o) = opt_out(ray_version, "ray_version", std::ptr::null())? {
            *o = c.ray_version.as_ptr();
        }
        if let Some(o) = opt_out(ray_commit, "ray_commit", std::ptr::null())? {
            *o = c.ray_commit.as_ptr();
        }
        if let Some(o) = opt_out(python_version, "python_version", std::ptr::null())? {
            *o = c.python_version.as_ptr();
        }
        if let Some(o) = opt_out(num_clients, "num_clients", 0)? {
            *o = c.client.server_info().num_clients;
        }
        Ok(())
    })
}

/// The connection's client id (32 hex digits), its address and its namespace (NULL
/// when none was given). Each out-parameter may be NULL. Borrowed: valid until `client`
/// (this handle) is freed.
#[no_mangle]
pub unsafe extern "C" fn ray_client_client_info(
    client: *const ray_client_client,
    client_id: *mut *const c_char,
    address: *mut *const c_char,
    namespace: *mut *const c_char,
) -> ray_client_status {
    guard(|| {
        let c = get::<ray_client_client>(client, "client")?;
        if let Some(o) = opt_out(client_id, "client_id", std::ptr::null())? {
            *o = c.client_id.as_ptr();
        }
        if let Some(o) = opt_out(address, "address", std::ptr::null())? {
            *o = c.address.as_ptr();
        }
        if let Some(o) = opt_out(namespace, "namespace", std::ptr::null())? {
            *o = c
                .namespace
                .as_ref()
                .map_or(std::ptr::null(), |n| n.as_ptr());
        }
        Ok(())
    })
}

/// Connects the process's default client (Python's `ray.init`) with `options` (NULL:
/// defaults); fails with `RAY_CLIENT_ERROR_INVALID_ARGUMENT` when one is connected
/// already. `*out` (may be NULL when not wanted) is a new handle to it, which the caller
/// frees; the connection itself stays until `ray_client_shutdown`.
#[no_mangle]
pub unsafe extern "C" fn ray_client_init(
    options: *const ray_client_connect_options,
    out: *mut *mut ray_client_client,
) -> ray_client_status {
    guard(|| {
        let opts = connect_options_or_default(options)?;
        let out = opt_out(out, "out", std::ptr::null_mut())?;
        let c = crate::context::init(opts)?;
        if let Some(o) = out {
            *o = new_handle::<ray_client_client>(client_box(c));
        }
        Ok(())
    })
}

/// A new handle to the default client; `RAY_CLIENT_ERROR_INVALID_ARGUMENT` when none is
/// connected. The caller frees `*out`.
#[no_mangle]
pub unsafe extern "C" fn ray_client_default_client(
    out: *mut *mut ray_client_client,
) -> ray_client_status {
    guard(|| fill_handle(out, || Ok(client_box(crate::context::default_client()?))))
}

/// 1 when a default client is connected, else 0. Never fails.
#[no_mangle]
pub extern "C" fn ray_client_is_initialized() -> c_int {
    guard_value(0, || Ok(c_int::from(crate::context::is_initialized())))
}

/// Disconnects the default client, if any (handles to it then report
/// `RAY_CLIENT_ERROR_CONNECTION_LOST`; they must still be freed).
#[no_mangle]
pub extern "C" fn ray_client_shutdown() -> ray_client_status {
    guard(|| {
        crate::context::shutdown();
        Ok(())
    })
}
