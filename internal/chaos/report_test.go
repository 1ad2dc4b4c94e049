package chaos

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/wfgo/wf"
)

var t0 = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

func at(sec float64) time.Time { return t0.Add(time.Duration(sec * float64(time.Second))) }

// mainRun is a finished run of WorkflowID with every step recorded and
// executed once.
func mainRun(id string) RunRecord {
	return RunRecord{ID: id, WorkflowID: WorkflowID, Status: wf.StatusFinished, Created: at(0), Ended: at(5),
		Recorded: map[string]int{"a": 1, "b": 1, "c": 1, "d": 1, "e": 1}}
}

func tickRun(id string, from, to float64) RunRecord {
	r := RunRecord{ID: id, WorkflowID: TickWorkflowID, Status: wf.StatusFinished, Created: at(from), Ended: at(to),
		Recorded: map[string]int{"hold": 1, "done": 1}}
	if to < 0 {
		r.Status, r.Ended = wf.StatusRunning, time.Time{}
		r.Recorded = map[string]int{"hold": 1}
	}
	return r
}

// observe builds observations in which every recorded result has one
// execution; change then alters them.
func observe(runs []RunRecord, change func(*Observations)) Observations {
	obs := Observations{Runs: runs, Expected: expectedSteps, ScheduleWorkflow: TickWorkflowID,
		StartedWorkflow: WorkflowID, DrainedAt: at(100), Executions: map[string]int{}}
	for _, r := range runs {
		for step, n := range r.Recorded {
			if n > 0 {
				obs.Executions[r.ID+"/"+step] = 1
			}
		}
		if r.WorkflowID == WorkflowID {
			obs.Acknowledged = append(obs.Acknowledged, r.ID)
		}
	}
	if change != nil {
		change(&obs)
	}
	return obs
}

func TestCompute(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		obs    Observations
		want   Counts
		failed bool
	}{{
		name: "clean",
		obs:  observe([]RunRecord{mainRun("r1"), mainRun("r2"), tickRun("t1", 0, 2), tickRun("t2", 3, 5)}, nil),
		want: Counts{Runs: 4, Finished: 4, ScheduleRuns: 2, MostExecutions: 1},
	}, {
		name: "a step executed again is allowed",
		obs: observe([]RunRecord{mainRun("r1"), mainRun("r2")}, func(o *Observations) {
			o.Executions["r1/b"] = 3
			o.Executions["r2/a"] = 2
		}),
		want: Counts{Runs: 2, Finished: 2, ExecutedAgain: 2, MostExecutions: 3},
	}, {
		name: "a result recorded twice",
		obs: observe([]RunRecord{mainRun("r1")}, func(o *Observations) {
			o.Runs[0].Recorded["c"] = 2
		}),
		want:   Counts{Runs: 1, Finished: 1, RecordedTwice: 1, MostExecutions: 1},
		failed: true,
	}, {
		name: "an ended run missing results",
		obs: observe([]RunRecord{mainRun("r1")}, func(o *Observations) {
			o.Runs[0].Status = wf.StatusErrored
			delete(o.Runs[0].Recorded, "d")
			delete(o.Runs[0].Recorded, "e")
		}),
		want:   Counts{Runs: 1, Missing: 2, MostExecutions: 1},
		failed: true,
	}, {
		name: "an acknowledged run the store lost",
		obs: observe([]RunRecord{mainRun("r1")}, func(o *Observations) {
			o.Acknowledged = append(o.Acknowledged, "r2")
		}),
		want:   Counts{Runs: 2, Finished: 1, Missing: 5, LostRuns: 1, MostExecutions: 1},
		failed: true,
	}, {
		name: "a result with no execution",
		obs: observe([]RunRecord{mainRun("r1")}, func(o *Observations) {
			delete(o.Executions, "r1/a")
		}),
		want:   Counts{Runs: 1, Finished: 1, Phantom: 1, MostExecutions: 1},
		failed: true,
	}, {
		name: "a stuck run is stuck, not missing results",
		obs: observe([]RunRecord{mainRun("r1")}, func(o *Observations) {
			o.Runs[0].Status, o.Runs[0].Ended = wf.StatusPaused, time.Time{}
			delete(o.Runs[0].Recorded, "d")
			delete(o.Runs[0].Recorded, "e")
		}),
		want:   Counts{Runs: 1, Stuck: 1, MostExecutions: 1},
		failed: true,
	}, {
		name: "schedule runs that overlap",
		obs:  observe([]RunRecord{tickRun("t3", 4, 9), tickRun("t1", 0, 2.5), tickRun("t2", 1, 2), tickRun("t4", 5, 6)}, nil),
		// t2 starts while t1 lives; t4 while t3 does.
		want:   Counts{Runs: 4, Finished: 4, ScheduleRuns: 4, Overlaps: 2, MostExecutions: 1},
		failed: true,
	}, {
		name: "a run created as the previous one ends does not overlap",
		obs:  observe([]RunRecord{tickRun("t1", 0, 2), tickRun("t2", 2, 4), tickRun("t3", 4.5, 6)}, nil),
		want: Counts{Runs: 3, Finished: 3, ScheduleRuns: 3, MostExecutions: 1},
	}, {
		name: "stamps a fraction of a millisecond apart are not ordered",
		// Each worker stamps a time before its statement runs: t2's
		// creation may read as 0.3 ms before t1's committed end.
		obs:  observe([]RunRecord{tickRun("t1", 0, 2.0003), tickRun("t2", 2, 4)}, nil),
		want: Counts{Runs: 2, Finished: 2, ScheduleRuns: 2, MostExecutions: 1},
	}, {
		name:   "an overlap just over the clocks' slack counts",
		obs:    observe([]RunRecord{tickRun("t1", 0, 2.1), tickRun("t2", 2, 4)}, nil),
		want:   Counts{Runs: 2, Finished: 2, ScheduleRuns: 2, Overlaps: 1, MostExecutions: 1},
		failed: true,
	}, {
		name: "a live schedule run overlaps every later one",
		obs:  observe([]RunRecord{tickRun("t1", 0, -1), tickRun("t2", 50, 52), tickRun("t3", 60, 62)}, nil),
		want: Counts{Runs: 3, Finished: 2, ScheduleRuns: 3, Overlaps: 2, Stuck: 1, MostExecutions: 1},
		// t1 is stuck and both later runs overlap it.
		failed: true,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := Compute(tt.obs)
			if diff := cmp.Diff(tt.want, got, cmpopts.IgnoreFields(Counts{}, "Problems")); diff != "" {
				t.Errorf("Compute (-want +got):\n%s", diff)
			}
			if got.Failed() != tt.failed {
				t.Errorf("Failed() = %v, want %v", got.Failed(), tt.failed)
			}
			if tt.failed && len(got.Problems) == 0 {
				t.Error("a failed verdict names no problem")
			}
		})
	}
}

