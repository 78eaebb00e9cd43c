//! The Datapath stream: one bidirectional gRPC stream per client that carries init, put,
//! schedule, release, terminate and cleanup. A single task on the runtime thread owns it.
//!
//! Callers hand a request body to the driver and get a future for its reply; the driver
//! gives every request an increasing `req_id`, writes it (chunked when large), and keeps
//! it in `pending` until the matching response arrives, in whatever order responses come.
//! Keeping each request until its reply is also what reconnection needs.
//!
//! Reconnection (like Python's client): when the stream breaks for a reason that is not
//! the server's decision, the driver opens a new Datapath stream on the same client id
//! with `reconnecting: True`, sends a connection_info request on it, and once the server
//! answered that re-sends everything still in `pending`, in id order. The
//! server answers requests it already ran from its replay cache, so nothing runs twice,
//! and callers only notice a delay. The driver acknowledges only ids below which every
//! reply has arrived, so the server never drops a reply a replay could still ask for.
//! It keeps trying until the grace period has passed since the break; then every pending
//! and later request fails with a "connection lost" error naming the address and the time
//! spent.

use chunks::chunk_segments;
use releases::{may_bring_back_refs, HeldReleases};
#[cfg(test)]
use releases::{MAX_IDS_PER_RELEASE, RELEASE_DELAY};
use std::collections::BTreeMap;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::sync::{mpsc, oneshot};
use tonic::{Code, Streaming};

use crate::connection::{connection_lost, is_transient, Connection, ConnectionState};
use crate::diagnostics::diag;
use crate::error::{Error, ErrorKind, Result};
use crate::progress::Tracker;
use crate::proto::{self, data_request, DataRequest, DataResponse};

/// Python's OBJECT_TRANSFER_CHUNK_SIZE: puts and task arguments travel in 5 MiB chunks.
pub const CHUNK_SIZE: usize = 5 * 1024 * 1024;

/// The server may drop its replay cache up to an acknowledged id; Python acknowledges
/// every 32nd response.
const ACKNOWLEDGE_EVERY: u64 = 32;

/// How long a close waits for the server to end the stream after cleanup.
const CLOSE_DRAIN: Duration = Duration::from_secs(5);

/// A reconnect attempt that has not produced an open stream by then is abandoned and
/// the next one started (Python pings with a 5 s timeout before reconnecting). Each
/// abandoned attempt doubles the next one's time: a server slow to answer (busy with the
/// broken stream's backlog on a loaded machine) is waited for rather than given one
/// cancelled stream after another. (Ray's server drops a client's session at once when a
/// stream of it fails while a reply is half made, ResponseCache.invalidate; a cut put
/// on Ray 2.24 and 2.35 under load lost its session so, which fewer abandoned attempts
/// may avoid.)
const RECONNECT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(5);

/// Pause before the first reconnect attempt and the cap of the doubling pauses after.
const RECONNECT_FIRST_DELAY: Duration = Duration::from_millis(50);
const RECONNECT_MAX_DELAY: Duration = Duration::from_secs(1);

/// Where the responses to a request go.
enum Reply {
    /// One response answers the request.
    Once(oneshot::Sender<Result<DataResponse>>),
    /// An asynchronous get: the object's chunks, each a response of its own, until the
    /// last chunk (or an error).
    Chunks(mpsc::UnboundedSender<Result<DataResponse>>),
}

impl Reply {
    fn send(self, r: Result<DataResponse>) {
        match self {
            Reply::Once(tx) => tx.send(r).ok(),
            Reply::Chunks(tx) => tx.send(r).ok(),
        };
    }
}

// Requests are by far the common message; boxing them would cost an allocation each.
#[allow(clippy::large_enum_variant)]
enum Command {
    Request {
        body: data_request::Type,
        payload: Option<Segments>,
        reply: Option<Reply>,
        /// The releases held back must reach the server before this request (see
        /// [`HeldReleases`]).
        releases_first: bool,
        /// A put's progress, counted as the connection takes its chunks.
        progress: Option<Arc<Tracker>>,
    },
    /// The last handle of this object or actor is gone.
    Release(Bytes),
    /// Sends the releases held back and answers once the server answered every release
    /// sent so far.
    SettleReleases(oneshot::Sender<()>),
    Close {
        done: oneshot::Sender<()>,
    },
}

