package ray

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"
)

// mixedOp runs one operation of the mixed workload (task, put/get, actor call, KV,
// wait) chosen by i, checking its result.
func mixedOp(ctx context.Context, c *Client, actor *ActorHandle, kv KV, worker, i int) error {
	switch i % 5 {
	case 0:
		r, err := c.Call(ctx, tasks, "square", i)
		if err != nil {
			return err
		}
		defer r.Close()
		n, err := GetAs[int](ctx, c, r)
		if err != nil || n != i*i {
			return fmt.Errorf("square(%d) = %d, %v", i, n, err)
		}
	case 1:
		data := bytes.Repeat([]byte{byte(worker)}, 1024+i%4096)
		r, err := c.Put(ctx, data)
		if err != nil {
			return err
		}
		got, err := GetAs[[]byte](ctx, c, r)
		if i%8 != 1 {
			r.Close() // every 8th ref is left to the garbage collector's cleanup
		}
		if err != nil || !bytes.Equal(got, data) {
			return fmt.Errorf("put/get of %d bytes: %v", len(data), err)
		}
	case 2:
		r, err := actor.Call(ctx, "incr", 1)
		if err != nil {
			return err
		}
		defer r.Close()
		if n, err := GetAs[int](ctx, c, r); err != nil || n < 1 {
			return fmt.Errorf("incr = %d, %v", n, err)
		}
	case 3:
		key := fmt.Sprintf("w%d", worker)
		val := []byte(fmt.Sprint(i))
		if _, err := kv.Put(ctx, key, val, true); err != nil {
			return err
		}
		got, found, err := kv.Get(ctx, key)
		if err != nil || !found || !bytes.Equal(got, val) {
			return fmt.Errorf("kv %s = %q %v %v", key, got, found, err)
		}
		if i%3 == 0 {
			if _, err := kv.Delete(ctx, key); err != nil {
				return err
			}
		}
	case 4:
		a, err := c.Put(ctx, i)
		if err != nil {
			return err
		}
		defer a.Close()
		ready, _, err := c.Wait(ctx, []*ObjectRef{a}, 1, -1)
		if err != nil || len(ready) != 1 {
			return fmt.Errorf("wait = %v, %v", ready, err)
		}
	}
	return nil
}

// Many goroutines share one client (run with -race).
func TestGoroutinesShareClient(t *testing.T) {
	ctx, c := setup(t)
	actor := must(c.ActorClass(tasks, "Counter").Options(MaxConcurrency(4)).Remote(ctx))(t)
	defer actor.Close()
	kv := c.KV("go-concurrency")
	parallel(t, 32, func(w int) error {
		for i := 0; i < 25; i++ {
			if err := mixedOp(ctx, c, actor, kv, w, i+w); err != nil {
				return fmt.Errorf("worker %d op %d: %w", w, i, err)
			}
		}
		return nil
	})
	if _, err := kv.DeletePrefix(ctx, "w"); err != nil {
		t.Fatal(err)
	}
}

// Closing a client (and refs) while other goroutines use it gives errors, never a
// crash or a use of a freed handle.
func TestCloseWhileInUse(t *testing.T) {
	ctx := context.Background()
	c := connectTest(t, WithLogsOff())
	shared := must(c.Put(ctx, "shared"))(t)
	var wg sync.WaitGroup
	started := make(chan struct{}, 16)
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ; i++ {
				var err error
				switch i % 3 {
				case 0:
					_, err = c.Get(ctx, shared)
				case 1:
					var r *ObjectRef
					if r, err = c.Put(ctx, i); err == nil {
						r.Close()
					}
				case 2:
					_, _, err = c.KV("").Get(ctx, "k")
				}
				if i == 3 {
					started <- struct{}{}
				}
				if err != nil {
					if !errors.Is(err, ErrClosed) && !errors.Is(err, ErrConnectionLost) {
						t.Errorf("worker %d: %v", w, err)
					}
					return
				}
			}
		}(w)
	}
	for i := 0; i < 16; i++ {
		<-started
	}
	if err := shared.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
}

// Refs, actors, remote functions, actor classes and clients that are dropped without
// Close are released by the garbage collector's cleanups.
func TestCleanupsReleaseHandles(t *testing.T) {
	ctx, c := setup(t)
	settle := func() int {
		runtime.GC()
		time.Sleep(20 * time.Millisecond) // cleanups run on their own goroutine
		return liveHandles()
	}
	base := settle()
	func() {
		for i := 0; i < 200; i++ {
			_ = must(c.Put(ctx, i))(t)
		}
		a := must(c.ActorClass(tasks, "Counter").Remote(ctx))(t) // and its class
		_ = must(a.Clone())(t)
		_ = must(c.Function(tasks, "nop").Remote(ctx))(t)
		_ = must(c.FunctionFromSource("def f():\n    return 1\n", "f").RemoteN(ctx, 1))(t)
		_ = must(c.CreatePlacementGroup(ctx, []Bundle{{"CPU": 0.01}}, Pack, ""))(t)
		other := must(Connect(ctx, testAddress, WithLogsOff()))(t)
		_ = must(other.Put(ctx, 1))(t)
	}()
	if n := liveHandles(); n < base+200 {
		t.Fatalf("live handles %d, base %d: the refs were not counted", n, base)
	}
	for n := settle(); n > base; n = settle() {
		// Keep collecting until every dropped handle is released; a leak hangs here
		// until go test's timeout reports it.
		t.Logf("live handles %d > %d, collecting again", n, base)
		time.Sleep(100 * time.Millisecond)
	}
}
