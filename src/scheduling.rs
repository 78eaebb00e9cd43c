//! Scheduling strategies (`ray.util.scheduling_strategies`): where Ray places a task or
//! actor. Apart from the options themselves, because one strategy names a placement
//! group, and options should not depend on placement groups.

use crate::options::Options;
use crate::value::{PyObject, Value};

/// Where Ray places a task or actor.
#[derive(Debug, Clone, PartialEq)]
pub enum SchedulingStrategy {
    /// Ray's default (`"DEFAULT"`).
    Default,
    /// Spread over the nodes (`"SPREAD"`).
    Spread,
    /// On one node, by hex node id; with `soft`, elsewhere when that node cannot take it.
    NodeAffinity { node_id: String, soft: bool },
    /// In a bundle of a placement group (`-1`: any bundle).
    PlacementGroup {
        placement_group: crate::placement_group::PlacementGroup,
        bundle_index: i64,
        capture_child_tasks: bool,
    },
}

impl SchedulingStrategy {
    fn to_value(&self) -> Value {
        let strategy = |name: &str, args: Vec<Value>| {
            Value::Object(Box::new(PyObject::call(
                Value::global("ray.util.scheduling_strategies", name),
                args,
            )))
        };
        match self {
            SchedulingStrategy::Default => Value::str("DEFAULT"),
            SchedulingStrategy::Spread => Value::str("SPREAD"),
            SchedulingStrategy::NodeAffinity { node_id, soft } => strategy(
                "NodeAffinitySchedulingStrategy",
                vec![Value::str(node_id.clone()), Value::Bool(*soft)],
            ),
            SchedulingStrategy::PlacementGroup {
                placement_group,
                bundle_index,
                capture_child_tasks,
            } => strategy(
                "PlacementGroupSchedulingStrategy",
                vec![
                    placement_group.value().clone(),
                    Value::from(*bundle_index),
                    Value::Bool(*capture_child_tasks),
                ],
            ),
        }
    }
}

impl Options {
    pub fn scheduling_strategy(self, strategy: SchedulingStrategy) -> Self {
        self.set("scheduling_strategy", strategy.to_value())
    }
}
