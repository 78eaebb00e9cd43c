package ray

import (
	"context"
	"errors"
	"fmt"
	"os"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"
)

// The call surface of ABI 0.2: remote functions and actor classes as handles, one
// argument list per call, results sized by num_returns.

// seq(n) returns n values, 0 to n-1 (as num_returns=n takes them: one value, 0, for
// n = 1).
const seqSource = "def seq(n):\n    return tuple(range(n)) if n != 1 else 0\n"

// A call with num_returns n gives n refs in order, whether n comes from RemoteN or from
// the options attached to the function (NumReturns, OptionJSON, OptionValue).
func TestCallResultsSizedByNumReturns(t *testing.T) {
	ctx, c := setup(t)
	seq := c.FunctionFromSource(seqSource, "seq")
	defer seq.Close()
	wantSeq := func(refs []*ObjectRef, n int) {
		t.Helper()
		if len(refs) != n {
			t.Fatalf("%d refs, want %d", len(refs), n)
		}
		for i, r := range refs {
			if v := getAs[int](t, c, r); v != i {
				t.Fatalf("result %d = %d", i, v)
			}
		}
	}
	wantSeq(must(seq.RemoteN(ctx, 5, 5))(t), 5)

	for _, opt := range []Option{NumReturns(3), OptionJSON("num_returns", "3"), OptionValue("num_returns", uint8(3))} {
		three := seq.Options(opt)
		wantSeq(must(three.RemoteN(ctx, 3, 3))(t), 3)
		// Remote takes one result: a function returning three is refused before anything
		// is sent, never sized wrong.
		_, err := three.Remote(ctx, 3)
		if !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), "returns 3 results") ||
			!strings.Contains(err.Error(), "RemoteN") {
			t.Fatalf("Remote of a function with num_returns=3: %v", err)
		}
		// A later option overrides the count: None (null, nil) is Ray's default, 1.
		for _, one := range []Option{NumReturns(1), OptionJSON("num_returns", "null"), OptionValue("num_returns", nil)} {
			if v := getAs[int](t, c, must(three.Options(one).Remote(ctx, 1))(t)); v != 0 {
				t.Fatalf("seq(1) = %d", v)
			}
		}
		three.Close()
	}
	// num_returns=0 from the options: no refs.
	if refs := must(seq.Options(NumReturns(0)).RemoteN(ctx, 0, 0))(t); len(refs) != 0 {
		t.Fatalf("num_returns=0: %d refs", len(refs))
	}
	// Values that are no count are the library's to refuse, with Ray's rule; so is an
	// absurd count (without this package allocating for it first).
	for i, opt := range []Option{OptionJSON("num_returns", "2.5"), OptionJSON("num_returns", "-1"),
		OptionValue("num_returns", "two"), NumReturns(1 << 40), NumReturns(-1)} {
		if _, err := seq.Options(opt).Remote(ctx, 1); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("bad num_returns %d: %v", i, err)
		}
	}
	if _, err := seq.RemoteN(ctx, 1<<40, 1); !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), "num_returns") {
		t.Errorf("RemoteN(1<<40): %v", err)
	}
	// An actor method: the options of the method's calls size them the same way.
	a := must(c.ActorClass(tasks, "Counter").Remote(ctx, 4))(t)
	defer a.Close()
	pair := a.Method("pair").Options(NumReturns(2))
	if _, err := pair.Remote(ctx); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("Remote of a method with num_returns=2: %v", err)
	}
	refs := must(pair.RemoteN(ctx, 2))(t)
	if got := must(c.GetMany(ctx, refs))(t); !reflect.DeepEqual(got, []any{int64(4), int64(-4)}) {
		t.Fatalf("pair = %v", got)
	}
	closeRefs(refs)
}

