//! The gRPC channel to one Ray client server, the per-client metadata every call carries,
//! the "is anybody there" handshake that precedes the Datapath stream, and the retry
//! policy of unary calls while the connection is down.
//!
//! The channel is shared by every call of a client. When the TCP connection under it
//! breaks, tonic dials again on the next call; the Datapath driver (src/datapath.rs)
//! notices the break on its stream, reconnects it within the grace period and publishes
//! the [`ConnectionState`] here, so unary calls that failed in the meantime know whether to try
//! again (the connection is coming back) or give up (it is gone for good).

use std::sync::atomic::{AtomicI32, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::watch;
use tonic::metadata::{AsciiMetadataValue, MetadataMap};
use tonic::transport::{Channel, Endpoint};
use tonic::{Code, Request, Status};

use crate::address::Address;
use crate::diagnostics::diag;
use crate::error::{Error, ErrorKind, Result};
use crate::headers::Metadata;
use crate::proto::raylet_data_streamer_client::RayletDataStreamerClient;
use crate::proto::raylet_driver_client::RayletDriverClient;
use crate::proto::{cluster_info_type, ClusterInfoRequest};
use crate::security::{ConnectFailure, Security, AUTHORIZATION_HEADER};

/// Python's GRPC_MAX_MESSAGE_SIZE: 2 GiB - 1 in both directions.
pub const MAX_MESSAGE_SIZE: usize = (2 * 1024 * 1024 * 1024) - 1;

/// Largest HTTP/2 frame we accept (SETTINGS_MAX_FRAME_SIZE).
const MAX_FRAME_SIZE: u32 = 256 * 1024;

/// Python's keepalive: an HTTP/2 ping every 30 s, also while no call is running, so
/// proxies and NATs that drop silent connections keep ours.
pub const DEFAULT_KEEPALIVE_INTERVAL: Duration = Duration::from_secs(30);
/// How long a keepalive ping may go unanswered before the connection counts as dead
/// (gRPC's default). Python waits 600 s; a shorter wait notices a dead peer, that closed
/// nothing, within the reconnect grace period.
pub const DEFAULT_KEEPALIVE_TIMEOUT: Duration = Duration::from_secs(20);

/// Python's client sleeps this long between attempts of a failed unary call.
const UNARY_RETRY_DELAY: Duration = Duration::from_millis(500);

/// How a connection is dialled and kept.
#[derive(Debug, Clone)]
pub(crate) struct ConnectionSettings {
    /// How long `open` keeps trying to reach the server.
    pub connect_timeout: Duration,
    /// How long to keep trying to reconnect after the connection dropped; zero disables
    /// reconnection (and retries).
    pub grace_period: Duration,
    pub keepalive_interval: Duration,
    pub keepalive_timeout: Duration,
    /// TLS and the authentication token (src/security.rs).
    pub security: Security,
    /// The caller's extra headers.
    pub headers: Metadata,
}

/// Whether a client's connection to its server is usable.
#[derive(Debug, Clone)]
pub enum ConnectionState {
    Connected,
    /// The connection dropped at `since`; the client is reconnecting, and calls made
    /// meanwhile wait for it (up to the reconnect grace period).
    Reconnecting {
        since: Instant,
    },
    /// Gone for good: the grace period passed, the server refused the reconnect, or the
    /// client was disconnected. Every call fails with this error.
    Lost(Error),
}

/// State shared by every clone of a [`Connection`].
struct Shared {
    link: watch::Sender<ConnectionState>,
    grace_period: Duration,
    /// Request ids for the idempotency metadata of mutating unary calls.
    next_unary_id: AtomicI32,
    /// Free "thread ids" for that metadata (see [`Lane`]).
    free_lanes: Mutex<Vec<u32>>,
    lanes_created: Mutex<u32>,
    /// `Bearer <token>` for the `authorization` header, when there is a token.
    auth: Option<AsciiMetadataValue>,
    headers: Metadata,
    /// Test hook: replies of unary calls still to be dropped as if the connection broke
    /// after the server answered (see [`Connection::lose_next_replies`]).
    replies_to_lose: AtomicU32,
}

/// One channel to one server, tagged with this client's id.
#[derive(Clone)]
pub(crate) struct Connection {
    address: Address,
    client_id: String,
    channel: Channel,
    shared: Arc<Shared>,
}

impl Connection {
    /// Dials `address` and pings the server until it answers or the connect timeout
    /// passes.
    pub(crate) async fn open(
        address: Address,
        client_id: String,
        settings: &ConnectionSettings,
    ) -> Result<Self> {
        let timeout = settings.connect_timeout;
        let start = Instant::now();
        let security = &settings.security;
        let endpoint = Endpoint::from_shared(security.uri(&address))
            .map_err(|e| Error::invalid(format!("bad cluster address {address}: {e}")))?
            .tcp_nodelay(true)
            .http2_keep_alive_interval(settings.keepalive_interval)
            .keep_alive_timeout(settings.keepalive_timeout)
            .keep_alive_while_idle(true)
            // Large windows keep multi-MiB chunks flowing without waiting for updates.
            .initial_stream_window_size(Some(16 * 1024 * 1024))
            .initial_connection_window_size(Some(64 * 1024 * 1024))
            // Frames of up to 256 KiB instead of HTTP/2's default 16 KiB: a 512 MiB get
            // costs a fifth less CPU (fewer frames to parse and account for), and a
            // frame still takes only ~2 ms of a 1 Gbit/s link away from other streams.
            .max_frame_size(Some(MAX_FRAME_SIZE));
        let endpoint = security.apply(endpoint)?;
        let shared = Arc::new(Shared {
            link: watch::Sender::new(ConnectionState::Connected),
            grace_period: settings.grace_period,
            next_unary_id: AtomicI32::new(0),
            free_lanes: Mutex::new(Vec::new()),
            lanes_created: Mutex::new(0),
            auth: security.auth.clone(),
            headers: settings.headers.clone(),
            replies_to_lose: AtomicU32::new(0),
        });
        let mut delay = Duration::from_millis(100);
        loop {
            let remaining = timeout.saturating_sub(start.elapsed());
            let attempt = async {
                let channel = endpoint
                    .clone()
                    .connect_timeout(remaining.max(Duration::from_millis(1)))
                    .connect()
                    .await
                    .map_err(|e| security.classify(&address, &e, || describe_error_chain(&e)))?;
                let conn = Connection {
                    address: address.clone(),
                    client_id: client_id.clone(),
                    channel,
                    shared: shared.clone(),
                };
                conn.ping().await.map_err(|s| {
                    security.classify(&address, &s, || {
                        format!("ping failed: {} ({:?})", s.message(), s.code())
                    })
                })?;
                Ok::<_, ConnectFailure>(conn)
            };
            let last_error = match tokio::time::timeout(remaining, attempt).await {
                Ok(Ok(conn)) => return Ok(conn),
                Ok(Err(ConnectFailure::Fatal(e))) => return Err(e),
                Ok(Err(ConnectFailure::Retry(e))) => e,
                Err(_) => "timed out".to_owned(),
            };
            let elapsed = start.elapsed();
            if elapsed + delay >= timeout {
                return Err(Error::new(
                    ErrorKind::ConnectionFailed,
                    format!(
                        "could not reach the Ray client server at {address} within {:.1} s: {last_error}",
                        timeout.as_secs_f64()
                    ),
                ));
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(2));
        }
    }

    async fn ping(&self) -> std::result::Result<(), Status> {
        let req = self.request(ClusterInfoRequest {
            r#type: cluster_info_type::TypeEnum::Ping as i32,
        });
        self.driver_stub().cluster_info(req).await.map(|_| ())
    }

    pub(crate) fn address(&self) -> &Address {
        &self.address
    }

    pub(crate) fn client_id(&self) -> &str {
        &self.client_id
    }

    /// A request carrying this client's metadata.
    pub(crate) fn request<T>(&self, msg: T) -> Request<T> {
        let mut req = Request::new(msg);
        self.add_metadata(req.metadata_mut());
        req
    }

    /// A Datapath request: the client metadata plus `reconnecting`.
    pub(crate) fn request_with<T>(&self, msg: T, reconnecting: bool) -> Request<T> {
        let mut req = self.request(msg);
        req.metadata_mut().insert(
            "reconnecting",
            AsciiMetadataValue::from_static(if reconnecting { "True" } else { "False" }),
        );
        req
    }

    fn add_metadata(&self, md: &mut MetadataMap) {
        // The client id is 32 hex characters, always valid ASCII metadata.
        md.insert(
            "client_id",
            AsciiMetadataValue::try_from(self.client_id.as_str()).expect("hex client id"),
        );
        if let Some(auth) = &self.shared.auth {
            md.insert(AUTHORIZATION_HEADER, auth.clone());
        }
        self.shared.headers.add_to(md);
    }

    pub(crate) fn channel(&self) -> Channel {
        self.channel.clone()
    }

    pub(crate) fn driver_stub(&self) -> RayletDriverClient<Channel> {
        RayletDriverClient::new(self.channel.clone())
            .max_decoding_message_size(MAX_MESSAGE_SIZE)
            .max_encoding_message_size(MAX_MESSAGE_SIZE)
    }

    pub(crate) fn data_stub(&self) -> RayletDataStreamerClient<Channel> {
        RayletDataStreamerClient::new(self.channel.clone())
            .max_decoding_message_size(MAX_MESSAGE_SIZE)
            .max_encoding_message_size(MAX_MESSAGE_SIZE)
    }

    /// How long the client may try to reconnect; zero when reconnection is off.
    pub(crate) fn grace_period(&self) -> Duration {
        self.shared.grace_period
    }

    pub(crate) fn reconnect_enabled(&self) -> bool {
        !self.shared.grace_period.is_zero()
    }

    pub(crate) fn state(&self) -> ConnectionState {
        self.shared.link.borrow().clone()
    }

    /// Follows the state as the Datapath driver changes it.
    pub(crate) fn watch_state(&self) -> watch::Receiver<ConnectionState> {
        self.shared.link.subscribe()
    }

    /// Published by the Datapath driver, the one owner of reconnection.
    pub(crate) fn set_link_state(&self, state: ConnectionState) {
        self.shared.link.send_replace(state);
    }

    /// Fails at once when the connection is gone for good.
    pub(crate) fn check_link(&self) -> Result<()> {
        match &*self.shared.link.borrow() {
            ConnectionState::Lost(e) => Err(e.clone()),
            _ => Ok(()),
        }
    }

    /// Runs a unary call, retrying it the way Python's client does while the connection
    /// is being re-established: a failure that is not the server's answer (the
    /// connection broke, the server is unreachable) is retried every 0.5 s until it
    /// succeeds, the connection is declared gone, or the grace period passed since the
    /// first failure. `idempotency` adds the `thread_id` / `req_id` metadata with which
    /// the server answers a retried mutating call (KV put and delete) from its cache
    /// instead of applying it twice.
    pub(crate) async fn unary<T, F, Fut>(&self, call: &str, idempotency: bool, f: F) -> Result<T>
    where
        F: Fn(RayletDriverClient<Channel>, CallMetadata) -> Fut,
        Fut: std::future::Future<Output = std::result::Result<tonic::Response<T>, Status>>,
    {
        self.check_link()?;
        let lane = (idempotency && self.reconnect_enabled()).then(|| self.lane());
        let meta = self.call_metadata(lane.as_ref());
        let mut retry = Retry::new(self, call);
        loop {
            let status = match f(self.driver_stub(), meta.clone()).await {
                Ok(r) if !self.take_lost_reply() => return Ok(r.into_inner()),
                Ok(_) => Status::unavailable("the reply was lost (test hook)"),
                Err(status) => status,
            };
            retry.after(&status).await?;
        }
    }

    /// Test hook: the replies of the next `n` unary calls (or attempts) are dropped after
    /// the server answered, as when the connection breaks between the server's answer
    /// and its arrival, so the call is retried through [`Retry`] like after a real break.
    #[cfg(feature = "test-hooks")]
    pub(crate) fn lose_next_replies(&self, n: u32) {
        self.shared.replies_to_lose.store(n, Ordering::Relaxed);
    }

    fn take_lost_reply(&self) -> bool {
        self.shared
            .replies_to_lose
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
            .is_ok()
    }

    /// Metadata for one logical call: on a lane, with a fresh request id (positive
    /// int32, as the server parses it) kept across the call's retries.
    fn call_metadata(&self, lane: Option<&Lane>) -> CallMetadata {
        CallMetadata {
            conn: self.clone(),
            ids: lane.map(|l| {
                let id = self.shared.next_unary_id.fetch_add(1, Ordering::Relaxed) % i32::MAX + 1;
                (l.id, id)
            }),
        }
    }

    /// A lane for idempotency metadata. The server remembers the last request id per
    /// lane (Python uses the thread id), so a lane must not carry two calls at once: a
    /// call holds its lane until it returns, and lanes are reused, which bounds the
    /// server's cache by the number of calls ever in flight together.
    fn lane(&self) -> Lane {
        let id = self
            .shared
            .free_lanes
            .lock()
            .unwrap()
            .pop()
            .unwrap_or_else(|| {
                let mut n = self.shared.lanes_created.lock().unwrap();
                *n += 1;
                *n
            });
        Lane {
            id,
            shared: self.shared.clone(),
        }
    }

    /// Whether a failed call may be tried again: reconnection is on and the failure is
    /// not one the server chose (Python's `GRPC_UNRECOVERABLE_ERRORS`, plus the codes of
    /// an application error, which a retry would only repeat).
    pub(crate) fn retryable(&self, status: &Status) -> bool {
        self.reconnect_enabled() && is_transient(status)
    }
}

/// True for failures of the connection rather than answers of the server.
///
/// Python's client (`_can_reconnect`) retries every status but a few codes the server's
/// logic chooses. We follow it, except where a retry can only repeat the answer:
/// - Unavailable, Cancelled, DeadlineExceeded: a broken or stalled connection.
/// - Unknown and Internal: tonic reports a reset connection or broken HTTP/2 stream this
///   way (with the transport error as source), and so does the cluster's proxy when its
///   own channel to the client's server breaks (it relays gRPC's text, e.g. "Failed
///   parsing HTTP/2 (...)", with no source on our side); and, as in Python, "Exception
///   deserializing request!": a request garbled on its way (seen once on the Datapath
///   under load with cuts, where the proxy relays it; a request of ours that really
///   could not be parsed would fail again on every replay until the grace period ends).
///   Not transient: the statuses grpc's Python server gives an exception of the handler
///   ("Exception calling application: ...", "Exception iterating responses: ...") or a
///   response it could not serialize, which a retry would only repeat.
/// - Every other code (NotFound, InvalidArgument, ResourceExhausted, FailedPrecondition,
///   Aborted, as in Python, and Unauthenticated, PermissionDenied, Unimplemented, ...).
pub(crate) fn is_transient(status: &Status) -> bool {
    match status.code() {
        Code::Unavailable | Code::Cancelled | Code::DeadlineExceeded => true,
        Code::Unknown | Code::Internal => {
            std::error::Error::source(status).is_some() || !is_application_error(status.message())
        }
        _ => false,
    }
}

/// Whether an Unknown/Internal status text is grpc's Python server reporting a failure of
/// the handler or of serializing its response, or tonic failing to decode a reply.
fn is_application_error(message: &str) -> bool {
    [
        "Exception calling application",
        "Exception iterating responses",
        "Exception serializing",
        // tonic's own: a reply it could not decode (the server would send it again).
        "failed to decode Protobuf message",
    ]
    .iter()
    .any(|prefix| message.starts_with(prefix))
}

/// Idempotency ids attached to one logical unary call (kept across its retries).
#[derive(Clone)]
pub(crate) struct CallMetadata {
    conn: Connection,
    ids: Option<(u32, i32)>,
}

impl CallMetadata {
    /// A request with the client metadata and, for idempotent calls, the lane and
    /// request ids.
    pub(crate) fn request<T>(&self, msg: T) -> Request<T> {
        let mut req = self.conn.request(msg);
        if let Some((lane, id)) = self.ids {
            let md = req.metadata_mut();
            md.insert("thread_id", AsciiMetadataValue::from(lane));
            md.insert("req_id", AsciiMetadataValue::from(id));
        }
        req
    }
}

struct Lane {
    id: u32,
    shared: Arc<Shared>,
}

impl Drop for Lane {
    fn drop(&mut self) {
        self.shared.free_lanes.lock().unwrap().push(self.id);
    }
}

/// The retry budget of one call: it may retry transient failures until the grace
/// period passed since its first failure, or the connection is declared gone.
pub(crate) struct Retry<'a> {
    conn: &'a Connection,
    call: &'a str,
    first_failure: Option<Instant>,
}

