//! Memory handed to the caller: strings, byte buffers and handle arrays, remembered in a
//! table so that their `_free` functions can check what they are given.

use std::collections::HashMap;
use std::ffi::{c_char, CString};
use std::sync::{Arc, LazyLock, Mutex, PoisonError};

use super::*;

/// A C string of `s`; an interior NUL (which C cannot represent) becomes `\0`.
pub(crate) fn cstring_lossy(s: String) -> CString {
    CString::new(s).unwrap_or_else(|e| {
        let s = String::from_utf8_lossy(&e.into_vec()).replace('\0', "\\0");
        CString::new(s).expect("no NUL left")
    })
}

enum Alloc {
    Str(#[allow(dead_code)] CString),
    Bytes(#[allow(dead_code)] Vec<u8>),
    /// Tokens of value handles, freed with the array.
    Values(Vec<usize>),
}

static ALLOCS: LazyLock<Mutex<HashMap<usize, Alloc>>> = LazyLock::new(Default::default);

/// Number of strings, buffers and arrays handed out and not freed yet.
pub(crate) fn live_allocations() -> usize {
    ALLOCS.lock().unwrap_or_else(PoisonError::into_inner).len()
}

fn remember(addr: usize, a: Alloc) {
    ALLOCS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(addr, a);
}

fn forget(addr: usize, what: &str) -> R<Alloc> {
    ALLOCS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .remove(&addr)
        .ok_or_else(|| {
            ErrorInfo::new(
                RAY_CLIENT_ERROR_INVALID_HANDLE,
                "invalid_handle",
                format!("{what} was not returned by ray-client, or was freed already"),
            )
        })
}

/// Takes back what the caller hands to a `_free` function at `p` (`what`, for errors),
/// when it is an allocation of the kind `is_kind` accepts (`kind`); an allocation of
/// another kind stays. `None` for NULL, which is a no-op.
fn take_back<T>(
    p: *mut T,
    what: &str,
    kind: &str,
    is_kind: fn(&Alloc) -> bool,
) -> R<Option<Alloc>> {
    if p.is_null() {
        return Ok(None);
    }
    let alloc = forget(p.addr(), what)?;
    if is_kind(&alloc) {
        Ok(Some(alloc))
    } else {
        remember(p.addr(), alloc);
        Err(invalid_handle(what, kind))
    }
}

/// A string for the caller (free with `ray_client_string_free`).
pub(crate) fn give_string(s: String) -> *mut c_char {
    let c = cstring_lossy(s);
    // The heap buffer does not move when the CString moves into the table; the caller
    // only reads it, and hands it back to `ray_client_string_free`.
    let p = c.as_ptr().cast_mut();
    remember(p.addr(), Alloc::Str(c));
    p
}

/// [`fill_handle`] for a string out-parameter: `out` checked (set to NULL), then the
/// string `make` gives stored in it for the caller.
pub(crate) unsafe fn fill_string(out: *mut *mut c_char, make: impl FnOnce() -> R<String>) -> R<()> {
    let out = out_handle(out, "out")?;
    *out = give_string(make()?);
    Ok(())
}

/// A byte buffer for the caller (free with `ray_client_bytes_free`). Never a dangling
/// pointer, even when empty, so every buffer has its own address.
pub(crate) fn give_bytes(b: &[u8]) -> *mut u8 {
    let mut v = Vec::with_capacity(b.len().max(1));
    v.extend_from_slice(b);
    let p = v.as_mut_ptr();
    remember(p.addr(), Alloc::Bytes(v));
    p
}

pub(crate) fn give_values(values: Vec<crate::Value>) -> *mut *mut ray_client_value {
    let mut tokens: Vec<usize> = Vec::with_capacity(values.len().max(1));
    tokens.extend(
        values
            .into_iter()
            .map(|v| new_handle::<ray_client_value>(Arc::new(v)).addr()),
    );
    let p = tokens.as_mut_ptr().cast::<*mut ray_client_value>();
    remember(p.addr(), Alloc::Values(tokens));
    p
}

/// ---- Returned memory: strings, byte buffers, handle arrays (src/ffi/memory.rs) ----
///
/// Frees a string returned by the library. NULL is a no-op; anything else not returned
/// by the library (or freed already) gives `RAY_CLIENT_ERROR_INVALID_HANDLE`.
/// Thread-safety: may run while other threads still use the handle: their calls finish
/// normally, and borrowed pointers into it become invalid.
#[no_mangle]
pub unsafe extern "C" fn ray_client_string_free(s: *mut c_char) -> ray_client_status {
    let is_string = |a: &Alloc| matches!(a, Alloc::Str(_));
    guard(|| take_back(s, "the string", "string", is_string).map(drop))
}

/// Frees a byte buffer returned by the library (`ray_client_kv_get`,
/// `ray_client_value_to_pickle`). NULL is a no-op; anything else not returned by the
/// library (or freed already) gives `RAY_CLIENT_ERROR_INVALID_HANDLE`.
/// Thread-safety: may run while other threads still use the handle: their calls finish
/// normally, and borrowed pointers into it become invalid.
#[no_mangle]
pub unsafe extern "C" fn ray_client_bytes_free(data: *mut u8) -> ray_client_status {
    let is_bytes = |a: &Alloc| matches!(a, Alloc::Bytes(_));
    guard(|| take_back(data, "the byte buffer", "byte buffer", is_bytes).map(drop))
}

/// Frees an array of values returned by the library (`ray_client_object_get_many`, ...) and
/// every value handle still in it (entries the caller freed already and set to NULL
/// are skipped; entries freed but not NULLed are skipped too). NULL is a no-op.
/// Thread-safety: may run while other threads still use the handle: their calls finish
/// normally, and borrowed pointers into it become invalid.
#[no_mangle]
pub unsafe extern "C" fn ray_client_value_array_free(
    values: *mut *mut ray_client_value,
) -> ray_client_status {
    let is_values = |a: &Alloc| matches!(a, Alloc::Values(_));
    guard(|| {
        if let Some(Alloc::Values(tokens)) =
            take_back(values, "the value array", "value array", is_values)?
        {
            for t in tokens {
                let _ = free_handle::<ray_client_value>(std::ptr::without_provenance_mut(t));
            }
        }
        Ok(())
    })
}