/// The data of a put or task as segments sent one after the other (see
/// [`crate::pickle::encode_segments`]): large values travel in chunks that are slices of
/// the caller's own buffers.
pub(crate) type Segments = Vec<Bytes>;

struct Pending {
    body: data_request::Type,
    payload: Option<Segments>,
    reply: Option<Reply>,
    progress: Option<Arc<Tracker>>,
}

/// What the driver hands the stream: a request, and the progress it counts toward.
type Outbound = (DataRequest, Option<Arc<Tracker>>);

/// Handle to a client's Datapath stream. Cheap to clone; every clone feeds the same
/// driver task.
#[derive(Clone)]
pub(crate) struct Datapath {
    commands: mpsc::UnboundedSender<Command>,
    /// See [`Datapath::send_whole_up_to`].
    whole_up_to: Arc<AtomicUsize>,
}

impl Datapath {
    /// Opens the stream and starts its driver. Must run on the runtime thread.
    pub(crate) fn open(conn: &Connection) -> Datapath {
        let (commands, rx) = mpsc::unbounded_channel();
        let whole_up_to = Arc::new(AtomicUsize::new(0));
        let mut driver = Driver {
            whole_up_to: whole_up_to.clone(),
            conn: conn.clone(),
            address: conn.address().to_string(),
            next_id: 0,
            pending: BTreeMap::new(),
            responses: 0,
            outbound: None,
            dead: None,
            established: false,
            reconnect: None,
            reconnects: 0,
            replay_on_open: None,
            held: HeldReleases::default(),
            last_release: 0,
            settle_waiters: Vec::new(),
        };
        let opening = driver.open_stream(false);
        tokio::spawn(driver.run(rx, opening));
        Datapath {
            commands,
            whole_up_to,
        }
    }

    /// From now on, puts and tasks whose data is at most `limit` bytes go as one
    /// message rather than in chunks (0, the default: always chunked). For servers that
    /// cannot take a chunked request replayed after a reconnect (see
    /// `Capabilities::replays_chunked_requests`): a request of one message is answered
    /// from the server's replay cache like any other.
    pub(crate) fn send_whole_up_to(&self, limit: usize) {
        self.whole_up_to.store(limit, Ordering::Relaxed);
    }

    /// Queues a request and returns a future of its response. Never blocks: the request
    /// is on its way (in order with every other request of this client) on return.
    pub(crate) fn send(
        &self,
        body: data_request::Type,
    ) -> impl std::future::Future<Output = Result<DataResponse>> + Send + 'static {
        self.send_with(body, None)
    }

    /// [`send`](Self::send) for a put or task whose data is `payload` (the body's own
    /// `data` field is then ignored).
    pub(crate) fn send_with(
        &self,
        body: data_request::Type,
        payload: Option<Segments>,
    ) -> impl std::future::Future<Output = Result<DataResponse>> + Send + 'static {
        self.send_tracked(body, payload, None)
    }

    /// [`send_with`](Self::send_with) for a put whose progress `progress` follows.
    pub(crate) fn send_tracked(
        &self,
        body: data_request::Type,
        payload: Option<Segments>,
        progress: Option<Arc<Tracker>>,
    ) -> impl std::future::Future<Output = Result<DataResponse>> + Send + 'static {
        let (tx, rx) = oneshot::channel();
        let releases_first = may_bring_back_refs(&body);
        let queued = self
            .commands
            .send(Command::Request {
                body,
                payload,
                reply: Some(Reply::Once(tx)),
                releases_first,
                progress,
            })
            .is_ok();
        async move {
            if !queued {
                return Err(disconnected());
            }
            rx.await.unwrap_or_else(|_| Err(disconnected()))
        }
    }

    /// Queues an asynchronous get of one object (`request.asynchronous` is set here) and
    /// returns its chunks as they come. The server answers once the object is ready,
    /// with no call of its own per get (a `GetObject` call costs the server and the
    /// client more than the get itself for a small object). A reconnect re-sends it from
    /// the first chunk not yet received; the channel closes after the last chunk or an
    /// error, and at once (empty) when the driver is gone. `may_hold_refs`: false only
    /// for an object known to hold no refs or actor handles (then releases held back
    /// may stay held; see [`HeldReleases`]).
    pub(crate) fn get(
        &self,
        mut request: proto::GetRequest,
        may_hold_refs: bool,
    ) -> mpsc::UnboundedReceiver<Result<DataResponse>> {
        request.asynchronous = true;
        let (tx, rx) = mpsc::unbounded_channel();
        self.commands
            .send(Command::Request {
                body: data_request::Type::Get(request),
                payload: None,
                reply: Some(Reply::Chunks(tx)),
                releases_first: may_hold_refs,
                progress: None,
            })
            .ok();
        rx
    }

    /// Releases the server's reference to `id` (an object or actor whose last handle is
    /// gone). Held back for up to [`RELEASE_DELAY`](releases::RELEASE_DELAY) to leave in a batch.
    pub(crate) fn release(&self, id: Bytes) {
        self.commands.send(Command::Release(id)).ok();
    }

    /// Resolves once the server processed every release queued before this call. For a
    /// call on a stream of its own (a `GetObject`) that may bring back a ref released
    /// here: it must not reach the server before that release, or the server would drop
    /// a ref the reply just gave the client.
    pub(crate) fn settle_releases(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let (done, wait) = oneshot::channel();
        let queued = self.commands.send(Command::SettleReleases(done)).is_ok();
        async move {
            if queued {
                // A driver gone (closed, failed) has nothing left to settle.
                wait.await.ok();
            }
        }
    }

    /// Sends `connection_cleanup`, ends the stream and waits (bounded) for the server to
    /// close its side. Every request still pending fails with "disconnected".
    pub(crate) async fn close(&self) {
        let (done, wait) = oneshot::channel();
        if self.commands.send(Command::Close { done }).is_ok() {
            wait.await.ok();
        }
    }

    /// Like [`close`](Self::close) but does not wait for it to finish.
    pub(crate) fn close_in_background(&self) {
        let (done, _) = oneshot::channel();
        self.commands.send(Command::Close { done }).ok();
    }
}

