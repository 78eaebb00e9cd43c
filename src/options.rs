//! Options of tasks, actors and actor methods: the keyword arguments of Python's
//! `.options()`, sent as a pickled dict (`ClientTask.options.pickled_options`).

use crate::error::{Error, Result};
use crate::value::Value;

/// Keyword arguments of `.options()`, in the order they were set. The named setters
/// cover Ray's common options; [`Options::set`] passes any other one through.
///
/// Values Ray itself refuses (a negative `max_retries` other than -1, a negative
/// `max_concurrency`, a negative or non-finite resource amount, ...) are checked where
/// they are set, with Ray's rule in the message: [`Options::check`] tells at once, and a
/// call given such options fails before anything is sent. (The builder methods return
/// `Self` for chaining, so the first refusal is kept until then.)
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Options {
    entries: Vec<(String, Value)>,
    refused: Option<String>,
}

/// Options Ray accepts only in `@ray.remote(...)`, not in `.options(...)`.
const DECLARED_ONLY: &[&str] = &["concurrency_groups", "max_calls"];

/// Ray's rule for the option `key`, when it has one it checks (the rules of
/// `ray/_common/ray_option_utils.py`): `Err` with the rule when `value` breaks it.
pub fn check_option(key: &str, value: &Value) -> Result<()> {
    let count = |min: i64, rule: &str| match value {
        Value::None => Ok(()),
        Value::Int(n) if *n >= min => Ok(()),
        other => Err(format!("{key} {rule}, got {}", other.repr())),
    };
    let amount = |v: &Value, what: &str| match v.as_f64() {
        Some(n) if n.is_finite() && n >= 0.0 => Ok(()),
        _ if matches!(v, Value::None) => Ok(()),
        _ => Err(format!(
            "{what} must be a finite number >= 0, got {}",
            v.repr()
        )),
    };
    let verdict = match key {
        "max_retries" | "max_restarts" | "max_task_retries" | "max_pending_calls" => count(
            -1,
            "only accepts 0, -1 or a positive integer, where -1 represents infinity",
        ),
        "max_concurrency" => count(0, "only accepts 0 or a positive integer"),
        "num_returns" => match value {
            Value::Str(s) if s == "streaming" => Err(
                "num_returns=\"streaming\": call the generator as an item stream instead \
                 (call_streaming, call_method_streaming), which gives its items as they \
                 are yielded"
                    .to_owned(),
            ),
            // A dynamic generator's one return: the list of its items' refs.
            Value::Str(s) if s == "dynamic" => Ok(()),
            // The upper bound is this library's: a results array of more than that many
            // refs is a mistake, refused where it is set rather than at the call.
            Value::Int(n) if *n > 100_000 => Err(format!(
                "num_returns must be a whole number from 0 to 100000, got {n}"
            )),
            _ => count(0, "only accepts a non-negative integer"),
        },
        "num_cpus" | "num_gpus" | "memory" | "object_store_memory" => amount(value, key),
        "resources" => match value {
            Value::Dict(pairs) => pairs
                .iter()
                .try_for_each(|(k, v)| amount(v, &format!("the amount of resource {}", k.repr()))),
            other => Err(format!("resources must be a dict, got {}", other.repr())),
        },
        _ => Ok(()),
    };
    verdict.map_err(Error::invalid)
}

impl Options {
    pub fn new() -> Self {
        Options::default()
    }

    /// Sets any `.options()` keyword (replacing an earlier value of the same key). A value
    /// Ray would refuse is not set; the refusal is kept (see [`Options::check`]). The
    /// keywords Ray takes only in `@ray.remote(...)` (`concurrency_groups` of an actor
    /// class, `max_calls` of a function) go with the class or function as its
    /// declaration's.
    pub fn set(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        let key = key.into();
        let value = value.into();
        if let Err(e) = check_option(&key, &value) {
            self.refused.get_or_insert_with(|| e.message().to_owned());
            return self;
        }
        match self.entries.iter_mut().find(|(k, _)| *k == key) {
            Some(entry) => entry.1 = value,
            None => self.entries.push((key, value)),
        }
        self
    }

    /// These options with every entry of `over` set on top, as Python's
    /// `f.options(**over)` on a function declared with options; a refusal of either
    /// is kept.
    pub fn merged(&self, over: &Options) -> Options {
        let mut out = self.clone();
        for (key, value) in &over.entries {
            match out.entries.iter_mut().find(|(k, _)| k == key) {
                Some(entry) => entry.1 = value.clone(),
                None => out.entries.push((key.clone(), value.clone())),
            }
        }
        if out.refused.is_none() {
            out.refused.clone_from(&over.refused);
        }
        out
    }

