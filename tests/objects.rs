//! Put, get, wait and release against the real cluster.
mod common;

use std::time::Duration;

use common::task as f;
use ray_client::{ErrorKind, Value};

fn samples() -> Vec<(Value, &'static str)> {
    vec![
        (Value::None, "NoneType"),
        (Value::Bool(true), "bool"),
        (Value::Bool(false), "bool"),
        (Value::from(0), "int"),
        (Value::from(-7), "int"),
        (Value::from(300), "int"),
        (Value::from(i64::MAX), "int"),
        (Value::from(i64::MIN), "int"),
        (Value::from(u64::MAX), "int"),
        (Value::Float(1.5), "float"),
        (Value::Float(-0.0), "float"),
        (Value::str(""), "str"),
        (Value::str("héllo wörld ✓"), "str"),
        (Value::str("x".repeat(70_000)), "str"),
        (Value::bytes(&b"\x00\x01binary"[..]), "bytes"),
        (Value::bytes(vec![7u8; 300]), "bytes"),
        (
            Value::List(vec![Value::from(1), Value::str("two"), Value::None]),
            "list",
        ),
        (Value::Tuple(vec![Value::from(1), Value::from(2)]), "tuple"),
        (Value::Tuple(vec![]), "tuple"),
        (
            Value::dict([
                ("a", Value::from(1)),
                ("b", Value::List(vec![Value::Float(2.0)])),
            ]),
            "dict",
        ),
        (
            Value::Dict(vec![(Value::from(1), Value::str("int key"))]),
            "dict",
        ),
        (Value::Set(vec![Value::from(3)]), "set"),
        (Value::FrozenSet(vec![Value::str("f")]), "frozenset"),
    ]
}

#[test]
fn put_get_round_trips_every_basic_kind() {
    let client = common::client();
    for (value, python_type) in samples() {
        let r = client.put(value.clone()).unwrap();
        assert_eq!(client.get(&r).unwrap(), value, "round trip of {value:?}");
        // The cluster sees the Python type we meant, not just bytes that come back.
        let t = client
            .call(&f("type_name"), vec![Value::from(&r)], vec![])
            .unwrap();
        assert_eq!(
            client.get(&t).unwrap(),
            Value::str(python_type),
            "type of {value:?}"
        );
    }
}

#[test]
fn bytearray_reaches_the_cluster_and_comes_back_as_bytes_like_in_python() {
    // Ray's object store turns a bytearray into bytes; the Python client sees the same.
    let client = common::client();
    let v = Value::ByteArray(vec![1u8, 2, 3].into());
    let r = client.put(v).unwrap();
    assert_eq!(client.get(&r).unwrap(), Value::bytes(vec![1u8, 2, 3]));
}

#[test]
fn get_many_returns_values_in_order() {
    let client = common::client();
    let refs: Vec<_> = (0..10)
        .map(|i| client.put(Value::from(i * i)).unwrap())
        .collect();
    common::assert_squares(&client, &refs);
}

