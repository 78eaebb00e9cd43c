//! Ray Jobs through the real cluster's dashboard: submit from a local working_dir, wait,
//! logs (whole and followed), stop, delete, list, entrypoint resources, errors; and the
//! same jobs as Python's `ray job` CLI sees them.
mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ray_client::dashboard::{DashboardOptions, UploadProgress};
use ray_client::{Dashboard, ErrorKind, JobStatus, JobSubmission};
use serde_json::json;

/// A working_dir of its own for a test: `files` written into a fresh directory.
fn workdir(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rc-jobs-{}-{name}", std::process::id()));
    std::fs::remove_dir_all(&dir).ok();
    std::fs::create_dir_all(&dir).unwrap();
    for (file, text) in files {
        std::fs::write(dir.join(file), text).unwrap();
    }
    dir
}

fn unique(name: &str) -> String {
    format!("rc-{name}-{}-{}", std::process::id(), rand_suffix())
}

fn rand_suffix() -> u64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        % 1_000_000_007
}

fn job_in(dir: &Path, entrypoint: &str) -> JobSubmission {
    JobSubmission::new(entrypoint).runtime_env(json!({ "working_dir": dir.to_str().unwrap() }))
}

fn ray_cli(args: &[&str]) -> std::process::Output {
    let ray = common::python().parent().unwrap().join("ray");
    Command::new(ray)
        .args(args)
        .env(
            "RAY_ADDRESS",
            common::cluster().dashboard_url.as_deref().unwrap(),
        )
        .output()
        .expect("running Python's ray CLI")
}

#[test]
fn a_job_from_a_local_working_dir_succeeds_and_its_log_and_details_read_back() {
    let d = common::dashboard();
    let id = unique("hello");
    // The id in the file makes the package new to the cluster, so it is uploaded.
    let script = format!("import sys\nprint('hello from', sys.argv[1])  # {id}\n");
    let dir = workdir("hello", &[("hello.py", &script)]);
    let uploads = Arc::new(Mutex::new(Vec::<UploadProgress>::new()));
    let seen = uploads.clone();
    let mut job = job_in(&dir, "python hello.py jobs-test")
        .submission_id(&id)
        .metadata("owner", "rust-test");
    job.upload_progress = Some(Arc::new(move |p: &UploadProgress| {
        seen.lock().unwrap().push(p.clone())
    }));
    assert_eq!(d.submit_job(&job).unwrap(), id);
    let info = d.wait_job(&id, None).unwrap();
    assert_eq!(info.status, JobStatus::Succeeded, "{info:?}");
    assert_eq!(info.submission_id.as_deref(), Some(id.as_str()));
    assert_eq!(info.entrypoint, "python hello.py jobs-test");
    assert_eq!(
        info.metadata.get("owner").map(String::as_str),
        Some("rust-test")
    );
    assert_eq!(info.driver_exit_code, Some(0));
    assert_eq!(info.job_type, "SUBMISSION");
    let uri = info.runtime_env["working_dir"].as_str().unwrap().to_owned();
    assert!(
        uri.starts_with("gcs://_ray_pkg_") && uri.ends_with(".zip"),
        "{uri}"
    );
    assert!(info.start_time.is_some() && info.end_time >= info.start_time);
    assert!(d.job_logs(&id).unwrap().contains("hello from jobs-test"));
    assert_eq!(d.job_status(&id).unwrap(), JobStatus::Succeeded);

    // The upload told its progress, up to the whole package.
    let told = uploads.lock().unwrap().clone();
    let last = told.last().expect("progress of the upload");
    assert_eq!((last.uri.as_str(), last.sent), (uri.as_str(), last.total));

    // The same directory again: the cluster has the package, nothing is uploaded.
    uploads.lock().unwrap().clear();
    let again = unique("hello-again");
    let mut job = job_in(&dir, "python hello.py again").submission_id(&again);
    let seen = uploads.clone();
    job.upload_progress = Some(Arc::new(move |p: &UploadProgress| {
        seen.lock().unwrap().push(p.clone())
    }));
    d.submit_job(&job).unwrap();
    let info = d.wait_job(&again, None).unwrap();
    assert_eq!(info.status, JobStatus::Succeeded);
    assert_eq!(info.runtime_env["working_dir"].as_str(), Some(uri.as_str()));
    assert!(uploads.lock().unwrap().is_empty(), "uploaded again");

    // Both are in the list.
    let ids: Vec<String> = d
        .list_jobs()
        .unwrap()
        .into_iter()
        .filter_map(|j| j.submission_id)
        .collect();
    assert!(ids.contains(&id) && ids.contains(&again), "{ids:?}");
}

#[test]
fn a_failing_job_fails_with_its_exit_code_and_output() {
    let d = common::dashboard();
    let dir = workdir(
        "fail",
        &[(
            "fail.py",
            "import sys\nprint('about to fail')\nsys.exit(3)\n",
        )],
    );
    let id = d.submit_job(&job_in(&dir, "python fail.py")).unwrap();
    assert!(id.starts_with("raysubmit_"), "{id}");
    let info = d.wait_job(&id, None).unwrap();
    assert_eq!(info.status, JobStatus::Failed);
    assert_eq!(info.driver_exit_code, Some(3));
    assert!(
        info.message.as_deref().unwrap_or("").contains("3"),
        "{info:?}"
    );
    assert!(d.job_logs(&id).unwrap().contains("about to fail"));
}

