//! The value model: what a Python value on the cluster looks like on this side.
//!
//! Every binding exposes exactly these kinds. Values that this library does not understand
//! (numpy arrays, dataclasses, exceptions) are kept as a symbolic [`PyObject`], which the
//! encoder writes back as the same reduction, so they round-trip without being understood.

use bytes::Bytes;
use num_bigint::BigInt;

use crate::ndarray::NdArray;
use crate::object_ref::{ActorHandle, ObjectRef};

/// A Python value.
///
/// Equality is Python's for these kinds: a dict, set or frozenset equals another with the
/// same entries in any order (a set echoed through a task comes back in the cluster's
/// hash order); lists and tuples compare in order; kinds never equal each other.
#[derive(Debug, Clone)]
pub enum Value {
    None,
    Bool(bool),
    /// An int that fits in 64 bits.
    Int(i64),
    /// An int of any size (only used when it does not fit in an `i64`).
    BigInt(BigInt),
    Float(f64),
    Str(String),
    /// `bytes`; a slice of the received buffer, so large values are not copied.
    Bytes(Bytes),
    /// `bytearray` (held immutably; a slice of the received buffer).
    ByteArray(Bytes),
    List(Vec<Value>),
    Tuple(Vec<Value>),
    /// A dict, in insertion order.
    Dict(Vec<(Value, Value)>),
    Set(Vec<Value>),
    FrozenSet(Vec<Value>),
    /// A reference to an object in the cluster, owned by one client.
    ObjectRef(ObjectRef),
    /// A handle to an actor, owned by one client.
    ActorHandle(ActorHandle),
    /// A `numpy.ndarray` (boxed to keep every `Value` small).
    NdArray(Box<NdArray>),
    /// A module-level name such as a function or class (`module.qualname`), boxed to
    /// keep every `Value` small.
    Global(Box<Global>),
    /// A Python object this library keeps symbolically.
    Object(Box<PyObject>),
}

impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        use Value as V;
        match (self, other) {
            (V::None, V::None) => true,
            (V::Bool(a), V::Bool(b)) => a == b,
            (V::Int(a), V::Int(b)) => a == b,
            (V::BigInt(a), V::BigInt(b)) => a == b,
            (V::Float(a), V::Float(b)) => a == b,
            (V::Str(a), V::Str(b)) => a == b,
            (V::Bytes(a), V::Bytes(b)) | (V::ByteArray(a), V::ByteArray(b)) => a == b,
            (V::List(a), V::List(b)) | (V::Tuple(a), V::Tuple(b)) => a == b,
            (V::Dict(a), V::Dict(b)) => same_entries(a, b),
            (V::Set(a), V::Set(b)) | (V::FrozenSet(a), V::FrozenSet(b)) => same_members(a, b),
            (V::ObjectRef(a), V::ObjectRef(b)) => a == b,
            (V::ActorHandle(a), V::ActorHandle(b)) => a == b,
            (V::NdArray(a), V::NdArray(b)) => a == b,
            (V::Global(a), V::Global(b)) => a == b,
            (V::Object(a), V::Object(b)) => a == b,
            _ => false,
        }
    }
}

/// Dicts as Python compares them: the same keys, each with an equal value, in any order.
fn same_entries(a: &[(Value, Value)], b: &[(Value, Value)]) -> bool {
    a.len() == b.len()
        && (a == b
            || a.iter()
                .all(|(k, v)| b.iter().any(|(k2, v2)| k == k2 && v == v2)))
}

/// Sets as Python compares them: the same members in any order. Values have no hash (a
/// float does not), so members are matched pairwise, each used once; in order first,
/// which is the common case and linear.
fn same_members(a: &[Value], b: &[Value]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    if a == b {
        return true;
    }
    let mut used = vec![false; b.len()];
    a.iter().all(|x| {
        let found = (0..b.len()).find(|&j| !used[j] && b[j] == *x);
        found.map(|j| used[j] = true).is_some()
    })
}

/// A module-level Python name: `module` plus dotted `qualname`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Global {
    pub module: String,
    pub qualname: String,
}

impl Global {
    pub fn new(module: impl Into<String>, qualname: impl Into<String>) -> Self {
        Global {
            module: module.into(),
            qualname: qualname.into(),
        }
    }
}

/// How a [`PyObject`] is constructed when unpickled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Construct {
    /// `callable(*args)` (pickle's `REDUCE`).
    Call,
    /// `cls.__new__(cls, *args)` (`NEWOBJ`).
    New,
    /// `cls.__new__(cls, *args, **kwargs)` (`NEWOBJ_EX`).
    NewWithKwargs,
}

