//! How a [`Value`] prints: as Python's `repr` shows the same value
//! (`{'name': 'ray-client', 'n': [1, 2.0]}`), so what a user sees in a message or a
//! printout reads like the Python code it came from.

use std::fmt::{self, Display, Formatter, Write};

use crate::value::{PyObject, Value};

impl Display for Value {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Value::None => f.write_str("None"),
            Value::Bool(true) => f.write_str("True"),
            Value::Bool(false) => f.write_str("False"),
            Value::Int(i) => write!(f, "{i}"),
            Value::BigInt(i) => write!(f, "{i}"),
            Value::Float(x) => write_float(f, *x),
            Value::Str(s) => write_str(f, s),
            Value::Bytes(b) => write_bytes(f, b),
            Value::ByteArray(b) => {
                f.write_str("bytearray(")?;
                write_bytes(f, b)?;
                f.write_char(')')
            }
            Value::List(v) => write_seq(f, "[", v, "]"),
            Value::Tuple(v) if v.len() == 1 => write!(f, "({},)", v[0]),
            Value::Tuple(v) => write_seq(f, "(", v, ")"),
            Value::Dict(pairs) => {
                f.write_char('{')?;
                for (i, (k, v)) in pairs.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{k}: {v}")?;
                }
                f.write_char('}')
            }
            Value::Set(v) if v.is_empty() => f.write_str("set()"),
            Value::Set(v) => write_seq(f, "{", v, "}"),
            Value::FrozenSet(v) if v.is_empty() => f.write_str("frozenset()"),
            Value::FrozenSet(v) => write_seq(f, "frozenset({", v, "})"),
            Value::ObjectRef(r) => match r.hex_if_known() {
                Some(hex) => write!(f, "ObjectRef({hex})"),
                None => f.write_str("ObjectRef(<pending>)"),
            },
            Value::ActorHandle(a) => match a.handle.hex_if_known() {
                Some(hex) => write!(f, "Actor({hex})"),
                None => f.write_str("Actor(<pending>)"),
            },
            Value::NdArray(a) => {
                let shape: Vec<String> = a.shape.iter().map(usize::to_string).collect();
                let comma = if shape.len() == 1 { "," } else { "" };
                write!(
                    f,
                    "array(shape=({}{comma}), dtype={})",
                    shape.join(", "),
                    a.dtype.name()
                )
            }
            Value::Global(g) => write!(f, "<{}.{}>", g.module, g.qualname),
            Value::Object(o) => write_object(f, o),
        }
    }
}

impl Value {
    /// Python's `repr` of this value (the same as its `Display`).
    pub fn repr(&self) -> String {
        self.to_string()
    }
}

fn write_seq(f: &mut Formatter<'_>, open: &str, items: &[Value], close: &str) -> fmt::Result {
    f.write_str(open)?;
    for (i, x) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{x}")?;
    }
    f.write_str(close)
}

/// An object kept symbolically, as the call that rebuilds it: `module.Class(args)`.
fn write_object(f: &mut Formatter<'_>, o: &PyObject) -> fmt::Result {
    match &o.callable {
        Value::Global(g) if g.module == "builtins" => f.write_str(&g.qualname)?,
        Value::Global(g) => write!(f, "{}.{}", g.module, g.qualname)?,
        other => write!(f, "{other}")?,
    }
    write_seq(f, "(", &o.args, ")")
}

/// Python's float repr: the shortest digits that read back the same, in positional form
/// for exponents -4..16 (with `.0` when whole), else scientific (`1e+16`, `1.5e-05`).
fn write_float(f: &mut Formatter<'_>, x: f64) -> fmt::Result {
    if x.is_nan() {
        return f.write_str("nan");
    }
    if x.is_infinite() {
        return f.write_str(if x > 0.0 { "inf" } else { "-inf" });
    }
    // Rust's `{:e}` gives the shortest round-trip digits: "-1.5e16", "1e-5", "0e0".
    let sci = format!("{x:e}");
    let (mantissa, exp) = sci.split_once('e').expect("`{:e}` has an exponent");
    let exp: i32 = exp.parse().expect("a decimal exponent");
    if (-4..16).contains(&exp) {
        let s = x.to_string();
        return if s.contains('.') {
            f.write_str(&s)
        } else {
            write!(f, "{s}.0")
        };
    }
    let sign = if exp < 0 { '-' } else { '+' };
    write!(f, "{mantissa}e{sign}{:02}", exp.abs())
}

