//! A connection to one Ray cluster: connect options, the connect handshake (init and
//! connection info), the version check (the policy is in `capabilities`), the client's
//! registry of live object refs, and disconnect.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use bytes::Bytes;

use crate::address::Address;
use crate::capabilities::Capabilities;
use crate::connection::{
    CallMetadata, Connection, ConnectionSettings, ConnectionState, DEFAULT_KEEPALIVE_INTERVAL,
    DEFAULT_KEEPALIVE_TIMEOUT,
};
use crate::datapath::Datapath;
use crate::diagnostics::diag;
use crate::error::{Error, ErrorKind, Result};
use crate::headers::Headers;
use crate::job_config::{self, JobSettings, LoggingConfig};
use crate::logs::{LogHandler, LogStream};
use crate::object_ref::{ObjectRef, RefInner, RefOwner, ReturnSizes, SizeHint};
use crate::pickle::{self, Limits, PickleStub};
use crate::proto::raylet_driver_client::RayletDriverClient;
use crate::proto::{data_request, data_response, ConnectionInfoRequest, DataResponse, InitRequest};
use crate::runtime;
use crate::security::{AuthToken, Security, TlsOptions};
use crate::tasks::Code;
use crate::value::Value;
use tonic::transport::Channel;

/// Python's default reconnect grace period.
pub const DEFAULT_RECONNECT_GRACE_PERIOD: Duration = Duration::from_secs(30);

/// The longest pause between attempts at getting the proxy to start this client's
/// server (the pauses grow by 250 ms per attempt up to this).
const SERVER_START_MAX_DELAY: Duration = Duration::from_secs(2);

/// How long `connect` keeps trying to reach the server by default.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// Everything `connect` can be told. Build with [`ConnectOptions::new`] and the setters.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    /// `ray://host:port`, `host:port` or `host`; `None` reads `RAY_ADDRESS`.
    pub address: Option<String>,
    /// The Ray namespace for this job (`ray.init(namespace=...)`); `None` reads
    /// `RAY_NAMESPACE`, as Python's client does.
    pub namespace: Option<String>,
    /// The job's runtime environment, a dict value (`env_vars`, `pip`, `working_dir`,
    /// `py_modules`, ...). Local `working_dir` / `py_modules` paths are zipped,
    /// content-hashed and uploaded to the cluster before the job starts, honouring
    /// `excludes`, `.gitignore` and `.rayignore`; URIs pass through. `None` reads
    /// `RAY_RUNTIME_ENV` (JSON), as Python's client does.
    pub runtime_env: Option<Value>,
    /// The job's metadata (Python's `JobConfig(metadata=...)`), shown with the job by the
    /// dashboard, `ray list jobs` and [`Dashboard::list_jobs`](crate::Dashboard::list_jobs).
    pub job_metadata: BTreeMap<String, String>,
    /// Whether the actors this client creates outlive it unless created otherwise
    /// (Python's `JobConfig(default_actor_lifetime="detached")`); default false.
    pub detached_actors: bool,
    /// The logging configuration of the job's tasks and actors (Python's
    /// `ray.init(logging_config=...)`): Ray 2.30 and later.
    pub logging_config: Option<LoggingConfig>,
    /// The level of the `ray` logger of this client's server (Python's
    /// `ray.init(logging_level=...)`, there): a level name or number; `None` leaves
    /// Ray's default (INFO).
    pub logging_level: Option<String>,
    /// Whether the cluster sends the job's task and actor output to this client
    /// (Python's `ray.init(log_to_driver=...)`, default true). False: the client's server
    /// does not collect it at all; [`LogHandler::Off`] instead drops it on arrival.
    pub log_to_driver: bool,
    /// How long to keep trying to reach the server.
    pub connect_timeout: Duration,
    /// How long the server keeps this client's state after the connection drops;
    /// `None` reads `RAY_CLIENT_RECONNECT_GRACE_PERIOD` (default 30 s). Zero disables
    /// reconnection.
    pub reconnect_grace_period: Option<Duration>,
    /// Connect even to a Ray release the support policy refuses (older than 2.9, or
    /// another major release; see [`Support`](crate::Support)); also set by the
    /// environment variable `RAY_IGNORE_VERSION_MISMATCH`. Newer 2.x releases connect
    /// without it, with a warning on the log handler.
    pub ignore_version_mismatch: bool,
    /// How often an HTTP/2 keepalive ping goes out, also while idle (default 30 s, as
    /// Python's client), so proxies that drop silent connections keep this one.
    pub keepalive_interval: Duration,
    /// How long an unanswered keepalive ping may take before the connection counts as
    /// broken (and reconnection starts); default 20 s.
    pub keepalive_timeout: Duration,
    /// Limits for decoding pickles from the server.
    pub decode_limits: Limits,
    /// Where task and actor output goes (default: this process's stderr).
    pub logs: LogHandler,
    /// TLS; unset fields read Ray's `RAY_USE_TLS`, `RAY_TLS_CA_CERT`,
    /// `RAY_TLS_SERVER_CERT` and `RAY_TLS_SERVER_KEY`.
    pub tls: TlsOptions,
    /// The token for a cluster with token authentication; `None` reads
    /// `RAY_AUTH_TOKEN`, `RAY_AUTH_TOKEN_PATH` or `~/.ray/auth_token` (Debug prints `***`).
    pub auth_token: Option<AuthToken>,
    /// Extra headers (gRPC metadata) sent with every call, as Python's `_metadata`:
    /// what an ingress or an authentication proxy in front of the client port needs.
    /// An `authorization` header stands in for the token (setting both is an error).
    pub headers: Headers,
    /// For testing the version policy against a real cluster: the Ray version the
    /// server is taken to report (the capabilities and the check follow it).
    #[doc(hidden)]
    pub __pretend_ray_version: Option<String>,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        ConnectOptions {
            address: None,
            namespace: None,
            runtime_env: None,
            job_metadata: BTreeMap::new(),
            detached_actors: false,
            logging_config: None,
            logging_level: None,
            log_to_driver: true,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            reconnect_grace_period: None,
            ignore_version_mismatch: false,
            keepalive_interval: DEFAULT_KEEPALIVE_INTERVAL,
            keepalive_timeout: DEFAULT_KEEPALIVE_TIMEOUT,
            decode_limits: Limits::default(),
            logs: LogHandler::default(),
            tls: TlsOptions::default(),
            auth_token: None,
            headers: Headers::new(),
            __pretend_ray_version: None,
        }
    }
}

