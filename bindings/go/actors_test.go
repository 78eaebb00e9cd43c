package ray

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestActors(t *testing.T) {
	ctx, c := setup(t)
	counter := must(c.ActorClass(tasks, "Counter").Remote(ctx, Kwargs{"start": 10}))(t)
	defer counter.Close()
	if n := getAs[int](t, c, must(counter.Call(ctx, "incr", 5))(t)); n != 15 {
		t.Fatalf("incr(5) = %d", n)
	}
	if n := getAs[int](t, c, must(counter.Call(ctx, "incr", Kwargs{"k": 2}))(t)); n != 17 {
		t.Fatalf("incr(k=2) = %d", n)
	}
	refs := must(counter.Method("pair").RemoteN(ctx, 2))(t)
	if getAs[int](t, c, refs[0]) != 17 || getAs[int](t, c, refs[1]) != -17 {
		t.Fatal("pair")
	}
	if _, err := counter.Method("pair").RemoteN(ctx, -1); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("RemoteN(-1): %v", err)
	}
	// num_returns=0: the method runs (the counter moves on) and returns nothing.
	if refs, err := counter.Method("incr").RemoteN(ctx, 0, 1); err != nil || len(refs) != 0 {
		t.Fatalf("RemoteN(0): %v, %v", refs, err)
	}
	if n := getAs[int](t, c, must(counter.Call(ctx, "incr", -1))(t)); n != 17 {
		t.Fatalf("after incr(1) with num_returns=0 and incr(-1): %d, want 17", n)
	}
	id := must(counter.ID(ctx))(t)
	if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(id) {
		t.Fatalf("actor ID %q", id)
	}
	// An actor handle as an argument: the task calls the actor.
	if n := getAs[int](t, c, must(c.Call(ctx, tasks, "call_actor", counter, 3))(t)); n != 20 {
		t.Fatalf("call_actor = %d", n)
	}
	// A handle returned from a task is an *ActorHandle.
	back := getAs[*ActorHandle](t, c, must(c.Call(ctx, tasks, "identity", counter))(t))
	if n := getAs[int](t, c, must(back.Call(ctx, "get"))(t)); n != 20 {
		t.Fatalf("returned handle get = %d", n)
	}
	back.Close()
	// A clone works after the original is closed.
	cl := must(counter.Clone())(t)
	defer cl.Close()
	if cl.Client() != c {
		t.Fatal("clone's client")
	}
	// A method that raises is a task error; the actor lives on.
	if _, err := c.Get(ctx, must(counter.Call(ctx, "incr", "x"))(t)); !errors.Is(err, ErrTaskFailed) {
		t.Fatalf("incr('x'): %v", err)
	}
	// Options of a method call.
	if n := getAs[int](t, c, must(counter.Method("incr").Options(OptionJSON("name", `"go-incr"`)).Remote(ctx, 1))(t)); n != 21 {
		t.Fatalf("incr with options = %d", n)
	}
	// Kill: calls then fail with ActorDiedError (ray.kill is asynchronous: wait for it).
	if err := counter.Kill(ctx, true); err != nil {
		t.Fatal(err)
	}
	// The error says why, as Python prints it, and the op once.
	died := waitDead(t, c, cl)
	if !strings.HasPrefix(died.Error(), "ray: get: ActorDiedError: The actor died") ||
		!strings.Contains(died.RemoteMessage, "killed by `ray.kill`") {
		t.Fatalf("killed actor: %q, remote message %q", died.Error(), died.RemoteMessage)
	}
}

