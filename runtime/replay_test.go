package runtime_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/internal/testclock"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store"
)

// orders is a workflow whose steps a test changes between deploys, all on
// version v1; ran counts live step function calls by step ID.
type orders struct {
	mu  sync.Mutex
	ran map[string]int
}

func (o *orders) definition(steps ...string) *wf.Definition {
	return wf.New("orders", func(ctx *wf.Context, _ struct{}) (string, error) {
		for i, id := range steps {
			if id == "wait" {
				if _, err := wf.WaitForEvent[paymentReceived](ctx, "payment-received", wf.ID("payment")); err != nil {
					return "", err
				}
				continue
			}
			err := wf.Do(ctx, wf.StepID(id), func(wf.StepContext) error {
				o.mu.Lock()
				defer o.mu.Unlock()
				o.ran[steps[i]]++
				return nil
			})
			if err != nil {
				return "", err
			}
		}
		return "done", nil
	})
}

func (o *orders) runtime(t *testing.T, st store.Store, c *clock, steps ...string) *runtime.Runtime {
	t.Helper()
	rt, err := runtime.New(runtime.Config{Store: st, Clock: c.Now, Owner: "test", Workflows: []runtime.Workflow{{Definition: o.definition(steps...)}}})
	if err != nil {
		t.Fatal(err)
	}
	return rt
}

// TestReorderedDeployEndsRunWithNondeterminism: a paused run whose
// definition (same version) now reaches its recorded steps in another
// order ends errored with code nondeterminism naming the expected and the
// found operation, and no step function runs; a step appended after the
// recorded ones runs as usual.
func TestReorderedDeployEndsRunWithNondeterminism(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, newStore func(*testing.T) store.Store) {
		st := newStore(t)
		tests := []struct {
			name     string
			deployed []string
			expected string
			found    string
		}{
			{"step inserted", []string{"reserve", "fraud-check", "charge", "wait"}, `"charge"`, `"fraud-check"`},
			{"steps swapped", []string{"charge", "reserve", "wait"}, `"reserve"`, `"charge"`},
			{"wait moved before a step", []string{"reserve", "wait", "charge"}, `"charge"`, `"payment"`},
			{"step appended", []string{"reserve", "charge", "wait", "ship"}, "", ""},
		}
		for _, tt := range tests {
			ctx := context.Background()
			o := &orders{ran: map[string]int{}}
			c := testclock.New(t0)
			runID := "orders:" + tt.name
			res, err := o.runtime(t, st, c, "reserve", "charge", "wait").StartRun(ctx, runtime.StartRequest{WorkflowID: "orders", RunID: runID, Input: raw(t, struct{}{})})
			if err != nil || res.Kind != runtime.KindPaused {
				t.Fatalf("%s: start: %s %v", tt.name, res.Kind, err)
			}
			before := map[string]int{"reserve": o.ran["reserve"], "charge": o.ran["charge"]}

			deployed := o.runtime(t, st, c, tt.deployed...)
			res, err = deployed.DeliverSignal(ctx, runtime.SignalRequest{RunID: runID, SignalID: "evt-1", Name: "payment-received", Payload: raw(t, paymentReceived{PaymentID: "p-1"})})
			if err != nil {
				t.Fatalf("%s: deliver: %v", tt.name, err)
			}
			if tt.expected == "" {
				if res.Kind != runtime.KindCompleted || o.ran["ship"] != 1 || o.ran["reserve"] != 1 || o.ran["charge"] != 1 {
					t.Fatalf("%s: %s %+v, step calls %v", tt.name, res.Kind, res.Run.Error, o.ran)
				}
				continue
			}
			if res.Kind != runtime.KindErrored || res.Run.Status != wf.StatusErrored || res.Run.Error == nil || res.Run.Error.Code != wf.CodeNondeterminism {
				t.Fatalf("%s: %s %s %+v, want errored with nondeterminism", tt.name, res.Kind, res.Run.Status, res.Run.Error)
			}
			msg := res.Run.Error.Message
			if !strings.Contains(msg, "expected operation "+tt.expected) || !strings.Contains(msg, tt.found) {
				t.Fatalf("%s: message %q does not name expected %s and found %s", tt.name, msg, tt.expected, tt.found)
			}
			if o.ran["fraud-check"] != 0 || o.ran["reserve"] != before["reserve"] || o.ran["charge"] != before["charge"] {
				t.Fatalf("%s: step functions ran during the divergent replay: %v", tt.name, o.ran)
			}
			run, err := deployed.GetRun(ctx, runID)
			if err != nil || run.Status != wf.StatusErrored || run.Error.Code != wf.CodeNondeterminism {
				t.Fatalf("%s: stored run %s %+v %v", tt.name, run.Status, run.Error, err)
			}
			tl, err := deployed.Timeline(ctx, runID)
			if err != nil {
				t.Fatal(err)
			}
			want := "STEP_FINISHED:reserve STEP_FINISHED:charge SIGNAL_AWAITED:payment RUN_ERRORED"
			if got := strings.Join(eventKinds(tl.Events), " "); got != want {
				t.Fatalf("%s: log %s, want %s", tt.name, got, want)
			}
		}
	})
}
