//! JSON interop: a [`Value`] to JSON text and back, so bindings can pass structured data
//! with one call.
//!
//! Rules:
//! - `None` ↔ `null`, bools ↔ `true`/`false`, `str` ↔ string, `list` ↔ array.
//! - Ints ↔ JSON numbers without a fraction, any size (big ints keep every digit).
//!   Finite floats ↔ numbers that always carry a `.` or an exponent (`1.0`), so they come
//!   back as floats. NaN and infinities, which JSON lacks, are `{"$float": "nan"}`,
//!   `{"$float": "inf"}`, `{"$float": "-inf"}`.
//! - A dict whose keys are all strings ↔ a JSON object. Any other dict (int or tuple
//!   keys), and a dict that would look like one of the tagged forms below (a single key
//!   that is a tag name), is `{"$dict": [[key, value], ...]}`.
//! - Kinds JSON lacks are single-key objects: `{"$bytes": base64}`, `{"$bytearray":
//!   base64}`, `{"$tuple": [...]}`, `{"$set": [...]}`, `{"$frozenset": [...]}`,
//!   `{"$global": "module:qualname"}`, `{"$ndarray": {"dtype": "float64", "shape": [2, 3],
//!   "order": "C", "data": base64}}`, `{"$object": {"callable", "construct", "args",
//!   "kwargs", "list_items", "dict_items", "state"}}`, `{"$ref": "<hex id>"}` and
//!   `{"$actor": "<hex id>"}`.
//! - `$ref` is written for object refs; reading one back needs a resolver (refs belong to
//!   a client), see [`from_json_with`]. `$actor` is written for actor handles and refused
//!   when read: pass actor handles as values.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use num_bigint::BigInt;
use serde_json::{Map, Number, Value as Json};

use crate::error::{Error, Result};
use crate::ndarray::{DType, NdArray};
use crate::value::{Construct, PyObject, Value};

const TAGS: &[&str] = &[
    "$float",
    "$dict",
    "$bytes",
    "$bytearray",
    "$tuple",
    "$set",
    "$frozenset",
    "$global",
    "$ndarray",
    "$object",
    "$ref",
    "$actor",
];

/// Deepest nesting accepted either way.
const MAX_DEPTH: usize = 512;

/// JSON text of `value`.
pub fn to_json(value: &Value) -> Result<String> {
    Ok(to_json_value(value, 0)?.to_string())
}

/// Parses JSON text into a value; `$ref` objects are refused.
pub fn from_json(text: &str) -> Result<Value> {
    from_json_with(text, &mut |hex| {
        Err(Error::invalid(format!(
            "JSON holds an object ref ({hex}) but no client was given to resolve it"
        )))
    })
}

/// Parses JSON text; `resolve_ref` turns the hex id of each `{"$ref": ...}` into a value.
pub fn from_json_with(
    text: &str,
    resolve_ref: &mut dyn FnMut(&str) -> Result<Value>,
) -> Result<Value> {
    let json: Json =
        serde_json::from_str(text).map_err(|e| Error::invalid(format!("invalid JSON: {e}")))?;
    from_json_value(&json, resolve_ref, 0)
}

fn tagged(tag: &str, v: Json) -> Json {
    let mut m = Map::new();
    m.insert(tag.to_owned(), v);
    Json::Object(m)
}

fn pairs_to_json(pairs: &[(Value, Value)], d: usize) -> Result<Json> {
    Ok(Json::Array(
        pairs
            .iter()
            .map(|(k, v)| {
                Ok(Json::Array(vec![
                    to_json_value(k, d)?,
                    to_json_value(v, d)?,
                ]))
            })
            .collect::<Result<_>>()?,
    ))
}

fn seq_to_json(items: &[Value], d: usize) -> Result<Json> {
    Ok(Json::Array(
        items
            .iter()
            .map(|x| to_json_value(x, d))
            .collect::<Result<_>>()?,
    ))
}

/// The depth of the items of a container at `depth`; `too_deep` past [`MAX_DEPTH`].
fn deeper(depth: usize, too_deep: &str) -> Result<usize> {
    if depth > MAX_DEPTH {
        return Err(Error::invalid(too_deep));
    }
    Ok(depth + 1)
}

