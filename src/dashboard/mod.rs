//! The cluster's dashboard: the HTTP APIs beside the client port, for Ray Jobs
//! ([`jobs`]: submit, status, logs, stop, delete, list, with a local
//! `working_dir` uploaded as Python's `JobSubmissionClient` does) and the cluster's state
//! ([`state`]: what Python's `ray.util.state` lists).
//!
//! A [`Dashboard`] is the address, headers and TLS settings of one dashboard, checked once
//! by asking it for its Ray version (Python's client does the same). It is cheap to clone
//! and safe to share between threads; every call blocks the calling thread while the
//! request runs on the library's I/O thread, so none may be made from a log or other
//! callback of this library.
//!
//! Addresses as Python's job SDK takes them: `http://host:8265`, `https://host:8265`,
//! `host:8265` (HTTP), or a Ray Client address `ray://host:10001`, which connects through
//! the client port to ask the cluster where its dashboard is. With no address,
//! `RAY_API_SERVER_ADDRESS`, then `RAY_ADDRESS`, then `http://localhost:8265`. (Python
//! lets those variables override an explicit address too; here an address given in the
//! code wins, as it does for [`Client`](crate::Client).)

pub mod jobs;
mod log_tail;
mod packages;
pub mod state;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};
use serde_json::Value as Json;

use crate::error::{Error, ErrorKind, Result};
use crate::runtime;
use crate::security::{resolve_dashboard_token, AuthToken};

pub use jobs::{JobDetails, JobStatus, JobSubmission, UploadProgress};
pub use log_tail::LogTail;

/// Python's `DEFAULT_DASHBOARD_ADDRESS`.
pub const DEFAULT_DASHBOARD_ADDRESS: &str = "http://localhost:8265";

/// How long one request may take unless [`DashboardOptions::timeout`] says otherwise
/// (package uploads and following a log are not limited).
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// How a [`Dashboard`] is reached. `Default` is: the address from the environment, no
/// extra headers, the token from Ray's variables and files when the cluster uses
/// token authentication, the system's certificate roots.
#[derive(Debug, Clone)]
pub struct DashboardOptions {
    /// See the [module](self) for the forms; `None` reads the environment.
    pub address: Option<String>,
    /// Extra headers sent with every request (an ingress's or proxy's auth, cookies).
    pub headers: Vec<(String, String)>,
    /// Metadata added to every job this dashboard submits (over a job's own keys, as
    /// Python merges them).
    pub metadata: BTreeMap<String, String>,
    /// The cluster's token (`RAY_AUTH_MODE=token`); `None` reads `RAY_AUTH_TOKEN`,
    /// `RAY_AUTH_TOKEN_PATH` or `~/.ray/auth_token` when `RAY_AUTH_MODE=token`, as
    /// Python does.
    pub auth_token: Option<AuthToken>,
    /// PEM file of the CA that signed an `https` dashboard's certificate (Python's
    /// `verify="path"`); the system's roots when `None`.
    pub ca_cert: Option<PathBuf>,
    /// Accept any certificate (Python's `verify=False`). For tests and tunnels only.
    pub insecure: bool,
    /// The longest one request may take (default [`DEFAULT_REQUEST_TIMEOUT`]).
    pub timeout: Duration,
}

impl Default for DashboardOptions {
    fn default() -> Self {
        DashboardOptions {
            address: None,
            headers: Vec::new(),
            metadata: BTreeMap::new(),
            auth_token: None,
            ca_cert: None,
            insecure: false,
            timeout: DEFAULT_REQUEST_TIMEOUT,
        }
    }
}

impl DashboardOptions {
    /// Options for `address` (see the [module](self) for the forms).
    pub fn new(address: impl Into<String>) -> Self {
        DashboardOptions {
            address: Some(address.into()),
            ..Default::default()
        }
    }

    /// Adds a header sent with every request.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// The cluster's authentication token.
    pub fn auth_token(mut self, token: AuthToken) -> Self {
        self.auth_token = Some(token);
        self
    }

    /// The CA certificate (PEM file) of an `https` dashboard.
    pub fn ca_cert(mut self, path: impl Into<PathBuf>) -> Self {
        self.ca_cert = Some(path.into());
        self
    }

