//! Actors against the real cluster.
mod common;

use common::{counter, method_get};
use ray_client::{ActorClass, Client, ErrorKind, Options, Value};

#[test]
fn create_and_call_methods_in_order() {
    let client = common::client();
    let actor = client
        .create_actor(&counter(), vec![Value::from(10)], vec![])
        .unwrap();
    let refs: Vec<_> = (1..=5)
        .map(|k| {
            client
                .call_method(&actor, "incr", vec![Value::from(k)], vec![])
                .unwrap()
        })
        .collect();
    let values = client.get_many(&refs, None).unwrap();
    assert_eq!(
        values,
        vec![11.into(), 13.into(), 16.into(), 20.into(), 25.into()]
    );
    let kw = client
        .call_method(&actor, "incr", vec![], vec![("k".into(), Value::from(100))])
        .unwrap();
    assert_eq!(client.get(&kw).unwrap(), Value::from(125));
}

#[test]
fn method_with_several_returns() {
    let client = common::client();
    let actor = client
        .create_actor(&counter(), vec![Value::from(4)], vec![])
        .unwrap();
    let refs = client
        .call_method_with(
            &actor,
            "pair",
            vec![],
            vec![],
            &Options::new().num_returns(2),
        )
        .unwrap();
    assert_eq!(refs.len(), 2);
    assert_eq!(
        client.get_many(&refs, None).unwrap(),
        vec![Value::from(4), Value::from(-4)]
    );
}

#[test]
fn named_actor_in_this_and_another_namespace() {
    let name = format!("counter-{}", std::process::id());
    let owner = Client::connect_with(common::options().namespace("rc-actors-a")).unwrap();
    let actor = owner
        .create_actor(
            &counter().with_options(Options::new().name(&name)),
            vec![Value::from(1)],
            vec![],
        )
        .unwrap();
    method_get(&owner, &actor, "incr", vec![]).unwrap();

    // Same namespace, looked up by name.
    let same = owner.get_actor(&name, None).unwrap();
    assert_eq!(same.hex().unwrap(), actor.hex().unwrap());
    // Another client in another namespace names the namespace explicitly.
    let other = Client::connect_with(common::options().namespace("rc-actors-b")).unwrap();
    let err = other.get_actor(&name, None).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{err}");
    let found = other.get_actor(&name, Some("rc-actors-a")).unwrap();
    let r = other
        .call_method(&found, "incr", vec![Value::from(5)], vec![])
        .unwrap();
    assert_eq!(other.get(&r).unwrap(), Value::from(7));

    let listed = owner.list_named_actors(false).unwrap();
    assert!(
        listed
            .iter()
            .any(|a| a.name == name && a.namespace == "rc-actors-a"),
        "{listed:?}"
    );
    let all = other.list_named_actors(true).unwrap();
    assert!(
        all.iter()
            .any(|a| a.name == name && a.namespace == "rc-actors-a"),
        "{all:?}"
    );
    assert!(!other
        .list_named_actors(false)
        .unwrap()
        .iter()
        .any(|a| a.name == name));
}

#[test]
fn detached_actor_outlives_its_client() {
    let name = format!("detached-{}", std::process::id());
    let ns = "rc-detached";
    {
        let client = Client::connect_with(common::options().namespace(ns)).unwrap();
        let actor = client
            .create_actor(
                &counter().with_options(Options::new().name(&name).detached()),
                vec![Value::from(41)],
                vec![],
            )
            .unwrap();
        method_get(&client, &actor, "get", vec![]).unwrap();
        client.disconnect();
    }
    let client = common::client();
    let actor = client.get_actor(&name, Some(ns)).unwrap();
    let r = client.call_method(&actor, "incr", vec![], vec![]).unwrap();
    assert_eq!(client.get(&r).unwrap(), Value::from(42));
    client.kill_actor(&actor, true).unwrap();
}

