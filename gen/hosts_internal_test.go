package gen

import (
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
