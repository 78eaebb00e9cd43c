//! The object calls: put, get, wait, and how a get travels (by the size hint of the ref,
//! see [`SizeHint`]). The refs themselves are in `object_ref.rs`.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;

use crate::client::Client;
use crate::connection::Retry;
use crate::datapath::{Segments, CHUNK_SIZE};
use crate::error::{Error, ErrorKind, Result};
use crate::get_reply::{self, CallError, Chunks};
use crate::object_ref::{ObjectRef, SizeHint, SIZE_LARGE, SIZE_SMALL};
use crate::pickle;
use crate::progress::Tracker;
use crate::proto::{
    data_request, data_response, DataResponse, GetRequest, PutRequest, WaitRequest, WaitResponse,
};
use crate::remote_error;
use crate::runtime;
use crate::value::Value;

/// Python's MAX_BLOCKING_OPERATION_TIME_S: a get without a deadline asks the server in
/// slices of this length, so it stays interruptible and notices a dead connection.
pub const GET_SLICE: Duration = Duration::from_secs(2);

impl SizeHint {
    /// Known to fit in one chunk.
    fn is_small(&self) -> bool {
        match self {
            SizeHint::Unknown => false,
            SizeHint::Put { size, .. } => *size < CHUNK_SIZE,
            SizeHint::Returned(seen) => seen.0.load(Ordering::Relaxed) == SIZE_SMALL,
        }
    }

    /// Whether the object's value may hold refs or actor handles (a get then brings ids
    /// back to the client; see `HeldReleases` in the Datapath).
    fn may_hold_refs(&self) -> bool {
        !matches!(
            self,
            SizeHint::Put {
                holds_refs: false,
                ..
            }
        )
    }

    /// A get of the object brought `len` bytes.
    fn record(&self, len: usize) {
        if let SizeHint::Returned(seen) = self {
            let size = if len < CHUNK_SIZE {
                SIZE_SMALL
            } else {
                SIZE_LARGE
            };
            seen.0.store(size, Ordering::Relaxed);
        }
    }
}

/// The ids of `refs`, waiting for those still on their way.
async fn ids_of(refs: &[ObjectRef]) -> Result<Vec<Bytes>> {
    let mut ids = Vec::with_capacity(refs.len());
    for r in refs {
        ids.push(r.id().await?);
    }
    Ok(ids)
}

impl Client {
    /// Stores `value` in the cluster's object store and returns its ref. Large values
    /// travel in 5 MiB chunks.
    pub fn put(&self, value: impl Into<Value>) -> Result<ObjectRef> {
        let encoded = self.encode_for_server(&value.into())?;
        runtime::block_on(self.put_pickled(encoded.segments, encoded.holds_refs))
            .map_err(put_context)
    }

    /// [`put`](Self::put), calling `progress(done, total)` with the bytes the connection
    /// has taken so far out of the pickled value's size: from a thread of its own (never
    /// the caller's or the I/O thread), at most every [`REPORT_INTERVAL`](crate::progress::REPORT_INTERVAL)
    /// and once at the end, before this returns (`done == total` when the put succeeded).
    pub fn put_with_progress(
        &self,
        value: impl Into<Value>,
        progress: impl Fn(u64, u64) + Send + Sync + 'static,
    ) -> Result<ObjectRef> {
        let encoded = self.encode_for_server(&value.into())?;
        let total = encoded.segments.iter().map(|b| b.len() as u64).sum();
        let tracker = Tracker::start(Arc::new(progress), total);
        let put = self.put_tracked(encoded.segments, encoded.holds_refs, Some(tracker.clone()));
        let result = runtime::block_on(put);
        tracker.finish(result.is_ok());
        result.map_err(put_context)
    }

    /// Asynchronous [`put`](Self::put).
    pub async fn put_async(&self, value: Value) -> Result<ObjectRef> {
        let encoded = self.encode_for_server_async(&value).await?;
        let put = self.put_pickled(encoded.segments, encoded.holds_refs);
        runtime::join(runtime::spawn(put))
            .await
            .map_err(put_context)
    }