/// `detached_actors` (Python's `JobConfig(default_actor_lifetime="detached")`): an actor
/// created without a lifetime outlives its client; the job's metadata reaches the
/// cluster's job table.
#[test]
fn a_job_config_with_detached_actors_and_metadata() {
    let name = format!("by-default-{}", std::process::id());
    let ns = "rc-job-config";
    let job_id = {
        let options = common::options()
            .namespace(ns)
            .detached_actors(true)
            .job_metadata("team", "ray-client")
            .job_metadata("test", &name);
        let client = Client::connect_with(options).unwrap();
        let actor = client
            .create_actor(
                &counter().with_options(Options::new().name(&name)),
                vec![Value::from(1)],
                vec![],
            )
            .unwrap();
        method_get(&client, &actor, "get", vec![]).unwrap();
        let job_id = client.runtime_context().unwrap().job_id;
        client.disconnect();
        job_id
    };
    // Read from the GCS's job table (the matrix's clusters run no dashboard).
    let metadata = common::job_query("job_metadata.py", &job_id);
    assert!(
        metadata.contains(&format!("\"test\": \"{name}\""))
            && metadata.contains("\"team\": \"ray-client\""),
        "job {job_id}: {metadata}"
    );
    let client = common::client();
    let actor = client.get_actor(&name, Some(ns)).unwrap();
    let r = client.call_method(&actor, "incr", vec![], vec![]).unwrap();
    assert_eq!(client.get(&r).unwrap(), Value::from(2));
    client.kill_actor(&actor, true).unwrap();
}

fn kind(name: &str) -> ActorClass {
    ActorClass::new("rc_actor_kinds", name).unwrap()
}

/// Calls `actor.meet(n)` `n` times at once: every call must see all `n` arrive, which
/// only happens when they run together (tests/python/rc_actor_kinds.py).
fn meet(client: &Client, actor: &ray_client::ActorHandle, n: i64) {
    let refs: Vec<_> = (0..n)
        .map(|_| {
            client
                .call_method(actor, "meet", vec![Value::from(n)], vec![])
                .unwrap()
        })
        .collect();
    for r in &refs {
        assert_eq!(
            client.get(r).unwrap(),
            Value::from(n),
            "the calls ran one at a time"
        );
    }
}

/// An async actor (`async def` methods): four calls meet inside the actor at once, which
/// only happens when they run concurrently on its event loop.
#[test]
fn async_actor_methods_run_concurrently() {
    let client = common::client();
    let meeting = client
        .create_actor(
            &kind("AsyncMeeting").with_options(Options::new().max_concurrency(4)),
            vec![],
            vec![],
        )
        .unwrap();
    meet(&client, &meeting, 4);
    let r = client
        .call_method(&meeting, "echo", vec![Value::str("x")], vec![])
        .unwrap();
    assert_eq!(client.get(&r).unwrap(), Value::str("x"));
}

/// Concurrency groups (`concurrency_groups` on the actor, `@ray.method(concurrency_group=)`
/// on the method): two calls of the "io" group meet at once.
#[test]
fn concurrency_groups_run_their_calls_together() {
    let client = common::client();
    let groups = Value::dict([("io", Value::from(2))]);
    let grouped = client
        .create_actor(
            &kind("Grouped").with_options(Options::new().set("concurrency_groups", groups)),
            vec![],
            vec![],
        )
        .unwrap();
    meet(&client, &grouped, 2);
    let r = client
        .call_method(&grouped, "group_of_default", vec![], vec![])
        .unwrap();
    assert_eq!(client.get(&r).unwrap(), Value::str("default"));
}

/// `@ray.method(num_returns=2)`: the call gives two refs, as in Python, when the caller
/// asks for two.
#[test]
fn ray_method_num_returns_declared_on_the_class() {
    let client = common::client();
    let splitter = client
        .create_actor(&kind("Splitter"), vec![], vec![])
        .unwrap();
    let refs = client
        .call_method_with(
            &splitter,
            "split",
            vec![Value::from(1), Value::str("b")],
            vec![],
            &Options::new().num_returns(2),
        )
        .unwrap();
    assert_eq!(refs.len(), 2);
    assert_eq!(client.get(&refs[0]).unwrap(), Value::from(1));
    assert_eq!(client.get(&refs[1]).unwrap(), Value::str("b"));
    let r = client
        .call_method(
            &splitter,
            "whole",
            vec![Value::from(1), Value::from(2)],
            vec![],
        )
        .unwrap();
    assert_eq!(
        client.get(&r).unwrap(),
        Value::List(vec![Value::from(1), Value::from(2)])
    );
}

#[test]
fn kill_makes_calls_fail_with_actor_died() {
    let client = common::client();
    let actor = client.create_actor(&counter(), vec![], vec![]).unwrap();
    method_get(&client, &actor, "get", vec![]).unwrap();
    let err = common::error_once_killed(&client, &actor, "get");
    assert_eq!(err.kind(), ErrorKind::ActorDied, "{err}");
}

