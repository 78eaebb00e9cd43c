//! numpy in pickles: arrays and scalars read from the cluster's pickles, arrays written.
//!
//! From the cluster, an ndarray pickled at protocol 5 is
//! `numpy._core.numeric._frombuffer(bytearray, numpy.dtype('f8', ...), shape, order)`;
//! older protocols use `numpy.core.multiarray._reconstruct` plus a `BUILD` state. Both
//! decode to an [`NdArray`] whose data is a slice of the received buffer (no copy). A
//! numpy scalar (`numpy._core.multiarray.scalar(dtype, raw)`) decodes to the plain value.
//!
//! To the cluster, an array is written as
//! `operator.methodcaller("reshape", shape)(numpy.frombuffer(bytearray(data), dtype))`,
//! which loads on numpy 1.x and 2.x alike into a writable, C-ordered `numpy.ndarray`; its
//! data goes as a payload segment of its own (a slice of the array's buffer).

use bytes::Bytes;

use super::Encoder;
use crate::ndarray::{DType, NdArray};
use crate::value::{Global, PyObject, Value};

/// Writes `operator.methodcaller("reshape", shape)(numpy.frombuffer(bytearray(data),
/// type_str))` (plus a transpose for Fortran order, whose data is the C-order data of the
/// reversed shape).
pub(crate) fn write_pickle(e: &mut Encoder, a: &NdArray) {
    let methodcaller = Global::new("_operator", "methodcaller");
    if a.fortran_order {
        e.global(&methodcaller);
        e.str("transpose");
        e.op(0x85); // TUPLE1
        e.op(b'R');
    }
    let shape: Vec<usize> = if a.fortran_order {
        a.shape.iter().rev().copied().collect()
    } else {
        a.shape.clone()
    };
    e.global(&methodcaller);
    e.str("reshape");
    e.mark();
    for &d in &shape {
        e.int(d as i64);
    }
    e.op(b't');
    e.op(0x86); // TUPLE2: ("reshape", shape)
    e.op(b'R');
    e.global(&Global::new("numpy", "frombuffer"));
    e.op(0x96); // BYTEARRAY8: a writable buffer, so the array is writable
    e.raw(&(a.data().len() as u64).to_le_bytes());
    e.payload(a.data());
    e.str(a.dtype.type_str());
    e.op(0x86);
    e.op(b'R');
    e.op(0x85);
    e.op(b'R'); // reshape(array)
    if a.fortran_order {
        e.op(0x85);
        e.op(b'R'); // transpose(array)
    }
}

/// Recognises the reductions numpy pickles arrays with (see the module docs), and numpy
/// scalars (`numpy.float64(1.5)`, the result of `array.sum()`), which become the plain
/// number, bool, str or bytes they hold, as Python code reading them would use them.
pub(crate) fn recognize(o: &PyObject) -> Option<Value> {
    let g = o.callable_global()?;
    let numpy_core = |m: &str| m == "numpy._core.numeric" || m == "numpy.core.numeric";
    let multiarray = |m: &str| m == "numpy._core.multiarray" || m == "numpy.core.multiarray";
    if numpy_core(&g.module) && g.qualname == "_frombuffer" && o.state.is_none() {
        // _frombuffer(buffer, dtype, shape, order)
        let [buf, dtype, Value::Tuple(shape), Value::Str(order)] = o.args.as_slice() else {
            return None;
        };
        let data = match buf {
            Value::ByteArray(b) | Value::Bytes(b) => b.clone(),
            _ => return None,
        };
        let mut a = NdArray::new(dtype_of(dtype)?, dims(shape)?, data).ok()?;
        a.fortran_order = order == "F";
        return Some(Value::from(a));
    }
    if multiarray(&g.module) && g.qualname == "_reconstruct" {
        // _reconstruct(ndarray, (0,), b'b') + BUILD (version, shape, dtype, fortran, raw)
        let Some(Value::Tuple(state)) = &o.state else {
            return None;
        };
        let [Value::Int(_), Value::Tuple(shape), dtype, Value::Bool(fortran), Value::Bytes(raw)] =
            state.as_slice()
        else {
            return None;
        };
        let mut a = NdArray::new(dtype_of(dtype)?, dims(shape)?, raw.clone()).ok()?;
        a.fortran_order = *fortran;
        return Some(Value::from(a));
    }
    if multiarray(&g.module) && g.qualname == "scalar" {
        // scalar(numpy.dtype("f8", ...), raw bytes of the one element)
        let [dtype, Value::Bytes(raw)] = o.args.as_slice() else {
            return None;
        };
        let (code, byte_order) = dtype_code(dtype)?;
        return scalar(code, byte_order, raw);
    }
    None
}

