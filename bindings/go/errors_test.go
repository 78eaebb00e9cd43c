package ray

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// A running task cancelled without force fails its get with ErrTaskCancelled (not
// ErrTaskFailed), and the text says what Python says, without internal byte dumps.
func TestCancelledTaskError(t *testing.T) {
	ctx, c := setup(t)
	r := must(c.Call(ctx, tasks, "spin_forever"))(t)
	defer r.Close()
	time.Sleep(2 * time.Second) // running, not still queued: the cancel interrupts it
	if err := c.Cancel(ctx, r, false, true); err != nil {
		t.Fatal(err)
	}
	_, err := c.Get(ctx, r)
	if !errors.Is(err, ErrTaskCancelled) || errors.Is(err, ErrTaskFailed) || ErrorCode(err) != CodeTaskCancelled {
		t.Fatalf("get of a cancelled task: %#v", err)
	}
	var e *Error
	if !errors.As(err, &e) || e.Kind != "task_cancelled" || e.CauseType != "TaskCancelledError" ||
		!strings.HasPrefix(e.RemoteMessage, "Task: TaskID(") {
		t.Fatalf("cancelled task details: %+v", e.ErrorInfo)
	}
	if msg := err.Error(); !strings.HasPrefix(msg, "ray: get: TaskCancelledError: Task: TaskID(") ||
		strings.Contains(msg, "Bytes(") || strings.Contains(msg, `b"`) {
		t.Fatalf("message: %q", msg)
	}
}

// Error strings say the operation once ("ray: get: ...", not "ray: Get: get: ..."),
// carry the exception's own message, and Go-side errors keep naming the Go method.
func TestErrorTexts(t *testing.T) {
	ctx, c := setup(t)
	r := must(c.Call(ctx, tasks, "raise_key_error", "x"))(t)
	defer r.Close()
	_, err := c.Get(ctx, r)
	var te *TaskError
	if !errors.As(err, &te) || te.Op != "Get" || te.CauseType != "KeyError" || te.RemoteMessage != "'x'" {
		t.Fatalf("KeyError: %#v", err)
	}
	if got := err.Error(); got != "ray: get: KeyError: 'x'" {
		t.Fatalf("Error() = %q", got)
	}
	var n int
	if err := c.GetInto(ctx, r, &n); err == nil || err.Error() != "ray: get: KeyError: 'x'" {
		t.Fatalf("GetInto: %v", err)
	}
	_, err = c.Call(ctx, tasks, "no_such_function")
	if err == nil || !strings.HasPrefix(err.Error(), "ray: looking up rc_test_tasks.no_such_function on the cluster: AttributeError") {
		t.Fatalf("a missing function: %v", err)
	}
	// Errors made on the Go side name the method.
	ok := must(c.Put(ctx, "text"))(t)
	defer ok.Close()
	if err := c.GetInto(ctx, ok, &n); err == nil || !strings.HasPrefix(err.Error(), "ray: GetInto: value: cannot store a str into a Go int") {
		t.Fatalf("conversion: %v", err)
	}
	_ = ok.Close()
	if _, err := c.Get(ctx, ok); err == nil || err.Error() != "ray: Get: object ref is closed" {
		t.Fatalf("closed ref: %v", err)
	}
}
