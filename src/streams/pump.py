# The actor behind ray-client's item streams (src/streams.rs): one per client, created
# from this source when the client opens its first stream, so that nothing needs to be
# installed on the cluster. Ray's client server cannot hand a streaming generator's
# results to a client (it refuses num_returns="streaming"), but an actor can hold the
# generator as a Python driver would and give the refs of its items out in batches; the
# client gets their values itself, so no value passes through this actor.
#
# A generator function runs inside `batches` (below), a streaming task made with the
# function's options that yields *lists* of items: a thread runs the user's generator
# into a queue of up to `buffer` items and BATCH_BYTES, and the task yields whatever the
# queue holds whenever it holds something (waiting for the first). One
# Ray object per batch instead of per item is what makes small items fast (Ray's
# streaming costs about 0.2 ms per object); waiting only for the first keeps every item
# as prompt as the generator makes it. An actor's generator method cannot be wrapped
# (it runs in the actor), so its items stream one object each.
#
# It is an async actor: a task per stream drains the generator's refs into a queue, and
# `next` takes what the queue holds (waiting for the first), so any number of streams
# share one actor without holding threads. Stream ids are the client's own. The
# generator task is submitted by this actor, which owns it: if the actor dies (its client
# disconnected, its node failed), Ray stops the generator.
#
# Runs on every Ray release the client supports (2.9 on Python 3.9 and later), with only
# the public ObjectRefGenerator API (async iteration) and ray.cancel; no blocking call
# (a blocking ray.get would stall every stream and make Ray warn).
import asyncio
import collections
import inspect
import sys
import threading

import ray
from ray.remote_function import RemoteFunction

# Ray 2.9-2.55 refuse generator back-pressure for async actors' methods (a ValueError
# raised when the method starts, before the user's code runs); those streams are opened
# again without it.
ASYNC_ACTOR_REFUSAL = "not supported for an async actor"

# A batch of a generator function's items holds up to `buffer` items and this many bytes
# (at least one item; sizes as sys.getsizeof counts them).
BATCH_BYTES = 4 << 20

ITEM, END, ERROR = 0, 1, 2

# Options of a function that Ray takes in @ray.remote(...) only, not in .options(...).
DECLARED_ONLY = ("max_calls",)


class _Items:
    """The queue between the user's generator (its own thread) and `batches`: holds up to
    `limit` items and BATCH_BYTES (always at least one item), so that the generator runs
    ahead of its reader by one batch at most, whatever its items' sizes."""

    def __init__(self, limit):
        self.limit, self.items, self.bytes = limit, collections.deque(), 0
        self.cond = threading.Condition()

    def put(self, entry, size, stop):
        """Waits for room; False when `stop` was set first."""
        with self.cond:
            while self.items and (len(self.items) >= self.limit or self.bytes + size > BATCH_BYTES):
                if stop.is_set():
                    return False
                self.cond.wait(0.1)
            self.items.append((entry, size))
            self.bytes += size
            self.cond.notify_all()
            return True

    def take(self):
        """What the queue holds, waiting for at least one entry."""
        with self.cond:
            while not self.items:
                self.cond.wait()
            taken = list(self.items)
            self.items.clear()
            self.bytes = 0
            self.cond.notify_all()
            return [entry for entry, _ in taken]


def _produce(gen, items, stop):
    """The thread of `batches`: runs the user's generator into `items`, which blocks it
    when full; closes the generator (its finally runs) when `stop` is set."""
    try:
        for item in gen:
            if not items.put((ITEM, item), sys.getsizeof(item), stop):
                gen.close()
                return
        items.put((END, None), 0, stop)
    except BaseException as e:  # the generator's exception, raised by `batches` in turn
        items.put((ERROR, e), 0, stop)


def batches(fn, name, buffer, args, kwargs):
    """A streaming task yielding lists of the items of generator `fn(*args, **kwargs)`:
    each time what the generator made since the last (waiting for the first)."""
    gen = fn(*args, **kwargs)
    if not inspect.isgenerator(gen):
        raise TypeError(f"{name} is not a generator function: it returned {type(gen).__name__}")
    items, stop = _Items(buffer), threading.Event()
    thread = threading.Thread(target=_produce, args=(gen, items, stop), daemon=True)
    thread.start()
    try:
        while True:
            batch = []
            for kind, x in items.take():
                if kind == ITEM:
                    batch.append(x)
                    continue
                if batch:
                    yield batch
                if kind == ERROR:
                    raise x
                return
            yield batch
    finally:
        # Cancelled (ray.cancel interrupts this thread) or done: the user's generator is
        # closed in its own thread.
        stop.set()


