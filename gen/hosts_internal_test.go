package gen

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestSweepExpressions(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		sweep             time.Duration
		cron, eventBridge string
	}{
		{time.Minute, "* * * * *", "cron(* * * * ? *)"},
		{5 * time.Minute, "*/5 * * * *", "cron(0/5 * * * ? *)"},
		{30 * time.Minute, "*/30 * * * *", "cron(0/30 * * * ? *)"},
		{time.Hour, "0 * * * *", "cron(0 * * * ? *)"},
		{6 * time.Hour, "0 */6 * * *", "cron(0 0/6 * * ? *)"},
		{24 * time.Hour, "0 0 * * *", "cron(0 0 * * ? *)"},
	} {
		if got := cronExpr(tt.sweep); got != tt.cron {
			t.Errorf("cronExpr(%s) = %q, want %q", tt.sweep, got, tt.cron)
		}
		if got := eventBridgeExpr(tt.sweep); got != tt.eventBridge {
			t.Errorf("eventBridgeExpr(%s) = %q, want %q", tt.sweep, got, tt.eventBridge)
		}
	}
}

func TestScheduleGap(t *testing.T) {
	t.Parallel()
	never := time.Duration(1<<63 - 1)
	for _, tt := range []struct {
		s    schedule
		want time.Duration
	}{
		{schedule{Every: 90 * time.Second}, 90 * time.Second},
		{schedule{Cron: "*/10 * * * *"}, 10 * time.Minute},
		{schedule{Cron: "0 9,17 * * MON-FRI"}, 8 * time.Hour},
		{schedule{Cron: "@daily", TZ: "Europe/Paris"}, 23 * time.Hour}, // the day clocks go forward
		{schedule{Cron: "0 0 1 1 *"}, never},                           // once within the year followed
	} {
		if got, _ := scheduleGap(&tt.s, 0); got != tt.want {
			t.Errorf("scheduleGap(%+v) = %s, want %s", tt.s, got, tt.want)
		}
	}
}

// TestStoreDrivers: each store= links the drivers it names, and no other.
func TestStoreDrivers(t *testing.T) {
	t.Parallel()
	for store, want := range map[string]string{
		"":         "postgres.Open [github.com/wfgo/wf/host/envstore/postgres]",
		"postgres": "postgres.Open [github.com/wfgo/wf/host/envstore/postgres]",
		"sqlite":   "sqlite.Open [github.com/wfgo/wf/host/envstore/sqlite]",
		"either": "envstore.Either(postgres.Open, sqlite.Open) [github.com/wfgo/wf/host/envstore " +
			"github.com/wfgo/wf/host/envstore/postgres github.com/wfgo/wf/host/envstore/sqlite]",
	} {
		imports, opener := storeDrivers(store)
		if got := fmt.Sprint(opener, " ", imports); got != want {
			t.Errorf("store=%s: %s, want %s", store, got, want)
		}
	}
}

// TestWrapKeepsDirectivesInside: a //wf: word never starts a wrapped
// line, where it would read as a directive.
func TestWrapKeepsDirectivesInside(t *testing.T) {
	t.Parallel()
	text := `Step IDs of workflow "fulfillment" version v2 (Fulfillment), from its //wf:step directives.`
	for width := 10; width <= 90; width++ {
		for _, l := range wrap(text, width) {
			if strings.HasPrefix(l, "//") {
				t.Fatalf("width %d: line %q starts with //", width, l)
			}
		}
	}
}