    /// Puts an already pickled value, given as segments (see
    /// [`pickle::encode_segments`]); `holds_refs`: the value held refs or actor handles.
    pub(crate) fn put_pickled(
        &self,
        data: Segments,
        holds_refs: bool,
    ) -> impl std::future::Future<Output = Result<ObjectRef>> + Send + 'static {
        self.put_tracked(data, holds_refs, None)
    }

    fn put_tracked(
        &self,
        data: Segments,
        holds_refs: bool,
        progress: Option<Arc<Tracker>>,
    ) -> impl std::future::Future<Output = Result<ObjectRef>> + Send + 'static {
        let client = self.clone();
        let size = SizeHint::Put {
            size: data.iter().map(Bytes::len).sum(),
            holds_refs,
        };
        let reply = self.inner.datapath.send_tracked(
            // The driver fills in the data, chunk ids and total size as it chunks it.
            data_request::Type::Put(PutRequest::default()),
            Some(data),
            progress,
        );
        async move {
            let id = put_reply(reply.await?)?;
            Ok(client.inner.ref_for_id(&client.inner, id, size))
        }
    }

    /// Encodes a value for the server: checks that every ref in it belongs to this
    /// client and waits for the ids that are still on their way. Large binary payloads
    /// stay in the value's own buffers (segments of their own), so they are not copied.
    pub(crate) fn encode_for_server(&self, value: &Value) -> Result<Encoded> {
        let (holds_refs, pending) = self.refs_to_resolve(value)?;
        if let Some(pending) = pending {
            runtime::block_on(pending)?;
        }
        Encoded::of(value, holds_refs)
    }

    /// [`encode_for_server`](Self::encode_for_server) for async callers: awaits instead
    /// of blocking.
    pub(crate) async fn encode_for_server_async(&self, value: &Value) -> Result<Encoded> {
        let (holds_refs, pending) = self.refs_to_resolve(value)?;
        if let Some(pending) = pending {
            pending.await?;
        }
        Encoded::of(value, holds_refs)
    }

    /// Checks ownership of every ref in `value`; returns whether there are any, and a
    /// future that waits for the ids not known yet (`None` when all are known).
    fn refs_to_resolve(
        &self,
        value: &Value,
    ) -> Result<(
        bool,
        Option<impl std::future::Future<Output = Result<()>> + Send + 'static>,
    )> {
        self.check_open()?;
        let mut refs = Vec::new();
        value.for_each_ref(&mut |r| refs.push(r.clone()));
        let holds_refs = !refs.is_empty();
        let mut pending = Vec::new();
        for r in refs {
            self.check_ref(&r)?;
            if r.resolved_id().is_none() {
                pending.push(r);
            }
        }
        if pending.is_empty() {
            return Ok((holds_refs, None));
        }
        Ok((
            holds_refs,
            Some(async move {
                for r in pending {
                    r.id().await?;
                }
                Ok(())
            }),
        ))
    }

    /// The client is open and every ref is its own.
    fn check_refs(&self, refs: &[ObjectRef]) -> Result<()> {
        self.check_open()?;
        refs.iter().try_for_each(|r| self.check_ref(r))
    }

    pub(crate) fn check_ref(&self, r: &ObjectRef) -> Result<()> {
        if r.owned_by(Arc::as_ptr(&self.inner).cast()) {
            Ok(())
        } else {
            Err(Error::invalid(format!(
                "object ref belongs to client {}, not to this client ({})",
                r.client_id(),
                self.client_id()
            )))
        }
    }

    /// Gets one object's value, waiting as long as it takes.
    pub fn get(&self, r: &ObjectRef) -> Result<Value> {
        Ok(self
            .get_many(std::slice::from_ref(r), None)?
            .pop()
            .expect("one value"))
    }

    /// Gets several objects' values; `timeout` of `None` waits without limit, otherwise
    /// fails with [`ErrorKind::Timeout`] when they are not all ready in time.
    pub fn get_many(&self, refs: &[ObjectRef], timeout: Option<Duration>) -> Result<Vec<Value>> {
        let fetched = runtime::block_on(self.fetch(refs, timeout)?);
        fetched
            .and_then(|f| self.decode_fetched(&f, refs.len()))
            .map_err(|e| cancelled_not_crashed(e, refs))
    }

    /// [`get_many`](Self::get_many) of one object, calling `progress(done, total)` with
    /// the bytes received so far out of the object's size (0 until the first chunk says
    /// it): from a thread of its own, at most every
    /// [`REPORT_INTERVAL`](crate::progress::REPORT_INTERVAL) and once at the end, before
    /// this returns.
    pub fn get_with_progress(
        &self,
        r: &ObjectRef,
        timeout: Option<Duration>,
        progress: impl Fn(u64, u64) + Send + Sync + 'static,
    ) -> Result<Value> {
        let refs = std::slice::from_ref(r);
        let tracker = Tracker::start(Arc::new(progress), 0);
        let fetched = self
            .fetch_tracked(refs, timeout, Some(tracker.clone()))
            .and_then(runtime::block_on);
        tracker.finish(fetched.is_ok());
        fetched
            .and_then(|f| self.decode_fetched(&f, 1))
            .map(|mut values| values.pop().expect("one value"))
            .map_err(|e| cancelled_not_crashed(e, refs))
    }

    /// Asynchronous [`get_many`](Self::get_many).
    pub async fn get_async(
        &self,
        refs: &[ObjectRef],
        timeout: Option<Duration>,
    ) -> Result<Vec<Value>> {
        let fetched = runtime::join(runtime::spawn(self.fetch(refs, timeout)?)).await;
        fetched
            .and_then(|f| self.decode_fetched(&f, refs.len()))
            .map_err(|e| cancelled_not_crashed(e, refs))
    }

    /// For callers already on the I/O thread (the C ABI's completion callbacks, item
    /// streams): fetches there, but decodes on a blocking-pool thread, so unpickling a
    /// large value does not stall every stream of every client.
    pub(crate) async fn get_on_io_thread(
        &self,
        refs: &[ObjectRef],
        timeout: Option<Duration>,
    ) -> Result<Vec<Value>> {
        let decoded = async {
            let fetched = self.fetch(refs, timeout)?.await?;
            let (client, n) = (self.clone(), refs.len());
            tokio::task::spawn_blocking(move || client.decode_fetched(&fetched, n))
                .await
                .unwrap_or_else(|e| Err(Error::internal(format!("decoding task failed: {e}"))))
        };
        decoded.await.map_err(|e| cancelled_not_crashed(e, refs))
    }

    fn decode_fetched(&self, fetched: &Fetched, n: usize) -> Result<Vec<Value>> {
        match fetched {
            Fetched::List(data) => Ok(values_of(self.decode(data)?, n)?
                .into_iter()
                .map(Value::dynamic_generator_as_list)
                .collect()),
            Fetched::One(data) => {
                let value = self.decode(data)?;
                // The asynchronous path sends an object's error as the object's value.
                match remote_error::ray_error(&value, "get") {
                    Some(e) => Err(e),
                    None => Ok(vec![value.dynamic_generator_as_list()]),
                }
            }
        }
    }

    /// The network part of a get. One object known to be small, without a deadline, comes
    /// as an asynchronous get on the Datapath stream (the server's cheaper path, as for
    /// Python's `ref.future()`; see [`SizeHint`]). Otherwise a `GetObject` call, asked in
    /// slices of at most [`GET_SLICE`] (a server-side timeout of 0 would mean "don't
    /// wait") until the values come or the deadline passes.
    fn fetch(
        &self,
        refs: &[ObjectRef],
        timeout: Option<Duration>,
    ) -> Result<impl std::future::Future<Output = Result<Fetched>> + Send + 'static> {
        self.fetch_tracked(refs, timeout, None)
    }

    /// [`fetch`](Self::fetch) whose arriving bytes `progress` follows (the small-object
    /// path is skipped then: its one message would jump from nothing to everything).
    fn fetch_tracked(
        &self,
        refs: &[ObjectRef],
        timeout: Option<Duration>,
        progress: Option<Arc<Tracker>>,
    ) -> Result<impl std::future::Future<Output = Result<Fetched>> + Send + 'static> {
        self.check_refs(refs)?;
        let refs = refs.to_vec();
        let client = self.clone();
        Ok(async move {
            let ids = ids_of(&refs).await?;
            let size = match &refs[..] {
                [one] => one.size().clone(),
                _ => SizeHint::Unknown,
            };
            let may_hold_refs = refs.iter().any(|r| r.size().may_hold_refs());
            if timeout.is_none() && size.is_small() && progress.is_none() {
                client.inner.datapath_gets.fetch_add(1, Ordering::Relaxed);
                let data = client.get_async_once(ids.clone(), may_hold_refs).await?;
                size.record(data.len());
                if !remote_error::looks_like_ray_error(&data) {
                    return Ok(Fetched::One(data));
                }
                // The object is an error, which this path sends as a value. Asked again
                // through `GetObject`, the server raises it as `ray.get` does (the task's
                // error as an instance of its cause, with the traceback as Ray formats
                // it), so errors are the same whichever way a get went.
            }
            let deadline = timeout.map(|t| Instant::now() + t);
            client.inner.call_gets.fetch_add(1, Ordering::Relaxed);
            if may_hold_refs {
                client.inner.datapath.settle_releases().await;
            }
            loop {
                let slice = match deadline {
                    Some(d) => d
                        .saturating_duration_since(Instant::now())
                        .min(GET_SLICE)
                        .max(Duration::from_millis(1)),
                    None => GET_SLICE,
                };
                match client.get_once(ids.clone(), slice, progress.clone()).await {
                    Err(e)
                        if e.kind() == ErrorKind::Timeout
                            && deadline.is_none_or(|d| Instant::now() < d) =>
                    {
                        continue
                    }
                    other => {
                        if let Ok(data) = &other {
                            size.record(data.len());
                        }
                        return other.map(Fetched::List);
                    }
                }
            }
        })
    }

    /// One `GetObject` call: concatenates the chunks of the reply. When the connection
    /// breaks part way, the call is retried (as Python does) from the first chunk not yet
    /// received, so a large transfer does not start over.
    async fn get_once(
        &self,
        ids: Vec<Bytes>,
        timeout: Duration,
        progress: Option<Arc<Tracker>>,
    ) -> Result<Bytes> {
        let conn = &self.inner.conn;
        conn.check_link()?;
        let mut retry = Retry::new(conn, "get");
        let mut chunks = Chunks::tracked(progress);
        loop {
            let req = conn.request(GetRequest {
                ids: ids.clone(),
                timeout: timeout.as_secs_f32(),
                start_chunk_id: chunks.next_chunk(),
                ..Default::default()
            });
            match get_reply::call(&conn.channel(), req, &mut chunks).await {
                Ok(()) => break,
                Err(CallError::Status(status)) => retry.after(&status).await?,
                Err(CallError::Reply(e)) => return Err(e),
            }
        }
        read_reply(chunks)
    }

    /// One asynchronous get on the Datapath: the object's chunks as they come (a
    /// reconnect resumes from the first chunk not yet received).
    async fn get_async_once(&self, ids: Vec<Bytes>, may_hold_refs: bool) -> Result<Bytes> {
        let mut replies = self.inner.datapath.get(
            GetRequest {
                ids,
                ..Default::default()
            },
            may_hold_refs,
        );
        let mut chunks = Chunks::default();
        while let Some(reply) = replies.recv().await {
            match reply?.r#type {
                Some(data_response::Type::Get(chunk)) => {
                    if chunks.push(chunk)? {
                        return read_reply(chunks);
                    }
                }
                _ => return Err(Error::protocol("get got an unexpected reply")),
            }
        }
        Err(crate::datapath::disconnected())
    }

    /// Waits until `num_returns` of `refs` are ready or `timeout` passes (`None`: no
    /// limit). Returns (ready, not ready), each in the order given. (Python's
    /// `fetch_local` has no field in the Ray Client protocol; the Python client ignores it
    /// too: readiness is always judged with the object fetched to the server.)
    pub fn wait(
        &self,
        refs: &[ObjectRef],
        num_returns: usize,
        timeout: Option<Duration>,
    ) -> Result<(Vec<ObjectRef>, Vec<ObjectRef>)> {
        runtime::block_on(self.wait_future(refs, num_returns, timeout)?)
    }

    /// Asynchronous [`wait`](Self::wait).
    pub async fn wait_async(
        &self,
        refs: &[ObjectRef],
        num_returns: usize,
        timeout: Option<Duration>,
    ) -> Result<(Vec<ObjectRef>, Vec<ObjectRef>)> {
        runtime::join(runtime::spawn(self.wait_future(
            refs,
            num_returns,
            timeout,
        )?))
        .await
    }

    fn wait_future(
        &self,
        refs: &[ObjectRef],
        num_returns: usize,
        timeout: Option<Duration>,
    ) -> Result<
        impl std::future::Future<Output = Result<(Vec<ObjectRef>, Vec<ObjectRef>)>> + Send + 'static,
    > {
        if num_returns == 0 || num_returns > refs.len() {
            return Err(Error::invalid(format!(
                "num_returns must be between 1 and the number of refs ({}), got {num_returns}",
                refs.len()
            )));
        }
        self.check_refs(refs)?;
        let refs = refs.to_vec();
        let client = self.clone();
        Ok(async move {
            let ids = ids_of(&refs).await?;
            let conn = &client.inner.conn;
            let req = WaitRequest {
                object_ids: ids.clone(),
                num_returns: num_returns as i64,
                timeout: timeout.map_or(-1.0, |t| t.as_secs_f64()),
                client_id: conn.client_id().to_owned(),
            };
            let resp = conn
                .unary("wait", false, |mut stub, meta| {
                    let req = meta.request(req.clone());
                    async move { stub.wait_object(req).await }
                })
                .await?;
            split_ready(&resp, refs.into_iter().zip(ids))
        })
    }
}

