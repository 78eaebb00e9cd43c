//! Test helper: the address of a real Ray cluster.
//!
//! When `RAY_TEST_ADDRESS` is set (the README's test command starts one cluster for every
//! test binary) that cluster is used. Otherwise this process starts its own through
//! `tests/harness/ray-cluster` and a watchdog stops it when the process exits.
#![allow(dead_code)]

pub mod proxy;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

pub struct TestCluster {
    pub address: String,
    pub gcs_address: Option<String>,
    pub python: PathBuf,
    /// Node id of the second node (custom resource `rc_node2`), when there is one.
    pub node2_id: Option<String>,
    /// The dashboard's URL (`http://127.0.0.1:PORT`), when it runs one.
    pub dashboard_url: Option<String>,
}

/// Runs `cmd` to completion and returns its standard output, trimmed. A command that
/// cannot start, or exits unsuccessfully, fails the test with the command line and its
/// standard error, which is what tells why.
pub fn run(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("running {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("UTF-8 output")
        .trim()
        .to_owned()
}

pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn harness() -> PathBuf {
    repo().join("tests/harness/ray-cluster")
}

pub fn cluster() -> &'static TestCluster {
    static CLUSTER: OnceLock<TestCluster> = OnceLock::new();
    CLUSTER.get_or_init(|| {
        if let Ok(address) = std::env::var("RAY_TEST_ADDRESS") {
            return TestCluster {
                address,
                gcs_address: std::env::var("RAY_TEST_GCS_ADDRESS").ok(),
                python: python(),
                node2_id: std::env::var("RAY_TEST_NODE_rc_node2").ok(),
                dashboard_url: std::env::var("RAY_TEST_DASHBOARD_URL")
                    .ok()
                    .filter(|u| !u.is_empty()),
            };
        }
        start_cluster("main", true)
    })
}

/// Another, independent cluster (one node), started by this test process.
pub fn second_cluster() -> &'static TestCluster {
    static CLUSTER: OnceLock<TestCluster> = OnceLock::new();
    CLUSTER.get_or_init(|| start_cluster("second", false))
}

/// Starts a cluster of this test process in `dir` (`tests/harness/ray-cluster start`, with
/// `env` added to its environment) and a watchdog that stops it when the process exits,
/// however it exits. Returns the client address.
pub fn start_own_cluster(dir: &Path, env: &[(&str, &str)]) -> String {
    start_watched(dir, env, false)
}

/// `start_own_cluster`; with `remove_dir`, the watchdog also removes `dir` once the cluster
/// is stopped.
fn start_watched(dir: &Path, env: &[(&str, &str)], remove_dir: bool) -> String {
    // The watchdog comes first, so that a test process dying while the cluster starts
    // leaves nothing running either. It ignores SIGINT/SIGTERM/SIGHUP: a Ctrl-C reaches the
    // whole process group, the watchdog included, and it must outlive the test process.
    // It outlives us on purpose, so it is never waited for.
    #[allow(clippy::zombie_processes)]
    Command::new("sh")
        .arg("-c")
        .arg(format!(
            "trap '' INT TERM HUP; while kill -0 {pid} 2>/dev/null; do sleep 1; done; '{h}' stop '{d}'{rm}",
            pid = std::process::id(),
            h = harness().display(),
            d = dir.display(),
            rm = if remove_dir {
                format!("; rm -rf '{}'", dir.display())
            } else {
                String::new()
            }
        ))
        .spawn()
        .expect("starting the cluster watchdog");
    let address = run(Command::new(harness())
        .arg("start")
        .arg(dir)
        .envs(env.iter().copied()));
    assert!(address.starts_with("ray://"), "{address:?}");
    address
}

fn start_cluster(name: &str, with_node2: bool) -> TestCluster {
    {
        let dir =
            std::env::temp_dir().join(format!("ray-client-test-{}-{name}", std::process::id()));
        start_watched(&dir, &[], true);
        if with_node2 {
            run(Command::new(harness())
                .arg("add-node")
                .arg(&dir)
                .arg("rc_node2"));
        }
        let env = std::fs::read_to_string(dir.join("env")).unwrap();
        let var = |k: &str| {
            env.lines()
                .find_map(|l| l.strip_prefix(&format!("{k}=")))
                .map(str::to_owned)
        };
        TestCluster {
            address: var("RAY_TEST_ADDRESS").unwrap(),
            gcs_address: var("RAY_TEST_GCS_ADDRESS"),
            python: python(),
            node2_id: var("RAY_TEST_NODE_rc_node2"),
            dashboard_url: var("RAY_TEST_DASHBOARD_URL").filter(|u| !u.is_empty()),
        }
    }
}