/// A Python object described by the reduction that rebuilds it: what pickle itself stores.
#[derive(Debug, Clone, PartialEq)]
pub struct PyObject {
    /// The callable or class (usually a [`Value::Global`], sometimes another object).
    pub callable: Value,
    pub construct: Construct,
    pub args: Vec<Value>,
    /// Keyword arguments for [`Construct::NewWithKwargs`].
    pub kwargs: Vec<(Value, Value)>,
    /// Items appended after construction (list subclasses).
    pub list_items: Vec<Value>,
    /// Items set after construction (dict subclasses).
    pub dict_items: Vec<(Value, Value)>,
    /// State given to `__setstate__` / `__dict__.update` (pickle's `BUILD`).
    pub state: Option<Value>,
}

impl Value {
    /// A dynamic generator's value (a task's with `num_returns="dynamic"`), which Ray
    /// pickles as its `DynamicObjectRefGenerator` (the items' refs, in a list or a deque,
    /// passed to the class, or as its `_refs` attribute, depending on the release), as
    /// the list of those refs, which is how a caller uses it; any other value as it is.
    pub(crate) fn dynamic_generator_as_list(self) -> Value {
        let Value::Object(o) = &self else {
            return self;
        };
        let is = |v: &Value, module: &str, name: &str| matches!(v, Value::Global(g) if g.module == module && g.qualname == name);
        let generator = is(
            &o.callable,
            "ray._private.object_ref_generator",
            "DynamicObjectRefGenerator",
        ) || is(&o.callable, "ray._raylet", "DynamicObjectRefGenerator");
        if !generator {
            return self;
        }
        let deque = match (&o.args[..], &o.state) {
            ([d], None) => d,
            ([], Some(Value::Dict(state))) => {
                match state.iter().find(|(k, _)| k.as_str() == Some("_refs")) {
                    Some((_, d)) => d,
                    None => return self,
                }
            }
            _ => return self,
        };
        match deque {
            Value::List(refs) => Value::List(refs.clone()),
            Value::Object(d) if is(&d.callable, "collections", "deque") => {
                Value::List(d.list_items.clone())
            }
            _ => self,
        }
    }
}

impl PyObject {
    /// `callable(*args)` with nothing else.
    pub fn call(callable: Value, args: Vec<Value>) -> Self {
        PyObject {
            callable,
            construct: Construct::Call,
            args,
            kwargs: Vec::new(),
            list_items: Vec::new(),
            dict_items: Vec::new(),
            state: None,
        }
    }

    /// The callable as a global, when it is one.
    pub fn callable_global(&self) -> Option<&Global> {
        match &self.callable {
            Value::Global(g) => Some(g),
            _ => None,
        }
    }
}

impl Value {
    /// The global `module.qualname`.
    pub fn global(module: impl Into<String>, qualname: impl Into<String>) -> Self {
        Value::Global(Box::new(Global::new(module, qualname)))
    }

    /// A `str` value.
    pub fn str(s: impl Into<String>) -> Self {
        Value::Str(s.into())
    }

    /// A `bytes` value.
    pub fn bytes(b: impl Into<Bytes>) -> Self {
        Value::Bytes(b.into())
    }

    /// A dict from key/value pairs.
    pub fn dict<K: Into<Value>, V: Into<Value>>(pairs: impl IntoIterator<Item = (K, V)>) -> Self {
        Value::Dict(
            pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }

    /// The Python type name of this value (`"int"`, `"dict"`, ...).
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::None => "NoneType",
            Value::Bool(_) => "bool",
            Value::Int(_) | Value::BigInt(_) => "int",
            Value::Float(_) => "float",
            Value::Str(_) => "str",
            Value::Bytes(_) => "bytes",
            Value::ByteArray(_) => "bytearray",
            Value::List(_) => "list",
            Value::Tuple(_) => "tuple",
            Value::Dict(_) => "dict",
            Value::Set(_) => "set",
            Value::FrozenSet(_) => "frozenset",
            Value::ObjectRef(_) => "ObjectRef",
            Value::ActorHandle(_) => "ActorHandle",
            Value::NdArray(_) => "ndarray",
            Value::Global(_) => "global",
            Value::Object(_) => "object",
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            Value::Bool(b) => Some(*b as i64),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Float(f) => Some(*f),
            Value::Int(i) => Some(*i as f64),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Value::Bytes(b) => Some(b),
            Value::ByteArray(b) => Some(b),
            _ => None,
        }
    }

    /// The items of a list or tuple.
    pub fn as_seq(&self) -> Option<&[Value]> {
        match self {
            Value::List(v) | Value::Tuple(v) => Some(v),
            _ => None,
        }
    }

    /// Looks a key up in a dict.
    pub fn get(&self, key: &Value) -> Option<&Value> {
        match self {
            Value::Dict(pairs) => pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Looks a string key up in a dict.
    pub fn get_str(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Dict(pairs) => pairs
                .iter()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// Calls `f` on every object ref and actor handle inside this value, depth first.
    pub fn for_each_ref(&self, f: &mut impl FnMut(&ObjectRef)) {
        match self {
            Value::ObjectRef(r) => f(r),
            Value::ActorHandle(a) => f(&a.handle),
            Value::List(v) | Value::Tuple(v) | Value::Set(v) | Value::FrozenSet(v) => {
                v.iter().for_each(|x| x.for_each_ref(f))
            }
            Value::Dict(pairs) => pairs.iter().for_each(|(k, v)| {
                k.for_each_ref(f);
                v.for_each_ref(f);
            }),
            Value::Object(o) => {
                o.callable.for_each_ref(f);
                o.args.iter().for_each(|x| x.for_each_ref(f));
                o.kwargs.iter().for_each(|(k, v)| {
                    k.for_each_ref(f);
                    v.for_each_ref(f);
                });
                o.list_items.iter().for_each(|x| x.for_each_ref(f));
                o.dict_items.iter().for_each(|(k, v)| {
                    k.for_each_ref(f);
                    v.for_each_ref(f);
                });
                if let Some(s) = &o.state {
                    s.for_each_ref(f);
                }
            }
            _ => {}
        }
    }
}

macro_rules! from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for Value {
            fn from(v: $t) -> Self { Value::Int(v as i64) }
        }
    )*};
}
from_int!(i8, i16, i32, i64, u8, u16, u32);

