//! Task and actor output streamed back to the client.
mod common;

use std::sync::mpsc;
use std::sync::Arc;

use std::time::Duration;

use ray_client::{Client, ErrorKind, LogEncoding, LogHandler, LogRecord, LoggingConfig, Value};

#[test]
fn task_output_reaches_the_callback() {
    let (tx, rx) = mpsc::channel::<LogRecord>();
    let tx = std::sync::Mutex::new(tx);
    let handler = LogHandler::Callback(Arc::new(move |r: &LogRecord| {
        tx.lock().unwrap().send(r.clone()).ok();
    }));
    let client = Client::connect_with(common::options().logs(handler)).unwrap();
    let marker = format!("hello-from-task-{}", std::process::id());
    let shout = common::task("shout");
    let r = client
        .call(&shout, vec![Value::str(marker.clone())], vec![])
        .unwrap();
    assert_eq!(client.get(&r).unwrap(), Value::from(marker.len() as i64));
    let (mut out, mut err) = (false, false);
    // Logs travel on their own stream and may trail the result: wait for them, without a
    // time limit (output that never comes shows as this test running on).
    while !(out && err) {
        let record = rx.recv().expect("the log handler is gone");
        if record.message.contains(&format!("{marker} on stderr")) {
            assert!(record.is_stderr(), "{record:?}");
            err = true;
        } else if record.message.contains(&marker) {
            assert!(record.is_stdout(), "{record:?}");
            assert!(record.message.contains("pid="), "{record:?}");
            out = true;
        }
    }
}

#[test]
fn logs_can_be_switched_off() {
    let client = Client::connect_with(common::options().logs(LogHandler::Off)).unwrap();
    let shout = common::task("shout");
    let r = client
        .call(&shout, vec![Value::str("quiet")], vec![])
        .unwrap();
    assert_eq!(client.get(&r).unwrap(), Value::from(5));
}

/// A log handler that sends every record to the returned receiver.
fn collecting() -> (LogHandler, mpsc::Receiver<LogRecord>) {
    let (tx, rx) = mpsc::channel::<LogRecord>();
    let tx = std::sync::Mutex::new(tx);
    let handler = LogHandler::Callback(Arc::new(move |r: &LogRecord| {
        tx.lock().unwrap().send(r.clone()).ok();
    }));
    (handler, rx)
}

/// The value of `key` in a JSON object's entries.
fn field<'a>(entries: &'a [(Value, Value)], key: &str) -> Option<&'a Value> {
    entries
        .iter()
        .find_map(|(k, v)| (k == &Value::str(key)).then_some(v))
}

#[test]
fn the_jobs_logging_config_formats_and_filters_the_workers_records() {
    // What this cluster's release has (the matrix runs this test on every release).
    let caps = common::client().capabilities().clone();
    // 2.30 to 2.42 format as TEXT only, without additional attributes.
    let (encoding, attrs) = match caps.logging_config_json {
        true => (LogEncoding::Json, vec!["name".to_owned()]),
        false => (LogEncoding::Text, Vec::new()),
    };
    let (handler, rx) = collecting();
    let config = LoggingConfig {
        encoding,
        log_level: "debug".to_owned(),
        additional_log_standard_attrs: attrs.clone(),
    };
    let options = common::options().logs(handler).logging_config(config);
    if !caps.logging_config {
        let e = Client::connect_with(options).err().expect("refused");
        assert_eq!(e.kind(), ErrorKind::VersionMismatch, "{e}");
        let want = "logging_config is not supported by the cluster's Ray release (it came with \
                    Ray 2.30)";
        assert!(e.to_string().contains(want), "{e}");
        return;
    }
    let client = Client::connect_with(options).unwrap();
    let marker = format!("debug-record-{}", std::process::id());
    let log = common::task("log_record");
    let args = vec![
        Value::str("rc_log_test"),
        Value::from(10),
        Value::str(marker.clone()),
    ];
    let r = client.call(&log, args, vec![]).unwrap();
    // The workers' root logger is at DEBUG, as configured (Ray's default is INFO).
    assert_eq!(client.get(&r).unwrap(), Value::from(10));
    // Logs may trail the result: wait for the record, without a time limit.
    let record = loop {
        let record = rx.recv().expect("the log handler is gone");
        if record.message.contains(&marker) {
            break record;
        }
    };
    if encoding == LogEncoding::Text {
        // Ray's TEXT format: the level, the logger's location and the message.
        assert!(record.message.contains("DEBUG"), "{record:?}");
        return;
    }
    let json = &record.message[record.message.find('{').expect("a JSON record")..];
    let Value::Dict(entries) = ray_client::json::from_json(json.trim_end()).unwrap() else {
        panic!("not a JSON object: {record:?}");
    };
    assert_eq!(
        field(&entries, "message"),
        Some(&Value::str(&marker)),
        "{json}"
    );
    assert_eq!(
        field(&entries, "levelname"),
        Some(&Value::str("DEBUG")),
        "{json}"
    );
    if !attrs.is_empty() {
        // The additional standard attribute asked for.
        assert_eq!(
            field(&entries, "name"),
            Some(&Value::str("rc_log_test")),
            "{json}"
        );
    }
}

