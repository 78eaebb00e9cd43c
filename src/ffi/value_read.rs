//! Reading values: JSON and pickle out, scalars, borrowed strings and bytes, container
//! items, refs and actors inside values, numpy arrays.

use std::ffi::{c_char, c_int, c_void};
use std::sync::Arc;

use super::*;
use crate::value::Value;

/// ---- Reading values (src/ffi/value_read.rs) ----
///
/// The value as JSON text (see `ray_client_value_from_json`). The caller frees `*out`
/// with `ray_client_string_free`.
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_to_json(
    value: *const ray_client_value,
    out: *mut *mut c_char,
) -> ray_client_status {
    guard(|| {
        let v = value_of(value, "value")?;
        let out = out_handle(out, "out")?;
        *out = give_string(crate::json::to_json(&v)?);
        Ok(())
    })
}

/// The value as a protocol 5 pickle (refs and actor handles cannot be pickled this way).
/// The caller frees `*data` with `ray_client_bytes_free`.
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_to_pickle(
    value: *const ray_client_value,
    data: *mut *mut u8,
    len: *mut usize,
) -> ray_client_status {
    guard(|| {
        let v = value_of(value, "value")?;
        let data = out_handle(data, "data")?;
        let len = out_val(len, "len", 0)?;
        let mut has_ref = false;
        v.for_each_ref(&mut |_| has_ref = true);
        if has_ref {
            return Err(ErrorInfo::invalid(
                "a value holding object refs or actor handles cannot be pickled on its own",
            ));
        }
        let bytes = crate::pickle::encode(&v)?;
        *len = bytes.len();
        *data = give_bytes(&bytes);
        Ok(())
    })
}

/// The bool of a bool value (0 or 1).
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_get_bool(
    value: *const ray_client_value,
    out: *mut c_int,
) -> ray_client_status {
    guard(|| {
        let v = value_of(value, "value")?;
        let out = out_val(out, "out", 0)?;
        match *v {
            Value::Bool(b) => {
                *out = c_int::from(b);
                Ok(())
            }
            ref other => Err(wrong_kind(other, "a bool")),
        }
    })
}

/// The int of an int value (`RAY_CLIENT_VALUE_INT`; a big int gives
/// `RAY_CLIENT_ERROR_INVALID_ARGUMENT`, read it with `ray_client_value_get_bigint`).
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_get_int(
    value: *const ray_client_value,
    out: *mut i64,
) -> ray_client_status {
    guard(|| {
        let v = value_of(value, "value")?;
        let out = out_val(out, "out", 0)?;
        match *v {
            Value::Int(i) => {
                *out = i;
                Ok(())
            }
            ref other => Err(wrong_kind(other, "an int that fits in 64 bits")),
        }
    })
}

/// The decimal text of any int value (plain or big). The caller frees `*out` with
/// `ray_client_string_free`.
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_get_bigint(
    value: *const ray_client_value,
    out: *mut *mut c_char,
) -> ray_client_status {
    guard(|| {
        let v = value_of(value, "value")?;
        let out = out_handle(out, "out")?;
        let text = match &*v {
            Value::Int(i) => i.to_string(),
            Value::BigInt(b) => b.to_string(),
            other => return Err(wrong_kind(other, "an int")),
        };
        *out = give_string(text);
        Ok(())
    })
}

/// The float of a float value (an int value is converted too).
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_get_float(
    value: *const ray_client_value,
    out: *mut f64,
) -> ray_client_status {
    guard(|| {
        let v = value_of(value, "value")?;
        let out = out_val(out, "out", 0.0)?;
        match *v {
            Value::Float(f) => {
                *out = f;
                Ok(())
            }
            Value::Int(i) => {
                *out = i as f64;
                Ok(())
            }
            ref other => Err(wrong_kind(other, "a float")),
        }
    })
}

/// The UTF-8 text of a str value: `*data` points at `*len` bytes, **not** NUL-terminated
/// (a str may contain NUL). Borrowed: valid until `value` is freed.
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_get_str(
    value: *const ray_client_value,
    data: *mut *const c_char,
    len: *mut usize,
) -> ray_client_status {
    guard(|| {
        let v = value_of(value, "value")?;
        let data = out_val(data, "data", std::ptr::null())?;
        let len = out_val(len, "len", 0)?;
        match &*v {
            Value::Str(s) => {
                *data = s.as_ptr().cast::<c_char>();
                *len = s.len();
                Ok(())
            }
            other => Err(wrong_kind(other, "a str")),
        }
    })
}

/// The bytes of a bytes or bytearray value: `*data` points at `*len` bytes. Borrowed:
/// valid until `value` is freed.
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_get_bytes(
    value: *const ray_client_value,
    data: *mut *const u8,
    len: *mut usize,
) -> ray_client_status {
    guard(|| {
        let v = value_of(value, "value")?;
        let data = out_val(data, "data", std::ptr::null())?;
        let len = out_val(len, "len", 0)?;
        match &*v {
            Value::Bytes(b) | Value::ByteArray(b) => {
                *data = b.as_ptr();
                *len = b.len();
                Ok(())
            }
            other => Err(wrong_kind(other, "bytes")),
        }
    })
}

/// The number of items of a list, tuple, set, frozenset or dict (pairs).
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_len(
    value: *const ray_client_value,
    out: *mut usize,
) -> ray_client_status {
    guard(|| {
        let v = value_of(value, "value")?;
        let out = out_val(out, "out", 0)?;
        *out = match &*v {
            Value::List(x) | Value::Tuple(x) | Value::Set(x) | Value::FrozenSet(x) => x.len(),
            Value::Dict(p) => p.len(),
            other => return Err(wrong_kind(other, "a container")),
        };
        Ok(())
    })
}