#[test]
fn get_with_timeout_fails_with_timeout_and_without_waits() {
    let client = common::client();
    let slow = common::sleep_then(&client, 3.0, Value::str("done"));
    let err = common::get_within(&client, &slow, Duration::from_millis(200)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert!(
        err.remote().unwrap().type_name.ends_with("GetTimeoutError"),
        "{err:?}"
    );
    // No timeout: polls the server in 2 s slices until the 3 s task is done.
    assert_eq!(client.get(&slow).unwrap(), Value::str("done"));
}

#[test]
fn zero_timeout_means_do_not_wait() {
    let client = common::client();
    let slow = common::sleep_then(&client, 2.0, Value::None);
    let err = common::get_within(&client, &slow, Duration::ZERO).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
}

#[test]
fn large_values_are_chunked_both_ways() {
    let client = common::client();
    // 20 MiB made on the cluster comes back in 5 MiB chunks.
    let n = 20 * 1024 * 1024 + 17;
    let r = client
        .call(&f("make_bytes"), vec![Value::from(n as i64)], vec![])
        .unwrap();
    let v = client.get(&r).unwrap();
    let b = v.as_bytes().unwrap();
    assert_eq!(b.len(), n);
    assert!(b.iter().all(|&x| x == 0xab));
    // 12 MiB put from here arrives whole.
    let data: Vec<u8> = (0..12 * 1024 * 1024 + 3).map(|i| (i % 251) as u8).collect();
    let expected = data[..1024].iter().map(|&x| x as i64).sum::<i64>() + data.len() as i64;
    let r = client.put(Value::bytes(data)).unwrap();
    let s = client
        .call(&f("byte_sum"), vec![Value::from(&r)], vec![])
        .unwrap();
    assert_eq!(client.get(&s).unwrap(), Value::from(expected));
}

#[test]
fn one_gib_bytes_value_round_trips() {
    let client = common::client();
    let n = 1usize << 30;
    let mut data = vec![0u8; n];
    for (i, chunk) in data.chunks_mut(4096).enumerate() {
        chunk[0] = (i % 256) as u8;
    }
    let data = bytes::Bytes::from(data);
    let r = client.put(Value::Bytes(data.clone())).unwrap();
    let back = client.get(&r).unwrap();
    let back = back.as_bytes().unwrap();
    assert_eq!(back.len(), n);
    assert!(back == &data[..], "1 GiB value changed in transit");
}

/// What a progress callback saw: (done, total, the thread's name).
type Reports = std::sync::Arc<std::sync::Mutex<Vec<(u64, u64, String)>>>;

fn reporter() -> (Reports, impl Fn(u64, u64) + Send + Sync + 'static) {
    let seen = Reports::default();
    let s = seen.clone();
    let f = move |done, total| {
        let name = std::thread::current().name().unwrap_or("").to_owned();
        s.lock().unwrap().push((done, total, name));
    };
    (seen, f)
}

/// Checks a transfer's reports: from (0, _) to (total, total), never backwards or past
/// the total, from the progress thread, at most one per 100 ms (plus the first and last).
fn check_reports(seen: &Reports, total: u64, took: std::time::Duration) {
    let seen = seen.lock().unwrap();
    assert_eq!(seen.first().map(|r| r.0), Some(0), "{seen:?}");
    assert_eq!(
        seen.last().map(|r| (r.0, r.1)),
        Some((total, total)),
        "{seen:?}"
    );
    assert!(seen.windows(2).all(|w| w[0].0 <= w[1].0), "{seen:?}");
    assert!(seen.iter().all(|r| r.1 == 0 || r.0 <= r.1), "{seen:?}");
    assert!(
        seen.iter().all(|r| r.2 == "ray-client-progress"),
        "{seen:?}"
    );
    let most = took.as_millis() as usize / 100 + 2;
    assert!(seen.len() <= most, "{} reports in {took:?}", seen.len());
}

#[test]
fn large_puts_and_gets_report_their_progress() {
    let client = common::client();
    let data = bytes::Bytes::from(vec![7u8; 200 << 20]);
    let (seen, progress) = reporter();
    let started = std::time::Instant::now();
    let r = client
        .put_with_progress(Value::Bytes(data.clone()), progress)
        .unwrap();
    let took = started.elapsed();
    // The total is the pickled value's size: the bytes and a few of pickle's.
    let total = seen.lock().unwrap()[0].1;
    assert!(
        total > data.len() as u64 && total < data.len() as u64 + 64,
        "{total}"
    );
    check_reports(&seen, total, took);

    let (seen, progress) = reporter();
    let started = std::time::Instant::now();
    let back = client.get_with_progress(&r, None, progress).unwrap();
    let took = started.elapsed();
    assert!(back.as_bytes().unwrap() == &data[..]);
    let total = seen.lock().unwrap().last().unwrap().1;
    assert!(total >= data.len() as u64, "{total}");
    check_reports(&seen, total, took);

    // A small object reports too (once it came, all of it).
    let r = client.put(Value::from(5)).unwrap();
    let (seen, progress) = reporter();
    assert_eq!(
        client.get_with_progress(&r, None, progress).unwrap(),
        Value::from(5)
    );
    let last = *seen
        .lock()
        .unwrap()
        .last()
        .map(|r| (r.0, r.1))
        .as_ref()
        .unwrap();
    assert!(last.0 == last.1 && last.1 > 0, "{last:?}");
}

#[test]
fn wait_splits_ready_from_not_ready() {
    let client = common::client();
    let fast = client.put(Value::from(1)).unwrap();
    let slow = common::sleep_then(&client, 30.0, Value::None);
    let (ready, rest) = client
        .wait(
            &[slow.clone(), fast.clone()],
            1,
            Some(Duration::from_secs(10)),
        )
        .unwrap();
    assert_eq!(ready, vec![fast.clone()]);
    assert_eq!(rest, vec![slow.clone()]);
    // Timeout expires with fewer ready than asked for.
    let (ready, rest) = client
        .wait(
            &[slow.clone(), fast.clone()],
            2,
            Some(Duration::from_millis(300)),
        )
        .unwrap();
    assert_eq!((ready.len(), rest.len()), (1, 1));
    let err = client.wait(&[fast], 2, None).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
}

#[test]
fn last_handle_dropped_releases_the_object_on_the_server() {
    let client = common::client();
    let r = client.put(Value::str("short-lived")).unwrap();
    let id = r.id_blocking().unwrap();
    let copy = r.clone();
    drop(r);
    // Sends any release the drop made and waits for the server to process it.
    client.__settle_releases();
    assert!(
        client.__server_holds(&id).unwrap(),
        "released while a clone was alive"
    );
    drop(copy);
    client.__settle_releases();
    assert!(
        !client.__server_holds(&id).unwrap(),
        "not released after the last handle"
    );
}

/// Refs dropped together go in batched releases (the batching rule itself is unit-tested
/// in src/datapath.rs); each one is still released, and only once its last handle goes.
#[test]
fn refs_dropped_together_are_all_released_except_one_still_held() {
    let client = common::client();
    let refs: Vec<_> = (0..1000)
        .map(|i| client.put(Value::from(i)).unwrap())
        .collect();
    let ids: Vec<_> = refs.iter().map(|r| r.id_blocking().unwrap()).collect();
    let kept = refs[500].clone();
    drop(refs);
    client.__settle_releases();
    for (i, id) in ids.iter().enumerate() {
        assert_eq!(client.__server_holds(id).unwrap(), i == 500, "ref {i}");
    }
    assert_eq!(client.get(&kept).unwrap(), Value::from(500));
}

/// A release held back goes out on its own, with no later request to carry it.
#[test]
fn a_held_back_release_reaches_the_server_by_itself() {
    let client = common::client();
    let r = client.put(Value::from(1)).unwrap();
    let id = r.id_blocking().unwrap();
    drop(r);
    // A liveness bound (the release waits a few ms), not a timing assertion.
    let released = (0..600).any(|_| {
        std::thread::sleep(Duration::from_millis(50));
        !client.__server_holds(&id).unwrap()
    });
    assert!(released, "the release never reached the server");
}

/// The last handle of `inner` goes while an object holding it is still to be fetched:
/// its release (held back) must reach the server before the get that hands `inner` out
/// again, by either path of a get, or the server would drop a ref the client holds.
#[test]
fn a_ref_released_then_fetched_inside_a_value_stays_valid() {
    let client = common::client();
    for deadline in [None, Some(Duration::from_secs(600))] {
        // Without a deadline: an asynchronous get on the Datapath (a small put);
        // with one: a `GetObject` call on a stream of its own.
        let inner = client.put(Value::from(42)).unwrap();
        let id = inner.id_blocking().unwrap();
        let outer = client.put(Value::List(vec![Value::from(&inner)])).unwrap();
        drop(inner);
        let got = client
            .get_many(std::slice::from_ref(&outer), deadline)
            .unwrap();
        let Value::List(items) = &got[0] else {
            panic!("expected a list")
        };
        let Value::ObjectRef(again) = &items[0] else {
            panic!("expected a ref")
        };
        client.__settle_releases();
        assert!(client.__server_holds(&id).unwrap(), "{deadline:?}");
        assert_eq!(client.get(again).unwrap(), Value::from(42), "{deadline:?}");
    }
}

#[test]
fn a_ref_that_comes_back_nested_is_the_same_handle() {
    let client = common::client();
    let inner = client.put(Value::from(5)).unwrap();
    let id = inner.id_blocking().unwrap();
    let outer = client.put(Value::List(vec![Value::from(&inner)])).unwrap();
    let got = client.get(&outer).unwrap();
    let Value::List(items) = got else {
        panic!("expected a list")
    };
    let Value::ObjectRef(nested) = &items[0] else {
        panic!("expected a ref")
    };
    assert_eq!(nested, &inner);
    assert_eq!(client.get(nested).unwrap(), Value::from(5));
    drop(items);
    client.__settle_releases();
    assert!(
        client.__server_holds(&id).unwrap(),
        "dropping the nested copy released the original"
    );
}

#[test]
fn refs_of_another_client_are_refused() {
    let a = common::client();
    let b = common::client();
    let r = a.put(Value::from(1)).unwrap();
    let err = b.get(&r).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    assert!(err.message().contains(a.client_id()), "{err}");
    let err = b.put(Value::List(vec![Value::from(&r)])).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
}

/// A get of one object known to be small goes as an asynchronous get on the Datapath;
/// a large or unknown one through a `GetObject` call. Both bring the same values and
/// the same errors, whatever the object turns out to be.
#[test]
fn gets_take_the_path_their_size_calls_for_and_agree() {
    let client = common::client();
    let path = |before: (u64, u64)| {
        let now = client.__gets_by_path();
        (now.0 - before.0, now.1 - before.1)
    };
    let get = |r: &ray_client::ObjectRef| {
        let before = client.__gets_by_path();
        (client.get(r), path(before))
    };
    let big = Value::bytes((0..12 << 20).map(|i| (i % 251) as u8).collect::<Vec<u8>>());

    // A small put: the Datapath. A large one: a call.
    let (v, p) = get(&client.put(Value::from(7)).unwrap());
    assert_eq!((v.unwrap(), p), (Value::from(7), (1, 0)));
    let (v, p) = get(&client.put(big.clone()).unwrap());
    assert_eq!((v.unwrap(), p), (big.clone(), (0, 1)));

    // A function's returns: the first get is a call (nothing known); after a small
    // return the Datapath, which also brings a large one whole (three chunks); after a
    // large one a call again.
    let identity = f("identity");
    let call = |v: Value| client.call(&identity, vec![v], vec![]).unwrap();
    let (v, p) = get(&call(Value::from(1)));
    assert_eq!((v.unwrap(), p), (Value::from(1), (0, 1)));
    let (v, p) = get(&call(big.clone()));
    assert_eq!((v.unwrap(), p), (big.clone(), (1, 0)));
    let (v, p) = get(&call(big.clone()));
    assert_eq!((v.unwrap(), p), (big.clone(), (0, 1)));
    let (v, p) = get(&call(Value::str("small again")));
    assert_eq!((v.unwrap(), p), (Value::str("small again"), (0, 1)));

    // A task error found on the Datapath is fetched again through a call, so it reads
    // exactly as one that only took a call (the error as Ray raises it).
    let sum = f("byte_sum");
    let (v, p) = get(&client
        .call(&sum, vec![Value::bytes(&b"ab"[..])], vec![])
        .unwrap());
    assert_eq!((v.unwrap(), p), (Value::from(97 + 98 + 2), (0, 1)));
    let failing = client.call(&sum, vec![Value::from(3)], vec![]).unwrap();
    let (v, p) = get(&failing);
    assert_eq!(p, (1, 1));
    let err = v.unwrap_err();
    let by_call = common::get_within(&client, &failing, Duration::from_secs(3600)).unwrap_err();
    common::assert_task_error(&err, "byte_sum", "TypeError");
    assert_eq!(err.to_string(), by_call.to_string());
}