    /// The value set for `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// `Err` with Ray's rule when a value set on these options was refused (the first
    /// one); calls given these options fail with the same error.
    pub fn check(&self) -> Result<()> {
        match &self.refused {
            Some(rule) => Err(Error::invalid(rule.clone())),
            None => Ok(()),
        }
    }

    pub fn num_cpus(self, n: f64) -> Self {
        self.set("num_cpus", n)
    }

    pub fn num_gpus(self, n: f64) -> Self {
        self.set("num_gpus", n)
    }

    /// Memory to reserve, in bytes.
    pub fn memory(self, bytes: u64) -> Self {
        self.set("memory", bytes)
    }

    /// Custom resources, e.g. `[("gadget", 1.0)]`.
    pub fn resources<K: Into<String>>(self, resources: impl IntoIterator<Item = (K, f64)>) -> Self {
        let dict = Value::Dict(
            resources
                .into_iter()
                .map(|(k, v)| (Value::Str(k.into()), Value::Float(v)))
                .collect(),
        );
        self.set("resources", dict)
    }

    pub fn max_retries(self, n: i64) -> Self {
        self.set("max_retries", n)
    }

    pub fn retry_exceptions(self, retry: bool) -> Self {
        self.set("retry_exceptions", retry)
    }

    /// How many object refs the task or method returns.
    pub fn num_returns(self, n: usize) -> Self {
        self.set("num_returns", n as u64)
    }

    /// The task's or actor's name.
    pub fn name(self, name: impl Into<String>) -> Self {
        self.set("name", name.into())
    }

    /// The namespace of a named actor.
    pub fn namespace(self, namespace: impl Into<String>) -> Self {
        self.set("namespace", namespace.into())
    }

    /// `lifetime="detached"`: the actor outlives this client.
    pub fn detached(self) -> Self {
        self.set("lifetime", "detached")
    }

    pub fn max_restarts(self, n: i64) -> Self {
        self.set("max_restarts", n)
    }

    pub fn max_task_retries(self, n: i64) -> Self {
        self.set("max_task_retries", n)
    }

    pub fn max_concurrency(self, n: i64) -> Self {
        self.set("max_concurrency", n)
    }

    /// `get_if_exists=True`: creating a named actor that exists returns it.
    pub fn get_if_exists(self, yes: bool) -> Self {
        self.set("get_if_exists", yes)
    }

    /// A per-task/actor runtime environment (a dict value).
    /// `label_selector`: the node labels a task or actor must run on, e.g.
    /// `[("ray.io/node-id", id)]` (Ray 2.50 and later).
    pub fn label_selector<K: Into<String>, V: Into<String>>(
        self,
        labels: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        let labels = labels
            .into_iter()
            .map(|(k, v)| (Value::Str(k.into()), Value::Str(v.into())))
            .collect();
        self.set("label_selector", Value::Dict(labels))
    }

    pub fn runtime_env(self, env: Value) -> Self {
        self.set("runtime_env", env)
    }

    /// How many refs a call with these options returns (`num_returns`, default 1).
    pub(crate) fn num_returns_or_default(&self) -> Result<usize> {
        self.check()?;
        match self.get("num_returns") {
            None | Some(Value::None) => Ok(1),
            Some(Value::Str(s)) if s == "dynamic" => Ok(1),
            Some(Value::Int(n)) if (0..=100_000).contains(n) => Ok(*n as usize),
            Some(other) => Err(Error::invalid(format!(
                "num_returns must be a whole number from 0 to 100000, got {}",
                other.repr()
            ))),
        }
    }

    /// These options split in two: those Ray takes only where a class or function is
    /// declared (`@ray.remote(concurrency_groups=...)`, `max_calls`; refused by
    /// `.options()`), which go with the code as the task's baseline options, and the rest.
    pub(crate) fn split_declared(&self) -> (Options, Options) {
        let (declared, rest) = self
            .entries
            .iter()
            .cloned()
            .partition(|(k, _)| DECLARED_ONLY.contains(&k.as_str()));
        let part = |entries| Options {
            entries,
            refused: self.refused.clone(),
        };
        (part(declared), part(rest))
    }

    /// These options without `key`.
    pub(crate) fn without(&self, key: &str) -> Options {
        Options {
            entries: self
                .entries
                .iter()
                .filter(|(k, _)| k != key)
                .cloned()
                .collect(),
            refused: self.refused.clone(),
        }
    }

    /// The options as a dict value, or `None` when nothing is set.
    pub(crate) fn to_value(&self) -> Option<Value> {
        (!self.entries.is_empty()).then(|| {
            Value::Dict(
                self.entries
                    .iter()
                    .map(|(k, v)| (Value::Str(k.clone()), v.clone()))
                    .collect(),
            )
        })
    }
}
