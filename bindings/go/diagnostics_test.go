package ray

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

// slogRecords is a slog.Handler that sends every record it gets, as text, to a channel.
type slogRecords struct {
	level slog.Level
	out   chan slog.Record
}

func (h slogRecords) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level }
func (h slogRecords) Handle(_ context.Context, r slog.Record) error {
	h.out <- r.Clone()
	return nil
}
func (h slogRecords) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h slogRecords) WithGroup(string) slog.Handler      { return h }

func attr(r slog.Record, key string) string {
	var v string
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == key {
			v = a.Value.String()
		}
		return true
	})
	return v
}

// The library's diagnostics through log/slog: each connect's steps at debug level, with
// their target, never a header's value.
func TestDiagnosticsToSlog(t *testing.T) {
	records := make(chan slog.Record, 4096)
	if err := SetDiagnosticLogger(slog.New(slogRecords{slog.LevelDebug, records})); err != nil {
		t.Fatal(err)
	}
	defer SetDiagnosticLogger(nil)
	c := connectTest(t, WithHeader("x-rc-secret", "go-header-secret"))
	id := must(c.Info())(t).ID
	for r := range records { // no time limit: go test's timeout catches a hang
		if strings.Contains(r.Message, "go-header-secret") {
			t.Fatalf("a diagnostic shows a header's value: %q", r.Message)
		}
		if strings.Contains(r.Message, "connected to") && strings.Contains(r.Message, id) {
			if r.Level != slog.LevelDebug || attr(r, "target") != "ray_client::connect" {
				t.Fatalf("level %v, target %q", r.Level, attr(r, "target"))
			}
			break
		}
	}
	// A logger that takes warnings only: the library sends no detail.
	quiet := make(chan slog.Record, 4096)
	if err := SetDiagnosticLogger(slog.New(slogRecords{slog.LevelWarn, quiet})); err != nil {
		t.Fatal(err)
	}
	connectTest(t).Close()
	if len(quiet) != 0 {
		t.Fatalf("a warnings-only logger got %d records", len(quiet))
	}
	if err := SetDiagnosticLogger(nil); err != nil || errors.Is(err, ErrInvalidArgument) {
		t.Fatal(err)
	}
}