// The options of one call are set over the options attached to the function or class,
// as Python's f.options(...) is over @ray.remote(...): a key given again wins, the
// others stay.
func TestPerCallOptionsOverAttached(t *testing.T) {
	ctx, c := setup(t)
	src := "def env_pair():\n    import os\n    return os.environ.get('RC_GO_ATTACHED', ''), os.getpid()\n"
	f := c.FunctionFromSource(src, "env_pair").Options(
		RuntimeEnv(map[string]any{"env_vars": map[string]string{"RC_GO_ATTACHED": "yes"}}), NumReturns(5))
	defer f.Close()
	// RemoteN's num_returns=2 is this call's: over the attached 5 (else the task, which
	// returns two values, fails), and the attached runtime env stays.
	refs := must(f.RemoteN(ctx, 2))(t)
	if len(refs) != 2 {
		t.Fatalf("%d refs", len(refs))
	}
	if s := getAs[string](t, c, refs[0]); s != "yes" {
		t.Fatalf("attached env var = %q", s)
	}
	if pid := getAs[int](t, c, refs[1]); pid <= 0 {
		t.Fatalf("pid = %d", pid)
	}
	// Options attached later override earlier ones, also on an actor class: the actor
	// is named by the last Name.
	name := fmt.Sprintf("go-per-call-%d", os.Getpid())
	k := c.ActorClass(tasks, "Counter").Options(Name(name+"-first"), NumCPUs(0))
	renamed := k.Options(Name(name))
	a := must(renamed.Remote(ctx, 3))(t)
	defer a.Close()
	found := must(c.GetActor(ctx, name, ""))(t)
	defer found.Close()
	if n := getAs[int](t, c, must(found.Call(ctx, "get"))(t)); n != 3 {
		t.Fatalf("renamed actor get = %d", n)
	}
	if _, err := c.GetActor(ctx, name+"-first", ""); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("the overridden name names an actor: %v", err)
	}
	// An actor method's call options: RemoteN's count over the method's own.
	refs = must(found.Method("pair").Options(NumReturns(3)).RemoteN(ctx, 2))(t)
	if got := must(c.GetMany(ctx, refs))(t); !reflect.DeepEqual(got, []any{int64(3), int64(-3)}) {
		t.Fatalf("method RemoteN(2) over NumReturns(3): %v", got)
	}
	closeRefs(refs)
	if err := a.Kill(ctx, true); err != nil {
		t.Fatal(err)
	}
	// The receivers keep their own options: k still creates under the first name.
	b := must(k.Remote(ctx, 8))(t)
	defer b.Close()
	first := must(c.GetActor(ctx, name+"-first", ""))(t)
	defer first.Close()
	if n := getAs[int](t, c, must(first.Call(ctx, "get"))(t)); n != 8 {
		t.Fatalf("first-named actor get = %d", n)
	}
	if err := b.Kill(ctx, true); err != nil {
		t.Fatal(err)
	}
}

// A function from source is one handle, made on its first call and shared by every
// goroutine calling it; a bad definition is that call's error, and the next call's too.
func TestFunctionFromSource(t *testing.T) {
	ctx, c := setup(t)
	cube := c.FunctionFromSource("def cube(x, plus=0):\n    return x ** 3 + plus\n", "cube").Options(NumCPUs(0.1))
	defer cube.Close()
	// The goroutines' first calls race to make the handle (checked under -race).
	parallel(t, 8, func(i int) error {
		r, err := cube.Remote(ctx, i, Kwargs{"plus": 1})
		if err != nil {
			return err
		}
		defer r.Close()
		if n, err := GetAs[int](ctx, c, r); err != nil || n != i*i*i+1 {
			return fmt.Errorf("cube(%d) = %d, %v", i, n, err)
		}
		return nil
	})
	for i, bad := range []*RemoteFunction{
		c.FunctionFromSource("def f():\n    return 1\n", "not a name"),
		c.FunctionFromSource("def f():\n    return 1\n", ""),
		c.FunctionFromSource("def f():\n    return 1\n", "f\x00"),
		c.Function("", "f"),
		c.Function(tasks, "square").Options(nil),
	} {
		for try := 0; try < 2; try++ {
			if _, err := bad.Remote(ctx); !errors.Is(err, ErrInvalidArgument) {
				t.Errorf("bad function %d, call %d: %v", i, try, err)
			}
		}
	}
	// The source runs on the cluster: its exception is a task error.
	raises := c.FunctionFromSource("def raises():\n    raise ValueError('from source')\n", "raises")
	defer raises.Close()
	_, err := c.Get(ctx, must(raises.Remote(ctx))(t))
	var te *TaskError
	if !errors.As(err, &te) || te.CauseType != "ValueError" || !strings.Contains(te.RemoteMessage, "from source") {
		t.Fatalf("raises(): %v", err)
	}
}

