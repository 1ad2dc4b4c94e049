package chaos

import (
	"fmt"
	"io"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/wfgo/wf"
)

// RunRecord is what the suite read back about one run after draining.
type RunRecord struct {
	ID         string
	WorkflowID string
	Status     wf.RunStatus
	Created    time.Time
	// Ended is when the run's terminal event was recorded; zero while the
	// run is live.
	Ended time.Time
	// Recorded counts the STEP_FINISHED events of each step ID.
	Recorded map[string]int
}

// Observations are the raw facts a verdict is computed from: the store's
// runs and logs, and the side tables the suite's own processes wrote.
type Observations struct {
	Runs []RunRecord
	// Acknowledged are the run IDs whose StartRun returned without error
	// in the starter: each must exist in the store.
	Acknowledged []string
	// StartedWorkflow is the workflow of the acknowledged runs.
	StartedWorkflow string
	// Executions counts the recorded executions of each step, keyed
	// "<run ID>/<step ID>".
	Executions map[string]int
	// Expected lists, per workflow ID, the step IDs every run of it must
	// record exactly once.
	Expected map[string][]string
	// ScheduleWorkflow is the workflow the overlap=skip schedule starts.
	ScheduleWorkflow string
	// DrainedAt is when the suite stopped waiting; it ends live runs'
	// lifetimes for the overlap count.
	DrainedAt time.Time
}

// Counts is the verdict's arithmetic: the rows of the table.
type Counts struct {
	Runs         int // runs checked: the store's and the acknowledged ones
	Finished     int // runs that ended with status finished
	ScheduleRuns int // runs the schedule started
	// RecordedTwice counts steps whose result was recorded more than once
	// in one run's log.
	RecordedTwice int
	// Missing counts steps of ended runs with no recorded result, plus
	// every step of an acknowledged run the store does not have.
	Missing int
	// LostRuns counts acknowledged runs the store does not have.
	LostRuns int
	// Phantom counts results recorded for a step that never executed.
	Phantom int
	// ExecutedAgain counts steps executed more than once (allowed: a step
	// killed mid-execution runs again); MostExecutions is the most
	// executions of one step.
	ExecutedAgain  int
	MostExecutions int
	// Overlaps counts schedule runs created while an earlier one was live.
	Overlaps int
	// Stuck counts runs still live when the drain timed out.
	Stuck int
	// Problems names the first offending runs and steps, for the log.
	Problems []string
}

// maxProblems bounds the examples kept for the report.
const maxProblems = 20

// Failed reports whether the counts break a guarantee: a lost or
// duplicated result, an overlap or a stuck run. Steps executed more than
// once are at-least-once execution, not a failure.
func (c Counts) Failed() bool {
	return c.RecordedTwice > 0 || c.Missing > 0 || c.Phantom > 0 || c.Overlaps > 0 || c.Stuck > 0
}

// Compute counts what the observations show.
func Compute(obs Observations) Counts {
	var c Counts
	problem := func(format string, args ...any) {
		if len(c.Problems) < maxProblems {
			c.Problems = append(c.Problems, fmt.Sprintf(format, args...))
		}
	}
	seen := map[string]bool{}
	for _, r := range obs.Runs {
		seen[r.ID] = true
		c.Runs++
		c.countRun(r, obs, problem)
	}
	for _, id := range obs.Acknowledged {
		if seen[id] {
			continue
		}
		seen[id] = true
		c.Runs++
		c.LostRuns++
		c.Missing += len(obs.Expected[obs.StartedWorkflow])
		problem("run %s: acknowledged by StartRun but not in the store", id)
	}
	for _, n := range obs.Executions {
		if n > 1 {
			c.ExecutedAgain++
		}
		c.MostExecutions = max(c.MostExecutions, n)
	}
	c.Overlaps = overlaps(obs, problem)
	return c
}

