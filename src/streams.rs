//! Item streams: the items of a Python generator running on the cluster (a generator
//! function, or an actor's generator method), received as it yields them, which Ray's
//! Python client cannot do (it refuses `num_returns="streaming"`).
//!
//! Ray's client server cannot hand a streaming generator to a client, so the client ships
//! an actor of its own (src/streams/pump.py, one per client, created at its first
//! stream) that calls the function with `num_returns="streaming"` and hands out the refs
//! of its items in batches: `next(sid, n)` waits for one ref and adds those ready, up to
//! `n`; the client gets their values itself (one get per batch), so no value passes
//! through the actor. A generator function runs wrapped in a task of the pump's that
//! yields lists of items (whatever the generator made since the last, waiting for the
//! first), so small items cost one Ray object per batch, not per item; an actor's
//! generator method streams one object per item. The client asks for the next batch only
//! when the last is used up. Dropping or cancelling a stream cancels its generator
//! (`ray.cancel`); the pump's calls are ordinary actor calls, so a reconnect within the
//! grace period resumes them like any other call.

use std::collections::VecDeque;
use std::fmt;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures::future::{BoxFuture, FutureExt};

use crate::actors::{ActorClass, ActorHandle};
use crate::client::Client;
use crate::error::{Error, Result};
use crate::object_ref::ObjectRef;
use crate::options::Options;
use crate::runtime;
use crate::tasks::{Kwargs, RemoteFunction};
use crate::value::Value;

/// The pump actor's source and class name.
const PUMP_SOURCE: &str = include_str!("streams/pump.py");
const PUMP_CLASS: &str = "RayClientItemStreams";

/// The buffer of a generator function's stream when its options do not say
/// (`_generator_backpressure_num_objects`): items per batch, at most (batches also end
/// at 4 MiB).
pub const DEFAULT_STREAM_BUFFER: usize = 1024;
/// The buffer of an actor generator method's stream when its options do not say: items
/// waiting unread on the cluster (each is an object of its own there).
pub const DEFAULT_METHOD_STREAM_BUFFER: usize = 64;

/// The items of a generator on the cluster, in the order it yields them.
///
/// Read it with [`next_item`](Self::next_item) (blocking; also as an iterator:
/// [`iter`](Self::iter), `for item in stream`), [`next_async`](Self::next_async), or as a
/// [`futures::Stream`]: each gives the next item, `None` (the iterator's
/// end) once the generator returned, or the exception the generator raised, after the
/// items it yielded before it (the stream ends there). How much is held beyond what was
/// read is bounded by the stream's buffer (see [`Client::call_streaming`]).
///
/// Dropping the stream before its end, or [`cancel`](Self::cancel), stops the generator
/// on the cluster (`ray.cancel`; for an actor's generator method on Ray before 2.60, Ray
/// cannot stop it: it runs on to its end unread, as it would for a Python driver).
///
/// Thread-safety: `Send` and `Sync`; reads from several threads are served one at a time,
/// each item to exactly one reader.
pub struct ItemStream {
    inner: Arc<StreamInner>,
    /// The read in progress when polled as a `futures::Stream` (in a mutex only so that
    /// the stream is `Sync`: polling has `&mut self`).
    polling: std::sync::Mutex<Option<BoxFuture<'static, Result<Option<Value>>>>>,
}

struct StreamInner {
    client: Client,
    pump: ActorHandle,
    sid: i64,
    buffer: usize,
    /// The pump's refs are of lists of items (a generator function's stream), not of
    /// items.
    batched: bool,
    /// Set once the stream reached its end, failed, or was cancelled: nothing to stop.
    finished: AtomicBool,
    state: tokio::sync::Mutex<State>,
}

#[derive(Default)]
struct State {
    items: VecDeque<Value>,
    /// The pump call whose batch comes next.
    pending: Option<ObjectRef>,
    /// The generator's exception (or the failure that ended the stream), read after the
    /// items before it.
    error: Option<Error>,
    done: bool,
}

