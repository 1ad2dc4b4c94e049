package runtime_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store"
)

// quick finishes at once, so that its ticks never overlap.
func quick() *wf.Definition {
	return wf.New("digest", func(ctx *wf.Context, in struct {
		BatchSize int `json:"batchSize"`
	}) (int, error) {
		return in.BatchSize, nil
	})
}

func digestSchedule(def *wf.Definition, policy runtime.OverlapPolicy) runtime.Workflow {
	return runtime.Workflow{Definition: def, Schedules: []runtime.Schedule{{
		ID: "digest-15m", Spec: runtime.Every(15 * time.Minute), Overlap: policy,
		Input: json.RawMessage(`{"batchSize":100}`),
	}}}
}

func bucketStatuses(t *testing.T, st store.Store) string {
	t.Helper()
	buckets, err := st.ListBuckets(context.Background(), "digest-15m", 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, b := range buckets {
		out = append(out, b.FireAt.Format("15:04")+"="+string(b.Status))
	}
	return strings.Join(out, " ")
}

func TestSchedulePauseResume(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, newStore func(*testing.T) store.Store) {
		b := setupOn(t, newStore(t), digestSchedule(digest(), runtime.OverlapAllow))
		ctx := context.Background()
		sweepAt(t, b.rt, b.clock, 0)
		// A bucket made before the pause is skipped by the sweep after it.
		b.clock.Set(t0.Add(15 * time.Minute))
		if _, err := b.rt.MaterializeSchedules(ctx); err != nil {
			t.Fatal(err)
		}
		if err := b.rt.PauseSchedule(ctx, "digest-15m"); err != nil {
			t.Fatal(err)
		}
		sweepAt(t, b.rt, b.clock, 15*time.Minute)
		// The app's next materialisation keeps the pause: no 09:30 bucket.
		sweepAt(t, b.rt, b.clock, 30*time.Minute)
		if got, want := bucketStatuses(t, b.store), "09:15=skipped 09:00=started"; got != want {
			t.Fatalf("buckets while paused: %s, want %s", got, want)
		}
		infos, err := b.rt.Schedules(ctx)
		if err != nil || len(infos) != 1 || !infos[0].Paused {
			t.Fatalf("Schedules while paused: %+v %v", infos, err)
		}
		if _, err := b.rt.TriggerSchedule(ctx, "digest-15m"); !errors.Is(err, runtime.ErrSchedulePaused) {
			t.Fatalf("TriggerSchedule while paused: %v, want ErrSchedulePaused", err)
		}
		if err := b.rt.ResumeSchedule(ctx, "digest-15m"); err != nil {
			t.Fatal(err)
		}
		sweepAt(t, b.rt, b.clock, 45*time.Minute)
		if got, want := bucketStatuses(t, b.store), "09:45=started 09:15=skipped 09:00=started"; got != want {
			t.Fatalf("buckets after resume: %s, want %s", got, want)
		}
		// A backfill starts the tick missed while paused (09:30, no
		// bucket), and leaves the one a sweep skipped and those started.
		bf, err := b.rt.BackfillSchedule(ctx, "digest-15m", t0, t0.Add(45*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, tick := range bf.Ticks {
			got = append(got, fmt.Sprintf("%s=%s/%v", tick.FireAt.Format("15:04"), tick.Kind, tick.Existing))
		}
		if want := "09:00=completed/true 09:15=skipped/false 09:30=paused/false 09:45=paused/true"; strings.Join(got, " ") != want {
			t.Fatalf("backfill after resume: %s, want %s", strings.Join(got, " "), want)
		}
		if err := b.rt.PauseSchedule(ctx, "nightly"); !errors.Is(err, runtime.ErrUnknownSchedule) {
			t.Fatalf("PauseSchedule(unknown) = %v, want ErrUnknownSchedule", err)
		}
	})
}

func TestScheduleBackfill(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		def    func() *wf.Definition
		policy runtime.OverlapPolicy
		want   string // kinds of 08:00, 08:15, 08:30, 08:45, 09:00
	}{
		{"quick runs never overlap", quick, runtime.OverlapSkip, "completed completed completed completed completed"},
		{"skip drops ticks while a run is live", digest, runtime.OverlapSkip, "paused skipped skipped skipped skipped"},
		{"buffer-one drops them too", digest, runtime.OverlapBufferOne, "paused skipped skipped skipped skipped"},
		{"allow starts every tick", digest, runtime.OverlapAllow, "paused paused paused paused paused"},
		{"cancel-previous cancels the live run", digest, runtime.OverlapCancelPrevious, "paused paused paused paused paused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			forEachStore(t, func(t *testing.T, newStore func(*testing.T) store.Store) {
				b := setupOn(t, newStore(t), digestSchedule(tt.def(), tt.policy))
				ctx := context.Background()
				// The 09:00 clock caps the range: later ticks are not backfilled.
				got, err := b.rt.BackfillSchedule(ctx, "digest-15m", t0.Add(-time.Hour), t0.Add(time.Hour).Add(-time.Second))
				if err != nil {
					t.Fatal(err)
				}
				var kinds []string
				for i, tick := range got.Ticks {
					if want := t0.Add(-time.Hour + time.Duration(i)*15*time.Minute); !tick.FireAt.Equal(want) {
						t.Errorf("tick %d fires at %v, want %v", i, tick.FireAt, want)
					}
					kinds = append(kinds, string(tick.Kind))
				}
				if strings.Join(kinds, " ") != tt.want {
					t.Fatalf("backfill: %s, want %s", strings.Join(kinds, " "), tt.want)
				}
				// A repeat starts nothing new; a sweep marks the started ticks' buckets.
				again, err := b.rt.BackfillSchedule(ctx, "digest-15m", t0.Add(-time.Hour), t0)
				if err != nil {
					t.Fatal(err)
				}
				if runs := len(runStatuses(t, b)); runs != strings.Count(tt.want, "completed")+strings.Count(tt.want, "paused") {
					t.Fatalf("%d runs after a repeated backfill (%+v)", runs, again.Ticks)
				}
				if tt.policy == runtime.OverlapCancelPrevious {
					st := runStatuses(t, b)
					if st["08:00:00Z"] != wf.StatusCanceled || st["09:00:00Z"] != wf.StatusPaused {
						t.Fatalf("cancel-previous runs: %v", st)
					}
				}
			})
		})
	}
}

