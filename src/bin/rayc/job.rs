//! `rayc job ...`: what `ray job` does (ray/dashboard/modules/job/cli.py), with the
//! same messages, over [`Dashboard`]'s Jobs calls.

use std::io::Write;
use std::time::Duration;

use clap::{Args, Subcommand};
use ray_client::dashboard::{Dashboard, JobDetails, JobStatus, JobSubmission};
use ray_client::{Error, ErrorKind};
use serde_json::{json, Value as Json};

use crate::output::{self, Table};
use crate::{Connection, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_STOPPED};

/// How long a job may take to show its final status once its log closed.
const SETTLE: Duration = Duration::from_secs(30);

#[derive(Subcommand)]
pub enum JobCommand {
    /// Submit a job and, unless --no-wait, follow its log until it ends; exits 0 when
    /// it succeeded, 1 when it failed, 3 when it was stopped.
    Submit(Box<SubmitArgs>),
    /// Print a job's status.
    Status {
        job_id: String,
        /// Print everything the dashboard knows of the job, as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print a job's log; with --follow, follow it until the job ends (Ctrl-C stops
    /// following, not the job).
    Logs {
        job_id: String,
        #[arg(short, long)]
        follow: bool,
    },
    /// Stop a job and wait until it ended (unless --no-wait).
    Stop {
        job_id: String,
        #[arg(long)]
        no_wait: bool,
    },
    /// Delete an ended job's record (its logs stay on the cluster's disk).
    Delete { job_id: String },
    /// List the cluster's jobs.
    List {
        /// Print the dashboard's records as a JSON array.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Args)]
pub struct SubmitArgs {
    /// The job's id (the dashboard makes one when not given).
    #[arg(long)]
    submission_id: Option<String>,
    /// Deprecated name of --submission-id (as in `ray job submit`).
    #[arg(long, hide = true)]
    job_id: Option<String>,
    /// A JSON file holding a runtime_env.
    #[arg(long, conflicts_with = "runtime_env_json")]
    runtime_env: Option<String>,
    /// A runtime_env as JSON, e.g. '{"pip": ["emoji"]}'.
    #[arg(long)]
    runtime_env_json: Option<String>,
    /// A local directory the job runs in (uploaded unless the cluster has it), or a
    /// remote URI; overrides the runtime_env's working_dir.
    #[arg(long)]
    working_dir: Option<String>,
    /// Metadata of the job as a JSON object of strings.
    #[arg(long)]
    metadata_json: Option<String>,
    /// CPUs reserved for the entrypoint itself.
    #[arg(long)]
    entrypoint_num_cpus: Option<f64>,
    /// GPUs reserved for the entrypoint itself.
    #[arg(long)]
    entrypoint_num_gpus: Option<f64>,
    /// Memory (bytes) reserved for the entrypoint itself.
    #[arg(long)]
    entrypoint_memory: Option<u64>,
    /// Custom resources reserved for the entrypoint, as a JSON object of numbers.
    #[arg(long)]
    entrypoint_resources: Option<String>,
    /// Label selector of the entrypoint's node, as a JSON object of strings.
    #[arg(long)]
    entrypoint_label_selector: Option<String>,
    /// Print the submission id and return instead of following the log.
    #[arg(long)]
    no_wait: bool,
    /// The command the cluster runs (after `--`).
    #[arg(required = true, trailing_var_arg = true, allow_hyphen_values = true)]
    entrypoint: Vec<String>,
}

pub fn run(conn: &Connection, command: JobCommand) -> Result<u8, Error> {
    let d = conn.dashboard()?;
    match command {
        JobCommand::Submit(args) => submit(&d, *args),
        JobCommand::Status { job_id, json } => {
            let info = d.job_info(&job_id)?;
            match json {
                true => println!("{}", output::pretty(&info.raw)),
                false => print_outcome(&info, &job_id),
            }
            Ok(EXIT_OK)
        }
        JobCommand::Logs { job_id, follow } => match follow {
            true => follow_log(&d, &job_id).map(|(code, _)| code),
            false => {
                print!("{}", d.job_logs(&job_id)?);
                Ok(EXIT_OK)
            }
        },
        JobCommand::Stop { job_id, no_wait } => stop(&d, &job_id, no_wait),
        JobCommand::Delete { job_id } => {
            if !d.delete_job(&job_id)? {
                return Err(Error::new(
                    ErrorKind::ServerError,
                    format!("the dashboard did not delete job '{job_id}'"),
                ));
            }
            eprintln!("Job '{job_id}' deleted successfully");
            Ok(EXIT_OK)
        }
        JobCommand::List { json } => {
            let jobs = d.list_jobs()?;
            match json {
                true => println!(
                    "{}",
                    output::pretty(&Json::Array(jobs.into_iter().map(|j| j.raw).collect()))
                ),
                false => print_jobs(&jobs),
            }
            Ok(EXIT_OK)
        }
    }
}

fn submit(d: &Dashboard, args: SubmitArgs) -> Result<u8, Error> {
    eprintln!("Job submission server address: {}", d.url());
    let mut job = JobSubmission::new(output::shell_join(&args.entrypoint));
    if args.job_id.is_some() {
        eprintln!("--job-id is deprecated; use --submission-id instead.");
    }
    job.submission_id = args.submission_id.or(args.job_id);
    job.runtime_env = runtime_env(&args.runtime_env, &args.runtime_env_json, &args.working_dir)?;
    if let Some(text) = &args.metadata_json {
        job.metadata = output::string_map(text, "--metadata-json")?;
    }
    if let Some(text) = &args.entrypoint_resources {
        job.entrypoint_resources = output::number_map(text, "--entrypoint-resources")?;
    }
    if let Some(text) = &args.entrypoint_label_selector {
        job.entrypoint_label_selector = output::string_map(text, "--entrypoint-label-selector")?;
    }
    job.entrypoint_num_cpus = args.entrypoint_num_cpus;
    job.entrypoint_num_gpus = args.entrypoint_num_gpus;
    job.entrypoint_memory = args.entrypoint_memory;
    job.upload_progress = Some(output::upload_progress());
    let id = d.submit_job(&job)?;
    banner(&format!("Job '{id}' submitted successfully"));
    eprintln!("Next steps");
    eprintln!("  Query the logs of the job:\n    rayc job logs {id}");
    eprintln!("  Query the status of the job:\n    rayc job status {id}");
    eprintln!("  Request the job to be stopped:\n    rayc job stop {id}\n");
    if args.no_wait {
        println!("{id}");
        return Ok(EXIT_OK);
    }
    eprintln!("Tailing logs until the job exits (disable with --no-wait):");
    let (code, info) = follow_log(d, &id)?;
    Ok(match info.map(|i| i.status) {
        _ if code != EXIT_OK => code,
        Some(JobStatus::Failed) => EXIT_FAILED,
        Some(JobStatus::Stopped) => EXIT_STOPPED,
        _ => EXIT_OK,
    })
}

/// The runtime_env of `ray job submit`'s three options (Python's
/// `parse_runtime_env_args`): a file or JSON text, with `--working-dir` over its own.
fn runtime_env(
    file: &Option<String>,
    text: &Option<String>,
    working_dir: &Option<String>,
) -> Result<Option<Json>, Error> {
    let mut env = match (file, text) {
        (Some(path), _) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                Error::new(
                    ErrorKind::InvalidArgument,
                    format!("reading the runtime_env file {path}: {e}"),
                )
            })?;
            Some(output::json_object(&text, &format!("the runtime_env file {path} (rayc reads JSON; for a YAML file pass its content as --runtime-env-json)"))?)
        }
        (None, Some(text)) => Some(output::json_object(text, "--runtime-env-json")?),
        (None, None) => None,
    };
    if let Some(dir) = working_dir {
        let env = env.get_or_insert_with(|| json!({}));
        env["working_dir"] = json!(dir);
    }
    Ok(env)
}