/// The virtualenv's python (with ray and numpy), for checks against CPython itself.
pub fn python() -> PathBuf {
    if let Ok(p) = std::env::var("RAY_TEST_PYTHON") {
        return PathBuf::from(p);
    }
    PathBuf::from(run(Command::new(harness()).arg("venv")))
}

/// The Ray version of the test cluster: `RAY_TEST_RAY_VERSION` (the harness's env file
/// has it), else the version installed in the virtualenv.
pub fn ray_version() -> String {
    static VERSION: OnceLock<String> = OnceLock::new();
    VERSION
        .get_or_init(|| {
            if let Ok(v) = std::env::var("RAY_TEST_RAY_VERSION") {
                return v;
            }
            run(Command::new(python()).args(["-c", "import ray; print(ray.__version__)"]))
        })
        .clone()
}

/// What the test cluster's Ray release does, where releases differ (the record connect
/// chooses for it).
pub fn capabilities() -> ray_client::Capabilities {
    ray_client::Capabilities::for_version(&ray_version())
}

/// The runtime env every test job gets: `tests/python` (the modules the tests call) as
/// the working_dir, uploaded by the client, plus `extra` entries.
pub fn test_runtime_env(extra: Vec<(&str, ray_client::Value)>) -> ray_client::Value {
    use ray_client::Value;
    let mut pairs = vec![
        (
            Value::str("working_dir"),
            Value::str(repo().join("tests/python").to_string_lossy()),
        ),
        (
            Value::str("excludes"),
            Value::List(vec![Value::str("__pycache__")]),
        ),
    ];
    pairs.extend(extra.into_iter().map(|(k, v)| (Value::str(k), v)));
    Value::Dict(pairs)
}

/// Connect options for the test cluster with the test runtime env.
pub fn options() -> ray_client::ConnectOptions {
    ray_client::ConnectOptions::new(&cluster().address).runtime_env(test_runtime_env(vec![]))
}

/// The test cluster's dashboard.
pub fn dashboard() -> ray_client::Dashboard {
    let url = cluster()
        .dashboard_url
        .clone()
        .expect("the test cluster runs no dashboard (RAY_TEST_DASHBOARD=0?)");
    ray_client::Dashboard::connect(&url).expect("connecting to the test cluster's dashboard")
}

pub fn client() -> ray_client::Client {
    ray_client::Client::connect_with(options()).expect("connecting to the test cluster")
}

/// Runs `tests/python/{script}`, one of the scripts that read a job's state straight from
/// the test cluster's GCS, with the GCS address and `job_id` as its arguments; returns
/// what it printed.
pub fn job_query(script: &str, job_id: &str) -> String {
    let cluster = cluster();
    let gcs = cluster
        .gcs_address
        .as_deref()
        .expect("the GCS address of the test cluster (RAY_TEST_GCS_ADDRESS)");
    run(Command::new(&cluster.python)
        .arg(repo().join("tests/python").join(script))
        .args([gcs, job_id]))
}

/// A function of `tests/python/rc_test_tasks.py`, the module the tests call.
pub fn task(name: &str) -> ray_client::RemoteFunction {
    ray_client::RemoteFunction::new("rc_test_tasks", name).unwrap()
}

/// The `Counter` actor class of `tests/python/rc_test_tasks.py`.
pub fn counter() -> ray_client::ActorClass {
    ray_client::ActorClass::new("rc_test_tasks", "Counter").unwrap()
}

/// Calls `f` with positional `args` and waits for its value. The submission must succeed:
/// what a test checks is the value or the error that comes back.
pub fn call_get(
    client: &ray_client::Client,
    f: &ray_client::RemoteFunction,
    args: Vec<ray_client::Value>,
) -> ray_client::Result<ray_client::Value> {
    client.get(&client.call(f, args, vec![]).expect("submitting the task"))
}

/// Calls `method` of `actor` with positional `args` and waits for its value, as
/// `call_get` does for a task.
pub fn method_get(
    client: &ray_client::Client,
    actor: &ray_client::ActorHandle,
    method: &str,
    args: Vec<ray_client::Value>,
) -> ray_client::Result<ray_client::Value> {
    client.get(
        &client
            .call_method(actor, method, args, vec![])
            .expect("submitting the method call"),
    )
}

/// A task that returns `value` after `seconds`: something that stays pending for a
/// while.
pub fn sleep_then(
    client: &ray_client::Client,
    seconds: f64,
    value: ray_client::Value,
) -> ray_client::ObjectRef {
    client
        .call(
            &task("sleep_then"),
            vec![ray_client::Value::Float(seconds), value],
            vec![],
        )
        .unwrap()
}

