package ray

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestRemoteFunctions(t *testing.T) {
	ctx, c := setup(t)
	if n := getAs[int](t, c, must(c.Call(ctx, tasks, "add", 1, 2, Kwargs{"c": 3}))(t)); n != 6 {
		t.Fatalf("add(1, 2, c=3) = %d", n)
	}
	type echoed struct {
		Args   []any
		Kwargs map[string]any
	}
	e := getAs[echoed](t, c, must(c.Call(ctx, tasks, "echo", "a", Kwargs{"x": 1}, 2, Kwargs{"y": []int{}}))(t))
	if !reflect.DeepEqual(e.Args, []any{"a", int64(2)}) || e.Kwargs["x"] != int64(1) || len(e.Kwargs) != 2 {
		t.Fatalf("echo = %+v", e)
	}
	if v := getAs[any](t, c, must(c.Call(ctx, tasks, "nop"))(t)); v != nil {
		t.Fatalf("nop = %v", v)
	}
	// By source.
	src := "def triple(x, plus=0):\n    return 3 * x + plus\n"
	triple := c.FunctionFromSource(src, "triple")
	if n := getAs[int](t, c, must(triple.Remote(ctx, 4, Kwargs{"plus": 1}))(t)); n != 13 {
		t.Fatalf("triple = %d", n)
	}
	// Several returns, by name and by source.
	refs := must(c.Function(tasks, "pair").RemoteN(ctx, 2, 5))(t)
	if len(refs) != 2 || getAs[int](t, c, refs[0]) != 5 || getAs[int](t, c, refs[1]) != 6 {
		t.Fatalf("pair: %v", refs)
	}
	two := c.FunctionFromSource("def two():\n    return 'a', 'b'\n", "two")
	refs = must(two.RemoteN(ctx, 2))(t)
	if got := must(c.GetMany(ctx, refs))(t); !reflect.DeepEqual(got, []any{"a", "b"}) {
		t.Fatalf("two = %v", got)
	}
	closeRefs(refs)
	// num_returns=0 is Ray's: the task runs and returns nothing; a negative count is no
	// count.
	if refs, err := two.RemoteN(ctx, 0); err != nil || len(refs) != 0 {
		t.Fatalf("RemoteN(0): %v, %v", refs, err)
	}
	if _, err := two.RemoteN(ctx, -1); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("RemoteN(-1): %v", err)
	}
}

func TestCallOptions(t *testing.T) {
	ctx, c := setup(t)
	// Resources as assigned to the task.
	type assigned struct {
		NodeID    string             `ray:"node_id"`
		Resources map[string]float64 `ray:"resources"`
	}
	a := getAs[assigned](t, c, must(c.Function(tasks, "task_resources").Options(NumCPUs(0.5), NumGPUs(0), Memory(1<<20)).Remote(ctx))(t))
	if a.Resources["CPU"] != 0.5 {
		t.Fatalf("task_resources = %+v", a)
	}
	// Runtime env of one task.
	f := c.Function(tasks, "env_var").Options(RuntimeEnv(map[string]any{"env_vars": map[string]string{"RC_GO_TASK": "set"}}))
	if s := getAs[string](t, c, must(f.Remote(ctx, "RC_GO_TASK"))(t)); s != "set" {
		t.Fatalf("env_var = %q", s)
	}
	// The job's runtime env reaches tasks too.
	if s := getAs[string](t, c, must(c.Call(ctx, tasks, "env_var", "RC_GO"))(t)); s != "yes" {
		t.Fatalf("job env_var = %q", s)
	}
	// Retries of a task that raises once.
	marker := filepath.Join(t.TempDir(), "marker")
	retry := c.Function(tasks, "fail_once").Options(MaxRetries(2), RetryExceptions(true))
	if s := getAs[string](t, c, must(retry.Remote(ctx, marker))(t)); s != "second attempt" {
		t.Fatalf("fail_once = %q", s)
	}
	os.Remove(marker)
	noRetry := c.Function(tasks, "fail_once").Options(MaxRetries(0))
	r := must(noRetry.Remote(ctx, marker))(t)
	if _, err := c.Get(ctx, r); !errors.Is(err, ErrTaskFailed) {
		t.Fatalf("fail_once without retries: %v", err)
	}
	r.Close()
	// Scheduling strategies.
	nodes := must(c.Nodes(ctx))(t)
	var nodeID string
	for _, n := range nodes {
		if n.Alive {
			nodeID = n.NodeID
			break
		}
	}
	on := c.Function(tasks, "node_id").Options(NodeAffinity(nodeID, false))
	if got := getAs[string](t, c, must(on.Remote(ctx))(t)); got != nodeID {
		t.Fatalf("node affinity: ran on %s, want %s", got, nodeID)
	}
	for _, opt := range []Option{SchedulingSpread(), SchedulingDefault(), Name("go-named-task"),
		OptionJSON("max_retries", "1"), OptionValue("retry_exceptions", false),
		// Taken only where a function is declared; it goes with the function.
		OptionJSON("max_calls", "3")} {
		if n := getAs[int](t, c, must(c.Function(tasks, "square").Options(opt).Remote(ctx, 3))(t)); n != 9 {
			t.Fatalf("square with option = %d", n)
		}
	}
	// Options that cannot work are errors (here or from the cluster), never crashes.
	bad := []Option{NodeAffinity("nothex", false), OptionJSON("max_retries", "{bad json"),
		OptionValue("max_retries", make(chan int)), OptionJSON("max_calls", "-1"),
		// Ray insists on num_cpus: this resource reaches the cluster and is refused there.
		Resource("CPU", 1), Name("bad\x00name"), RuntimeEnv(make(chan int)), nil}
	for i, opt := range bad {
		r, err := c.Function(tasks, "square").Options(opt).Remote(ctx, 3)
		if err == nil {
			_, err = c.Get(ctx, r)
			r.Close()
		}
		if err == nil {
			t.Errorf("bad option %d accepted", i)
		}
	}
	// Options returns a copy: the original is unchanged.
	base := c.Function(tasks, "square")
	_ = base.Options(Name("x"))
	if len(base.opts) != 0 {
		t.Fatal("Options modified its receiver")
	}
}