/// Prints the job's log as it comes until the job ends, then its outcome. Returns
/// [`EXIT_INTERRUPTED`] when Ctrl-C ended the following (the job goes on), and the
/// job's final details when it ended.
fn follow_log(d: &Dashboard, id: &str) -> Result<(u8, Option<JobDetails>), Error> {
    let mut tail = d.tail_job_logs(id)?;
    // A runtime of rayc's own to wait for the log and Ctrl-C at once; the library's
    // requests still run on its I/O thread.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::new(ErrorKind::Internal, format!("starting rayc: {e}")))?;
    let interrupted = rt.block_on(async {
        let ctrl_c = tokio::signal::ctrl_c();
        tokio::pin!(ctrl_c);
        let mut stdout = std::io::stdout();
        loop {
            tokio::select! {
                chunk = tail.recv() => match chunk {
                    Some(Ok(text)) => {
                        let _ = stdout.write_all(text.as_bytes());
                        let _ = stdout.flush();
                    }
                    Some(Err(e)) => return Err(e),
                    None => return Ok(false),
                },
                _ = &mut ctrl_c => return Ok(true),
            }
        }
    })?;
    if interrupted {
        eprintln!(
            "\nStopped following job '{id}'; the job goes on. Stop it with: rayc job stop {id}"
        );
        return Ok((EXIT_INTERRUPTED, None));
    }
    // The log closes as the job ends; its status may take a moment to say so.
    let info = match d.wait_job(id, Some(SETTLE)) {
        Err(e) if e.kind() == ErrorKind::Timeout => d.job_info(id)?,
        other => other?,
    };
    print_outcome(&info, id);
    Ok((EXIT_OK, Some(info)))
}

