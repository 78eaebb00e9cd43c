"""Cluster-side helpers of the reliability tests: side effects counted by an actor."""

import ray


class Tally:
    """Counts how many times each key was bumped, so a test can prove every task ran
    exactly once."""

    def __init__(self):
        self.counts = {}

    def bump(self, key):
        self.counts[key] = self.counts.get(key, 0) + 1
        return self.counts[key]

    def counts_of(self, keys):
        return [self.counts.get(k, 0) for k in keys]

    def total(self):
        return sum(self.counts.values())


def bump(tally, key):
    """A task with a side effect: one bump of `key` on the tally actor."""
    ray.get(tally.bump.remote(key))
    return key * 2


def digest(data):
    """sha256 of a bytes value, computed on the cluster."""
    import hashlib

    return hashlib.sha256(data).hexdigest()


def pattern(n, seed):
    """n bytes that the client can check without sending them: byte i is
    (i % 251) * seed % 251. The period, 251, does not divide the 5 MiB chunk size, so a
    chunk out of place or repeated shows."""
    import numpy as np

    base = ((np.arange(251, dtype=np.uint32) * seed) % 251).astype(np.uint8)
    return np.resize(base, n).tobytes()
