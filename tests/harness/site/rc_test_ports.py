"""Installed into the test clusters' virtualenvs by tests/harness/ray-cluster (with the line
`import rc_test_ports` in a .pth file), active only in processes started with
RC_TEST_SHUFFLE_SPECIFIC_PORTS=1 (the harness's clusters).

Ray's client proxy gives each client a server process on the first port of 23000-24000
that it can bind at that moment, a fixed list shared by every cluster on the machine.
Two clusters starting client servers at once (as the tests and the matrix run them) pick
the same port before either server has bound it, and both servers then bind it (gRPC sets
SO_REUSEPORT), so the kernel hands one cluster's clients to the other cluster's server
(seen: "Perhaps you called ray.init twice by accident?", a JobConfig from another Ray
release, sessions "already cleaned up"). Shuffling each proxy's list makes two proxies
picking the same free port at the same moment as unlikely as 1 in 1,000.
"""
import os
import sys

_TARGET = "ray.util.client.server.proxier"


def _shuffle_ports(module):
    import random

    manager = module.ProxyManager
    original = manager.__init__

    def __init__(self, *args, **kwargs):
        original(self, *args, **kwargs)
        random.shuffle(self._free_ports)

    manager.__init__ = __init__


class _Finder:
    """Patches the proxier module right after it is loaded."""

    def find_spec(self, name, path=None, target=None):
        if name != _TARGET:
            return None
        sys.meta_path.remove(self)
        try:
            import importlib.util

            spec = importlib.util.find_spec(name)
        finally:
            sys.meta_path.insert(0, self)
        if spec is None or spec.loader is None:
            return spec
        loader = spec.loader
        exec_module = loader.exec_module

        def exec_and_patch(module):
            exec_module(module)
            _shuffle_ports(module)

        loader.exec_module = exec_and_patch
        return spec


if os.environ.get("RC_TEST_SHUFFLE_SPECIFIC_PORTS") == "1":
    sys.meta_path.insert(0, _Finder())
