//! The library's version and the status codes every fallible function returns.

use std::ffi::{c_char, CStr};

/// ---- Version and status codes (src/ffi/status.rs) ----
///
/// Major version of this library. The C ABI is stable within a major version from 0.2.0
/// on (abi/check holds it to the baseline in abi/<major>/).
pub const RAY_CLIENT_VERSION_MAJOR: u32 = 0;
/// Minor version of this library.
pub const RAY_CLIENT_VERSION_MINOR: u32 = 2;
/// Patch version of this library.
pub const RAY_CLIENT_VERSION_PATCH: u32 = 0;

static VERSION_C: &CStr = c"0.2.0";

/// ---- Version (src/ffi/status.rs) ----
///
/// The library's version, `"MAJOR.MINOR.PATCH"`; compare with the `RAY_CLIENT_VERSION_*`
/// macros to detect a header/library mismatch. Static storage: never free it. Thread-safe.
#[no_mangle]
pub extern "C" fn ray_client_version() -> *const c_char {
    VERSION_C.as_ptr()
}

/// What every fallible function returns: `RAY_CLIENT_OK` (0) or a negative
/// `RAY_CLIENT_ERROR_*` code; the details of a failure are in the thread's last error.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ray_client_status {
    /// Success.
    RAY_CLIENT_OK = 0,
    /// The caller passed something unusable: a bad address, an empty name, a ref of another
    /// client, a value of the wrong kind, an absurd size, a blocking call on the I/O thread.
    RAY_CLIENT_ERROR_INVALID_ARGUMENT = -1,
    /// The cluster could not be reached.
    RAY_CLIENT_ERROR_CONNECTION_FAILED = -2,
    /// An established connection broke, or the client was disconnected.
    RAY_CLIENT_ERROR_CONNECTION_LOST = -3,
    /// The server runs a Ray version this client was not tested against.
    RAY_CLIENT_ERROR_VERSION_MISMATCH = -4,
    /// The server refused the connection setup.
    RAY_CLIENT_ERROR_INIT_FAILED = -5,
    /// A get or wait did not finish within its timeout.
    RAY_CLIENT_ERROR_TIMEOUT = -6,
    /// A remote task or actor method raised (see the error's remote type and traceback).
    RAY_CLIENT_ERROR_TASK_ERROR = -7,
    /// The actor that should run a method is dead.
    RAY_CLIENT_ERROR_ACTOR_DIED = -8,
    /// An object's value is lost.
    RAY_CLIENT_ERROR_OBJECT_LOST = -9,
    /// The task was cancelled.
    RAY_CLIENT_ERROR_TASK_CANCELLED = -10,
    /// The server failed a request for another reason.
    RAY_CLIENT_ERROR_SERVER_ERROR = -11,
    /// A pickle could not be encoded or decoded.
    RAY_CLIENT_ERROR_PICKLE = -12,
    /// The server's reply did not follow the protocol.
    RAY_CLIENT_ERROR_PROTOCOL = -13,
    /// A bug in this library.
    RAY_CLIENT_ERROR_INTERNAL = -14,
    /// The cluster requires token authentication and the token is missing or wrong.
    RAY_CLIENT_ERROR_AUTHENTICATION_FAILED = -15,
    /// What was asked for does not exist on the cluster (an unknown job id).
    RAY_CLIENT_ERROR_NOT_FOUND = -16,
    /// A required pointer argument was `NULL`.
    RAY_CLIENT_ERROR_NULL_ARGUMENT = -20,
    /// A handle (or returned buffer) that is not live: freed, of another type, or made up.
    RAY_CLIENT_ERROR_INVALID_HANDLE = -21,
    /// A string argument was not valid UTF-8.
    RAY_CLIENT_ERROR_INVALID_UTF8 = -22,
    /// The library panicked (a bug); the call had no effect or an unknown partial effect.
    RAY_CLIENT_ERROR_PANIC = -23,
}

pub use ray_client_status::*;

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