impl<'a> Retry<'a> {
    pub(crate) fn new(conn: &'a Connection, call: &'a str) -> Self {
        Retry {
            conn,
            call,
            first_failure: None,
        }
    }

    /// Returns `Ok` after a pause when the call should be tried again, otherwise the
    /// error to report.
    pub(crate) async fn after(&mut self, status: &Status) -> Result<()> {
        if !self.conn.retryable(status) {
            return Err(status_error(self.call, &self.conn.address, status));
        }
        let since = *self.first_failure.get_or_insert_with(Instant::now);
        self.conn
            .check_link()
            .map_err(|e| e.context(format!("{} failed", self.call)))?;
        if since.elapsed() >= self.conn.grace_period() {
            return Err(connection_lost(
                &self.conn.address,
                since.elapsed(),
                self.conn.grace_period(),
                &format!("{} failed: {}", self.call, describe_status(status)),
            ));
        }
        diag!(
            DEBUG,
            "connection",
            "{} to {} failed ({}); trying again",
            self.call,
            self.conn.address,
            describe_status(status)
        );
        // Wake early when the link comes back or goes down for good.
        let mut link = self.conn.shared.link.subscribe();
        let _ = tokio::time::timeout(UNARY_RETRY_DELAY, link.changed()).await;
        self.conn
            .check_link()
            .map_err(|e| e.context(format!("{} failed", self.call)))
    }
}

