//! `RAY_ADDRESS`, `RAY_NAMESPACE` and `RAY_RUNTIME_ENV` stand in for options not given.
//! In its own test binary because it changes the process environment (its tests take
//! turns: `ENV`).
mod common;

use std::sync::Mutex;

static ENV: Mutex<()> = Mutex::new(());

use ray_client::{Client, ErrorKind, RemoteFunction, Value};

/// `RAY_NAMESPACE` and `RAY_RUNTIME_ENV` (JSON) stand in for options not given, as in
/// Python's client; a `RAY_RUNTIME_ENV` that is not JSON is a clear error.
#[test]
fn ray_namespace_and_ray_runtime_env_are_defaults() {
    let _turn = ENV.lock().unwrap_or_else(|e| e.into_inner());
    let ns = format!("rc-from-env-{}", std::process::id());
    let env = common::test_runtime_env(vec![(
        "env_vars",
        Value::Dict(vec![(Value::str("RC_FROM_ENV"), Value::str("yes"))]),
    )]);
    std::env::set_var("RAY_NAMESPACE", &ns);
    std::env::set_var("RAY_RUNTIME_ENV", ray_client::json::to_json(&env).unwrap());
    let client = Client::connect(&common::cluster().address).unwrap();
    assert_eq!(client.namespace(), Some(ns.as_str()));
    assert_eq!(client.runtime_context().unwrap().namespace, ns);
    let env_var = RemoteFunction::new("rc_test_tasks", "env_var").unwrap();
    let r = client
        .call(&env_var, vec![Value::str("RC_FROM_ENV")], vec![])
        .unwrap();
    assert_eq!(client.get(&r).unwrap(), Value::str("yes"));
    client.disconnect();
    // The options win over the variables.
    let client = Client::connect_with(common::options().namespace("rc-given")).unwrap();
    assert_eq!(client.runtime_context().unwrap().namespace, "rc-given");
    let r = client
        .call(&env_var, vec![Value::str("RC_FROM_ENV")], vec![])
        .unwrap();
    assert_eq!(client.get(&r).unwrap(), Value::None);
    client.disconnect();
    std::env::set_var("RAY_RUNTIME_ENV", "{not json");
    let err = Client::connect(&common::cluster().address)
        .err()
        .expect("a RAY_RUNTIME_ENV that is not JSON");
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    assert!(err.message().contains("RAY_RUNTIME_ENV"), "{err}");
    std::env::remove_var("RAY_RUNTIME_ENV");
    std::env::remove_var("RAY_NAMESPACE");
}

#[test]
fn ray_address_is_used_when_no_address_is_given() {
    let _turn = ENV.lock().unwrap_or_else(|e| e.into_inner());
    let address = common::cluster().address.clone();
    std::env::remove_var("RAY_ADDRESS");
    let err = Client::connect("").err().expect("no address anywhere");
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    assert!(err.message().contains("RAY_ADDRESS"), "{err}");
    std::env::set_var("RAY_ADDRESS", &address);
    let client = Client::connect("").unwrap();
    assert_eq!(client.address().to_string(), address);
    std::env::remove_var("RAY_ADDRESS");
}
