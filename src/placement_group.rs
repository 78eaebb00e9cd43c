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
        if bundles.is_empty() || bundles.iter().any(Vec::is_empty) {
            return Err(Error::invalid("a placement group needs non-empty bundles"));
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
        let kwargs = vec![
            ("bundles".to_owned(), bundles),
            ("strategy".to_owned(), Value::str(strategy.as_str())),
            ("name".to_owned(), Value::str(name.unwrap_or_default())),
        ];
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

    /// Ray's description of the group (`placement_group_table(pg)`): state, bundles,
    /// strategy, the node of each bundle, ...
    pub fn placement_group_table(&self, pg: &PlacementGroup) -> Result<Value> {
        let f = ray_fn("placement_group_table").with_options(Options::new().num_cpus(0.0));
        self.get(&self.call(&f, vec![pg.value.clone()], vec![])?)
    }
}
