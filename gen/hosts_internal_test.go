package gen

import (
	"strings"
	"testing"
	"time"
)

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
