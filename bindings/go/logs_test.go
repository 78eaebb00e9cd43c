package ray

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// lineWatcher collects log lines and signals when one contains a marker.
type lineWatcher struct {
	mu     sync.Mutex
	seen   map[int]bool // level → seen the marker
	marker string
	done   chan struct{}
	want   int
	once   sync.Once
}

func newLineWatcher(marker string, levels int) *lineWatcher {
	return &lineWatcher{seen: map[int]bool{}, marker: marker, done: make(chan struct{}), want: levels}
}

func (w *lineWatcher) line(l LogRecord) {
	if !strings.Contains(l.Text, w.marker) {
		return
	}
	w.mu.Lock()
	w.seen[l.Level] = true
	n := len(w.seen)
	w.mu.Unlock()
	if n >= w.want {
		w.once.Do(func() { close(w.done) })
	}
}

// syncBuffer is an io.Writer that signals when the marker shows up.
type syncBuffer struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	marker string
	done   chan struct{}
	once   sync.Once
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n, err := b.buf.Write(p)
	if strings.Contains(b.buf.String(), b.marker) {
		b.once.Do(func() { close(b.done) })
	}
	return n, err
}

// Log streaming to a function and to an io.Writer, from two clients connected at once;
// refs of one client are refused by the other.
func TestLogsAndSeveralClients(t *testing.T) {
	ctx := context.Background()
	marker1 := fmt.Sprintf("go-log-func-%d", time.Now().UnixNano())
	marker2 := fmt.Sprintf("go-log-writer-%d", time.Now().UnixNano())
	w := newLineWatcher(marker1, 2)
	buf := &syncBuffer{marker: marker2, done: make(chan struct{})}
	c1 := connectTest(t, WithLogFunc(w.line))
	c2 := connectTest(t, WithLogWriter(buf))
	i1, i2 := must(c1.Info())(t), must(c2.Info())(t)
	if i1.ID == i2.ID {
		t.Fatal("two clients with one id")
	}

	if n := getAs[int](t, c1, must(c1.Call(ctx, tasks, "shout", marker1))(t)); n != len(marker1) {
		t.Fatal(n)
	}
	if n := getAs[int](t, c2, must(c2.Call(ctx, tasks, "shout", marker2))(t)); n != len(marker2) {
		t.Fatal(n)
	}
	<-w.done // both the stdout and the stderr line (no time limit: go test's timeout catches a hang)
	w.mu.Lock()
	if !w.seen[LogStdout] || !w.seen[LogStderr] {
		t.Fatalf("levels seen: %v", w.seen)
	}
	w.mu.Unlock()
	<-buf.done

	// Objects of one client are not the other's.
	r1 := must(c1.Put(ctx, 1))(t)
	defer r1.Close()
	if _, err := c2.Get(ctx, r1); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("Get of another client's ref: %v", err)
	}
	if _, err := c2.Call(ctx, tasks, "identity", r1); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("another client's ref as an argument: %v", err)
	}
	if _, _, err := c2.Wait(ctx, []*ObjectRef{r1}, 1, 0); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("Wait on another client's ref: %v", err)
	}
	// Both work at the same time.
	clients := []*Client{c1, c2}
	ok := parallel(t, len(clients), func(k int) error {
		c := clients[k]
		for i := 0; i < 20; i++ {
			r, err := c.Call(ctx, tasks, "square", i)
			if err != nil {
				return err
			}
			n, err := GetAs[int](ctx, c, r)
			r.Close()
			if err != nil || n != i*i {
				return fmt.Errorf("square(%d) = %d, %v", i, n, err)
			}
		}
		return nil
	})
	if !ok {
		t.FailNow() // what follows assumes both clients work
	}
	// Closing one leaves the other connected.
	if err := c1.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c2.Ping(ctx); err != nil {
		t.Fatal(err)
	}
}

// Output with terminal colour codes reaches Go writers (and so log functions) without
// them: the library strips them from task output and from Ray's own prefixes.
func TestLogsWithoutColour(t *testing.T) {
	ctx := context.Background()
	marker := fmt.Sprintf("go-colour-%d", time.Now().UnixNano())
	buf := &syncBuffer{marker: marker, done: make(chan struct{})}
	c := connectTest(t, WithLogWriter(buf))
	if got := getAs[string](t, c, must(c.Call(ctx, tasks, "colour_print", marker))(t)); got != marker {
		t.Fatalf("colour_print = %q", got)
	}
	<-buf.done // no time limit: go test's timeout catches a hang
	buf.mu.Lock()
	defer buf.mu.Unlock()
	out := buf.buf.String()
	if strings.Contains(out, "\x1b") || !strings.Contains(out, marker+"\n") {
		t.Fatalf("log output: %q", out)
	}
}
