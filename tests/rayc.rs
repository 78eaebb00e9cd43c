//! `rayc` end to end against the real cluster's dashboard: jobs submitted from a local
//! working_dir that succeed, fail and are stopped (exit codes 0, 1, 3), Ctrl-C while
//! following (130, the job goes on), status, logs, list, delete, the state lists and
//! summary, the errors' exit codes; and jobs crossing between rayc and Python's `ray job`.
mod common;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use ray_client::JobStatus;
use serde_json::Value as Json;

fn dashboard_url() -> String {
    common::cluster().dashboard_url.clone().unwrap()
}

fn rayc() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rayc"));
    c.env("RAY_ADDRESS", dashboard_url())
        .env_remove("RAY_API_SERVER_ADDRESS")
        .env_remove("RAY_JOB_HEADERS");
    c
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = rayc().args(args).output().expect("running rayc");
    texts(out)
}

fn texts(out: Output) -> (i32, String, String) {
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn ray_cli(args: &[&str]) -> (i32, String, String) {
    let ray = common::python().parent().unwrap().join("ray");
    let out = Command::new(ray)
        .args(args)
        .env("RAY_ADDRESS", dashboard_url())
        .output()
        .expect("running Python's ray CLI");
    texts(out)
}

fn unique(name: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("rayc-{name}-{}-{nanos}", std::process::id())
}

/// A working_dir with `job.py`, which prints its marker and exits with its argument.
fn workdir(marker: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rc-{marker}"));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("job.py"),
        format!(
            "import sys, time\nprint('{marker}', sys.argv[1:], flush=True)\n\
             if sys.argv[1] == 'sleep':\n    time.sleep(600)\nsys.exit(int(sys.argv[1]))\n"
        ),
    )
    .unwrap();
    dir
}

#[test]
fn submit_follows_the_log_and_exits_with_the_job_s_outcome() {
    let marker = unique("outcome");
    let dir = workdir(&marker);
    let wd = dir.to_str().unwrap();

    let (code, out, err) = run(&[
        "job",
        "submit",
        "--working-dir",
        wd,
        "--",
        "python",
        "job.py",
        "0",
    ]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains(&format!("{marker} ['0']")), "{out}");
    assert!(err.contains("Uploading runtime_env working_dir"), "{err}");
    assert!(err.contains("submitted successfully"), "{err}");
    assert!(err.contains("succeeded"), "{err}");

    // The same directory again: the cluster has the package, nothing is uploaded.
    let (code, out, err) = run(&[
        "job",
        "submit",
        "--working-dir",
        wd,
        "--",
        "python",
        "job.py",
        "1",
    ]);
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(out.contains(&format!("{marker} ['1']")), "{out}");
    assert!(!err.contains("Uploading"), "{err}");
    assert!(err.contains("failed"), "{err}");

    // An entrypoint word that needs quoting reaches the job as one word.
    let (code, out, _) = run(&[
        "job",
        "submit",
        "--working-dir",
        wd,
        "--",
        "python",
        "job.py",
        "0",
        "two words",
    ]);
    assert_eq!(code, 0);
    assert!(out.contains("'two words'"), "{out}");
}

