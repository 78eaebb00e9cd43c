package ray

import (
	"io"
	"sync"
	"sync/atomic"
)

// Log levels of a [LogRecord] that are not Python logging levels.
const (
	LogStdout = -1 // the task wrote the line to stdout
	LogStderr = -2 // the task wrote the line to stderr
)

// LogRecord is one line of task or actor output streamed from the cluster.
type LogRecord struct {
	// Level is LogStdout, LogStderr or a Python logging level (logging.INFO = 20, ...).
	Level int
	// Text is the line as Ray sends it, prefixed with the task and pid, ending in a
	// newline, without terminal colour codes (the library strips them, so that files and
	// log systems get plain text).
	Text string
}

// maxQueuedLogLines bounds the lines waiting for a slow log consumer; past it the
// oldest are dropped (and counted) rather than blocking the library's I/O thread or
// growing without limit.
const maxQueuedLogLines = 1 << 16

// logSink moves lines from the library's I/O thread (push, which must return at once)
// to a goroutine that calls the user's function, which may block.
type logSink struct {
	fn      func(LogRecord)
	mu      sync.Mutex
	queue   []LogRecord
	wake    chan struct{}
	closed  bool
	done    chan struct{}
	dropped atomic.Uint64
}

var logSinks registry[*logSink]

func newLogSink(fn func(LogRecord)) (uintptr, *logSink) {
	s := &logSink{fn: fn, wake: make(chan struct{}, 1), done: make(chan struct{})}
	go s.run()
	return logSinks.add(s), s
}

func lookupLogSink(id uintptr) *logSink { return logSinks.get(id) }

// closeLogSink unregisters the sink (later callbacks find nothing and drop the line),
// lets it deliver what it has queued and stops its goroutine.
func closeLogSink(id uintptr) {
	s := logSinks.remove(id)
	if s != nil {
		s.close()
	}
}

func (s *logSink) push(l LogRecord) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	if len(s.queue) >= maxQueuedLogLines {
		s.queue = s.queue[1:]
		s.dropped.Add(1)
	}
	s.queue = append(s.queue, l)
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *logSink) run() {
	defer close(s.done)
	for {
		s.mu.Lock()
		batch := s.queue
		s.queue = nil
		closed := s.closed
		s.mu.Unlock()
		for _, l := range batch {
			s.fn(l)
		}
		if closed && len(batch) == 0 {
			return
		}
		if len(batch) == 0 {
			<-s.wake
		}
	}
}

func (s *logSink) close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
	<-s.done
}

// writerFunc adapts an io.Writer to a log function; lines are written one Write each,
// so a writer shared with other output sees whole lines.
func writerFunc(w io.Writer) func(LogRecord) {
	return func(l LogRecord) { _, _ = io.WriteString(w, l.Text) }
}
