package wf_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/wfgo/wf"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestEventGolden pins the storage format of every durable event kind.
func TestEventGolden(t *testing.T) {
	t.Parallel()
	ts := time.Date(2026, 3, 4, 10, 0, 0, 123456000, time.UTC)
	deadline := ts.Add(time.Hour)
	yes := true
	cases := map[string]wf.Event{
		"step_finished":      {Type: wf.StepFinished, Time: ts, StepID: "reserve-inventory", Result: json.RawMessage(`{"sku":"A-1","qty":2}`), Attempts: 2, Meta: map[string]string{"team": "ops"}},
		"step_failed":        {Type: wf.StepFailed, Time: ts, StepID: "charge", Attempts: 3, Error: &wf.ErrorInfo{Name: "*errors.errorString", Message: "card declined", Code: "declined"}},
		"signal_awaited":     {Type: wf.SignalAwaited, Time: ts, StepID: "__wait-0", Name: "payment-received", Deadline: &deadline},
		"timer_awaited":      {Type: wf.SignalAwaited, Time: ts, StepID: "__sleep-0", Name: wf.TimerSignal, Deadline: &deadline},
		"signal_resolved":    {Type: wf.SignalResolved, Time: ts, StepID: "__wait-0", Name: "payment-received", SignalID: "evt_123", Payload: json.RawMessage(`{"paymentId":"pay_1"}`)},
		"approval_requested": {Type: wf.ApprovalRequested, Time: ts, StepID: "manager", ApprovalID: "manager", Title: "Approve $120", Description: "team lunch"},
		"approval_resolved":  {Type: wf.ApprovalResolved, Time: ts, StepID: "manager", ApprovalID: "manager", Approved: &yes, Feedback: "ok"},
		"now_recorded":       {Type: wf.NowRecorded, Time: ts, StepID: "__now-0", Value: json.RawMessage(`"2026-03-04T10:00:00.123456Z"`)},
		"uuid_recorded":      {Type: wf.UUIDRecorded, Time: ts, StepID: "__uuid-0", Value: json.RawMessage(`"6f1c9a1e-8d7b-4c52-9a31-3c1f0e9b7d20"`)},
		"run_finished":       {Type: wf.RunFinished, Time: ts, RunID: "fulfillment:o-1", Output: json.RawMessage(`{"orderId":"o-1","shipped":true}`)},
		"run_errored":        {Type: wf.RunErrored, Time: ts, RunID: "fulfillment:o-1", Code: wf.CodeNondeterminism, Error: &wf.ErrorInfo{Name: "NondeterminismError", Message: "nondeterminism: operation \"a\"", Code: wf.CodeNondeterminism}},
		"run_retried":        {Type: wf.RunRetried, Time: ts, RunID: "fulfillment:o-1", StepID: "charge", Meta: map[string]string{"by": "ops@example.com", "reason": "card processor back up"}},
		"run_forked":         {Type: wf.RunForked, Time: ts, RunID: "fulfillment:o-1", StepID: "ship-order", Meta: map[string]string{"by": "ops@example.com"}},
	}
	for name, ev := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, err := wf.EncodeEvent(ev)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", "events", name+".json")
			if *update {
				if err := os.WriteFile(path, append(got, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, bytes.TrimSpace(want)) {
				t.Fatalf("encoding changed:\n got %s\nwant %s", got, want)
			}
			back, err := wf.DecodeEvent(want)
			if err != nil {
				t.Fatalf("decode golden: %v", err)
			}
			if !reflect.DeepEqual(normalize(back), normalize(ev)) {
				t.Fatalf("round trip:\n got %+v\nwant %+v", back, ev)
			}
		})
	}
}

func normalize(ev wf.Event) wf.Event {
	ev.Time = ev.Time.UTC()
	if ev.Deadline != nil {
		d := ev.Deadline.UTC()
		ev.Deadline = &d
	}
	return ev
}

func TestDecodeEventRejects(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		``, `{`, `[]`, `{"type":"CUSTOM","ts":"2026-01-01T00:00:00Z"}`,
		`{"type":"STEP_FINISHED","ts":"2026-01-01T00:00:00Z"}`,
		`{"type":"STEP_FAILED","ts":"2026-01-01T00:00:00Z","stepId":"a"}`,
		`{"type":"APPROVAL_RESOLVED","ts":"2026-01-01T00:00:00Z","stepId":"a","approvalId":"a"}`,
		`{"type":"NOW_RECORDED","ts":"2026-01-01T00:00:00Z","stepId":"a"}`,
		`{"type":"STEP_FINISHED","ts":"yesterday","stepId":"a"}`,
	} {
		if _, err := wf.DecodeEvent([]byte(in)); err == nil {
			t.Errorf("DecodeEvent(%q) accepted", in)
		}
	}
}

func FuzzDecodeEvent(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "events", "*.json"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"type":"RUN_ERRORED","error":null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ev, err := wf.DecodeEvent(data)
		if err != nil {
			return
		}
		// Whatever decodes must re-encode and decode to the same event.
		b, err := wf.EncodeEvent(ev)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		again, err := wf.DecodeEvent(b)
		if err != nil {
			t.Fatalf("decode of re-encoded %s: %v", b, err)
		}
		b2, _ := wf.EncodeEvent(again)
		if !bytes.Equal(b, b2) {
			t.Fatalf("unstable encoding:\n%s\n%s", b, b2)
		}
	})
}
