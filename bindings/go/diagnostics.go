package ray

/*
#include "helpers.h"
*/
import "C"

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
)

// The library's own diagnostics, mapped to log/slog: a broken connection and its
// recovery, giving up, retried connects and calls, version warnings, and at debug level
// each connect's steps and uploads. Without a logger they go to this process's stderr,
// warnings and errors only (the environment variable RAY_CLIENT_LOG=off|error|warn|info|
// debug|trace changes that).

// slog's levels of the library's (ERROR 1, WARN 2, INFO 3, DEBUG 4, TRACE 5).
var diagnosticLevels = [...]slog.Level{slog.LevelError, slog.LevelWarn, slog.LevelInfo, slog.LevelDebug, slog.LevelDebug - 4}

// maxQueuedDiagnostics bounds what waits for a slow logger; more are dropped (and counted).
const maxQueuedDiagnostics = 1024

type diagnostic struct {
	level           int
	target, message string
}

var diagnostics = struct {
	mu      sync.Mutex // orders SetDiagnosticLogger calls
	logger  atomic.Pointer[slog.Logger]
	queue   chan diagnostic // made once, before any callback can use it
	started sync.Once
	dropped atomic.Int64
}{queue: make(chan diagnostic, maxQueuedDiagnostics)}

// SetDiagnosticLogger hands the library's diagnostics to logger from now on, for the whole
// process: each as a record at the slog level of its importance (trace is LevelDebug-4)
// with its message and the attribute "target" (ray_client::connection, ::connect,
// ::version, ::runtime_env); messages never carry a token or a header's value. The library
// is asked for the lowest level logger's handler enables. Records reach logger from one
// goroutine, in order; should it fall more than 1024 behind, later ones are dropped
// (DroppedDiagnostics counts them). nil: back to stderr at RAY_CLIENT_LOG (warnings).
func SetDiagnosticLogger(logger *slog.Logger) error {
	diagnostics.mu.Lock()
	defer diagnostics.mu.Unlock()
	const op = "SetDiagnosticLogger"
	if logger == nil {
		diagnostics.logger.Store(nil)
		return ccall(op, func() cstatus { return C.ray_client_diagnostics_set(nil, nil, C.RAY_CLIENT_DIAGNOSTIC_WARN) })
	}
	diagnostics.started.Do(func() { go deliverDiagnostics(diagnostics.queue) })
	diagnostics.logger.Store(logger)
	max := 0
	for i := len(diagnosticLevels) - 1; i >= 0; i-- {
		if logger.Handler().Enabled(context.Background(), diagnosticLevels[i]) {
			max = i + 1
			break
		}
	}
	return ccall(op, func() cstatus { return C.rc_go_diagnostics_set(C.int(max)) })
}

// DroppedDiagnostics is how many diagnostics were dropped because the logger fell behind.
func DroppedDiagnostics() int64 { return diagnostics.dropped.Load() }

func deliverDiagnostics(queue <-chan diagnostic) {
	for d := range queue {
		if l := diagnostics.logger.Load(); l != nil && d.level >= 1 && d.level <= len(diagnosticLevels) {
			l.Log(context.Background(), diagnosticLevels[d.level-1], d.message, "target", d.target)
		}
	}
}

//export rcGoDiagnostic
func rcGoDiagnostic(level C.int, target, message *C.char) {
	// On the library's thread: copy and queue, never block it.
	select {
	case diagnostics.queue <- diagnostic{int(level), C.GoString(target), C.GoString(message)}:
	default:
		diagnostics.dropped.Add(1)
	}
}