impl ConnectOptions {
    /// Options for `address` (empty for `RAY_ADDRESS`).
    pub fn new(address: impl Into<String>) -> Self {
        let address = address.into();
        ConnectOptions {
            address: (!address.is_empty()).then_some(address),
            ..Default::default()
        }
    }

    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = Some(namespace.into());
        self
    }

    pub fn runtime_env(mut self, runtime_env: Value) -> Self {
        self.runtime_env = Some(runtime_env);
        self
    }

    /// How long connecting keeps trying (default 30 s); zero is refused by the connect.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    pub fn reconnect_grace_period(mut self, period: Duration) -> Self {
        self.reconnect_grace_period = Some(period);
        self
    }

    /// The keepalive ping interval and the time a ping may go unanswered.
    pub fn keepalive(mut self, interval: Duration, timeout: Duration) -> Self {
        self.keepalive_interval = interval;
        self.keepalive_timeout = timeout;
        self
    }

    /// Where task and actor output goes.
    pub fn logs(mut self, handler: LogHandler) -> Self {
        self.logs = handler;
        self
    }

    pub fn ignore_version_mismatch(mut self, ignore: bool) -> Self {
        self.ignore_version_mismatch = ignore;
        self
    }

    /// TLS on or off, whatever `RAY_USE_TLS` says.
    pub fn tls(mut self, enabled: bool) -> Self {
        self.tls.enabled = Some(enabled);
        self
    }

    /// The PEM file of the CA that signed the server's certificate.
    pub fn tls_ca_cert(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.tls.ca_cert = Some(path.into());
        self
    }

    /// This client's certificate chain and private key (PEM files).
    pub fn tls_client_cert(
        mut self,
        cert: impl Into<std::path::PathBuf>,
        key: impl Into<std::path::PathBuf>,
    ) -> Self {
        self.tls.client_cert = Some(cert.into());
        self.tls.client_key = Some(key.into());
        self
    }

    /// The name the server's certificate must carry, if not the address's host.
    pub fn tls_server_name(mut self, name: impl Into<String>) -> Self {
        self.tls.server_name = Some(name.into());
        self
    }

    /// The token for a cluster with token authentication (`RAY_AUTH_MODE=token`).
    pub fn auth_token(mut self, token: impl Into<String>) -> Self {
        self.auth_token = Some(AuthToken::new(token));
        self
    }

    /// Adds one entry to the job's metadata (see [`job_metadata`](Self::job_metadata)).
    pub fn job_metadata(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.job_metadata.insert(key.into(), value.into());
        self
    }

    /// Actors outlive this client by default (see [`detached_actors`](Self::detached_actors)).
    pub fn detached_actors(mut self, detached: bool) -> Self {
        self.detached_actors = detached;
        self
    }

    /// The logging configuration of the job's workers (see
    /// [`logging_config`](Self::logging_config)).
    pub fn logging_config(mut self, config: LoggingConfig) -> Self {
        self.logging_config = Some(config);
        self
    }

    /// The level of the server's `ray` logger (see [`logging_level`](Self::logging_level)).
    pub fn logging_level(mut self, level: impl Into<String>) -> Self {
        self.logging_level = Some(level.into());
        self
    }

    /// Whether task and actor output is sent here (see
    /// [`log_to_driver`](Self::log_to_driver)).
    pub fn log_to_driver(mut self, on: bool) -> Self {
        self.log_to_driver = on;
        self
    }

    /// Namespace and runtime_env from `RAY_NAMESPACE` and `RAY_RUNTIME_ENV` where not
    /// given, as Python's `ClientBuilder._fill_defaults_from_env`.
    fn with_env_defaults(mut self) -> Result<Self> {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        if self.namespace.is_none() {
            self.namespace = var("RAY_NAMESPACE");
        }
        if self.runtime_env.is_none() {
            if let Some(json) = var("RAY_RUNTIME_ENV") {
                let env = crate::json::from_json(&json).map_err(|e| {
                    Error::invalid(format!("RAY_RUNTIME_ENV is not a JSON runtime_env: {e}"))
                })?;
                self.runtime_env = Some(env);
            }
        }
        Ok(self)
    }

    /// Adds a header sent with every call (see [`headers`](Self::headers)).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push(name, value);
        self
    }

    fn grace_period(&self) -> Result<Duration> {
        if let Some(p) = self.reconnect_grace_period {
            return Ok(p);
        }
        match std::env::var("RAY_CLIENT_RECONNECT_GRACE_PERIOD") {
            Ok(s) if !s.trim().is_empty() => s
                .trim()
                .parse::<u64>()
                .map(Duration::from_secs)
                .map_err(|_| {
                    Error::invalid(format!(
                        "RAY_CLIENT_RECONNECT_GRACE_PERIOD={s:?} is not a whole number of seconds"
                    ))
                }),
            _ => Ok(DEFAULT_RECONNECT_GRACE_PERIOD),
        }
    }

    fn job_settings<'a>(&'a self, runtime_env: Option<&'a Value>) -> JobSettings<'a> {
        JobSettings {
            namespace: self.namespace.as_deref(),
            runtime_env,
            metadata: &self.job_metadata,
            detached_actors: self.detached_actors,
            logging_config: self.logging_config.as_ref(),
        }
    }
}

