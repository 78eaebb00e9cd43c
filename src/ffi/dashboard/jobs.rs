//! Ray Jobs (src/dashboard/jobs.rs): a job submission builder, the job calls, and
//! following a job's log.

use std::ffi::{c_char, c_int, c_void};
use std::sync::{Arc, Mutex, PoisonError};

use super::*;
use crate::dashboard::jobs::{JobDetails, JobStatus, JobSubmission, UploadProgress};
use crate::dashboard::LogTail;

/// Told how a package upload goes: the package's URI (NUL-terminated, borrowed for the
/// duration of the call), the bytes sent so far and the total. Runs on the library's I/O
/// thread: return quickly, make no blocking calls.
pub type ray_client_upload_progress_callback =
    Option<unsafe extern "C" fn(user: *mut c_void, uri: *const c_char, sent: u64, total: u64)>;

/// ---- Jobs (src/ffi/dashboard/jobs.rs) ----
///
/// A job's status (`ray_client_job_status`): waiting to start.
pub const RAY_CLIENT_JOB_PENDING: i32 = 0;
/// Its entrypoint runs.
pub const RAY_CLIENT_JOB_RUNNING: i32 = 1;
/// Stopped by a stop request.
pub const RAY_CLIENT_JOB_STOPPED: i32 = 2;
/// The entrypoint exited with 0.
pub const RAY_CLIENT_JOB_SUCCEEDED: i32 = 3;
/// The entrypoint failed (another exit code, or it could not start).
pub const RAY_CLIENT_JOB_FAILED: i32 = 4;

fn status_code(s: JobStatus) -> i32 {
    match s {
        JobStatus::Pending => RAY_CLIENT_JOB_PENDING,
        JobStatus::Running => RAY_CLIENT_JOB_RUNNING,
        JobStatus::Stopped => RAY_CLIENT_JOB_STOPPED,
        JobStatus::Succeeded => RAY_CLIENT_JOB_SUCCEEDED,
        JobStatus::Failed => RAY_CLIENT_JOB_FAILED,
    }
}

fn with_submission(
    s: *mut ray_client_job_submission,
    f: impl FnOnce(&mut JobSubmission) -> R<()>,
) -> ray_client_status {
    guard(|| {
        let s = get::<ray_client_job_submission>(s, "submission")?;
        let mut s = s.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut s)
    })
}

/// A job's details as JSON text: Python's `JobDetails` fields (`type`, `job_id`,
/// `submission_id`, `status`, `entrypoint`, `message`, `error_type`, `start_time`,
/// `end_time` in ms, `metadata`, `runtime_env`, `driver_node_id`, `driver_exit_code`,
/// ...) as the dashboard sent them.
fn details_json(d: &JobDetails) -> String {
    d.raw.to_string()
}

/// A job to submit, running `entrypoint` (a shell command). The caller frees `*out`
/// with `ray_client_job_submission_free`.
#[no_mangle]
pub unsafe extern "C" fn ray_client_job_submission_new(
    entrypoint: *const c_char,
    out: *mut *mut ray_client_job_submission,
) -> ray_client_status {
    guard(|| {
        let entrypoint = str_arg(entrypoint, "entrypoint")?;
        fill_handle(out, || {
            Ok(Arc::new(Mutex::new(JobSubmission::new(entrypoint))))
        })
    })
}

/// Frees a job submission. NULL is a no-op.
/// Thread-safety: may run while other threads still use the handle.
#[no_mangle]
pub unsafe extern "C" fn ray_client_job_submission_free(
    submission: *mut ray_client_job_submission,
) -> ray_client_status {
    guard(|| free_handle(submission))
}

/// The job's id (NULL: the dashboard makes one, `raysubmit_...`).
#[no_mangle]
pub unsafe extern "C" fn ray_client_job_submission_set_submission_id(
    submission: *mut ray_client_job_submission,
    id: *const c_char,
) -> ray_client_status {
    let id = opt_str(id, "id");
    with_submission(submission, |s| {
        s.submission_id = id?.map(str::to_owned);
        Ok(())
    })
}

/// The runtime environment as JSON text (an object; NULL: none). A local `working_dir`
/// or `py_modules` path is zipped and uploaded when the job is submitted.
#[no_mangle]
pub unsafe extern "C" fn ray_client_job_submission_set_runtime_env_json(
    submission: *mut ray_client_job_submission,
    json: *const c_char,
) -> ray_client_status {
    let json = opt_str(json, "json");
    with_submission(submission, |s| {
        s.runtime_env = match json? {
            None => None,
            Some(text) => {
                let env: serde_json::Value = serde_json::from_str(text).map_err(|e| {
                    ErrorInfo::from(crate::Error::invalid(format!(
                        "runtime_env is not JSON: {e}"
                    )))
                })?;
                if !env.is_object() {
                    return Err(crate::Error::invalid("runtime_env must be a JSON object").into());
                }
                Some(env)
            }
        };
        Ok(())
    })
}