/// `r`'s value, waiting for it at most `timeout`.
pub fn get_within(
    client: &ray_client::Client,
    r: &ray_client::ObjectRef,
    timeout: std::time::Duration,
) -> ray_client::Result<ray_client::Value> {
    client
        .get_many(std::slice::from_ref(r), Some(timeout))
        .map(|mut values| values.remove(0))
}

/// Whether `r` is still not ready after `seconds`.
pub fn pending_after(client: &ray_client::Client, r: &ray_client::ObjectRef, seconds: u64) -> bool {
    let (ready, _) = client
        .wait(
            std::slice::from_ref(r),
            1,
            Some(std::time::Duration::from_secs(seconds)),
        )
        .unwrap();
    ready.is_empty()
}

/// Kills `actor` without restart and returns the error a call of `method` fails with
/// once the kill took effect. `ray.kill` is asynchronous: a call sent right after it may
/// still be served, so this calls again every 100 ms, 100 times at most.
pub fn error_once_killed(
    client: &ray_client::Client,
    actor: &ray_client::ActorHandle,
    method: &str,
) -> ray_client::Error {
    client.kill_actor(actor, true).unwrap();
    (0..100)
        .find_map(|_| {
            let result = method_get(client, actor, method, vec![]).err();
            if result.is_none() {
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            result
        })
        .expect("the killed actor kept answering")
}

/// Asserts that `err` is what a call of task `function` that raised a `cause` (a Python
/// exception class) fails with: a task error, `RayTaskError(cause)`, with a traceback
/// that starts in the task. Returns the remote error and its traceback for the checks
/// particular to the caller.
pub fn assert_task_error<'a>(
    err: &'a ray_client::Error,
    function: &str,
    cause: &str,
) -> (&'a ray_client::RemoteError, &'a str) {
    assert_eq!(err.kind(), ray_client::ErrorKind::TaskError, "{err}");
    let remote = err.remote().expect("a remote error");
    assert_eq!(remote.cause_type.as_deref(), Some(cause), "{remote:?}");
    assert!(
        remote.type_name.contains(&format!("RayTaskError({cause})")),
        "{remote:?}"
    );
    let tb = remote.traceback.as_deref().expect("a traceback");
    assert!(tb.starts_with(&format!("ray::{function}()")), "{tb}");
    (remote, tb)
}

/// Asserts that `refs[i]` holds `i * i` for every `i`, fetched in one `get_many`.
pub fn assert_squares(client: &ray_client::Client, refs: &[ray_client::ObjectRef]) {
    let expected: Vec<_> = (0..refs.len() as i64)
        .map(|i| ray_client::Value::from(i * i))
        .collect();
    assert_eq!(client.get_many(refs, None).unwrap(), expected);
}

/// xorshift64: a deterministic stream of pseudo-random numbers, so randomized tests
/// reproduce from their seed.
pub struct XorShift(pub u64);

impl XorShift {
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// A cluster started by one test; stopped when dropped (and by a watchdog if the test
/// process dies first).
pub struct OwnCluster {
    pub dir: PathBuf,
    pub address: String,
}

impl OwnCluster {
    pub fn start(name: &str, env: &[(&str, &str)]) -> OwnCluster {
        // One `ray start` at a time: two at once can starve each other on a small machine.
        static STARTING: Mutex<()> = Mutex::new(());
        let _one = STARTING.lock().unwrap_or_else(|e| e.into_inner());
        let dir =
            std::env::temp_dir().join(format!("ray-client-own-{}-{name}", std::process::id()));
        let address = start_own_cluster(&dir, env);
        OwnCluster { dir, address }
    }

    /// Its dashboard's URL; `None` when the harness runs clusters without one
    /// (`RAY_TEST_DASHBOARD=0`, as the version matrix does).
    pub fn dashboard_url(&self) -> Option<String> {
        let env = std::fs::read_to_string(self.dir.join("env")).unwrap();
        let url = env
            .lines()
            .find_map(|l| l.strip_prefix("RAY_TEST_DASHBOARD_URL="))
            .filter(|u| !u.is_empty())
            .map(str::to_owned);
        if std::env::var("RAY_TEST_DASHBOARD").as_deref() != Ok("0") {
            assert!(url.is_some(), "the harness started no dashboard");
        }
        url
    }
}

impl Drop for OwnCluster {
    fn drop(&mut self) {
        let _ = Command::new(harness()).arg("stop").arg(&self.dir).status();
        // Kept after a failure: its start.log tells why the cluster did not start.
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}