#[test]
fn a_running_job_stops_and_then_deletes() {
    let d = common::dashboard();
    let dir = workdir(
        "sleep",
        &[(
            "sleep.py",
            "import time\nprint('sleeping', flush=True)\ntime.sleep(600)\n",
        )],
    );
    let id = d.submit_job(&job_in(&dir, "python sleep.py")).unwrap();
    // Wait until it runs and printed.
    let mut tail = d.tail_job_logs(&id).unwrap();
    let first = tail.next().unwrap().unwrap();
    assert!(first.contains("sleeping"), "{first:?}");
    assert_eq!(d.job_status(&id).unwrap(), JobStatus::Running);
    // A running job cannot be deleted.
    let err = d.delete_job(&id).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ServerError, "{err}");
    assert!(d.stop_job(&id).unwrap());
    let info = d.wait_job(&id, None).unwrap();
    assert_eq!(info.status, JobStatus::Stopped);
    // The tail ends with the job.
    assert!(tail.all(|chunk| chunk.is_ok()));
    assert!(!d.stop_job(&id).unwrap(), "stopped twice");
    assert!(d.delete_job(&id).unwrap());
    assert_eq!(d.job_info(&id).unwrap_err().kind(), ErrorKind::NotFound);
}

#[test]
fn following_a_log_yields_every_line_in_order_until_the_job_ends() {
    let d = common::dashboard();
    let dir = workdir(
        "count",
        &[(
            "count.py",
            "import time\nfor i in range(20):\n    print(f'line {i}', flush=True)\n    time.sleep(0.1)\n",
        )],
    );
    let id = d.submit_job(&job_in(&dir, "python count.py")).unwrap();
    let text: String = d
        .tail_job_logs(&id)
        .unwrap()
        .map(|chunk| chunk.unwrap())
        .collect();
    let lines: Vec<&str> = text.lines().filter(|l| l.starts_with("line ")).collect();
    let expected: Vec<String> = (0..20).map(|i| format!("line {i}")).collect();
    assert_eq!(lines, expected);
    assert_eq!(d.job_status(&id).unwrap(), JobStatus::Succeeded);
}

#[test]
fn entrypoint_resources_place_the_driver() {
    let cluster = common::cluster();
    let Some(node2) = cluster.node2_id.clone() else {
        panic!("the test cluster needs its second node (rc_node2)");
    };
    let d = common::dashboard();
    let mut job = JobSubmission::new("python -c \"print('placed')\"");
    job.entrypoint_num_cpus = Some(1.0);
    job.entrypoint_resources.insert("rc_node2".into(), 1.0);
    let id = d.submit_job(&job).unwrap();
    let info = d.wait_job(&id, None).unwrap();
    assert_eq!(info.status, JobStatus::Succeeded, "{info:?}");
    assert_eq!(info.driver_node_id.as_deref(), Some(node2.as_str()));
}