/// Adds a metadata entry to the job.
#[no_mangle]
pub unsafe extern "C" fn ray_client_job_submission_add_metadata(
    submission: *mut ray_client_job_submission,
    key: *const c_char,
    value: *const c_char,
) -> ray_client_status {
    let pair = str_pair(key, "key", value);
    with_submission(submission, |s| {
        let (k, v) = pair?;
        s.metadata.insert(k, v);
        Ok(())
    })
}

/// Resources reserved for the entrypoint itself: CPUs, GPUs (a negative number leaves
/// one unset) and memory in bytes (0: unset).
#[no_mangle]
pub unsafe extern "C" fn ray_client_job_submission_set_entrypoint_resources(
    submission: *mut ray_client_job_submission,
    num_cpus: f64,
    num_gpus: f64,
    memory: u64,
) -> ray_client_status {
    with_submission(submission, |s| {
        s.entrypoint_num_cpus = (num_cpus >= 0.0).then_some(num_cpus);
        s.entrypoint_num_gpus = (num_gpus >= 0.0).then_some(num_gpus);
        s.entrypoint_memory = (memory > 0).then_some(memory);
        Ok(())
    })
}

/// Reserves `amount` of the custom resource `name` for the entrypoint.
#[no_mangle]
pub unsafe extern "C" fn ray_client_job_submission_add_entrypoint_resource(
    submission: *mut ray_client_job_submission,
    name: *const c_char,
    amount: f64,
) -> ray_client_status {
    let name = str_arg(name, "name");
    with_submission(submission, |s| {
        s.entrypoint_resources.insert(name?.to_owned(), amount);
        Ok(())
    })
}

/// Tells `callback` (with `user`) how package uploads go; NULL stops telling.
#[no_mangle]
pub unsafe extern "C" fn ray_client_job_submission_set_upload_progress(
    submission: *mut ray_client_job_submission,
    callback: ray_client_upload_progress_callback,
    user: *mut c_void,
) -> ray_client_status {
    let user = UserData(user);
    with_submission(submission, |s| {
        s.upload_progress = callback.map(|cb| {
            let f = move |p: &UploadProgress| {
                let uri = cstring_lossy(p.uri.clone());
                // SAFETY: the caller promised `cb` may be called with `user` from the
                // I/O thread; `uri` lives across the call.
                unsafe { cb(user.get(), uri.as_ptr(), p.sent, p.total) };
            };
            Arc::new(f) as crate::dashboard::jobs::UploadProgressFn
        });
        Ok(())
    })
}

/// Submits the job: uploads its local packages when the cluster lacks them, then starts
/// it. `*out_id` gets the submission id; the caller frees it with
/// `ray_client_string_free`.
#[no_mangle]
pub unsafe extern "C" fn ray_client_job_submit(
    dashboard: *const ray_client_dashboard,
    submission: *const ray_client_job_submission,
    out_id: *mut *mut c_char,
) -> ray_client_status {
    guard(|| {
        let d = dashboard_of(dashboard)?;
        let s = get::<ray_client_job_submission>(submission, "submission")?;
        let s = s.lock().unwrap_or_else(PoisonError::into_inner).clone();
        fill_string(out_id, || Ok(d.dashboard.submit_job(&s)?))
    })
}

/// The job's details (by submission id or job id) as JSON text (see the fields above).
/// `RAY_CLIENT_ERROR_NOT_FOUND` for an unknown job. The caller frees `*out_json` with
/// `ray_client_string_free`.
#[no_mangle]
pub unsafe extern "C" fn ray_client_job_info(
    dashboard: *const ray_client_dashboard,
    job_id: *const c_char,
    out_json: *mut *mut c_char,
) -> ray_client_status {
    guard(|| {
        let d = dashboard_of(dashboard)?;
        let id = str_arg(job_id, "job_id")?;
        fill_string(out_json, || Ok(details_json(&d.dashboard.job_info(id)?)))
    })
}

/// The job's status, one of `RAY_CLIENT_JOB_*`.
#[no_mangle]
pub unsafe extern "C" fn ray_client_job_status(
    dashboard: *const ray_client_dashboard,
    job_id: *const c_char,
    out_status: *mut c_int,
) -> ray_client_status {
    guard(|| {
        let d = dashboard_of(dashboard)?;
        let id = str_arg(job_id, "job_id")?;
        let out = out_val(out_status, "out_status", -1)?;
        *out = status_code(d.dashboard.job_status(id)?);
        Ok(())
    })
}

/// Every job of the cluster, as a JSON array of details. The caller frees `*out_json`
/// with `ray_client_string_free`.
#[no_mangle]
pub unsafe extern "C" fn ray_client_job_list(
    dashboard: *const ray_client_dashboard,
    out_json: *mut *mut c_char,
) -> ray_client_status {
    guard(|| {
        let d = dashboard_of(dashboard)?;
        fill_string(out_json, || {
            let jobs = d.dashboard.list_jobs()?;
            Ok(serde_json::Value::Array(jobs.into_iter().map(|j| j.raw).collect()).to_string())
        })
    })
}

