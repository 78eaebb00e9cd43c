//! Ray Jobs through the dashboard, with the semantics of Python's `JobSubmissionClient`
//! (`ray/dashboard/modules/job/sdk.py`): a job is a shell command (its entrypoint) that
//! the cluster runs once, in a runtime environment, as a driver of its own.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{json, Map, Value as Json};

use super::{packages, Dashboard, LogTail};
use crate::error::{Error, ErrorKind, Result};

/// How often [`Dashboard::wait_job`] asks for the status (Python's CLI: every second).
const WAIT_POLL: Duration = Duration::from_secs(1);

/// A job's state (Python's `JobStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobStatus {
    /// Waiting for its entrypoint to start (runtime environment, resources).
    Pending,
    /// The entrypoint runs.
    Running,
    /// Stopped by a stop request.
    Stopped,
    /// The entrypoint exited with 0.
    Succeeded,
    /// The entrypoint exited with another code, or could not start.
    Failed,
}

impl JobStatus {
    /// The name the dashboard uses, e.g. `"SUCCEEDED"`.
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Pending => "PENDING",
            JobStatus::Running => "RUNNING",
            JobStatus::Stopped => "STOPPED",
            JobStatus::Succeeded => "SUCCEEDED",
            JobStatus::Failed => "FAILED",
        }
    }

    /// Parses a name the dashboard uses.
    pub fn parse(s: &str) -> Option<JobStatus> {
        Some(match s {
            "PENDING" => JobStatus::Pending,
            "RUNNING" => JobStatus::Running,
            "STOPPED" => JobStatus::Stopped,
            "SUCCEEDED" => JobStatus::Succeeded,
            "FAILED" => JobStatus::Failed,
            _ => return None,
        })
    }

    /// Whether the job is over (stopped, succeeded or failed).
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            JobStatus::Stopped | JobStatus::Succeeded | JobStatus::Failed
        )
    }
}