/// What the server said about itself when we connected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerInfo {
    pub ray_version: String,
    pub ray_commit: String,
    pub python_version: String,
    /// Clients connected to this server process (usually 1: the proxy gives each client
    /// its own).
    pub num_clients: i32,
}

/// A connection to a Ray cluster. Cheap to clone; clones share the connection, and it
/// is closed (with `connection_cleanup`, so the server frees this client's objects at
/// once) by [`Client::disconnect`] or when the last clone is dropped. Safe to use from
/// many threads at once.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<ClientInner>,
}

pub(crate) struct ClientInner {
    pub(crate) conn: Connection,
    /// The connection's client id, shared by every ref of this client.
    client_id: Arc<str>,
    logs: Option<LogStream>,
    pub(crate) datapath: Datapath,
    pub(crate) server: ServerInfo,
    /// What the server's Ray release does, where releases differ.
    pub(crate) capabilities: Capabilities,
    pub(crate) namespace: Option<String>,
    pub(crate) limits: Limits,
    /// One live `RefInner` per object id, so the server's reference is released exactly
    /// when the last handle to it goes, however many times the id came back.
    refs: Mutex<HashMap<Bytes, Weak<RefInner>>>,
    /// Functions and classes already put: Python caches a remote function's payload too.
    /// Code refs by code and declared options (see `Client::payload`).
    pub(crate) payloads: Mutex<HashMap<(Code, Option<String>), ObjectRef>>,
    /// Per function (payload id) or actor method (actor id, method name): the size its
    /// returns had when last fetched (see [`SizeHint`]).
    return_sizes: Mutex<HashMap<(Bytes, String), Arc<ReturnSizes>>>,
    /// Gets so far as asynchronous gets on the Datapath and as `GetObject` calls (for
    /// tests: which path a get took).
    pub(crate) datapath_gets: AtomicU64,
    pub(crate) call_gets: AtomicU64,
    closed: AtomicBool,
    /// The actor that runs this client's item streams, once the first is opened.
    pub(crate) stream_pump: Mutex<Option<crate::ActorHandle>>,
    /// The last item stream id given out.
    stream_ids: AtomicI64,
}

