package runtime_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store"
	"github.com/wfgo/wf/store/memstore"
)

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// fires lists the distinct fire times Prev reports when asked every minute
// from from to to: what materialisation sees from a sweep a minute.
func fires(spec runtime.Spec, from, to time.Time) []string {
	var out []string
	seen := map[time.Time]bool{}
	for now := from; !now.After(to); now = now.Add(time.Minute) {
		at := spec.Prev(now, 32*24*time.Hour)
		if at.Before(from) || seen[at] {
			continue
		}
		seen[at] = true
		out = append(out, at.Format(time.RFC3339))
	}
	return out
}

func TestCronAcrossDST(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, expr, tz string
		from, to       string
		want           string
	}{
		{"spring gap fires once at its end", "0 2 * * *", "America/New_York", "2026-03-07T05:00:00Z", "2026-03-09T17:00:00Z",
			"2026-03-07T07:00:00Z 2026-03-08T07:00:00Z 2026-03-09T06:00:00Z"},
		{"daily through fall back", "0 2 * * *", "America/New_York", "2026-10-31T04:00:00Z", "2026-11-02T17:00:00Z",
			"2026-10-31T06:00:00Z 2026-11-01T07:00:00Z 2026-11-02T07:00:00Z"},
		{"repeated hour fires once, the first time", "0 1 * * *", "America/New_York", "2026-10-31T04:00:00Z", "2026-11-02T17:00:00Z",
			"2026-10-31T05:00:00Z 2026-11-01T05:00:00Z 2026-11-02T06:00:00Z"},
		{"repeated half hour", "30 1 * * *", "America/New_York", "2026-11-01T03:00:00Z", "2026-11-01T12:00:00Z",
			"2026-11-01T05:30:00Z"},
		{"several times in one gap fire once", "*/20 2 * * *", "America/New_York", "2026-03-08T04:00:00Z", "2026-03-08T12:00:00Z",
			"2026-03-08T07:00:00Z"},
		{"a gap time and the gap's end fire once", "0 2,3 * * *", "America/New_York", "2026-03-08T04:00:00Z", "2026-03-08T12:00:00Z",
			"2026-03-08T07:00:00Z"},
		{"hourly through fall back", "0 * * * *", "America/New_York", "2026-11-01T04:00:00Z", "2026-11-01T08:00:00Z",
			"2026-11-01T04:00:00Z 2026-11-01T05:00:00Z 2026-11-01T07:00:00Z 2026-11-01T08:00:00Z"},
		{"hourly through spring forward", "0 * * * *", "America/New_York", "2026-03-08T05:00:00Z", "2026-03-08T08:00:00Z",
			"2026-03-08T05:00:00Z 2026-03-08T06:00:00Z 2026-03-08T07:00:00Z 2026-03-08T08:00:00Z"},
		{"half-hour shift (Lord Howe)", "15 2 * * *", "Australia/Lord_Howe", "2026-10-02T12:00:00Z", "2026-10-04T18:00:00Z",
			"2026-10-02T15:45:00Z 2026-10-03T15:30:00Z 2026-10-04T15:15:00Z"},
		{"southern fall back (Sydney)", "30 2 * * *", "Australia/Sydney", "2026-04-03T12:00:00Z", "2026-04-05T18:00:00Z",
			"2026-04-03T15:30:00Z 2026-04-04T15:30:00Z 2026-04-05T16:30:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := strings.Join(fires(runtime.Cron(tt.expr, tt.tz), utc(tt.from), utc(tt.to)), " ")
			if got != tt.want {
				t.Errorf("%s in %s fires\n%s\nwant\n%s", tt.expr, tt.tz, got, tt.want)
			}
		})
	}
}

func TestCronRejectsInterval(t *testing.T) {
	t.Parallel()
	def := wf.New("nightly", func(ctx *wf.Context, _ struct{}) (int, error) { return 1, nil })
	_, err := runtime.New(runtime.Config{Store: memstore.New(), Workflows: []runtime.Workflow{{Definition: def,
		Schedules: []runtime.Schedule{{ID: "s", Spec: runtime.Cron("@every 1h", "")}}}}})
	if err == nil || !strings.Contains(err.Error(), "runtime.Every") {
		t.Fatalf("New with Cron(@every 1h): %v, want an error pointing to runtime.Every", err)
	}
}

// TestCronScheduleAcrossDST sweeps every 20 minutes through both of New
// York's 2026 daylight-saving changes: a daily 02:00 schedule makes
// exactly one run each day.
func TestCronScheduleAcrossDST(t *testing.T) {
	t.Parallel()
	nightly := wf.New("nightly", func(ctx *wf.Context, _ struct{}) (int, error) { return 1, nil })
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	forEachStore(t, func(t *testing.T, newStore func(t *testing.T) store.Store) {
		b := setupOn(t, newStore(t), runtime.Workflow{Definition: nightly, Schedules: []runtime.Schedule{{
			ID: "nightly", Spec: runtime.Cron("0 2 * * *", "America/New_York"),
		}}})
		ctx := context.Background()
		for _, span := range [][2]string{{"2026-03-07T05:00:00Z", "2026-03-09T17:00:00Z"}, {"2026-10-31T04:00:00Z", "2026-11-02T17:00:00Z"}} {
			for now := utc(span[0]); !now.After(utc(span[1])); now = now.Add(20 * time.Minute) {
				b.clock.Set(now)
				if _, err := b.rt.Sweep(ctx, runtime.SweepOptions{}); err != nil {
					t.Fatal(err)
				}
			}
		}
		page, err := b.rt.ListRuns(ctx, store.ListQuery{WorkflowID: "nightly", Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		perDay := map[string][]string{}
		for _, r := range page.Runs {
			at := utc(strings.TrimPrefix(r.ID, "nightly@"))
			day := at.In(ny).Format("2006-01-02")
			perDay[day] = append(perDay[day], at.In(ny).Format("15:04 MST"))
		}
		for day, want := range map[string]string{
			"2026-03-07": "02:00 EST", "2026-03-08": "03:00 EDT", "2026-03-09": "02:00 EDT",
			"2026-10-31": "02:00 EDT", "2026-11-01": "02:00 EST", "2026-11-02": "02:00 EST",
		} {
			if got := strings.Join(perDay[day], ", "); got != want {
				t.Errorf("runs on %s: %q, want exactly one at %s", day, got, want)
			}
		}
	})
}