/// The value of a numpy scalar of type `code` (`"f8"`, `"u2"`, `"U5"`, ...) whose element
/// is `raw`. Kinds without a plain counterpart here (complex, datetime, long double,
/// structured) give `None` and stay symbolic objects, which round-trip unchanged.
fn scalar(code: &str, byte_order: &str, raw: &[u8]) -> Option<Value> {
    let (kind, size) = code.split_at(1);
    let size: usize = size.parse().ok()?;
    if kind != "U" && kind != "S" && raw.len() != size {
        return None;
    }
    // Little-endian element bytes, widened to 8 for the integer and float kinds.
    let le = |width: usize| -> Vec<u8> {
        let mut b = raw.to_vec();
        if byte_order == ">" {
            b.reverse();
        }
        b.resize(width.max(b.len()), 0);
        b
    };
    let word = |b: Vec<u8>| u64::from_le_bytes(b[..8].try_into().unwrap());
    Some(match kind {
        "b" if size == 1 => Value::Bool(raw[0] != 0),
        "u" if size <= 8 => Value::from(word(le(8))),
        "i" if size <= 8 => {
            // Sign-extend from the element's width.
            let shift = 64 - 8 * size as u32;
            Value::Int(((word(le(8)) << shift) as i64) >> shift)
        }
        "f" => match size {
            2 => Value::Float(f16_to_f64(u16::from_le_bytes(le(2)[..2].try_into().ok()?))),
            4 => Value::Float(f32::from_le_bytes(le(4)[..4].try_into().ok()?) as f64),
            8 => Value::Float(f64::from_bits(word(le(8)))),
            _ => return None,
        },
        "U" => {
            // UTF-32 code units, padded with NULs to the dtype's length.
            let units = raw.chunks_exact(4).map(|c| {
                let mut c: [u8; 4] = c.try_into().unwrap();
                if byte_order == ">" {
                    c.reverse();
                }
                u32::from_le_bytes(c)
            });
            let text: Option<String> = units.map(char::from_u32).collect();
            Value::Str(text?.trim_end_matches('\0').to_owned())
        }
        "S" => {
            let end = raw.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
            Value::Bytes(Bytes::copy_from_slice(&raw[..end]))
        }
        _ => return None,
    })
}

/// IEEE 754 half precision to double (numpy's `float16`).
fn f16_to_f64(h: u16) -> f64 {
    let sign = if h & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exp = i32::from((h >> 10) & 0x1f);
    let frac = f64::from(h & 0x3ff);
    sign * match exp {
        0 => frac * 2f64.powi(-24),
        31 if frac == 0.0 => f64::INFINITY,
        31 => f64::NAN,
        _ => (1.0 + frac / 1024.0) * 2f64.powi(exp - 15),
    }
}

fn dims(shape: &[Value]) -> Option<Vec<usize>> {
    shape
        .iter()
        .map(|d| d.as_i64().and_then(|d| usize::try_from(d).ok()))
        .collect()
}

/// `numpy.dtype("f8", False, True)` with `BUILD` state `(3, "<", ...)`.
fn dtype_of(v: &Value) -> Option<DType> {
    let (code, byte_order) = dtype_code(v)?;
    if byte_order == ">" {
        return None; // big-endian data stays a symbolic object
    }
    DType::parse(code)
}