fn to_json_value(value: &Value, depth: usize) -> Result<Json> {
    let d = deeper(depth, "value nests too deep for JSON")?;
    Ok(match value {
        Value::None => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) => Json::Number((*i).into()),
        Value::BigInt(i) => Json::Number(
            i.to_string()
                .parse::<Number>()
                .map_err(|e| Error::internal(format!("big int as JSON: {e}")))?,
        ),
        Value::Float(f) if f.is_finite() => {
            let mut text = format!("{f:?}");
            if !text.contains(['.', 'e', 'E']) {
                text.push_str(".0");
            }
            Json::Number(
                text.parse::<Number>()
                    .map_err(|e| Error::internal(format!("float as JSON: {e}")))?,
            )
        }
        Value::Float(f) => tagged(
            "$float",
            Json::String(
                if f.is_nan() {
                    "nan"
                } else if *f > 0.0 {
                    "inf"
                } else {
                    "-inf"
                }
                .into(),
            ),
        ),
        Value::Str(s) => Json::String(s.clone()),
        Value::Bytes(b) => tagged("$bytes", Json::String(B64.encode(b))),
        Value::ByteArray(b) => tagged("$bytearray", Json::String(B64.encode(b))),
        Value::List(items) => seq_to_json(items, d)?,
        Value::Tuple(items) => tagged("$tuple", seq_to_json(items, d)?),
        Value::Set(items) => tagged("$set", seq_to_json(items, d)?),
        Value::FrozenSet(items) => tagged("$frozenset", seq_to_json(items, d)?),
        Value::Dict(pairs) => {
            let all_str = pairs.iter().all(|(k, _)| matches!(k, Value::Str(_)));
            let looks_tagged = pairs.len() == 1
                && matches!(&pairs[0].0, Value::Str(k) if TAGS.contains(&k.as_str()));
            let unique = {
                let mut keys: Vec<&str> = pairs.iter().filter_map(|(k, _)| k.as_str()).collect();
                keys.sort_unstable();
                keys.windows(2).all(|w| w[0] != w[1])
            };
            if all_str && !looks_tagged && unique {
                let mut m = Map::new();
                for (k, v) in pairs {
                    m.insert(k.as_str().unwrap().to_owned(), to_json_value(v, d)?);
                }
                Json::Object(m)
            } else {
                tagged("$dict", pairs_to_json(pairs, d)?)
            }
        }
        Value::ObjectRef(r) => tagged(
            "$ref",
            Json::String(crate::hex::hex(&r.resolved_id().ok_or_else(|| {
                Error::invalid("an object ref whose id is not known yet cannot be written as JSON")
            })?)),
        ),
        Value::ActorHandle(a) => tagged(
            "$actor",
            Json::String(crate::hex::hex(&a.resolved_id().ok_or_else(|| {
                Error::invalid(
                    "an actor handle whose id is not known yet cannot be written as JSON",
                )
            })?)),
        ),
        Value::Global(g) => tagged(
            "$global",
            Json::String(format!("{}:{}", g.module, g.qualname)),
        ),
        Value::NdArray(a) => {
            let mut m = Map::new();
            m.insert("dtype".into(), Json::String(a.dtype.name().into()));
            m.insert(
                "shape".into(),
                Json::Array(a.shape.iter().map(|&n| Json::Number(n.into())).collect()),
            );
            m.insert(
                "order".into(),
                Json::String(if a.fortran_order { "F" } else { "C" }.into()),
            );
            m.insert("data".into(), Json::String(B64.encode(a.data())));
            tagged("$ndarray", Json::Object(m))
        }
        Value::Object(o) => {
            let mut m = Map::new();
            m.insert("callable".into(), to_json_value(&o.callable, d)?);
            m.insert(
                "construct".into(),
                Json::String(
                    match o.construct {
                        Construct::Call => "call",
                        Construct::New => "new",
                        Construct::NewWithKwargs => "new_kwargs",
                    }
                    .into(),
                ),
            );
            m.insert("args".into(), seq_to_json(&o.args, d)?);
            m.insert("kwargs".into(), pairs_to_json(&o.kwargs, d)?);
            m.insert("list_items".into(), seq_to_json(&o.list_items, d)?);
            m.insert("dict_items".into(), pairs_to_json(&o.dict_items, d)?);
            m.insert(
                "state".into(),
                match &o.state {
                    Some(s) => to_json_value(s, d)?,
                    None => Json::Null,
                },
            );
            tagged("$object", Json::Object(m))
        }
    })
}

type Resolver<'a> = dyn FnMut(&str) -> Result<Value> + 'a;