#[test]
fn a_stopped_job_ends_submit_with_3_and_python_sees_rayc_s_jobs() {
    let marker = unique("stopped");
    let dir = workdir(&marker);
    let id = unique("stop-me");
    let submit = rayc()
        .args(["job", "submit", "--submission-id", &id, "--working-dir"])
        .arg(&dir)
        .args(["--", "python", "job.py", "sleep"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let d = common::dashboard();
    while d
        .job_logs(&id)
        .map(|l| !l.contains(&marker))
        .unwrap_or(true)
    {
        std::thread::sleep(Duration::from_millis(200));
    }
    // Python's CLI sees the running job and its log.
    let (_, out, err) = ray_cli(&["job", "status", &id]);
    assert!((out.clone() + &err).contains("RUNNING"), "{out}{err}");
    let (_, out, _) = ray_cli(&["job", "logs", &id]);
    assert!(out.contains(&marker), "{out}");

    let (code, _, err) = run(&["job", "stop", &id]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains(&format!("Job '{id}' was stopped")), "{err}");
    let (code, out, err) = texts(submit.wait_with_output().unwrap());
    assert_eq!(code, 3, "{out}\n{err}");
    assert!(out.contains(&marker), "{out}");
    let (_, out, err) = ray_cli(&["job", "status", &id]);
    assert!((out.clone() + &err).contains("was stopped"), "{out}{err}");

    // Listed, then deleted; afterwards unknown (exit 4).
    let (code, out, _) = run(&["job", "list"]);
    assert_eq!(code, 0);
    assert!(
        out.lines()
            .any(|l| l.starts_with(&id) && l.contains("STOPPED")),
        "{out}"
    );
    let (code, _, err) = run(&["job", "delete", &id]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = run(&["job", "status", &id]);
    assert_eq!(code, 4, "{err}");
    assert!(err.contains(&id), "{err}");
}

#[test]
fn ctrl_c_while_following_stops_following_not_the_job() {
    let marker = unique("ctrl-c");
    let dir = workdir(&marker);
    let id = unique("python-submitted");
    // Submitted by Python's CLI, followed by rayc.
    let (code, _, err) = ray_cli(&[
        "job",
        "submit",
        "--no-wait",
        "--submission-id",
        &id,
        "--working-dir",
        dir.to_str().unwrap(),
        "--",
        "python",
        "job.py",
        "sleep",
    ]);
    assert_eq!(code, 0, "{err}");
    let mut follow = rayc()
        .args(["job", "logs", "--follow", &id])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(follow.stdout.take().unwrap()).lines();
    assert!(
        lines.any(|l| l.unwrap().contains(&marker)),
        "the log ended before the marker"
    );
    // SAFETY: kill(2) on the child's pid, which is still ours to signal (not waited for).
    assert_eq!(unsafe { libc::kill(follow.id() as i32, libc::SIGINT) }, 0);
    let (code, _, err) = texts(follow.wait_with_output().unwrap());
    assert_eq!(code, 130, "{err}");
    assert!(err.contains("the job goes on"), "{err}");
    let d = common::dashboard();
    assert_eq!(d.job_status(&id).unwrap(), JobStatus::Running);

    let (code, out, _) = run(&["job", "status", "--json", &id]);
    assert_eq!(code, 0);
    let info: Json = serde_json::from_str(&out).unwrap();
    assert_eq!(info["submission_id"], Json::String(id.clone()));
    let (code, _, _) = run(&["job", "stop", "--no-wait", &id]);
    assert_eq!(code, 0);
    assert_eq!(d.wait_job(&id, None).unwrap().status, JobStatus::Stopped);
    let (code, out, _) = run(&["job", "logs", &id]);
    assert_eq!(code, 0);
    assert!(out.contains(&marker), "{out}");
}

#[test]
fn the_cluster_s_state_lists_as_tables_and_json() {
    let (code, out, err) = run(&["list", "nodes", "--json"]);
    assert_eq!(code, 0, "{err}");
    let nodes: Json = serde_json::from_str(&out).unwrap();
    assert_eq!(nodes.as_array().unwrap().len(), 2, "{out}");

    let (code, out, _) = run(&["list", "nodes", "--filter", "is_head_node=true"]);
    assert_eq!(code, 0);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(lines[0].starts_with("NODE_ID  "), "{out}");

    let (code, out, _) = run(&[
        "list",
        "workers",
        "--filter",
        "is_alive=true",
        "--detail",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    let workers: Json = serde_json::from_str(&out).unwrap();
    assert!(workers
        .as_array()
        .unwrap()
        .iter()
        .all(|w| w["is_alive"] == Json::Bool(true)));

    let (code, out, _) = run(&["list", "jobs", "--json", "--limit", "10000"]);
    assert_eq!(code, 0);
    let jobs = serde_json::from_str::<Json>(&out)
        .unwrap()
        .as_array()
        .unwrap()
        .len();
    assert!(jobs >= 1, "{out}");
    let (code, out, err) = run(&["list", "jobs", "--limit", "1"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("TYPE  "), "{out}");
    assert_eq!(out.lines().count(), 2, "{out}");
    // A page cut by the limit says so.
    assert_eq!(
        jobs > 1,
        err.contains("raise --limit"),
        "{jobs} jobs: {err}"
    );

    let (code, out, _) = run(&["summary", "tasks", "--json"]);
    assert_eq!(code, 0);
    let summary: Json = serde_json::from_str(&out).unwrap();
    assert!(summary.get("cluster").is_some(), "{out}");
}

#[test]
fn errors_have_clear_messages_and_exit_codes() {
    // Bad usage: 2.
    let (code, _, err) = run(&["list", "tasks", "--filter", "state"]);
    assert_eq!(code, 2);
    assert!(err.contains("KEY=VALUE"), "{err}");
    let (code, _, err) = run(&["list", "bananas"]);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = run(&["job", "submit", "--runtime-env-json", "[1]", "--", "true"]);
    assert_eq!(code, 2);
    assert!(err.contains("JSON object"), "{err}");
    let (code, _, err) = run(&[
        "job",
        "submit",
        "--metadata-json",
        "{\"a\": 1}",
        "--",
        "true",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("must be a string"), "{err}");

    // No such job: 4.
    let (code, _, err) = run(&["job", "logs", "raysubmit_no_such_job"]);
    assert_eq!(code, 4);
    assert!(err.contains("raysubmit_no_such_job"), "{err}");

    // Nothing at the address: 5, naming it.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let free = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    for args in [vec!["job", "list"], vec!["ping"], vec!["list", "actors"]] {
        let (code, _, err) = run(&[&["--address", &free][..], &args].concat());
        assert_eq!(code, 5, "{args:?}: {err}");
        assert!(err.contains(&free), "{err}");
    }

    // Both front doors answer ping.
    let (code, out, _) = run(&["ping"]);
    assert_eq!(code, 0);
    assert!(out.contains(&common::ray_version()), "{out}");
    let (code, out, err) = run(&["ping", &common::cluster().address]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("client port"), "{out}");
}

#[test]
fn following_a_log_outlives_a_dashboard_restart() {
    // A cluster of this test's own: its dashboard is restarted, which the other tests'
    // shared cluster must not see.
    let cluster = common::OwnCluster::start("rayc-restart", &[]);
    let url = cluster.dashboard_url().expect("the cluster's dashboard");
    let rayc_here = || {
        let mut c = rayc();
        c.env("RAY_ADDRESS", &url);
        c
    };
    let lines = 20;
    let script = format!(
        "import time\nfor i in range({lines}):\n    print('tick', i, flush=True)\n    time.sleep(0.5)\n"
    );
    let out = rayc_here()
        .args(["job", "submit", "--no-wait", "--", "python", "-c", &script])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let id = String::from_utf8(out.stdout).unwrap().trim().to_owned();

    let mut follow = rayc_here()
        .args(["job", "logs", "--follow", &id])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(follow.stdout.take().unwrap()).lines();
    let mut seen = Vec::new();
    // The dashboard restarts once the first ticks were followed, while the job runs.
    for line in stdout.by_ref() {
        let line = line.unwrap();
        let tick = line.starts_with("tick ");
        seen.push(line);
        if tick {
            break;
        }
    }
    common::run(
        Command::new(common::repo().join("tests/harness/ray-cluster"))
            .arg("restart-dashboard")
            .arg(&cluster.dir),
    );
    seen.extend(stdout.map(Result::unwrap));
    let (code, _, err) = texts(follow.wait_with_output().unwrap());
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("succeeded"), "{err}");
    // Every tick once, in order: nothing lost across the restart, nothing repeated.
    let ticks: Vec<&String> = seen.iter().filter(|l| l.starts_with("tick ")).collect();
    let expected: Vec<String> = (0..lines).map(|i| format!("tick {i}")).collect();
    assert_eq!(ticks, expected.iter().collect::<Vec<_>>(), "{seen:#?}");
}
