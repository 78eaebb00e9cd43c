//! TLS and token authentication for the connection to the Ray client server, resolved
//! the way Ray's own Python client does it:
//!
//! - **TLS** is on when asked for ([`TlsOptions::enabled`]) or, when not asked either way,
//!   when `RAY_USE_TLS` is `1`/`true` or a certificate option is set. The CA certificate
//!   comes from [`TlsOptions::ca_cert`] or `RAY_TLS_CA_CERT` (the system roots when
//!   neither is set); the client certificate and key from [`TlsOptions::client_cert`] /
//!   [`TlsOptions::client_key`] or `RAY_TLS_SERVER_CERT` / `RAY_TLS_SERVER_KEY`, the names
//!   Ray uses for a process's own certificate on both sides of a connection. A Ray
//!   cluster started with `RAY_USE_TLS=1` requires a client certificate signed by its CA.
//! - **Token authentication** (clusters started with `RAY_AUTH_MODE=token`): every call
//!   carries `authorization: Bearer <token>`. The token comes from the `auth_token`
//!   option, else (unless `RAY_AUTH_MODE=disabled`) from `RAY_AUTH_TOKEN`, the file
//!   named by `RAY_AUTH_TOKEN_PATH`, or `~/.ray/auth_token`, in Ray's order, trimmed of
//!   whitespace. With `RAY_AUTH_MODE=token` a missing token is an error before dialling.
//!
//! The token never appears in `Debug` output or error messages: it lives in
//! [`AuthToken`], whose `Debug` prints `***`.

use std::fmt;
use std::path::{Path, PathBuf};

use tonic::metadata::AsciiMetadataValue;
use tonic::transport::{Certificate, ClientTlsConfig, Endpoint, Identity};

use crate::address::Address;
use crate::error::{Error, ErrorKind, Result};

/// Ray's header for the token (`ray._private.authentication.authentication_constants`).
pub(crate) const AUTHORIZATION_HEADER: &str = "authorization";

/// A secret authentication token. `Debug` and `Display` print `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct AuthToken(String);

impl AuthToken {
    /// Wraps `token` (surrounding whitespace is dropped, as Ray does).
    pub fn new(token: impl Into<String>) -> Self {
        let token: String = token.into();
        AuthToken(token.trim().to_owned())
    }

    /// The secret itself.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for AuthToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AuthToken(***)")
    }
}

impl fmt::Display for AuthToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// TLS settings of [`ConnectOptions`](crate::ConnectOptions); unset fields fall back to
/// Ray's environment variables.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsOptions {
    /// `Some(true)`: TLS; `Some(false)`: plaintext whatever the environment says; `None`:
    /// TLS when `RAY_USE_TLS` is `1`/`true` or one of the paths below is set.
    pub enabled: Option<bool>,
    /// PEM file of the CA that signed the server's certificate (`RAY_TLS_CA_CERT`);
    /// without one the system's roots are used.
    pub ca_cert: Option<PathBuf>,
    /// PEM file of this client's certificate chain (`RAY_TLS_SERVER_CERT`).
    pub client_cert: Option<PathBuf>,
    /// PEM file of this client's private key (`RAY_TLS_SERVER_KEY`).
    pub client_key: Option<PathBuf>,
    /// The name the server's certificate must carry, when it differs from the host of
    /// the address (e.g. connecting through an IP address or a tunnel).
    pub server_name: Option<String>,
}

/// What the connection needs: the TLS configuration (when TLS is on) and the
/// `authorization` header value (when there is a token).
#[derive(Clone, Default)]
pub(crate) struct Security {
    pub tls: Option<ClientTlsConfig>,
    /// Where the CA came from, for error messages.
    pub ca_source: Option<String>,
    /// Whether TLS presents a client certificate.
    pub client_cert: bool,
    pub auth: Option<AsciiMetadataValue>,
    /// Where the token came from (e.g. "RAY_AUTH_TOKEN"), never the token.
    pub token_source: Option<String>,
}

