//! Placement groups. Like the Python client, which runs `ray.util.placement_group`
//! functions as small remote tasks on the cluster (`client_mode_wrap`), this module calls
//! Ray's own public functions remotely; the `PlacementGroup` object that comes back is
//! kept symbolically and sent back as is when used.

use std::time::Duration;

use crate::client::Client;
use crate::error::{Error, Result};
use crate::options::Options;
use crate::tasks::RemoteFunction;
use crate::value::Value;

/// How bundles are placed over nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlacementStrategy {
    Pack,
    Spread,
    StrictPack,
    StrictSpread,
}

impl PlacementStrategy {
    fn as_str(self) -> &'static str {
        match self {
            PlacementStrategy::Pack => "PACK",
            PlacementStrategy::Spread => "SPREAD",
            PlacementStrategy::StrictPack => "STRICT_PACK",
            PlacementStrategy::StrictSpread => "STRICT_SPREAD",
        }
    }
}

/// What a placement group is created with besides its bundles and strategy (the
/// keyword arguments of Python's `placement_group()`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PlacementGroupOptions {
    /// A name, to find the group by ([`Client::get_placement_group`]).
    pub name: Option<String>,
    /// `lifetime="detached"`: the group outlives the job that created it (until removed).
    pub detached: bool,
    /// `_soft_target_node_id`: the hex id of a node to place the group on when it can
    /// (Ray 2.10 and later; Ray takes it with STRICT_PACK only).
    pub soft_target_node_id: Option<String>,
    /// `bundle_label_selector`: per bundle, the node labels it must be placed on (one
    /// selector per bundle; Ray 2.50 and later).
    pub bundle_label_selector: Vec<Vec<(String, String)>>,
}

/// A placement group on the cluster.
#[derive(Debug, Clone, PartialEq)]
pub struct PlacementGroup {
    /// The `ray.util.placement_group.PlacementGroup` object, as the cluster pickled it.
    value: Value,
    id: String,
}

impl PlacementGroup {
    /// Hex id of the group.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The Python object, for use as a value (e.g. in a scheduling strategy).
    pub fn value(&self) -> &Value {
        &self.value
    }
}

/// Finds the `PlacementGroupID(bytes)` inside the pickled group.
fn find_id(v: &Value) -> Option<String> {
    match v {
        Value::Object(o) => {
            if o.callable_global()
                .is_some_and(|g| g.qualname == "PlacementGroupID")
            {
                if let Some(Value::Bytes(b)) = o.args.first() {
                    return Some(crate::hex::hex(b));
                }
            }
            o.args
                .iter()
                .chain(o.state.iter())
                .find_map(find_id)
                .or_else(|| o.dict_items.iter().find_map(|(_, v)| find_id(v)))
        }
        Value::Dict(pairs) => pairs.iter().find_map(|(_, v)| find_id(v)),
        Value::Tuple(items) | Value::List(items) => items.iter().find_map(find_id),
        _ => None,
    }
}

/// The group the cluster's `placement_group()` returned.
pub(crate) fn placement_group_of(value: Value) -> Result<PlacementGroup> {
    let id = find_id(&value).ok_or_else(|| {
        Error::protocol("the cluster returned something that is not a placement group")
    })?;
    Ok(PlacementGroup { value, id })
}

/// What `pg.wait(timeout)` returned on the cluster.
pub(crate) fn wait_result(value: Value) -> Result<bool> {
    match value {
        Value::Bool(b) => Ok(b),
        other => Err(Error::protocol(format!(
            "placement group wait returned {other:?}"
        ))),
    }
}

fn ray_fn(name: &str) -> RemoteFunction {
    RemoteFunction::new("ray.util.placement_group", name).expect("valid name")
}

impl Client {
    /// Creates a placement group of `bundles` (resource dicts such as `{"CPU": 1.0}`).
    /// Returns once the cluster accepted the request; use
    /// [`wait_placement_group`](Self::wait_placement_group) to wait until it is placed.
    pub fn create_placement_group(
        &self,
        bundles: &[Vec<(String, f64)>],
        strategy: PlacementStrategy,
        name: Option<&str>,
    ) -> Result<PlacementGroup> {
        let options = PlacementGroupOptions {
            name: name.map(str::to_owned),
            ..Default::default()
        };
        self.create_placement_group_with(bundles, strategy, &options)
    }

