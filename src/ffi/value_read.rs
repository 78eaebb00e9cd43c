//! Reading values: JSON and pickle out, scalars, borrowed strings and bytes, container
//! items, refs and actors inside values, numpy arrays.

use std::ffi::{c_char, c_int, c_void};
use std::sync::Arc;

use super::*;
use crate::value::Value;

/// The body of an accessor with one out-parameter: checks `value` and `out` (set to
/// `init`), then stores in `out` what `pick` reads from the value, which is `None` when
/// the value is not of the kind the accessor wants (`want`, named in the error).
unsafe fn read<T>(
    value: *const ray_client_value,
    out: *mut T,
    init: T,
    want: &str,
    pick: impl FnOnce(&Value) -> Option<T>,
) -> ray_client_status {
    guard(|| {
        let v = value_of(value, "value")?;
        let out = out_val(out, "out", init)?;
        *out = pick(&v).ok_or_else(|| wrong_kind(&v, want))?;
        Ok(())
    })
}

/// [`read`] for an out-parameter that receives a pointer (a new handle or string).
unsafe fn read_pointer<T>(
    value: *const ray_client_value,
    out: *mut *mut T,
    want: &str,
    pick: impl FnOnce(&Value) -> Option<*mut T>,
) -> ray_client_status {
    read(value, out, std::ptr::null_mut(), want, pick)
}

/// [`read`] for the accessors that lend the value's own bytes: `*data` and `*len` (set
/// to NULL and 0 first) describe the bytes `pick` finds.
unsafe fn read_borrowed<P>(
    value: *const ray_client_value,
    data: *mut *const P,
    len: *mut usize,
    want: &str,
    pick: impl FnOnce(&Value) -> Option<&[u8]>,
) -> ray_client_status {
    guard(|| {
        let v = value_of(value, "value")?;
        let data = out_val(data, "data", std::ptr::null())?;
        let len = out_val(len, "len", 0)?;
        let bytes = pick(&v).ok_or_else(|| wrong_kind(&v, want))?;
        // The bytes live inside the handle's value, which the registry keeps alive.
        *data = bytes.as_ptr().cast::<P>();
        *len = bytes.len();
        Ok(())
    })
}

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
        fill_string(out, || Ok(crate::json::to_json(&v)?))
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
    read(value, out, 0, "a bool", |v| match *v {
        Value::Bool(b) => Some(c_int::from(b)),
        _ => None,
    })
}

/// The int of an int value (`RAY_CLIENT_VALUE_INT`; a big int gives
/// `RAY_CLIENT_ERROR_INVALID_ARGUMENT`, read it with `ray_client_value_get_bigint`).
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_get_int(
    value: *const ray_client_value,
    out: *mut i64,
) -> ray_client_status {
    read(value, out, 0, "an int that fits in 64 bits", |v| match *v {
        Value::Int(i) => Some(i),
        _ => None,
    })
}

/// The decimal text of any int value (plain or big). The caller frees `*out` with
/// `ray_client_string_free`.
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_get_bigint(
    value: *const ray_client_value,
    out: *mut *mut c_char,
) -> ray_client_status {
    read_pointer(value, out, "an int", |v| match v {
        Value::Int(i) => Some(give_string(i.to_string())),
        Value::BigInt(b) => Some(give_string(b.to_string())),
        _ => None,
    })
}

/// The float of a float value (an int value is converted too).
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_get_float(
    value: *const ray_client_value,
    out: *mut f64,
) -> ray_client_status {
    read(value, out, 0.0, "a float", |v| match *v {
        Value::Float(f) => Some(f),
        Value::Int(i) => Some(i as f64),
        _ => None,
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
    read_borrowed(value, data, len, "a str", |v| match v {
        Value::Str(s) => Some(s.as_bytes()),
        _ => None,
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
    read_borrowed(value, data, len, "bytes", |v| match v {
        Value::Bytes(b) | Value::ByteArray(b) => Some(b),
        _ => None,
    })
}

/// The number of items of a list, tuple, set, frozenset or dict (pairs).
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_len(
    value: *const ray_client_value,
    out: *mut usize,
) -> ray_client_status {
    read(value, out, 0, "a container", |v| match v {
        Value::List(x) | Value::Tuple(x) | Value::Set(x) | Value::FrozenSet(x) => Some(x.len()),
        Value::Dict(p) => Some(p.len()),
        _ => None,
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
        fill_handle(out, || {
            let items = match &*v {
                Value::List(x) | Value::Tuple(x) | Value::Set(x) | Value::FrozenSet(x) => x,
                other => return Err(wrong_kind(other, "a sequence or set")),
            };
            let item = items.get(index).ok_or_else(|| {
                ErrorInfo::invalid(format!("index {index} is out of range ({})", items.len()))
            })?;
            Ok(Arc::new(item.clone()))
        })
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
    read_pointer(value, out, "an object ref", |v| match v {
        Value::ObjectRef(r) => Some(new_handle(r.clone())),
        _ => None,
    })
}

/// The actor in an actor handle value, as a new actor handle the caller frees.
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_get_actor(
    value: *const ray_client_value,
    out: *mut *mut ray_client_actor,
) -> ray_client_status {
    read_pointer(value, out, "an actor handle", |v| match v {
        Value::ActorHandle(a) => Some(new_handle(a.clone())),
        _ => None,
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
