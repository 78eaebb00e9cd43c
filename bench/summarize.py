"""The tables of `bench/run`: reads its results file (one line per run: workload, client
("python" / "ours"), the run's JSON or nothing when it failed) and prints the main table,
the latency comparison and the pickle comparison for the workloads it holds, with the
ratios where both clients ran.

    python bench/summarize.py RESULTS CORES RAY_VERSION
"""
import collections
import datetime
import json
import statistics
import sys

results, cores, ray_version = sys.argv[1], int(sys.argv[2]), sys.argv[3]
NAMES = {"python": "Python", "ours": "ray-client"}
# The stream workloads: how many items each generator yields.
STREAMS = {"stream_10k_small": 10000, "stream_100_1m": 100}
SIZES = {"put_1m": 1, "get_1m": 1, "put_64m": 64, "get_64m": 64, "put_512m": 512,
         "get_512m": 512, "numpy_put_64m": 64, "numpy_get_64m": 64}

rows = collections.defaultdict(lambda: collections.defaultdict(list))
failed = collections.Counter()
clients = []
for line in open(results):
    w, who, data = (line.rstrip("\n").split(" ", 2) + [""])[:3]
    if who not in clients:
        clients.append(who)
    if not data.strip():
        failed[(w, who)] += 1  # that run failed; its error is in the log above
        rows[w]  # a workload whose every run failed still gets its row ("failed")
        continue
    rows[w][who].append(json.loads(data))
both = clients == ["python", "ours"]


