//! Reading the caller's arguments: out-parameters, strings, arrays, timeouts, and the
//! user data pointer handed back to callbacks.

use std::ffi::{c_char, CStr};

use super::*;

/// A handle out-parameter, checked and set to NULL.
pub(crate) unsafe fn out_handle<'a, T>(p: *mut *mut T, what: &str) -> R<&'a mut *mut T> {
    if p.is_null() {
        return Err(ErrorInfo::null(what));
    }
    check_aligned(p, what)?;
    *p = std::ptr::null_mut();
    Ok(&mut *p)
}

/// A plain out-parameter, checked and set to `init`.
pub(crate) unsafe fn out_val<'a, T>(p: *mut T, what: &str, init: T) -> R<&'a mut T> {
    if p.is_null() {
        return Err(ErrorInfo::null(what));
    }
    check_aligned(p, what)?;
    p.write(init);
    Ok(&mut *p)
}

/// An optional out-parameter (NULL: the caller does not want it), set to `init`.
pub(crate) unsafe fn opt_out<'a, T>(p: *mut T, what: &str, init: T) -> R<Option<&'a mut T>> {
    if p.is_null() {
        return Ok(None);
    }
    out_val(p, what, init).map(Some)
}

fn check_aligned<T>(p: *const T, what: &str) -> R<()> {
    if p.is_aligned() {
        Ok(())
    } else {
        Err(ErrorInfo::invalid(format!("{what} is not aligned")))
    }
}

fn invalid_utf8(what: &str) -> ErrorInfo {
    ErrorInfo::new(
        RAY_CLIENT_ERROR_INVALID_UTF8,
        "invalid_utf8",
        format!("{what} is not valid UTF-8"),
    )
}

/// A required NUL-terminated UTF-8 string argument.
pub(crate) unsafe fn str_arg<'a>(p: *const c_char, what: &str) -> R<&'a str> {
    if p.is_null() {
        return Err(ErrorInfo::null(what));
    }
    CStr::from_ptr(p).to_str().map_err(|_| invalid_utf8(what))
}

/// A (name, value) pair of required string arguments, copied; `what` names the first
/// ("name", "key"), the second is the "value".
pub(crate) unsafe fn str_pair(
    name: *const c_char,
    what: &str,
    value: *const c_char,
) -> R<(String, String)> {
    Ok((
        str_arg(name, what)?.to_owned(),
        str_arg(value, "value")?.to_owned(),
    ))
}

/// An optional string argument (NULL: not given).
pub(crate) unsafe fn opt_str<'a>(p: *const c_char, what: &str) -> R<Option<&'a str>> {
    if p.is_null() {
        Ok(None)
    } else {
        str_arg(p, what).map(Some)
    }
}

/// A UTF-8 string given as pointer and length.
pub(crate) unsafe fn str_n<'a>(p: *const c_char, len: usize, what: &str) -> R<&'a str> {
    std::str::from_utf8(slice(p.cast::<u8>(), len, what)?).map_err(|_| invalid_utf8(what))
}

/// An array argument: `len` elements at `p` (`p` may be NULL when `len` is 0). Refuses
/// lengths no real buffer can have.
pub(crate) unsafe fn slice<'a, T>(p: *const T, len: usize, what: &str) -> R<&'a [T]> {
    if len == 0 {
        return Ok(&[]);
    }
    if p.is_null() {
        return Err(ErrorInfo::null(what));
    }
    let max = isize::MAX as usize / std::mem::size_of::<T>().max(1);
    if len > max {
        return Err(ErrorInfo::invalid(format!(
            "{what}: a length of {len} is impossible"
        )));
    }
    check_aligned(p, what)?;
    Ok(std::slice::from_raw_parts(p, len))
}

/// Milliseconds to an optional duration: negative means "no limit".
pub(crate) fn timeout_ms(ms: i64) -> Option<std::time::Duration> {
    u64::try_from(ms).ok().map(std::time::Duration::from_millis)
}

/// A pointer the library hands back to a callback on another thread.
#[derive(Clone, Copy)]
pub(crate) struct UserData(pub(super) *mut std::ffi::c_void);

// SAFETY: the pointer is never dereferenced by the library, only handed back to the
// caller's callback; the ABI documents that callbacks run on the I/O thread, so the
// caller is responsible for what the pointer points at being usable there.
unsafe impl Send for UserData {}
unsafe impl Sync for UserData {}

impl UserData {
    pub(crate) fn get(self) -> *mut std::ffi::c_void {
        self.0
    }
}
