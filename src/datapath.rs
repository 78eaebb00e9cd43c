//! The Datapath stream: one bidirectional gRPC stream per client that carries init, put,
//! schedule, release, terminate and cleanup. A single task on the runtime thread owns it.
//!
//! Callers hand a request body to the driver and get a future for its reply; the driver
//! gives every request an increasing `req_id`, writes it (chunked when large), and keeps
//! it in `pending` until the matching response arrives, in whatever order responses come.
//! Keeping each request until its reply is also what reconnection needs: on a new stream
//! the driver can re-send everything still in `pending`, in id order.

use std::collections::BTreeMap;
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::{mpsc, oneshot};
use tonic::Streaming;

use crate::connection::Connection;
use crate::error::{Error, ErrorKind, Result};
use crate::proto::{self, data_request, DataRequest, DataResponse};

/// Python's OBJECT_TRANSFER_CHUNK_SIZE: puts and task arguments travel in 5 MiB chunks.
pub const CHUNK_SIZE: usize = 5 * 1024 * 1024;

/// The server may drop its replay cache up to an acknowledged id; Python acknowledges
/// every 32nd response.
const ACKNOWLEDGE_EVERY: u64 = 32;

/// How long a close waits for the server to end the stream after cleanup.
const CLOSE_DRAIN: Duration = Duration::from_secs(5);

type Reply = oneshot::Sender<Result<DataResponse>>;

// Requests are by far the common message; boxing them would cost an allocation each.
#[allow(clippy::large_enum_variant)]
enum Command {
    Request {
        body: data_request::Type,
        reply: Option<Reply>,
    },
    Close {
        done: oneshot::Sender<()>,
    },
}

struct Pending {
    body: data_request::Type,
    reply: Option<Reply>,
}

/// Handle to a client's Datapath stream. Cheap to clone; every clone feeds the same
/// driver task.
#[derive(Clone)]
pub(crate) struct Datapath {
    commands: mpsc::UnboundedSender<Command>,
}

impl Datapath {
    /// Opens the stream and starts its driver. Must run on the runtime thread.
    pub(crate) fn open(conn: &Connection, reconnect_enabled: bool) -> Datapath {
        let (commands, rx) = mpsc::unbounded_channel();
        let (outbound, outbound_rx) = mpsc::unbounded_channel();
        let (stream_tx, stream_rx) = oneshot::channel();
        let mut stub = conn.data_stub();
        let request = conn.request_with(
            tokio_stream::wrappers::UnboundedReceiverStream::new(outbound_rx),
            false,
        );
        // The call's response headers only come once the proxy has started this client's
        // server, which needs the init request, so the call runs beside the driver loop.
        tokio::spawn(async move {
            let r = stub.datapath(request).await.map(|r| r.into_inner());
            stream_tx.send(r).ok();
        });
        let driver = Driver {
            address: conn.address().to_string(),
            next_id: 0,
            pending: BTreeMap::new(),
            responses: 0,
            reconnect_enabled,
            outbound: Some(outbound),
            dead: None,
        };
        tokio::spawn(driver.run(rx, stream_rx));
        Datapath { commands }
    }