// Calls with many arguments of many kinds (kwargs, nested containers).
func TestManyArguments(t *testing.T) {
	ctx, c := setup(t)
	args := make([]any, 50)
	kw := Kwargs{}
	for i := range args {
		args[i] = []any{i, fmt.Sprint(i)}
		kw[fmt.Sprintf("k%d", i)] = map[string]int{"v": i}
	}
	type echoed struct {
		Args   [][]any
		Kwargs map[string]map[string]int
	}
	e := getAs[echoed](t, c, must(c.Call(ctx, tasks, "echo", append(args, kw)...))(t))
	if len(e.Args) != 50 || e.Args[49][1] != "49" || e.Kwargs["k7"]["v"] != 7 || len(e.Kwargs) != 50 {
		t.Fatalf("echo of 50+50 arguments: %d %d", len(e.Args), len(e.Kwargs))
	}
}

// Option values Ray refuses are refused when the call's options are built, before
// anything is sent, as invalid arguments stating Ray's rule.
func TestRefusedOptions(t *testing.T) {
	ctx, c := setup(t)
	f := c.Function(tasks, "identity")
	k := c.ActorClass(tasks, "Counter")
	cases := []struct {
		call func() (any, error)
		rule string
	}{
		{func() (any, error) { return f.Options(MaxRetries(-2)).Remote(ctx, 1) },
			"max_retries only accepts 0, -1 or a positive integer, where -1 represents infinity, got -2"},
		{func() (any, error) { return k.Options(MaxConcurrency(-1)).Remote(ctx) },
			"max_concurrency only accepts 0 or a positive integer, got -1"},
		{func() (any, error) { return k.Options(MaxRestarts(-3)).Remote(ctx) },
			"max_restarts only accepts 0, -1 or a positive integer"},
		{func() (any, error) { return k.Options(MaxTaskRetries(-3)).Remote(ctx) },
			"max_task_retries only accepts 0, -1 or a positive integer"},
		{func() (any, error) { return Connect(ctx, testAddress, WithConnectTimeout(0)) },
			"the connect timeout must be greater than zero"},
		{func() (any, error) { return Connect(ctx, testAddress, WithConnectTimeout(-time.Second)) },
			"the connect timeout must be greater than zero"},
	}
	for i, tc := range cases {
		v, err := tc.call()
		if !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), tc.rule) {
			t.Errorf("case %d: %v, %v; want an invalid argument saying %q", i, v, err, tc.rule)
		}
	}
	// The limits themselves are accepted.
	if n := getAs[int](t, c, must(f.Options(MaxRetries(-1)).Remote(ctx, 4))(t)); n != 4 {
		t.Fatal(n)
	}
}
