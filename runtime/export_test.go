package runtime_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestExportGolden pins the export format: a fulfillment run paused on its
// payment, after its timer fired.
func TestExportGolden(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	if _, err := b.rt.StartRun(ctx, runtime.StartRequest{WorkflowID: "fulfillment", RunID: "o-1", Input: raw(t, orderInput{OrderID: "o-1", DelayMs: 1000})}); err != nil {
		t.Fatal(err)
	}
	b.clock.Advance(time.Minute)
	if _, err := b.rt.Sweep(ctx, runtime.SweepOptions{}); err != nil {
		t.Fatal(err)
	}
	h, err := b.rt.Export(ctx, "o-1")
	if err != nil {
		t.Fatal(err)
	}
	got, err := h.JSON()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "export", "fulfillment-paused.json")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("export changed:\n got %s\nwant %s", got, want)
	}
	back, err := runtime.ParseHistory(want)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := back.JSON(); !bytes.Equal(again, want) {
		t.Errorf("ParseHistory then JSON does not give the file back:\n%s", again)
	}
	if !reflect.DeepEqual(back.Events[0].Type, h.Events[0].Type) || len(back.Deliveries) != 1 {
		t.Errorf("parsed history: %d events, %d deliveries", len(back.Events), len(back.Deliveries))
	}
}

func TestExportErrors(t *testing.T) {
	t.Parallel()
	b := setup(t)
	if _, err := b.rt.Export(context.Background(), "missing"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Export of a missing run: %v, want store.ErrNotFound", err)
	}
	for _, tt := range []struct{ doc, want string }{
		{`{`, "unexpected end"},
		{`{"format":"other","formatVersion":1,"runId":"r","workflowId":"w"}`, `format "other"`},
		{`{"format":"wf.history","formatVersion":2,"runId":"r","workflowId":"w"}`, "format version 2"},
		{`{"format":"wf.history","formatVersion":1,"workflowId":"w"}`, "runId and workflowId"},
		{`{"format":"wf.history","formatVersion":1,"runId":"r","workflowId":"w","events":[{"type":"STEP_FINISHED"}]}`, "event 0: wf: STEP_FINISHED event lacks stepId"},
		{`{"format":"wf.history","formatVersion":1,"runId":"r","workflowId":"w","events":[{"type":"CUSTOM"}]}`, "not a durable event kind"},
	} {
		if _, err := runtime.ParseHistory([]byte(tt.doc)); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseHistory(%s) = %v, want an error with %q", tt.doc, err, tt.want)
		}
	}
}