    /// [`create_placement_group`](Self::create_placement_group) with `options`: a
    /// detached group, a soft target node, bundle label selectors. An option the cluster's
    /// Ray release lacks is refused with [`ErrorKind::VersionMismatch`](crate::ErrorKind)
    /// ("... is not supported by Ray X.Y.Z").
    pub fn create_placement_group_with(
        &self,
        bundles: &[Vec<(String, f64)>],
        strategy: PlacementStrategy,
        options: &PlacementGroupOptions,
    ) -> Result<PlacementGroup> {
        if bundles.is_empty() || bundles.iter().any(Vec::is_empty) {
            return Err(Error::invalid("a placement group needs non-empty bundles"));
        }
        let capabilities = &self.inner.capabilities;
        let selectors = &options.bundle_label_selector;
        if !selectors.is_empty() && selectors.len() != bundles.len() {
            return Err(Error::invalid(format!(
                "bundle_label_selector has {} selectors for {} bundles (one per bundle)",
                selectors.len(),
                bundles.len()
            )));
        }
        if options.soft_target_node_id.is_some() {
            if !capabilities.placement_group_soft_target {
                return Err(capabilities.unsupported("_soft_target_node_id", "2.10"));
            }
            if strategy != PlacementStrategy::StrictPack {
                return Err(Error::invalid(
                    "_soft_target_node_id currently only works with STRICT_PACK (Ray's rule)",
                ));
            }
        }
        if !selectors.is_empty() && !capabilities.label_selectors {
            return Err(capabilities.unsupported("bundle_label_selector", "2.50"));
        }
        let bundles = Value::List(
            bundles
                .iter()
                .map(|b| {
                    Value::Dict(
                        b.iter()
                            .map(|(k, v)| (Value::str(k.clone()), Value::Float(*v)))
                            .collect(),
                    )
                })
                .collect(),
        );
        let mut kwargs = vec![
            ("bundles".to_owned(), bundles),
            ("strategy".to_owned(), Value::str(strategy.as_str())),
            (
                "name".to_owned(),
                Value::str(options.name.clone().unwrap_or_default()),
            ),
        ];
        if options.detached {
            kwargs.push(("lifetime".to_owned(), Value::str("detached")));
        }
        if let Some(node) = &options.soft_target_node_id {
            kwargs.push(("_soft_target_node_id".to_owned(), Value::str(node.clone())));
        }
        if !selectors.is_empty() {
            let labels = |s: &Vec<(String, String)>| {
                Value::Dict(
                    s.iter()
                        .map(|(k, v)| (Value::str(k.clone()), Value::str(v.clone())))
                        .collect(),
                )
            };
            let list = Value::List(selectors.iter().map(labels).collect());
            kwargs.push(("bundle_label_selector".to_owned(), list));
        }
        // The group belongs to the job, not to the helper task that creates it.
        let f = ray_fn("placement_group").with_options(Options::new().num_cpus(0.0));
        placement_group_of(self.get(&self.call(&f, vec![], kwargs)?)?)
    }

    /// Waits until the group is placed; `false` when `timeout` passed first.
    pub fn wait_placement_group(&self, pg: &PlacementGroup, timeout: Duration) -> Result<bool> {
        let f = RemoteFunction::from_source(
            "def rc_pg_wait(pg, timeout):\n    return pg.wait(timeout)\n",
            "rc_pg_wait",
        )?
        .with_options(Options::new().num_cpus(0.0));
        let r = self.call(
            &f,
            vec![pg.value.clone(), Value::Float(timeout.as_secs_f64())],
            vec![],
        )?;
        wait_result(self.get(&r)?)
    }

    /// Removes the group; tasks and actors in it are killed.
    pub fn remove_placement_group(&self, pg: &PlacementGroup) -> Result<()> {
        let f = ray_fn("remove_placement_group").with_options(Options::new().num_cpus(0.0));
        self.get(&self.call(&f, vec![pg.value.clone()], vec![])?)?;
        Ok(())
    }

    /// The placement group named `name` in this client's namespace
    /// (`ray.util.get_placement_group`); [`ErrorKind::InvalidArgument`](crate::ErrorKind)
    /// when there is none.
    pub fn get_placement_group(&self, name: &str) -> Result<PlacementGroup> {
        if name.is_empty() {
            return Err(Error::invalid("a placement group name is needed"));
        }
        let f = ray_fn("get_placement_group").with_options(Options::new().num_cpus(0.0));
        let got = self
            .get(&self.call(&f, vec![Value::str(name)], vec![])?)
            .map_err(|e| match e.remote() {
                // Ray raises ValueError("Failed to look up placement group with name: x").
                Some(r) if r.cause_type.as_deref() == Some("ValueError") => {
                    Error::invalid(format!("no placement group named {name:?}: {}", r.message))
                }
                _ => e,
            })?;
        placement_group_of(got)
    }

    /// Ray's description of every placement group of the cluster
    /// (`placement_group_table()`): a dict by group id of what
    /// [`placement_group_table`](Self::placement_group_table) gives for one.
    pub fn placement_group_table_all(&self) -> Result<Value> {
        let f = ray_fn("placement_group_table").with_options(Options::new().num_cpus(0.0));
        self.get(&self.call(&f, vec![], vec![])?)
    }

    /// Ray's description of the group (`placement_group_table(pg)`): state, bundles,
    /// strategy, the node of each bundle, ...
    pub fn placement_group_table(&self, pg: &PlacementGroup) -> Result<Value> {
        let f = ray_fn("placement_group_table").with_options(Options::new().num_cpus(0.0));
        self.get(&self.call(&f, vec![pg.value.clone()], vec![])?)
    }
}
