//! Values: building and inspecting every kind, JSON and pickle in and out.

use std::ffi::{c_char, c_int, c_void};
use std::str::FromStr;
use std::sync::Arc;

use bytes::Bytes;
use num_bigint::BigInt;

use super::*;
use crate::ndarray::{DType, NdArray};
use crate::value::Value;

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

const DTYPES: [DType; 11] = [
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

fn dtype_code(d: DType) -> c_int {
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
unsafe fn give(out: *mut *mut ray_client_value, v: impl FnOnce() -> R<Value>) -> c_int {
    guard(|| {
        let out = out_handle(out, "out")?;
        *out = new_handle::<ray_client_value>(Arc::new(v()?));
        Ok(())
    })
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

fn wrong_kind(v: &Value, want: &str) -> ErrorInfo {
    ErrorInfo::invalid(format!("the value is a {}, not {want}", v.type_name()))
}

/// Frees a value handle. NULL is a no-op. Refs and actors inside the value stay alive
/// as long as other handles hold them.
/// Thread-safety: any thread; calls already running on the handle in other threads finish normally, borrowed pointers into it become invalid.
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_free(value: *mut ray_client_value) -> c_int {
    guard(|| free_handle(value))
}

/// A new handle to the same (immutable) value. The caller frees `*out`.
/// Thread-safety: any thread; values are immutable and may be shared read-only.
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_clone(
    value: *const ray_client_value,
    out: *mut *mut ray_client_value,
) -> c_int {
    guard(|| {
        let v = value_of(value, "value")?;
        let out = out_handle(out, "out")?;
        *out = new_handle::<ray_client_value>(v);
        Ok(())
    })
}

/// The value's kind, one of `RAY_CLIENT_VALUE_*`.
/// Thread-safety: any thread; values are immutable and may be shared read-only.
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_kind(
    value: *const ray_client_value,
    out: *mut c_int,
) -> c_int {
    guard(|| {
        let v = value_of(value, "value")?;
        *out_val(out, "out", 0)? = kind_of(&v);
        Ok(())
    })
}

/// Whether two values are equal (same kind and contents; refs compare by object id).
/// Thread-safety: any thread; values are immutable and may be shared read-only.
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_equal(
    a: *const ray_client_value,
    b: *const ray_client_value,
    out: *mut c_int,
) -> c_int {
    guard(|| {
        let (a, b) = (value_of(a, "a")?, value_of(b, "b")?);
        *out_val(out, "out", 0)? = c_int::from(a == b);
        Ok(())
    })
}

// --- Constructors. Each stores a new value in `*out`, owned by the caller. ---

/// `None`. The caller frees `*out` with `ray_client_value_free`.
/// Thread-safety: any thread; values are immutable and may be shared read-only.
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_none(out: *mut *mut ray_client_value) -> c_int {
    give(out, || Ok(Value::None))
}

/// A bool (`b != 0`). The caller frees `*out`.
/// Thread-safety: any thread; values are immutable and may be shared read-only.
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_bool(b: c_int, out: *mut *mut ray_client_value) -> c_int {
    give(out, || Ok(Value::Bool(b != 0)))
}

/// An int. The caller frees `*out`.
/// Thread-safety: any thread; values are immutable and may be shared read-only.
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_int(i: i64, out: *mut *mut ray_client_value) -> c_int {
    give(out, || Ok(Value::Int(i)))
}

/// An int of any size from its decimal text (optional sign, digits). A number that fits
/// in 64 bits becomes a plain int. The caller frees `*out`.
/// Thread-safety: any thread; values are immutable and may be shared read-only.
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_bigint(
    decimal: *const c_char,
    out: *mut *mut ray_client_value,
) -> c_int {
    give(out, || {
        let s = str_arg(decimal, "decimal")?;
        let n = BigInt::from_str(s.trim())
            .map_err(|_| ErrorInfo::invalid(format!("{s:?} is not a decimal integer")))?;
        Ok(Value::from(n))
    })
}

/// A float. The caller frees `*out`.
/// Thread-safety: any thread; values are immutable and may be shared read-only.
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_float(f: f64, out: *mut *mut ray_client_value) -> c_int {
    give(out, || Ok(Value::Float(f)))
}

/// A str from NUL-terminated UTF-8. The caller frees `*out`.
/// Thread-safety: any thread; values are immutable and may be shared read-only.
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_str(
    s: *const c_char,
    out: *mut *mut ray_client_value,
) -> c_int {
    give(out, || Ok(Value::Str(str_arg(s, "s")?.to_owned())))
}

/// A str from `len` bytes of UTF-8 (may contain NUL). The caller frees `*out`.
/// Thread-safety: any thread; values are immutable and may be shared read-only.
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_str_n(
    data: *const c_char,
    len: usize,
    out: *mut *mut ray_client_value,
) -> c_int {
    give(out, || Ok(Value::Str(str_n(data, len, "data")?.to_owned())))
}

/// A bytes value, copying `len` bytes (`data` may be NULL when `len` is 0). The caller
/// frees `*out`.
/// Thread-safety: any thread; values are immutable and may be shared read-only.
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_bytes(
    data: *const u8,
    len: usize,
    out: *mut *mut ray_client_value,
) -> c_int {
    give(out, || {
        Ok(Value::Bytes(Bytes::copy_from_slice(slice(
            data, len, "data",
        )?)))
    })
}

/// A bytes value over the caller's `len` bytes at `data`, without copying them: a put of
/// this value (or a call taking it as an argument) sends slices of the caller's buffer,
/// so a large put from C costs no second copy of the data.
///
/// Ownership: on success the library borrows the buffer until it calls
/// `release(user_data)`, exactly once, when the value and everything still sending from it
/// are done (after `ray_client_value_free` of the value and of every value containing it,
/// and after any put or call reading it has sent its data). Until then the caller must
/// neither free nor modify the buffer. `release` may be NULL when the buffer outlives the
/// library's use of it anyway (static data). It may run on any thread, including the
/// library's I/O thread: it must not block and must not call this API's blocking
/// functions. On failure the library never calls `release` and the buffer stays the
/// caller's.
/// Thread-safety: any thread; values are immutable and may be shared read-only.
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_bytes_borrowed(
    data: *const u8,
    len: usize,
    release: ray_client_release_fn,
    user_data: *mut c_void,
    out: *mut *mut ray_client_value,
) -> c_int {
    give(out, || {
        Ok(Value::Bytes(borrowed(data, len, release, user_data)?))
    })
}

/// Called once by the library when it no longer reads a buffer it borrowed (see
/// `ray_client_value_bytes_borrowed`), with the `user_data` given there.
pub type ray_client_release_fn = Option<unsafe extern "C" fn(user_data: *mut c_void)>;

/// A buffer the library reads in place and hands back through its release callback.
struct Borrowed {
    data: *const u8,
    len: usize,
    release: ray_client_release_fn,
    user_data: *mut c_void,
}

// SAFETY: the caller of the `_borrowed` constructors promises the buffer stays valid and
// unmodified until `release` runs, and that `release` may run on any thread.
unsafe impl Send for Borrowed {}
unsafe impl Sync for Borrowed {}

impl AsRef<[u8]> for Borrowed {
    fn as_ref(&self) -> &[u8] {
        if self.len == 0 {
            return &[];
        }
        // SAFETY: checked non-null at construction; valid until release (see above).
        unsafe { std::slice::from_raw_parts(self.data, self.len) }
    }
}

impl Drop for Borrowed {
    fn drop(&mut self) {
        if let Some(release) = self.release {
            // SAFETY: the caller's callback, called once, with the caller's pointer.
            unsafe { release(self.user_data) }
        }
    }
}

/// `Bytes` over a borrowed buffer (`data` may be NULL only when `len` is 0); release is
/// called when the last slice of it is dropped.
unsafe fn borrowed(
    data: *const u8,
    len: usize,
    release: ray_client_release_fn,
    user_data: *mut c_void,
) -> Result<Bytes, ErrorInfo> {
    slice(data, len, "data")?; // the same NULL / length checks as the copying forms
    Ok(Bytes::from_owner(Borrowed {
        data,
        len,
        release,
        user_data,
    }))
}

/// A bytearray value, copying `len` bytes. The caller frees `*out`. (Ray's object store
/// turns a put bytearray into bytes.)
/// Thread-safety: any thread; values are immutable and may be shared read-only.
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_bytearray(
    data: *const u8,
    len: usize,
    out: *mut *mut ray_client_value,
) -> c_int {
    give(out, || {
        Ok(Value::ByteArray(Bytes::copy_from_slice(slice(
            data, len, "data",
        )?)))
    })
}

/// A list of `n` items. The items are copied: the caller still owns (and frees) the
/// item handles, and frees `*out`.
/// Thread-safety: any thread; values are immutable and may be shared read-only.
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_list(
    items: *const *const ray_client_value,
    n: usize,
    out: *mut *mut ray_client_value,
) -> c_int {
    give(out, || Ok(Value::List(values_of(items, n)?)))
}

/// A tuple of `n` items (copied; see `ray_client_value_list`).
/// Thread-safety: any thread; values are immutable and may be shared read-only.
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_tuple(
    items: *const *const ray_client_value,
    n: usize,
    out: *mut *mut ray_client_value,
) -> c_int {
    give(out, || Ok(Value::Tuple(values_of(items, n)?)))
}

/// A set of `n` items (copied; see `ray_client_value_list`).
/// Thread-safety: any thread; values are immutable and may be shared read-only.
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_set(
    items: *const *const ray_client_value,
    n: usize,
    out: *mut *mut ray_client_value,
) -> c_int {
    give(out, || Ok(Value::Set(values_of(items, n)?)))
}

/// A frozenset of `n` items (copied; see `ray_client_value_list`).
/// Thread-safety: any thread; values are immutable and may be shared read-only.
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_frozenset(
    items: *const *const ray_client_value,
    n: usize,
    out: *mut *mut ray_client_value,
) -> c_int {
    give(out, || Ok(Value::FrozenSet(values_of(items, n)?)))
}

/// A dict of `n` pairs `keys[i]: values[i]`, in that order (keys and values copied; the
/// caller still owns the item handles and frees `*out`).
/// Thread-safety: any thread; values are immutable and may be shared read-only.
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_dict(
    keys: *const *const ray_client_value,
    values: *const *const ray_client_value,
    n: usize,
    out: *mut *mut ray_client_value,
) -> c_int {
    give(out, || {
        let k = values_of(keys, n)?;
        let v = values_of(values, n)?;
        Ok(Value::Dict(k.into_iter().zip(v).collect()))
    })
}

/// A value holding an object ref (e.g. to pass a ref nested in an argument). The ref
/// handle stays the caller's; the caller frees `*out`.
/// Thread-safety: any thread; values are immutable and may be shared read-only.
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_object_ref(
    r: *const ray_client_object_ref,
    out: *mut *mut ray_client_value,
) -> c_int {
    give(out, || Ok(Value::ObjectRef(get(r, "ref")?)))
}

/// A value holding an actor handle. The actor handle stays the caller's; the caller
/// frees `*out`.
/// Thread-safety: any thread; values are immutable and may be shared read-only.
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_actor(
    actor: *const ray_client_actor,
    out: *mut *mut ray_client_value,
) -> c_int {
    give(out, || Ok(Value::ActorHandle(get(actor, "actor")?)))
}

/// A numpy array of `dtype` (`RAY_CLIENT_DTYPE_*`) and `shape` (`ndim` dimensions),
/// copying `nbytes` bytes of little-endian element data from `data` once (C order, or
/// Fortran order when `fortran_order != 0`). `nbytes` must equal the product of the
/// shape times the element size. The caller frees `*out`.
/// Thread-safety: any thread; values are immutable and may be shared read-only.
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_ndarray(
    dtype: c_int,
    shape: *const usize,
    ndim: usize,
    data: *const c_void,
    nbytes: usize,
    fortran_order: c_int,
    out: *mut *mut ray_client_value,
) -> c_int {
    give(out, || {
        let (dtype, shape) = array_layout(dtype, shape, ndim, nbytes)?;
        let bytes = Bytes::copy_from_slice(slice(data.cast::<u8>(), nbytes, "data")?);
        array(dtype, shape, bytes, fortran_order)
    })
}

/// Like `ray_client_value_ndarray`, but borrows `data` instead of copying it: see
/// `ray_client_value_bytes_borrowed` for when `release` is called and what the caller
/// must keep.
/// Thread-safety: any thread; values are immutable and may be shared read-only.
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_ndarray_borrowed(
    dtype: c_int,
    shape: *const usize,
    ndim: usize,
    data: *const c_void,
    nbytes: usize,
    fortran_order: c_int,
    release: ray_client_release_fn,
    user_data: *mut c_void,
    out: *mut *mut ray_client_value,
) -> c_int {
    give(out, || {
        let (dtype, shape) = array_layout(dtype, shape, ndim, nbytes)?;
        let bytes = borrowed(data.cast::<u8>(), nbytes, release, user_data)?;
        array(dtype, shape, bytes, fortran_order)
    })
}

/// The dtype and shape of an array whose data is `nbytes` long, checked.
unsafe fn array_layout(
    dtype: c_int,
    shape: *const usize,
    ndim: usize,
    nbytes: usize,
) -> Result<(DType, Vec<usize>), ErrorInfo> {
    let dtype = usize::try_from(dtype)
        .ok()
        .and_then(|i| DTYPES.get(i).copied())
        .ok_or_else(|| ErrorInfo::invalid(format!("{dtype} is not a RAY_CLIENT_DTYPE")))?;
    let shape = slice(shape, ndim, "shape")?.to_vec();
    let count = shape
        .iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d))
        .and_then(|c| c.checked_mul(dtype.size()))
        .ok_or_else(|| ErrorInfo::invalid("the array's shape overflows"))?;
    if count != nbytes {
        return Err(ErrorInfo::invalid(format!(
            "an array of shape {shape:?} and dtype {} needs {count} bytes, got {nbytes}",
            dtype.name()
        )));
    }
    Ok((dtype, shape))
}

fn array(
    dtype: DType,
    shape: Vec<usize>,
    data: Bytes,
    fortran_order: c_int,
) -> Result<Value, ErrorInfo> {
    let mut a = NdArray::new(dtype, shape, data)?;
    a.fortran_order = fortran_order != 0;
    Ok(Value::NdArray(Box::new(a)))
}

/// Decodes a pickle (any protocol 0-5) into a value, symbolically: nothing is executed.
/// Pickles holding object refs are refused (refs come from a client). The caller frees
/// `*out`.
/// Thread-safety: any thread; values are immutable and may be shared read-only.
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_from_pickle(
    data: *const u8,
    len: usize,
    out: *mut *mut ray_client_value,
) -> c_int {
    give(out, || {
        let bytes = Bytes::copy_from_slice(slice(data, len, "data")?);
        Ok(crate::pickle::decode(
            &bytes,
            &crate::pickle::Limits::default(),
            &mut crate::pickle::reject_persistent,
        )?)
    })
}

/// Parses JSON text (the rules of `ray_client::json`: `{"$bytes": base64}`,
/// `{"$tuple": [...]}`, ...) into a value; `{"$ref": ...}` is refused. The caller frees
/// `*out`.
/// Thread-safety: any thread; values are immutable and may be shared read-only.
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_from_json(
    json: *const c_char,
    out: *mut *mut ray_client_value,
) -> c_int {
    give(out, || Ok(crate::json::from_json(str_arg(json, "json")?)?))
}

// --- Accessors ---

/// The value as JSON text (see `ray_client_value_from_json`). The caller frees `*out`
/// with `ray_client_string_free`.
/// Thread-safety: any thread; values are immutable and may be shared read-only.
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_to_json(
    value: *const ray_client_value,
    out: *mut *mut c_char,
) -> c_int {
    guard(|| {
        let v = value_of(value, "value")?;
        let out = out_handle(out, "out")?;
        *out = give_string(crate::json::to_json(&v)?);
        Ok(())
    })
}

/// The value as a protocol 5 pickle (refs and actor handles cannot be pickled this way).
/// The caller frees `*data` with `ray_client_bytes_free`.
/// Thread-safety: any thread; values are immutable and may be shared read-only.
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_to_pickle(
    value: *const ray_client_value,
    data: *mut *mut u8,
    len: *mut usize,
) -> c_int {
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
/// Thread-safety: any thread; values are immutable and may be shared read-only.
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_get_bool(
    value: *const ray_client_value,
    out: *mut c_int,
) -> c_int {
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
/// Thread-safety: any thread; values are immutable and may be shared read-only.
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_get_int(
    value: *const ray_client_value,
    out: *mut i64,
) -> c_int {
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
/// Thread-safety: any thread; values are immutable and may be shared read-only.
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_get_bigint(
    value: *const ray_client_value,
    out: *mut *mut c_char,
) -> c_int {
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
/// Thread-safety: any thread; values are immutable and may be shared read-only.
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_get_float(
    value: *const ray_client_value,
    out: *mut f64,
) -> c_int {
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
/// Thread-safety: any thread; values are immutable and may be shared read-only.
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_get_str(
    value: *const ray_client_value,
    data: *mut *const c_char,
    len: *mut usize,
) -> c_int {
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
/// Thread-safety: any thread; values are immutable and may be shared read-only.
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_get_bytes(
    value: *const ray_client_value,
    data: *mut *const u8,
    len: *mut usize,
) -> c_int {
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
/// Thread-safety: any thread; values are immutable and may be shared read-only.
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_len(
    value: *const ray_client_value,
    out: *mut usize,
) -> c_int {
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
/// Thread-safety: any thread; values are immutable and may be shared read-only.
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_item(
    value: *const ray_client_value,
    index: usize,
    out: *mut *mut ray_client_value,
) -> c_int {
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
/// Thread-safety: any thread; values are immutable and may be shared read-only.
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_dict_item(
    value: *const ray_client_value,
    index: usize,
    key: *mut *mut ray_client_value,
    item: *mut *mut ray_client_value,
) -> c_int {
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
/// Thread-safety: any thread; values are immutable and may be shared read-only.
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_dict_get(
    value: *const ray_client_value,
    key: *const c_char,
    out: *mut *mut ray_client_value,
) -> c_int {
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
/// Thread-safety: any thread; values are immutable and may be shared read-only.
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_get_object_ref(
    value: *const ray_client_value,
    out: *mut *mut ray_client_object_ref,
) -> c_int {
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
/// Thread-safety: any thread; values are immutable and may be shared read-only.
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_get_actor(
    value: *const ray_client_value,
    out: *mut *mut ray_client_actor,
) -> c_int {
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
/// Thread-safety: any thread; values are immutable and may be shared read-only.
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_ndarray_info(
    value: *const ray_client_value,
    dtype: *mut c_int,
    ndim: *mut usize,
    shape: *mut *const usize,
    data: *mut *const c_void,
    nbytes: *mut usize,
    fortran_order: *mut c_int,
) -> c_int {
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
