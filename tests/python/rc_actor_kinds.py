"""Actors of the kinds the Python client supports beyond plain classes: async methods,
concurrency groups, and per-method options declared with @ray.method. The tests create
them by reference (module rc_actor_kinds)."""
import asyncio
import threading

import ray

# A meeting waits for everyone with no time limit: calls that do not run together never
# all meet, which shows as the test running on (the project's tests have no time limits).


class AsyncMeeting:
    """An async actor: calls run concurrently on its event loop, up to max_concurrency."""

    def __init__(self):
        self.arrived = 0
        self.everyone = None

    async def meet(self, n):
        if self.everyone is None:
            self.everyone = asyncio.Event()
        self.arrived += 1
        if self.arrived >= n:
            self.everyone.set()
        await self.everyone.wait()
        return self.arrived

    async def echo(self, x):
        await asyncio.sleep(0)
        return x


class Grouped:
    """A threaded actor with concurrency groups: "io" runs two calls at once, the default
    group one."""

    def __init__(self):
        self.lock = threading.Lock()
        self.arrived = 0
        self.everyone = threading.Event()

    @ray.method(concurrency_group="io")
    def meet(self, n):
        with self.lock:
            self.arrived += 1
            if self.arrived >= n:
                self.everyone.set()
        self.everyone.wait()
        return self.arrived

    def group_of_default(self):
        return "default"


class Splitter:
    """Per-method options declared on the class."""

    @ray.method(num_returns=2)
    def split(self, a, b):
        return a, b

    def whole(self, a, b):
        return [a, b]
