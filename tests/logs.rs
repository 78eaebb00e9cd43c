//! Task and actor output streamed back to the client.
mod common;

use std::sync::mpsc;
use std::sync::Arc;

use ray_client::{Client, LogHandler, LogRecord, Value};

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
