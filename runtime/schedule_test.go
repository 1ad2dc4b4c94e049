package runtime_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store"
)

// digest runs for 20 minutes (a durable sleep), longer than its 15-minute
// schedule, so consecutive ticks overlap.
func digest() *wf.Definition {
	return wf.New("digest", func(ctx *wf.Context, in struct {
		BatchSize int `json:"batchSize"`
	}) (int, error) {
		wf.Sleep(ctx, 20*time.Minute)
		return in.BatchSize, nil
	})
}

func runStatuses(t *testing.T, b bundle) map[string]wf.RunStatus {
	t.Helper()
	page, err := b.rt.ListRuns(context.Background(), store.ListQuery{WorkflowID: "digest", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]wf.RunStatus{}
	for _, r := range page.Runs {
		out[strings.TrimPrefix(r.ID, "digest-15m@2026-05-06T")] = r.Status
	}
	return out
}

func format(m map[string]wf.RunStatus) string {
	var keys []string
	for k, v := range m {
		keys = append(keys, k+"="+string(v))
	}
	sort.Strings(keys)
	return strings.Join(keys, " ")
}

func TestScheduleOverlapPolicies(t *testing.T) {
	t.Parallel()
	// Each step moves the clock to the given offset from 09:00 and sweeps;
	// want is the digest runs by fire time after that sweep.
	type step struct {
		at   time.Duration
		want string
	}
	tests := []struct {
		policy runtime.OverlapPolicy
		steps  []step
	}{
		{runtime.OverlapSkip, []step{
			{0, "09:00:00Z=paused"},
			{15 * time.Minute, "09:00:00Z=paused"},                                // overlapping tick dropped
			{21 * time.Minute, "09:00:00Z=finished"},                              // first run's timer fires
			{30 * time.Minute, "09:00:00Z=finished 09:30:00Z=paused"},             // next tick starts
			{30*time.Minute + time.Second, "09:00:00Z=finished 09:30:00Z=paused"}, // a started bucket never restarts
		}},
		{runtime.OverlapAllow, []step{
			{0, "09:00:00Z=paused"},
			{15 * time.Minute, "09:00:00Z=paused 09:15:00Z=paused"},
		}},
		{runtime.OverlapBufferOne, []step{
			{0, "09:00:00Z=paused"},
			{15 * time.Minute, "09:00:00Z=paused"},                    // buffered
			{21 * time.Minute, "09:00:00Z=finished"},                  // first run ends in this sweep's timer phase
			{22 * time.Minute, "09:00:00Z=finished 09:15:00Z=paused"}, // the buffered tick starts
		}},
		{runtime.OverlapCancelPrevious, []step{
			{0, "09:00:00Z=paused"},
			{15 * time.Minute, "09:00:00Z=canceled 09:15:00Z=paused"},
		}},
	}
	for _, tt := range tests {
		forEachStore(t, func(t *testing.T, newStore func(*testing.T) store.Store) {
			t.Run(string(tt.policy), func(t *testing.T) {
				b := setupOn(t, newStore(t), runtime.Workflow{Definition: digest(), Schedules: []runtime.Schedule{{
					ID: "digest-15m", Spec: runtime.Every(15 * time.Minute), Overlap: tt.policy,
					Input: json.RawMessage(`{"batchSize":100}`),
				}}})
				for _, s := range tt.steps {
					b.clock.Set(t0.Add(s.at))
					if _, err := b.rt.Sweep(context.Background(), runtime.SweepOptions{}); err != nil {
						t.Fatal(err)
					}
					if got := format(runStatuses(t, b)); got != s.want {
						t.Fatalf("at +%v: runs %s, want %s", s.at, got, s.want)
					}
				}
			})
		})
	}
}

func TestScheduleBufferOneDropsExtraTicks(t *testing.T) {
	t.Parallel()
	long := wf.New("digest", func(ctx *wf.Context, _ struct{}) (int, error) {
		wf.Sleep(ctx, 2*time.Hour)
		return 1, nil
	})
	b := setup(t, runtime.Workflow{Definition: long, Schedules: []runtime.Schedule{{
		ID: "digest-15m", Spec: runtime.Every(15 * time.Minute), Overlap: runtime.OverlapBufferOne,
	}}})
	ctx := context.Background()
	var last runtime.SweepResult
	for _, at := range []time.Duration{0, 15 * time.Minute, 30 * time.Minute, 45 * time.Minute} {
		b.clock.Set(t0.Add(at))
		var err error
		if last, err = b.rt.Sweep(ctx, runtime.SweepOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	// 09:15 stays buffered; 09:30 and 09:45 are dropped.
	if last.Summary.Scheduled[runtime.KindBuffered] != 1 || last.Summary.Scheduled[runtime.KindSkipped] != 1 {
		t.Fatalf("last sweep: %+v", last.Summary.Scheduled)
	}
	buckets, err := b.store.ListBuckets(ctx, "digest-15m", 10)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, bk := range buckets {
		got = append(got, bk.FireAt.Format("15:04")+"="+string(bk.Status))
	}
	if want := "09:45=skipped 09:30=skipped 09:15=pending 09:00=started"; strings.Join(got, " ") != want {
		t.Fatalf("buckets %s, want %s", strings.Join(got, " "), want)
	}
}

func TestCronSpec(t *testing.T) {
	t.Parallel()
	paris := runtime.Cron("0 9 * * MON-FRI", "Europe/Paris")
	tests := []struct {
		now  time.Time
		want string
	}{
		// Wednesday 2026-05-06 10:00 Paris (08:00 UTC): today's 09:00 Paris fired at 07:00 UTC.
		{time.Date(2026, 5, 6, 8, 0, 0, 0, time.UTC), "2026-05-06T07:00:00Z"},
		// Monday 2026-05-11 06:59 UTC (08:59 Paris): the last fire was Friday.
		{time.Date(2026, 5, 11, 6, 59, 0, 0, time.UTC), "2026-05-08T07:00:00Z"},
		// Winter time: Monday 2026-01-05 08:00 UTC, 09:00 Paris is 08:00 UTC.
		{time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC), "2026-01-05T08:00:00Z"},
		// The DST change (2026-03-29 in Europe): Monday 2026-03-30 07:00 UTC is 09:00 CEST.
		{time.Date(2026, 3, 30, 7, 30, 0, 0, time.UTC), "2026-03-30T07:00:00Z"},
	}
	for _, tt := range tests {
		if got := paris.Prev(tt.now, 32*24*time.Hour).Format(time.RFC3339); got != tt.want {
			t.Errorf("Prev(%v) = %s, want %s", tt.now, got, tt.want)
		}
	}
	yearly := runtime.Cron("0 0 1 1 *", "")
	if got := yearly.Prev(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), 32*24*time.Hour); !got.IsZero() {
		t.Errorf("yearly cron beyond the look-back: %v, want none", got)
	}
	if got := runtime.Every(15*time.Minute).Prev(time.Date(2026, 5, 6, 9, 14, 59, 0, time.UTC), 0); !got.Equal(time.Date(2026, 5, 6, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("Every.Prev = %v", got)
	}
}

func TestScheduleInputFuncAndDisabled(t *testing.T) {
	t.Parallel()
	b := setup(t,
		runtime.Workflow{Definition: digest(), Schedules: []runtime.Schedule{
			{ID: "digest-15m", Spec: runtime.Every(15 * time.Minute), InputFunc: func(at time.Time) (json.RawMessage, error) {
				return json.RawMessage(fmt.Sprintf(`{"batchSize":%d}`, at.Hour()*100+at.Minute())), nil
			}},
			{ID: "digest-off", Spec: runtime.Every(time.Minute), Disabled: true},
		}})
	ctx := context.Background()
	sw, err := b.rt.Sweep(ctx, runtime.SweepOptions{})
	if err != nil || sw.Summary.Materialized != 1 || sw.Summary.Scheduled[runtime.KindPaused] != 1 {
		t.Fatalf("sweep: %+v %v", sw.Summary, err)
	}
	run, err := b.rt.GetRun(ctx, "digest-15m@2026-05-06T09:00:00Z")
	if err != nil || string(run.Input) != `{"batchSize":900}` {
		t.Fatalf("run input %s %v", run.Input, err)
	}
	scheds, err := b.store.ListSchedules(ctx)
	if err != nil || len(scheds) != 2 || !scheds[1].Enabled { // registered Disabled, not paused
		t.Fatalf("stored schedules %+v %v", scheds, err)
	}
}