// waitDead calls a until the call fails because the actor is dead, and returns that
// failure.
func waitDead(t *testing.T, c *Client, a *ActorHandle) *ActorDiedError {
	t.Helper()
	ctx := context.Background()
	for {
		r, err := a.Call(ctx, "get")
		if err == nil {
			_, err = c.Get(ctx, r)
			r.Close()
		}
		var died *ActorDiedError
		if errors.As(err, &died) && errors.Is(err, ErrActorDied) {
			return died
		}
		if err != nil && !errors.Is(err, ErrTaskFailed) {
			t.Fatalf("call on a killed actor: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestActorDies(t *testing.T) {
	ctx, c := setup(t)
	a := must(c.ActorClass(tasks, "Counter").Remote(ctx))(t)
	defer a.Close()
	r := must(a.Call(ctx, "die"))(t)
	defer r.Close()
	_, err := c.Get(ctx, r)
	var died *ActorDiedError
	if !errors.As(err, &died) || died.Code != CodeActorDied {
		t.Fatalf("die(): %#v", err)
	}
}

func TestNamedActors(t *testing.T) {
	ctx, c := setup(t)
	name := fmt.Sprintf("go-counter-%d", os.Getpid())
	a := must(c.ActorClass(tasks, "Counter").Options(Name(name)).Remote(ctx, 1))(t)
	defer a.Close()
	if n := getAs[int](t, c, must(a.Call(ctx, "get"))(t)); n != 1 {
		t.Fatal(n)
	}
	found := must(c.GetActor(ctx, name, ""))(t)
	defer found.Close()
	if n := getAs[int](t, c, must(found.Call(ctx, "incr"))(t)); n != 2 {
		t.Fatalf("named actor incr = %d", n)
	}
	// get_if_exists on a name not taken yet creates the actor ...
	fresh := must(c.ActorClass(tasks, "Counter").Options(Name(name+"-gie"), GetIfExists()).Remote(ctx, 100))(t)
	defer fresh.Close()
	if n := getAs[int](t, c, must(fresh.Call(ctx, "get"))(t)); n != 100 {
		t.Fatalf("get_if_exists actor = %d", n)
	}
	// ... and on a taken name returns the live actor, which keeps its state.
	again := must(c.ActorClass(tasks, "Counter").Options(Name(name+"-gie"), GetIfExists()).Remote(ctx, 0))(t)
	defer again.Close()
	if n := getAs[int](t, c, must(again.Call(ctx, "incr"))(t)); n != 101 {
		t.Fatalf("get_if_exists on a taken name: incr = %d", n)
	}
	if n := getAs[int](t, c, must(fresh.Call(ctx, "incr"))(t)); n != 102 {
		t.Fatalf("first handle after get_if_exists: incr = %d", n)
	}
	if err := fresh.Kill(ctx, true); err != nil {
		t.Fatal(err)
	}
	list := must(c.ListNamedActors(ctx, false))(t)
	if !containsActor(list, name, "go-tests") {
		t.Fatalf("ListNamedActors = %v", list)
	}
	if _, err := c.GetActor(ctx, "no-such-actor", ""); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("GetActor of a missing name: %v", err)
	}
	if _, err := c.GetActor(ctx, "", ""); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("GetActor(\"\"): %v", err)
	}

	// A detached actor in another namespace outlives its client; another client finds
	// it there and kills it.
	dname := name + "-detached"
	other := connectTest(t, WithLogsOff())
	d := must(other.ActorClass(tasks, "Counter").Options(Name(dname), Namespace("go-detached"), Detached(),
		MaxRestarts(0), MaxTaskRetries(0), MaxConcurrency(2), NumCPUs(0)).Remote(ctx, 7))(t)
	if n := getAs[int](t, other, must(d.Call(ctx, "get"))(t)); n != 7 {
		t.Fatal(n)
	}
	if err := other.Close(); err != nil {
		t.Fatal(err)
	}
	all := must(c.ListNamedActors(ctx, true))(t)
	if !containsActor(all, dname, "go-detached") {
		t.Fatalf("detached actor gone after its client closed: %v", all)
	}
	dd := must(c.GetActor(ctx, dname, "go-detached"))(t)
	defer dd.Close()
	if n := getAs[int](t, c, must(dd.Call(ctx, "incr"))(t)); n != 8 {
		t.Fatalf("detached incr = %d", n)
	}
	if err := dd.Kill(ctx, true); err != nil {
		t.Fatal(err)
	}
	waitDead(t, c, dd)
}

func containsActor(list []NamedActor, name, ns string) bool {
	for _, a := range list {
		if a.Name == name && a.Namespace == ns {
			return true
		}
	}
	return false
}

func TestActorFromSourceAndConcurrency(t *testing.T) {
	ctx, c := setup(t)
	src := "class Acc:\n    def __init__(self):\n        self.items = []\n    def add(self, x):\n        self.items.append(x)\n        return len(self.items)\n    def all(self):\n        return self.items\n"
	acc := must(c.ActorClassFromSource(src, "Acc").Remote(ctx))(t)
	defer acc.Close()
	var refs []*ObjectRef
	for i := 0; i < 10; i++ {
		refs = append(refs, must(acc.Call(ctx, "add", i))(t))
	}
	closeRefs(refs)
	items := getAs[[]int](t, c, must(acc.Call(ctx, "all"))(t))
	if len(items) != 10 || items[9] != 9 {
		t.Fatalf("Acc.all = %v (calls of one handle run in order)", items)
	}
	// A threaded actor runs calls at once.
	th := must(c.ActorClass(tasks, "Counter").Options(MaxConcurrency(4)).Remote(ctx))(t)
	defer th.Close()
	refs = nil
	for i := 0; i < 4; i++ {
		refs = append(refs, must(th.Call(ctx, "overlap", 1.0))(t))
	}
	maxActive := 0
	for _, r := range refs {
		if n := getAs[int](t, c, r); n > maxActive {
			maxActive = n
		}
	}
	if maxActive < 2 {
		t.Fatalf("max_concurrency=4 ran %d at once", maxActive)
	}
	if _, err := c.ActorClassFromSource("x", "not a name").Remote(ctx); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("bad class name: %v", err)
	}
}

// Actor kinds beyond plain classes (tests/python/rc_actor_kinds.py): async methods run
// together up to MaxConcurrency, concurrency groups (declared with the class; OptionJSON),
// @ray.method(num_returns=2).
func TestActorKinds(t *testing.T) {
	ctx, c := setup(t)
	meet := func(a *ActorHandle, n int) {
		t.Helper()
		defer a.Close()
		var refs []*ObjectRef
		for i := 0; i < n; i++ {
			refs = append(refs, must(a.Method("meet").Remote(ctx, n))(t))
		}
		for _, r := range refs {
			if got := must(c.Get(ctx, r))(t); got != int64(n) {
				t.Fatalf("%d of %d calls met", got, n)
			}
		}
	}
	meet(must(c.ActorClass("rc_actor_kinds", "AsyncMeeting").Options(MaxConcurrency(4)).Remote(ctx))(t), 4)
	meet(must(c.ActorClass("rc_actor_kinds", "Grouped").Options(OptionJSON("concurrency_groups", `{"io": 2}`)).Remote(ctx))(t), 2)
	splitter := must(c.ActorClass("rc_actor_kinds", "Splitter").Remote(ctx))(t)
	defer splitter.Close()
	refs := must(splitter.Method("split").Options(NumReturns(2)).RemoteN(ctx, 2, 1, "b"))(t)
	if a, b := must(c.Get(ctx, refs[0]))(t), must(c.Get(ctx, refs[1]))(t); a != int64(1) || b != "b" {
		t.Fatalf("split gave %v, %v", a, b)
	}
}
