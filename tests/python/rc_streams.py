"""Generators for the item stream tests (module rc_streams): generator functions and
actors with generator methods. The tests read what the generators did from the cluster's
KV store, namespace "rc_streams", where each writes under a key the test names."""
import asyncio
import time

from ray.experimental import internal_kv

NS = "rc_streams"


def _put(key, value):
    internal_kv._internal_kv_put(key, str(value), overwrite=True, namespace=NS)


def _get(key):
    v = internal_kv._internal_kv_get(key, namespace=NS)
    return None if v is None else v.decode()


def count(n, delay=0.0):
    """0, 1, ..., n-1."""
    for i in range(n):
        if delay:
            time.sleep(delay)
        yield i


def fail_after(n):
    """0 .. n-1, then raises ValueError."""
    for i in range(n):
        yield i
    raise ValueError(f"boom after {n}")


def lockstep(n, key):
    """Yields i, then waits until the test wrote i under key: item i must reach the client
    before item i+1 is produced (no time limit: a stream that holds items back shows as
    the test running on)."""
    for i in range(n):
        yield i
        while _get(key) != str(i):
            time.sleep(0.01)


def endless(key, size=0):
    """Yields 0, 1, 2, ... (as bytes of `size` when size > 0) for ever, writing how many it
    produced under key; writes key + ":stopped" when it is stopped."""
    i = 0
    try:
        while True:
            _put(key, i + 1)
            yield bytes(size) if size else i
            i += 1
    finally:
        _put(key + ":stopped", i)


def chunks(n, size):
    """n items of `size` bytes each (item i filled with byte i % 256)."""
    for i in range(n):
        yield bytes([i % 256]) * size


class Streamer:
    """A plain actor with generator methods."""

    def __init__(self, base=0):
        self.base = base

    def count(self, n):
        for i in range(n):
            yield self.base + i

    def endless(self, key):
        yield from endless(key)

    def fail_after(self, n):
        yield from fail_after(n)

    def ping(self):
        return "pong"


class AsyncStreamer:
    """An async actor with an async generator method."""

    async def count(self, n):
        for i in range(n):
            await asyncio.sleep(0)
            yield i

    async def ping(self):
        return "pong"