impl ClientInner {
    /// A new item stream id, unique within this client.
    pub(crate) fn next_stream_id(&self) -> i64 {
        self.stream_ids.fetch_add(1, Ordering::Relaxed) + 1
    }
}

/// A connect timeout must leave time to connect: zero would fail every connect with a
/// timeout that says nothing about the cluster.
pub(crate) fn check_connect_timeout(timeout: Duration) -> Result<()> {
    match timeout.is_zero() {
        true => Err(Error::invalid(
            "the connect timeout must be greater than zero (the default is 30 s)",
        )),
        false => Ok(()),
    }
}

impl Client {
    /// Connects to `address` (`ray://host:port`; empty for `RAY_ADDRESS`) with defaults.
    pub fn connect(address: &str) -> Result<Client> {
        Client::connect_with(ConnectOptions::new(address))
    }

    /// Connects with explicit options; blocks until the server is ready.
    pub fn connect_with(options: ConnectOptions) -> Result<Client> {
        runtime::block_on(Client::connect_on_runtime(options))
    }

    /// Asynchronous [`connect_with`](Self::connect_with); the future can be awaited on
    /// any executor.
    pub async fn connect_async(options: ConnectOptions) -> Result<Client> {
        runtime::join(runtime::spawn(Client::connect_on_runtime(options))).await
    }

