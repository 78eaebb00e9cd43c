package ray

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestPutGet(t *testing.T) {
	ctx, c := setup(t)
	type rec struct {
		Name string
		N    int
		Vals []float64
	}
	in := rec{Name: "r", N: 3, Vals: []float64{1, 2}}
	ref := must(c.Put(ctx, in))(t)
	var out rec
	if err := c.GetInto(ctx, ref, &out); err != nil || !reflect.DeepEqual(out, in) {
		t.Fatalf("GetInto = %+v, %v", out, err)
	}
	id := must(ref.ID(ctx))(t)
	if !regexp.MustCompile(`^[0-9a-f]{56}$`).MatchString(id) {
		t.Fatalf("ID = %q", id)
	}
	// A clone outlives the original handle.
	cl := must(ref.Clone())(t)
	ref.Close()
	if got := getAs[rec](t, c, cl); !reflect.DeepEqual(got, in) {
		t.Fatalf("clone: %+v", got)
	}
	if cl.Client() != c {
		t.Fatal("ref's client")
	}
	// 8 MiB through the object store (chunked) and into a task as a resolved ref.
	big := bytes.Repeat([]byte{0xab}, 8<<20)
	bref := must(c.Put(ctx, big))(t)
	if n := getAs[int](t, c, must(c.Call(ctx, tasks, "byte_sum", bref))(t)); n != 0xab*1024+8<<20 {
		t.Fatalf("byte_sum = %d", n)
	}
	if got := getAs[[]byte](t, c, bref); !bytes.Equal(got, big) {
		t.Fatal("8 MiB round trip differs")
	}
	// Bad destinations are errors.
	r2 := must(c.Put(ctx, "text"))(t)
	defer r2.Close()
	var n int
	if err := c.GetInto(ctx, r2, &n); !errors.Is(err, ErrConversion) {
		t.Fatalf("str into int: %v", err)
	}
	if err := c.GetInto(ctx, r2, n); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("non-pointer destination: %v", err)
	}
	if _, err := c.Put(ctx, make(chan int)); !errors.Is(err, ErrConversion) {
		t.Fatalf("Put(chan): %v", err)
	}
}

func TestGetManyAndWait(t *testing.T) {
	ctx, c := setup(t)
	var refs []*ObjectRef
	for i := 0; i < 5; i++ {
		refs = append(refs, must(c.Call(ctx, tasks, "square", i))(t))
	}
	defer closeRefs(refs)
	vals := must(c.GetMany(ctx, refs))(t)
	if !reflect.DeepEqual(vals, []any{int64(0), int64(1), int64(4), int64(9), int64(16)}) {
		t.Fatalf("GetMany = %v", vals)
	}
	var ints []int
	if err := c.GetManyInto(ctx, append(refs, refs[2]), &ints); err != nil || !reflect.DeepEqual(ints, []int{0, 1, 4, 9, 16, 4}) {
		t.Fatalf("GetManyInto = %v, %v", ints, err)
	}
	if err := c.GetManyInto(ctx, refs, &n0); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("GetManyInto a non-slice: %v", err)
	}
	if got, err := c.GetMany(ctx, nil); err != nil || len(got) != 0 {
		t.Fatalf("GetMany(nil) = %v, %v", got, err)
	}

	slow := must(c.Call(ctx, tasks, "sleep_then", 3600, "late"))(t)
	defer slow.Close()
	ready, notReady, err := c.Wait(ctx, []*ObjectRef{slow, refs[0], refs[1]}, 2, -1)
	if err != nil || len(ready) != 2 || ready[0] != refs[0] || ready[1] != refs[1] || len(notReady) != 1 || notReady[0] != slow {
		t.Fatalf("Wait(2 of 3) = %v %v %v", ready, notReady, err)
	}
	// The timeout is no error: fewer are ready.
	ready, notReady, err = c.Wait(ctx, []*ObjectRef{slow}, 1, 50*time.Millisecond)
	if err != nil || len(ready) != 0 || len(notReady) != 1 {
		t.Fatalf("Wait with timeout = %v %v %v", ready, notReady, err)
	}
	// The context's deadline is an error.
	dctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if _, _, err := c.Wait(dctx, []*ObjectRef{slow}, 1, -1); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait past the deadline: %v", err)
	}
	if _, _, err := c.Wait(ctx, refs, 6, -1); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("numReturns > len: %v", err)
	}
	if err := c.Cancel(ctx, slow, true, false); err != nil {
		t.Fatal(err)
	}
}