// Keyword arguments: each Kwargs among the arguments adds its names; a name given twice
// is refused, as Python refuses f(x=1, x=2), and nothing is sent.
func TestKeywordArguments(t *testing.T) {
	ctx, c := setup(t)
	type echoed struct {
		Args   []any
		Kwargs map[string]int
	}
	e := getAs[echoed](t, c, must(c.Call(ctx, tasks, "echo", Kwargs{"a": 1, "b": 2}, 7, Kwargs{"c": 3}))(t))
	if !reflect.DeepEqual(e.Kwargs, map[string]int{"a": 1, "b": 2, "c": 3}) || !reflect.DeepEqual(e.Args, []any{int64(7)}) {
		t.Fatalf("echo = %+v", e)
	}
	_, err := c.Call(ctx, tasks, "echo", Kwargs{"x": 1}, Kwargs{"x": 2})
	if !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), "x") {
		t.Fatalf("duplicate keyword: %v", err)
	}
	a := must(c.ActorClass(tasks, "Counter").Remote(ctx))(t)
	defer a.Close()
	if _, err := a.Call(ctx, "incr", Kwargs{"k": 1}, Kwargs{"k": 2}); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("duplicate keyword of a method: %v", err)
	}
	if _, err := c.ActorClass(tasks, "Counter").Remote(ctx, Kwargs{"start": 1}, Kwargs{"start": 2}); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("duplicate keyword of a constructor: %v", err)
	}
	if n := getAs[int](t, c, must(a.Call(ctx, "get"))(t)); n != 0 {
		t.Fatalf("a refused call ran: get = %d", n)
	}
	// Names that cannot be keywords, and values that cannot be converted, named by
	// their place.
	for name, kw := range map[string]Kwargs{"empty": {"": 1}, "NUL": {"a\x00b": 1}} {
		if _, err := c.Call(ctx, tasks, "echo", kw); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("%s keyword name: %v", name, err)
		}
	}
	_, err = c.Call(ctx, tasks, "echo", Kwargs{"f": func() {}})
	if !errors.Is(err, ErrConversion) || !strings.Contains(err.Error(), `Kwargs["f"]`) {
		t.Fatalf("unconvertible keyword value: %v", err)
	}
}

// RemoteFunction and ActorClass own C handles: Close releases them (later calls
// report ErrClosed; copies made by Options have their own). Nil ones: TestNilHandles.
func TestFunctionAndClassHandles(t *testing.T) {
	ctx, c := setup(t)
	f := c.Function(tasks, "square")
	if n := getAs[int](t, c, must(f.Remote(ctx, 5))(t)); n != 25 {
		t.Fatal(n)
	}
	copyOf := f.Options(NumCPUs(0.5))
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	for name, call := range map[string]func() error{
		"Remote":  func() error { _, err := f.Remote(ctx, 1); return err },
		"RemoteN": func() error { _, err := f.RemoteN(ctx, 1, 1); return err },
	} {
		if err := call(); !errors.Is(err, ErrClosed) {
			t.Errorf("%s of a closed function: %v", name, err)
		}
	}
	if n := getAs[int](t, c, must(copyOf.Remote(ctx, 6))(t)); n != 36 {
		t.Fatalf("copy of a closed function: %d", n)
	}
	copyOf.Close()
	// Closed before its first call: never made.
	unused := c.Function(tasks, "square")
	unused.Close()
	if _, err := unused.Remote(ctx, 1); !errors.Is(err, ErrClosed) {
		t.Fatalf("function closed before use: %v", err)
	}

	k := c.ActorClass(tasks, "Counter")
	a := must(k.Remote(ctx, 2))(t)
	defer a.Close()
	if err := k.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := k.Remote(ctx); !errors.Is(err, ErrClosed) {
		t.Fatalf("Remote of a closed class: %v", err)
	}
	// The actor outlives its class's handle.
	if n := getAs[int](t, c, must(a.Call(ctx, "get"))(t)); n != 2 {
		t.Fatalf("actor of a closed class: %d", n)
	}
}