    /// The longest one request may take.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

/// One cluster's dashboard. Cheap to clone; `Send + Sync`.
#[derive(Clone)]
pub struct Dashboard {
    inner: Arc<Inner>,
}

struct Inner {
    /// `http(s)://host:port`, without a trailing slash.
    url: String,
    http: reqwest::Client,
    headers: HeaderMap,
    /// The TLS settings of the log websocket (reqwest's are its own).
    tls: Option<Arc<rustls::ClientConfig>>,
    metadata: BTreeMap<String, String>,
    ray_version: String,
    timeout: Duration,
}

impl std::fmt::Debug for Dashboard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dashboard")
            .field("url", &self.inner.url)
            .field("ray_version", &self.inner.ray_version)
            .finish_non_exhaustive()
    }
}

impl Dashboard {
    /// Connects to the dashboard at `address` with default options.
    pub fn connect(address: &str) -> Result<Dashboard> {
        Dashboard::connect_with(DashboardOptions::new(address))
    }

    /// Connects with `options`: resolves the address, then asks the dashboard for its
    /// Ray version, which fails early when nothing answers there.
    pub fn connect_with(options: DashboardOptions) -> Result<Dashboard> {
        if options.timeout.is_zero() {
            return Err(Error::invalid(
                "the dashboard request timeout must be greater than zero (the default is 60 s)",
            ));
        }
        let url = resolve_url(&options)?;
        let (http, tls) = http_client(&url, &options)?;
        let headers = headers(&options)?;
        let mut inner = Inner {
            url,
            http,
            headers,
            tls,
            metadata: options.metadata.clone(),
            ray_version: String::new(),
            timeout: options.timeout,
        };
        inner.ray_version = version_of(&inner)?;
        Ok(Dashboard {
            inner: Arc::new(inner),
        })
    }

    /// The dashboard's base URL, e.g. `http://10.0.0.1:8265`.
    pub fn url(&self) -> &str {
        &self.inner.url
    }

    /// The Ray release the cluster runs, as its dashboard reported it.
    pub fn ray_version(&self) -> &str {
        &self.inner.ray_version
    }

    /// A JSON request; the reply's body when the status is 200.
    fn json(&self, method: Method, path: &str, body: Option<&Json>) -> Result<Json> {
        let body = body.map(|b| Bytes::from(b.to_string()));
        let reply = self
            .inner
            .call(method, path, &[], body, Some(self.inner.timeout))?;
        parse_json(&self.inner.url, path, &reply)
    }
}

impl Inner {
    /// One request, blocking; the body of a 200 reply, else the error its status means.
    fn call(
        &self,
        method: Method,
        path: &str,
        query: &[(String, String)],
        body: Option<Bytes>,
        timeout: Option<Duration>,
    ) -> Result<Bytes> {
        let body = body.map(|b| (reqwest::Body::from(b), "application/json"));
        let (status, reply) = self.send(method, path, query, body, timeout)?;
        check_status(status, &reply, &self.url, path)?;
        Ok(reply)
    }

    /// One request, blocking: its status and body. `query` is the query string's
    /// pairs (encoded here), `body` the body and its content type.
    fn send(
        &self,
        method: Method,
        path: &str,
        query: &[(String, String)],
        body: Option<(reqwest::Body, &'static str)>,
        timeout: Option<Duration>,
    ) -> Result<(StatusCode, Bytes)> {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.url))
            .headers(self.headers.clone());
        if !query.is_empty() {
            req = req.query(query);
        }
        if let Some(t) = timeout {
            req = req.timeout(t);
        }
        if let Some((body, content_type)) = body {
            req = req.header("content-type", content_type).body(body);
        }
        let url = self.url.clone();
        runtime::block_on(async move {
            let reply = req.send().await.map_err(|e| request_error(&url, &e))?;
            let status = reply.status();
            let body = reply.bytes().await.map_err(|e| request_error(&url, &e))?;
            Ok((status, body))
        })
    }
}

