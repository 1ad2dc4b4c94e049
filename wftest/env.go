package wftest

import (
	"context"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/internal/testclock"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store"
	"github.com/wfgo/wf/store/memstore"
)

// Epoch is where an Env's clock starts.
var Epoch = time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)

// budget is the deadline each Env call gives its drive: a step's retry
// backoff longer than this becomes a durable timer that Advance fires,
// instead of a real sleep.
const budget = 10 * time.Second

// Env is a runtime over an in-memory store with a fake clock, for unit
// tests of workflows. Its methods fail the test on an error; the
// Runtime and Store fields give access to everything else.
type Env struct {
	t       testing.TB
	clock   *testclock.Clock
	uuids   atomic.Int64
	signals atomic.Int64
	Runtime *runtime.Runtime
	Store   *memstore.Store
}

// New returns an Env running workflows (e.g. a package's generated
// Registrations), its clock at Epoch. Run IDs and wf.UUID values are
// deterministic: "uuid-1", "uuid-2", ….
func New(t testing.TB, workflows ...runtime.Workflow) *Env {
	t.Helper()
	e := &Env{t: t, clock: testclock.New(Epoch), Store: memstore.New()}
	rt, err := runtime.New(runtime.Config{
		Store: e.Store, Workflows: workflows, Clock: e.clock.Now, Owner: "wftest",
		NewUUID: func() string { return fmt.Sprintf("uuid-%d", e.uuids.Add(1)) },
	})
	if err != nil {
		t.Fatalf("wftest: %v", err)
	}
	e.Runtime = rt
	return e
}

// Now reads the Env's clock.
func (e *Env) Now() time.Time { return e.clock.Now() }

// Advance moves the clock forward by d and sweeps until nothing is left
// to do: due timers fire (sleeps end, waits time out, durable retries
// run) and runs made ready are driven. It returns the sweeps' summed
// summary.
func (e *Env) Advance(d time.Duration) runtime.Summary {
	e.t.Helper()
	e.clock.Advance(d)
	return e.Sweep()
}

// Sweep sweeps until no budget stops a sweep, and sums their summaries.
func (e *Env) Sweep() runtime.Summary {
	e.t.Helper()
	sum := runtime.Summary{Recovered: runtime.KindCounts{}, Scheduled: runtime.KindCounts{}, Timers: runtime.KindCounts{}}
	for range 100 {
		res, err := e.Runtime.Sweep(context.Background(), runtime.SweepOptions{})
		if err != nil {
			e.t.Fatalf("wftest: sweep: %v", err)
		}
		add(sum.Recovered, res.Summary.Recovered)
		add(sum.Scheduled, res.Summary.Scheduled)
		add(sum.Timers, res.Summary.Timers)
		sum.Materialized += res.Summary.Materialized
		sum.EventCount += res.Summary.EventCount
		sum.Parked += res.Summary.Parked
		sum.Unparked += res.Summary.Unparked
		if !res.RemainingMayExist {
			return sum
		}
	}
	e.t.Fatal("wftest: still work left after 100 sweeps")
	return sum
}

func add(to, from runtime.KindCounts) {
	for k, v := range from {
		to[k] += v
	}
}

// Start starts run runID of workflowID with input (any value that encodes
// to JSON) and drives it to its first pause or end.
func (e *Env) Start(workflowID, runID string, input any) runtime.Result {
	e.t.Helper()
	res, err := e.Runtime.StartRun(context.Background(), runtime.StartRequest{
		WorkflowID: workflowID, RunID: runID, Input: e.encode("input", input), Deadline: e.deadline(),
	})
	if err != nil {
		e.t.Fatalf("wftest: start %s run %s: %v", workflowID, runID, err)
	}
	return res
}

// Signal delivers signal name with payload to a run and drives it. The
// signal ID is the name and a counter ("paid-1"); deliver through Runtime
// to choose it.
func (e *Env) Signal(runID, name string, payload any) runtime.Result {
	e.t.Helper()
	res, err := e.Runtime.DeliverSignal(context.Background(), runtime.SignalRequest{
		RunID: runID, SignalID: fmt.Sprintf("%s-%d", name, e.signals.Add(1)), Name: name,
		Payload: e.encode("signal "+name, payload), Deadline: e.deadline(),
	})
	if err != nil {
		e.t.Fatalf("wftest: signal %s to run %s: %v", name, runID, err)
	}
	return res
}

// Decide delivers a decision to a run's approval and drives the run.
func (e *Env) Decide(runID, approvalID string, approved bool, feedback string) runtime.Result {
	e.t.Helper()
	res, err := e.Runtime.DeliverApproval(context.Background(), runtime.ApprovalDecision{
		RunID: runID, ApprovalID: approvalID, Approved: approved, Feedback: feedback, Deadline: e.deadline(),
	})
	if err != nil {
		e.t.Fatalf("wftest: decide approval %s of run %s: %v", approvalID, runID, err)
	}
	return res
}

// Run returns a run's state.
func (e *Env) Run(runID string) store.Run {
	e.t.Helper()
	r, err := e.Runtime.GetRun(context.Background(), runID)
	if err != nil {
		e.t.Fatalf("wftest: %v", err)
	}
	return r
}

// Output decodes a finished run's output into out; it fails the test when
// the run has not finished.
func (e *Env) Output(runID string, out any) {
	e.t.Helper()
	r := e.Run(runID)
	if r.Status != wf.StatusFinished {
		e.t.Fatalf("wftest: run %s is %s, not finished (error: %v)", runID, r.Status, r.Error)
	}
	if err := json.Unmarshal(r.Output, out); err != nil {
		e.t.Fatalf("wftest: run %s: decode output %s: %v", runID, r.Output, err)
	}
}

// Export returns a run's history, to replay or to commit as a file.
func (e *Env) Export(runID string) runtime.History {
	e.t.Helper()
	h, err := e.Runtime.Export(context.Background(), runID)
	if err != nil {
		e.t.Fatalf("wftest: %v", err)
	}
	return h
}

func (e *Env) deadline() time.Time { return e.clock.Now().Add(budget) }

func (e *Env) encode(what string, v any) json.RawMessage {
	e.t.Helper()
	if raw, ok := v.(json.RawMessage); ok {
		return raw
	}
	b, err := json.Marshal(v)
	if err != nil {
		e.t.Fatalf("wftest: encode %s: %v", what, err)
	}
	return b
}