pub(crate) fn disconnected() -> Error {
    Error::new(
        ErrorKind::ConnectionLost,
        "the client is disconnected from the cluster",
    )
}

struct Driver {
    conn: Connection,
    whole_up_to: Arc<AtomicUsize>,
    address: String,
    next_id: i32,
    pending: BTreeMap<i32, Pending>,
    responses: u64,
    /// Where requests go: the current stream's request half (None while no stream is
    /// being opened, e.g. between reconnect attempts).
    outbound: Option<mpsc::UnboundedSender<Outbound>>,
    /// Set once the stream is gone for good; later requests fail with it.
    dead: Option<Error>,
    /// The first stream opened (the server accepted this client); only an established
    /// session can be resumed.
    established: bool,
    /// Set while reconnecting.
    reconnect: Option<Reconnect>,
    /// While a reconnect attempt's stream is not open yet: the id of its connection_info
    /// request, the only one sent on it so far. Requests wait in `pending` meanwhile and
    /// are written, in id order, once the stream opens (see `reconnect_attempt`).
    replay_on_open: Option<i32>,
    /// Successful reconnections so far.
    reconnects: u64,
    held: HeldReleases,
    /// The id of the last release request submitted (0: none yet).
    last_release: i32,
    /// Callers of [`Datapath::settle_releases`], each with the last release request it
    /// waits for.
    settle_waiters: Vec<(i32, oneshot::Sender<()>)>,
}

struct Reconnect {
    /// When the stream broke.
    since: Instant,
    /// When the current attempt started (None while waiting to start one).
    attempt_started: Option<Instant>,
    /// How long the current attempt may take (see [`RECONNECT_ATTEMPT_TIMEOUT`]).
    attempt_timeout: Duration,
    next_delay: Duration,
    /// Why the stream broke, and why the latest attempt failed: the error of a
    /// connection lost for good names both.
    first_error: String,
    last_error: String,
    /// Attempts made so far.
    attempts: u32,
}

type Opening = oneshot::Receiver<std::result::Result<Streaming<DataResponse>, tonic::Status>>;

#[allow(clippy::large_enum_variant)]
enum Inbound {
    Opening(Opening),
    Open(Streaming<DataResponse>),
    /// Waiting before the next reconnect attempt.
    Backoff(Pin<Box<tokio::time::Sleep>>),
    Closed,
}