/// Item `index` of a list, tuple, set or frozenset, as a new handle the caller frees.
/// An index out of range gives `RAY_CLIENT_ERROR_INVALID_ARGUMENT`.
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_item(
    value: *const ray_client_value,
    index: usize,
    out: *mut *mut ray_client_value,
) -> ray_client_status {
    guard(|| {
        let v = value_of(value, "value")?;
        let out = out_handle(out, "out")?;
        let items = match &*v {
            Value::List(x) | Value::Tuple(x) | Value::Set(x) | Value::FrozenSet(x) => x,
            other => return Err(wrong_kind(other, "a sequence or set")),
        };
        let item = items.get(index).ok_or_else(|| {
            ErrorInfo::invalid(format!("index {index} is out of range ({})", items.len()))
        })?;
        *out = new_handle::<ray_client_value>(Arc::new(item.clone()));
        Ok(())
    })
}

/// Pair `index` of a dict: new handles in `*key` and `*item`, which the caller frees.
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_dict_item(
    value: *const ray_client_value,
    index: usize,
    key: *mut *mut ray_client_value,
    item: *mut *mut ray_client_value,
) -> ray_client_status {
    guard(|| {
        let v = value_of(value, "value")?;
        let key = out_handle(key, "key")?;
        let item = out_handle(item, "item")?;
        let Value::Dict(pairs) = &*v else {
            return Err(wrong_kind(&v, "a dict"));
        };
        let (k, x) = pairs.get(index).ok_or_else(|| {
            ErrorInfo::invalid(format!("index {index} is out of range ({})", pairs.len()))
        })?;
        *key = new_handle::<ray_client_value>(Arc::new(k.clone()));
        *item = new_handle::<ray_client_value>(Arc::new(x.clone()));
        Ok(())
    })
}

/// Looks the str key `key` up in a dict. `*out` is a new handle the caller frees, or
/// NULL when the key is absent (still `RAY_CLIENT_OK`).
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_dict_get(
    value: *const ray_client_value,
    key: *const c_char,
    out: *mut *mut ray_client_value,
) -> ray_client_status {
    guard(|| {
        let v = value_of(value, "value")?;
        let key = str_arg(key, "key")?;
        let out = out_handle(out, "out")?;
        if !matches!(*v, Value::Dict(_)) {
            return Err(wrong_kind(&v, "a dict"));
        }
        if let Some(x) = v.get_str(key) {
            *out = new_handle::<ray_client_value>(Arc::new(x.clone()));
        }
        Ok(())
    })
}

/// The object ref in an object ref value, as a new ref handle the caller frees.
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_get_object_ref(
    value: *const ray_client_value,
    out: *mut *mut ray_client_object_ref,
) -> ray_client_status {
    guard(|| {
        let v = value_of(value, "value")?;
        let out = out_handle(out, "out")?;
        match &*v {
            Value::ObjectRef(r) => {
                *out = new_handle::<ray_client_object_ref>(r.clone());
                Ok(())
            }
            other => Err(wrong_kind(other, "an object ref")),
        }
    })
}

/// The actor in an actor handle value, as a new actor handle the caller frees.
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_get_actor(
    value: *const ray_client_value,
    out: *mut *mut ray_client_actor,
) -> ray_client_status {
    guard(|| {
        let v = value_of(value, "value")?;
        let out = out_handle(out, "out")?;
        match &*v {
            Value::ActorHandle(a) => {
                *out = new_handle::<ray_client_actor>(a.clone());
                Ok(())
            }
            other => Err(wrong_kind(other, "an actor handle")),
        }
    })
}

/// Describes a numpy array value without copying. Each out-parameter may be NULL when
/// not wanted: `*dtype` (`RAY_CLIENT_DTYPE_*`), `*ndim`, `*shape` (`ndim` sizes),
/// `*data` (the little-endian element data, `*nbytes` bytes; not necessarily aligned
/// for the element type), `*fortran_order` (0: C order). `*shape` and `*data` are
/// borrowed: valid until `value` is freed.
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_ndarray_info(
    value: *const ray_client_value,
    dtype: *mut c_int,
    ndim: *mut usize,
    shape: *mut *const usize,
    data: *mut *const c_void,
    nbytes: *mut usize,
    fortran_order: *mut c_int,
) -> ray_client_status {
    guard(|| {
        let v = value_of(value, "value")?;
        let dtype = opt_out(dtype, "dtype", 0)?;
        let ndim = opt_out(ndim, "ndim", 0)?;
        let shape = opt_out(shape, "shape", std::ptr::null())?;
        let data = opt_out(data, "data", std::ptr::null())?;
        let nbytes = opt_out(nbytes, "nbytes", 0)?;
        let fortran_order = opt_out(fortran_order, "fortran_order", 0)?;
        let Value::NdArray(a) = &*v else {
            return Err(wrong_kind(&v, "an ndarray"));
        };
        if let Some(o) = dtype {
            *o = dtype_code(a.dtype);
        }
        if let Some(o) = ndim {
            *o = a.shape.len();
        }
        if let Some(o) = shape {
            *o = a.shape.as_ptr();
        }
        if let Some(o) = data {
            *o = a.data().as_ptr().cast::<c_void>();
        }
        if let Some(o) = nbytes {
            *o = a.data().len();
        }
        if let Some(o) = fortran_order {
            *o = c_int::from(a.fortran_order);
        }
        Ok(())
    })
}