/// The error of a connection that could not be re-established in time.
pub(crate) fn connection_lost(
    address: &Address,
    spent: Duration,
    grace: Duration,
    last: &str,
) -> Error {
    Error::new(
        ErrorKind::ConnectionLost,
        format!(
            "lost the connection to the Ray cluster at {address}: not back after {:.1} s \
             (reconnect grace period {} s); last error: {last}",
            spent.as_secs_f64(),
            grace.as_secs()
        ),
    )
}

fn describe_status(status: &Status) -> String {
    format!("{} ({:?})", status.message(), status.code())
}

/// Transport errors (tonic's, reqwest's) hide the useful part (connection refused, DNS)
/// in sources.
/// Their chain repeats itself (hyper's connect error shows its cause and is followed by
/// it: "tcp connect error: tcp connect error: ...") and starts with tonic's generic
/// "transport error": each part is said once, and the generic head only when alone.
pub(crate) fn describe_error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    // A part whose text is the start of the next one adds nothing ("tcp connect error"
    // before "tcp connect error: Connection refused").
    let kept: Vec<&str> = parts
        .iter()
        .enumerate()
        .filter(|(i, p)| {
            !parts[i + 1..]
                .iter()
                .any(|later| later.starts_with(p.as_str()))
        })
        .map(|(_, p)| p.as_str())
        .collect();
    match kept.is_empty() {
        true => e.to_string(),
        false => kept.join(": "),
    }
}