class _Stream:
    def __init__(self, submit, depth, fallback, stoppable):
        self.refs = asyncio.Queue(maxsize=depth)
        # Whether ray.cancel stops the generator (the client knows per release); where it
        # cannot, a cancel can leave the stream stuck (Ray 2.20), so none is sent.
        self.stoppable = stoppable
        # The first submission here, so that Ray's refusal of the options reaches the
        # client as the error of its first read.
        self.gen = submit(True)
        self.task = asyncio.ensure_future(self.drain(submit, fallback))

    async def drain(self, submit, fallback):
        try:
            async for ref in self.gen:
                if fallback:
                    # Whether Ray refused back-pressure shows in the first item only.
                    fallback = False
                    try:
                        await ref
                    except Exception as e:
                        if ASYNC_ACTOR_REFUSAL in str(e):
                            self.gen = submit(False)
                            await self.drain(submit, False)
                            return
                await self.refs.put((ITEM, ref))
            await self.refs.put((END, None))
        except asyncio.CancelledError:
            raise
        except BaseException as e:  # the pump's own failure, for the reader
            await self.refs.put((ERROR, e))


class RayClientItemStreams:
    def __init__(self):
        self.streams = {}
        # Ids closed before their `next(..., start)` ran: an async actor may run a
        # client's calls out of order.
        self.closed = set()
        # The `batches` task made with a function's declared options, by code ref.
        self.remotes = {}
        # Closed streams' generators that Ray could not stop, read to their end.
        self.discarding = set()

    async def _open(self, sid, target, options, args, kwargs, buffer, fallback, stoppable):
        options = dict(options or {})
        options["num_returns"] = "streaming"
        if target[0] == "function":
            code, declared = target[1][0], target[2]
            key = (code.hex(), repr(declared))
            made = self.remotes.get(key)
            if made is None:
                fn = await code
                defaults = {}
                if isinstance(fn, RemoteFunction):
                    defaults, fn = dict(fn._default_options), fn._function
                # What @ray.remote(...) alone takes goes there (the client's own
                # declared options over the function's).
                declared = {**{k: defaults.pop(k) for k in DECLARED_ONLY if k in defaults},
                            **(declared or {})}
                remote = ray.remote(**declared)(batches) if declared else ray.remote(batches)
                name = getattr(fn, "__name__", "generator")
                made = self.remotes[key] = (remote, fn, name, defaults)
            remote, fn, name, defaults = made
            # Ray's task name, in its dashboard and errors, is the user's function's.
            options = {"name": name, **defaults, **options}
            args, kwargs, depth = (fn, name, buffer, args, kwargs), {}, 1
            # Ray holds one batch ahead; the pump's queue another.
            backpressure = 1
        else:
            remote = getattr(target[1], target[2])
            depth = backpressure = buffer

        def submit(with_backpressure):
            o = dict(options)
            if with_backpressure:
                o["_generator_backpressure_num_objects"] = backpressure
            return remote.options(**o).remote(*args, **kwargs)

        self.streams[sid] = _Stream(submit, depth, fallback, stoppable)

    async def next(self, sid, max_refs, start=None):
        """The refs of stream sid's next items (of batches of items, for a function):
        waits for the first, then takes those ready, up to max_refs. Returns (refs,
        done); the client gets the refs' values (the generator's exception is the
        value of the last)."""
        if start is not None:
            if sid in self.closed:
                self.closed.discard(sid)
                return [], True
            await self._open(sid, *start)
        stream = self.streams.get(sid)
        if stream is None:
            return [], True
        refs = []
        kind, x = await stream.refs.get()
        while True:
            if kind == END:
                self.streams.pop(sid, None)
                return refs, True
            if kind == ERROR:
                self.streams.pop(sid, None)
                raise x
            refs.append(x)
            if len(refs) >= max_refs or stream.refs.empty():
                return refs, False
            kind, x = stream.refs.get_nowait()

    def close(self, sid):
        """Stops stream sid's generator (ray.cancel), and forgets it."""
        stream = self.streams.pop(sid, None)
        if stream is None:
            self.closed.add(sid)
            return
        stream.task.cancel()
        # A `next` waiting for this stream's queue returns (the end); a full queue has no
        # reader waiting.
        try:
            stream.refs.put_nowait((END, None))
        except asyncio.QueueFull:
            pass
        if stream.stoppable:
            ray.cancel(stream.gen)
        # Where Ray cannot stop it (an actor's generator method before Ray 2.60), the
        # generator runs on: its items are taken and dropped, so that back-pressure does
        # not hold it, and its actor, for ever (as a Python driver's dropped generator).
        # Where it can, this reads the cancellation's end.
        discard = asyncio.ensure_future(self._discard(stream.gen))
        self.discarding.add(discard)
        discard.add_done_callback(self.discarding.discard)

    @staticmethod
    async def _discard(gen):
        try:
            async for _ in gen:
                pass
        except Exception:  # the cancellation's error, or the generator's own
            pass
