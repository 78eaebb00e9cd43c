//! Connecting, server information, version check and disconnect against the real cluster.
mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use ray_client::{Client, ConnectOptions, ErrorKind, LogHandler, LogRecord, Support, Value};

#[test]
fn connects_and_reports_the_server_versions() {
    let client = common::client();
    let info = client.server_info();
    assert_eq!(info.ray_version, common::ray_version());
    assert!(info.python_version.starts_with("3."), "{info:?}");
    assert!(!info.ray_commit.is_empty());
    assert_eq!(client.client_id().len(), 32);
    assert!(client.is_connected());
    // Every release the tests run against is one the policy supports.
    assert_eq!(client.capabilities().support, Support::Supported);
    assert_eq!(client.capabilities(), &common::capabilities());
}

#[test]
fn a_plain_host_port_address_works_too() {
    let address = common::cluster()
        .address
        .trim_start_matches("ray://")
        .to_owned();
    let client = Client::connect(&address).unwrap();
    assert_eq!(client.address().to_string(), common::cluster().address);
}

#[test]
fn the_namespace_given_at_connect_is_the_jobs_namespace() {
    let client = Client::connect_with(common::options().namespace("rc-ns-test")).unwrap();
    let ctx = client.runtime_context().unwrap();
    assert_eq!(ctx.namespace, "rc-ns-test");
    assert_eq!(client.namespace(), Some("rc-ns-test"));
    // Without one, Ray makes up an anonymous namespace.
    let anonymous = common::client().runtime_context().unwrap();
    assert!(!anonymous.namespace.is_empty());
    assert_ne!(anonymous.namespace, "rc-ns-test");
}

#[test]
fn nothing_listening_fails_with_an_error_naming_the_address() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let address = format!("ray://127.0.0.1:{port}");
    let err = Client::connect_with(
        ConnectOptions::new(&address).connect_timeout(Duration::from_millis(1500)),
    )
    .err()
    .expect("connecting to a closed port must fail");
    assert_eq!(err.kind(), ErrorKind::ConnectionFailed, "{err}");
    assert!(err.message().contains(&address), "{err}");
    assert!(err.message().contains("within 1.5 s"), "{err}");
}

#[test]
fn a_release_the_policy_refuses_is_refused_unless_overridden() {
    for refused in ["2.8.1", "3.0.0"] {
        let mut options = common::options();
        options.__pretend_ray_version = Some(refused.to_owned());
        let err = Client::connect_with(options.clone())
            .err()
            .expect("must be refused");
        assert_eq!(err.kind(), ErrorKind::VersionMismatch, "{err}");
        // Which release it is, which ones work, and how to connect anyway.
        for part in [refused, "2.9 to 2.60", "RAY_IGNORE_VERSION_MISMATCH"] {
            assert!(err.message().contains(part), "{part}: {err}");
        }
        let client = Client::connect_with(options.ignore_version_mismatch(true)).unwrap();
        assert!(matches!(client.capabilities().support, Support::Refused(_)));
        let r = client.put(Value::from(7)).unwrap();
        assert_eq!(client.get(&r).unwrap(), Value::from(7));
    }
}

#[test]
fn a_newer_release_connects_with_a_warning_on_the_log_callback() {
    let seen = Arc::new(Mutex::new(Vec::<LogRecord>::new()));
    let s = seen.clone();
    let mut options = common::options().logs(LogHandler::Callback(Arc::new(move |r| {
        s.lock().unwrap().push(r.clone())
    })));
    options.__pretend_ray_version = Some("2.61.0".to_owned());
    let client = Client::connect_with(options).expect("a newer 2.x connects");
    assert_eq!(client.capabilities().support, Support::Untested);
    let warnings: Vec<LogRecord> = seen
        .lock()
        .unwrap()
        .iter()
        .filter(|r| r.name == "ray_client")
        .cloned()
        .collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(warnings[0].level, 30, "a WARNING record");
    assert!(warnings[0].message.contains("Ray 2.61.0"), "{warnings:?}");
    assert!(warnings[0].message.contains("2.9 to 2.60"), "{warnings:?}");
    let r = client.put(Value::from(7)).unwrap();
    assert_eq!(client.get(&r).unwrap(), Value::from(7));
}

fn job_state(job_id: &str) -> String {
    common::job_query("job_state.py", job_id)
}

/// Polls the GCS until the job is dead. The client's grace period is an hour, so only a
/// `connection_cleanup` can end the job this early. No time limit (a loaded machine, as
/// a matrix run beside other work, took over a minute on Ray 2.9.3): a job that never
/// ends shows as this test running on, with a line every 30 s.
fn assert_job_ends(job_id: &str) {
    let start = std::time::Instant::now();
    let mut said = 0;
    while job_state(job_id) != "dead" {
        let waited = start.elapsed().as_secs();
        if waited / 30 > said {
            said = waited / 30;
            eprintln!("job {job_id} still alive {waited} s after the client went away");
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

fn long_grace_client() -> Client {
    Client::connect_with(common::options().reconnect_grace_period(Duration::from_secs(3600)))
        .unwrap()
}

#[test]
fn disconnect_cleans_up_on_the_server_and_fails_later_calls() {
    let client = long_grace_client();
    let r = client.put(Value::from(1)).unwrap();
    let job = client.runtime_context().unwrap().job_id;
    assert_eq!(job_state(&job), "alive");
    client.disconnect();
    client.disconnect(); // idempotent
    assert!(!client.is_connected());
    let err = client.put(Value::from(2)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ConnectionLost, "{err}");
    let err = client.get(&r).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ConnectionLost, "{err}");
    assert_job_ends(&job);
}

#[test]
fn dropping_the_client_cleans_up_too() {
    let client = long_grace_client();
    let job = client.runtime_context().unwrap().job_id;
    let r = client.put(Value::from(1)).unwrap();
    drop(client);
    assert_job_ends(&job);
    drop(r); // a ref that outlives its client is inert
}
