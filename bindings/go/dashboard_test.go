package ray

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testDashboard connects to the test cluster's dashboard ($RAY_TEST_DASHBOARD_URL, which
// tests/harness/ray-cluster writes); it is closed when the test ends.
func testDashboard(t *testing.T) *Dashboard {
	t.Helper()
	url := os.Getenv("RAY_TEST_DASHBOARD_URL")
	if url == "" {
		t.Fatal("RAY_TEST_DASHBOARD_URL is not set: the test cluster runs no dashboard (RAY_TEST_DASHBOARD=0?)")
	}
	d, err := ConnectDashboard(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if d.URL() != url || !strings.HasPrefix(d.RayVersion(), "2.") {
		t.Fatalf("url %q, version %q", d.URL(), d.RayVersion())
	}
	return d
}

// jobDir is a fresh working_dir with one file; unique text makes its package new to the
// cluster.
func jobDir(t *testing.T, file, text string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, file), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestJobSubmitWaitLogsList(t *testing.T) {
	d := testDashboard(t)
	ctx := context.Background()
	id := fmt.Sprintf("rc-go-%d-%d", os.Getpid(), time.Now().UnixNano())
	dir := jobDir(t, "hello.py", "print('hello from Go')  # "+id+"\n")
	var progress []UploadProgress // written by the progress goroutine, read after SubmitJob
	got, err := d.SubmitJob(ctx, JobSubmission{
		Entrypoint:     "python hello.py",
		SubmissionID:   id,
		RuntimeEnv:     map[string]any{"working_dir": dir},
		Metadata:       map[string]string{"owner": "go-test"},
		UploadProgress: func(p UploadProgress) { progress = append(progress, p) },
	})
	if err != nil || got != id {
		t.Fatalf("submit: %q, %v", got, err)
	}
	// The package was new to the cluster: its upload was told, ending with all of it.
	if len(progress) == 0 {
		t.Fatal("no upload progress")
	}
	last := progress[len(progress)-1]
	if !strings.HasPrefix(last.URI, "gcs://_ray_pkg_") || last.Total == 0 || last.Sent != last.Total {
		t.Fatalf("progress %+v", progress)
	}
	info, err := d.WaitJob(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if info.Status != JobSucceeded || info.Metadata["owner"] != "go-test" || info.DriverExitCode == nil || *info.DriverExitCode != 0 {
		t.Fatalf("%+v", info)
	}
	if wd, _ := info.RuntimeEnv["working_dir"].(string); !strings.HasPrefix(wd, "gcs://_ray_pkg_") {
		t.Fatalf("working_dir %v", info.RuntimeEnv)
	}
	if info.Raw["entrypoint"] != "python hello.py" {
		t.Fatalf("raw %v", info.Raw)
	}
	logs, err := d.JobLogs(ctx, id)
	if err != nil || !strings.Contains(logs, "hello from Go") {
		t.Fatalf("logs %q, %v", logs, err)
	}
	jobs, err := d.ListJobs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, j := range jobs {
		found = found || j.SubmissionID == id
	}
	if !found {
		t.Fatalf("%s not listed", id)
	}
	if ok, err := d.DeleteJob(ctx, id); err != nil || !ok {
		t.Fatalf("delete: %v, %v", ok, err)
	}
	if _, err := d.JobStatus(ctx, id); !errors.Is(err, ErrNotFound) {
		t.Fatalf("after delete: %v", err)
	}
}

func TestJobFollowStopFail(t *testing.T) {
	d := testDashboard(t)
	ctx := context.Background()
	id, err := d.SubmitJob(ctx, JobSubmission{
		Entrypoint: "python -c \"import time; print('started', flush=True); time.sleep(600)\"",
	})
	if err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	stopped := false
	for chunk, err := range d.TailJobLogs(ctx, id) {
		if err != nil {
			t.Fatal(err)
		}
		text.WriteString(chunk)
		if !stopped && strings.Contains(text.String(), "started") {
			if ok, err := d.StopJob(ctx, id); err != nil || !ok {
				t.Fatalf("stop: %v, %v", ok, err)
			}
			stopped = true
		}
	}
	if !stopped {
		t.Fatalf("the log ended before the job printed: %q", text.String())
	}
	if s, err := d.JobStatus(ctx, id); err != nil || s != JobStopped {
		t.Fatalf("%v, %v", s, err)
	}
	// A failing entrypoint: FAILED with its exit code. Breaking out of a tail stops it.
	fail, err := d.SubmitJob(ctx, JobSubmission{Entrypoint: "python -c \"import sys; print('bye'); sys.exit(5)\""})
	if err != nil {
		t.Fatal(err)
	}
	for range d.TailJobLogs(ctx, fail) {
		break
	}
	info, err := d.WaitJob(ctx, fail)
	if err != nil || info.Status != JobFailed || info.DriverExitCode == nil || *info.DriverExitCode != 5 {
		t.Fatalf("%+v, %v", info, err)
	}
	// A deadline shorter than the job: ErrTimeout.
	long, err := d.SubmitJob(ctx, JobSubmission{Entrypoint: "sleep 60"})
	if err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	if _, err := d.WaitJob(short, long); !errors.Is(err, ErrTimeout) && !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("wait past the deadline: %v", err)
	}
	if _, err := d.StopJob(ctx, long); err != nil {
		t.Fatal(err)
	}
}

func TestStateLists(t *testing.T) {
	d := testDashboard(t)
	ctx := context.Background()
	c := shared(t)
	name := fmt.Sprintf("rc-go-state-%d", os.Getpid())
	a, err := c.ActorClass(tasks, "Counter").Options(Name(name)).Remote(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	r, err := a.Method("incr").Remote(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Get(ctx, r); err != nil {
		t.Fatal(err)
	}
	actors, err := d.ListActors(ctx, ListOptions{Filters: []StateFilter{{"name", "=", name}}})
	if err != nil || len(actors) != 1 || actors[0].ClassName != "Counter" || actors[0].State == "" {
		t.Fatalf("%+v, %v", actors, err)
	}
	nodes, err := d.ListNodes(ctx, ListOptions{Filters: []StateFilter{{"state", "=", "ALIVE"}}})
	if err != nil || len(nodes) < 1 || nodes[0].ResourcesTotal["CPU"] <= 0 {
		t.Fatalf("%+v, %v", nodes, err)
	}
	// The method ran; the cluster reports task events a moment later, so wait for it
	// (no time limit: a report that never comes shows as this test running on).
	byActor := ListOptions{Detail: true, Filters: []StateFilter{{"actor_id", "=", actors[0].ActorID}}}
	for {
		tasks, err := d.ListTasks(ctx, byActor)
		if err != nil {
			t.Fatal(err)
		}
		if len(tasks) > 0 && tasks[0].Type != "" && tasks[0].TaskID != "" {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	page, err := d.ListState(ctx, "placement_groups", ListOptions{Limit: 5})
	if err != nil || page.Records == nil {
		t.Fatalf("%+v, %v", page, err)
	}
	summary, err := d.SummarizeTasks(ctx)
	if err != nil || summary["cluster"] == nil {
		t.Fatalf("%v, %v", summary, err)
	}
	if _, err := d.ListState(ctx, "bogus", ListOptions{}); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("bogus resource: %v", err)
	}
	if _, err := d.ListNodes(ctx, ListOptions{Filters: []StateFilter{{"state", "<", "x"}}}); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("bad predicate: %v", err)
	}
}

// A client's job config (Python's JobConfig(metadata=..., default_actor_lifetime=
// "detached")): the metadata is listed with its job, and an actor created without a
// lifetime outlives the client.
func TestClientJobConfig(t *testing.T) {
	d := testDashboard(t)
	ctx := context.Background()
	tag := fmt.Sprintf("rc-go-job-config-%d", os.Getpid())
	c, err := Connect(ctx, testAddress, WithNamespace("rc-go-job-config"), WithLogsOff(),
		WithRuntimeEnv(testEnv(nil)), WithJobMetadata("test", tag), WithDetachedActors())
	if err != nil {
		t.Fatal(err)
	}
	a, err := c.ActorClass(tasks, "Counter").Options(Name(tag)).Remote(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	r, err := a.Method("incr").Remote(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Get(ctx, r); err != nil {
		t.Fatal(err)
	}
	rc, err := c.RuntimeContext(ctx)
	if err != nil {
		t.Fatal(err)
	}
	a.Close()
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	jobs, err := d.ListJobs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, j := range jobs {
		if j.JobID == rc.JobID {
			found = j.Metadata["test"] == tag
		}
	}
	if !found {
		t.Fatalf("job %s with metadata test=%s not listed", rc.JobID, tag)
	}
	other := shared(t)
	h, err := other.GetActor(ctx, tag, "rc-go-job-config")
	if err != nil {
		t.Fatalf("the actor did not outlive its client: %v", err)
	}
	defer h.Close()
	if err := h.Kill(ctx, true); err != nil {
		t.Fatal(err)
	}
}

func TestDashboardErrors(t *testing.T) {
	ctx := context.Background()
	if _, err := ConnectDashboard(ctx, "http://127.0.0.1:9"); !errors.Is(err, ErrConnectionFailed) {
		t.Fatalf("nothing listening: %v", err)
	}
	if _, err := ConnectDashboard(ctx, "ftp://x"); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("bad scheme: %v", err)
	}
	d := testDashboard(t)
	if _, err := d.JobInfo(ctx, "raysubmit_nosuchjob"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown job: %v", err)
	}
	if _, err := d.SubmitJob(ctx, JobSubmission{Entrypoint: "true", RuntimeEnv: map[string]any{"x": func() {}}}); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("unencodable runtime env: %v", err)
	}
	for _, bad := range []float64{-1, math.NaN(), math.Inf(1)} {
		_, err := d.SubmitJob(ctx, JobSubmission{Entrypoint: "true", EntrypointNumGPUs: &bad})
		if !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), "EntrypointNumGPUs") {
			t.Fatalf("entrypoint GPUs %v: %v", bad, err)
		}
	}
	var none *Dashboard
	if _, err := none.JobLogs(ctx, "x"); !errors.Is(err, ErrNilHandle) {
		t.Fatalf("nil dashboard: %v", err)
	}
	d.Close()
	if _, err := d.JobLogs(ctx, "x"); !errors.Is(err, ErrClosed) {
		t.Fatalf("closed dashboard: %v", err)
	}
}

// A Ray Client address: the cluster is asked where its dashboard is.
func TestDashboardFromClientAddress(t *testing.T) {
	want := testDashboard(t).URL()
	d, err := ConnectDashboard(context.Background(), os.Getenv("RAY_TEST_ADDRESS"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if d.URL() != want {
		t.Fatalf("%q, want %q", d.URL(), want)
	}
}