/// What the network part of a get brought: a pickled list of the values (a `GetObject`
/// call), or one pickled value (an asynchronous get).
pub(crate) enum Fetched {
    List(Bytes),
    One(Bytes),
}

/// A finished get reply: the object's bytes, or the exception the server refused it with.
fn read_reply(chunks: Chunks) -> Result<Bytes> {
    chunks
        .finish()?
        .map_err(|exception| remote_error::from_pickle(&exception, "get"))
}

/// A put the server refused (it could not unpickle the value) says so.
fn put_context(e: Error) -> Error {
    match e.remote() {
        Some(_) => e.context("put"),
        None => e,
    }
}

/// The new object's id from a put reply.
pub(crate) fn put_reply(reply: DataResponse) -> Result<Bytes> {
    match reply.r#type {
        Some(data_response::Type::Put(p)) if p.valid => Ok(p.id),
        Some(data_response::Type::Put(p)) => Err(remote_error::from_pickle(&p.error, "")),
        _ => Err(Error::protocol("put got an unexpected reply")),
    }
}

/// The values of a get: the reply pickle holds a list with one value per ref asked for.
pub(crate) fn values_of(decoded: Value, n: usize) -> Result<Vec<Value>> {
    match decoded {
        Value::List(values) if values.len() == n => Ok(values),
        other => Err(Error::protocol(format!(
            "get expected a list of {n} values, got {}",
            other.type_name()
        ))),
    }
}