// Calls whose context ends: a context ended before the call fails it at once; a
// deadline passing during the call gives a timeout while the C call finishes in the
// background, and what it made (refs, the actor, the argument list and options it was
// reading) is released then, never while it still reads it (checked under -race and by
// the live handle count). The functions and classes are new ones, defined by source,
// so that each call waits for its definition to reach the cluster, long enough for
// deadlines to pass during some calls.
func TestCallsUnderEndingContexts(t *testing.T) {
	ctx, c := setup(t)
	a := must(c.ActorClass(tasks, "Counter").Remote(ctx))(t)
	defer a.Close()
	closeRefs([]*ObjectRef{must(a.Call(ctx, "get"))(t)})
	fresh := func(i int) *RemoteFunction {
		return c.FunctionFromSource(fmt.Sprintf("def seq%d_%d(n):\n    return tuple(range(n))\n", os.Getpid(), i),
			fmt.Sprintf("seq%d_%d", os.Getpid(), i))
	}
	calls := map[string]func(context.Context, int) error{
		"Remote": func(ctx context.Context, i int) error {
			f := fresh(i)
			defer f.Close()
			r, err := f.Remote(ctx, 1)
			closeRefs([]*ObjectRef{r})
			return err
		},
		"RemoteN": func(ctx context.Context, i int) error {
			f := fresh(1000 + i)
			defer f.Close()
			refs, err := f.RemoteN(ctx, 2, Kwargs{"n": 2})
			closeRefs(refs)
			return err
		},
		"NewActor": func(ctx context.Context, i int) error {
			k := c.ActorClassFromSource(fmt.Sprintf("class A%d_%d:\n    pass\n", os.Getpid(), i), fmt.Sprintf("A%d_%d", os.Getpid(), i))
			defer k.Close()
			b, err := k.Options(NumCPUs(0)).Remote(ctx)
			if err == nil {
				err = b.Kill(context.Background(), true)
				b.Close()
			}
			return err
		},
		"method": func(ctx context.Context, i int) error {
			refs, err := a.Method("pair").RemoteN(ctx, 2)
			closeRefs(refs)
			return err
		},
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	for name, call := range calls {
		if err := call(cancelled, 99); !errors.Is(err, context.Canceled) {
			t.Errorf("%s under a cancelled context: %v", name, err)
		}
	}
	settle := func() int {
		runtime.GC()
		time.Sleep(20 * time.Millisecond)
		return liveHandles()
	}
	base := settle()
	for name, call := range calls {
		timeouts := 0
		for i := 0; i < 40; i++ {
			// Deadlines from 0.5 to 64 ms: sending a new definition takes about that.
			d, cancel := context.WithTimeout(ctx, time.Duration(1<<(i%8))*time.Millisecond/2)
			err := call(d, i)
			cancel()
			if err != nil && !errors.Is(err, ErrTimeout) {
				t.Fatalf("%s under a deadline: %v", name, err)
			}
			if err != nil {
				timeouts++
			}
		}
		t.Logf("%s: %d of 40 calls timed out", name, timeouts)
	}
	for n := settle(); n > base; n = settle() {
		// Abandoned calls release what they made when they return; a leak hangs here
		// until go test's timeout reports it.
		t.Logf("live handles %d > %d, waiting", n, base)
		time.Sleep(100 * time.Millisecond)
	}
}
