package chaos

import (
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/runtime"
)

// The suite's workflows, schedule and signal.
const (
	// WorkflowID is the workflow the starter starts: steps, a durable
	// sleep and a wait for SignalName.
	WorkflowID = "chaos"
	// TickWorkflowID is the workflow ScheduleID starts every second; each
	// run holds a step for 1.5–3 s, so ticks overlap unless skipped.
	TickWorkflowID = "chaos-tick"
	// ScheduleID is the @every 1s, overlap=skip schedule every worker
	// registers.
	ScheduleID = "chaos-every-second"
	// SignalName is what the signaller delivers to runs waiting for it.
	SignalName = "go"
)

// expectedSteps lists, per workflow, the steps every run records exactly
// once.
var expectedSteps = map[string][]string{
	WorkflowID:     {"a", "b", "c", "d", "e"},
	TickWorkflowID: {"hold", "done"},
}

// stepRetry keeps a step alive through terminated connections: an attempt
// whose side-table insert fails is retried, as an app would.
var stepRetry = wf.RetryPolicy{MaxAttempts: 30, Backoff: wf.BackoffExponential, Base: 50 * time.Millisecond, Cap: time.Second}

// executor runs the suite's step bodies: each execution first appends a
// record to the executions side table, then holds the step for a while so
// that kills land mid-step.
type executor struct {
	pool  *pgxpool.Pool
	table string
	pid   int
}

func (x executor) run(sc wf.StepContext, runID string, min, max time.Duration) error {
	if _, err := x.pool.Exec(sc, "INSERT INTO "+x.table+" (run_id, step_id, attempt, pid) VALUES ($1, $2, $3, $4)",
		runID, string(sc.ID()), sc.Attempt(), x.pid); err != nil {
		return err
	}
	hold := min + rand.N(max-min+1)
	select {
	case <-time.After(hold):
		return nil
	case <-sc.Done():
		return sc.Err()
	}
}

// do runs one step of a workflow through x.
func (x executor) do(ctx *wf.Context, id wf.StepID, min, max time.Duration) error {
	return wf.Do(ctx, id, func(sc wf.StepContext) error { return x.run(sc, ctx.RunID(), min, max) })
}

// mainWorkflow: two steps, a 2 s sleep, a step, a wait for the signaller,
// two more steps.
func (x executor) mainWorkflow() *wf.Definition {
	const lo, hi = 20 * time.Millisecond, 200 * time.Millisecond
	return wf.New(WorkflowID, func(ctx *wf.Context, _ struct{}) (string, error) {
		for _, id := range []wf.StepID{"a", "b"} {
			if err := x.do(ctx, id, lo, hi); err != nil {
				return "", err
			}
		}
		wf.Sleep(ctx, 2*time.Second, wf.ID("nap"))
		if err := x.do(ctx, "c", lo, hi); err != nil {
			return "", err
		}
		payload, err := wf.WaitForEvent[string](ctx, SignalName, wf.ID("wait-go"))
		if err != nil {
			return "", err
		}
		for _, id := range []wf.StepID{"d", "e"} {
			if err := x.do(ctx, id, lo, hi); err != nil {
				return "", err
			}
		}
		return payload, nil
	}, wf.DefaultRetry(stepRetry))
}

// tickWorkflow holds one step for 1.5–3 s, longer than the schedule's
// interval, then records a second step.
func (x executor) tickWorkflow() *wf.Definition {
	return wf.New(TickWorkflowID, func(ctx *wf.Context, _ struct{}) (struct{}, error) {
		if err := x.do(ctx, "hold", 1500*time.Millisecond, 3*time.Second); err != nil {
			return struct{}{}, err
		}
		return struct{}{}, x.do(ctx, "done", 0, 10*time.Millisecond)
	}, wf.DefaultRetry(stepRetry))
}

// workflows registers both workflows and the schedule; drain registers the
// schedule disabled, so that no tick starts while the suite drains.
func (x executor) workflows(drain bool) []runtime.Workflow {
	return []runtime.Workflow{
		{Definition: x.mainWorkflow(), Signals: map[string]wf.Validator{SignalName: nil}},
		{Definition: x.tickWorkflow(), Schedules: []runtime.Schedule{{
			ID: ScheduleID, Spec: runtime.Every(time.Second), Overlap: runtime.OverlapSkip, Disabled: drain,
		}}},
	}
}