#[test]
fn log_to_driver_false_keeps_the_workers_output_on_the_cluster() {
    let (quiet_handler, quiet_rx) = collecting();
    let quiet =
        Client::connect_with(common::options().logs(quiet_handler).log_to_driver(false)).unwrap();
    let (handler, rx) = collecting();
    let heard = Client::connect_with(common::options().logs(handler)).unwrap();
    let shout = common::task("shout");
    let marker = format!("unheard-{}", std::process::id());
    let r = quiet
        .call(&shout, vec![Value::str(marker.clone())], vec![])
        .unwrap();
    assert_eq!(quiet.get(&r).unwrap(), Value::from(marker.len() as i64));
    // The same output from a client that hears it, after the quiet one's: once it has
    // arrived (waited for without a time limit), the quiet one's had its chance too.
    let control = format!("heard-{}", std::process::id());
    let r = heard
        .call(&shout, vec![Value::str(control.clone())], vec![])
        .unwrap();
    heard.get(&r).unwrap();
    while !rx
        .recv()
        .expect("the log handler is gone")
        .message
        .contains(&control)
    {}
    // A little longer for the quiet one: output that was sent arrives in this time (a
    // slower cluster could only make this pass wrongly, never fail wrongly).
    std::thread::sleep(Duration::from_secs(2));
    let leaked: Vec<_> = quiet_rx
        .try_iter()
        .filter(|r| r.message.contains(&marker))
        .collect();
    assert!(leaked.is_empty(), "log_to_driver=false, yet: {leaked:?}");
}

#[test]
fn logging_level_is_passed_to_the_servers_ray_init() {
    let client = Client::connect_with(common::options().logging_level("debug")).unwrap();
    let r = client
        .call(&common::task("square"), vec![Value::from(3)], vec![])
        .unwrap();
    assert_eq!(client.get(&r).unwrap(), Value::from(9));
    let e = Client::connect_with(common::options().logging_level("loud"))
        .err()
        .expect("refused");
    assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
    assert!(e.to_string().contains("not a logging level"), "{e}");
}

#[test]
fn a_logging_config_ray_would_refuse_is_refused_here() {
    // What Ray would refuse on the cluster is refused here, clearly (what a release
    // lacks is refused by the cluster; the matrix runs the test above on every release).
    let bad = LoggingConfig {
        log_level: "LOUD".to_owned(),
        ..LoggingConfig::default()
    };
    let e = Client::connect_with(common::options().logging_config(bad))
        .err()
        .expect("refused");
    assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
    assert!(e.to_string().contains("not a logging level"), "{e}");
}