func (c *Counts) countRun(r RunRecord, obs Observations, problem func(string, ...any)) {
	if r.WorkflowID == obs.ScheduleWorkflow {
		c.ScheduleRuns++
	}
	if r.Status == wf.StatusFinished {
		c.Finished++
	}
	if !r.Status.Terminal() {
		c.Stuck++
		problem("run %s: still %s after the drain", r.ID, r.Status)
	}
	for step, n := range r.Recorded {
		if n > 1 {
			c.RecordedTwice++
			problem("run %s step %s: result recorded %d times", r.ID, step, n)
		}
		if n > 0 && obs.Executions[r.ID+"/"+step] == 0 {
			c.Phantom++
			problem("run %s step %s: result recorded but the step never executed", r.ID, step)
		}
	}
	if !r.Status.Terminal() {
		return // reported as stuck, not as missing results
	}
	for _, step := range obs.Expected[r.WorkflowID] {
		if r.Recorded[step] == 0 {
			c.Missing++
			problem("run %s (%s) step %s: no result recorded", r.ID, r.Status, step)
		}
	}
}

// clockSlack is how far apart two recorded times must be to be ordered:
// a run's created and ended times are each read from its worker's clock
// before the statement that writes them runs, so a run may be stamped as
// created a fraction of a millisecond before an earlier one's end that
// the store had already committed when it judged the schedule free. A
// real overlap lasts most of a tick's 1.5–3 s hold.
const clockSlack = 50 * time.Millisecond

// overlaps counts schedule runs created while an earlier-created one was
// still live, by more than clockSlack. A live run's lifetime ends at
// DrainedAt.
func overlaps(obs Observations, problem func(string, ...any)) int {
	var runs []RunRecord
	for _, r := range obs.Runs {
		if r.WorkflowID == obs.ScheduleWorkflow {
			runs = append(runs, r)
		}
	}
	sort.Slice(runs, func(i, j int) bool { return runs[i].Created.Before(runs[j].Created) })
	n := 0
	var live RunRecord // the earlier run that ends last
	var liveUntil time.Time
	for i, r := range runs {
		if i > 0 && r.Created.Before(liveUntil.Add(-clockSlack)) {
			n++
			problem("schedule run %s created at %s while %s was live (until %s)",
				r.ID, r.Created.Format(timeFormat), live.ID, liveUntil.Format(timeFormat))
		}
		end := r.Ended
		if end.IsZero() {
			end = obs.DrainedAt
		}
		if end.After(liveUntil) {
			live, liveUntil = r, end
		}
	}
	return n
}

const timeFormat = "15:04:05.000000"

// Report is a finished suite run: its settings, what the chaos did, and
// the counts.
type Report struct {
	Duration     time.Duration
	Workers      int
	KillInterval time.Duration
	DrainTimeout time.Duration
	// Kills counts kill -9s of workers; Terminated the backends ended by
	// pg_terminate_backend.
	Kills      int
	Terminated int
	// Crashes counts child processes that exited without being killed.
	Crashes int
	// Drained is how long the runs took to end after the chaos stopped.
	Drained time.Duration
	Counts
}

// WriteTable prints the report as the suite's table, then the verdict and
// the first problems found.
func (r Report) WriteTable(w io.Writer) error {
	c := r.Counts
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "wf chaos: %s on PostgreSQL, %d workers, kill -9 every ~%s: %d kills, %d backends terminated, %d crashes; drained in %s\n",
		r.Duration, r.Workers, r.KillInterval, r.Kills, r.Terminated, r.Crashes, r.Drained.Round(time.Millisecond))
	rows := [][2]string{
		{"runs finished / total", fmt.Sprintf("%d / %d", c.Finished, c.Runs)},
		{"  of which schedule runs", fmt.Sprint(c.ScheduleRuns)},
		{"step results recorded twice", fmt.Sprint(c.RecordedTwice)},
		{"step results missing", fmt.Sprintf("%d (runs lost: %d)", c.Missing, c.LostRuns)},
		{"step results without an execution", fmt.Sprint(c.Phantom)},
		{"steps executed more than once", fmt.Sprintf("%d (most executions of one: %d)", c.ExecutedAgain, c.MostExecutions)},
		{"overlapping schedule runs", fmt.Sprint(c.Overlaps)},
		{fmt.Sprintf("runs stuck (drain timeout %s)", r.DrainTimeout), fmt.Sprint(c.Stuck)},
	}
	for _, row := range rows {
		fmt.Fprintf(tw, "%s\t%s\n", row[0], row[1])
	}
	verdict := "PASS"
	if c.Failed() {
		verdict = "FAIL"
	}
	fmt.Fprintf(tw, "verdict\t%s\n", verdict)
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, p := range c.Problems {
		if _, err := fmt.Fprintln(w, "  "+p); err != nil {
			return err
		}
	}
	return nil
}