impl From<u64> for Value {
    fn from(v: u64) -> Self {
        match i64::try_from(v) {
            Ok(i) => Value::Int(i),
            Err(_) => Value::BigInt(BigInt::from(v)),
        }
    }
}

impl From<BigInt> for Value {
    fn from(v: BigInt) -> Self {
        match i64::try_from(&v) {
            Ok(i) => Value::Int(i),
            Err(_) => Value::BigInt(v),
        }
    }
}

// The conversions that only put the Rust value (moved, copied or cloned) into its
// variant, one line each; those that choose the variant (u64 and BigInt above, Option
// below) are written out.
macro_rules! from_into_variant {
    ($($t:ty => |$v:ident| $e:expr;)*) => {$(
        impl From<$t> for Value {
            fn from($v: $t) -> Self { $e }
        }
    )*};
}
from_into_variant! {
    () => |_none| Value::None;
    bool => |v| Value::Bool(v);
    f64 => |v| Value::Float(v);
    f32 => |v| Value::Float(v as f64);
    String => |v| Value::Str(v);
    &str => |v| Value::Str(v.to_owned());
    Bytes => |v| Value::Bytes(v);
    &[u8] => |v| Value::Bytes(Bytes::copy_from_slice(v));
    Vec<Value> => |v| Value::List(v);
    ObjectRef => |v| Value::ObjectRef(v);
    &ObjectRef => |v| Value::ObjectRef(v.clone());
    ActorHandle => |v| Value::ActorHandle(v);
    &ActorHandle => |v| Value::ActorHandle(v.clone());
    NdArray => |v| Value::NdArray(Box::new(v));
    Global => |v| Value::Global(Box::new(v));
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::None, Into::into)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dicts_and_sets_are_equal_in_any_order_lists_are_not() {
        let ints = |v: &[i64]| v.iter().map(|&i| Value::Int(i)).collect::<Vec<_>>();
        assert_eq!(Value::Set(ints(&[1, 2, 3])), Value::Set(ints(&[3, 1, 2])));
        assert_eq!(
            Value::FrozenSet(ints(&[1, 2])),
            Value::FrozenSet(ints(&[2, 1]))
        );
        assert_ne!(Value::Set(ints(&[1, 2, 2])), Value::Set(ints(&[1, 1, 2])));
        assert_ne!(Value::Set(ints(&[1, 2])), Value::FrozenSet(ints(&[1, 2])));
        assert_ne!(Value::List(ints(&[1, 2])), Value::List(ints(&[2, 1])));
        assert_ne!(Value::Tuple(ints(&[1, 2])), Value::List(ints(&[1, 2])));
        let d1 = Value::dict([("a", 1), ("b", 2)]);
        assert_eq!(d1, Value::dict([("b", 2), ("a", 1)]));
        assert_ne!(d1, Value::dict([("b", 1), ("a", 2)]));
        assert_ne!(d1, Value::dict([("a", 1)]));
        // Nested: a dict of sets.
        let nested = |s: &[i64]| Value::dict([("s", Value::Set(ints(s)))]);
        assert_eq!(nested(&[1, 2]), nested(&[2, 1]));
        assert_ne!(Value::Int(1), Value::Bool(true));
    }
}
