package wf_test

import (
	"strings"
	"testing"
	"time"

	"github.com/wfgo/wf"
)

// A loop of three waits on one name, each with a timeout.
func threePayments() *wf.Definition {
	return wf.New("three", func(ctx *wf.Context, _ struct{}) (string, error) {
		var got []string
		for _, id := range []string{"pay-0", "pay-1", "pay-2"} {
			p, err := wf.WaitForEvent[payment](ctx, "paid", wf.ID(id), wf.Timeout(time.Hour))
			if err != nil {
				got = append(got, "timeout")
				continue
			}
			got = append(got, p.PaymentID)
		}
		return strings.Join(got, ","), nil
	})
}

func byName(signalID, paymentID string) wf.Delivery {
	return wf.Delivery{SignalID: signalID, Name: "paid", Payload: []byte(`{"paymentId":"` + paymentID + `"}`)}
}

// Deliveries kept by name resolve the next waits of their name in the
// order given, in one drive; one for a named step keeps to that step, and
// a kept signal beats the wait's own timeout.
func TestWaitTakesKeptSignals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		deliveries []wf.Delivery
		want       string
		resolved   []string
	}{
		{"in order", []wf.Delivery{byName("b", "first"), byName("a", "second"), byName("c", "third")},
			`"first,second,third"`, []string{"pay-0=b", "pay-1=a", "pay-2=c"}},
		{"named step first", []wf.Delivery{{StepID: "pay-2", SignalID: "t", Name: "paid", Payload: []byte(`{"paymentId":"for-2"}`)}, byName("a", "x"), byName("b", "y")},
			`"x,y,for-2"`, []string{"pay-0=a", "pay-1=b", "pay-2=t"}},
		{"kept signal beats timeout", []wf.Delivery{{StepID: "pay-0", SignalID: "__timer:pay-0", Name: wf.TimerSignal}, byName("a", "x"), byName("b", "y"), byName("c", "z")},
			`"x,y,z"`, []string{"pay-0=a", "pay-1=b", "pay-2=c"}},
		{"other names untouched", []wf.Delivery{{SignalID: "o", Name: "other", Payload: []byte(`{}`)}, byName("a", "x"), byName("b", "y"), byName("c", "z")},
			`"x,y,z"`, []string{"pay-0=a", "pay-1=b", "pay-2=c"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, threePayments(), struct{}{})
			h.deliveries = tt.deliveries
			out := h.drive()
			if out.Status != wf.OutcomeFinished || string(out.Output) != tt.want {
				t.Fatalf("outcome %s %s %+v, want finished with %s", out.Status, out.Output, out.Error, tt.want)
			}
			var resolved []string
			for _, ev := range h.events() {
				if ev.Type == wf.SignalResolved {
					resolved = append(resolved, ev.StepID+"="+ev.SignalID)
				}
			}
			if !equalStrings(resolved, tt.resolved) {
				t.Errorf("resolutions %v, want %v", resolved, tt.resolved)
			}
			// Replaying with the same deliveries changes nothing.
			if again := h.drive(); again.Status != wf.OutcomeFinished || len(again.Pending) != 0 {
				t.Errorf("replay: %s with %d new events", again.Status, len(again.Pending))
			}
		})
	}
}

// A kept signal already consumed by an earlier wait (its signal ID is in
// the log) does not resolve a later one.
func TestWaitSkipsConsumedKeptSignal(t *testing.T) {
	t.Parallel()
	h := newHarness(t, threePayments(), struct{}{})
	h.deliveries = []wf.Delivery{byName("a", "x")}
	if out := h.drive(); out.Status != wf.OutcomePaused || out.Awaiting[0].StepID != "pay-1" {
		t.Fatalf("first drive: %s %+v, want paused at pay-1", out.Status, out.Awaiting)
	}
	if out := h.drive(); out.Status != wf.OutcomePaused || out.Awaiting[0].StepID != "pay-1" {
		t.Fatalf("second drive: %s %+v, want still paused at pay-1", out.Status, out.Awaiting)
	}
}
