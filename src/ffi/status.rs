//! The library's version and the status codes every fallible function returns.

use std::ffi::{c_char, CStr};

/// ---- Version and status codes (src/ffi/status.rs) ----
///
/// Major version of this library (the C ABI is stable within a major version from 1.0).
pub const RAY_CLIENT_VERSION_MAJOR: u32 = 0;
/// Minor version of this library.
pub const RAY_CLIENT_VERSION_MINOR: u32 = 1;
/// Patch version of this library.
pub const RAY_CLIENT_VERSION_PATCH: u32 = 0;

static VERSION_C: &CStr = c"0.1.0";

/// ---- Version (src/ffi/status.rs) ----
///
/// The library's version, `"MAJOR.MINOR.PATCH"`; compare with the `RAY_CLIENT_VERSION_*`
/// macros to detect a header/library mismatch. Static storage: never free it. Thread-safe.
#[no_mangle]
pub extern "C" fn ray_client_version() -> *const c_char {
    VERSION_C.as_ptr()
}

/// Success.
pub const RAY_CLIENT_OK: i32 = 0;
/// The caller passed something unusable: a bad address, an empty name, a ref of another
/// client, a value of the wrong kind, an absurd size, a blocking call on the I/O thread.
pub const RAY_CLIENT_ERROR_INVALID_ARGUMENT: i32 = -1;
/// The cluster could not be reached.
pub const RAY_CLIENT_ERROR_CONNECTION_FAILED: i32 = -2;
/// An established connection broke, or the client was disconnected.
pub const RAY_CLIENT_ERROR_CONNECTION_LOST: i32 = -3;
/// The server runs a Ray version this client was not tested against.
pub const RAY_CLIENT_ERROR_VERSION_MISMATCH: i32 = -4;
/// The server refused the connection setup.
pub const RAY_CLIENT_ERROR_INIT_FAILED: i32 = -5;
/// A get or wait did not finish within its timeout.
pub const RAY_CLIENT_ERROR_TIMEOUT: i32 = -6;
/// A remote task or actor method raised (see the error's remote type and traceback).
pub const RAY_CLIENT_ERROR_TASK_ERROR: i32 = -7;
/// The actor that should run a method is dead.
pub const RAY_CLIENT_ERROR_ACTOR_DIED: i32 = -8;
/// An object's value is lost.
pub const RAY_CLIENT_ERROR_OBJECT_LOST: i32 = -9;
/// The task was cancelled.
pub const RAY_CLIENT_ERROR_TASK_CANCELLED: i32 = -10;
/// The server failed a request for another reason.
pub const RAY_CLIENT_ERROR_SERVER_ERROR: i32 = -11;
/// A pickle could not be encoded or decoded.
pub const RAY_CLIENT_ERROR_PICKLE: i32 = -12;
/// The server's reply did not follow the protocol.
pub const RAY_CLIENT_ERROR_PROTOCOL: i32 = -13;
/// A bug in this library.
pub const RAY_CLIENT_ERROR_INTERNAL: i32 = -14;
/// The cluster requires token authentication and the token is missing or wrong.
pub const RAY_CLIENT_ERROR_AUTHENTICATION_FAILED: i32 = -15;
/// A required pointer argument was `NULL`.
pub const RAY_CLIENT_ERROR_NULL_ARGUMENT: i32 = -20;
/// A handle (or returned buffer) that is not live: freed, of another type, or made up.
pub const RAY_CLIENT_ERROR_INVALID_HANDLE: i32 = -21;
/// A string argument was not valid UTF-8.
pub const RAY_CLIENT_ERROR_INVALID_UTF8: i32 = -22;
/// The library panicked (a bug); the call had no effect or an unknown partial effect.
pub const RAY_CLIENT_ERROR_PANIC: i32 = -23;

#[cfg(test)]
mod tests {
    #[test]
    fn version_macros_match_the_crate() {
        let v = format!(
            "{}.{}.{}",
            super::RAY_CLIENT_VERSION_MAJOR,
            super::RAY_CLIENT_VERSION_MINOR,
            super::RAY_CLIENT_VERSION_PATCH
        );
        assert_eq!(v, crate::VERSION);
        assert_eq!(super::VERSION_C.to_str().unwrap(), crate::VERSION);
    }
}
