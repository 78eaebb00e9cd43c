package ray

/*
#include <stdlib.h>
#include "ray_client.h"
#include "helpers.h"
*/
import "C"

import (
	"context"
	"encoding/json"
	"iter"
	"math"
)

// JobStatus is a Ray job's state (Python's JobStatus).
type JobStatus string

// The job states.
const (
	JobPending   JobStatus = "PENDING"
	JobRunning   JobStatus = "RUNNING"
	JobStopped   JobStatus = "STOPPED"
	JobSucceeded JobStatus = "SUCCEEDED"
	JobFailed    JobStatus = "FAILED"
)

// IsTerminal reports whether the job is over (stopped, succeeded or failed).
func (s JobStatus) IsTerminal() bool {
	return s == JobStopped || s == JobSucceeded || s == JobFailed
}

// JobDetails is what the dashboard knows of one job (Python's JobDetails).
type JobDetails struct {
	// Type is "SUBMISSION" for a job submitted through the Jobs API, "DRIVER" otherwise.
	Type           string            `json:"type"`
	JobID          string            `json:"job_id"`
	SubmissionID   string            `json:"submission_id"`
	Status         JobStatus         `json:"status"`
	Entrypoint     string            `json:"entrypoint"`
	Message        string            `json:"message"`
	ErrorType      string            `json:"error_type"`
	StartTime      int64             `json:"start_time"` // Unix ms
	EndTime        int64             `json:"end_time"`   // Unix ms, once over
	Metadata       map[string]string `json:"metadata"`
	RuntimeEnv     map[string]any    `json:"runtime_env"`
	DriverNodeID   string            `json:"driver_node_id"`
	DriverExitCode *int              `json:"driver_exit_code"`
	// Raw is everything the dashboard sent, also fields newer than this package.
	Raw map[string]any `json:"-"`
}

// JobSubmission is a job to submit (the arguments of Python's submit_job).
type JobSubmission struct {
	// Entrypoint is the shell command the cluster runs.
	Entrypoint string
	// SubmissionID is the job's id; "" lets the dashboard make one (raysubmit_...).
	SubmissionID string
	// RuntimeEnv is the runtime environment: a local "working_dir" or "py_modules" path is
	// zipped and uploaded (under the name Python gives it, so not twice).
	RuntimeEnv map[string]any
	Metadata   map[string]string
	// Resources reserved for the entrypoint itself; nil or 0: none (a negative, NaN or
	// infinite amount is ErrInvalidArgument).
	EntrypointNumCPUs   *float64
	EntrypointNumGPUs   *float64
	EntrypointMemory    uint64
	EntrypointResources map[string]float64
	// UploadProgress, when set, is told how local packages upload (from a goroutine of
	// its own; SubmitJob returns after its last call).
	UploadProgress func(UploadProgress)
}

// SubmitJob submits job: uploads its local packages when the cluster lacks them, then
// starts it. It returns the submission id.
func (d *Dashboard) SubmitJob(ctx context.Context, job JobSubmission) (string, error) {
	const op = "SubmitJob"
	s, err := newSubmission(op, job)
	if err != nil {
		return "", err
	}
	defer C.ray_client_job_submission_free(s)
	if job.UploadProgress != nil {
		sink := newProgressSink(job.UploadProgress)
		defer closeProgressSink(sink)
		if err := ccall(op, func() cstatus { return C.rc_go_set_upload_progress(s, C.uintptr_t(sink)) }); err != nil {
			return "", err
		}
	}
	return stringCall(ctx, op, d.use, func(p *C.ray_client_dashboard, out **C.char) cstatus {
		return C.ray_client_job_submit(p, s, out)
	})
}