impl Driver {
    /// Starts a Datapath call; its request half is `self.outbound` from now on. The
    /// call's response headers only come once the server answered a first request (the
    /// proxy starts this client's server on the init request), so the call runs beside
    /// the driver loop and reports through the returned receiver.
    fn open_stream(&mut self, reconnecting: bool) -> Opening {
        let (outbound, outbound_rx) = mpsc::unbounded_channel();
        let (stream_tx, stream_rx) = oneshot::channel();
        let mut stub = self.conn.data_stub();
        // A put's chunk counts toward its progress as the connection takes it.
        let requests = tokio_stream::StreamExt::map(
            tokio_stream::wrappers::UnboundedReceiverStream::new(outbound_rx),
            |(request, progress): Outbound| {
                if let (Some(p), Some(data_request::Type::Put(put))) = (&progress, &request.r#type)
                {
                    p.add(put.data.len() as u64);
                }
                request
            },
        );
        let request = self.conn.request_with(requests, reconnecting);
        tokio::spawn(async move {
            let r = stub.datapath(request).await.map(|r| r.into_inner());
            stream_tx.send(r).ok();
        });
        self.outbound = Some(outbound);
        stream_rx
    }

    async fn run(mut self, mut commands: mpsc::UnboundedReceiver<Command>, opening: Opening) {
        let mut inbound = Inbound::Opening(opening);
        loop {
            let deadline = self.reconnect_deadline();
            let releases_due = self.held.due();
            tokio::select! {
                cmd = commands.recv() => match cmd {
                    Some(Command::Request { body, payload, reply, releases_first, progress }) => {
                        if releases_first {
                            self.send_held_releases();
                        }
                        self.submit(body, payload, reply, progress);
                    }
                    Some(Command::Release(id)) => {
                        if let Some(batch) = self.held.hold(id, Instant::now()) {
                            self.submit_release(batch);
                        }
                    }
                    Some(Command::SettleReleases(done)) => {
                        self.send_held_releases();
                        self.settle_waiters.push((self.last_release, done));
                        self.wake_settled();
                    }
                    Some(Command::Close { done }) => {
                        self.close(&mut inbound).await;
                        done.send(()).ok();
                        // Later commands (a drop racing a close) just fail.
                        while let Some(cmd) = commands.recv().await {
                            match cmd {
                                Command::Request { reply: Some(r), .. } => r.send(Err(disconnected())),
                                Command::Close { done } => { done.send(()).ok(); }
                                // Dropping a settle waiter answers it.
                                _ => {}
                            }
                        }
                        return;
                    }
                    None => {
                        // Every handle is gone: the client was dropped without close.
                        self.close(&mut inbound).await;
                        return;
                    }
                },
                event = next_inbound(&mut inbound) => match event {
                    InboundEvent::Opened(stream) => {
                        inbound = Inbound::Open(stream);
                        self.established = true;
                        if let Some(probe) = self.replay_on_open.take() {
                            for (&id, p) in self.pending.iter().filter(|(&id, _)| id != probe) {
                                self.write(id, &p.body, p.payload.as_deref(), p.progress.as_ref());
                            }
                        }
                        if let Some(r) = self.reconnect.take() {
                            self.reconnects += 1;
                            diag!(
                                INFO,
                                "connection",
                                "reconnected to {} after {:.1} s ({} attempt(s)); {} request(s) \
                                 in flight sent again",
                                self.address,
                                r.since.elapsed().as_secs_f64(),
                                r.attempts,
                                self.pending.len().saturating_sub(1)
                            );
                            self.conn.set_link_state(ConnectionState::Connected);
                        }
                    }
                    InboundEvent::Response(resp) => self.dispatch(resp),
                    InboundEvent::RetryNow => inbound = self.reconnect_attempt(),
                    InboundEvent::Ended(why, status) => inbound = self.stream_ended(why, status),
                },
                _ = sleep_until_opt(deadline) => inbound = self.reconnect_timer(),
                _ = sleep_until_opt(releases_due) => self.send_held_releases(),
            }
        }
    }

    /// The next moment the reconnect logic must act even without an event: the end of
    /// the grace period, or of the current attempt.
    fn reconnect_deadline(&self) -> Option<Instant> {
        let r = self.reconnect.as_ref()?;
        let grace_end = r.since + self.conn.grace_period();
        Some(match r.attempt_started {
            Some(t) => grace_end.min(t + r.attempt_timeout),
            None => grace_end,
        })
    }

    /// The stream (or an attempt to open one) ended: reconnect when that is allowed and
    /// may help, otherwise fail everything.
    fn stream_ended(&mut self, why: Error, status: Option<tonic::Status>) -> Inbound {
        self.outbound = None;
        self.replay_on_open = None;
        let resumable = self.established
            && self.conn.reconnect_enabled()
            && status.as_ref().is_some_and(is_transient);
        if !resumable {
            let why = match status {
                Some(s) if self.reconnect.is_some() && s.code() == Code::NotFound => Error::new(
                    ErrorKind::ConnectionLost,
                    format!(
                        "the Ray cluster at {} no longer knows this client: its session was \
                         already cleaned up (the head node restarted, or the reconnect grace \
                         period ended on the server); connect again ({})",
                        self.address,
                        s.message()
                    ),
                ),
                _ => why.context(format!("connection to {}", self.address)),
            };
            if self.established {
                diag!(WARN, "connection", "{why}");
            }
            self.fail_all(why);
            return Inbound::Closed;
        }
        let now = Instant::now();
        match &self.reconnect {
            None => diag!(
                WARN,
                "connection",
                "the connection to {} broke ({}); reconnecting (grace period {} s)",
                self.address,
                why.message(),
                self.conn.grace_period().as_secs()
            ),
            Some(r) => diag!(
                DEBUG,
                "connection",
                "reconnect attempt {} to {} failed: {}",
                r.attempts,
                self.address,
                why.message()
            ),
        }
        let r = self.reconnect.get_or_insert_with(|| Reconnect {
            since: now,
            attempt_started: None,
            attempt_timeout: RECONNECT_ATTEMPT_TIMEOUT,
            next_delay: RECONNECT_FIRST_DELAY,
            first_error: why.message().to_owned(),
            last_error: String::new(),
            attempts: 0,
        });
        r.attempt_started = None;
        r.last_error = why.message().to_owned();
        let delay = r.next_delay;
        r.next_delay = (r.next_delay * 2).min(RECONNECT_MAX_DELAY);
        let since = r.since;
        self.conn
            .set_link_state(ConnectionState::Reconnecting { since });
        Inbound::Backoff(Box::pin(tokio::time::sleep(delay)))
    }

    /// Opens a new stream with `reconnecting: True` and sends a connection_info request
    /// on it; every request still waiting for its reply is re-sent, in id order, once the
    /// stream is open (and so are requests made meanwhile, after them).
    ///
    /// Ray's server sends a stream's headers, which open it here, only with its first
    /// answer, and answers a stream's requests in order: the connection_info goes alone
    /// so that it is answered at once. Re-sent first, a large put or task arguments
    /// would keep the attempt from opening within its timeout, and on a slow link an
    /// abandoned attempt's bytes would still be in the way of the next one's.
    fn reconnect_attempt(&mut self) -> Inbound {
        let opening = self.open_stream(true);
        if let Some(r) = &mut self.reconnect {
            r.attempt_started = Some(Instant::now());
            r.attempts += 1;
        }
        // The probe of an earlier attempt that failed is not needed any more.
        self.pending.retain(|_, p| {
            p.reply.is_some() || !matches!(p.body, data_request::Type::ConnectionInfo(_))
        });
        self.replay_on_open = None;
        self.submit(
            data_request::Type::ConnectionInfo(proto::ConnectionInfoRequest {}),
            None,
            None,
            None,
        );
        self.replay_on_open = Some(self.next_id);
        Inbound::Opening(opening)
    }

    /// The grace period or the current attempt ran out.
    fn reconnect_timer(&mut self) -> Inbound {
        let Some(r) = &self.reconnect else {
            return Inbound::Closed;
        };
        let spent = r.since.elapsed();
        if spent >= self.conn.grace_period() {
            let errors = match r.first_error == r.last_error {
                true => r.last_error.clone(),
                false => format!("{} (the stream broke: {})", r.last_error, r.first_error),
            };
            let why = connection_lost(
                self.conn.address(),
                spent,
                self.conn.grace_period(),
                &errors,
            );
            diag!(ERROR, "connection", "{why}");
            self.outbound = None;
            self.fail_all(why);
            return Inbound::Closed;
        }
        // This attempt hangs (e.g. a connection that accepts and never answers, or a
        // server still busy): the next one may take twice as long.
        if let Some(r) = &mut self.reconnect {
            r.attempt_timeout *= 2;
        }
        let why = Error::new(ErrorKind::ConnectionLost, "reconnect attempt timed out");
        let status = tonic::Status::unavailable("reconnect attempt timed out");
        self.stream_ended(why, Some(status))
    }

    fn submit(
        &mut self,
        body: data_request::Type,
        payload: Option<Segments>,
        reply: Option<Reply>,
        progress: Option<Arc<Tracker>>,
    ) {
        if let Some(e) = &self.dead {
            if let Some(r) = reply {
                r.send(Err(e.clone()));
            }
            return;
        }
        // Ids are positive int32 and never 0 (0 marks "no reply expected").
        self.next_id = if self.next_id == i32::MAX {
            1
        } else {
            self.next_id + 1
        };
        let id = self.next_id;
        if self.replay_on_open.is_none() {
            self.write(id, &body, payload.as_deref(), progress.as_ref());
        }
        self.pending.insert(
            id,
            Pending {
                body,
                payload,
                reply,
                progress,
            },
        );
    }

    fn send_held_releases(&mut self) {
        if let Some(batch) = self.held.take() {
            self.submit_release(batch);
        }
    }

    fn submit_release(&mut self, batch: proto::ReleaseRequest) {
        self.submit(data_request::Type::Release(batch), None, None, None);
        // (On a dead stream nothing was submitted; nothing is pending either, so a
        // waiter for this id is answered at once.)
        self.last_release = self.next_id;
    }

    /// Answers the settle waiters whose releases the server has all answered.
    fn wake_settled(&mut self) {
        if self.settle_waiters.is_empty() {
            return;
        }
        let pending = &self.pending;
        let unanswered = |last: i32| {
            pending
                .range(..=last)
                .any(|(_, p)| matches!(p.body, data_request::Type::Release(_)))
        };
        self.settle_waiters.retain(|(last, _)| unanswered(*last));
        // Dropping the senders of the settled ones answered them.
    }

    /// The chunks `data` travels in: one message (its segments copied together) up to
    /// the limit set by [`Datapath::send_whole_up_to`], else [`chunk_segments`].
    fn chunks(&self, data: &[Bytes]) -> Vec<Bytes> {
        let total: usize = data.iter().map(Bytes::len).sum();
        if total > self.whole_up_to.load(Ordering::Relaxed) {
            return chunk_segments(data);
        }
        match data {
            [one] => vec![one.clone()],
            _ => {
                let mut whole = bytes::BytesMut::with_capacity(total);
                data.iter()
                    .for_each(|segment| whole.extend_from_slice(segment));
                vec![whole.freeze()]
            }
        }
    }

    /// Writes one request, split into chunks when its data is large. Chunks are slices
    /// of the caller's buffers, not copies (see [`chunk_segments`]).
    fn write(
        &self,
        req_id: i32,
        body: &data_request::Type,
        payload: Option<&[Bytes]>,
        progress: Option<&Arc<Tracker>>,
    ) {
        let Some(out) = &self.outbound else { return };
        if let Some(p) = progress {
            // Sent (again, after a reconnect) from the start.
            p.restart();
        }
        let send = |t: data_request::Type| {
            let request = DataRequest {
                req_id,
                r#type: Some(t),
            };
            out.send((request, progress.cloned())).ok();
        };
        match body {
            // Always through the chunker: the server counts on chunk_id/total_chunks even
            // for a single chunk.
            data_request::Type::Put(put) => {
                let data = payload.unwrap_or(std::slice::from_ref(&put.data));
                let chunks = self.chunks(data);
                let total_size: usize = data.iter().map(Bytes::len).sum();
                for (i, chunk) in chunks.iter().enumerate() {
                    send(data_request::Type::Put(proto::PutRequest {
                        data: chunk.clone(),
                        client_ref_id: put.client_ref_id.clone(),
                        chunk_id: i as i32,
                        total_chunks: chunks.len() as i32,
                        total_size: total_size as i64,
                    }));
                }
            }
            data_request::Type::Task(task) => {
                let data = payload.unwrap_or(std::slice::from_ref(&task.data));
                let chunks = self.chunks(data);
                for (i, chunk) in chunks.iter().enumerate() {
                    send(data_request::Type::Task(proto::ClientTask {
                        data: chunk.clone(),
                        chunk_id: i as i32,
                        total_chunks: chunks.len() as i32,
                        ..task.clone_without_data()
                    }));
                }
            }
            other => send(other.clone()),
        }
    }

    fn dispatch(&mut self, resp: DataResponse) {
        if !self.deliver(resp) {
            return; // Unsolicited, or a request we no longer wait for (already failed).
        }
        self.wake_settled();
        self.responses += 1;
        if self.conn.reconnect_enabled() && self.responses % ACKNOWLEDGE_EVERY == 0 {
            if let (Some(acked), Some(out)) =
                (ack_watermark(&self.pending, self.next_id), &self.outbound)
            {
                let ack = DataRequest {
                    req_id: 0,
                    r#type: Some(data_request::Type::Acknowledge(proto::AcknowledgeRequest {
                        req_id: acked,
                    })),
                };
                out.send((ack, None)).ok();
            }
        }
    }

    /// Hands `resp` to whoever waits for it; false when nobody does.
    fn deliver(&mut self, resp: DataResponse) -> bool {
        if let Some(next) = more_chunks_follow(&resp) {
            // A chunk of an asynchronous get that is not the last: the request stays
            // pending, and a replay asks for the chunks from the next one on.
            if let Some(Pending {
                body: data_request::Type::Get(get),
                reply: Some(Reply::Chunks(tx)),
                ..
            }) = self.pending.get_mut(&resp.req_id)
            {
                get.start_chunk_id = next;
                tx.send(Ok(resp)).ok();
                return true;
            }
        }
        let Some(p) = take_answered(&mut self.pending, resp.req_id) else {
            return false;
        };
        if let Some(r) = p.reply {
            r.send(Ok(resp));
        }
        true
    }

    fn fail_all(&mut self, why: Error) {
        for (_, p) in std::mem::take(&mut self.pending) {
            if let Some(r) = p.reply {
                r.send(Err(why.clone()));
            }
        }
        self.outbound = None;
        self.reconnect = None;
        // Nothing more will be answered: callers waiting for releases go on (and their
        // calls fail on the lost connection).
        self.settle_waiters.clear();
        self.conn.set_link_state(ConnectionState::Lost(why.clone()));
        self.dead = Some(why);
    }

    async fn close(&mut self, inbound: &mut Inbound) {
        if let Some(out) = self.outbound.take() {
            let cleanup = DataRequest {
                req_id: 0,
                r#type: Some(data_request::Type::ConnectionCleanup(
                    proto::ConnectionCleanupRequest {},
                )),
            };
            out.send((cleanup, None)).ok();
            // Dropping the sender ends our half of the stream.
        }
        // Wait for the server to finish its half, so the cleanup is known to be read.
        let drain = async {
            loop {
                match next_inbound(inbound).await {
                    InboundEvent::Opened(s) => *inbound = Inbound::Open(s),
                    InboundEvent::Response(_) => {}
                    // Closed while reconnecting: no stream carries the cleanup, and the
                    // server frees this client's state when its grace period ends.
                    InboundEvent::RetryNow | InboundEvent::Ended(..) => break,
                }
            }
        };
        tokio::time::timeout(CLOSE_DRAIN, drain).await.ok();
        *inbound = Inbound::Closed;
        self.fail_all(disconnected());
    }
}