/// Splits `items` (each with its object id) into those the wait reply names ready and
/// the rest, each in the order given.
pub(crate) fn split_ready<T>(
    resp: &WaitResponse,
    items: impl IntoIterator<Item = (T, Bytes)>,
) -> Result<(Vec<T>, Vec<T>)> {
    if !resp.valid {
        return Err(Error::invalid(
            "the server refused the wait (is every ref still alive?)",
        ));
    }
    let ready: std::collections::HashSet<&Bytes> = resp.ready_object_ids.iter().collect();
    let (ready, remaining): (Vec<_>, Vec<_>) =
        items.into_iter().partition(|(_, id)| ready.contains(id));
    Ok((
        ready.into_iter().map(|(r, _)| r).collect(),
        remaining.into_iter().map(|(r, _)| r).collect(),
    ))
}

impl Client {
    /// Test hook: how many gets went as asynchronous gets on the Datapath, and how many
    /// as `GetObject` calls (an error found on the first path counts on both).
    #[doc(hidden)]
    #[cfg(feature = "test-hooks")]
    pub fn __gets_by_path(&self) -> (u64, u64) {
        (
            self.inner.datapath_gets.load(Ordering::Relaxed),
            self.inner.call_gets.load(Ordering::Relaxed),
        )
    }

    /// Test hook: sends the releases held back and waits until the server processed
    /// them (a later [`__server_holds`](Self::__server_holds) sees them).
    #[doc(hidden)]
    #[cfg(feature = "test-hooks")]
    pub fn __settle_releases(&self) {
        let settled = self.inner.datapath.settle_releases();
        runtime::block_on(async move {
            settled.await;
            Ok(())
        })
        .ok();
    }

