//! Item streams (a generator's items as it yields them) against the real cluster: the
//! generators are tests/python/rc_streams.py's, which write what they did to the
//! cluster's KV store (namespace "rc_streams") for the tests to read.
mod common;

use std::time::Duration;

use futures::StreamExt;
use ray_client::{
    ActorClass, Client, ErrorKind, ItemStream, Options, RemoteFunction, Value,
    DEFAULT_STREAM_BUFFER,
};

const NS: Option<&str> = Some("rc_streams");

fn generator(name: &str) -> RemoteFunction {
    RemoteFunction::new("rc_streams", name).unwrap()
}

/// A KV key of this test's own (tests of several runs may share a cluster).
fn key(what: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{what}-{}-{nanos}", std::process::id())
}

fn kv_int(client: &Client, key: &str) -> Option<i64> {
    let v = client.kv_get(key.as_bytes(), NS).unwrap()?;
    Some(std::str::from_utf8(&v).unwrap().parse().unwrap())
}

/// Waits (no time limit) until the generator writing `key` says it was stopped; returns
/// how many items it produced.
fn wait_stopped(client: &Client, key: &str) -> i64 {
    loop {
        if let Some(n) = kv_int(client, &format!("{key}:stopped")) {
            return n;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn ints(stream: ItemStream) -> Vec<i64> {
    stream
        .into_iter()
        .map(|v| v.unwrap().as_i64().unwrap())
        .collect()
}

#[test]
fn a_generator_function_streams_its_items_in_order() {
    let client = common::client();
    let stream = client
        .call_streaming(&generator("count"), vec![500.into()], vec![])
        .unwrap();
    assert_eq!(stream.buffer(), DEFAULT_STREAM_BUFFER);
    assert_eq!(ints(stream), (0..500).collect::<Vec<_>>());
    // Keyword arguments, and a generator that yields nothing.
    let empty = client
        .call_streaming(&generator("count"), vec![], vec![("n".into(), 0.into())])
        .unwrap();
    assert!(empty.next_item().unwrap().is_none());
    assert!(
        empty.next_item().unwrap().is_none(),
        "the end stays the end"
    );
}

#[test]
fn items_arrive_as_they_are_yielded() {
    // The generator yields item i only after the test saw item i - 1.
    let client = common::client();
    let k = key("lockstep");
    let stream = client
        .call_streaming(
            &generator("lockstep"),
            vec![5.into(), k.clone().into()],
            vec![],
        )
        .unwrap();
    for i in 0..5 {
        assert_eq!(stream.next_item().unwrap(), Some(Value::from(i)));
        client
            .kv_put(k.as_bytes(), i.to_string().as_bytes(), true, NS)
            .unwrap();
    }
    assert_eq!(stream.next_item().unwrap(), None);
}

#[test]
fn a_read_that_times_out_keeps_its_place() {
    let client = common::client();
    let k = key("timeout");
    let stream = client
        .call_streaming(
            &generator("lockstep"),
            vec![2.into(), k.clone().into()],
            vec![],
        )
        .unwrap();
    assert_eq!(stream.next_item().unwrap(), Some(Value::from(0)));
    // Item 1 cannot exist before the key is written.
    let err = stream
        .next_item_timeout(Some(Duration::from_millis(200)))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    client.kv_put(k.as_bytes(), b"0", true, NS).unwrap();
    assert_eq!(stream.next_item().unwrap(), Some(Value::from(1)));
    client.kv_put(k.as_bytes(), b"1", true, NS).unwrap();
    assert_eq!(stream.next_item().unwrap(), None);
}

#[test]
fn an_exception_mid_stream_comes_after_the_items_before_it() {
    let client = common::client();
    let stream = client
        .call_streaming(&generator("fail_after"), vec![3.into()], vec![])
        .unwrap();
    for i in 0..3 {
        assert_eq!(stream.next_item().unwrap(), Some(Value::from(i)));
    }
    let err = stream.next_item().unwrap_err();
    let (remote, _) = common::assert_task_error(&err, "fail_after", "ValueError");
    assert!(remote.message.contains("boom after 3"), "{remote:?}");
    assert_eq!(
        stream.next_item().unwrap(),
        None,
        "the stream ends at the exception"
    );
}

#[test]
fn dropping_a_stream_stops_its_generator() {
    let client = common::client();
    let k = key("drop");
    let stream = client
        .call_streaming(&generator("endless"), vec![k.clone().into()], vec![])
        .unwrap();
    for i in 0..3 {
        assert_eq!(stream.next_item().unwrap(), Some(Value::from(i)));
    }
    drop(stream);
    let produced = wait_stopped(&client, &k);
    assert!(produced >= 3, "{produced}");
}

#[test]
fn cancelling_a_stream_stops_its_generator_and_ends_the_stream() {
    let client = common::client();
    let k = key("cancel");
    let stream = client
        .call_streaming(&generator("endless"), vec![k.clone().into()], vec![])
        .unwrap();
    assert_eq!(stream.next_item().unwrap(), Some(Value::from(0)));
    stream.cancel().unwrap();
    assert_eq!(stream.next_item().unwrap(), None);
    stream.cancel().unwrap();
    wait_stopped(&client, &k);
}

#[test]
fn cancelling_ends_a_read_in_progress() {
    // Item 1 of a lockstep generator never comes (the key is never written): a read of it
    // waits until the stream is cancelled from another thread, then ends.
    let client = common::client();
    let k = key("cancel-read");
    let stream = client
        .call_streaming(&generator("lockstep"), vec![2.into(), k.into()], vec![])
        .unwrap();
    assert_eq!(stream.next_item().unwrap(), Some(Value::from(0)));
    std::thread::scope(|s| {
        let reader = s.spawn(|| stream.next_item());
        std::thread::sleep(Duration::from_millis(300));
        stream.cancel().unwrap();
        assert_eq!(reader.join().unwrap().unwrap(), None);
    });
}

#[test]
fn a_slow_reader_holds_at_most_six_batches_of_items() {
    let client = common::client();
    let k = key("bounded");
    let buffer = 4;
    let f = generator("endless")
        .with_options(Options::new().set("_generator_backpressure_num_objects", buffer));
    let stream = client
        .call_streaming(&f, vec![k.clone().into()], vec![])
        .unwrap();
    assert_eq!(stream.buffer(), buffer as usize);
    assert_eq!(stream.next_item().unwrap(), Some(Value::from(0)));
    // The generator runs ahead of the reader until it is paused: by at most one batch
    // (of up to `buffer` items) in its own process and five on their way (Ray's
    // back-pressure, which lets one more through on Ray 2.9, the pump's queue, the batch
    // fetched ahead, the one being read), plus the item it counted before the pause. Checked until the count stays put for a
    // second.
    let mut last = -1;
    loop {
        std::thread::sleep(Duration::from_secs(1));
        let now = kv_int(&client, &k).unwrap();
        assert!(now <= 6 * buffer + 1, "{now} items produced, one read");
        if now == last {
            break;
        }
        last = now;
    }
    // Reading on resumes it, in order.
    for i in 1..40 {
        assert_eq!(stream.next_item().unwrap(), Some(Value::from(i)));
    }
}

#[test]
fn large_items_stream_in_order() {
    let client = common::client();
    let size: i64 = 1 << 20;
    let stream = client
        .call_streaming(&generator("chunks"), vec![20.into(), size.into()], vec![])
        .unwrap();
    let mut n = 0;
    for (i, item) in stream.iter().enumerate() {
        let Value::Bytes(b) = item.unwrap() else {
            panic!("not bytes")
        };
        assert_eq!(b.len(), size as usize);
        assert!(b.iter().all(|&x| x == (i % 256) as u8));
        n += 1;
    }
    assert_eq!(n, 20);
}

#[test]
fn a_stream_is_a_futures_stream() {
    let client = common::client();
    let stream = client
        .call_streaming(&generator("count"), vec![50.into()], vec![])
        .unwrap();
    let items: Vec<i64> = futures::executor::block_on(
        stream
            .map(|v| v.unwrap().as_i64().unwrap())
            .collect::<Vec<_>>(),
    );
    assert_eq!(items, (0..50).collect::<Vec<_>>());
}

#[test]
fn streams_share_a_client_across_threads() {
    let client = common::client();
    std::thread::scope(|s| {
        for t in 0..6i64 {
            let client = &client;
            s.spawn(move || {
                let stream = client
                    .call_streaming(&generator("count"), vec![(100 + t).into()], vec![])
                    .unwrap();
                assert_eq!(ints(stream), (0..100 + t).collect::<Vec<_>>());
            });
        }
    });
}

#[test]
fn actor_generator_methods_stream() {
    let client = common::client();
    let actor = client
        .create_actor(
            &ActorClass::new("rc_streams", "Streamer").unwrap(),
            vec![100.into()],
            vec![],
        )
        .unwrap();
    let stream = client
        .call_method_streaming(&actor, "count", vec![5.into()], vec![], &Options::new())
        .unwrap();
    assert_eq!(stream.buffer(), ray_client::DEFAULT_METHOD_STREAM_BUFFER);
    assert_eq!(ints(stream), vec![100, 101, 102, 103, 104]);
    let failing = client
        .call_method_streaming(
            &actor,
            "fail_after",
            vec![2.into()],
            vec![],
            &Options::new(),
        )
        .unwrap();
    assert_eq!(failing.next_item().unwrap(), Some(Value::from(0)));
    assert_eq!(failing.next_item().unwrap(), Some(Value::from(1)));
    let err = failing.next_item().unwrap_err();
    common::assert_task_error(&err, "Streamer.fail_after", "ValueError");

    // An async actor's async generator method (Ray before 2.60 without back-pressure:
    // see Capabilities::async_actor_generator_backpressure).
    let aactor = client
        .create_actor(
            &ActorClass::new("rc_streams", "AsyncStreamer").unwrap(),
            vec![],
            vec![],
        )
        .unwrap();
    let stream = client
        .call_method_streaming(&aactor, "count", vec![30.into()], vec![], &Options::new())
        .unwrap();
    assert_eq!(ints(stream), (0..30).collect::<Vec<_>>());
}

#[test]
fn dropping_an_actor_method_stream_stops_it_where_ray_can() {
    let client = common::client();
    let actor = client
        .create_actor(
            &ActorClass::new("rc_streams", "Streamer").unwrap(),
            vec![],
            vec![],
        )
        .unwrap();
    if common::capabilities().stops_actor_generators {
        let k = key("actor-drop");
        let stream = client
            .call_method_streaming(
                &actor,
                "endless",
                vec![k.clone().into()],
                vec![],
                &Options::new(),
            )
            .unwrap();
        assert_eq!(stream.next_item().unwrap(), Some(Value::from(0)));
        drop(stream);
        wait_stopped(&client, &k);
    } else {
        // Ray cannot stop it: a finite one runs on to its end, and the actor is free again.
        let stream = client
            .call_method_streaming(&actor, "count", vec![300.into()], vec![], &Options::new())
            .unwrap();
        assert_eq!(stream.next_item().unwrap(), Some(Value::from(0)));
        drop(stream);
    }
    let pong = client.call_method(&actor, "ping", vec![], vec![]).unwrap();
    assert_eq!(client.get(&pong).unwrap(), Value::from("pong"));
}

#[test]
fn bad_stream_calls_are_refused_clearly() {
    let client = common::client();
    let zero = generator("count")
        .with_options(Options::new().set("_generator_backpressure_num_objects", 0));
    let err = client
        .call_streaming(&zero, vec![1.into()], vec![])
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{err}");
    assert!(err.message().contains("buffer"), "{err}");

    let streaming = generator("count").with_options(Options::new().set("num_returns", "streaming"));
    let err = client.call(&streaming, vec![1.into()], vec![]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{err}");
    assert!(err.message().contains("call_streaming"), "{err}");

    // Option values Ray refuses: refused before the generator is called, as for a call.
    let refused = generator("count").with_options(Options::new().max_retries(-5));
    let err = client
        .call_streaming(&refused, vec![1.into()], vec![])
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{err}");
    assert!(err.message().contains("max_retries"), "{err}");

    let missing = RemoteFunction::new("rc_streams", "no_such_generator").unwrap();
    let err = client.call_streaming(&missing, vec![], vec![]).unwrap_err();
    assert!(err.message().contains("no_such_generator"), "{err}");

    // A function that is not a generator: Ray's own error, on the first read.
    let stream = client
        .call_streaming(&common::task("square"), vec![3.into()], vec![])
        .unwrap();
    let err = stream.next_item().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TaskError, "{err}");

    let actor = client
        .create_actor(&common::counter(), vec![0.into()], vec![])
        .unwrap();
    let err = client
        .call_method_streaming(&actor, "", vec![], vec![], &Options::new())
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{err}");

    // A stream outliving its client ends with the client's error, and drops quietly.
    let other = common::client();
    let stream = other
        .call_streaming(&generator("count"), vec![3.into()], vec![])
        .unwrap();
    other.disconnect();
    assert!(stream.next_item().is_err());
}

#[test]
fn a_dynamic_generator_gives_the_list_of_its_items_refs() {
    // num_returns="dynamic", as Python's client has it: one ref, whose value is the list
    // of the items' refs once the generator finished.
    let client = common::client();
    let f = generator("count").with_options(Options::new().set("num_returns", "dynamic"));
    let r = client.call(&f, vec![4.into()], vec![]).unwrap();
    let Value::List(refs) = client.get(&r).unwrap() else {
        panic!("not a list")
    };
    let refs: Vec<_> = refs
        .into_iter()
        .map(|v| match v {
            Value::ObjectRef(r) => r,
            other => panic!("not a ref: {other:?}"),
        })
        .collect();
    assert_eq!(
        client.get_many(&refs, None).unwrap(),
        vec![0.into(), 1.into(), 2.into(), 3.into()]
    );
    // A generator that raises: as in Python, its last ref holds the exception.
    let failing =
        generator("fail_after").with_options(Options::new().set("num_returns", "dynamic"));
    let Value::List(refs) = client
        .get(&client.call(&failing, vec![2.into()], vec![]).unwrap())
        .unwrap()
    else {
        panic!("not a list")
    };
    assert_eq!(refs.len(), 3, "two items and the exception");
    let Value::ObjectRef(last) = &refs[2] else {
        panic!("not a ref")
    };
    let err = client.get(last).unwrap_err();
    common::assert_task_error(&err, "fail_after", "ValueError");
}