/// Maps a failed unary call to an error naming the call and the address.
pub(crate) fn status_error(call: &str, address: &Address, status: &Status) -> Error {
    let kind = match status.code() {
        Code::Unavailable | Code::Cancelled | Code::Aborted => ErrorKind::ConnectionLost,
        Code::DeadlineExceeded => ErrorKind::Timeout,
        Code::Unauthenticated => ErrorKind::AuthenticationFailed,
        Code::InvalidArgument | Code::NotFound => ErrorKind::InvalidArgument,
        _ => ErrorKind::ServerError,
    };
    Error::new(
        kind,
        format!("{call} to {address} failed: {}", describe_status(status)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transient_statuses_follow_python_except_for_answers_a_retry_repeats() {
        for status in [
            Status::unavailable("connection refused"),
            Status::cancelled("stream cancelled"),
            Status::deadline_exceeded("too slow"),
            // The cluster's proxy relaying a broken channel to the client's server.
            Status::internal("Failed parsing HTTP/2 (Invalid HPACK index received (86))"),
            Status::unknown("Stream removed"),
            Status::internal("Exception deserializing request!"),
        ] {
            assert!(is_transient(&status), "{status:?}");
        }
        for status in [
            Status::unknown("Exception calling application: KeyError('x')"),
            Status::unknown("Exception iterating responses: boom"),
            Status::internal("Exception serializing response!"),
            Status::internal("failed to decode Protobuf message: invalid wire type"),
            Status::not_found("no such client"),
            Status::invalid_argument("bad"),
            Status::resource_exhausted("too big"),
            Status::failed_precondition("no"),
            Status::aborted("no"),
            Status::unauthenticated("bad token"),
            Status::unimplemented("no such method"),
        ] {
            assert!(!is_transient(&status), "{status:?}");
        }
    }
}