enum InboundEvent {
    Opened(Streaming<DataResponse>),
    Response(DataResponse),
    /// The backoff before a reconnect attempt is over.
    RetryNow,
    /// The stream ended; the status when gRPC gave one.
    Ended(Error, Option<tonic::Status>),
}

async fn next_inbound(inbound: &mut Inbound) -> InboundEvent {
    match inbound {
        Inbound::Opening(rx) => match rx.await {
            Ok(Ok(stream)) => InboundEvent::Opened(stream),
            Ok(Err(status)) => InboundEvent::Ended(stream_error(&status), Some(status)),
            Err(_) => InboundEvent::Ended(disconnected(), None),
        },
        Inbound::Open(stream) => match stream.message().await {
            Ok(Some(resp)) => InboundEvent::Response(resp),
            Ok(None) => InboundEvent::Ended(
                Error::new(
                    ErrorKind::ConnectionLost,
                    "the server ended the data stream",
                ),
                None,
            ),
            Err(status) => InboundEvent::Ended(stream_error(&status), Some(status)),
        },
        Inbound::Backoff(sleep) => {
            sleep.as_mut().await;
            InboundEvent::RetryNow
        }
        Inbound::Closed => std::future::pending().await,
    }
}

async fn sleep_until_opt(deadline: Option<Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d.into()).await,
        None => std::future::pending().await,
    }
}