impl Client {
    /// Calls the generator function `function(*args, **kwargs)` on the cluster and
    /// returns its items as they are yielded (Python's `f.options(num_returns=
    /// "streaming").remote(...)`). The task starts at once, with `function`'s options.
    ///
    /// Buffering: the option `_generator_backpressure_num_objects` (default
    /// [`DEFAULT_STREAM_BUFFER`]; [`DEFAULT_METHOD_STREAM_BUFFER`] for a method) is the
    /// buffer `b`. A generator function's items travel in batches of up to `b` items and
    /// 4 MiB (at least one item): the generator runs ahead of the reader by at most one
    /// batch in its own process, plus five on their way (up to two that Ray holds, as its
    /// back-pressure lets one more through on Ray 2.9, one in the queue of the client's
    /// actor on the cluster, one fetched ahead and one being read). An actor's generator method sends each item on
    /// its own: Ray pauses it while `b` of them wait, the actor queues `b` more, and the
    /// client takes up to `b` at a time, one batch ahead.
    pub fn call_streaming(
        &self,
        function: &RemoteFunction,
        args: Vec<Value>,
        kwargs: Kwargs,
    ) -> Result<ItemStream> {
        let (declared, options) = function.options.split_declared();
        let payload = self.payload(&function.code, &declared)?;
        let target = Target {
            what: Value::Tuple(vec![
                "function".into(),
                Value::List(vec![Value::ObjectRef(payload)]),
                declared.to_value().unwrap_or(Value::None),
            ]),
            buffer: stream_buffer(&options, DEFAULT_STREAM_BUFFER)?,
            fallback: false,
            // A task is stopped by ray.cancel on every release.
            stoppable: true,
            batched: true,
        };
        self.open_stream(target, &options, args, kwargs)
    }

    /// Calls the generator method `actor.method(*args, **kwargs)` with `options` and
    /// returns its items as they are yielded; buffering as for
    /// [`call_streaming`](Self::call_streaming).
    pub fn call_method_streaming(
        &self,
        actor: &ActorHandle,
        method: &str,
        args: Vec<Value>,
        kwargs: Kwargs,
        options: &Options,
    ) -> Result<ItemStream> {
        self.check_method(actor, method)?;
        let capabilities = &self.inner.capabilities;
        let target = Target {
            what: Value::Tuple(vec![
                "method".into(),
                Value::ActorHandle(actor.clone()),
                method.into(),
            ]),
            buffer: stream_buffer(options, DEFAULT_METHOD_STREAM_BUFFER)?,
            // Where Ray refuses back-pressure for async actors, the pump opens their
            // streams again without it.
            fallback: !capabilities.async_actor_generator_backpressure,
            stoppable: capabilities.stops_actor_generators,
            batched: false,
        };
        self.open_stream(target, options, args, kwargs)
    }

    fn open_stream(
        &self,
        target: Target,
        options: &Options,
        args: Vec<Value>,
        kwargs: Kwargs,
    ) -> Result<ItemStream> {
        let Target {
            what,
            buffer,
            fallback,
            stoppable,
            batched,
        } = target;
        // Values Ray refuses are refused here, before the generator is called, as for a call.
        options.check()?;
        let options = options
            .without("_generator_backpressure_num_objects")
            .without("num_returns");
        let options = self.prepared_options(&options)?;
        let pump = self.stream_pump()?;
        let sid = self.inner.next_stream_id();
        let kwargs = kwargs
            .into_iter()
            .map(|(k, v)| (Value::Str(k), v))
            .collect();
        let start = Value::Tuple(vec![
            what,
            options.to_value().unwrap_or(Value::None),
            Value::List(args),
            Value::Dict(kwargs),
            Value::Int(buffer as i64),
            Value::Bool(fallback),
            Value::Bool(stoppable),
        ]);
        let first = self.call_method(
            &pump,
            "next",
            vec![Value::Int(sid), Value::Int(buffer as i64), start],
            vec![],
        )?;
        Ok(ItemStream {
            inner: Arc::new(StreamInner {
                client: self.clone(),
                pump,
                sid,
                buffer,
                batched,
                finished: AtomicBool::new(false),
                state: tokio::sync::Mutex::new(State {
                    pending: Some(first),
                    ..State::default()
                }),
            }),
            polling: Default::default(),
        })
    }

    /// This client's pump actor, created at its first stream.
    fn stream_pump(&self) -> Result<ActorHandle> {
        let mut pump = self.inner.stream_pump.lock().unwrap();
        if let Some(p) = pump.as_ref() {
            return Ok(p.clone());
        }
        let class = ActorClass::from_source(PUMP_SOURCE, PUMP_CLASS)?
            .with_options(Options::new().num_cpus(0.0));
        let created = self.create_actor(&class, vec![], vec![])?;
        created.id_blocking()?;
        *pump = Some(created.clone());
        Ok(created)
    }
}

