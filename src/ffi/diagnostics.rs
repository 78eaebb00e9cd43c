//! The library's own diagnostics (see the Rust `diagnostics` module): a process-wide
//! callback, or stderr, at a level.

use std::ffi::{c_char, c_int, c_void};
use std::sync::Arc;

use super::error::{guard, ErrorInfo};
use super::memory::cstring_lossy;
use super::params::UserData;
use super::status::ray_client_status;
use crate::diagnostics::{self, Diagnostic, Level};

/// No diagnostics.
pub const RAY_CLIENT_DIAGNOSTIC_OFF: c_int = 0;
/// Something failed for good (the connection is lost).
pub const RAY_CLIENT_DIAGNOSTIC_ERROR: c_int = 1;
/// Something went wrong and is being handled (reconnecting), or a risk (an untested
/// Ray release). The default level.
pub const RAY_CLIENT_DIAGNOSTIC_WARN: c_int = 2;
/// A notable event (reconnected; a retried connect).
pub const RAY_CLIENT_DIAGNOSTIC_INFO: c_int = 3;
/// Detail: each connect's steps, uploads, retried calls.
pub const RAY_CLIENT_DIAGNOSTIC_DEBUG: c_int = 4;
/// Finer detail.
pub const RAY_CLIENT_DIAGNOSTIC_TRACE: c_int = 5;

/// Receives one of the library's diagnostics: `level` (`RAY_CLIENT_DIAGNOSTIC_ERROR` to
/// `_TRACE`), `target` (`ray_client::connection`, `ray_client::connect`,
/// `ray_client::version`, `ray_client::runtime_env`) and `message`, NUL-terminated and
/// borrowed for the duration of the call. Messages never carry a token or a header's
/// value. Runs on the thread where the event happens, often the library's I/O thread:
/// return quickly, make no blocking calls.
pub type ray_client_diagnostic_callback = Option<
    unsafe extern "C" fn(
        user: *mut c_void,
        level: c_int,
        target: *const c_char,
        message: *const c_char,
    ),
>;

/// Where the library's diagnostics go from now on, for the whole process: to
/// `callback(user, ...)` or, with a NULL `callback`, to this process's stderr; those at
/// `max_level` and more important (`RAY_CLIENT_DIAGNOSTIC_OFF`: none). Replaces the earlier
/// setting. The default is stderr at `RAY_CLIENT_LOG` (`off`, `error`, `warn`, `info`,
/// `debug`, `trace`), warnings when unset. `user` must stay valid, and usable from any
/// thread, until the callback is replaced.
#[no_mangle]
pub unsafe extern "C" fn ray_client_diagnostics_set(
    callback: ray_client_diagnostic_callback,
    user: *mut c_void,
    max_level: c_int,
) -> ray_client_status {
    let user = UserData(user);
    guard(|| {
        let max = Level::from_number(max_level).map_err(ErrorInfo::invalid)?;
        let handler = callback.map(|cb| -> diagnostics::Handler {
            Arc::new(move |d: &Diagnostic<'_>| {
                let target = cstring_lossy(d.target.to_owned());
                let message = cstring_lossy(d.message.to_owned());
                // SAFETY: the caller's callback, with the caller's pointer, as documented.
                unsafe {
                    cb(
                        user.get(),
                        d.level as c_int,
                        target.as_ptr(),
                        message.as_ptr(),
                    )
                }
            })
        });
        diagnostics::set_handler(handler, max);
        Ok(())
    })
}
