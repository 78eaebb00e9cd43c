# The actor behind ray-client's item streams (src/streams.rs): one per client, created
# from this source when the client opens its first stream, so that nothing needs to be
# installed on the cluster. Ray's client server cannot hand a streaming generator's
# results to a client (it refuses num_returns="streaming"), but an actor can hold the
# generator as a Python driver would and give its items out in batches.
#
# It is an async actor: every stream's `next` waits for items without holding a thread,
# so any number of streams share it. Stream ids are the client's own. The generator task
# is submitted by this actor, which owns it: if the actor dies (its client disconnected,
# its node failed), Ray stops the generator.
#
# Runs on every Ray release the client supports (2.9 on Python 3.9 and later): only the
# public ObjectRefGenerator API (iteration, next_ready) and ray.cancel are used.
import ray
from ray.remote_function import RemoteFunction

# Ray 2.9-2.55 refuse generator back-pressure for async actors' methods (a ValueError
# raised when the method starts, before the user's code runs); those streams are opened
# again without it.
ASYNC_ACTOR_REFUSAL = "not supported for an async actor"


class _Stream:
    def __init__(self, submit, fallback):
        self.submit = submit
        self.fallback = fallback
        self.gen = submit(True)
        self.taken = 0


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
            if backpressure and buffer > 0:
                o["_generator_backpressure_num_objects"] = buffer
            return remote.options(**o).remote(*args, **kwargs)

        self.streams[sid] = _Stream(submit, fallback)

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
        while len(items) < max_items and (not items or stream.gen.next_ready()):
            try:
                ref = await stream.gen.__anext__()
            except StopAsyncIteration:
                self.streams.pop(sid, None)
                return items, None, True
            try:
                items.append(await ref)
            except Exception as e:
                if stream.fallback and stream.taken == 0 and ASYNC_ACTOR_REFUSAL in str(e):
                    stream.fallback = False
                    stream.gen = stream.submit(False)
                    continue
                self.streams.pop(sid, None)
                return items, [ref], True
            stream.taken += 1
        return items, None, False

    def close(self, sid):
        """Stops stream sid's generator (ray.cancel), and forgets it."""
        stream = self.streams.pop(sid, None)
        if stream is None:
            self.closed.add(sid)
        else:
            ray.cancel(stream.gen)