    /// Test hook: whether the server still holds `id` for this client (a `WaitObject`
    /// on an id the server released fails).
    #[doc(hidden)]
    #[cfg(feature = "test-hooks")]
    pub fn __server_holds(&self, id: &Bytes) -> Result<bool> {
        let conn = self.inner.conn.clone();
        let id = id.clone();
        runtime::block_on(async move {
            let req = conn.request(WaitRequest {
                object_ids: vec![id],
                num_returns: 1,
                timeout: 0.0,
                client_id: conn.client_id().to_owned(),
            });
            match conn.driver_stub().wait_object(req).await {
                Ok(_) => Ok(true),
                Err(s) if s.message().contains("not associated with this client") => Ok(false),
                Err(s) => Err(crate::connection::status_error("wait", conn.address(), &s)),
            }
        })
    }
}

/// A value pickled for the server.
pub(crate) struct Encoded {
    pub(crate) segments: Segments,
    /// The value held object refs or actor handles (a get of it may hand ids back).
    pub(crate) holds_refs: bool,
}

impl Encoded {
    fn of(value: &Value, holds_refs: bool) -> Result<Self> {
        Ok(Self {
            segments: pickle::encode_segments(value)?,
            holds_refs,
        })
    }
}

/// A get of a task that this client cancelled with `force` reads as cancelled on every
/// release. Ray kills the task's worker for such a cancel, and some releases (seen with
/// 2.10, 2.12 and 2.20, from Python's client too; not with 2.9, 2.35 or 2.60) sometimes report
/// that as the worker's crash (`WorkerCrashedError`), when the worker's exit is noticed
/// before the cancel.
fn cancelled_not_crashed(e: Error, refs: &[ObjectRef]) -> Error {
    let crashed = e
        .remote()
        .is_some_and(|r| r.type_name == "ray.exceptions.WorkerCrashedError");
    if !crashed || !refs.iter().any(ObjectRef::was_force_cancelled) {
        return e;
    }
    let remote = crate::error::RemoteError {
        type_name: "ray.exceptions.TaskCancelledError".to_owned(),
        cause_type: None,
        message: String::new(),
        traceback: None,
    };
    Error::with_remote(
        ErrorKind::TaskCancelled,
        e.message()
            .replace("WorkerCrashedError", "TaskCancelledError"),
        remote,
    )
}
