//! Values: the kinds and numpy dtypes, the value handle's lifetime (free, clone) and
//! what every value has (kind, equality). Building values is in `value_build.rs`,
//! reading them in `value_read.rs`.

use std::ffi::c_int;
use std::sync::Arc;

use super::*;
use crate::ndarray::DType;
use crate::value::Value;

/// ---- Value kinds and numpy dtypes (src/ffi/value.rs) ----
///
/// `None`.
pub const RAY_CLIENT_VALUE_NONE: i32 = 0;
/// `bool`.
pub const RAY_CLIENT_VALUE_BOOL: i32 = 1;
/// `int` that fits in 64 bits.
pub const RAY_CLIENT_VALUE_INT: i32 = 2;
/// `int` that does not fit in 64 bits (read it with `ray_client_value_get_bigint`).
pub const RAY_CLIENT_VALUE_BIGINT: i32 = 3;
/// `float`.
pub const RAY_CLIENT_VALUE_FLOAT: i32 = 4;
/// `str`.
pub const RAY_CLIENT_VALUE_STR: i32 = 5;
/// `bytes`.
pub const RAY_CLIENT_VALUE_BYTES: i32 = 6;
/// `bytearray`.
pub const RAY_CLIENT_VALUE_BYTEARRAY: i32 = 7;
/// `list`.
pub const RAY_CLIENT_VALUE_LIST: i32 = 8;
/// `tuple`.
pub const RAY_CLIENT_VALUE_TUPLE: i32 = 9;
/// `dict` (insertion ordered, any key).
pub const RAY_CLIENT_VALUE_DICT: i32 = 10;
/// `set`.
pub const RAY_CLIENT_VALUE_SET: i32 = 11;
/// `frozenset`.
pub const RAY_CLIENT_VALUE_FROZENSET: i32 = 12;
/// An object ref.
pub const RAY_CLIENT_VALUE_OBJECT_REF: i32 = 13;
/// An actor handle.
pub const RAY_CLIENT_VALUE_ACTOR: i32 = 14;
/// A `numpy.ndarray`.
pub const RAY_CLIENT_VALUE_NDARRAY: i32 = 15;
/// A module-level name (function, class); inspect it with `ray_client_value_to_json`.
pub const RAY_CLIENT_VALUE_GLOBAL: i32 = 16;
/// A Python object kept symbolically; inspect it with `ray_client_value_to_json`.
pub const RAY_CLIENT_VALUE_OBJECT: i32 = 17;

/// numpy `bool` (one byte per element).
pub const RAY_CLIENT_DTYPE_BOOL: i32 = 0;
/// numpy `int8`.
pub const RAY_CLIENT_DTYPE_INT8: i32 = 1;
/// numpy `int16`.
pub const RAY_CLIENT_DTYPE_INT16: i32 = 2;
/// numpy `int32`.
pub const RAY_CLIENT_DTYPE_INT32: i32 = 3;
/// numpy `int64`.
pub const RAY_CLIENT_DTYPE_INT64: i32 = 4;
/// numpy `uint8`.
pub const RAY_CLIENT_DTYPE_UINT8: i32 = 5;
/// numpy `uint16`.
pub const RAY_CLIENT_DTYPE_UINT16: i32 = 6;
/// numpy `uint32`.
pub const RAY_CLIENT_DTYPE_UINT32: i32 = 7;
/// numpy `uint64`.
pub const RAY_CLIENT_DTYPE_UINT64: i32 = 8;
/// numpy `float32`.
pub const RAY_CLIENT_DTYPE_FLOAT32: i32 = 9;
/// numpy `float64`.
pub const RAY_CLIENT_DTYPE_FLOAT64: i32 = 10;

pub(crate) const DTYPES: [DType; 11] = [
    DType::Bool,
    DType::I8,
    DType::I16,
    DType::I32,
    DType::I64,
    DType::U8,
    DType::U16,
    DType::U32,
    DType::U64,
    DType::F32,
    DType::F64,
];

pub(crate) fn dtype_code(d: DType) -> c_int {
    DTYPES
        .iter()
        .position(|&x| x == d)
        .expect("every dtype listed") as c_int
}