/// Asks the job to stop; `*out_stopped` is 1 when it was running, 0 when it had ended.
#[no_mangle]
pub unsafe extern "C" fn ray_client_job_stop(
    dashboard: *const ray_client_dashboard,
    job_id: *const c_char,
    out_stopped: *mut c_int,
) -> ray_client_status {
    guard(|| {
        let d = dashboard_of(dashboard)?;
        let id = str_arg(job_id, "job_id")?;
        let out = out_val(out_stopped, "out_stopped", 0)?;
        *out = c_int::from(d.dashboard.stop_job(id)?);
        Ok(())
    })
}

/// Deletes an ended job's record; `*out_deleted` is 1 when it was deleted. A running
/// job gives `RAY_CLIENT_ERROR_SERVER_ERROR`.
#[no_mangle]
pub unsafe extern "C" fn ray_client_job_delete(
    dashboard: *const ray_client_dashboard,
    job_id: *const c_char,
    out_deleted: *mut c_int,
) -> ray_client_status {
    guard(|| {
        let d = dashboard_of(dashboard)?;
        let id = str_arg(job_id, "job_id")?;
        let out = out_val(out_deleted, "out_deleted", 0)?;
        *out = c_int::from(d.dashboard.delete_job(id)?);
        Ok(())
    })
}

/// The job's whole log so far. The caller frees `*out_logs` with
/// `ray_client_string_free`.
#[no_mangle]
pub unsafe extern "C" fn ray_client_job_logs(
    dashboard: *const ray_client_dashboard,
    job_id: *const c_char,
    out_logs: *mut *mut c_char,
) -> ray_client_status {
    guard(|| {
        let d = dashboard_of(dashboard)?;
        let id = str_arg(job_id, "job_id")?;
        fill_string(out_logs, || Ok(d.dashboard.job_logs(id)?))
    })
}

/// Waits until the job is over, at most `timeout_ms` (negative: no limit;
/// `RAY_CLIENT_ERROR_TIMEOUT` when it passes), and gives its details as JSON text. The
/// caller frees `*out_json` with `ray_client_string_free`.
#[no_mangle]
pub unsafe extern "C" fn ray_client_job_wait(
    dashboard: *const ray_client_dashboard,
    job_id: *const c_char,
    timeout_ms: i64,
    out_json: *mut *mut c_char,
) -> ray_client_status {
    guard(|| {
        let d = dashboard_of(dashboard)?;
        let id = str_arg(job_id, "job_id")?;
        let timeout = super::super::timeout_ms(timeout_ms);
        fill_string(out_json, || {
            Ok(details_json(&d.dashboard.wait_job(id, timeout)?))
        })
    })
}

/// Follows the job's log from its start: read it with `ray_client_log_tail_next`. The
/// caller frees `*out` with `ray_client_log_tail_free`, which stops following (not the
/// job).
#[no_mangle]
pub unsafe extern "C" fn ray_client_job_tail_logs(
    dashboard: *const ray_client_dashboard,
    job_id: *const c_char,
    out: *mut *mut ray_client_log_tail,
) -> ray_client_status {
    guard(|| {
        let d = dashboard_of(dashboard)?;
        let id = str_arg(job_id, "job_id")?;
        fill_handle(out, || {
            Ok(Arc::new(Mutex::new(d.dashboard.tail_job_logs(id)?)))
        })
    })
}

/// The next chunk of a followed log, blocking until there is one: `*out_chunk` gets it
/// (free it with `ray_client_string_free`), or NULL once the log ended with the job.
/// `RAY_CLIENT_ERROR_CONNECTION_LOST` when the dashboard went away first.
#[no_mangle]
pub unsafe extern "C" fn ray_client_log_tail_next(
    tail: *mut ray_client_log_tail,
    out_chunk: *mut *mut c_char,
) -> ray_client_status {
    guard(|| {
        let t = get::<ray_client_log_tail>(tail, "tail")?;
        let out = out_handle(out_chunk, "out_chunk")?;
        let next = t.lock().unwrap_or_else(PoisonError::into_inner).next();
        if let Some(chunk) = next {
            *out = give_string(chunk?);
        }
        Ok(())
    })
}

/// Frees a log tail and stops following. NULL is a no-op.
/// Thread-safety: may run while another thread waits in `ray_client_log_tail_next` on
/// it; that call returns when its chunk comes.
#[no_mangle]
pub unsafe extern "C" fn ray_client_log_tail_free(
    tail: *mut ray_client_log_tail,
) -> ray_client_status {
    guard(|| free_handle(tail))
}

pub(crate) type LogTailBox = Arc<Mutex<LogTail>>;
