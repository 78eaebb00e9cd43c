//! TLS and token authentication against real clusters: each test starts its own Ray
//! cluster with TLS (certificates from tests/harness/tls-certs) or with token
//! authentication (`RAY_AUTH_MODE=token`) in its own temp dir, and stops it at the end.
//! The default cluster of the run stays plain and is used for "TLS client, plain server".
//!
//! Connecting reads Ray's environment variables, and some cases set them, so every
//! connect in this binary holds `ENV`.
mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use common::OwnCluster;
use ray_client::dashboard::{Dashboard, DashboardOptions};
use ray_client::diagnostics;
use ray_client::{AuthToken, Client, ConnectOptions, ErrorKind, Value};

static ENV: Mutex<()> = Mutex::new(());

const SECURITY_VARS: &[&str] = &[
    "RAY_USE_TLS",
    "RAY_TLS_CA_CERT",
    "RAY_TLS_SERVER_CERT",
    "RAY_TLS_SERVER_KEY",
    "RAY_AUTH_MODE",
    "RAY_AUTH_TOKEN",
    "RAY_AUTH_TOKEN_PATH",
];

/// Holds `ENV` with none of Ray's TLS / token variables set; restores HOME on drop.
struct CleanEnv {
    home: Option<std::ffi::OsString>,
    _guard: MutexGuard<'static, ()>,
}

fn clean_env() -> CleanEnv {
    let guard = ENV.lock().unwrap_or_else(|e| e.into_inner());
    for v in SECURITY_VARS {
        std::env::remove_var(v);
    }
    CleanEnv {
        home: std::env::var_os("HOME"),
        _guard: guard,
    }
}

impl Drop for CleanEnv {
    fn drop(&mut self) {
        for v in SECURITY_VARS {
            std::env::remove_var(v);
        }
        match &self.home {
            Some(h) => std::env::set_var("HOME", h),
            None => std::env::remove_var("HOME"),
        }
    }
}

fn harness(name: &str) -> PathBuf {
    common::repo().join("tests/harness").join(name)
}

