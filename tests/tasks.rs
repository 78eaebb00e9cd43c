//! Remote functions against the real cluster.
mod common;

use ray_client::{ErrorKind, RemoteFunction, Value};

fn f(name: &str) -> RemoteFunction {
    RemoteFunction::new("rc_test_tasks", name).unwrap()
}

#[test]
fn positional_and_keyword_arguments() {
    let client = common::client();
    let r = client
        .call(&f("square"), vec![Value::from(7)], vec![])
        .unwrap();
    assert_eq!(client.get(&r).unwrap(), Value::from(49));
    let r = client
        .call(
            &f("add"),
            vec![Value::from(1), Value::from(2)],
            vec![("c".to_owned(), Value::from(30))],
        )
        .unwrap();
    assert_eq!(client.get(&r).unwrap(), Value::from(33));
    let r = client
        .call(
            &f("echo"),
            vec![Value::str("a"), Value::Float(2.5)],
            vec![("k".to_owned(), Value::List(vec![Value::None]))],
        )
        .unwrap();
    assert_eq!(
        client.get(&r).unwrap(),
        Value::dict([
            (
                "args",
                Value::List(vec![Value::str("a"), Value::Float(2.5)])
            ),
            (
                "kwargs",
                Value::dict([("k", Value::List(vec![Value::None]))])
            ),
        ])
    );
}

#[test]
fn refs_as_arguments_are_resolved_by_ray() {
    let client = common::client();
    let seven = client.put(Value::from(7)).unwrap();
    let r = client
        .call(&f("square"), vec![Value::from(&seven)], vec![])
        .unwrap();
    // A task's result (id still pending when passed) as the argument of the next task.
    let r2 = client
        .call(&f("square"), vec![Value::from(&r)], vec![])
        .unwrap();
    assert_eq!(client.get(&r2).unwrap(), Value::from(2401));
    let r3 = client
        .call(
            &f("add"),
            vec![],
            vec![
                ("a".into(), Value::from(&seven)),
                ("b".into(), Value::from(&r)),
            ],
        )
        .unwrap();
    assert_eq!(client.get(&r3).unwrap(), Value::from(56));
}

#[test]
fn many_tasks_in_flight_at_once() {
    let client = common::client();
    let refs: Vec<_> = (0..200)
        .map(|i| {
            client
                .call(&f("square"), vec![Value::from(i)], vec![])
                .unwrap()
        })
        .collect();
    let values = client.get_many(&refs, None).unwrap();
    assert_eq!(
        values,
        (0..200).map(|i| Value::from(i * i)).collect::<Vec<_>>()
    );
}

#[test]
fn a_raising_function_gives_the_remote_type_and_message() {
    let client = common::client();
    let r = client
        .call(&f("boom"), vec![Value::from(3)], vec![])
        .unwrap();
    let err = client.get(&r).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TaskError, "{err}");
    let remote = err.remote().expect("a remote error");
    assert_eq!(
        remote.cause_type.as_deref(),
        Some("ValueError"),
        "{remote:?}"
    );
    assert_eq!(remote.message, "bad value 3");
    assert!(remote.type_name.contains("RayTaskError"), "{remote:?}");
    let tb = remote.traceback.as_deref().expect("a traceback");
    assert!(tb.starts_with("ray::boom()"), "{tb}");
    assert!(tb.contains("raise ValueError"), "{tb}");
    assert!(err.to_string().contains("bad value 3"), "{err}");
}

#[test]
fn an_unknown_module_or_function_is_a_clear_error() {
    let client = common::client();
    let missing = RemoteFunction::new("no_such_module_xyz", "f").unwrap();
    let err = client.call(&missing, vec![], vec![]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ServerError, "{err}");
    assert!(err.to_string().contains("no_such_module_xyz"), "{err}");
    let missing = RemoteFunction::new("rc_test_tasks", "no_such_function").unwrap();
    let err = client.call(&missing, vec![], vec![]).unwrap_err();
    assert!(err.to_string().contains("no_such_function"), "{err}");
    assert!(RemoteFunction::new("", "f").is_err());
}
