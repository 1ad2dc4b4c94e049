package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDemo runs what `make demo` runs, on a fresh SQLite file, and checks
// that its output walks through the pause, the payment arriving during the
// sleep, and the sweep whose timer finishes the run.
func TestDemo(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "demo.db")
	getenv := func(k string) string {
		if k == "WF_SQLITE_PATH" {
			return path
		}
		return ""
	}
	var out bytes.Buffer
	if err := run(context.Background(), &out, getenv, 200*time.Millisecond); err != nil {
		t.Fatalf("demo failed: %v\n%s", err, out.String())
	}
	got := out.String()
	for _, want := range []string{
		"Store: SQLite file " + path,
		"status: paused, sleeping until",
		"result: accepted — the run keeps it for its wait (kept: [evt_1])",
		"result: duplicate",
		"sweep: 0 timers delivered",
		"sweep: 1 timers delivered",
		"status: finished",
		"SIGNAL_RESOLVED",
		"make demo",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	lines := strings.Split(strings.TrimSpace(got), "\n")
	last := lines[len(lines)-3]
	if !strings.Contains(last, ": finished, output {\"orderId\":\"order-42\",\"shipped\":true}") {
		t.Fatalf("the run did not end finished; line %q of:\n%s", last, got)
	}
}
