"""`rayc` next to Python's `ray job` CLI, one run alternating between them (bench/jobs).

For each repetition, each CLI, in a fresh process:
  submit      `job submit --working-dir DIR -- python job.py`, following the log until the
              job SUCCEEDED: time to the job's first log line on stdout, time until the
              CLI exits (the job succeeded), the CLI's peak RSS and CPU time
  status      `job status ID` of a finished job: a whole command's cost, start-up included
  list        `list actors` (Python: `ray list actors`)
Then the install size of each: the ray[default] virtualenv that `ray job` needs, and
rayc (stripped). Prints medians and the ratios Python / rayc.

  python bench/jobs.py RAYC RAY_CLI DASHBOARD_URL VENV REPS
"""

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

rayc, ray_cli, url, venv, reps = sys.argv[1:6]
reps = int(reps)
env = dict(os.environ, RAY_ADDRESS=url)
env.pop("RAY_API_SERVER_ADDRESS", None)
MARKER = "rc-bench-first-line"

workdir = tempfile.mkdtemp(prefix="rc-bench-jobs-")
with open(os.path.join(workdir, "job.py"), "w") as f:
    f.write(f"import time\nprint('{MARKER}', flush=True)\ntime.sleep(1)\nprint('done')\n")


def run(cmd):
    """Runs cmd; (seconds to the marker line or None, seconds to exit, peak RSS KiB,
    CPU seconds, stdout)."""
    start = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True)
    first = None
    out = []
    for line in p.stdout:
        out.append(line)
        if first is None and MARKER in line:
            first = time.perf_counter() - start
    _, status, usage = os.wait4(p.pid, 0)
    took = time.perf_counter() - start
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        sys.exit(f"{cmd} exited with {p.returncode}:\n{''.join(out)}")
    return first, took, usage.ru_maxrss, usage.ru_utime + usage.ru_stime, "".join(out)


clis = {
    "python": {"job": [ray_cli, "job"], "list": [ray_cli, "list", "actors"]},
    "rayc": {"job": [rayc, "job"], "list": [rayc, "list", "actors"]},
}
submit = ["submit", "--working-dir", workdir, "--", "python", "job.py"]
# Once before measuring, so that neither pays for the package's first upload.
run(clis["rayc"]["job"] + submit)
ids = {}
results = {who: {} for who in clis}
for rep in range(reps):
    for who, cli in clis.items():
        print(f"rep {rep + 1}/{reps}: {who}", file=sys.stderr)
        sid = f"rc-bench-{who}-{os.getpid()}-{rep}"
        first, took, rss, cpu, _ = run(cli["job"] + ["submit", "--submission-id", sid] + submit[1:])
        ids[who] = sid
        r = results[who]
        r.setdefault("submit: first log line (s)", []).append(first)
        r.setdefault("submit: until SUCCEEDED (s)", []).append(took)
        r.setdefault("submit: peak RSS (MiB)", []).append(rss / 1024)
        r.setdefault("submit: CPU (s)", []).append(cpu)
        _, took, rss, cpu, _ = run(cli["job"] + ["status", sid])
        r.setdefault("status: time (s)", []).append(took)
        r.setdefault("status: peak RSS (MiB)", []).append(rss / 1024)
        _, took, rss, cpu, _ = run(cli["list"])
        r.setdefault("list actors: time (s)", []).append(took)
        r.setdefault("list actors: peak RSS (MiB)", []).append(rss / 1024)


def du(path):
    total = 0
    for root, _, files in os.walk(path):
        for f in files:
            p = os.path.join(root, f)
            if not os.path.islink(p):
                total += os.path.getsize(p)
    return total


stripped = os.path.join(workdir, "rayc")
shutil.copy(rayc, stripped)
subprocess.run(["strip", stripped], check=True)
# numpy: the test cluster's tasks use it; neither ray[default] nor `ray job` needs it.
site = [os.path.join(root, d) for root, dirs, _ in os.walk(os.path.join(venv, "lib"))
        for d in dirs if d.startswith("numpy") and root.endswith("site-packages")]
python_env = du(venv) - sum(du(d) for d in site)
sizes = {"python": python_env / 2**20, "rayc": os.path.getsize(stripped) / 2**20}
shutil.rmtree(workdir)

version = subprocess.run([ray_cli, "--version"], capture_output=True, text=True).stdout.split()[-1]
print(f"\n`ray job` (Ray {version}) vs rayc, medians of {reps}\n")
print("| measure | ray job (Python) | rayc | ratio |")
print("|---|---|---|---|")
for key in results["python"]:
    py = statistics.median(results["python"][key])
    ours = statistics.median(results["rayc"][key])
    ratio = f"{py / ours:.1f}x" if ours else "-"
    print(f"| {key} | {py:.2f} | {ours:.2f} | {ratio} |")
print(f"| install size (MiB): ray[default] virtualenv (no numpy) vs rayc | {sizes['python']:.0f} | {sizes['rayc']:.1f} | {sizes['python'] / sizes['rayc']:.0f}x |")