impl fmt::Display for JobStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the dashboard knows of one job (Python's `JobDetails`).
#[derive(Debug, Clone, PartialEq)]
pub struct JobDetails {
    /// `"SUBMISSION"` for a job submitted through the Jobs API, `"DRIVER"` for a driver
    /// connected by other means (a script calling `ray.init`, a Ray Client).
    pub job_type: String,
    /// Ray's job id (hex), once the job's driver started.
    pub job_id: Option<String>,
    /// The id the submission was given (None for drivers).
    pub submission_id: Option<String>,
    pub status: JobStatus,
    pub entrypoint: String,
    /// The status in more detail ("Job finished successfully.").
    pub message: Option<String>,
    /// `"JOB_ENTRYPOINT_COMMAND_ERROR"` and the like, when it failed.
    pub error_type: Option<String>,
    /// Unix time in milliseconds.
    pub start_time: Option<u64>,
    pub end_time: Option<u64>,
    pub metadata: BTreeMap<String, String>,
    /// The runtime environment as the cluster holds it (URIs for uploaded packages).
    pub runtime_env: Json,
    pub driver_node_id: Option<String>,
    /// The entrypoint's exit code, once it exited.
    pub driver_exit_code: Option<i64>,
    /// Everything the dashboard sent, also fields newer than this library.
    pub raw: Json,
}

impl JobDetails {
    /// Reads one job of the dashboard's JSON.
    pub fn from_json(raw: Json) -> Result<JobDetails> {
        let s = |k: &str| raw.get(k).and_then(Json::as_str).map(str::to_owned);
        let status_text = s("status").unwrap_or_default();
        let status = JobStatus::parse(&status_text).ok_or_else(|| {
            Error::protocol(format!(
                "a job with the unknown status {status_text:?}: {raw}"
            ))
        })?;
        let metadata = raw
            .get("metadata")
            .and_then(Json::as_object)
            .map(|m| {
                m.iter()
                    .map(|(k, v)| {
                        (
                            k.clone(),
                            v.as_str().map_or_else(|| v.to_string(), str::to_owned),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        Ok(JobDetails {
            job_type: s("type").unwrap_or_default(),
            job_id: s("job_id"),
            submission_id: s("submission_id"),
            status,
            entrypoint: s("entrypoint").unwrap_or_default(),
            message: s("message"),
            error_type: s("error_type"),
            start_time: raw.get("start_time").and_then(Json::as_u64),
            end_time: raw.get("end_time").and_then(Json::as_u64),
            metadata,
            runtime_env: raw.get("runtime_env").cloned().unwrap_or(Json::Null),
            driver_node_id: s("driver_node_id"),
            driver_exit_code: raw.get("driver_exit_code").and_then(Json::as_i64),
            raw,
        })
    }
}

/// A package upload in progress (see [`JobSubmission::upload_progress`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadProgress {
    /// The package's URI, `gcs://_ray_pkg_<hash>.zip`.
    pub uri: String,
    /// What it holds, e.g. `runtime_env working_dir "./src"`.
    pub what: String,
    pub sent: u64,
    pub total: u64,
}

/// Called while packages upload; runs on the library's I/O thread, so it must not block
/// or call back into the library.
pub type UploadProgressFn = Arc<dyn Fn(&UploadProgress) + Send + Sync>;

/// A job to submit (the arguments of Python's `submit_job`).
#[derive(Clone, Default)]
pub struct JobSubmission {
    /// The shell command the cluster runs.
    pub entrypoint: String,
    /// The job's id; the dashboard makes one (`raysubmit_...`) when `None`.
    pub submission_id: Option<String>,
    /// A runtime environment (a JSON object): a local `working_dir` or `py_modules`
    /// entry is zipped and uploaded as Python does, under the same content-hash name,
    /// and not uploaded again while the cluster has it.
    pub runtime_env: Option<Json>,
    pub metadata: BTreeMap<String, String>,
    /// CPUs, GPUs, memory (bytes) and custom resources reserved for the entrypoint
    /// itself (default none).
    pub entrypoint_num_cpus: Option<f64>,
    pub entrypoint_num_gpus: Option<f64>,
    pub entrypoint_memory: Option<u64>,
    pub entrypoint_resources: BTreeMap<String, f64>,
    pub entrypoint_label_selector: BTreeMap<String, String>,
    /// Told how package uploads go (for progress displays).
    pub upload_progress: Option<UploadProgressFn>,
}

impl fmt::Debug for JobSubmission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JobSubmission")
            .field("entrypoint", &self.entrypoint)
            .field("submission_id", &self.submission_id)
            .field("runtime_env", &self.runtime_env)
            .field("metadata", &self.metadata)
            .finish_non_exhaustive()
    }
}

impl JobSubmission {
    /// A job running `entrypoint`.
    pub fn new(entrypoint: impl Into<String>) -> Self {
        JobSubmission {
            entrypoint: entrypoint.into(),
            ..Default::default()
        }
    }

    pub fn submission_id(mut self, id: impl Into<String>) -> Self {
        self.submission_id = Some(id.into());
        self
    }

    pub fn runtime_env(mut self, env: Json) -> Self {
        self.runtime_env = Some(env);
        self
    }

    pub fn metadata(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.metadata.insert(key.into(), value.into());
        self
    }

    /// The JSON body of the submit request (`JobSubmitRequest` without its `None`s).
    fn body(&self, runtime_env: Json, defaults: &BTreeMap<String, String>) -> Json {
        let mut metadata = self.metadata.clone();
        // Python merges the client's metadata over the job's.
        metadata.extend(defaults.iter().map(|(k, v)| (k.clone(), v.clone())));
        let mut body = Map::new();
        body.insert("entrypoint".into(), json!(self.entrypoint));
        if let Some(id) = &self.submission_id {
            body.insert("submission_id".into(), json!(id));
        }
        body.insert("runtime_env".into(), runtime_env);
        body.insert("metadata".into(), json!(metadata));
        let numbers = [
            (
                "entrypoint_num_cpus",
                self.entrypoint_num_cpus.map(|n| json!(n)),
            ),
            (
                "entrypoint_num_gpus",
                self.entrypoint_num_gpus.map(|n| json!(n)),
            ),
            (
                "entrypoint_memory",
                self.entrypoint_memory.map(|n| json!(n)),
            ),
        ];
        for (k, v) in numbers {
            if let Some(v) = v {
                body.insert(k.into(), v);
            }
        }
        if !self.entrypoint_resources.is_empty() {
            body.insert(
                "entrypoint_resources".into(),
                json!(self.entrypoint_resources),
            );
        }
        if !self.entrypoint_label_selector.is_empty() {
            body.insert(
                "entrypoint_label_selector".into(),
                json!(self.entrypoint_label_selector),
            );
        }
        Json::Object(body)
    }

    fn check(&self) -> Result<()> {
        if self.entrypoint.trim().is_empty() {
            return Err(Error::invalid(
                "a job needs an entrypoint (the command to run)",
            ));
        }
        let negative = [
            ("entrypoint_num_cpus", self.entrypoint_num_cpus),
            ("entrypoint_num_gpus", self.entrypoint_num_gpus),
        ];
        for (name, n) in negative {
            if n.is_some_and(|n| !(n >= 0.0 && n.is_finite())) {
                return Err(Error::invalid(format!("{name} must be a number >= 0")));
            }
        }
        if let Some((k, _)) = self
            .entrypoint_resources
            .iter()
            .find(|(_, v)| !(**v >= 0.0 && v.is_finite()))
        {
            return Err(Error::invalid(format!(
                "entrypoint_resources[{k:?}] must be a number >= 0"
            )));
        }
        if let Some(env) = &self.runtime_env {
            if !env.is_object() && !env.is_null() {
                return Err(Error::invalid("a job's runtime_env must be a JSON object"));
            }
        }
        Ok(())
    }
}

impl Dashboard {
    /// Submits `job`: uploads its local packages when the cluster lacks them, then asks
    /// the dashboard to run it. Returns the submission id.
    pub fn submit_job(&self, job: &JobSubmission) -> Result<String> {
        job.check()?;
        let env = job.runtime_env.clone().unwrap_or(Json::Null);
        let env = match env {
            Json::Null => json!({}),
            env => packages::upload_local(self, &env, job.upload_progress.clone())?,
        };
        let body = job.body(env, &self.inner.metadata);
        let reply = self.json(Method::POST, "/api/jobs/", Some(&body))?;
        reply
            .get("submission_id")
            .or_else(|| reply.get("job_id"))
            .and_then(Json::as_str)
            .map(str::to_owned)
            .ok_or_else(|| Error::protocol(format!("the submit reply names no job: {reply}")))
    }

    /// What the dashboard knows of the job with this submission id or job id.
    pub fn job_info(&self, id: &str) -> Result<JobDetails> {
        let path = job_path(id, "")?;
        JobDetails::from_json(
            self.json(Method::GET, &path, None)
                .map_err(|e| not_found(e, id))?,
        )
    }

    /// The job's status.
    pub fn job_status(&self, id: &str) -> Result<JobStatus> {
        Ok(self.job_info(id)?.status)
    }

    /// Every job the cluster ran or runs, submitted or not.
    pub fn list_jobs(&self) -> Result<Vec<JobDetails>> {
        let reply = self.json(Method::GET, "/api/jobs/", None)?;
        let Json::Array(jobs) = reply else {
            return Err(Error::protocol(format!(
                "the job list is not a list: {reply}"
            )));
        };
        jobs.into_iter().map(JobDetails::from_json).collect()
    }

    /// Asks the job to stop (its entrypoint gets SIGTERM, then SIGKILL). True when it was
    /// running, false when it had ended already.
    pub fn stop_job(&self, id: &str) -> Result<bool> {
        let path = job_path(id, "/stop")?;
        let reply = self
            .json(Method::POST, &path, None)
            .map_err(|e| not_found(e, id))?;
        bool_field(&reply, "stopped")
    }

    /// Deletes an ended job's record (not its logs on disk). True when it was deleted;
    /// an error for a job still running.
    pub fn delete_job(&self, id: &str) -> Result<bool> {
        let path = job_path(id, "")?;
        let reply = self
            .json(Method::DELETE, &path, None)
            .map_err(|e| not_found(e, id))?;
        bool_field(&reply, "deleted")
    }

    /// The job's whole log so far (its entrypoint's stdout and stderr).
    pub fn job_logs(&self, id: &str) -> Result<String> {
        let path = job_path(id, "/logs")?;
        let reply = self
            .json(Method::GET, &path, None)
            .map_err(|e| not_found(e, id))?;
        reply
            .get("logs")
            .and_then(Json::as_str)
            .map(str::to_owned)
            .ok_or_else(|| Error::protocol(format!("the logs reply has no logs: {reply}")))
    }

    /// Follows the job's log as it is written, from its start, until the job ends.
    pub fn tail_job_logs(&self, id: &str) -> Result<LogTail> {
        let path = job_path(id, "/logs/tail")?;
        // A clear error for an unknown job (the websocket would just close).
        self.job_info(id)?;
        LogTail::open(self, &path)
    }

    /// Waits until the job is over (or `timeout` passed: a [`ErrorKind::Timeout`] error);
    /// returns its details then.
    pub fn wait_job(&self, id: &str, timeout: Option<Duration>) -> Result<JobDetails> {
        let start = Instant::now();
        loop {
            let info = self.job_info(id)?;
            if info.status.is_terminal() {
                return Ok(info);
            }
            let mut pause = WAIT_POLL;
            if let Some(t) = timeout {
                let left = t.saturating_sub(start.elapsed());
                if left.is_zero() {
                    return Err(Error::new(
                        ErrorKind::Timeout,
                        format!(
                            "job {id} is still {} after {:.1} s",
                            info.status,
                            start.elapsed().as_secs_f64()
                        ),
                    ));
                }
                pause = pause.min(left);
            }
            std::thread::sleep(pause);
        }
    }
}

/// `/api/jobs/{id}{rest}`, for an id that cannot escape its path segment.
fn job_path(id: &str, rest: &str) -> Result<String> {
    if id.is_empty() || id.contains(['/', '?', '#', '%']) || id.chars().any(char::is_control) {
        return Err(Error::invalid(format!("{id:?} is not a job id")));
    }
    Ok(format!("/api/jobs/{id}{rest}"))
}

/// The dashboard's 404 text ("Job X does not exist") as a not-found error naming the job.
fn not_found(e: Error, id: &str) -> Error {
    match e.kind() {
        ErrorKind::NotFound => Error::new(
            ErrorKind::NotFound,
            format!("no job {id} on this cluster ({})", e.message()),
        ),
        _ => e,
    }
}

fn bool_field(reply: &Json, field: &str) -> Result<bool> {
    reply
        .get(field)
        .and_then(Json::as_bool)
        .ok_or_else(|| Error::protocol(format!("the reply has no {field}: {reply}")))
}