/// Why one attempt at opening the connection failed.
pub(crate) enum ConnectFailure {
    /// Worth another attempt (nothing listening yet, ...); the message for the final error.
    Retry(String),
    /// Another attempt would fail the same way (certificate rejected, token rejected).
    Fatal(Error),
}

impl fmt::Debug for Security {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Security")
            .field("tls", &self.tls.is_some())
            .field("ca_source", &self.ca_source)
            .field("client_cert", &self.client_cert)
            .field("auth", &self.auth.as_ref().map(|_| "***"))
            .field("token_source", &self.token_source)
            .finish()
    }
}

impl Security {
    /// Resolves the options against the process environment. With an `authorization`
    /// header among the caller's headers, that header is the credential: no token is
    /// looked for, and a token option besides it is an error.
    pub(crate) fn resolve(
        tls: &TlsOptions,
        token: Option<&AuthToken>,
        authorization_header: bool,
    ) -> Result<Security> {
        if authorization_header {
            if token.is_some_and(|t| !t.expose().is_empty()) {
                return Err(Error::invalid(
                    "both an auth token and an \"authorization\" header are set: give one",
                ));
            }
            return Security::with_tls(tls, &|k| std::env::var(k).ok());
        }
        Security::resolve_with(
            tls,
            token,
            &|k| std::env::var(k).ok(),
            home_dir().as_deref(),
        )
    }

    /// TLS alone.
    fn with_tls(tls: &TlsOptions, env: &dyn Fn(&str) -> Option<String>) -> Result<Security> {
        let mut security = Security::default();
        if let Some((config, ca_source, client_cert)) = tls_config(tls, env)? {
            security.tls = Some(config);
            security.ca_source = Some(ca_source);
            security.client_cert = client_cert;
        }
        Ok(security)
    }

    /// [`resolve`](Self::resolve) with an injected environment and home directory.
    pub(crate) fn resolve_with(
        tls: &TlsOptions,
        token: Option<&AuthToken>,
        env: &dyn Fn(&str) -> Option<String>,
        home: Option<&Path>,
    ) -> Result<Security> {
        let mut security = Security::with_tls(tls, env)?;
        if let Some((token, source)) = resolve_token(token, env, home)? {
            let mut value = AsciiMetadataValue::try_from(format!("Bearer {}", token.expose()))
                .map_err(|_| {
                    Error::invalid(format!(
                        "the authentication token from {source} contains characters that \
                         cannot go into a gRPC header"
                    ))
                })?;
            value.set_sensitive(true);
            security.auth = Some(value);
            security.token_source = Some(source);
        }
        Ok(security)
    }

    /// `https://host:port` with TLS, else `http://host:port`.
    pub(crate) fn uri(&self, address: &Address) -> String {
        let uri = address.uri();
        match (&self.tls, uri.strip_prefix("http://")) {
            (Some(_), Some(rest)) => format!("https://{rest}"),
            _ => uri,
        }
    }

    /// The endpoint with this TLS configuration, if any.
    pub(crate) fn apply(&self, endpoint: Endpoint) -> Result<Endpoint> {
        match &self.tls {
            None => Ok(endpoint),
            Some(tls) => endpoint.tls_config(tls.clone()).map_err(|e| {
                let mut msg = e.to_string();
                let mut source = std::error::Error::source(&e);
                while let Some(s) = source {
                    msg = format!("{msg}: {s}");
                    source = s.source();
                }
                Error::invalid(format!("bad TLS configuration: {msg}"))
            }),
        }
    }