var n0 int

// Context deadlines and cancellation end a Get; timeouts are typed errors that match
// both ErrTimeout and context.DeadlineExceeded.
func TestGetContext(t *testing.T) {
	ctx, c := setup(t)
	slow := must(c.Call(ctx, tasks, "sleep_then", 3600, "late"))(t)
	defer slow.Close()
	dctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	_, err := c.Get(dctx, slow)
	var te *TimeoutError
	if !errors.As(err, &te) || !errors.Is(err, ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) || ErrorCode(err) != CodeTimeout {
		t.Fatalf("Get past the deadline: %#v", err)
	}
	cctx, cancel2 := context.WithCancel(ctx)
	go func() {
		time.Sleep(100 * time.Millisecond)
		cancel2()
	}()
	if _, err := c.Get(cctx, slow); !errors.Is(err, context.Canceled) {
		t.Fatalf("Get with a cancelled context: %v", err)
	}
	if _, err := c.Get(cctx, slow); !errors.Is(err, context.Canceled) {
		t.Fatalf("Get with an already cancelled context: %v", err)
	}
	if _, err := c.GetMany(cctx, []*ObjectRef{slow}); !errors.Is(err, context.Canceled) {
		t.Fatalf("GetMany with a cancelled context: %v", err)
	}
	if _, err := c.Call(cctx, tasks, "nop"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Call with a cancelled context: %v", err)
	}
	// A ready object is returned even when the deadline is close.
	quick := must(c.Put(ctx, 5))(t)
	defer quick.Close()
	d2, cancel3 := context.WithTimeout(ctx, time.Minute)
	defer cancel3()
	if v := must(GetAs[int](d2, c, quick))(t); v != 5 {
		t.Fatal(v)
	}
	if err := c.Cancel(ctx, slow, true, false); err != nil {
		t.Fatal(err)
	}
}

func TestTaskErrors(t *testing.T) {
	ctx, c := setup(t)
	ref := must(c.Call(ctx, tasks, "boom", 3))(t)
	defer ref.Close()
	_, err := c.Get(ctx, ref)
	var te *TaskError
	if !errors.As(err, &te) || !errors.Is(err, ErrTaskFailed) {
		t.Fatalf("boom: %#v", err)
	}
	if te.CauseType != "ValueError" || !strings.Contains(te.RemoteType, "RayTaskError") ||
		!strings.Contains(te.Traceback, "bad value 3") || te.Op != "Get" || te.Code != CodeTaskError {
		t.Fatalf("task error details: %+v", te.ErrorInfo)
	}
	if !strings.Contains(err.Error(), "bad value") {
		t.Fatalf("message: %v", err)
	}
	// A missing function: the server cannot import it when the call is made.
	if _, err := c.Call(ctx, tasks, "no_such_function"); err == nil || !strings.Contains(err.Error(), "no_such_function") {
		t.Fatalf("a missing function: %v", err)
	}
	// Input the library refuses up front.
	if _, err := c.Call(ctx, "", "square", 1); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("empty module: %v", err)
	}
	if _, err := c.Call(ctx, tasks, "\xff", 1); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("invalid UTF-8: %v", err)
	}
	if _, err := c.Call(ctx, tasks, "sq\x00uare", 1); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("NUL in name: %v", err)
	}
	if _, err := c.FunctionFromSource("x", "not an identifier").Remote(ctx); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("bad source name: %v", err)
	}
	if _, err := c.Call(ctx, tasks, "identity", func() {}); !errors.Is(err, ErrConversion) || !strings.Contains(err.Error(), "args[0]") {
		t.Fatalf("unconvertible argument: %v", err)
	}
}

