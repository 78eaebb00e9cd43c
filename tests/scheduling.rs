//! Scheduling on a real two-node cluster (the harness joins a second node with the
//! custom resource `rc_node2`); every test proves where its tasks ran.
mod common;

use std::collections::HashSet;
use std::time::Duration;

use ray_client::{
    ErrorKind, Options, PlacementGroupOptions, PlacementStrategy, RemoteFunction,
    SchedulingStrategy, Value,
};

fn node_id_fn() -> RemoteFunction {
    common::task("node_id")
}

fn node2() -> String {
    common::cluster()
        .node2_id
        .clone()
        .expect("the test cluster has a second node")
}

/// The cluster's other node, from its node table. (Not the node of the client's server:
/// with both nodes on one machine, Ray 2.9 may start that on either.)
fn head(client: &ray_client::Client) -> String {
    let others: Vec<String> = client
        .nodes()
        .unwrap()
        .iter()
        .filter(|n| n.get_str("Alive") == Some(&Value::Bool(true)))
        .filter_map(|n| n.get_str("NodeID")?.as_str().map(str::to_owned))
        .filter(|id| *id != node2())
        .collect();
    assert_eq!(others.len(), 1, "a two-node cluster: {others:?}");
    others[0].clone()
}

fn run_on(client: &ray_client::Client, options: Options) -> String {
    let r = client
        .call(&node_id_fn().with_options(options), vec![], vec![])
        .unwrap();
    client.get(&r).unwrap().as_str().unwrap().to_owned()
}

#[test]
fn node_affinity_runs_on_the_chosen_node() {
    let client = common::client();
    for node in [node2(), head(&client)] {
        let strategy = SchedulingStrategy::NodeAffinity {
            node_id: node.clone(),
            soft: false,
        };
        for _ in 0..3 {
            assert_eq!(
                run_on(
                    &client,
                    Options::new().scheduling_strategy(strategy.clone())
                ),
                node
            );
        }
    }
}

#[test]
fn a_custom_resource_pins_tasks_to_its_node() {
    let client = common::client();
    for _ in 0..3 {
        assert_eq!(
            run_on(&client, Options::new().resources([("rc_node2", 1.0)])),
            node2()
        );
    }
}

#[test]
fn spread_uses_both_nodes() {
    let client = common::client();
    let f = RemoteFunction::from_source(
        "def where_after(seconds):\n    import time, ray\n    time.sleep(seconds)\n    return ray.get_runtime_context().get_node_id()\n",
        "where_after",
    )
    .unwrap()
    .with_options(Options::new().num_cpus(1.0).scheduling_strategy(SchedulingStrategy::Spread));
    let refs: Vec<_> = (0..6)
        .map(|_| client.call(&f, vec![Value::Float(0.5)], vec![]).unwrap())
        .collect();
    let nodes: HashSet<String> = client
        .get_many(&refs, None)
        .unwrap()
        .into_iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(nodes, HashSet::from([head(&client), node2()]));
}

#[test]
fn placement_group_strict_spread_places_bundles_on_both_nodes() {
    let client = common::client();
    let bundles = vec![vec![("CPU".to_owned(), 1.0)], vec![("CPU".to_owned(), 1.0)]];
    let pg = client
        .create_placement_group(
            &bundles,
            PlacementStrategy::StrictSpread,
            Some("rc-pg-test"),
        )
        .unwrap();
    assert_eq!(pg.id().len(), 36, "{}", pg.id());
    assert!(client
        .wait_placement_group(&pg, Duration::from_secs(60))
        .unwrap());
    let table = client.placement_group_table(&pg).unwrap();
    assert_eq!(
        table.get_str("state"),
        Some(&Value::str("CREATED")),
        "{table:?}"
    );
    assert_eq!(
        table.get_str("strategy"),
        Some(&Value::str("STRICT_SPREAD")),
        "{table:?}"
    );
    let placed = table
        .get_str("bundles_to_node_id")
        .expect("bundle placement");
    let node_of = |i: i64| {
        placed
            .get(&Value::from(i))
            .and_then(Value::as_str)
            .unwrap()
            .to_owned()
    };
    assert_ne!(node_of(0), node_of(1));
    // A task in each bundle runs on that bundle's node.
    for i in 0..2 {
        let strategy = SchedulingStrategy::PlacementGroup {
            placement_group: pg.clone(),
            bundle_index: i,
            capture_child_tasks: false,
        };
        assert_eq!(
            run_on(
                &client,
                Options::new().num_cpus(1.0).scheduling_strategy(strategy)
            ),
            node_of(i)
        );
    }
    client.remove_placement_group(&pg).unwrap();
    let table = client.placement_group_table(&pg).unwrap();
    assert_eq!(
        table.get_str("state"),
        Some(&Value::str("REMOVED")),
        "{table:?}"
    );
}

