//! Remote functions against the real cluster.
mod common;

use common::task as f;
use ray_client::{ErrorKind, RemoteFunction, Value};

#[test]
fn positional_and_keyword_arguments() {
    let client = common::client();
    assert_eq!(
        common::call_get(&client, &f("square"), vec![Value::from(7)]).unwrap(),
        Value::from(49)
    );
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
    common::assert_squares(&client, &refs);
}

#[test]
fn a_raising_function_gives_the_remote_type_and_message() {
    let client = common::client();
    let err = common::call_get(&client, &f("boom"), vec![Value::from(3)]).unwrap_err();
    let (remote, tb) = common::assert_task_error(&err, "boom", "ValueError");
    assert_eq!(remote.message, "bad value 3");
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
    let missing = f("no_such_function");
    let err = client.call(&missing, vec![], vec![]).unwrap_err();
    assert!(err.to_string().contains("no_such_function"), "{err}");
    assert!(RemoteFunction::new("", "f").is_err());
}

/// `max_calls`, which Ray takes only where a function is declared (`@ray.remote`): with
/// 1, each call runs in a fresh worker process; the same function without it is a new
/// declaration, whose calls may share one.
#[test]
fn max_calls_is_declared_with_the_function() {
    let client = common::client();
    let once = f("my_pid").with_options(ray_client::Options::new().set("max_calls", 1));
    let pids: Vec<Value> = (0..2)
        .map(|_| {
            client
                .get(&client.call(&once, vec![], vec![]).unwrap())
                .unwrap()
        })
        .collect();
    assert_ne!(pids[0], pids[1], "a max_calls=1 worker ran a second call");
    let plain = f("my_pid");
    assert!(matches!(
        client
            .get(&client.call(&plain, vec![], vec![]).unwrap())
            .unwrap(),
        Value::Int(_)
    ));
}