fn from_json_value(json: &Json, resolve: &mut Resolver, depth: usize) -> Result<Value> {
    let d = deeper(depth, "JSON nests too deep")?;
    Ok(match json {
        Json::Null => Value::None,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => number(n)?,
        Json::String(s) => Value::Str(s.clone()),
        Json::Array(items) => Value::List(seq(items, resolve, d)?),
        Json::Object(m) => {
            if m.len() == 1 {
                let (k, v) = m.iter().next().unwrap();
                if TAGS.contains(&k.as_str()) {
                    return tagged_value(k, v, resolve, d);
                }
            }
            Value::Dict(
                m.iter()
                    .map(|(k, v)| Ok((Value::Str(k.clone()), from_json_value(v, resolve, d)?)))
                    .collect::<Result<_>>()?,
            )
        }
    })
}

fn number(n: &Number) -> Result<Value> {
    let text = n.to_string();
    if text.contains(['.', 'e', 'E']) {
        return text
            .parse::<f64>()
            .map(Value::Float)
            .map_err(|_| Error::invalid(format!("bad number {text}")));
    }
    if let Ok(i) = text.parse::<i64>() {
        return Ok(Value::Int(i));
    }
    BigInt::parse_bytes(text.as_bytes(), 10)
        .map(Value::from)
        .ok_or_else(|| Error::invalid(format!("bad integer {text}")))
}

fn seq(items: &[Json], resolve: &mut Resolver, d: usize) -> Result<Vec<Value>> {
    items
        .iter()
        .map(|x| from_json_value(x, resolve, d))
        .collect()
}

fn pairs(json: &Json, resolve: &mut Resolver, d: usize) -> Result<Vec<(Value, Value)>> {
    let Json::Array(items) = json else {
        return Err(Error::invalid("expected a list of [key, value] pairs"));
    };
    items
        .iter()
        .map(|p| match p {
            Json::Array(kv) if kv.len() == 2 => Ok((
                from_json_value(&kv[0], resolve, d)?,
                from_json_value(&kv[1], resolve, d)?,
            )),
            _ => Err(Error::invalid("expected a [key, value] pair")),
        })
        .collect()
}

fn base64_of(v: &Json, tag: &str) -> Result<Vec<u8>> {
    let s = v
        .as_str()
        .ok_or_else(|| Error::invalid(format!("{tag} needs a base64 string")))?;
    B64.decode(s)
        .map_err(|e| Error::invalid(format!("{tag}: bad base64: {e}")))
}