fn kind_of(v: &Value) -> c_int {
    match v {
        Value::None => RAY_CLIENT_VALUE_NONE,
        Value::Bool(_) => RAY_CLIENT_VALUE_BOOL,
        Value::Int(_) => RAY_CLIENT_VALUE_INT,
        Value::BigInt(_) => RAY_CLIENT_VALUE_BIGINT,
        Value::Float(_) => RAY_CLIENT_VALUE_FLOAT,
        Value::Str(_) => RAY_CLIENT_VALUE_STR,
        Value::Bytes(_) => RAY_CLIENT_VALUE_BYTES,
        Value::ByteArray(_) => RAY_CLIENT_VALUE_BYTEARRAY,
        Value::List(_) => RAY_CLIENT_VALUE_LIST,
        Value::Tuple(_) => RAY_CLIENT_VALUE_TUPLE,
        Value::Dict(_) => RAY_CLIENT_VALUE_DICT,
        Value::Set(_) => RAY_CLIENT_VALUE_SET,
        Value::FrozenSet(_) => RAY_CLIENT_VALUE_FROZENSET,
        Value::ObjectRef(_) => RAY_CLIENT_VALUE_OBJECT_REF,
        Value::ActorHandle(_) => RAY_CLIENT_VALUE_ACTOR,
        Value::NdArray(_) => RAY_CLIENT_VALUE_NDARRAY,
        Value::Global(_) => RAY_CLIENT_VALUE_GLOBAL,
        Value::Object(_) => RAY_CLIENT_VALUE_OBJECT,
    }
}

/// Stores a new value handle in `out` (checked first).
pub(crate) unsafe fn give(
    out: *mut *mut ray_client_value,
    v: impl FnOnce() -> R<Value>,
) -> ray_client_status {
    guard(|| fill_handle(out, || Ok(Arc::new(v()?))))
}

/// The value behind a handle.
pub(crate) fn value_of(v: *const ray_client_value, what: &str) -> R<Arc<Value>> {
    get::<ray_client_value>(v, what)
}

/// The values behind an array of handles (cloned: the new value owns its items).
pub(crate) unsafe fn values_of(items: *const *const ray_client_value, n: usize) -> R<Vec<Value>> {
    slice(items, n, "items")?
        .iter()
        .enumerate()
        .map(|(i, &h)| value_of(h, &format!("item {i}")).map(|v| (*v).clone()))
        .collect()
}

pub(crate) fn wrong_kind(v: &Value, want: &str) -> ErrorInfo {
    ErrorInfo::invalid(format!("the value is a {}, not {want}", v.type_name()))
}

/// ---- Values: free, clone, kind, equality (src/ffi/value.rs) ----
///
/// Frees a value handle. NULL is a no-op. Refs and actors inside the value stay alive
/// as long as other handles hold them.
/// Thread-safety: may run while other threads still use the handle: their calls finish
/// normally, and borrowed pointers into it become invalid.
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_free(value: *mut ray_client_value) -> ray_client_status {
    guard(|| free_handle(value))
}

/// A new handle to the same (immutable) value. The caller frees `*out`.
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_clone(
    value: *const ray_client_value,
    out: *mut *mut ray_client_value,
) -> ray_client_status {
    clone_handle(value, "value", out)
}

/// The value's kind, one of `RAY_CLIENT_VALUE_*`.
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_kind(
    value: *const ray_client_value,
    out: *mut c_int,
) -> ray_client_status {
    guard(|| {
        let v = value_of(value, "value")?;
        *out_val(out, "out", 0)? = kind_of(&v);
        Ok(())
    })
}

/// Whether two values are equal (same kind and contents; refs compare by object id).
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_equal(
    a: *const ray_client_value,
    b: *const ray_client_value,
    out: *mut c_int,
) -> ray_client_status {
    guard(|| {
        let (a, b) = (value_of(a, "a")?, value_of(b, "b")?);
        *out_val(out, "out", 0)? = c_int::from(a == b);
        Ok(())
    })
}