#[test]
fn errors_are_clear() {
    let d = common::dashboard();
    for err in [
        d.job_info("raysubmit_doesnotexist").unwrap_err(),
        d.job_logs("raysubmit_doesnotexist").unwrap_err(),
        d.stop_job("raysubmit_doesnotexist").unwrap_err(),
        d.tail_job_logs("raysubmit_doesnotexist").err().unwrap(),
    ] {
        assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
        assert!(err.message().contains("raysubmit_doesnotexist"), "{err}");
    }
    assert_eq!(
        d.job_info("a/b").unwrap_err().kind(),
        ErrorKind::InvalidArgument
    );
    assert_eq!(
        d.submit_job(&JobSubmission::new("  ")).unwrap_err().kind(),
        ErrorKind::InvalidArgument
    );
    let mut negative = JobSubmission::new("true");
    negative.entrypoint_num_cpus = Some(-1.0);
    assert_eq!(
        d.submit_job(&negative).unwrap_err().kind(),
        ErrorKind::InvalidArgument
    );

    // A submission id used twice.
    let id = unique("twice");
    d.submit_job(&JobSubmission::new("true").submission_id(&id))
        .unwrap();
    let err = d
        .submit_job(&JobSubmission::new("true").submission_id(&id))
        .unwrap_err();
    assert!(err.message().contains("already"), "{err}");
    d.wait_job(&id, None).unwrap();

    // Waiting less than the job takes.
    let long = d.submit_job(&JobSubmission::new("sleep 30")).unwrap();
    let err = d
        .wait_job(&long, Some(Duration::from_millis(500)))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    d.stop_job(&long).unwrap();

    // A dashboard that is not there, and addresses that are no dashboard's.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let err = Dashboard::connect(&format!("http://127.0.0.1:{port}")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ConnectionFailed, "{err}");
    assert!(err.message().contains(&port.to_string()), "{err}");
    for bad in [
        "ftp://127.0.0.1:1",
        "http://",
        "https:///",
        "ray://",
        "http://:8265",
    ] {
        let err = Dashboard::connect(bad).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{bad}: {err}");
    }
    let err = Dashboard::connect_with(
        DashboardOptions::new(common::cluster().dashboard_url.clone().unwrap())
            .header("bad header", "x"),
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{err}");
}

#[test]
fn a_ray_client_address_finds_the_dashboard() {
    let d = Dashboard::connect(&common::cluster().address).unwrap();
    let url = common::cluster().dashboard_url.clone().unwrap();
    assert_eq!(d.url(), url);
    assert_eq!(d.ray_version(), common::ray_version());
}

#[test]
fn python_s_cli_and_this_library_see_the_same_jobs() {
    let d = common::dashboard();
    // Ours, read by `ray job status` / `ray job logs`.
    let dir = workdir("seen", &[("seen.py", "print('seen by python')\n")]);
    let ours = d.submit_job(&job_in(&dir, "python seen.py")).unwrap();
    d.wait_job(&ours, None).unwrap();
    let status = ray_cli(&["job", "status", &ours]);
    let text = String::from_utf8_lossy(&status.stdout).to_string()
        + &String::from_utf8_lossy(&status.stderr);
    assert!(text.contains(&format!("Job '{ours}' succeeded")), "{text}");
    let logs = ray_cli(&["job", "logs", &ours]);
    assert!(String::from_utf8_lossy(&logs.stdout).contains("seen by python"));

    // Python's, read here.
    let theirs = unique("python-cli");
    let out = ray_cli(&[
        "job",
        "submit",
        "--submission-id",
        &theirs,
        "--working-dir",
        dir.to_str().unwrap(),
        "--",
        "python",
        "seen.py",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let info = d.wait_job(&theirs, None).unwrap();
    assert_eq!(info.status, JobStatus::Succeeded);
    assert!(d.job_logs(&theirs).unwrap().contains("seen by python"));
    // Python named the package as we do: the same URI for the same directory.
    let ours_info = d.job_info(&ours).unwrap();
    assert_eq!(
        info.runtime_env["working_dir"],
        ours_info.runtime_env["working_dir"]
    );
}

/// The TLS terminator of tests/harness/tls-forward, stopped when dropped.
struct TlsForward(std::process::Child);

impl Drop for TlsForward {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// An `https` dashboard: Ray's serves plain HTTP, so users reach it through an ingress
/// that terminates TLS, as tests/harness/tls-forward does here. Its CA file, or no check
/// at all, opens it, and the log follows over `wss`; the system's roots and another CA
/// refuse its certificate with a clear error, in the library and in rayc.
#[test]
fn an_https_dashboard_opens_with_its_ca_or_no_check() {
    use std::io::BufRead;
    let certs = std::env::temp_dir().join(format!("rc-jobs-{}-tls", std::process::id()));
    common::run(Command::new(common::repo().join("tests/harness/tls-certs")).arg(&certs));
    let url = common::cluster().dashboard_url.clone().unwrap();
    let port = url.rsplit(':').next().unwrap();
    let mut child = Command::new(common::python())
        .arg(common::repo().join("tests/harness/tls-forward"))
        .arg(certs.join("server.crt"))
        .arg(certs.join("server.key"))
        .arg(port)
        .arg(std::process::id().to_string())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let _forward = TlsForward(child);
    let https = format!("https://127.0.0.1:{}", line.trim());

    let d = Dashboard::connect_with(DashboardOptions::new(&https).ca_cert(certs.join("ca.crt")))
        .expect("the https dashboard with its CA");
    assert_eq!(d.url(), https);
    let id = d
        .submit_job(&JobSubmission::new("python -c \"print('over tls')\""))
        .unwrap();
    let followed: String = d
        .tail_job_logs(&id)
        .unwrap()
        .map(|chunk| chunk.unwrap())
        .collect();
    assert!(followed.contains("over tls"), "{followed}");
    assert_eq!(d.wait_job(&id, None).unwrap().status, JobStatus::Succeeded);

    let mut none_checked = DashboardOptions::new(&https);
    none_checked.insecure = true;
    Dashboard::connect_with(none_checked)
        .expect("no check")
        .list_jobs()
        .unwrap();

    for options in [
        DashboardOptions::new(&https),
        DashboardOptions::new(&https).ca_cert(certs.join("other-ca.crt")),
    ] {
        let err = Dashboard::connect_with(options).expect_err("an unknown CA must fail");
        assert_eq!(err.kind(), ErrorKind::ConnectionFailed, "{err}");
        assert!(
            err.message().to_lowercase().contains("certificate"),
            "{err}"
        );
    }

    let rayc = |verify: &str| {
        Command::new(env!("CARGO_BIN_EXE_rayc"))
            .args([
                "--address",
                &https,
                "--verify",
                verify,
                "job",
                "status",
                &id,
            ])
            .output()
            .unwrap()
    };
    let ca = certs.join("ca.crt");
    let out = rayc(ca.to_str().unwrap());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(rayc("false").status.success());
    let out = rayc("true");
    assert_eq!(
        out.status.code(),
        Some(5),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::remove_dir_all(&certs).ok();
}