func TestComputeKeepsTheFirstProblems(t *testing.T) {
	t.Parallel()
	var runs []RunRecord
	for i := range 3 * maxProblems {
		r := mainRun("r" + string(rune('a'+i%26)) + string(rune('a'+i/26)))
		r.Recorded["a"] = 2
		runs = append(runs, r)
	}
	got := Compute(observe(runs, nil))
	if got.RecordedTwice != len(runs) || len(got.Problems) != maxProblems {
		t.Errorf("RecordedTwice %d, %d problems kept; want %d and %d", got.RecordedTwice, len(got.Problems), len(runs), maxProblems)
	}
}

func TestWriteTable(t *testing.T) {
	t.Parallel()
	rep := Report{Duration: 5 * time.Minute, Workers: 4, KillInterval: 3 * time.Second, DrainTimeout: 2 * time.Minute,
		Kills: 97, Terminated: 140, Drained: 12345 * time.Millisecond,
		Counts: Counts{Runs: 1500, Finished: 1499, ScheduleRuns: 120, ExecutedAgain: 37, MostExecutions: 3,
			Stuck: 1, Problems: []string{"run r1: still paused after the drain"}}}
	var b strings.Builder
	if err := rep.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	want := `wf chaos: 5m0s on PostgreSQL, 4 workers, kill -9 every ~3s: 97 kills, 140 backends terminated, 0 crashes; drained in 12.345s
runs finished / total              1499 / 1500
  of which schedule runs           120
step results recorded twice        0
step results missing               0 (runs lost: 0)
step results without an execution  0
steps executed more than once      37 (most executions of one: 3)
overlapping schedule runs          0
runs stuck (drain timeout 2m0s)    1
verdict                            FAIL
  run r1: still paused after the drain
`
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("table (-want +got):\n%s", diff)
	}
}