def main_table():
    table = {w: by for w, by in rows.items() if w not in ("latency", "pickle") and w not in STREAMS}
    if not table:
        return
    runs = max((len(by[c]) for by in table.values() for c in clients), default=0)
    print(f"{datetime.date.today()}, Ray {ray_version}, {cores} cores; medians of {runs} "
          f"{'alternating ' if both else ''}runs\n")
    if both:
        print("| workload | Python | ray-client | speed-up | CPU Python | CPU ours | CPU ratio | "
              "peak RSS Python | peak RSS ours | server CPU (Python / ours) | proxy CPU (Python / ours) | "
              "rest of machine CPU (Python / ours) | machine busy (Python / ours) |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    else:
        print(f"| workload | {NAMES[clients[0]]} | CPU | peak RSS | server CPU | proxy CPU | "
              "rest of machine CPU | machine busy |")
        print("|---|---|---|---|---|---|---|---|")
    for w, by in table.items():
        if not all(by[c] for c in clients):
            print(f"| {w} | " + " | ".join(["failed"] * (12 if both else 7)) + " |")
            continue
        med = lambda who, k: statistics.median(r[k] for r in by[who])

        def process(who, key):
            # CPU time of a cluster process during the workload: that client's server
            # ("server_cpu_seconds") or the client proxy every message passes through
            # ("proxy_cpu_seconds"); "-" where it could not be read, e.g. for connect.
            times = [r[key] for r in by[who] if r.get(key) is not None]
            return f"{statistics.median(times):.2f} s" if times else "-"

        def machine(who):
            # What the rest of the machine (cluster, kernel, loopback network) spent during
            # the workload, and how busy all cores were: near 100% the client cannot go
            # faster by being cheaper, only by making the cluster do less.
            runs = [r for r in by[who] if r.get("machine_cpu_seconds") is not None]
            if not runs:
                return "-", "-"
            rest = statistics.median(r["machine_cpu_seconds"] - r["cpu_seconds"] for r in runs)
            busy = statistics.median(r["machine_cpu_seconds"] / (r["seconds"] * cores) for r in runs)
            return f"{rest:.2f} s", f"{busy * 100:.0f}%"

        if w in SIZES:
            fmt = lambda s: f"{SIZES[w] / s:.0f} MiB/s"
        else:
            fmt = lambda s: f"{s * 1e3:.0f} ms" if s < 10 else f"{s:.1f} s"
        if not both:
            c = clients[0]
            print(f"| {w} | {fmt(med(c, 'seconds'))} | {med(c, 'cpu_seconds'):.2f} s | "
                  f"{med(c, 'peak_rss_mib'):.0f} MiB | {process(c, 'server_cpu_seconds')} | "
                  f"{process(c, 'proxy_cpu_seconds')} | {machine(c)[0]} | {machine(c)[1]} |")
            continue
        p, o = med("python", "seconds"), med("ours", "seconds")
        cp, co = med("python", "cpu_seconds"), med("ours", "cpu_seconds")
        print(f"| {w} | {fmt(p)} | {fmt(o)} | {p / o:.2f}x | {cp:.2f} s | {co:.2f} s | "
              f"{(co / cp if cp else float('nan')):.2f} | {med('python', 'peak_rss_mib'):.0f} MiB | "
              f"{med('ours', 'peak_rss_mib'):.0f} MiB | "
              f"{process('python', 'server_cpu_seconds')} / {process('ours', 'server_cpu_seconds')} | "
              f"{process('python', 'proxy_cpu_seconds')} / {process('ours', 'proxy_cpu_seconds')} | "
              f"{machine('python')[0]} / {machine('ours')[0]} | "
              f"{machine('python')[1]} / {machine('ours')[1]} |")
    print()


def section(workload):
    """The runs of `workload` by client, for its own table; None when there are none, or
    when a client's runs all failed (said in place of the table)."""
    by = rows.get(workload)
    if by is None:
        return None
    if not all(by[c] for c in clients):
        print(f"{workload}: failed\n")
        return None
    return by


def latency():
    by = section("latency")
    if by is None:
        return
    print(f"{'operation':<28}" + "".join(f"{NAMES[c] + ' (ms)':>17}" for c in clients)
          + (f"{'python/ours':>13}" if both else ""))
    for key, label in [("connect_ms", "connect + first task"), ("put_get_ms", "small put + get"),
                       ("task_ms", "task round trip")]:
        m = {c: statistics.median(r[key] for r in by[c]) for c in clients}
        print(f"{label:<28}" + "".join(f"{m[c]:>17.2f}" for c in clients)
              + (f"{m['python'] / m['ours']:>12.2f}x" if both else ""))
    print()


def pickle():
    by = section("pickle")
    if by is None:
        return
    names = {"python": "CPython", "ours": "ray-client"}
    run = {c: by[c][0] for c in clients}
    sizes = {"bytes_100mib": 100.0, "list_1m_ints": None}
    print(f"{'workload':<16}{'op':<8}" + "".join(f"{names[c]:>13}" for c in clients)
          + (f"{'speedup':>9}" if both else ""))
    for name in run[clients[-1]]:
        for op in ("encode", "decode"):
            t = {c: run[c][name][op + "_s"] for c in clients}
            if sizes[name]:
                unit = lambda s: f"{sizes[name] / s:8.0f} MiB/s" if sizes[name] / s < 1e7 else "zero-copy"
            else:
                unit = lambda s: f"{s * 1e3:8.1f} ms   "
            print(f"{name:<16}{op:<8}" + "".join(f"{unit(t[c]):>13}" for c in clients)
                  + (f"{t['python'] / t['ours']:>8.1f}x" if both else ""))
    print()


def streams():
    """A generator's items: time to the first item and items per second (to the last),
    medians; Python's client through a dynamic generator (it cannot stream)."""
    table = {w: by for w, by in rows.items() if w in STREAMS and all(by[c] for c in clients)}
    if not table:
        return
    print("| stream | " + " | ".join(f"first item {NAMES[c]}" for c in clients)
          + " | " + " | ".join(f"items/s {NAMES[c]}" for c in clients)
          + (" | first item speed-up | rate speed-up |" if both else " |"))
    print("|---" * (1 + 2 * len(clients) + (2 if both else 0)) + "|")
    for w, by in table.items():
        first = {c: statistics.median(r["first_item_seconds"] for r in by[c]) for c in clients}
        rate = {c: STREAMS[w] / statistics.median(r["seconds"] for r in by[c]) for c in clients}
        cells = [f"{first[c] * 1e3:.0f} ms" for c in clients] + [f"{rate[c]:,.0f}" for c in clients]
        if both:
            cells += [f"{first['python'] / first['ours']:.1f}x", f"{rate['ours'] / rate['python']:.2f}x"]
        print(f"| {w} | " + " | ".join(cells) + " |")
    print()


main_table()
streams()
latency()
pickle()
for (w, who), n in sorted(failed.items()):
    print(f"{w}: {n} failed run(s) of the {'Python client' if who == 'python' else 'ray-client'}")