/// The base URL the options name.
fn resolve_url(options: &DashboardOptions) -> Result<String> {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
    let address = options
        .address
        .clone()
        .filter(|a| !a.trim().is_empty())
        .or_else(|| env("RAY_API_SERVER_ADDRESS"))
        .or_else(|| env("RAY_ADDRESS"))
        .unwrap_or_else(|| DEFAULT_DASHBOARD_ADDRESS.to_owned());
    let address = address.trim();
    // Trailing slashes go from what follows the scheme only: "http://" is no address,
    // not "http:" (a host named http).
    let (scheme, rest) = match address.split_once("://") {
        Some((scheme, rest)) => (scheme.to_ascii_lowercase(), rest.trim_end_matches('/')),
        None => ("http".to_owned(), address.trim_end_matches('/')),
    };
    if rest.is_empty() {
        return Err(Error::invalid(format!(
            "the dashboard address {address:?} names no host; use http://host:8265"
        )));
    }
    match scheme.as_str() {
        "http" | "https" => {}
        "ray" => return dashboard_of_client_address(address, options),
        other => {
            return Err(Error::invalid(format!(
                "the dashboard address {address:?} has the scheme {other:?}; use \
                 http://host:8265, https://host:8265, host:8265 or a Ray Client address \
                 ray://host:10001"
            )))
        }
    }
    let url = format!("{scheme}://{rest}");
    match reqwest::Url::parse(&url) {
        Ok(u) if u.host_str().is_some_and(|h| !h.is_empty()) => Ok(url),
        _ => Err(Error::invalid(format!(
            "the dashboard address {address:?} is not a valid http(s) address"
        ))),
    }
}

/// What Python's `ray_client_address_to_api_server_url` does: connect through the
/// client port and ask for the dashboard's URL (always plain HTTP, as there).
fn dashboard_of_client_address(address: &str, options: &DashboardOptions) -> Result<String> {
    let mut connect = crate::ConnectOptions::new(address);
    connect.auth_token = options.auth_token.clone();
    let client = crate::Client::connect_with(connect)
        .map_err(|e| e.context(format!("finding the dashboard of {address}")))?;
    let url = client.dashboard_url();
    client.disconnect();
    let url = url?;
    if url.is_empty() {
        return Err(Error::new(
            ErrorKind::ConnectionFailed,
            format!("the cluster at {address} runs no dashboard (started with --include-dashboard=false?)"),
        ));
    }
    Ok(match url.contains("://") {
        true => url.trim_end_matches('/').to_owned(),
        false => format!("http://{}", url.trim_end_matches('/')),
    })
}

fn http_client(
    url: &str,
    options: &DashboardOptions,
) -> Result<(reqwest::Client, Option<Arc<rustls::ClientConfig>>)> {
    let mut builder = reqwest::Client::builder()
        .connect_timeout(options.timeout.min(Duration::from_secs(30)))
        .use_rustls_tls();
    let https = url.starts_with("https://");
    let mut roots = rustls::RootCertStore::empty();
    if let Some(path) = &options.ca_cert {
        let pem = std::fs::read(path).map_err(|e| {
            Error::invalid(format!(
                "reading the dashboard's CA certificate {}: {e}",
                path.display()
            ))
        })?;
        let cert = reqwest::Certificate::from_pem(&pem).map_err(|e| {
            Error::invalid(format!(
                "the dashboard's CA certificate {} is not PEM: {e}",
                path.display()
            ))
        })?;
        builder = builder
            .tls_built_in_root_certs(false)
            .add_root_certificate(cert);
        for cert in rustls_pemfile_certs(&pem) {
            roots.add(cert).map_err(|e| {
                Error::invalid(format!(
                    "the dashboard's CA certificate {}: {e}",
                    path.display()
                ))
            })?;
        }
    }
    if options.insecure {
        builder = builder.danger_accept_invalid_certs(true);
    }
    let http = builder
        .build()
        .map_err(|e| Error::internal(format!("building the HTTP client: {e}")))?;
    let tls = match https {
        true => Some(log_tail::websocket_tls(
            roots,
            options.ca_cert.is_some(),
            options.insecure,
        )),
        false => None,
    };
    Ok((http, tls))
}

/// The certificates of a PEM file (what reqwest accepted, for the websocket's rustls).
fn rustls_pemfile_certs(pem: &[u8]) -> Vec<rustls::pki_types::CertificateDer<'static>> {
    use rustls::pki_types::pem::PemObject;
    rustls::pki_types::CertificateDer::pem_slice_iter(pem)
        .filter_map(|c| c.ok())
        .collect()
}

