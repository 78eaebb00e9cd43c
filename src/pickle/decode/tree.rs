//! Building the decoded result: the machine's arena of nodes turned into a tree of
//! [`Value`]s, iteratively (so the depth limit, not the thread's stack, bounds how deep a
//! result can be), charging the size budget; numpy's forms are recognised as they are
//! built.

use super::{err, inline_value, too_many_values, weight, Id, Machine, Node};
use crate::error::Result;
use crate::value::{PyObject, Value};

/// One step of building the result tree.
enum Task {
    /// Produce the value of a node at a depth.
    Visit(Id, usize),
    /// Assemble a container node from the values of its children.
    Build(Id),
}

impl Machine<'_, '_> {
    /// Turns the node `root` into a tree of values, charging `budget`. Iterative, so that
    /// the depth limit, not the thread's stack, bounds how deep a result can be.
    pub(super) fn to_value(&self, root: Id, budget: &mut usize) -> Result<Value> {
        let mut tasks = vec![Task::Visit(root, 0)];
        // Finished values, children before their parent.
        let mut done: Vec<Value> = Vec::new();
        // The containers being built: the ancestors of the node visited.
        let mut path: Vec<Id> = Vec::new();
        while let Some(task) = tasks.pop() {
            match task {
                Task::Visit(id, depth) => {
                    let Some(node) = self.get(id) else {
                        self.charge(1, depth, budget)?;
                        done.push(inline_value(id));
                        continue;
                    };
                    if let Node::Leaf(v) = node {
                        self.charge_leaf(v, depth, budget)?;
                        done.push(v.clone());
                        continue;
                    }
                    self.charge(1, depth, budget)?;
                    if path.contains(&id) {
                        // A container that contains itself: like Python's repr (`[...]`),
                        // the inner occurrence becomes Ellipsis.
                        done.push(Value::global("builtins", "Ellipsis"));
                        continue;
                    }
                    // A container of leaves only (a list of scalars, say) is built at
                    // once, straight into a vector of the right size.
                    let (mut count, mut leaves) = (0, true);
                    for_each_child(node, |c| {
                        count += 1;
                        leaves &= matches!(self.get(c), None | Some(Node::Leaf(_)));
                    });
                    if leaves {
                        let mut children = Vec::with_capacity(count);
                        let mut failed = None;
                        for_each_child(node, |c| {
                            if failed.is_some() {
                                return;
                            }
                            match self.get(c) {
                                Some(Node::Leaf(v)) => match self.charge_leaf(v, depth + 1, budget)
                                {
                                    Ok(()) => children.push(v.clone()),
                                    Err(e) => failed = Some(e),
                                },
                                None => match self.charge(1, depth + 1, budget) {
                                    Ok(()) => children.push(inline_value(c)),
                                    Err(e) => failed = Some(e),
                                },
                                Some(_) => unreachable!("checked to be leaves"),
                            }
                        });
                        if let Some(e) = failed {
                            return Err(e);
                        }
                        done.push(self.build(node, children)?);
                        continue;
                    }
                    path.push(id);
                    tasks.push(Task::Build(id));
                    // Pushed in reverse, so that children are visited in order.
                    let first = tasks.len();
                    for_each_child(node, |c| tasks.push(Task::Visit(c, depth + 1)));
                    tasks[first..].reverse();
                }
                Task::Build(id) => {
                    path.pop();
                    let node = self.get(id).expect("only arena nodes are built");
                    let mut n = 0;
                    for_each_child(node, |_| n += 1);
                    let children = done.split_off(done.len() - n);
                    let v = self.build(node, children)?;
                    done.push(v);
                }
            }
        }
        debug_assert_eq!(done.len(), 1);
        Ok(done.pop().expect("the root's value"))
    }

    /// Checks the depth of a value and charges its cost to `budget`.
    pub(super) fn charge(&self, cost: usize, depth: usize, budget: &mut usize) -> Result<()> {
        if depth > self.limits.max_depth {
            return Err(err(format!(
                "pickle nests deeper than the limit of {}",
                self.limits.max_depth
            )));
        }
        *budget = budget.checked_sub(cost).ok_or_else(too_many_values)?;
        Ok(())
    }

    pub(super) fn charge_leaf(&self, v: &Value, depth: usize, budget: &mut usize) -> Result<()> {
        self.charge(weight(v), depth, budget)
    }

    /// A container node's value from the values of its children (in `for_each_child`
    /// order).
    pub(super) fn build(&self, node: &Node, children: Vec<Value>) -> Result<Value> {
        let mut it = children.into_iter();
        let pairs = |n: usize, it: &mut std::vec::IntoIter<Value>| -> Vec<(Value, Value)> {
            (0..n)
                .map(|_| (it.next().unwrap(), it.next().unwrap()))
                .collect()
        };
        Ok(match node {
            Node::Leaf(_) => unreachable!("leaves are not built"),
            Node::List(_) => Value::List(it.collect()),
            Node::Tuple(_) => Value::Tuple(it.collect()),
            Node::Set(_) => Value::Set(it.collect()),
            Node::FrozenSet(_) => Value::FrozenSet(it.collect()),
            Node::Dict(v) => Value::Dict(pairs(v.len(), &mut it)),
            Node::Object(o) => {
                let callable = it.next().unwrap();
                let kwargs = match o.kwargs {
                    None => Vec::new(),
                    Some(_) => match it.next().unwrap() {
                        Value::Dict(pairs) => pairs,
                        _ => return Err(err("NEWOBJ_EX keyword arguments are not a dict")),
                    },
                };
                let args = it.by_ref().take(o.args.len()).collect();
                let list_items = it.by_ref().take(o.list_items.len()).collect();
                let dict_items = pairs(o.dict_items.len(), &mut it);
                let state = o.state.map(|_| it.next().unwrap());
                let obj = PyObject {
                    callable,
                    construct: o.construct,
                    args,
                    kwargs,
                    list_items,
                    dict_items,
                    state,
                };
                // numpy arrays become typed arrays and numpy scalars plain values; other
                // objects stay symbolic.
                crate::pickle::numpy::recognize(&obj)
                    .unwrap_or_else(|| Value::Object(Box::new(obj)))
            }
        })
    }
}

/// The children of a node, in the order `Machine::build` takes their values.
pub(super) fn for_each_child(node: &Node, mut f: impl FnMut(Id)) {
    match node {
        Node::Leaf(_) => {}
        Node::List(v) | Node::Tuple(v) | Node::Set(v) | Node::FrozenSet(v) => {
            v.iter().for_each(|&c| f(c))
        }
        Node::Dict(v) => v.iter().for_each(|&(k, x)| {
            f(k);
            f(x)
        }),
        Node::Object(o) => {
            f(o.callable);
            if let Some(k) = o.kwargs {
                f(k);
            }
            o.args.iter().for_each(|&c| f(c));
            o.list_items.iter().for_each(|&c| f(c));
            o.dict_items.iter().for_each(|&(k, x)| {
                f(k);
                f(x)
            });
            if let Some(st) = o.state {
                f(st);
            }
        }
    }
}