fn stop(d: &Dashboard, id: &str, no_wait: bool) -> Result<u8, Error> {
    eprintln!("Attempting to stop job '{id}'");
    d.stop_job(id)?;
    if no_wait {
        return Ok(EXIT_OK);
    }
    eprintln!("Waiting for job '{id}' to exit (disable with --no-wait):");
    loop {
        let info = d.job_info(id)?;
        if info.status.is_terminal() {
            print_outcome(&info, id);
            return Ok(EXIT_OK);
        }
        eprintln!("Job has not exited yet. Status: {}", info.status);
        std::thread::sleep(Duration::from_secs(1));
    }
}

/// Python's `_log_job_status`.
fn print_outcome(info: &JobDetails, id: &str) {
    let message = || {
        if let Some(m) = &info.message {
            eprintln!("Status message: {m}");
        }
    };
    match info.status {
        JobStatus::Succeeded => banner(&format!("Job '{id}' succeeded")),
        JobStatus::Stopped => eprintln!("Job '{id}' was stopped"),
        JobStatus::Failed => {
            banner(&format!("Job '{id}' failed"));
            message();
        }
        status => {
            eprintln!("Status for job '{id}': {status}");
            message();
        }
    }
}

/// Python's `_log_big_success_msg`: the message between two rules.
fn banner(message: &str) {
    let rule = "-".repeat(message.chars().count());
    eprintln!("\n{rule}\n{message}\n{rule}\n");
}

fn print_jobs(jobs: &[JobDetails]) {
    let mut table = Table::new(&[
        "SUBMISSION_ID",
        "JOB_ID",
        "STATUS",
        "START_TIME",
        "ENTRYPOINT",
    ]);
    for j in jobs {
        table.row(vec![
            j.submission_id.clone().unwrap_or_default(),
            j.job_id.clone().unwrap_or_default(),
            j.status.to_string(),
            j.start_time.map(output::unix_ms).unwrap_or_default(),
            output::cell(Some(&Json::String(j.entrypoint.clone()))),
        ]);
    }
    table.print();
}