// newSubmission is job as a C submission handle, which the caller frees.
func newSubmission(op string, job JobSubmission) (*C.ray_client_job_submission, error) {
	// The C call reads a negative amount as "not given": refuse it here, as Python does.
	for what, n := range map[string]*float64{"EntrypointNumCPUs": job.EntrypointNumCPUs, "EntrypointNumGPUs": job.EntrypointNumGPUs} {
		if n != nil && !(*n >= 0 && !math.IsInf(*n, 1)) {
			return nil, errInvalid(op, "%s must be a finite number >= 0, got %v", what, *n)
		}
	}
	entrypoint, err := cstring(op, "entrypoint", job.Entrypoint)
	if err != nil {
		return nil, err
	}
	var s *C.ray_client_job_submission
	if err := ccall(op, func() cstatus { return C.ray_client_job_submission_new(entrypoint, &s) }); err != nil {
		return nil, err
	}
	fail := func(err error) (*C.ray_client_job_submission, error) {
		C.ray_client_job_submission_free(s)
		return nil, err
	}
	id, err := cstringOpt(op, "submission id", job.SubmissionID)
	if err != nil {
		return fail(err)
	}
	var env *C.char
	if job.RuntimeEnv != nil {
		text, err := json.Marshal(job.RuntimeEnv)
		if err != nil {
			return fail(errInvalid(op, "runtime env: %v", err))
		}
		if env, err = cstring(op, "runtime env", string(text)); err != nil {
			return fail(err)
		}
	}
	cpus, gpus := C.double(-1), C.double(-1)
	if job.EntrypointNumCPUs != nil {
		cpus = C.double(*job.EntrypointNumCPUs)
	}
	if job.EntrypointNumGPUs != nil {
		gpus = C.double(*job.EntrypointNumGPUs)
	}
	err = ccall(op, func() cstatus {
		if rc := C.ray_client_job_submission_set_submission_id(s, id); rc != C.RAY_CLIENT_OK {
			return rc
		}
		if rc := C.ray_client_job_submission_set_runtime_env_json(s, env); rc != C.RAY_CLIENT_OK {
			return rc
		}
		return C.ray_client_job_submission_set_entrypoint_resources(s, cpus, gpus, C.uint64_t(job.EntrypointMemory))
	})
	if err != nil {
		return fail(err)
	}
	for k, v := range job.Metadata {
		ck, err := cstring(op, "metadata key", k)
		if err != nil {
			return fail(err)
		}
		cv, err := cstring(op, "metadata value", v)
		if err != nil {
			return fail(err)
		}
		if err := ccall(op, func() cstatus { return C.ray_client_job_submission_add_metadata(s, ck, cv) }); err != nil {
			return fail(err)
		}
	}
	for name, amount := range job.EntrypointResources {
		cn, err := cstring(op, "resource name", name)
		if err != nil {
			return fail(err)
		}
		if err := ccall(op, func() cstatus {
			return C.ray_client_job_submission_add_entrypoint_resource(s, cn, C.double(amount))
		}); err != nil {
			return fail(err)
		}
	}
	return s, nil
}

// jobCall is stringCall for a C job call taking the job's id.
func (d *Dashboard) jobCall(ctx context.Context, op, id string, f func(p *C.ray_client_dashboard, id *C.char, out **C.char) cstatus) (string, error) {
	cid, err := cstring(op, "job id", id)
	if err != nil {
		return "", err
	}
	return stringCall(ctx, op, d.use, func(p *C.ray_client_dashboard, out **C.char) cstatus {
		return f(p, cid, out)
	})
}

// jobDetails decodes one job's JSON, keeping everything in Raw.
func jobDetails(op, text string) (*JobDetails, error) {
	var j JobDetails
	if err := json.Unmarshal([]byte(text), &j); err != nil {
		return nil, newError(ErrorInfo{Op: op, Code: CodeProtocol, Message: "bad JSON from the library: " + err.Error()})
	}
	if err := json.Unmarshal([]byte(text), &j.Raw); err != nil {
		return nil, newError(ErrorInfo{Op: op, Code: CodeProtocol, Message: "bad JSON from the library: " + err.Error()})
	}
	return &j, nil
}

// JobInfo is what the dashboard knows of the job with this submission id or job id
// (ErrNotFound for an unknown one).
func (d *Dashboard) JobInfo(ctx context.Context, id string) (*JobDetails, error) {
	const op = "JobInfo"
	text, err := d.jobCall(ctx, op, id, func(p *C.ray_client_dashboard, id *C.char, out **C.char) cstatus {
		return C.ray_client_job_info(p, id, out)
	})
	if err != nil {
		return nil, err
	}
	return jobDetails(op, text)
}

// JobStatus is the job's status.
func (d *Dashboard) JobStatus(ctx context.Context, id string) (JobStatus, error) {
	info, err := d.JobInfo(ctx, id)
	if err != nil {
		return "", err
	}
	return info.Status, nil
}