fn stream_error(status: &tonic::Status) -> Error {
    Error::new(
        ErrorKind::ConnectionLost,
        format!(
            "data stream failed: {} ({:?})",
            status.message(),
            status.code()
        ),
    )
}

/// The pending request a reply with `req_id` answers, taken out of `pending`. Id 0 is
/// "no request" and unknown ids (a request already failed, or a server inventing ids)
/// answer nothing.
fn take_answered(pending: &mut BTreeMap<i32, Pending>, req_id: i32) -> Option<Pending> {
    if req_id == 0 {
        return None;
    }
    pending.remove(&req_id)
}

/// The id of the next chunk when `resp` is a chunk of a get that is not the last one.
fn more_chunks_follow(resp: &DataResponse) -> Option<i32> {
    match &resp.r#type {
        Some(proto::data_response::Type::Get(g))
            if g.valid
                && g.chunk_id
                    .checked_add(1)
                    .is_some_and(|n| n < g.total_chunks) =>
        {
            Some(g.chunk_id + 1)
        }
        _ => None,
    }
}

/// The id to acknowledge: the highest below which every reply the server keeps for a
/// replay is in. The server refuses (and ends the session on) a replayed request whose
/// id it was told it may forget. Asynchronous gets do not count: the server keeps no
/// reply for them and runs a replayed one again (an object may take hours to be ready,
/// and holding acknowledgements back that long would grow the server's cache).
fn ack_watermark(pending: &BTreeMap<i32, Pending>, last_issued: i32) -> Option<i32> {
    let oldest_kept = pending
        .iter()
        .find(|(_, p)| !matches!(&p.body, data_request::Type::Get(g) if g.asynchronous));
    let acked = match oldest_kept {
        Some((&oldest, _)) => oldest - 1,
        None => last_issued,
    };
    (acked > 0).then_some(acked)
}