/// Python's str repr: single quotes unless the text has a `'` and no `"`.
fn write_str(f: &mut Formatter<'_>, s: &str) -> fmt::Result {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    f.write_char(quote)?;
    for c in s.chars() {
        match c {
            '\\' => f.write_str("\\\\")?,
            '\n' => f.write_str("\\n")?,
            '\r' => f.write_str("\\r")?,
            '\t' => f.write_str("\\t")?,
            c if c == quote => write!(f, "\\{c}")?,
            c if (c as u32) < 0x20 || c as u32 == 0x7f => write!(f, "\\x{:02x}", c as u32)?,
            c if c.is_control() => match c as u32 {
                n @ ..=0xff => write!(f, "\\x{n:02x}")?,
                n @ ..=0xffff => write!(f, "\\u{n:04x}")?,
                n => write!(f, "\\U{n:08x}")?,
            },
            c => f.write_char(c)?,
        }
    }
    f.write_char(quote)
}

/// Python's bytes repr: `b'...'`, printable ASCII as is, the rest escaped.
fn write_bytes(f: &mut Formatter<'_>, b: &[u8]) -> fmt::Result {
    let quote = if b.contains(&b'\'') && !b.contains(&b'"') {
        b'"'
    } else {
        b'\''
    };
    write!(f, "b{}", quote as char)?;
    for &c in b {
        match c {
            b'\\' => f.write_str("\\\\")?,
            b'\n' => f.write_str("\\n")?,
            b'\r' => f.write_str("\\r")?,
            b'\t' => f.write_str("\\t")?,
            c if c == quote => write!(f, "\\{}", c as char)?,
            0x20..=0x7e => f.write_char(c as char)?,
            c => write!(f, "\\x{c:02x}")?,
        }
    }
    f.write_char(quote as char)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ndarray::NdArray;

    #[test]
    fn values_print_as_python_repr_shows_them() {
        let v = Value::dict([
            ("name", Value::str("ray-client")),
            ("n", Value::List(vec![1.into(), 2.0.into()])),
        ]);
        assert_eq!(v.to_string(), "{'name': 'ray-client', 'n': [1, 2.0]}");
        let cases: Vec<(Value, &str)> = vec![
            (Value::None, "None"),
            (true.into(), "True"),
            (Value::Float(0.1), "0.1"),
            (Value::Float(1e16), "1e+16"),
            (Value::Float(1e15), "1000000000000000.0"),
            (Value::Float(1.5e-5), "1.5e-05"),
            (Value::Float(0.0001), "0.0001"),
            (Value::Float(-0.0), "-0.0"),
            (Value::Float(f64::NAN), "nan"),
            (Value::Float(f64::NEG_INFINITY), "-inf"),
            (Value::str("x"), "'x'"),
            (Value::str("it's"), "\"it's\""),
            (Value::str("a\nb\\"), "'a\\nb\\\\'"),
            (Value::str("é\u{1}"), "'é\\x01'"),
            (Value::bytes(&b"a'\x00\xff"[..]), "b\"a'\\x00\\xff\""),
            (
                Value::ByteArray(bytes::Bytes::from_static(b"x")),
                "bytearray(b'x')",
            ),
            (Value::Tuple(vec![1.into()]), "(1,)"),
            (Value::Tuple(vec![]), "()"),
            (Value::Set(vec![]), "set()"),
            (Value::Set(vec![1.into(), 2.into()]), "{1, 2}"),
            (Value::FrozenSet(vec![1.into()]), "frozenset({1})"),
            (Value::FrozenSet(vec![]), "frozenset()"),
            (
                Value::from(NdArray::from_vec(vec![1.0f64, 2.0])),
                "array(shape=(2,), dtype=float64)",
            ),
            (Value::global("os.path", "join"), "<os.path.join>"),
            (
                Value::Object(Box::new(PyObject::call(
                    Value::global("builtins", "KeyError"),
                    vec![Value::str("x")],
                ))),
                "KeyError('x')",
            ),
        ];
        for (v, want) in cases {
            assert_eq!(v.to_string(), want, "{v:?}");
        }
    }
}
