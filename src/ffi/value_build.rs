//! Building values: scalars, strings and bytes (copied or borrowed), containers, refs
//! and actors, numpy arrays, and values decoded from pickle or JSON. Each constructor
//! stores a new value in `*out`, owned by the caller.

use std::ffi::{c_char, c_int, c_void};
use std::str::FromStr;

use bytes::Bytes;
use num_bigint::BigInt;

use super::*;
use crate::ndarray::{DType, NdArray};
use crate::value::Value;

/// ---- Building values (src/ffi/value_build.rs) ----
///
/// `None`. The caller frees `*out` with `ray_client_value_free`.
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_none(
    out: *mut *mut ray_client_value,
) -> ray_client_status {
    give(out, || Ok(Value::None))
}

/// A bool (`b != 0`). The caller frees `*out`.
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_bool(
    b: c_int,
    out: *mut *mut ray_client_value,
) -> ray_client_status {
    give(out, || Ok(Value::Bool(b != 0)))
}

/// An int. The caller frees `*out`.
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_int(
    i: i64,
    out: *mut *mut ray_client_value,
) -> ray_client_status {
    give(out, || Ok(Value::Int(i)))
}

/// An int of any size from its decimal text (optional sign, digits). A number that fits
/// in 64 bits becomes a plain int. The caller frees `*out`.
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_bigint(
    decimal: *const c_char,
    out: *mut *mut ray_client_value,
) -> ray_client_status {
    give(out, || {
        let s = str_arg(decimal, "decimal")?;
        let n = BigInt::from_str(s.trim())
            .map_err(|_| ErrorInfo::invalid(format!("{s:?} is not a decimal integer")))?;
        Ok(Value::from(n))
    })
}

/// A float. The caller frees `*out`.
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_float(
    f: f64,
    out: *mut *mut ray_client_value,
) -> ray_client_status {
    give(out, || Ok(Value::Float(f)))
}

/// A str from NUL-terminated UTF-8. The caller frees `*out`.
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_str(
    s: *const c_char,
    out: *mut *mut ray_client_value,
) -> ray_client_status {
    give(out, || Ok(Value::Str(str_arg(s, "s")?.to_owned())))
}

/// A str from `len` bytes of UTF-8 (may contain NUL). The caller frees `*out`.
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_str_n(
    data: *const c_char,
    len: usize,
    out: *mut *mut ray_client_value,
) -> ray_client_status {
    give(out, || Ok(Value::Str(str_n(data, len, "data")?.to_owned())))
}

/// A bytes value, copying `len` bytes (`data` may be NULL when `len` is 0). The caller
/// frees `*out`.
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_bytes(
    data: *const u8,
    len: usize,
    out: *mut *mut ray_client_value,
) -> ray_client_status {
    give(out, || Ok(Value::Bytes(copied(data, len)?)))
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
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_bytes_borrowed(
    data: *const u8,
    len: usize,
    release: ray_client_release_fn,
    user_data: *mut c_void,
    out: *mut *mut ray_client_value,
) -> ray_client_status {
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

/// A copy of the caller's `len` bytes at `data` (NULL only when `len` is 0).
unsafe fn copied(data: *const u8, len: usize) -> Result<Bytes, ErrorInfo> {
    Ok(Bytes::copy_from_slice(slice(data, len, "data")?))
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
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_bytearray(
    data: *const u8,
    len: usize,
    out: *mut *mut ray_client_value,
) -> ray_client_status {
    give(out, || Ok(Value::ByteArray(copied(data, len)?)))
}

/// A list of `n` items. The items are copied: the caller still owns (and frees) the
/// item handles, and frees `*out`.
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_list(
    items: *const *const ray_client_value,
    n: usize,
    out: *mut *mut ray_client_value,
) -> ray_client_status {
    give(out, || Ok(Value::List(values_of(items, n)?)))
}

/// A tuple of `n` items (copied; see `ray_client_value_list`).
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_tuple(
    items: *const *const ray_client_value,
    n: usize,
    out: *mut *mut ray_client_value,
) -> ray_client_status {
    give(out, || Ok(Value::Tuple(values_of(items, n)?)))
}

/// A set of `n` items (copied; see `ray_client_value_list`).
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_set(
    items: *const *const ray_client_value,
    n: usize,
    out: *mut *mut ray_client_value,
) -> ray_client_status {
    give(out, || Ok(Value::Set(values_of(items, n)?)))
}

/// A frozenset of `n` items (copied; see `ray_client_value_list`).
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_frozenset(
    items: *const *const ray_client_value,
    n: usize,
    out: *mut *mut ray_client_value,
) -> ray_client_status {
    give(out, || Ok(Value::FrozenSet(values_of(items, n)?)))
}

/// A dict of `n` pairs `keys[i]: values[i]`, in that order (keys and values copied; the
/// caller still owns the item handles and frees `*out`).
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_dict(
    keys: *const *const ray_client_value,
    values: *const *const ray_client_value,
    n: usize,
    out: *mut *mut ray_client_value,
) -> ray_client_status {
    give(out, || {
        let k = values_of(keys, n)?;
        let v = values_of(values, n)?;
        Ok(Value::Dict(k.into_iter().zip(v).collect()))
    })
}

/// A value holding an object ref (e.g. to pass a ref nested in an argument). The ref
/// handle stays the caller's; the caller frees `*out`.
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_object_ref(
    r: *const ray_client_object_ref,
    out: *mut *mut ray_client_value,
) -> ray_client_status {
    give(out, || Ok(Value::ObjectRef(get(r, "ref")?)))
}

/// A value holding an actor handle. The actor handle stays the caller's; the caller
/// frees `*out`.
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_actor(
    actor: *const ray_client_actor,
    out: *mut *mut ray_client_value,
) -> ray_client_status {
    give(out, || Ok(Value::ActorHandle(get(actor, "actor")?)))
}

/// A numpy array of `dtype` (`RAY_CLIENT_DTYPE_*`) and `shape` (`ndim` dimensions),
/// copying `nbytes` bytes of little-endian element data from `data` once (C order, or
/// Fortran order when `fortran_order != 0`). `nbytes` must equal the product of the
/// shape times the element size. The caller frees `*out`.
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_ndarray(
    dtype: c_int,
    shape: *const usize,
    ndim: usize,
    data: *const c_void,
    nbytes: usize,
    fortran_order: c_int,
    out: *mut *mut ray_client_value,
) -> ray_client_status {
    give(out, || {
        let (dtype, shape) = array_layout(dtype, shape, ndim, nbytes)?;
        let bytes = copied(data.cast::<u8>(), nbytes)?;
        array(dtype, shape, bytes, fortran_order)
    })
}

/// Like `ray_client_value_ndarray`, but borrows `data` instead of copying it: see
/// `ray_client_value_bytes_borrowed` for when `release` is called and what the caller
/// must keep.
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
) -> ray_client_status {
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
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_from_pickle(
    data: *const u8,
    len: usize,
    out: *mut *mut ray_client_value,
) -> ray_client_status {
    give(out, || {
        let bytes = copied(data, len)?;
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
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_from_json(
    json: *const c_char,
    out: *mut *mut ray_client_value,
) -> ray_client_status {
    give(out, || Ok(crate::json::from_json(str_arg(json, "json")?)?))
}