/// Fuzz hook: the driver's bookkeeping for a stream of replies (`replies`) against
/// requests 1..=`issued` in flight; each answered reply goes to `read`. Checks that an
/// acknowledgement never covers a request still waiting.
#[cfg(feature = "test-hooks")]
pub(crate) fn dispatch_replies(
    issued: u8,
    replies: impl Iterator<Item = DataResponse>,
    mut read: impl FnMut(DataResponse),
) {
    let mut pending: BTreeMap<i32, Pending> = (1..=i32::from(issued))
        .map(|id| {
            let body = data_request::Type::ConnectionInfo(proto::ConnectionInfoRequest {});
            let p = Pending {
                body,
                payload: None,
                reply: None,
                progress: None,
            };
            (id, p)
        })
        .collect();
    for resp in replies {
        if take_answered(&mut pending, resp.req_id).is_some() {
            read(resp);
        }
        if let Some(acked) = ack_watermark(&pending, i32::from(issued)) {
            assert!(
                pending.keys().all(|&id| id > acked),
                "acknowledged a waiting request"
            );
        }
    }
}

impl proto::ClientTask {
    /// Every field but the argument data (which the chunker replaces).
    fn clone_without_data(&self) -> proto::ClientTask {
        proto::ClientTask {
            r#type: self.r#type,
            name: self.name.clone(),
            payload_id: self.payload_id.clone(),
            args: self.args.clone(),
            kwargs: self.kwargs.clone(),
            client_id: self.client_id.clone(),
            options: self.options.clone(),
            baseline_options: self.baseline_options.clone(),
            namespace: self.namespace.clone(),
            data: Bytes::new(),
            chunk_id: 0,
            total_chunks: 0,
        }
    }
}

mod chunks;
mod releases;
#[cfg(test)]
mod tests;