    async fn connect_on_runtime(options: ConnectOptions) -> Result<Client> {
        check_connect_timeout(options.connect_timeout)?;
        let options = options.with_env_defaults()?;
        // Ray's proxy sometimes fails to fork the per-client server when several clients
        // connect at once (a gRPC fork race in the proxy), more often on a loaded
        // machine; the same race has been seen to kill the proxy itself while a stream
        // was being set up (the stream breaks, and the port refuses until the proxy is
        // back). Either happens before the session exists (Python's client reconnects
        // its data stream in that case too), so trying again with a fresh id is safe;
        // it is tried until the connect timeout, which bounds every attempt together.
        let start = std::time::Instant::now();
        let mut attempt = 1u32;
        let mut this_try = options.clone();
        loop {
            match Client::connect_once(&this_try).await {
                Err(e) if setup_may_be_retried(&e) => {
                    // Let the other connects the proxy is serving get out of the way.
                    let pause = (Duration::from_millis(250) * attempt).min(SERVER_START_MAX_DELAY);
                    let elapsed = start.elapsed();
                    if elapsed + pause >= options.connect_timeout {
                        return Err(e);
                    }
                    diag!(
                        INFO,
                        "connect",
                        "the cluster's proxy did not start this client's server ({e}); trying \
                         again in {} ms (attempt {})",
                        pause.as_millis(),
                        attempt + 1
                    );
                    tokio::time::sleep(pause).await;
                    this_try.connect_timeout = options.connect_timeout - elapsed - pause;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    async fn connect_once(options: &ConnectOptions) -> Result<Client> {
        let address = Address::resolve(options.address.as_deref())?;
        let grace = options.grace_period()?;
        let client_id = new_client_id();
        let settings = ConnectionSettings {
            connect_timeout: options.connect_timeout,
            grace_period: grace,
            keepalive_interval: options.keepalive_interval,
            keepalive_timeout: options.keepalive_timeout,
            security: Security::resolve(
                &options.tls,
                options.auth_token.as_ref(),
                options.headers.has_authorization(),
            )?,
            headers: options.headers.to_metadata()?,
        };
        diag!(
            DEBUG,
            "connect",
            "connecting to {address} as client {client_id} (TLS {}, token: {}, {} header(s), \
             reconnect grace period {} s)",
            if settings.security.tls.is_some() {
                "on"
            } else {
                "off"
            },
            settings.security.token_source.as_deref().unwrap_or("none"),
            options.headers.iter().count(),
            grace.as_secs()
        );
        let conn = Connection::open(address.clone(), client_id, &settings).await?;
        // Local working_dir / py_modules are uploaded before init, as Python does.
        let runtime_env = match &options.runtime_env {
            Some(env) => Some(crate::runtime_env::prepare(&conn, env).await?),
            None => None,
        };
        let logging_level = options
            .logging_level
            .as_deref()
            .map(job_config::check_logging_level)
            .transpose()?;
        if let Some(logging) = &options.logging_config {
            logging.check()?;
        }
        let job_config = job_config::pickled(&options.job_settings(runtime_env.as_ref()))?;
        let ray_init_kwargs =
            job_config::ray_init_kwargs(logging_level.as_deref(), options.log_to_driver);
        let datapath = Datapath::open(&conn);
        let setup = async {
            let init = datapath
                .send(data_request::Type::Init(InitRequest {
                    job_config,
                    ray_init_kwargs,
                    reconnect_grace_period: i32::try_from(grace.as_secs()).unwrap_or(i32::MAX),
                }))
                .await?;
            init_reply(init, &address).map_err(|e| match &options.logging_config {
                // The proxy unpickles the job config, before a server exists to report its
                // release: a release without what the config asks for refuses it there.
                Some(logging) => logging.explain_refusal(e),
                None => e,
            })?;
            let info = datapath
                .send(data_request::Type::ConnectionInfo(ConnectionInfoRequest {}))
                .await?;
            server_info(info)
        };
        let server = match setup.await {
            Ok(s) => s,
            Err(e) => {
                datapath.close().await;
                return Err(e.context(format!("connecting to {address}")));
            }
        };
        let ignore = options.ignore_version_mismatch
            || std::env::var("RAY_IGNORE_VERSION_MISMATCH")
                .is_ok_and(|v| !v.is_empty() && v != "0");
        let reported = options
            .__pretend_ray_version
            .as_deref()
            .unwrap_or(&server.ray_version);
        let capabilities = Capabilities::for_version(reported);
        let checked = capabilities
            .check_support(&address, ignore, &options.logs)
            .and_then(|()| capabilities.check_token_auth(token_demanded(options)));
        if let Err(e) = checked {
            datapath.close().await;
            return Err(e);
        }
        if !capabilities.replays_chunked_requests && !grace.is_zero() {
            // Leaves room for the request's other fields under gRPC's message limit.
            datapath.send_whole_up_to(crate::connection::MAX_MESSAGE_SIZE - (1 << 20));
        }
        let logs = LogStream::start(&conn, options.logs.clone());
        diag!(
            DEBUG,
            "connect",
            "connected to {address} as client {}: Ray {} on Python {}",
            conn.client_id(),
            server.ray_version,
            server.python_version
        );
        Ok(Client {
            inner: Arc::new(ClientInner {
                client_id: Arc::from(conn.client_id()),
                logs,
                conn,
                datapath,
                server,
                capabilities,
                namespace: options.namespace.clone(),
                limits: options.decode_limits.clone(),
                refs: Mutex::new(HashMap::new()),
                payloads: Mutex::new(HashMap::new()),
                return_sizes: Mutex::new(HashMap::new()),
                datapath_gets: AtomicU64::new(0),
                call_gets: AtomicU64::new(0),
                closed: AtomicBool::new(false),
                stream_pump: Mutex::new(None),
                stream_ids: AtomicI64::new(0),
            }),
        })
    }

    /// The server's Ray and Python versions.
    pub fn server_info(&self) -> &ServerInfo {
        &self.inner.server
    }

    /// What the server's Ray release supports and how it behaves where releases
    /// differ, and where it stands in the support policy.
    pub fn capabilities(&self) -> &Capabilities {
        &self.inner.capabilities
    }

    /// This connection's client id (32 hex characters).
    pub fn client_id(&self) -> &str {
        self.inner.conn.client_id()
    }

    /// Test hook: the replies of the next `n` unary calls (KV, cluster information,
    /// wait, ...) are dropped after the server answered, as when the connection breaks
    /// in between; each such call is then retried the way a real break retries it.
    #[doc(hidden)]
    #[cfg(feature = "test-hooks")]
    pub fn __lose_next_replies(&self, n: u32) {
        self.inner.conn.lose_next_replies(n);
    }

    /// Benchmark hook: the cheapest Datapath round trip there is (a `connection_info`
    /// request, what Python's `worker.connection_info()` sends), to measure what the
    /// proxy and the server cost per request apart from any work.
    #[doc(hidden)]
    #[cfg(feature = "test-hooks")]
    pub fn __datapath_round_trip(&self) -> Result<ServerInfo> {
        let reply = self
            .inner
            .datapath
            .send(data_request::Type::ConnectionInfo(ConnectionInfoRequest {}));
        runtime::block_on(async move { server_info(reply.await?) })
    }

    /// The cluster address this client is connected to.
    pub fn address(&self) -> &Address {
        self.inner.conn.address()
    }

    /// The namespace given at connect, if any.
    pub fn namespace(&self) -> Option<&str> {
        self.inner.namespace.as_deref()
    }

    /// Sends `connection_cleanup` and ends the streams. The server then releases every
    /// object and actor this client holds. Idempotent; later calls on this client (and
    /// its refs) fail with [`ErrorKind::ConnectionLost`].
    pub fn disconnect(&self) {
        self.inner.close_blocking();
    }

    /// True until [`disconnect`](Self::disconnect) or until the connection is lost for
    /// good (also true while reconnecting).
    pub fn is_connected(&self) -> bool {
        !self.inner.closed.load(Ordering::Acquire)
            && !matches!(self.inner.conn.state(), ConnectionState::Lost(_))
    }

    /// Whether the connection is up, being re-established, or lost.
    pub fn connection_state(&self) -> ConnectionState {
        if self.inner.closed.load(Ordering::Acquire) {
            return ConnectionState::Lost(self.disconnected_error());
        }
        self.inner.conn.state()
    }

    pub(crate) fn check_open(&self) -> Result<()> {
        if self.inner.closed.load(Ordering::Acquire) {
            return Err(self.disconnected_error());
        }
        self.inner.conn.check_link()
    }

    fn disconnected_error(&self) -> Error {
        Error::new(
            ErrorKind::ConnectionLost,
            format!("the client for {} was disconnected", self.address()),
        )
    }

    /// Runs one unary `RayletDriver` call on the runtime thread and waits for it,
    /// retrying it while the connection is re-established (see
    /// [`Connection::unary`]). `call` names the operation in errors; `idempotency` asks
    /// for the metadata that makes the server apply a retried mutation once.
    pub(crate) fn driver_call<T, F, Fut>(
        &self,
        call: &'static str,
        idempotency: bool,
        f: F,
    ) -> Result<T>
    where
        F: Fn(RayletDriverClient<Channel>, CallMetadata) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = std::result::Result<tonic::Response<T>, tonic::Status>>
            + Send,
        T: Send + 'static,
    {
        self.check_open()?;
        let conn = self.inner.conn.clone();
        runtime::block_on(async move { conn.unary(call, idempotency, f).await })
    }

    /// Decodes a pickle from the server; persistent ids become this client's refs.
    pub(crate) fn decode(&self, data: &Bytes) -> Result<Value> {
        let mut load = |pid: Value| self.inner.load_persistent(&self.inner, pid);
        pickle::decode(data, &self.inner.limits, &mut load)
    }
}

impl ClientInner {
    fn load_persistent(&self, this: &Arc<ClientInner>, pid: Value) -> Result<Value> {
        let (kind, id) = persistent_ref(&pid)?;
        let handle = self.ref_for_id(this, id, SizeHint::Unknown);
        Ok(match kind {
            RefKind::Object => Value::ObjectRef(handle),
            RefKind::Actor => Value::ActorHandle(crate::actors::ActorHandle { handle }),
        })
    }

    /// The live ref for `id`, or a new one (registered, with `size`) if none is alive.
    pub(crate) fn ref_for_id(
        &self,
        this: &Arc<ClientInner>,
        id: Bytes,
        size: SizeHint,
    ) -> ObjectRef {
        let mut refs = self.refs.lock().unwrap();
        if let Some(r) = refs.get(&id).and_then(Weak::upgrade) {
            return ObjectRef::from_inner(r);
        }
        let r = ObjectRef::resolved(this, id.clone(), size);
        refs.insert(id, r.downgrade());
        r
    }

    /// What gets showed of the returns of `name` (a function or method) of `payload_id`
    /// (the function's or the actor's id).
    pub(crate) fn return_sizes(&self, payload_id: &Bytes, name: &str) -> Arc<ReturnSizes> {
        /// Only a hint: forgotten wholesale rather than grow without end with the actors
        /// a long-lived client makes.
        const MAX_KEPT: usize = 10_000;
        let mut sizes = self.return_sizes.lock().unwrap();
        if sizes.len() >= MAX_KEPT {
            sizes.clear();
        }
        sizes
            .entry((payload_id.clone(), name.to_owned()))
            .or_default()
            .clone()
    }

    /// Records a ref whose id just became known (a task's return).
    pub(crate) fn register(&self, id: Bytes, r: Weak<RefInner>) {
        if r.strong_count() == 0 {
            return; // Already dropped; its drop releases the id itself.
        }
        self.refs.lock().unwrap().insert(id, r);
    }
}

impl RefOwner for ClientInner {
    fn client_id(&self) -> &Arc<str> {
        &self.client_id
    }

    /// Releases `id` on the server unless another live handle took over the id in the
    /// meantime.
    fn release(&self, id: Bytes, dropped: *const RefInner) {
        if self.closed.load(Ordering::Acquire) {
            return;
        }
        let mut refs = self.refs.lock().unwrap();
        if let Some(w) = refs.get(&id) {
            if w.strong_count() > 0 && w.as_ptr() != dropped {
                return;
            }
            refs.remove(&id);
        }
        // Sent while holding the lock, so a concurrent re-registration is ordered after it.
        self.datapath.release(id);
    }
}

impl ClientInner {
    fn close_blocking(&self) {
        if self.closed.swap(true, Ordering::AcqRel) {
            return;
        }
        if let Some(logs) = &self.logs {
            logs.stop();
        }
        if runtime::on_runtime_thread() {
            self.datapath.close_in_background();
        } else {
            let datapath = self.datapath.clone();
            runtime::block_on(async move {
                datapath.close().await;
                Ok(())
            })
            .ok();
        }
    }
}

impl Drop for ClientInner {
    fn drop(&mut self) {
        self.close_blocking();
    }
}

/// What a persistent id in a server pickle stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RefKind {
    Object,
    Actor,
}

/// Reads a persistent id of a server pickle: the kind of handle and its id. Kept apart
/// from making the handle, so replies can be checked without a client.
pub(crate) fn persistent_ref(pid: &Value) -> Result<(RefKind, Bytes)> {
    let stub = PickleStub::from_pid(pid)
        .ok_or_else(|| Error::pickle("unrecognised persistent id in a server pickle"))?;
    match stub.kind.as_str() {
        "Object" => Ok((RefKind::Object, stub.ref_id)),
        "Actor" => Ok((RefKind::Actor, stub.ref_id)),
        other => Err(Error::pickle(format!(
            "server pickle holds a {other:?} handle, which this client does not support yet"
        ))),
    }
}

/// Checks the server's reply to init.
pub(crate) fn init_reply(reply: DataResponse, address: &impl std::fmt::Display) -> Result<()> {
    match reply.r#type {
        Some(data_response::Type::Init(r)) if r.ok => Ok(()),
        Some(data_response::Type::Init(r)) => Err(Error::new(
            ErrorKind::InitFailed,
            format!("the server at {address} refused the connection: {}", r.msg),
        )),
        _ => Err(Error::protocol("init got an unexpected reply")),
    }
}

/// The server's description of itself from a connection_info reply.
pub(crate) fn server_info(reply: DataResponse) -> Result<ServerInfo> {
    match reply.r#type {
        Some(data_response::Type::ConnectionInfo(i)) => Ok(ServerInfo {
            ray_version: i.ray_version,
            ray_commit: i.ray_commit,
            python_version: i.python_version,
            num_clients: i.num_clients,
        }),
        _ => Err(Error::protocol("connection_info got an unexpected reply")),
    }
}

/// The proxy's ways of saying the per-client server process did not come up (seen with
/// Ray 2.60: a crash right after fork, reported directly, or as the zombie (or vanished)
/// process the proxy's startup check then trips over). Not the other failures of the
/// same step, which a retry would only repeat: a runtime env the cluster cannot create,
/// a refused token.
/// A failure of `connect` before the session existed that another attempt may not meet.
fn setup_may_be_retried(e: &Error) -> bool {
    match e.kind() {
        ErrorKind::InitFailed => {
            proxy_failed_to_start_server(e.message())
                // The per-client server ran `ray.init` twice for our one init (seen once
                // with Ray 2.20 on a loaded machine: two "Connecting to existing Ray
                // cluster" 3 ms apart in its log, one data connection in the proxy's):
                // that server is unusable, a new client id gets a new one.
                || e.message().contains("Perhaps you called ray.init twice by accident?")
        }
        // The stream broke after the server was reached (not a refused or unreachable
        // address, which `Connection::open` already waited out: ConnectionFailed).
        ErrorKind::ConnectionLost => true,
        _ => false,
    }
}

pub(crate) fn proxy_failed_to_start_server(message: &str) -> bool {
    message.contains("Starting Ray client server failed")
        || message.contains("psutil.ZombieProcess")
        || message.contains("psutil.NoSuchProcess")
        // The server process started but did not answer the proxy in time (seen on a
        // heavily loaded machine); nothing was set up for this client id either.
        || message.contains("Proxy failed to Connect to backend")
}

fn new_client_id() -> String {
    let bytes: [u8; 16] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether the caller asked for token authentication (rather than a token merely lying
/// in `RAY_AUTH_TOKEN` or `~/.ray/auth_token`): a release without it is then refused.
fn token_demanded(options: &ConnectOptions) -> bool {
    options
        .auth_token
        .as_ref()
        .is_some_and(|t| !t.expose().is_empty())
        || std::env::var("RAY_AUTH_MODE").is_ok_and(|m| m.trim().eq_ignore_ascii_case("token"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_server_process_that_did_not_come_up_is_retried() {
        // Texts of init refusals seen from Ray 2.60's proxy (abridged).
        let zombie = "the server at ray://127.0.0.1:1 refused the connection: Traceback (most \
            recent call last):\n  File \"proxier.py\", line 765, in Datapath\n  File \
            \"proxier.py\", line 396, in start_specific_server\n    cmd = \
            psutil_proc.cmdline()\npsutil.ZombieProcess: PID still exists but it's a zombie";
        let failed = "RuntimeError: Starting Ray client server failed. See \
            ray_client_server_23001.err for detailed logs.";
        let backend = "RuntimeError: Proxy failed to Connect to backend! Check ...";
        for retried in [zombie, failed, backend] {
            assert!(proxy_failed_to_start_server(retried), "{retried}");
        }
        let runtime_env = "Traceback (most recent call last):\n  File \"proxier.py\", line \
            365, in start_specific_server\n    serialized_runtime_env_context = \
            self._create_runtime_env(\nRuntimeError: Failed to create runtime_env for Ray \
            client server, it is caused by:\nNo matching distribution found";
        let auth = "File \"proxier.py\", in start_specific_server\n\
            ray.exceptions.AuthenticationError: the token was refused";
        for final_answer in [runtime_env, auth] {
            assert!(
                !proxy_failed_to_start_server(final_answer),
                "{final_answer}"
            );
        }
    }

    #[test]
    fn a_server_that_ran_init_twice_is_left_for_a_new_one() {
        // Ray 2.20's answer, as the client reports it.
        let twice = "the server at ray://127.0.0.1:1 refused the connection: Call to \
            `ray.init()` on the server failed with: Perhaps you called ray.init twice by \
            accident?";
        assert!(setup_may_be_retried(&Error::new(
            ErrorKind::InitFailed,
            twice
        )));
        let other = "the server at ray://127.0.0.1:1 refused the connection: Call to \
            `ray.init()` on the server failed with: bad namespace";
        assert!(!setup_may_be_retried(&Error::new(
            ErrorKind::InitFailed,
            other
        )));
    }

    #[test]
    fn client_ids_are_32_hex() {
        let id = new_client_id();
        assert_eq!(id.len(), 32);
        assert!(id.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(id, new_client_id());
    }
}
