package ray

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"
)

// Item streams against the cluster: tests/python/rc_streams.py's generators, which write
// what they did to the KV store (namespace rc_streams).

func streamKey(what string) string {
	return fmt.Sprintf("go-%s-%d", what, time.Now().UnixNano())
}

// waitStopped waits (no time limit) until the generator writing key says it stopped.
func waitStopped(t *testing.T, kv KV, key string) {
	t.Helper()
	for {
		found, err := kv.Exists(context.Background(), key+":stopped")
		if err != nil {
			t.Fatal(err)
		}
		if found {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestItemStreams(t *testing.T) {
	ctx := context.Background()
	c := shared(t)
	kv := c.KV("rc_streams")

	s, err := c.Function("rc_streams", "count").RemoteStream(ctx, 150)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if b, err := s.Buffer(); err != nil || b != 1024 {
		t.Errorf("Buffer = %d, %v", b, err)
	}
	want := int64(0)
	for item, err := range s.All(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		if item != want {
			t.Fatalf("item %v, want %d", item, want)
		}
		want++
	}
	if want != 150 {
		t.Errorf("%d items", want)
	}
	if _, err := s.Next(ctx); err != io.EOF {
		t.Errorf("after the end: %v", err)
	}

	// The exception after the items before it.
	failing, err := c.Function("rc_streams", "fail_after").RemoteStream(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer failing.Close()
	for i := int64(0); i < 2; i++ {
		var n int64
		if err := failing.NextInto(ctx, &n); err != nil || n != i {
			t.Fatalf("item %d: %d, %v", i, n, err)
		}
	}
	_, err = failing.Next(ctx)
	var te *TaskError
	if !errors.As(err, &te) || te.CauseType != "ValueError" || !strings.Contains(te.RemoteMessage, "boom after 2") {
		t.Fatalf("the exception: %v", err)
	}
	if _, err := failing.Next(ctx); err != io.EOF {
		t.Errorf("after the exception: %v", err)
	}

	// A read whose context ends first loses nothing: its item goes to the next read.
	key := streamKey("lockstep")
	lock, err := c.Function("rc_streams", "lockstep").RemoteStream(ctx, 2, key)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if v, err := lock.Next(ctx); err != nil || v != int64(0) {
		t.Fatalf("first: %v, %v", v, err)
	}
	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	_, err = lock.Next(short)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a read past its deadline: %v", err)
	}
	if _, err := kv.Put(ctx, key, []byte("0"), true); err != nil {
		t.Fatal(err)
	}
	if v, err := lock.Next(ctx); err != nil || v != int64(1) {
		t.Fatalf("after the deadline: %v, %v", v, err)
	}
	if _, err := kv.Put(ctx, key, []byte("1"), true); err != nil {
		t.Fatal(err)
	}
	if _, err := lock.Next(ctx); err != io.EOF {
		t.Errorf("end: %v", err)
	}

	// Cancel and Close stop the generator.
	cancelled, closed := streamKey("cancel"), streamKey("close")
	endless := c.Function("rc_streams", "endless")
	e1, err := endless.RemoteStream(ctx, cancelled)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := e1.Next(ctx); err != nil || v != int64(0) {
		t.Fatalf("endless: %v, %v", v, err)
	}
	if err := e1.Cancel(); err != nil {
		t.Fatal(err)
	}
	if _, err := e1.Next(ctx); err != io.EOF {
		t.Errorf("after Cancel: %v", err)
	}
	e1.Close()
	waitStopped(t, kv, cancelled)
	e2, err := endless.Options(OptionValue("_generator_backpressure_num_objects", 2)).RemoteStream(ctx, closed)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := e2.Buffer(); b != 2 {
		t.Errorf("Buffer = %d", b)
	}
	if _, err := e2.Next(ctx); err != nil {
		t.Fatal(err)
	}
	if err := e2.Close(); err != nil {
		t.Fatal(err)
	}
	waitStopped(t, kv, closed)
	if _, err := e2.Next(ctx); !errors.Is(err, ErrClosed) {
		t.Errorf("after Close: %v", err)
	}

	// An actor's generator method.
	actor, err := c.ActorClass("rc_streams", "Streamer").Remote(ctx, 7)
	if err != nil {
		t.Fatal(err)
	}
	defer actor.Close()
	m, err := actor.Method("count").RemoteStream(ctx, 3)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	var got []int64
	for item, err := range m.All(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, item.(int64))
	}
	if fmt.Sprint(got) != "[7 8 9]" {
		t.Errorf("method items %v", got)
	}

	// num_returns="dynamic": one ref, whose value is the list of the items' refs.
	dyn, err := c.Function("rc_streams", "count").Options(OptionValue("num_returns", "dynamic")).Remote(ctx, 3)
	if err != nil {
		t.Fatal(err)
	}
	list, err := c.Get(ctx, dyn)
	if err != nil {
		t.Fatal(err)
	}
	refs, ok := list.([]any)
	if !ok || len(refs) != 3 {
		t.Fatalf("dynamic generator value %#v", list)
	}
	for i, r := range refs {
		if v, err := c.Get(ctx, r.(*ObjectRef)); err != nil || v != int64(i) {
			t.Errorf("item %d: %v, %v", i, v, err)
		}
	}

	// Bad input.
	if _, err := actor.Method("").RemoteStream(ctx); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("empty method: %v", err)
	}
	if _, err := endless.Options(OptionValue("_generator_backpressure_num_objects", 0)).RemoteStream(ctx, "x"); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("buffer 0: %v", err)
	}
	var nilStream *ItemStream
	if _, err := nilStream.Next(ctx); !errors.Is(err, ErrNilHandle) {
		t.Errorf("nil stream: %v", err)
	}
}
