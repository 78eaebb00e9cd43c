"""The Python Ray Client's side of `bench/run latency` (bench/latency.rs): same operations, same output."""
import json
import os
import statistics
import sys
import time

import ray

import rc_test_tasks

# The workload's Python functions (tests/python) travel as the job's working_dir.
TEST_MODULES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "python")

address = sys.argv[1]
reps = int(sys.argv[2]) if len(sys.argv) > 2 else 200

start = time.perf_counter()
ray.init(address, logging_level="ERROR",
         runtime_env={"working_dir": TEST_MODULES,
                      "excludes": ["__pycache__"]})
nop = ray.remote(rc_test_tasks.nop)
ray.get(nop.remote())
connect_ms = (time.perf_counter() - start) * 1e3

put_get, task = [], []
for i in range(reps):
    t = time.perf_counter()
    ray.get(ray.put(i))
    put_get.append((time.perf_counter() - t) * 1e3)
    t = time.perf_counter()
    ray.get(nop.remote())
    task.append((time.perf_counter() - t) * 1e3)

print(json.dumps({
    "connect_ms": round(connect_ms, 2),
    "put_get_ms": round(statistics.median(put_get), 3),
    "task_ms": round(statistics.median(task), 3),
}))
ray.shutdown()
