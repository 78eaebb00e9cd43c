//! The stable C ABI: the contract every binding (C++, Go, Swift) wraps. `include/ray_client.h`
//! is generated from this module by cbindgen (`UPDATE_HEADER=1 cargo test --test header`).
//!
//! Conventions, for every function of the ABI:
//!
//! - **Status codes.** Every fallible function returns a `ray_client_status`:
//!   `RAY_CLIENT_OK` (0) or a negative `RAY_CLIENT_ERROR_*` code. Results come back
//!   through out-parameters, which are set to `NULL` / zero first, so on failure they
//!   never hold stale data. The details of the last failure on the calling thread are in
//!   `ray_client_last_error` and `ray_client_last_error_message`.
//! - **Names.** `ray_client_<noun>_<verb>`: `ray_client_object_get`,
//!   `ray_client_actor_kill`, `ray_client_function_call`. Only the library's own entry
//!   points have no noun: `ray_client_version`, `ray_client_connect`,
//!   `ray_client_connect_address`, the default client (`ray_client_init`,
//!   `ray_client_default_client`, `ray_client_is_initialized`, `ray_client_shutdown`) and
//!   the thread's last error (`ray_client_last_error*`).
//! - **Calls.** A remote function (`ray_client_function`) and an actor class
//!   (`ray_client_actor_class`) are handles made once, by module and qualified name or
//!   from Python source, with options attached or given per call. One entry point per
//!   kind of call (`ray_client_function_call`, `ray_client_actor_create`,
//!   `ray_client_actor_call`) takes an argument list (`ray_client_args`, NULL for none)
//!   and, for results, an array the caller sizes to the call's `num_returns`, as
//!   `wasmtime_func_call` does: the library fills it with ref handles the caller frees
//!   one by one.
//! - **No panics cross the boundary.** A bug inside the library becomes
//!   `RAY_CLIENT_ERROR_PANIC`, never an unwinding into C or an abort.
//! - **Handles.** `ray_client_client`, `ray_client_object_ref`, `ray_client_function`,
//!   `ray_client_actor_class`, `ray_client_actor`, `ray_client_args`, `ray_client_value`,
//!   `ray_client_error`, `ray_client_options`, `ray_client_connect_options`,
//!   `ray_client_placement_group`, `ray_client_dashboard`, `ray_client_dashboard_options`,
//!   `ray_client_job_submission`, `ray_client_log_tail` and `ray_client_item_stream` are opaque: the pointer
//!   value is a token (a never-reused id plus a type tag), never dereferenced by anyone.
//!   Every handle the library hands out is **owned by the receiver**, who frees it with
//!   the type's `_free` function. Every use checks the token against a registry of live
//!   handles first: `NULL` gives `RAY_CLIENT_ERROR_NULL_ARGUMENT`, a freed (or made up, or
//!   wrong-type) handle gives `RAY_CLIENT_ERROR_INVALID_HANDLE`, never a crash. Ids are
//!   never reused (64-bit platforms; on 32-bit ones after 2^27 handles), so a freed handle
//!   stays invalid forever. `_free(NULL)` is a no-op returning `RAY_CLIENT_OK`, like
//!   `free(NULL)`; freeing twice returns `RAY_CLIENT_ERROR_INVALID_HANDLE`.
//! - **Returned memory.** Strings (`char*`), byte buffers (`uint8_t*`) and value arrays
//!   returned through out-parameters are owned by the caller and freed with
//!   `ray_client_string_free`, `ray_client_bytes_free` or `ray_client_value_array_free`;
//!   these are checked like handles too. Pointers
//!   documented as *borrowed* (`const char*` from an error or value accessor) point into
//!   a handle and stay valid until that handle is freed.
//! - **Strings** given to the library are NUL-terminated UTF-8 (`RAY_CLIENT_ERROR_INVALID_UTF8`
//!   otherwise), except where a length is passed.
//! - **Threads.** Every function may be called from any thread. What may be done with one
//!   handle from several threads at once is stated once per handle type, here and on the
//!   type (each opaque type's documentation has a `Thread-safety:` line): clients, object
//!   refs, actors and placement groups are thread-safe, use one handle from any number of
//!   threads; functions, actor classes, values and errors are immutable and may be used
//!   from many threads at once; the two options builders and argument lists are locked,
//!   so sharing one is safe but racy (don't change one while another thread passes it
//!   to a call). Freeing a handle while another
//!   thread uses it is safe for the library (the other call keeps its own reference) but
//!   invalidates borrowed pointers into it. A function's own documentation has a
//!   `Thread-safety:` note only where it differs from its types' rules: the `_free`
//!   functions and the `*_async` functions (callable from a callback).
//! - **Callbacks** (log lines, asynchronous completion) run on the library's single I/O
//!   thread. They must return quickly and must not call blocking functions of this API
//!   (`ray_client_object_get`, `ray_client_connect`, ...): those fail there with
//!   `RAY_CLIENT_ERROR_INVALID_ARGUMENT` instead of deadlocking. Non-blocking functions
//!   (value accessors, `_free`, `*_async`) are fine.

#![allow(
    non_camel_case_types,
    clippy::missing_safety_doc,
    clippy::too_many_arguments
)]

// Declared in reading order, one module per concept (each separated by its comment, so
// rustfmt keeps the order): cbindgen writes the header's constants and functions in this
// order (opaque types it sorts by name).

// The version and the status codes.
mod status;
// ErrorInfo, the guard around every function, the last error and error handles.
mod error;
// The opaque handle types and their registry.
mod handles;
// Strings, byte buffers and handle arrays handed to the caller, and their frees.
mod memory;
// Reading parameters: out-parameters, strings, arrays, timeouts, user data.
mod params;
// Connect options, connect and disconnect, the default client.
mod connect;
// The library's own diagnostics.
mod diagnostics;
// put, get, wait, cancel, object refs, asynchronous get and wait.
mod objects;
// Task and actor options.
mod options;
// Argument lists of calls.
mod args;
// Remote functions and calling them.
mod tasks;
// Creating actors and calling their methods.
mod actors;
// Item streams: a generator's items as it yields them.
mod streams;
// The internal key-value store.
mod kv;
// Cluster information.
mod cluster;
// Placement groups.
mod placement_group;
// Value kinds, dtypes, and what every value has.
mod value;
// Building values.
mod value_build;
// Reading values.
mod value_read;
// The dashboard: Jobs and the cluster's state.
mod dashboard;

pub use actors::*;
pub use args::*;
pub use cluster::*;
pub use connect::*;
pub use dashboard::jobs::*;
pub use dashboard::state::*;
pub use dashboard::*;
pub use diagnostics::*;
pub use error::*;
pub use handles::*;
pub use kv::*;
pub use memory::*;
pub use objects::*;
pub use options::*;
pub(crate) use params::*;
pub use placement_group::*;
pub use status::*;
pub use streams::*;
pub use tasks::*;
pub use value::*;
pub use value_build::*;
pub use value_read::*;
