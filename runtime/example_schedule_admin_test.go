package runtime_test

import (
	"context"
	"fmt"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store/memstore"
)

// An operator pauses a schedule, which survives the app's next sweep,
// then resumes it and backfills the ticks missed before. The 10:00 tick,
// which the sweep skipped while the schedule was paused, stays skipped.
func ExampleRuntime_BackfillSchedule() {
	now := time.Date(2026, 5, 6, 10, 0, 0, 0, time.UTC)
	report := wf.New("report", func(ctx *wf.Context, _ struct{}) (string, error) { return "done", nil })
	rt, err := runtime.New(runtime.Config{
		Store: memstore.New(),
		Workflows: []runtime.Workflow{{Definition: report, Schedules: []runtime.Schedule{
			{ID: "hourly", Spec: runtime.Every(time.Hour)},
		}}},
		Clock: func() time.Time { return now },
	})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	if _, err := rt.MaterializeSchedules(ctx); err != nil {
		panic(err)
	}
	if err := rt.PauseSchedule(ctx, "hourly"); err != nil {
		panic(err)
	}
	res, _ := rt.Sweep(ctx, runtime.SweepOptions{})
	fmt.Println("ticks started while paused:", res.Summary.Scheduled[runtime.KindCompleted])

	if err := rt.ResumeSchedule(ctx, "hourly"); err != nil {
		panic(err)
	}
	bf, err := rt.BackfillSchedule(ctx, "hourly", now.Add(-3*time.Hour), now)
	if err != nil {
		panic(err)
	}
	for _, t := range bf.Ticks {
		fmt.Println(t.RunID, t.Kind)
	}
	// Output:
	// ticks started while paused: 0
	// hourly@2026-05-06T07:00:00Z completed
	// hourly@2026-05-06T08:00:00Z completed
	// hourly@2026-05-06T09:00:00Z completed
	// hourly@2026-05-06T10:00:00Z skipped
}