fn tagged_value(tag: &str, v: &Json, resolve: &mut Resolver, d: usize) -> Result<Value> {
    let list = |v: &Json, resolve: &mut Resolver| -> Result<Vec<Value>> {
        match v {
            Json::Array(items) => seq(items, resolve, d),
            _ => Err(Error::invalid(format!("{tag} needs a list"))),
        }
    };
    Ok(match tag {
        "$float" => match v.as_str() {
            Some("nan") => Value::Float(f64::NAN),
            Some("inf") => Value::Float(f64::INFINITY),
            Some("-inf") => Value::Float(f64::NEG_INFINITY),
            _ => {
                return Err(Error::invalid(
                    "$float must be \"nan\", \"inf\" or \"-inf\"",
                ))
            }
        },
        "$dict" => Value::Dict(pairs(v, resolve, d)?),
        "$bytes" => Value::Bytes(base64_of(v, tag)?.into()),
        "$bytearray" => Value::ByteArray(base64_of(v, tag)?.into()),
        "$tuple" => Value::Tuple(list(v, resolve)?),
        "$set" => Value::Set(list(v, resolve)?),
        "$frozenset" => Value::FrozenSet(list(v, resolve)?),
        "$global" => {
            let s = v.as_str().unwrap_or_default();
            let (m, q) = s
                .split_once(':')
                .filter(|(m, q)| !m.is_empty() && !q.is_empty())
                .ok_or_else(|| Error::invalid("$global must be \"module:qualname\""))?;
            Value::global(m, q)
        }
        "$actor" => {
            return Err(Error::invalid(
                "JSON holds an actor handle; pass actor handles as values, not JSON",
            ))
        }
        "$ref" => resolve(
            v.as_str()
                .ok_or_else(|| Error::invalid("$ref needs a hex string"))?,
        )?,
        "$ndarray" => {
            let field = |k: &str| {
                v.get(k)
                    .ok_or_else(|| Error::invalid(format!("$ndarray needs \"{k}\"")))
            };
            let dtype_name = field("dtype")?.as_str().unwrap_or_default();
            let dtype = DType::parse(dtype_name)
                .ok_or_else(|| Error::invalid(format!("unsupported dtype {dtype_name:?}")))?;
            let shape = field("shape")?
                .as_array()
                .ok_or_else(|| Error::invalid("$ndarray shape must be a list"))?
                .iter()
                .map(|n| {
                    n.as_u64()
                        .map(|n| n as usize)
                        .ok_or_else(|| Error::invalid("bad dimension"))
                })
                .collect::<Result<Vec<_>>>()?;
            let data = base64_of(field("data")?, "$ndarray data")?;
            let mut a = NdArray::new(dtype, shape, data.into())?;
            a.fortran_order = v.get("order").and_then(Json::as_str) == Some("F");
            Value::NdArray(Box::new(a))
        }
        "$object" => {
            let get = |k: &str| v.get(k).unwrap_or(&Json::Null);
            let construct = match get("construct").as_str().unwrap_or("call") {
                "call" => Construct::Call,
                "new" => Construct::New,
                "new_kwargs" => Construct::NewWithKwargs,
                other => return Err(Error::invalid(format!("unknown construct {other:?}"))),
            };
            let opt_list = |k: &str, resolve: &mut Resolver| match get(k) {
                Json::Null => Ok(Vec::new()),
                j => list(j, resolve),
            };
            let opt_pairs = |k: &str, resolve: &mut Resolver| match get(k) {
                Json::Null => Ok(Vec::new()),
                j => pairs(j, resolve, d),
            };
            Value::Object(Box::new(PyObject {
                callable: from_json_value(get("callable"), resolve, d)?,
                construct,
                args: opt_list("args", resolve)?,
                kwargs: opt_pairs("kwargs", resolve)?,
                list_items: opt_list("list_items", resolve)?,
                dict_items: opt_pairs("dict_items", resolve)?,
                state: match get("state") {
                    Json::Null => None,
                    s => Some(from_json_value(s, resolve, d)?),
                },
            }))
        }
        _ => unreachable!("TAGS lists every tag"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(v: Value) {
        let text = to_json(&v).unwrap();
        let back = from_json(&text).unwrap();
        match (&v, &back) {
            (Value::Float(a), Value::Float(b)) if a.is_nan() => assert!(b.is_nan(), "{text}"),
            _ => assert_eq!(back, v, "{text}"),
        }
    }

    #[test]
    fn every_kind_round_trips() {
        for v in [
            Value::None,
            Value::Bool(true),
            Value::from(-5),
            Value::from(BigInt::parse_bytes(b"123456789012345678901234567890", 10).unwrap()),
            Value::Float(1.0),
            Value::Float(-2.5e-300),
            Value::Float(f64::NAN),
            Value::Float(f64::NEG_INFINITY),
            Value::str("é\"\\"),
            Value::bytes(vec![0u8, 255]),
            Value::ByteArray(vec![1u8].into()),
            Value::List(vec![Value::None, Value::from(1)]),
            Value::Tuple(vec![Value::from(1)]),
            Value::Set(vec![Value::from(1)]),
            Value::FrozenSet(vec![]),
            Value::dict([("a", 1), ("b", 2)]),
            Value::Dict(vec![(Value::from(1), Value::str("x"))]),
            Value::dict([("$bytes", Value::str("not bytes"))]),
            Value::global("os.path", "join"),
            Value::from(NdArray::from_vec_shaped(vec![1.0f64, 2.0, 3.0, 4.0], vec![2, 2]).unwrap()),
            Value::Object(Box::new(PyObject::call(
                Value::global("fractions", "Fraction"),
                vec![Value::from(1), Value::from(3)],
            ))),
        ] {
            round_trip(v);
        }
    }

    #[test]
    fn plain_json_reads_naturally() {
        let v = from_json(r#"{"a": [1, 2.5, "x", null, true], "b": {}}"#).unwrap();
        assert_eq!(
            v,
            Value::dict([
                (
                    "a",
                    Value::List(vec![
                        1.into(),
                        2.5.into(),
                        "x".into(),
                        Value::None,
                        true.into()
                    ])
                ),
                ("b", Value::Dict(vec![])),
            ])
        );
        assert_eq!(to_json(&Value::Float(3.0)).unwrap(), "3.0");
        assert!(from_json("{").is_err());
        assert!(from_json(r#"{"$ref": "00"}"#).is_err());
        assert!(from_json(r#"{"$float": "x"}"#).is_err());
    }
}
