package ray

import (
	"bytes"
	"context"
	"encoding/json"
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

// The job's logging (Python's ray.init(logging_config=..., log_to_driver=...,
// logging_level=...)): a JSON configuration formats and filters the workers' records,
// WithLogToDriverOff keeps a task's output on the cluster, bad values fail Connect.
func TestJobLoggingConfigLogToDriverAndLevel(t *testing.T) {
	ctx := context.Background()
	marker := fmt.Sprintf("go-debug-record-%d", time.Now().UnixNano())
	lines := make(chan string, 1024)
	collect := func(l LogRecord) {
		if strings.Contains(l.Text, "go-") {
			lines <- l.Text
		}
	}
	// This client also hears the control output below (and its server's ray logger is at
	// debug level).
	c := connectTest(t, WithLogFunc(collect), WithLoggingLevel("debug"), WithLoggingConfig(LoggingConfig{
		Encoding: "JSON", LogLevel: "debug", AdditionalLogStandardAttrs: []string{"name"},
	}))
	// The workers' root logger is at DEBUG, as configured (Ray's default is INFO).
	if lvl := getAs[int](t, c, must(c.Call(ctx, tasks, "log_record", "rc_go_log", 10, marker))(t)); lvl != 10 {
		t.Fatalf("root level %d", lvl)
	}
	var line string
	for line = range lines { // no time limit: go test's timeout catches a hang
		if strings.Contains(line, marker) {
			break
		}
	}
	var record map[string]any
	if err := json.Unmarshal([]byte(line[strings.Index(line, "{"):]), &record); err != nil {
		t.Fatalf("%v: %q", err, line)
	}
	if record["message"] != marker || record["levelname"] != "DEBUG" || record["name"] != "rc_go_log" {
		t.Fatalf("record %v", record)
	}

	var mu sync.Mutex
	var quietLines []string
	quiet := connectTest(t, WithLogToDriverOff(), WithLogFunc(func(l LogRecord) {
		mu.Lock()
		quietLines = append(quietLines, l.Text)
		mu.Unlock()
	}))
	control := fmt.Sprintf("go-heard-%d", time.Now().UnixNano())
	unheard := fmt.Sprintf("go-unheard-%d", time.Now().UnixNano())
	getAs[int](t, quiet, must(quiet.Call(ctx, tasks, "shout", unheard))(t))
	// The same output from a client that hears it, after the quiet one's: once it has
	// arrived, the quiet one's had its chance too (and two seconds more).
	getAs[int](t, c, must(c.Call(ctx, tasks, "shout", control))(t))
	for line = range lines {
		if strings.Contains(line, control) {
			break
		}
	}
	time.Sleep(2 * time.Second)
	mu.Lock()
	for _, l := range quietLines {
		if strings.Contains(l, unheard) {
			t.Errorf("WithLogToDriverOff, yet: %q", l)
		}
	}
	mu.Unlock()

	for _, opt := range []ConnectOption{
		WithLoggingLevel("loud"),
		WithLoggingConfig(LoggingConfig{Encoding: "XML"}),
		WithLoggingConfig(LoggingConfig{AdditionalLogStandardAttrs: []string{"colour"}}),
	} {
		if _, err := Connect(ctx, testAddress, opt); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("a bad logging option: %v", err)
		}
	}
}