/// What a stream runs, as the pump's `_open` reads it, and how the pump treats it.
struct Target {
    /// `("function", [code ref], declared options)` or `("method", actor, name)`.
    what: Value,
    buffer: usize,
    /// Open it again without back-pressure when Ray refuses that (async actors).
    fallback: bool,
    /// `ray.cancel` stops the generator on this release.
    stoppable: bool,
    /// The pump's refs are of batches (lists) of items.
    batched: bool,
}

/// The buffer of a stream with `options`: `_generator_backpressure_num_objects` (a whole
/// number from 1), or `default`.
fn stream_buffer(options: &Options, default: usize) -> Result<usize> {
    match options.get("_generator_backpressure_num_objects") {
        None | Some(Value::None) => Ok(default),
        Some(Value::Int(n)) if (1..=1_000_000).contains(n) => Ok(*n as usize),
        Some(other) => Err(Error::invalid(format!(
            "_generator_backpressure_num_objects (the stream's buffer) must be a whole \
             number from 1 to 1000000, got {}",
            other.repr()
        ))),
    }
}

impl ItemStream {
    /// The next item, waiting as long as it takes; `None` at the end.
    pub fn next_item(&self) -> Result<Option<Value>> {
        self.next_item_timeout(None)
    }

    /// The next item, waiting up to `timeout` (`None`: no limit), then failing with
    /// [`ErrorKind::Timeout`](crate::ErrorKind::Timeout); the stream keeps its place, so
    /// a later read gets that item.
    pub fn next_item_timeout(&self, timeout: Option<Duration>) -> Result<Option<Value>> {
        let inner = self.inner.clone();
        runtime::block_on(async move { inner.next(timeout).await })
    }

    /// Asynchronous [`next_item_timeout`](Self::next_item_timeout).
    pub async fn next_async(&self, timeout: Option<Duration>) -> Result<Option<Value>> {
        let inner = self.inner.clone();
        runtime::join(runtime::spawn(async move { inner.next(timeout).await })).await
    }

    /// Stops the generator on the cluster; the items not read yet are dropped and the
    /// stream ends. Cancelling a stream that already ended does nothing.
    pub fn cancel(&self) -> Result<()> {
        self.inner.stop()
    }

    /// The client the stream reads through.
    #[cfg(feature = "c-api")]
    pub(crate) fn client(&self) -> &Client {
        &self.inner.client
    }

    /// The buffer (see [`Client::call_streaming`]).
    pub fn buffer(&self) -> usize {
        self.inner.buffer
    }

    /// An [`ItemStream`] read by the C ABI's asynchronous form on the I/O thread.
    #[cfg(feature = "c-api")]
    pub(crate) fn next_on_io_thread(
        &self,
        timeout: Option<Duration>,
    ) -> BoxFuture<'static, Result<Option<Value>>> {
        let inner = self.inner.clone();
        async move { inner.next(timeout).await }.boxed()
    }
}

impl StreamInner {
    async fn next(&self, timeout: Option<Duration>) -> Result<Option<Value>> {
        let mut state = self.state.lock().await;
        loop {
            if let Some(item) = state.items.pop_front() {
                return Ok(Some(item));
            }
            if let Some(error) = state.error.take() {
                return Err(error);
            }
            if state.done {
                return Ok(None);
            }
            let pending = match state.pending.clone() {
                Some(p) => p,
                None => {
                    let call = self.next_call()?;
                    state.pending = Some(call.clone());
                    call
                }
            };
            let reply = self.client.get_on_io_thread(&[pending], timeout).await;
            let reply = match reply {
                // A timeout keeps the call: the next read waits for the same batch.
                Err(e) if e.kind() == crate::ErrorKind::Timeout => return Err(e),
                other => {
                    state.pending = None;
                    other
                }
            };
            let batch = reply.and_then(|mut v| Batch::read(v.pop().expect("one value")));
            let done = match batch {
                Ok(b) => {
                    // The next batch is asked for at once: the actor waits for it while
                    // this one's values come and are read.
                    if !b.done {
                        state.pending = Some(self.next_call()?);
                    }
                    self.take_values(&mut state, &b.refs).await;
                    b.done
                }
                Err(e) => {
                    state.error = Some(e);
                    true
                }
            };
            if done {
                state.done = true;
                self.finished.store(true, Ordering::Relaxed);
            }
        }
    }

    /// Asks the pump for the stream's next batch of refs.
    fn next_call(&self) -> Result<ObjectRef> {
        self.client.call_method(
            &self.pump,
            "next",
            vec![Value::Int(self.sid), Value::Int(self.buffer as i64)],
            vec![],
        )
    }

