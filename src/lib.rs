//! # ray-client
//!
//! A native Ray Client: what Python's `ray.init("ray://head:10001")` does, as a library.
//! Connect to a Ray cluster's client port, put and get objects, call remote Python
//! functions, and read cluster resources.
//!
//! ```no_run
//! use ray_client::{Client, RemoteFunction, Value};
//! let client = Client::connect("ray://127.0.0.1:10001")?;
//! let r = client.put(Value::from(21))?;
//! let square = RemoteFunction::new("mymodule", "square")?;
//! let result = client.call(&square, vec![Value::ObjectRef(r)], vec![])?;
//! assert_eq!(client.get(&result)?, Value::from(441));
//! # Ok::<(), ray_client::Error>(())
//! ```
//!
//! Threading: every gRPC stream of every client lives on one runtime thread owned by
//! this library. Blocking calls hand work to it and wait; `*_async` calls return futures
//! that can be awaited on any executor. A [`Client`] is `Send + Sync` and may be shared.
//!
//! What the library does on its own (reconnects, retries, version warnings, and on
//! request each connect's steps) is said through [`diagnostics`] (`tracing` events, and
//! stderr at `RAY_CLIENT_LOG`); large puts and gets can report their [`progress`].

mod actors;
pub mod address;
mod ansi;
mod buffer;
mod capabilities;
mod client;
mod cluster;
mod connection;
pub mod context;
pub mod dashboard;
mod datapath;
pub mod diagnostics;
pub mod error;
#[cfg(feature = "c-api")]
pub mod ffi;
#[cfg(feature = "test-hooks")]
mod fuzz_hooks;
mod get_reply;
mod headers;
mod hex;
pub(crate) mod job_config;
pub mod json;
mod kv;
mod logs;
pub mod ndarray;
mod object_ref;
mod objects;
mod options;
pub mod pickle;
mod placement_group;
pub mod progress;
mod proto;
mod remote_error;
mod repr;
mod runtime;
mod runtime_env;
mod scheduling;
mod security;
mod streams;
mod tasks;
pub mod value;

pub use actors::{ActorClass, ActorHandle, NamedActor};
pub use address::{Address, DEFAULT_PORT};
pub use capabilities::{
    supported_range, Capabilities, RayVersion, Support, TaskErrorForm, NEWEST_TESTED_RAY,
    OLDEST_SUPPORTED_RAY,
};
pub use client::{
    Client, ConnectOptions, ServerInfo, DEFAULT_CONNECT_TIMEOUT, DEFAULT_RECONNECT_GRACE_PERIOD,
};
pub use cluster::RuntimeContext;
pub use connection::{ConnectionState, DEFAULT_KEEPALIVE_INTERVAL, DEFAULT_KEEPALIVE_TIMEOUT};
pub use context::{default_client, init, is_initialized, shutdown};
pub use dashboard::{Dashboard, DashboardOptions, JobDetails, JobStatus, JobSubmission};
pub use error::{Error, ErrorKind, RemoteError, Result};
pub use headers::Headers;
pub use job_config::{LogEncoding, LoggingConfig};
pub use logs::{LogHandler, LogRecord};
pub use ndarray::{DType, NdArray};
pub use object_ref::ObjectRef;
pub use objects::GET_SLICE;
pub use options::Options;
pub use placement_group::{PlacementGroup, PlacementGroupOptions, PlacementStrategy};
pub use scheduling::SchedulingStrategy;
pub use security::{AuthToken, TlsOptions};
pub use streams::{ItemStream, Items, DEFAULT_METHOD_STREAM_BUFFER, DEFAULT_STREAM_BUFFER};
pub use tasks::{Kwargs, Remote, RemoteFunction};
pub use value::{Construct, Global, PyObject, Value};

/// Version of this library.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

#[cfg(feature = "test-hooks")]
#[doc(hidden)]
pub mod __private {
    //! For this crate's own tests only.
    pub use crate::proto::DESCRIPTOR_SET;
}

#[cfg(feature = "test-hooks")]
#[doc(hidden)]
pub mod __fuzz {
    //! Server-free entry points for the fuzz targets (fuzz/) and their smoke test
    //! (tests/reply_fuzz_smoke.rs).
    pub use crate::fuzz_hooks::{reply, ReplyKind, REPLY_KINDS};
}
