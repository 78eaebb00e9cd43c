//! The cluster's state through the real dashboard, with real actors, tasks, objects and
//! a placement group in it, read as Python's `ray.util.state` reads them.
mod common;

use std::time::Duration;

use ray_client::dashboard::state::{ListOptions, Predicate, StateResource};
use ray_client::{ErrorKind, Options, PlacementStrategy, Value};

#[test]
fn actors_tasks_objects_nodes_and_placement_groups_are_listed_typed() {
    let client = common::client();
    let d = common::dashboard();
    let name = format!("rc-state-{}", std::process::id());
    let actor = client
        .create_actor(
            &common::counter().with_options(Options::new().name(&name)),
            vec![Value::from(1)],
            vec![],
        )
        .unwrap();
    let r = client
        .call_method(&actor, "incr", vec![Value::from(2)], vec![])
        .unwrap();
    assert_eq!(client.get(&r).unwrap(), Value::from(3));
    let held = client.put(Value::bytes(vec![7u8; 1 << 20])).unwrap();
    let sq = client
        .call(&common::task("square"), vec![Value::from(9)], vec![])
        .unwrap();
    assert_eq!(client.get(&sq).unwrap(), Value::from(81));
    let bundles = vec![vec![("CPU".to_owned(), 0.5)]];
    let pg_name = format!("rc-state-pg-{}", std::process::id());
    let pg = client
        .create_placement_group(&bundles, PlacementStrategy::Pack, Some(&pg_name))
        .unwrap();
    assert!(client
        .wait_placement_group(&pg, Duration::from_secs(60))
        .unwrap());

    // The actor, by name, alive, with its class.
    let actors = d
        .list_actors(&ListOptions::default().filter("name", Predicate::Equal, &name))
        .unwrap();
    assert_eq!(actors.len(), 1, "{actors:?}");
    let a = &actors[0];
    assert_eq!(a.state.as_deref(), Some("ALIVE"));
    assert_eq!(a.class_name.as_deref(), Some("Counter"));
    assert_eq!(a.actor_id.as_deref(), Some(actor.hex().unwrap().as_str()));
    assert!(a.pid.is_some_and(|p| p > 0));

    // Its method and the task, finished; detail brings the fields Python shows in detail.
    // The cluster reports task events a moment after the task ran, so each list is asked
    // again until it shows them (no time limit: events that never come show as this test
    // running on).
    let square = ListOptions::default()
        .filter("func_or_class_name", Predicate::Equal, "square")
        .detail(true)
        .limit(1000);
    wait_for(|| {
        d.list_tasks(&square).unwrap().iter().any(|t| {
            t.state.as_deref() == Some("FINISHED")
                && t.r#type.as_deref() == Some("NORMAL_TASK")
                && t.node_id.is_some()
        })
    });
    let by_actor =
        ListOptions::default().filter("actor_id", Predicate::Equal, a.actor_id.clone().unwrap());
    wait_for(|| {
        d.list_tasks(&by_actor)
            .unwrap()
            .iter()
            .any(|t| t.r#type.as_deref() == Some("ACTOR_TASK"))
    });

    // Nodes: two alive, one the head.
    let nodes = d.list_nodes(&ListOptions::default()).unwrap();
    let alive: Vec<_> = nodes
        .iter()
        .filter(|n| n.state.as_deref() == Some("ALIVE"))
        .collect();
    assert!(alive.len() >= 2, "{nodes:?}");
    assert_eq!(
        alive
            .iter()
            .filter(|n| n.is_head_node == Some(true))
            .count(),
        1
    );
    assert!(alive.iter().all(|n| n
        .resources_total
        .as_ref()
        .is_some_and(|r| r.contains_key("CPU"))));

    // The object we hold, with its size.
    let objects = d
        .list_objects(&ListOptions::default().limit(10_000))
        .unwrap();
    let id = held.hex().unwrap();
    assert!(
        objects
            .iter()
            .any(|o| o.object_id.as_deref() == Some(id.as_str())),
        "{id} not among {} objects",
        objects.len()
    );

    // The placement group, created.
    let pgs = d
        .list_placement_groups(&ListOptions::default().filter("name", Predicate::Equal, &pg_name))
        .unwrap();
    assert_eq!(pgs.len(), 1, "{pgs:?}");
    assert_eq!(pgs[0].state.as_deref(), Some("CREATED"));

    // Jobs and workers list too; this client's job is among the jobs.
    let jobs = d.list_state_jobs(&ListOptions::default()).unwrap();
    assert!(!jobs.is_empty());
    // Filtered on liveness: after a long test run the dead workers alone fill
    // the default page of 100, so an unfiltered page may hold no live one.
    let workers = d
        .list_workers(&ListOptions::default().filter("is_alive", Predicate::Equal, "true"))
        .unwrap();
    assert!(!workers.is_empty());
    assert!(
        workers.iter().all(|w| w.is_alive == Some(true)),
        "{workers:?}"
    );

    // The summary of tasks counts `square` by function name.
    let summary = d.summarize_tasks(Duration::from_secs(30)).unwrap();
    let text = summary.to_string();
    assert!(text.contains("square"), "{text}");

    // The raw list: a limit below the count says how many there were.
    let page = d
        .list_state(StateResource::Tasks, &ListOptions::default().limit(1))
        .unwrap();
    assert_eq!(page.records.len(), 1);
    assert!(page.total >= 2, "{page:?}");
    client.remove_placement_group(&pg).unwrap();
}

/// Asks `seen` again, every 200 ms, until it says yes.
fn wait_for(mut seen: impl FnMut() -> bool) {
    while !seen() {
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn bad_state_requests_are_clear_errors() {
    let d = common::dashboard();
    let err = d
        .list_state(StateResource::Actors, &ListOptions::default().limit(0))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{err}");
    // The dashboard checks a filter's key against the records it filters: nodes, which a
    // cluster always has (an empty list of actors would pass any key).
    let err = d
        .list_nodes(&ListOptions::default().filter("no_such_field", Predicate::Equal, "x"))
        .unwrap_err();
    assert!(err.message().contains("no_such_field"), "{err}");
    assert_eq!(
        StateResource::parse("placement-groups"),
        Some(StateResource::PlacementGroups)
    );
    assert_eq!(StateResource::parse("bogus"), None);
}
