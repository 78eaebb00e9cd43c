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


def sleep_then(seconds, value):
    import time

    time.sleep(seconds)
    return value


def nop():
    return None