    /// Sorts a failed attempt at reaching the server: fatal when trying again cannot
    /// help (see [`permanent_failure`](Self::permanent_failure)), else a message for the
    /// final "could not reach" error.
    pub(crate) fn classify(
        &self,
        address: &Address,
        err: &(dyn std::error::Error + 'static),
        describe: impl FnOnce() -> String,
    ) -> ConnectFailure {
        match self.permanent_failure(address, err) {
            Some(e) => ConnectFailure::Fatal(e),
            // Ray's TLS servers drop a client without a certificate right after the
            // handshake, without saying why; the error can only point at the likely cause.
            None if self.tls.is_some() && !self.client_cert => ConnectFailure::Retry(format!(
                "{}; note: TLS is on but no client certificate is set, and a Ray cluster \
                 with RAY_USE_TLS=1 requires one signed by its CA (tls client_cert / \
                 client_key options or RAY_TLS_SERVER_CERT / RAY_TLS_SERVER_KEY)",
                describe()
            )),
            None => ConnectFailure::Retry(describe()),
        }
    }

    /// Classifies a failure to reach the server: `Some` for failures that trying again
    /// cannot fix (the TLS handshake failed, the server rejected the token), with an error
    /// that says what to check; `None` for the rest (nothing listening yet, ...).
    pub(crate) fn permanent_failure(
        &self,
        address: &Address,
        err: &(dyn std::error::Error + 'static),
    ) -> Option<Error> {
        let mut current: Option<&(dyn std::error::Error + 'static)> = Some(err);
        while let Some(e) = current {
            if let Some(status) = e.downcast_ref::<tonic::Status>() {
                if status.code() == tonic::Code::Unauthenticated {
                    return Some(self.rejected_token(address, status.message()));
                }
            }
            if let Some(tls) = e.downcast_ref::<rustls::Error>() {
                return Some(self.tls_failure(address, tls));
            }
            // io::Error::source skips the error it wraps; look inside explicitly.
            if let Some(tls) = e
                .downcast_ref::<std::io::Error>()
                .and_then(|io| io.get_ref())
                .and_then(|inner| inner.downcast_ref::<rustls::Error>())
            {
                return Some(self.tls_failure(address, tls));
            }
            current = e.source();
        }
        None
    }

    /// The error of a call the server refused with `UNAUTHENTICATED`.
    pub(crate) fn rejected_token(&self, address: &Address, server_message: &str) -> Error {
        let what = match &self.token_source {
            Some(source) => format!("rejected the authentication token from {source}"),
            None => "requires an authentication token and none was found (set the auth_token \
                     option, RAY_AUTH_TOKEN, RAY_AUTH_TOKEN_PATH or ~/.ray/auth_token)"
                .to_owned(),
        };
        Error::new(
            ErrorKind::AuthenticationFailed,
            format!("authentication failed: the Ray cluster at {address} {what}: {server_message}"),
        )
    }

    fn tls_failure(&self, address: &Address, err: &rustls::Error) -> Error {
        use rustls::AlertDescription as A;
        let ca = self.ca_source.as_deref().unwrap_or("the system's roots");
        let message = match err {
            rustls::Error::InvalidCertificate(_) => format!(
                "TLS certificate verification failed: the certificate of the Ray client server \
                 at {address} is not valid for a client trusting {ca}: {err}"
            ),
            rustls::Error::AlertReceived(
                A::CertificateRequired
                | A::BadCertificate
                | A::UnknownCA
                | A::CertificateUnknown
                | A::CertificateExpired
                | A::CertificateRevoked
                | A::UnsupportedCertificate
                | A::AccessDenied,
            ) => format!(
                "TLS certificate verification failed: the Ray client server at {address} \
                 rejected this client's certificate ({err}); a cluster with RAY_USE_TLS=1 needs \
                 a client certificate and key (tls client_cert/client_key or \
                 RAY_TLS_SERVER_CERT/RAY_TLS_SERVER_KEY) signed by its CA"
            ),
            rustls::Error::InvalidMessage(_) => format!(
                "TLS handshake with the Ray client server at {address} failed ({err}); \
                 does the server use TLS (RAY_USE_TLS=1)?"
            ),
            _ => format!("TLS handshake with the Ray client server at {address} failed: {err}"),
        };
        Error::new(ErrorKind::ConnectionFailed, message)
    }
}

fn env_flag(value: Option<String>) -> bool {
    value.is_some_and(|v| matches!(v.trim().to_ascii_lowercase().as_str(), "1" | "true"))
}

/// An option's path or else the environment variable's, with where it came from.
fn pick(
    option: &Option<PathBuf>,
    option_name: &str,
    var: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Option<(PathBuf, String)> {
    match option {
        Some(p) => Some((p.clone(), format!("{} ({option_name})", p.display()))),
        None => env(var)
            .filter(|v| !v.trim().is_empty())
            .map(|v| (PathBuf::from(&v), format!("{v} ({var})"))),
    }
}

fn read(path: &Path, what: &str, source: &str) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| Error::invalid(format!("cannot read the {what} {source}: {e}")))
}

fn tls_config(
    tls: &TlsOptions,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<(ClientTlsConfig, String, bool)>> {
    let enabled = tls.enabled.unwrap_or_else(|| {
        env_flag(env("RAY_USE_TLS"))
            || tls.ca_cert.is_some()
            || tls.client_cert.is_some()
            || tls.client_key.is_some()
    });
    if !enabled {
        return Ok(None);
    }
    let mut config = ClientTlsConfig::new();
    let ca_source = match pick(&tls.ca_cert, "tls ca_cert option", "RAY_TLS_CA_CERT", env) {
        Some((path, source)) => {
            let pem = read(&path, "TLS CA certificate", &source)?;
            config = config.ca_certificate(Certificate::from_pem(pem));
            source
        }
        None => {
            config = config.with_native_roots();
            "the system's roots".to_owned()
        }
    };
    let cert = pick(
        &tls.client_cert,
        "tls client_cert option",
        "RAY_TLS_SERVER_CERT",
        env,
    );
    let key = pick(
        &tls.client_key,
        "tls client_key option",
        "RAY_TLS_SERVER_KEY",
        env,
    );
    let client_cert = cert.is_some();
    match (cert, key) {
        (Some((cert, cert_source)), Some((key, key_source))) => {
            let cert = read(&cert, "TLS client certificate", &cert_source)?;
            let key = read(&key, "TLS client key", &key_source)?;
            config = config.identity(Identity::from_pem(cert, key));
        }
        (None, None) => {}
        (Some((_, source)), None) | (None, Some((_, source))) => {
            return Err(Error::invalid(format!(
                "a TLS client certificate needs both a certificate and a key, but only \
                 {source} is set (RAY_TLS_SERVER_CERT / RAY_TLS_SERVER_KEY or the tls \
                 client_cert / client_key options)"
            )))
        }
    }
    if let Some(name) = &tls.server_name {
        config = config.domain_name(name.clone());
    }
    Ok(Some((config, ca_source, client_cert)))
}

fn home_dir() -> Option<PathBuf> {
    let var = if cfg!(windows) { "USERPROFILE" } else { "HOME" };
    std::env::var_os(var)
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
}

/// The token for the dashboard's `authorization` header: the same sources, in the same
/// order, as for the client port.
pub(crate) fn resolve_dashboard_token(option: Option<&AuthToken>) -> Result<Option<AuthToken>> {
    let env = |k: &str| std::env::var(k).ok();
    Ok(resolve_token(option, &env, home_dir().as_deref())?.map(|(token, _)| token))
}

/// The token to send and where it came from: the option, else Ray's sources in Ray's
/// order (`RAY_AUTH_TOKEN`, `RAY_AUTH_TOKEN_PATH`, `~/.ray/auth_token`) unless
/// `RAY_AUTH_MODE=disabled`. With `RAY_AUTH_MODE=token`, finding none is an error.
fn resolve_token(
    option: Option<&AuthToken>,
    env: &dyn Fn(&str) -> Option<String>,
    home: Option<&Path>,
) -> Result<Option<(AuthToken, String)>> {
    if let Some(token) = option.filter(|t| !t.expose().is_empty()) {
        return Ok(Some((token.clone(), "the auth_token option".to_owned())));
    }
    let mode = env("RAY_AUTH_MODE").map(|m| m.trim().to_ascii_lowercase());
    if mode.as_deref() == Some("disabled") {
        return Ok(None);
    }
    let found = if let Some(t) = env("RAY_AUTH_TOKEN").filter(|t| !t.trim().is_empty()) {
        Some((AuthToken::new(t), "RAY_AUTH_TOKEN".to_owned()))
    } else if let Some(path) = env("RAY_AUTH_TOKEN_PATH").filter(|p| !p.trim().is_empty()) {
        let token = std::fs::read_to_string(&path)
            .ok()
            .map(AuthToken::new)
            .filter(|t| !t.expose().is_empty())
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::AuthenticationFailed,
                    format!("RAY_AUTH_TOKEN_PATH is set but {path} cannot be read or is empty"),
                )
            })?;
        Some((token, format!("{path} (RAY_AUTH_TOKEN_PATH)")))
    } else {
        home.map(|h| h.join(".ray").join("auth_token"))
            .and_then(|path| {
                let token = AuthToken::new(std::fs::read_to_string(&path).ok()?);
                (!token.expose().is_empty()).then(|| (token, path.display().to_string()))
            })
    };
    if found.is_none() && mode.as_deref() == Some("token") {
        return Err(Error::new(
            ErrorKind::AuthenticationFailed,
            "RAY_AUTH_MODE=token but no authentication token was found: set the auth_token \
             option or RAY_AUTH_TOKEN, point RAY_AUTH_TOKEN_PATH at a file holding it, or \
             create ~/.ray/auth_token",
        ));
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    fn token_of(
        option: Option<&str>,
        env: &[(&str, &str)],
        home: Option<&Path>,
    ) -> Result<Option<(String, String)>> {
        let option = option.map(AuthToken::new);
        Ok(resolve_token(option.as_ref(), &env_of(env), home)?
            .map(|(t, s)| (t.expose().to_owned(), s)))
    }

    fn temp_dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("ray-client-security-{}-{name}", std::process::id()));
        std::fs::create_dir_all(dir.join(".ray")).unwrap();
        dir
    }

    #[test]
    fn token_debug_and_display_are_redacted() {
        let t = AuthToken::new("  s3cr3t-value\n");
        assert_eq!(t.expose(), "s3cr3t-value");
        assert_eq!(format!("{t:?}"), "AuthToken(***)");
        assert_eq!(format!("{t}"), "***");
        let s =
            Security::resolve_with(&TlsOptions::default(), Some(&t), &env_of(&[]), None).unwrap();
        let debug = format!("{s:?}");
        assert!(!debug.contains("s3cr3t"), "{debug}");
        assert!(debug.contains("***"), "{debug}");
    }

    #[test]
    fn token_sources_follow_rays_order() {
        let home = temp_dir("order");
        std::fs::write(home.join(".ray/auth_token"), "home-token\n").unwrap();
        let file = home.join("token-file");
        std::fs::write(&file, "  file-token \n").unwrap();
        let file = file.to_str().unwrap();
        let all = [
            ("RAY_AUTH_TOKEN", " env-token "),
            ("RAY_AUTH_TOKEN_PATH", file),
        ];

        let got = token_of(Some("opt"), &all, Some(&home)).unwrap().unwrap();
        assert_eq!(got, ("opt".into(), "the auth_token option".into()));
        let got = token_of(None, &all, Some(&home)).unwrap().unwrap();
        assert_eq!(got, ("env-token".into(), "RAY_AUTH_TOKEN".into()));
        let got = token_of(None, &all[1..], Some(&home)).unwrap().unwrap();
        assert_eq!(got.0, "file-token");
        assert!(got.1.contains("RAY_AUTH_TOKEN_PATH"), "{}", got.1);
        let got = token_of(None, &[("RAY_AUTH_TOKEN", "")], Some(&home))
            .unwrap()
            .unwrap();
        assert_eq!(got.0, "home-token");
        assert!(got.1.ends_with(".ray/auth_token"), "{}", got.1);
        // RAY_AUTH_MODE=disabled ignores the environment and the file, not the option.
        let disabled = [("RAY_AUTH_MODE", "disabled"), all[0], all[1]];
        assert_eq!(token_of(None, &disabled, Some(&home)).unwrap(), None);
        assert!(token_of(Some("opt"), &disabled, Some(&home))
            .unwrap()
            .is_some());
        std::fs::remove_dir_all(&home).unwrap();
    }

    #[test]
    fn missing_tokens() {
        let home = temp_dir("missing");
        // Nothing anywhere: no token, unless the mode demands one.
        assert_eq!(token_of(None, &[], Some(&home)).unwrap(), None);
        assert_eq!(token_of(None, &[], None).unwrap(), None);
        let err = token_of(None, &[("RAY_AUTH_MODE", "Token")], Some(&home)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::AuthenticationFailed);
        assert!(err.message().contains("no authentication token"), "{err}");
        // An empty file counts as none.
        std::fs::write(home.join(".ray/auth_token"), " \n").unwrap();
        assert_eq!(token_of(None, &[], Some(&home)).unwrap(), None);
        // A token path that cannot be read is an error, as in Ray.
        let err = token_of(
            None,
            &[("RAY_AUTH_TOKEN_PATH", "/nonexistent/t")],
            Some(&home),
        )
        .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::AuthenticationFailed);
        assert!(err.message().contains("/nonexistent/t"), "{err}");
        std::fs::remove_dir_all(&home).unwrap();
    }

    #[test]
    fn token_that_is_no_header_value_is_rejected_without_echoing_it() {
        let t = AuthToken::new("bad\u{7}token");
        let err = Security::resolve_with(&TlsOptions::default(), Some(&t), &env_of(&[]), None)
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidArgument);
        assert!(!err.message().contains("token\u{7}") && !err.message().contains("bad"));
    }

    #[test]
    fn tls_is_on_when_asked_or_by_environment() {
        let resolve = |tls: &TlsOptions, env: &[(&str, &str)]| {
            Security::resolve_with(tls, None, &env_of(env), None).unwrap()
        };
        let off = TlsOptions::default();
        assert!(resolve(&off, &[]).tls.is_none());
        assert!(resolve(&off, &[("RAY_USE_TLS", "0")]).tls.is_none());
        let on = resolve(&off, &[("RAY_USE_TLS", "True")]);
        let address = Address::parse("ray://127.0.0.1:10001").unwrap();
        assert_eq!(on.uri(&address), "https://127.0.0.1:10001");
        assert_eq!(resolve(&off, &[]).uri(&address), "http://127.0.0.1:10001");
        assert_eq!(on.ca_source.as_deref(), Some("the system's roots"));
        let forced_off = TlsOptions {
            enabled: Some(false),
            ..Default::default()
        };
        assert!(resolve(&forced_off, &[("RAY_USE_TLS", "1")]).tls.is_none());
    }

    #[test]
    fn tls_file_errors_name_the_file_and_its_source() {
        let env = env_of(&[
            ("RAY_USE_TLS", "1"),
            ("RAY_TLS_CA_CERT", "/nonexistent/ca.pem"),
        ]);
        let err = Security::resolve_with(&TlsOptions::default(), None, &env, None).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidArgument);
        assert!(
            err.message()
                .contains("/nonexistent/ca.pem (RAY_TLS_CA_CERT)"),
            "{err}"
        );
        let half = TlsOptions {
            client_cert: Some("/x/cert.pem".into()),
            ..Default::default()
        };
        let err = Security::resolve_with(&half, None, &env_of(&[]), None).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidArgument);
        assert!(
            err.message().contains("both a certificate and a key"),
            "{err}"
        );
    }
}