#[test]
fn a_placement_group_that_cannot_fit_is_not_ready() {
    let client = common::client();
    let bundles = vec![vec![("CPU".to_owned(), 64.0)]];
    let pg = client
        .create_placement_group(&bundles, PlacementStrategy::Pack, None)
        .unwrap();
    assert!(!client
        .wait_placement_group(&pg, Duration::from_millis(500))
        .unwrap());
    client.remove_placement_group(&pg).unwrap();
}

/// Waits until `pg` is placed, removes it, and returns the node its bundle 0 was on.
fn placed_then_removed(client: &ray_client::Client, pg: &ray_client::PlacementGroup) -> String {
    assert!(client
        .wait_placement_group(pg, Duration::from_secs(60))
        .unwrap());
    let table = client.placement_group_table(pg).unwrap();
    client.remove_placement_group(pg).unwrap();
    table
        .get_str("bundles_to_node_id")
        .and_then(|b| b.get(&Value::from(0)))
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no node of bundle 0 in {table:?}"))
        .to_owned()
}

fn pg_options() -> ray_client::ConnectOptions {
    // Placement group names are per namespace: clients that share one find each other's.
    common::options().namespace("rc_pg_test")
}

#[test]
fn a_detached_named_placement_group_outlives_its_client_and_is_found_by_name() {
    let name = format!("rc-pg-detached-{}", std::process::id());
    let bundles = vec![vec![("CPU".to_owned(), 0.5)]];
    let options = PlacementGroupOptions {
        name: Some(name.clone()),
        detached: true,
        ..Default::default()
    };
    let created = {
        let first = ray_client::Client::connect_with(pg_options()).unwrap();
        let pg = first
            .create_placement_group_with(&bundles, PlacementStrategy::Pack, &options)
            .unwrap();
        assert!(first
            .wait_placement_group(&pg, Duration::from_secs(60))
            .unwrap());
        first.disconnect();
        pg.id().to_owned()
    };
    let client = ray_client::Client::connect_with(pg_options()).unwrap();
    let pg = client.get_placement_group(&name).unwrap();
    assert_eq!(pg.id(), created);
    let table = client.placement_group_table(&pg).unwrap();
    assert_eq!(
        table.get_str("state"),
        Some(&Value::str("CREATED")),
        "{table:?}"
    );
    let all = client.placement_group_table_all().unwrap();
    let mine = all
        .get_str(&created)
        .expect("the group in the table of all");
    assert_eq!(
        mine.get_str("name"),
        Some(&Value::str(name.clone())),
        "{mine:?}"
    );
    client.remove_placement_group(&pg).unwrap();
    let err = client
        .get_placement_group("rc-pg-no-such-group")
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{err}");
    assert!(err.message().contains("rc-pg-no-such-group"), "{err}");
}

#[test]
fn a_soft_target_node_places_the_group_there_where_ray_has_it() {
    let client = common::client();
    let options = PlacementGroupOptions {
        soft_target_node_id: Some(node2()),
        ..Default::default()
    };
    let bundles = vec![vec![("CPU".to_owned(), 0.5)]];
    let created =
        client.create_placement_group_with(&bundles, PlacementStrategy::StrictPack, &options);
    if !client.capabilities().placement_group_soft_target {
        let err = created.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::VersionMismatch, "{err}");
        assert!(err.message().contains("not supported by Ray"), "{err}");
        return;
    }
    assert_eq!(placed_then_removed(&client, &created.unwrap()), node2());
    // Ray takes it with STRICT_PACK only: refused before anything is sent.
    let err = client
        .create_placement_group_with(&bundles, PlacementStrategy::Pack, &options)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{err}");
}

#[test]
fn bundle_label_selectors_place_bundles_by_node_label_where_ray_has_them() {
    let client = common::client();
    // Ray labels every node with its id (ray.io/node-id) where it has label selectors.
    let options = PlacementGroupOptions {
        bundle_label_selector: vec![vec![("ray.io/node-id".to_owned(), node2())]],
        ..Default::default()
    };
    let bundles = vec![vec![("CPU".to_owned(), 0.5)]];
    let created = client.create_placement_group_with(&bundles, PlacementStrategy::Pack, &options);
    if !client.capabilities().label_selectors {
        let err = created.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::VersionMismatch, "{err}");
        return;
    }
    assert_eq!(placed_then_removed(&client, &created.unwrap()), node2());
    // One selector per bundle.
    let two = PlacementGroupOptions {
        bundle_label_selector: vec![vec![], vec![]],
        ..Default::default()
    };
    let err = client
        .create_placement_group_with(&bundles, PlacementStrategy::Pack, &two)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{err}");
}

#[test]
fn the_label_selector_option_runs_a_task_by_node_label_where_ray_has_it() {
    let client = common::client();
    let on_node2 = Options::new().label_selector([("ray.io/node-id", node2())]);
    if !client.capabilities().label_selectors {
        let err = client
            .call(&node_id_fn().with_options(on_node2), vec![], vec![])
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::VersionMismatch, "{err}");
        return;
    }
    for _ in 0..3 {
        assert_eq!(run_on(&client, on_node2.clone()), node2());
    }
}
