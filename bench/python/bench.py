"""The Python Ray Client's side of `bench/run` (bench/bench.rs): same workloads, same JSON."""
import json
import os
import resource
import sys
import time

import numpy as np
import ray

import rc_test_tasks

# The workload's Python functions (tests/python) travel as the job's working_dir.
TEST_MODULES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "python")

workload, address = sys.argv[1], sys.argv[2]


def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def youngest_process(marker):
    """The youngest process whose command line contains `marker`."""
    best = None
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if marker not in open(f"/proc/{pid}/cmdline", "rb").read():
                continue
            start = int(open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[19])
        except (OSError, IndexError, ValueError):
            continue
        if best is None or start > best[0]:
            best = (start, pid)
    return best and best[1]


def process_cpu(pid):
    """User + system CPU seconds of process `pid` (None when it cannot be read)."""
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError, TypeError):
        return None


def machine_cpu():
    """Busy CPU seconds of the whole machine (not idle, not waiting for I/O), from
    /proc/stat, as bench/bench.rs reads it."""
    fields = [int(f) for f in open("/proc/stat").readline().split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def report(wall0, cpu0, cluster0=None, first_item=None):
    """Prints the JSON line; `cluster0` is cluster_cpu() from the start of the workload,
    `first_item` the seconds to a stream's first item."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    cluster1 = cluster_cpu() if cluster0 else None
    delta = lambda k: None if not cluster0 or None in (cluster0[k], cluster1[k]) \
        else cluster1[k] - cluster0[k]
    print(json.dumps({"seconds": time.perf_counter() - wall0, "cpu_seconds": cpu() - cpu0,
                      "peak_rss_mib": peak, "server_cpu_seconds": delta("server"),
                      "proxy_cpu_seconds": delta("proxy"),
                      "machine_cpu_seconds": delta("machine"),
                      **({"first_item_seconds": first_item} if first_item is not None else {})}))


def cluster_cpu():
    """CPU seconds so far of this client's server process (the youngest `specific-server`:
    the proxy starts one per client), of the client proxy every message passes through,
    and of the whole machine."""
    return {"server": process_cpu(server), "proxy": process_cpu(proxy),
            "machine": machine_cpu()}


wall0, cpu0 = time.perf_counter(), cpu()
ray.init(address, logging_level="ERROR", log_to_driver=False,
         runtime_env={"working_dir": TEST_MODULES,
                      "excludes": ["__pycache__"]})
nop = ray.remote(rc_test_tasks.nop)
ray.get(nop.remote())
if workload == "connect":
    report(wall0, cpu0)
    sys.exit(0)
server, proxy = youngest_process(b"specific-server"), youngest_process(b"--mode=proxy")

data = {
    "put_1m": lambda: b"\x5a" * (1 << 20),
    "put_64m": lambda: b"\x5a" * (64 << 20),
    "put_512m": lambda: b"\x5a" * (512 << 20),
    "numpy_put_64m": lambda: np.full(8 << 20, 1.5),
}.get(workload, lambda: None)()
stored = None
if workload in ("get_1m", "get_64m", "get_512m"):
    n = int(workload[len("get_"):-1])
    stored = ray.remote(rc_test_tasks.make_bytes).remote(n << 20)
    ray.wait([stored])
elif workload == "numpy_get_64m":
    stored = ray.remote(rc_test_tasks.make_array).remote(1024, 8192)
    ray.wait([stored])
actor = None
if workload.startswith("actor"):
    actor = ray.remote(rc_test_tasks.Counter).remote()
    ray.get(actor.get.remote())
waitees = [ray.put(i) for i in range(1000)] if workload == "wait_1000" else None
if workload.startswith("stream"):
    # As the Rust side warms its streams up: one small dynamic generator first.
    import rc_streams
    list(ray.get(ray.remote(rc_streams.count).options(num_returns="dynamic").remote(1)))

wall0, cpu0 = time.perf_counter(), cpu()
cluster0 = cluster_cpu()
if workload == "task_sync":
    for _ in range(500):
        ray.get(nop.remote())
elif workload == "tasks_pipelined":
    ray.get([nop.remote() for _ in range(5000)])
elif workload == "actor_sync":
    for _ in range(2000):
        ray.get(actor.incr.remote())
elif workload == "actor_pipelined":
    ray.get([actor.incr.remote() for _ in range(10000)])
elif workload == "request_floor":
    # The cheapest Datapath round trip (what the proxy and server cost per request).
    from ray.util.client import ray as client_api
    for _ in range(1000):
        client_api.worker.connection_info()
elif workload == "put_get_small":
    for i in range(1000):
        ray.get(ray.put(i))
elif workload in ("put_1m", "put_64m", "put_512m", "numpy_put_64m"):
    ray.put(data)
elif workload in ("get_1m", "get_64m", "get_512m", "numpy_get_64m"):
    ray.get(stored)
elif workload == "wait_1000":
    ray.wait(waitees, num_returns=len(waitees))
elif workload in ("stream_10k_small", "stream_100_1m"):
    # The best the Python client can do for a generator's items: it refuses
    # num_returns="streaming", so a dynamic generator gives the list of the items' refs
    # once the generator finished.
    import rc_streams
    if workload == "stream_10k_small":
        fn, args, n = rc_streams.count, (10000,), 10000
    else:
        fn, args, n = rc_streams.chunks, (100, 1 << 20), 100
    refs = list(ray.get(ray.remote(fn).options(num_returns="dynamic").remote(*args)))
    ray.get(refs[0])
    first = time.perf_counter() - wall0
    values = ray.get(refs[1:])
    assert len(values) + 1 == n
    report(wall0, cpu0, cluster0, first)
    sys.exit(0)
else:
    sys.exit("unknown workload " + workload)
report(wall0, cpu0, cluster0)
