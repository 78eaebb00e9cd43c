"""CPython's pickle on the values of bench/pickle_bench.rs (`bench/run pickle`); prints the same JSON."""
import json
import pickle
import statistics
import sys
import time

reps = int(sys.argv[1]) if len(sys.argv) > 1 else 5


def timed(f):
    samples = []
    for _ in range(reps):
        t = time.perf_counter()
        f()
        samples.append(time.perf_counter() - t)
    return statistics.median(samples)


out = {}
for name, value in [("bytes_100mib", b"\x5a" * (100 << 20)),
                    ("list_1m_ints", [i % 1000 for i in range(1_000_000)])]:
    data = pickle.dumps(value, protocol=5)
    out[name] = {
        "encode_s": timed(lambda: pickle.dumps(value, protocol=5)),
        "decode_s": timed(lambda: pickle.loads(data)),
    }
print(json.dumps(out))