fn headers(options: &DashboardOptions) -> Result<HeaderMap> {
    let mut map = HeaderMap::new();
    for (name, value) in &options.headers {
        let n = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| Error::invalid(format!("{name:?} is not a valid HTTP header name")))?;
        let v = HeaderValue::from_str(value).map_err(|_| {
            Error::invalid(format!(
                "the value of the header {name:?} is not valid in HTTP"
            ))
        })?;
        map.append(n, v);
    }
    let has_auth = map.contains_key("authorization") || map.contains_key("x-ray-authorization");
    if !has_auth {
        if let Some(token) = resolve_dashboard_token(options.auth_token.as_ref())? {
            let mut v = HeaderValue::from_str(&format!("Bearer {}", token.expose()))
                .map_err(|_| Error::invalid("the auth token is not valid in an HTTP header"))?;
            v.set_sensitive(true);
            map.insert("authorization", v);
        }
    }
    Ok(map)
}

/// GET /api/version: the cluster's Ray release.
fn version_of(inner: &Inner) -> Result<String> {
    let path = "/api/version";
    let (status, body) = inner.send(Method::GET, path, &[], None, Some(inner.timeout))?;
    if status == StatusCode::NOT_FOUND {
        return Err(Error::new(
            ErrorKind::VersionMismatch,
            format!(
                "{} answered 404 for /api/version: it is not a Ray dashboard, or its Ray is \
                 older than 1.9 (the Jobs API needs Ray 2.0 or newer)",
                inner.url
            ),
        ));
    }
    check_status(status, &body, &inner.url, path)?;
    let json = parse_json(&inner.url, path, &body)?;
    json.get("ray_version")
        .and_then(Json::as_str)
        .map(str::to_owned)
        .ok_or_else(|| {
            Error::protocol(format!(
                "{}{path} answered without a ray_version: {}",
                inner.url,
                String::from_utf8_lossy(&body)
            ))
        })
}

fn parse_json(url: &str, path: &str, body: &[u8]) -> Result<Json> {
    serde_json::from_slice(body).map_err(|e| {
        Error::protocol(format!(
            "{url}{path} answered with something that is not JSON ({e}): {}",
            truncate(&String::from_utf8_lossy(body), 500)
        ))
    })
}

/// The error a non-200 status means, with the body the dashboard sent (Python's
/// messages: "Authentication required: ...", "Request failed with status code ...").
fn check_status(status: StatusCode, body: &[u8], url: &str, path: &str) -> Result<()> {
    if status == StatusCode::OK {
        return Ok(());
    }
    let text = truncate(String::from_utf8_lossy(body).trim(), 2000);
    let (kind, message) = match status {
        StatusCode::UNAUTHORIZED => (
            ErrorKind::AuthenticationFailed,
            format!(
                "Authentication required: {text} (the cluster uses token authentication: \
                 set RAY_AUTH_TOKEN, RAY_AUTH_TOKEN_PATH or ~/.ray/auth_token, or pass the \
                 token)"
            ),
        ),
        StatusCode::FORBIDDEN => (
            ErrorKind::AuthenticationFailed,
            format!("Authentication failed: {text} (the token is not the cluster's)"),
        ),
        StatusCode::NOT_FOUND => (ErrorKind::NotFound, text.clone()),
        _ => (
            ErrorKind::ServerError,
            format!(
                "Request failed with status code {}: {text}.",
                status.as_u16()
            ),
        ),
    };
    let message = match message.is_empty() {
        true => format!("{url}{path} answered {status}"),
        false => message,
    };
    Err(Error::new(kind, message))
}

fn request_error(url: &str, e: &reqwest::Error) -> Error {
    let detail = crate::connection::describe_error_chain(e);
    if e.is_timeout() {
        return Error::new(
            ErrorKind::Timeout,
            format!("the Ray dashboard at {url} did not answer in time: {detail}"),
        );
    }
    if e.is_connect() {
        return Error::new(
            ErrorKind::ConnectionFailed,
            format!("could not reach the Ray dashboard at {url}: {detail}"),
        );
    }
    Error::new(
        ErrorKind::ConnectionLost,
        format!("the request to the Ray dashboard at {url} failed: {detail}"),
    )
}

fn truncate(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s.to_owned(),
    }
}