func TestScheduleBackfillLimits(t *testing.T) {
	t.Parallel()
	b := setup(t, digestSchedule(quick(), runtime.OverlapSkip))
	ctx := context.Background()
	if _, err := b.rt.BackfillSchedule(ctx, "digest-15m", t0.Add(-365*24*time.Hour), t0); err == nil || !strings.Contains(err.Error(), "more than 1000 fire times") {
		t.Errorf("a year of 15-minute ticks: %v, want an error", err)
	}
	if _, err := b.rt.BackfillSchedule(ctx, "digest-15m", t0, t0.Add(-time.Hour)); err == nil {
		t.Error("from after to: no error")
	}
	if _, err := b.rt.BackfillSchedule(ctx, "nightly", t0.Add(-time.Hour), t0); !errors.Is(err, runtime.ErrUnknownSchedule) {
		t.Errorf("unknown schedule: %v, want ErrUnknownSchedule", err)
	}
}

func TestScheduleTrigger(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, newStore func(*testing.T) store.Store) {
		b := setupOn(t, newStore(t), digestSchedule(digest(), runtime.OverlapAllow))
		ctx := context.Background()
		b.clock.Set(t0.Add(5*time.Minute + 30*time.Second + time.Millisecond))
		res, err := b.rt.TriggerSchedule(ctx, "digest-15m")
		if err != nil || res.Kind != runtime.KindPaused || res.Run.ID != "digest-15m@2026-05-06T09:05:30Z" || res.Run.ScheduleID != "digest-15m" {
			t.Fatalf("TriggerSchedule = %+v, %v", res, err)
		}
		again, err := b.rt.TriggerSchedule(ctx, "digest-15m")
		if err != nil || !again.Existing || again.Run.ID != res.Run.ID {
			t.Fatalf("TriggerSchedule within the same second = %+v, %v", again, err)
		}
		sweepAt(t, b.rt, b.clock, 6*time.Minute)
		if got, want := bucketStatuses(t, b.store), "09:05=started 09:00=started"; got != want {
			t.Fatalf("buckets: %s, want %s", got, want)
		}
	})
}

func TestScheduleInfo(t *testing.T) {
	t.Parallel()
	b := setup(t, runtime.Workflow{Definition: digest(), Schedules: []runtime.Schedule{
		{ID: "digest-15m", Spec: runtime.Every(15 * time.Minute)},
		{ID: "paris-9am", Spec: runtime.Cron("0 9 * * MON-FRI", "Europe/Paris"), Disabled: true},
	}})
	ctx := context.Background()
	sweepAt(t, b.rt, b.clock, time.Minute)
	infos, err := b.rt.Schedules(ctx)
	if err != nil || len(infos) != 2 {
		t.Fatalf("Schedules = %+v, %v", infos, err)
	}
	d, p := infos[0], infos[1]
	if d.NextFireAt.Format(time.RFC3339) != "2026-05-06T09:15:00Z" || d.LastBucket == nil || d.LastBucket.RunID != "digest-15m@2026-05-06T09:00:00Z" || !d.Registered {
		t.Errorf("digest-15m: %+v", d)
	}
	// Wednesday 09:01 UTC is 11:01 in Paris: the next fire is Thursday 09:00 Paris.
	if p.NextFireAt.Format(time.RFC3339) != "2026-05-07T09:00:00+02:00" || p.Zone.String() != "Europe/Paris" || !p.Disabled || p.Paused || p.LastBucket != nil {
		t.Errorf("paris-9am: %+v", p)
	}
}

func TestParseSpec(t *testing.T) {
	t.Parallel()
	for _, s := range []runtime.Spec{runtime.Every(15 * time.Minute), runtime.Cron("0 9 * * MON-FRI", "Europe/Paris"), runtime.Cron("@daily", "")} {
		got, err := runtime.ParseSpec(s.String())
		if err != nil || got.String() != s.String() {
			t.Errorf("ParseSpec(%q) = %v, %v", s.String(), got, err)
		}
	}
	for _, bad := range []string{"", "@every soon", "0 9 * * *", "CRON_TZ=Mars/Base 0 9 * * *", "@every 1ms"} {
		if _, err := runtime.ParseSpec(bad); err == nil {
			t.Errorf("ParseSpec(%q): no error", bad)
		}
	}
}