fn certs(dir: &Path) -> PathBuf {
    let certs = dir.join("certs");
    common::run(Command::new(harness("tls-certs")).arg(&certs));
    certs
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "ray-client-security-{}-{name}-files",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Everything a client does travels over the connection: the working_dir upload and KV
/// (unary calls), put/get and a task (the Datapath stream).
fn exercise(client: &Client) {
    assert_eq!(
        common::call_get(client, &common::task("square"), vec![Value::from(12)]).unwrap(),
        Value::from(144)
    );
    let o = client.put(Value::str("over a secured connection")).unwrap();
    assert_eq!(
        client.get(&o).unwrap(),
        Value::str("over a secured connection")
    );
    client
        .kv_put(b"rc_security_key", b"value", true, None)
        .unwrap();
    assert_eq!(
        client.kv_get(b"rc_security_key", None).unwrap().as_deref(),
        Some(&b"value"[..])
    );
}

/// Connecting with `opts` fails with an error of `kind`, which is returned; `what` is the
/// message should it connect.
fn connect_fails(opts: ConnectOptions, what: &str, kind: ErrorKind) -> ray_client::Error {
    let err = Client::connect_with(opts).err().expect(what);
    assert_eq!(err.kind(), kind, "{err}");
    err
}

fn options(address: &str) -> ConnectOptions {
    ConnectOptions::new(address)
        .runtime_env(common::test_runtime_env(vec![]))
        .connect_timeout(Duration::from_secs(20))
}

#[test]
fn tls_cluster() {
    let files = scratch("tls");
    let certs = certs(&files);
    let tls_dir = certs.to_str().unwrap();
    let cluster = OwnCluster::start("tls", &[("RAY_TEST_TLS_DIR", tls_dir)]);
    let ca = certs.join("ca.crt");
    let (cert, key) = (certs.join("client.crt"), certs.join("client.key"));

    // Explicit options.
    {
        let _env = clean_env();
        let client = Client::connect_with(
            options(&cluster.address)
                .tls_ca_cert(&ca)
                .tls_client_cert(&cert, &key),
        )
        .expect("TLS connect with explicit options");
        exercise(&client);
        client.disconnect();
    }

    // Ray's environment variables, as the Python client reads them.
    {
        let _env = clean_env();
        std::env::set_var("RAY_USE_TLS", "1");
        std::env::set_var("RAY_TLS_CA_CERT", &ca);
        std::env::set_var("RAY_TLS_SERVER_CERT", &cert);
        std::env::set_var("RAY_TLS_SERVER_KEY", &key);
        let client = Client::connect_with(options(&cluster.address))
            .expect("TLS connect with RAY_USE_TLS and RAY_TLS_*");
        exercise(&client);
        client.disconnect();
    }

    // A CA that did not sign the server's certificate.
    {
        let _env = clean_env();
        let err = connect_fails(
            options(&cluster.address)
                .tls_ca_cert(certs.join("other-ca.crt"))
                .tls_client_cert(&cert, &key),
            "a wrong CA must fail",
            ErrorKind::ConnectionFailed,
        );
        assert!(
            err.message().contains("certificate verification failed"),
            "{err}"
        );
        assert!(err.message().contains("other-ca.crt"), "{err}");
    }

    // No client certificate: Ray's TLS server requires one, and closes the connection
    // after the handshake without saying why, so this fails at the connect timeout.
    {
        let _env = clean_env();
        let err = connect_fails(
            options(&cluster.address)
                .tls_ca_cert(&ca)
                .connect_timeout(Duration::from_secs(3)),
            "no client certificate must fail",
            ErrorKind::ConnectionFailed,
        );
        assert!(
            err.message().contains("no client certificate is set"),
            "{err}"
        );
    }

    // Plaintext to a TLS server fails (after the connect timeout: nothing tells the
    // client that the other side speaks TLS).
    {
        let _env = clean_env();
        connect_fails(
            options(&cluster.address).connect_timeout(Duration::from_secs(3)),
            "plaintext to a TLS server must fail",
            ErrorKind::ConnectionFailed,
        );
    }

    // TLS to the plain default cluster.
    {
        let plain = &common::cluster().address;
        let _env = clean_env();
        let err = connect_fails(
            options(plain).tls_ca_cert(&ca).tls_client_cert(&cert, &key),
            "TLS to a plaintext server must fail",
            ErrorKind::ConnectionFailed,
        );
        assert!(err.message().contains("TLS handshake"), "{err}");
    }

    // Unreadable files are the caller's mistake, named in the error.
    {
        let _env = clean_env();
        let err = connect_fails(
            options(&cluster.address).tls_ca_cert(files.join("missing.crt")),
            "a missing CA file must fail",
            ErrorKind::InvalidArgument,
        );
        assert!(err.message().contains("missing.crt"), "{err}");
    }
    drop(cluster);
    std::fs::remove_dir_all(&files).unwrap();
}

#[test]
fn token_cluster() {
    let token = format!("rc-test-{:032x}", rand_u128());
    if !common::capabilities().token_auth {
        token_auth_is_not_supported(&token);
        return;
    }
    let cluster = OwnCluster::start("token", &[("RAY_TEST_AUTH_TOKEN", &token)]);
    let files = scratch("token");
    // The library's diagnostics of all that follows, at every level: none may show the
    // token (checked at the end).
    let said = std::sync::Arc::new(Mutex::new(Vec::<String>::new()));
    let s = said.clone();
    diagnostics::set_handler(
        Some(std::sync::Arc::new(
            move |d: &diagnostics::Diagnostic<'_>| s.lock().unwrap().push(d.message.to_owned()),
        )),
        Some(diagnostics::Level::Trace),
    );

    // The option.
    {
        let _env = clean_env();
        let client = Client::connect_with(options(&cluster.address).auth_token(&token))
            .expect("connect with the auth_token option");
        exercise(&client);
        client.disconnect();
    }

    // An `authorization` header (Python's `_metadata`, as behind an auth proxy) stands
    // in for the token on every call, also over a wrong RAY_AUTH_TOKEN; a wrong one is
    // refused; the option and the header together are an error.
    {
        let _env = clean_env();
        std::env::set_var("RAY_AUTH_TOKEN", format!("wrong-{token}"));
        let with_header = |value: &str| {
            options(&cluster.address)
                .header("X-Request-Source", "ray-client tests")
                .header("Authorization", value)
        };
        let client = Client::connect_with(with_header(&format!("Bearer {token}")))
            .expect("connect with an authorization header");
        exercise(&client);
        client.disconnect();
        connect_fails(
            with_header(&format!("Bearer wrong-{token}")),
            "a wrong authorization header must fail",
            ErrorKind::AuthenticationFailed,
        );
        let both = with_header(&format!("Bearer {token}")).auth_token(&token);
        let err = connect_fails(both, "a token and a header", ErrorKind::InvalidArgument);
        assert!(err.message().contains("give one"), "{err}");
    }

    // RAY_AUTH_TOKEN.
    {
        let _env = clean_env();
        std::env::set_var("RAY_AUTH_TOKEN", &token);
        let client =
            Client::connect_with(options(&cluster.address)).expect("connect with RAY_AUTH_TOKEN");
        exercise(&client);
        client.disconnect();
    }

    // RAY_AUTH_TOKEN_PATH, with Ray's RAY_AUTH_MODE=token set on the client too.
    {
        let _env = clean_env();
        let path = files.join("token");
        std::fs::write(&path, format!("{token}\n")).unwrap();
        std::env::set_var("RAY_AUTH_MODE", "token");
        std::env::set_var("RAY_AUTH_TOKEN_PATH", &path);
        let client = Client::connect_with(options(&cluster.address))
            .expect("connect with RAY_AUTH_TOKEN_PATH");
        client.disconnect();
    }

    // Ray's default token file, ~/.ray/auth_token.
    {
        let _env = clean_env();
        let home = files.join("home");
        std::fs::create_dir_all(home.join(".ray")).unwrap();
        std::fs::write(home.join(".ray/auth_token"), &token).unwrap();
        std::env::set_var("HOME", &home);
        let client = Client::connect_with(options(&cluster.address))
            .expect("connect with ~/.ray/auth_token");
        client.disconnect();
    }

    // A wrong token: a clear error that does not contain either token.
    {
        let _env = clean_env();
        let wrong = format!("wrong-{token}");
        let opts = options(&cluster.address).auth_token(&wrong);
        let debug = format!("{opts:?}");
        assert!(!debug.contains(&token), "Debug shows the token: {debug}");
        assert!(debug.contains("***"), "{debug}");
        let err = connect_fails(
            opts,
            "a wrong token must fail",
            ErrorKind::AuthenticationFailed,
        );
        assert!(
            err.message().contains("rejected the authentication token"),
            "{err}"
        );
        for shown in [err.to_string(), format!("{err:?}")] {
            assert!(
                !shown.contains(&token),
                "the error shows the token: {shown}"
            );
        }
    }

    // No token at all.
    {
        let _env = clean_env();
        std::env::set_var("HOME", &files); // no .ray/auth_token there
        let err = connect_fails(
            options(&cluster.address),
            "no token must fail",
            ErrorKind::AuthenticationFailed,
        );
        assert!(err.message().contains("none was found"), "{err}");
    }

    // RAY_AUTH_MODE=token on the client without a token fails before dialling.
    {
        let _env = clean_env();
        std::env::set_var("HOME", &files);
        std::env::set_var("RAY_AUTH_MODE", "token");
        connect_fails(
            options(&cluster.address),
            "RAY_AUTH_MODE=token without a token must fail",
            ErrorKind::AuthenticationFailed,
        );
    }

    // Its dashboard: the token opens it (from the option and from RAY_AUTH_TOKEN), a
    // wrong one or none is refused with a clear error, and rayc exits 6.
    if let Some(url) = cluster.dashboard_url() {
        let _env = clean_env();
        std::env::set_var("HOME", &files);
        let opened =
            Dashboard::connect_with(DashboardOptions::new(&url).auth_token(AuthToken::new(&token)))
                .expect("the dashboard with the token");
        opened.list_jobs().expect("listing jobs with the token");
        std::env::set_var("RAY_AUTH_TOKEN", &token);
        Dashboard::connect(&url).expect("the dashboard with RAY_AUTH_TOKEN");
        std::env::remove_var("RAY_AUTH_TOKEN");
        for (given, why) in [
            (Some(format!("wrong-{token}")), "not the cluster's"),
            (None, "token authentication"),
        ] {
            let mut options = DashboardOptions::new(&url);
            options.auth_token = given.map(AuthToken::new);
            let err = Dashboard::connect_with(options).expect_err("refused");
            assert_eq!(err.kind(), ErrorKind::AuthenticationFailed, "{err}");
            assert!(err.message().contains(why), "{err}");
            assert!(!format!("{err:?}").contains(&token), "{err:?}");
        }
        let rayc = Command::new(env!("CARGO_BIN_EXE_rayc"))
            .args(["--address", &url, "job", "list"])
            .env("HOME", &files)
            .env("RAY_AUTH_TOKEN", format!("wrong-{token}"))
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&rayc.stderr);
        assert_eq!(rayc.status.code(), Some(6), "{err}");
        assert!(
            err.contains("not the cluster's") && !err.contains(&token),
            "{err}"
        );
    }

    // A token sent to a cluster without authentication is ignored by it.
    {
        let _env = clean_env();
        let client = Client::connect_with(
            ConnectOptions::new(&common::cluster().address).auth_token(&token),
        )
        .expect("a token does not hurt a plain cluster");
        client.disconnect();
    }
    diagnostics::set_handler(None, Some(diagnostics::Level::Warn));
    let said = said.lock().unwrap();
    assert!(
        said.iter()
            .any(|m| m.contains("token: the auth_token option")),
        "{said:?}"
    );
    assert!(
        !said.iter().any(|m| m.contains(&token)),
        "a diagnostic shows the token"
    );
    drop(cluster);
    std::fs::remove_dir_all(&files).unwrap();
}