// ListJobs lists every job the cluster ran or runs, submitted or not.
func (d *Dashboard) ListJobs(ctx context.Context) ([]*JobDetails, error) {
	const op = "ListJobs"
	raw, err := jsonCall[[]json.RawMessage](ctx, op, d.use, func(p *C.ray_client_dashboard, out **C.char) cstatus {
		return C.ray_client_job_list(p, out)
	})
	if err != nil {
		return nil, err
	}
	jobs := make([]*JobDetails, len(raw))
	for i, r := range raw {
		if jobs[i], err = jobDetails(op, string(r)); err != nil {
			return nil, err
		}
	}
	return jobs, nil
}

// flagCall runs a C job call that answers with a flag (stopped, deleted).
func (d *Dashboard) flagCall(ctx context.Context, op, id string, f func(p *C.ray_client_dashboard, id *C.char, out *C.int) cstatus) (bool, error) {
	cid, err := cstring(op, "job id", id)
	if err != nil {
		return false, err
	}
	var flag C.int
	err = blockingCall(ctx, op, d.use, func(p *C.ray_client_dashboard) cstatus { return f(p, cid, &flag) }, nil)
	return flag != 0, err
}

// StopJob asks the job to stop; true when it was running, false when it had ended.
func (d *Dashboard) StopJob(ctx context.Context, id string) (bool, error) {
	return d.flagCall(ctx, "StopJob", id, func(p *C.ray_client_dashboard, id *C.char, out *C.int) cstatus {
		return C.ray_client_job_stop(p, id, out)
	})
}

// DeleteJob deletes an ended job's record; true when it was deleted. A running job
// gives ErrServer.
func (d *Dashboard) DeleteJob(ctx context.Context, id string) (bool, error) {
	return d.flagCall(ctx, "DeleteJob", id, func(p *C.ray_client_dashboard, id *C.char, out *C.int) cstatus {
		return C.ray_client_job_delete(p, id, out)
	})
}

// JobLogs is the job's whole log so far.
func (d *Dashboard) JobLogs(ctx context.Context, id string) (string, error) {
	return d.jobCall(ctx, "JobLogs", id, func(p *C.ray_client_dashboard, id *C.char, out **C.char) cstatus {
		return C.ray_client_job_logs(p, id, out)
	})
}

// WaitJob waits until the job is over and returns its details; ctx's deadline bounds
// the wait (ErrTimeout when it passes).
func (d *Dashboard) WaitJob(ctx context.Context, id string) (*JobDetails, error) {
	const op = "WaitJob"
	if err := checkContext(op, ctx); err != nil {
		return nil, err
	}
	limit := timeoutMS(ctx, -1)
	text, err := d.jobCall(ctx, op, id, func(p *C.ray_client_dashboard, id *C.char, out **C.char) cstatus {
		return C.ray_client_job_wait(p, id, limit, out)
	})
	if err != nil {
		return nil, err
	}
	return jobDetails(op, text)
}

// TailJobLogs follows the job's log from its start: each item is a chunk of text, until
// the job ends; an error item ends it early. Breaking out of the loop, or ctx ending,
// stops following (not the job).
func (d *Dashboard) TailJobLogs(ctx context.Context, id string) iter.Seq2[string, error] {
	const op = "TailJobLogs"
	return func(yield func(string, error) bool) {
		cid, err := cstring(op, "job id", id)
		if err != nil {
			yield("", err)
			return
		}
		var tail *C.ray_client_log_tail
		err = blockingCall(ctx, op, d.use, func(p *C.ray_client_dashboard) cstatus {
			return C.ray_client_job_tail_logs(p, cid, &tail)
		}, func() { C.ray_client_log_tail_free(tail) })
		if err != nil {
			yield("", err)
			return
		}
		// Freeing while a read abandoned by ctx still waits is safe: that read keeps the
		// tail until its chunk comes (ray_client_log_tail_free).
		defer C.ray_client_log_tail_free(tail)
		for {
			var chunk *C.char
			err := blocking(ctx, op, func() error {
				return ccall(op, func() cstatus { return C.ray_client_log_tail_next(tail, &chunk) })
			}, func() { C.ray_client_string_free(chunk) })
			if err != nil {
				yield("", err)
				return
			}
			if chunk == nil {
				return
			}
			if !yield(ownedString(chunk), nil) {
				return
			}
		}
	}
}