/// The type code (`"f8"`) and byte order (`"<"`, `">"`, `"|"`) of a pickled `numpy.dtype`.
fn dtype_code(v: &Value) -> Option<(&str, &str)> {
    let Value::Object(o) = v else { return None };
    let g = o.callable_global()?;
    if g.module != "numpy" || g.qualname != "dtype" {
        return None;
    }
    let code = o.args.first()?.as_str()?;
    let byte_order = match &o.state {
        Some(Value::Tuple(s)) => s.get(1).and_then(Value::as_str).unwrap_or("|"),
        _ => "|",
    };
    Some((code, byte_order))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pickles of numpy scalars written by CPython with numpy 2.4 (protocol 5 unless
    /// named), decoded: each is the plain value Python code would use.
    #[test]
    fn numpy_scalars_decode_to_plain_values() {
        const HEAD: &str = "8c166e756d70792e5f636f72652e6d756c74696172726179948c067363616c61729493948c056e756d7079948c0564747970659493948c";
        let cases: &[(&str, &str, Value)] = &[
            ("f8", "6a0000000000000002663894898887945294284b038c013c944e4e4e4affffffff4affffffff4b007494624308000000000000f83f94869452942e", Value::Float(1.5)),
            ("i2", "640000000000000002693294898887945294284b038c013c944e4e4e4affffffff4affffffff4b007494624302d4fe94869452942e", Value::Int(-300)),
            ("u8", "6a0000000000000002753894898887945294284b038c013c944e4e4e4affffffff4affffffff4b007494624308ffffffffffffffff94869452942e", Value::from(u64::MAX)),
            ("f2", "640000000000000002663294898887945294284b038c013c944e4e4e4affffffff4affffffff4b007494624302003494869452942e", Value::Float(0.25)),
            ("b1", "630000000000000002623194898887945294284b038c017c944e4e4e4affffffff4affffffff4b0074946243010194869452942e", Value::Bool(true)),
            ("U2", "640000000000000002553294898887945294284b038c013c944e4e4e4b084b044b08749462430868000000e900000094869452942e", Value::str("hé")),
            ("sum", "6a0000000000000002663894898887945294284b038c013c944e4e4e4affffffff4affffffff4b007494624308000000000080504094869452942e", Value::Float(66.0)),
        ];
        for (name, tail, want) in cases {
            let (frame, rest) = tail.split_at(16);
            let hex = format!("800595{frame}{HEAD}{rest}");
            assert_eq!(&decode(&hex), want, "{name}");
        }
        // Protocol 2 (the bytes as `_codecs.encode(str, "latin1")`): numpy.int32(7).
        let p2 = "8002636e756d70792e5f636f72652e6d756c746961727261790a7363616c61720a7100636e756d70790a64747970650a71015802000000693471028988877103527104284b0358010000003c71054e4e4e4affffffff4affffffff4b0074710662635f636f646563730a656e636f64650a7107580400000007000000710858060000006c6174696e31710986710a52710b86710c52710d2e";
        assert_eq!(decode(p2), Value::Int(7));
        // complex128(1+2j) has no plain counterpart here: it stays a symbolic object.
        let c16 = format!("8005957300000000000000{HEAD}0363313694898887945294284b038c013c944e4e4e4affffffff4affffffff4b007494624310000000000000f03f000000000000004094869452942e");
        assert!(matches!(decode(&c16), Value::Object(_)));
    }

    /// numpy 1.x names the module `numpy.core.multiarray`; big-endian and narrow signed
    /// elements read right too.
    #[test]
    fn numpy_scalar_forms() {
        let dtype = |code: &str, order: &str| {
            let mut d = PyObject::call(
                Value::global("numpy", "dtype"),
                vec![Value::str(code), Value::Bool(false), Value::Bool(true)],
            );
            d.state = Some(Value::Tuple(vec![Value::Int(3), Value::str(order)]));
            Value::Object(Box::new(d))
        };
        let scalar_of = |module: &str, code: &str, order: &str, raw: &[u8]| {
            let o = PyObject::call(
                Value::global(module, "scalar"),
                vec![dtype(code, order), Value::bytes(raw.to_vec())],
            );
            recognize(&o)
        };
        let old = "numpy.core.multiarray";
        assert_eq!(
            scalar_of(old, "f8", "<", &2.5f64.to_le_bytes()),
            Some(Value::Float(2.5))
        );
        assert_eq!(
            scalar_of(old, "i4", ">", &(-2i32).to_be_bytes()),
            Some(Value::Int(-2))
        );
        assert_eq!(scalar_of(old, "i1", "|", &[0xf8]), Some(Value::Int(-8)));
        assert_eq!(
            scalar_of(old, "u4", "<", &4_000_000_000u32.to_le_bytes()),
            Some(Value::Int(4_000_000_000))
        );
        assert_eq!(
            scalar_of(old, "S3", "|", b"ab\0"),
            Some(Value::bytes(&b"ab"[..]))
        );
        // A wrong length or an unknown kind is left alone, never misread.
        assert_eq!(scalar_of(old, "f8", "<", &[0; 4]), None);
        assert_eq!(scalar_of(old, "M8", "<", &[0; 8]), None);
        assert_eq!(scalar_of("elsewhere", "f8", "<", &[0; 8]), None);
    }

    fn decode(hex: &str) -> Value {
        let raw: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect();
        crate::pickle::decode(
            &Bytes::from(raw),
            &crate::pickle::Limits::default(),
            &mut crate::pickle::reject_persistent,
        )
        .unwrap()
    }
}