    /// Queues a request and returns a future of its response. Never blocks: the request
    /// is on its way (in order with every other request of this client) on return.
    pub(crate) fn send(
        &self,
        body: data_request::Type,
    ) -> impl std::future::Future<Output = Result<DataResponse>> + Send + 'static {
        let (tx, rx) = oneshot::channel();
        let queued = self
            .commands
            .send(Command::Request {
                body,
                reply: Some(tx),
            })
            .is_ok();
        async move {
            if !queued {
                return Err(disconnected());
            }
            rx.await.unwrap_or_else(|_| Err(disconnected()))
        }
    }

    /// Queues a request whose response nobody waits for (release).
    pub(crate) fn send_and_forget(&self, body: data_request::Type) {
        self.commands
            .send(Command::Request { body, reply: None })
            .ok();
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

fn disconnected() -> Error {
    Error::new(
        ErrorKind::ConnectionLost,
        "the client is disconnected from the cluster",
    )
}

struct Driver {
    address: String,
    next_id: i32,
    pending: BTreeMap<i32, Pending>,
    responses: u64,
    reconnect_enabled: bool,
    outbound: Option<mpsc::UnboundedSender<DataRequest>>,
    /// Set once the stream broke or closed; later requests fail with it.
    dead: Option<Error>,
}

#[allow(clippy::large_enum_variant)]
enum Inbound {
    Opening(oneshot::Receiver<std::result::Result<Streaming<DataResponse>, tonic::Status>>),
    Open(Streaming<DataResponse>),
    Closed,
}

impl Driver {
    async fn run(
        mut self,
        mut commands: mpsc::UnboundedReceiver<Command>,
        opening: oneshot::Receiver<std::result::Result<Streaming<DataResponse>, tonic::Status>>,
    ) {
        let mut inbound = Inbound::Opening(opening);
        loop {
            tokio::select! {
                cmd = commands.recv() => match cmd {
                    Some(Command::Request { body, reply }) => self.submit(body, reply),
                    Some(Command::Close { done }) => {
                        self.close(&mut inbound).await;
                        done.send(()).ok();
                        // Later commands (a drop racing a close) just fail.
                        while let Some(cmd) = commands.recv().await {
                            match cmd {
                                Command::Request { reply: Some(r), .. } => { r.send(Err(disconnected())).ok(); }
                                Command::Request { reply: None, .. } => {}
                                Command::Close { done } => { done.send(()).ok(); }
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
                    InboundEvent::Opened(stream) => inbound = Inbound::Open(stream),
                    InboundEvent::Response(resp) => self.dispatch(resp),
                    InboundEvent::Ended(why) => {
                        inbound = Inbound::Closed;
                        let why = why.context(format!("connection to {}", self.address));
                        self.fail_all(why);
                    }
                },
            }
        }
    }

    fn submit(&mut self, body: data_request::Type, reply: Option<Reply>) {
        if let Some(e) = &self.dead {
            if let Some(r) = reply {
                r.send(Err(e.clone())).ok();
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
        self.write(id, &body);
        self.pending.insert(id, Pending { body, reply });
    }

    /// Writes one request, split into chunks when its payload is large. Chunks are
    /// slices of the caller's buffer, not copies.
    fn write(&self, req_id: i32, body: &data_request::Type) {
        let Some(out) = &self.outbound else { return };
        let send = |t: data_request::Type| {
            out.send(DataRequest {
                req_id,
                r#type: Some(t),
            })
            .ok();
        };
        match body {
            // Always through the chunker: the server counts on chunk_id/total_chunks even
            // for a single chunk.
            data_request::Type::Put(put) => {
                for (i, chunk) in chunks(&put.data) {
                    send(data_request::Type::Put(proto::PutRequest {
                        data: chunk,
                        client_ref_id: put.client_ref_id.clone(),
                        chunk_id: i,
                        total_chunks: chunk_count(&put.data),
                        total_size: put.data.len() as i64,
                    }));
                }
            }
            data_request::Type::Task(task) => {
                for (i, chunk) in chunks(&task.data) {
                    send(data_request::Type::Task(proto::ClientTask {
                        data: chunk,
                        chunk_id: i,
                        total_chunks: chunk_count(&task.data),
                        ..task.clone_without_data()
                    }));
                }
            }
            other => send(other.clone()),
        }
    }

    fn dispatch(&mut self, resp: DataResponse) {
        if resp.req_id == 0 {
            return;
        }
        let Some(p) = self.pending.remove(&resp.req_id) else {
            return; // A reply to a request we no longer wait for (already failed).
        };
        let id = resp.req_id;
        if let Some(r) = p.reply {
            r.send(Ok(resp)).ok();
        }
        drop(p.body);
        self.responses += 1;
        if self.reconnect_enabled && self.responses % ACKNOWLEDGE_EVERY == 0 {
            if let Some(out) = &self.outbound {
                out.send(DataRequest {
                    req_id: 0,
                    r#type: Some(data_request::Type::Acknowledge(proto::AcknowledgeRequest {
                        req_id: id,
                    })),
                })
                .ok();
            }
        }
    }

    fn fail_all(&mut self, why: Error) {
        for (_, p) in std::mem::take(&mut self.pending) {
            if let Some(r) = p.reply {
                r.send(Err(why.clone())).ok();
            }
        }
        self.outbound = None;
        self.dead = Some(why);
    }

    async fn close(&mut self, inbound: &mut Inbound) {
        if let Some(out) = self.outbound.take() {
            out.send(DataRequest {
                req_id: 0,
                r#type: Some(data_request::Type::ConnectionCleanup(
                    proto::ConnectionCleanupRequest {},
                )),
            })
            .ok();
            // Dropping the sender ends our half of the stream.
        }
        // Wait for the server to finish its half, so the cleanup is known to be read.
        let drain = async {
            loop {
                match next_inbound(inbound).await {
                    InboundEvent::Opened(s) => *inbound = Inbound::Open(s),
                    InboundEvent::Response(_) => {}
                    InboundEvent::Ended(_) => break,
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
    Ended(Error),
}

async fn next_inbound(inbound: &mut Inbound) -> InboundEvent {
    match inbound {
        Inbound::Opening(rx) => match rx.await {
            Ok(Ok(stream)) => InboundEvent::Opened(stream),
            Ok(Err(status)) => InboundEvent::Ended(stream_error(&status)),
            Err(_) => InboundEvent::Ended(disconnected()),
        },
        Inbound::Open(stream) => match stream.message().await {
            Ok(Some(resp)) => InboundEvent::Response(resp),
            Ok(None) => InboundEvent::Ended(Error::new(
                ErrorKind::ConnectionLost,
                "the server ended the data stream",
            )),
            Err(status) => InboundEvent::Ended(stream_error(&status)),
        },
        Inbound::Closed => std::future::pending().await,
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

/// At least one chunk, also for empty data.
fn chunk_count(data: &Bytes) -> i32 {
    data.len().div_ceil(CHUNK_SIZE).max(1) as i32
}

fn chunks(data: &Bytes) -> impl Iterator<Item = (i32, Bytes)> + '_ {
    (0..chunk_count(data) as usize).map(move |i| {
        let start = i * CHUNK_SIZE;
        let start = start.min(data.len());
        let end = (start + CHUNK_SIZE).min(data.len());
        (i as i32, data.slice(start..end))
    })
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
