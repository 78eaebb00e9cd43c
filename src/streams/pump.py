# The actor behind ray-client's item streams (src/streams.rs): one per client, created
# from this source when the client opens its first stream, so that nothing needs to be
# installed on the cluster. Ray's client server cannot hand a streaming generator's
# results to a client (it refuses num_returns="streaming"), but an actor can hold the
# generator as a Python driver would and give its items out in batches.
#
# It is an async actor: a task per stream drains the generator into a queue of `buffer`
# items, and `next` takes what the queue holds (waiting for the first), so any number of
# streams share one actor without holding threads. Stream ids are the client's own. The
# generator task is submitted by this actor, which owns it: if the actor dies (its client
# disconnected, its node failed), Ray stops the generator.
#
# Runs on every Ray release the client supports (2.9 on Python 3.9 and later), with only
# the public ObjectRefGenerator API (async iteration) and ray.cancel; no blocking call
# (a blocking ray.get would stall every stream and make Ray warn).
import asyncio

import ray
from ray.remote_function import RemoteFunction

# Ray 2.9-2.55 refuse generator back-pressure for async actors' methods (a ValueError
# raised when the method starts, before the user's code runs); those streams are opened
# again without it.
ASYNC_ACTOR_REFUSAL = "not supported for an async actor"

ITEM, END, ERROR = 0, 1, 2


class _Refused(Exception):
    pass


class _Stream:
    def __init__(self, submit, buffer, fallback):
        self.queue = asyncio.Queue(maxsize=buffer)
        # The first submission here, so that Ray's refusal of the options reaches the
        # client as the error of its first read.
        self.gen = submit(True)
        self.task = asyncio.ensure_future(self.drain(submit, fallback))

    async def drain(self, submit, fallback):
        backpressure = True
        while True:
            try:
                await self.drain_once(fallback and backpressure)
                return
            except _Refused:
                backpressure = False
                self.gen = submit(False)
            except asyncio.CancelledError:
                raise
            except BaseException as e:  # the pump's own failure, for the reader
                await self.queue.put((ERROR, e))
                return

    async def drain_once(self, may_be_refused):
        taken = 0
        async for ref in self.gen:
            try:
                value = await ref
            except Exception as e:
                if may_be_refused and taken == 0 and ASYNC_ACTOR_REFUSAL in str(e):
                    raise _Refused() from None
                await self.queue.put((ERROR, [ref]))
                return
            taken += 1
            await self.queue.put((ITEM, value))
        await self.queue.put((END, None))


class RayClientItemStreams:
    def __init__(self):
        self.streams = {}
        # Ids closed before their `next(..., start)` ran: an async actor may run a
        # client's calls out of order.
        self.closed = set()
        # Remote functions made from a client's code refs, by ref and declared options.
        self.remotes = {}

    async def _open(self, sid, target, options, args, kwargs, buffer, fallback):
        options = dict(options or {})
        options["num_returns"] = "streaming"
        if target[0] == "function":
            code, declared = target[1][0], target[2]
            key = (code.hex(), repr(declared))
            remote = self.remotes.get(key)
            if remote is None:
                fn = await code
                if isinstance(fn, RemoteFunction):
                    remote = fn
                elif declared:
                    remote = ray.remote(**declared)(fn)
                else:
                    remote = ray.remote(fn)
                self.remotes[key] = remote
        else:
            remote = getattr(target[1], target[2])

        def submit(backpressure):
            o = dict(options)
            if backpressure:
                o["_generator_backpressure_num_objects"] = buffer
            return remote.options(**o).remote(*args, **kwargs)

        self.streams[sid] = _Stream(submit, buffer, fallback)

    async def next(self, sid, max_items, start=None):
        """Up to max_items items of stream sid: waits for the first, then takes those
        ready. Returns (items, error, done): error is None or [ref of the failed item],
        which the client gets to read the exception as any task's."""
        if start is not None:
            if sid in self.closed:
                self.closed.discard(sid)
                return [], None, True
            await self._open(sid, *start)
        stream = self.streams.get(sid)
        if stream is None:
            return [], None, True
        items = []
        kind, x = await stream.queue.get()
        while True:
            if kind == END:
                self.streams.pop(sid, None)
                return items, None, True
            if kind == ERROR:
                self.streams.pop(sid, None)
                if isinstance(x, BaseException):
                    raise x
                return items, x, True
            items.append(x)
            if len(items) >= max_items or stream.queue.empty():
                return items, None, False
            kind, x = stream.queue.get_nowait()

    def close(self, sid):
        """Stops stream sid's generator (ray.cancel), and forgets it."""
        stream = self.streams.pop(sid, None)
        if stream is None:
            self.closed.add(sid)
            return
        stream.task.cancel()
        ray.cancel(stream.gen)