/// A release without token authentication (before Ray 2.52) checks no token: asking for
/// one is a clear error rather than a connection that is not what was asked for.
fn token_auth_is_not_supported(token: &str) {
    let plain = &common::cluster().address;
    let not_supported = format!("is not supported by Ray {}", common::ray_version());
    {
        let _env = clean_env();
        let err = connect_fails(
            options(plain).auth_token(token),
            "the auth_token option must be refused",
            ErrorKind::VersionMismatch,
        );
        assert!(err.message().contains(&not_supported), "{err}");
        assert!(
            !err.to_string().contains(token),
            "the error shows the token"
        );
    }
    {
        let _env = clean_env();
        std::env::set_var("RAY_AUTH_MODE", "token");
        std::env::set_var("RAY_AUTH_TOKEN", token);
        let err = connect_fails(
            options(plain),
            "RAY_AUTH_MODE=token must be refused",
            ErrorKind::VersionMismatch,
        );
        assert!(err.message().contains(&not_supported), "{err}");
    }
    // A token merely lying in RAY_AUTH_TOKEN (kept for other clusters) asks for nothing.
    {
        let _env = clean_env();
        std::env::set_var("RAY_AUTH_TOKEN", token);
        let client = Client::connect_with(options(plain)).expect("connect with a stray token");
        exercise(&client);
        client.disconnect();
    }
}

fn rand_u128() -> u128 {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let mut x = common::XorShift(t as u64 ^ (std::process::id() as u64) << 32 | 1);
    (x.next() as u128) << 64 | x.next() as u128
}