#[test]
fn kill_without_no_restart_lets_ray_restart_the_actor() {
    let client = common::client();
    let actor = client
        .create_actor(
            &counter().with_options(Options::new().max_restarts(1).max_task_retries(-1)),
            vec![],
            vec![],
        )
        .unwrap();
    let pid1 = method_get(&client, &actor, "pid", vec![]).unwrap();
    client.kill_actor(&actor, false).unwrap();
    // ray.kill is asynchronous: a call sent right after it may still be served by the
    // old process (seen once gets became quicker); the restarted actor answers later.
    let restarted = (0..600).any(|_| {
        let pid2 = method_get(&client, &actor, "pid", vec![]);
        let moved = pid2.is_ok_and(|p| p != pid1);
        if !moved {
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        moved
    });
    assert!(restarted, "the restarted actor runs in a new process");
}

#[test]
fn actor_handles_pass_into_tasks_and_come_back_in_values() {
    let client = common::client();
    let actor = client
        .create_actor(&counter(), vec![Value::from(1)], vec![])
        .unwrap();
    let f = common::task("call_actor");
    assert_eq!(
        common::call_get(&client, &f, vec![Value::from(&actor), Value::from(10)]).unwrap(),
        Value::from(11)
    );
    // A handle inside a value comes back as the same handle.
    let boxed = client.put(Value::List(vec![Value::from(&actor)])).unwrap();
    let Value::List(items) = client.get(&boxed).unwrap() else {
        panic!()
    };
    let Value::ActorHandle(back) = &items[0] else {
        panic!("expected an actor handle")
    };
    assert_eq!(back, &actor);
    assert_eq!(
        method_get(&client, back, "get", vec![]).unwrap(),
        Value::from(11)
    );
}

#[test]
fn actor_class_from_source() {
    let client = common::client();
    let class = ActorClass::from_source(
        "class Greeter:\n    def __init__(self, greeting):\n        self.greeting = greeting\n    def greet(self, name):\n        return self.greeting + ', ' + name\n",
        "Greeter",
    )
    .unwrap();
    let actor = client
        .create_actor(&class, vec![Value::str("hello")], vec![])
        .unwrap();
    assert_eq!(
        method_get(&client, &actor, "greet", vec![Value::str("ray")]).unwrap(),
        Value::str("hello, ray")
    );
}

#[test]
fn max_concurrency_runs_methods_in_parallel() {
    let client = common::client();
    let max_active = |concurrency: i64| {
        let actor = client
            .create_actor(
                &counter().with_options(Options::new().max_concurrency(concurrency)),
                vec![],
                vec![],
            )
            .unwrap();
        let refs: Vec<_> = (0..4)
            .map(|_| {
                client
                    .call_method(&actor, "overlap", vec![Value::Float(0.5)], vec![])
                    .unwrap()
            })
            .collect();
        client.get_many(&refs, None).unwrap();
        method_get(&client, &actor, "max_active", vec![]).unwrap()
    };
    assert_eq!(max_active(1), Value::from(1));
    assert!(
        max_active(4).as_i64().unwrap() > 1,
        "calls never overlapped"
    );
}

#[test]
fn actor_resources_place_the_actor() {
    let client = common::client();
    let class = ActorClass::from_source(
        "class Where:\n    def node(self):\n        import ray\n        return ray.get_runtime_context().get_node_id()\n",
        "Where",
    )
    .unwrap()
    .with_options(Options::new().resources([("rc_node2", 1.0)]).num_cpus(0.0));
    let actor = client.create_actor(&class, vec![], vec![]).unwrap();
    let node = method_get(&client, &actor, "node", vec![]).unwrap();
    assert_eq!(node.as_str(), common::cluster().node2_id.as_deref());
}

#[test]
fn get_if_exists_returns_the_live_actor_or_creates_it() {
    let client = common::client();
    let name = format!("rc-gie-{}", std::process::id());
    let gie = || counter().with_options(Options::new().name(&name).get_if_exists(true));
    // A free name: created, with the given arguments.
    let a = client
        .create_actor(&gie(), vec![Value::from(100)], vec![])
        .unwrap();
    let incr = |h: &ray_client::ActorHandle| method_get(&client, h, "incr", vec![]).unwrap();
    assert_eq!(incr(&a), Value::from(101));
    // A taken name: the same actor, untouched by the second creation (which Python's
    // client also does not run), and the first handle keeps working.
    let b = client
        .create_actor(&gie(), vec![Value::from(0)], vec![])
        .unwrap();
    assert_eq!(b.hex().unwrap(), a.hex().unwrap());
    assert_eq!(incr(&b), Value::from(102));
    assert_eq!(incr(&a), Value::from(103));
    // Without a name there is nothing to look up.
    let e = client
        .create_actor(
            &counter().with_options(Options::new().get_if_exists(true)),
            vec![],
            vec![],
        )
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
}