func TestCancel(t *testing.T) {
	ctx, c := setup(t)
	slow := must(c.Call(ctx, tasks, "sleep_then", 60, nil))(t)
	defer slow.Close()
	// Once it runs (it will not finish for a minute), cancel it.
	if ready, _, err := c.Wait(ctx, []*ObjectRef{slow}, 1, time.Second); err != nil || len(ready) != 0 {
		t.Fatalf("Wait = %v, %v", ready, err)
	}
	if err := c.Cancel(ctx, slow, true, false); err != nil {
		t.Fatal(err)
	}
	_, err := c.Get(ctx, slow)
	var e *Error
	if !errors.Is(err, ErrTaskCancelled) || !errors.As(err, &e) || !strings.HasSuffix(e.RemoteType, "TaskCancelledError") {
		t.Fatalf("Get of a cancelled task: %#v", err)
	}
}

// Refs as arguments: top-level ones are resolved before the task runs, nested ones
// arrive as refs; refs returned by tasks come back as *ObjectRef.
func TestRefsInValues(t *testing.T) {
	ctx, c := setup(t)
	five := must(c.Put(ctx, 5))(t)
	defer five.Close()
	if n := getAs[int](t, c, must(c.Call(ctx, tasks, "square", five))(t)); n != 25 {
		t.Fatalf("square(ref 5) = %d", n)
	}
	if s := getAs[string](t, c, must(c.Call(ctx, tasks, "type_name", []any{five}))(t)); s != "list" {
		t.Fatal(s)
	}
	nested := getAs[[]*ObjectRef](t, c, must(c.Call(ctx, tasks, "identity", []any{five}))(t))
	if len(nested) != 1 || getAs[int](t, c, nested[0]) != 5 {
		t.Fatalf("nested ref: %v", nested)
	}
	inner := getAs[[]*ObjectRef](t, c, must(c.Call(ctx, tasks, "put_nested", "deep"))(t))
	if len(inner) != 1 || getAs[string](t, c, inner[0]) != "deep" {
		t.Fatalf("put_nested: %v", inner)
	}
	// Decoded into any, a ref is an *ObjectRef too.
	gen := must(c.Get(ctx, must(c.Call(ctx, tasks, "identity", map[string]any{"r": five}))(t)))(t)
	r, ok := gen.(map[string]any)["r"].(*ObjectRef)
	if !ok {
		t.Fatalf("generic nested ref: %#v", gen)
	}
	r.Close()
}

// A large put and get report their progress: from 0 to the whole, never backwards, the
// last report before the call returns, never on the calling goroutine's stack (checked
// by the calls' order: every report arrives before the call returns).
func TestPutGetWithProgress(t *testing.T) {
	ctx := context.Background()
	c := connectTest(t)
	data := bytes.Repeat([]byte{0x42}, 64<<20)
	type report struct{ done, total int64 }
	watch := func() (*[]report, func(done, total int64)) {
		var mu sync.Mutex
		var seen []report
		return &seen, func(done, total int64) {
			mu.Lock()
			seen = append(seen, report{done, total})
			mu.Unlock()
		}
	}
	check := func(what string, seen []report, atLeast int64) {
		t.Helper()
		if len(seen) < 2 || seen[0].done != 0 {
			t.Fatalf("%s: %v", what, seen)
		}
		last := seen[len(seen)-1]
		if last.done != last.total || last.total < atLeast {
			t.Fatalf("%s: last report %v", what, last)
		}
		for i := 1; i < len(seen); i++ {
			if seen[i].done < seen[i-1].done {
				t.Fatalf("%s: backwards at %d: %v", what, i, seen)
			}
		}
	}
	puts, fn := watch()
	r := must(c.PutWithProgress(ctx, data, fn))(t)
	defer r.Close()
	check("put", *puts, int64(len(data)))
	gets, fn := watch()
	back := must(c.GetWithProgress(ctx, r, fn))(t)
	check("get", *gets, int64(len(data)))
	if b, ok := back.([]byte); !ok || !bytes.Equal(b, data) {
		t.Fatalf("got %T of %d bytes back", back, len(b))
	}
	// A nil function is fine; a nil ref is an error.
	if _, err := c.GetWithProgress(ctx, r, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetWithProgress(ctx, nil, nil); !errors.Is(err, ErrNilHandle) {
		t.Fatalf("nil ref: %v", err)
	}
}
