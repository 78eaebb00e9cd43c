"""Functions and classes that the ray-client tests call on the cluster by reference."""


def square(x):
    return x * x


def add(a, b, c=0):
    return a + b + c


def echo(*args, **kwargs):
    """Returns what it was given, so a test can see how arguments arrived."""
    return {"args": list(args), "kwargs": kwargs}


def identity(x):
    return x


def type_name(x):
    return type(x).__name__


def boom(x):
    raise ValueError("bad value %r" % (x,))


def make_bytes(n):
    return b"\xab" * n


def byte_sum(data):
    return sum(data[:1024]) + len(data)


def unpickle(data):
    """CPython's reading of a pickle made by a client (pickle.loads itself is a builtin,
    which Ray does not take as a remote function)."""
    import pickle

    return pickle.loads(data)


def pickle_of(x):
    import pickle

    return pickle.dumps(x, protocol=5)


def sleep_then(seconds, value):
    import time

    time.sleep(seconds)
    return value


def nop():
    return None


def pair(x):
    return x, x + 1


def put_nested(x):
    import ray

    return [ray.put(x)]


def task_resources():
    import ray

    ctx = ray.get_runtime_context()
    return {"node_id": ctx.get_node_id(), "resources": ctx.get_assigned_resources()}


def node_id():
    import ray

    return ray.get_runtime_context().get_node_id()


def env_var(name):
    import os

    return os.environ.get(name)


def make_array(rows, cols):
    import numpy as np

    return np.arange(rows * cols, dtype=np.float64).reshape(rows, cols)


def describe_array(a):
    return {
        "type": type(a).__module__ + "." + type(a).__name__,
        "dtype": str(a.dtype),
        "shape": list(a.shape),
        "sum": float(a.sum()),
        "first": a.flat[0].item() if a.size else None,
        "writeable": bool(a.flags.writeable),
        "c_contiguous": bool(a.flags.c_contiguous),
    }


def call_actor(handle, k):
    import ray

    return ray.get(handle.incr.remote(k))


def fail_once(path):
    """Raises the first time it runs (per marker file), then succeeds."""
    import os

    if not os.path.exists(path):
        open(path, "w").close()
        raise RuntimeError("first attempt fails")
    return "second attempt"


class Counter:
    def __init__(self, start=0):
        self.n = start

    def incr(self, k=1):
        self.n += k
        return self.n

    def get(self):
        return self.n

    def pair(self):
        return self.n, -self.n

    def pid(self):
        import os

        return os.getpid()

    def die(self):
        import os

        os._exit(1)

    def slow(self, seconds):
        import time

        time.sleep(seconds)
        return seconds

    def overlap(self, seconds):
        """Sleeps; records how many calls were running at once (threaded actors)."""
        import threading
        import time

        if not hasattr(self, "_lock"):
            self._lock, self._active, self._max_active = threading.Lock(), 0, 0
        with self._lock:
            self._active += 1
            self._max_active = max(self._max_active, self._active)
        time.sleep(seconds)
        with self._lock:
            self._active -= 1
        return self._max_active

    def max_active(self):
        return getattr(self, "_max_active", 0)


def shout(msg):
    """Prints to stdout and stderr, for the log streaming tests."""
    import sys

    print(msg, flush=True)
    print(msg + " on stderr", file=sys.stderr, flush=True)
    return len(msg)


# --- Issue 15: values numpy code returns, cancellation, keys Go maps cannot hold. ---


def numpy_scalars():
    """One numpy scalar of every kind numpy arrays commonly hold, plus the everyday sum
    and mean of an array, keyed by what each should read as."""
    import numpy as np

    a = np.arange(12.0).reshape(3, 4)
    return {
        "sum": a.sum(),
        "mean": a.mean(),
        "int64": np.int64(-3),
        "int32": np.int32(7),
        "int16": np.int16(-300),
        "int8": np.int8(-8),
        "uint8": np.uint8(200),
        "uint16": np.uint16(60000),
        "uint32": np.uint32(4000000000),
        "uint64": np.uint64(18446744073709551615),
        "float32": np.float32(1.5),
        "float16": np.float16(0.25),
        "bool": np.bool_(True),
        "int_sum": np.arange(5).sum(),
    }


def numpy_total():
    import numpy as np

    return np.arange(12.0).reshape(3, 4).sum()


def spin_forever():
    """Runs until cancelled; sleeps in short steps so a non-force cancel can interrupt."""
    import time

    while True:
        time.sleep(0.1)


def tuple_keyed():
    """A dict whose keys are tuples, a frozenset and bytes (the usual non-str keys)."""
    return {(1, 2): "a", (3, "x"): "b", frozenset([4]): "c", b"k": "d", 5: "e"}


def raise_key_error(key):
    return {}[key]


def set_of(*items):
    return set(items)


def colour_print(msg):
    print("\x1b[31m" + msg + "\x1b[0m", flush=True)
    return msg


def my_task_id():
    import ray

    return ray.get_runtime_context().get_task_id()


def my_pid():
    import os

    return os.getpid()


def log_record(name, level, msg):
    """Logs `msg` through Python's logging at `level` (what the job's logging
    configuration formats); returns the root logger's level in this worker."""
    import logging

    logging.getLogger(name).log(level, msg)
    return logging.getLogger().getEffectiveLevel()