    /// Gets the values of the pump's `refs` into `state` (one get for all); when that
    /// fails, one by one, so that the items before a failed one (the generator's
    /// exception) come first, then the failure, which ends the stream.
    async fn take_values(&self, state: &mut State, refs: &[ObjectRef]) {
        if refs.is_empty() {
            return;
        }
        if let Ok(values) = self.client.get_on_io_thread(refs, None).await {
            for v in values {
                if let Err(e) = self.push(state, v) {
                    state.error = Some(e);
                    state.done = true;
                    return;
                }
            }
            return;
        }
        for r in refs {
            let got = self
                .client
                .get_on_io_thread(std::slice::from_ref(r), None)
                .await;
            if let Err(e) = got.and_then(|mut v| self.push(state, v.pop().expect("one value"))) {
                // The stream ends at its failure; the generator ended there too (or,
                // when the get itself failed, is stopped when the stream goes).
                state.error = Some(e);
                state.done = true;
                return;
            }
        }
    }

    /// Adds the value of one of the pump's refs: an item, or a list of items.
    fn push(&self, state: &mut State, value: Value) -> Result<()> {
        match (self.batched, value) {
            (false, item) => state.items.push_back(item),
            (true, Value::List(items)) => state.items.extend(items),
            (true, _) => return Err(Error::protocol("a stream's batch is not a list")),
        }
        Ok(())
    }

    /// Cancels the generator unless the stream ended; fire and forget (the pump's reply
    /// is not waited for).
    fn stop(&self) -> Result<()> {
        if self.finished.swap(true, Ordering::Relaxed) {
            return Ok(());
        }
        if let Ok(mut state) = self.state.try_lock() {
            state.done = true;
            state.items.clear();
            state.error = None;
        }
        self.client
            .call_method(&self.pump, "close", vec![Value::Int(self.sid)], vec![])
            .map(drop)
    }
}

impl Drop for ItemStream {
    fn drop(&mut self) {
        // Reads still in progress (the C ABI's asynchronous ones) hold the inner part;
        // the stream's owner is done with it now. A client already closed has taken its
        // actors, the pump's generators with them.
        let _ = self.inner.stop();
    }
}

/// One reply of the pump's `next`: `(refs, done)`.
struct Batch {
    refs: Vec<ObjectRef>,
    done: bool,
}

impl Batch {
    fn read(reply: Value) -> Result<Batch> {
        let bad = || Error::protocol("the stream's pump sent an unexpected reply");
        let Value::Tuple(parts) = reply else {
            return Err(bad());
        };
        let [Value::List(refs), Value::Bool(done)] =
            <[Value; 2]>::try_from(parts).map_err(|_| bad())?
        else {
            return Err(bad());
        };
        let refs = refs
            .into_iter()
            .map(|r| match r {
                Value::ObjectRef(r) => Ok(r),
                _ => Err(bad()),
            })
            .collect::<Result<_>>()?;
        Ok(Batch { refs, done })
    }
}

/// An [`ItemStream`] read as a blocking iterator ([`ItemStream::iter`], or `for item in
/// stream`): each `next` is a [`next_item`](ItemStream::next_item).
pub struct Items<S> {
    stream: S,
}

impl<S: std::borrow::Borrow<ItemStream>> Iterator for Items<S> {
    type Item = Result<Value>;

    fn next(&mut self) -> Option<Result<Value>> {
        self.stream.borrow().next_item().transpose()
    }
}

impl IntoIterator for ItemStream {
    type Item = Result<Value>;
    type IntoIter = Items<ItemStream>;

    fn into_iter(self) -> Items<ItemStream> {
        Items { stream: self }
    }
}

impl ItemStream {
    /// The items as a blocking iterator.
    pub fn iter(&self) -> Items<&ItemStream> {
        Items { stream: self }
    }
}

impl futures::Stream for ItemStream {
    type Item = Result<Value>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let inner = self.inner.clone();
        let polling = self.polling.get_mut().unwrap_or_else(|e| e.into_inner());
        // On the library's runtime, whichever executor polls the stream.
        let read = polling.get_or_insert_with(|| {
            runtime::join(runtime::spawn(async move { inner.next(None).await })).boxed()
        });
        match read.as_mut().poll(cx) {
            Poll::Ready(r) => {
                *polling = None;
                Poll::Ready(r.transpose())
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl fmt::Debug for ItemStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ItemStream")
            .field("id", &self.inner.sid)
            .field("buffer", &self.inner.buffer)
            .finish()
    }
}
