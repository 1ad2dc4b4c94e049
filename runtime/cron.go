package runtime

import (
	"time"

	"github.com/robfig/cron/v3"
)

// Cron fire times are found on the zone's wall clock and then placed on
// the time line, so that daylight-saving changes behave as classic cron
// does: a wall time that the clock skips (spring forward) fires once, at
// the first instant after the gap; a wall time that the clock shows twice
// (fall back) fires once, the first time. robfig/cron only parses: its
// Schedule.Next skips gap times and fires repeated hours twice.
//
// Wall times are time.Time values in UTC whose fields are the wall clock's.

// dstSlack bounds how far a zone's wall clock moves at one change (the
// largest, Antarctica/Troll's, is two hours).
const dstSlack = 3 * time.Hour

// cronStarBit marks a day field written as "*" (robfig/cron's starBit).
const cronStarBit = 1 << 63

// cronPrev returns the latest fire time of s at or before t and not
// before t-lookBack; zero when there is none.
func cronPrev(s *cron.SpecSchedule, t time.Time, lookBack time.Duration) time.Time {
	loc := s.Location
	earliest := t.Add(-lookBack)
	stop := wallClock(earliest.Add(-dstSlack), loc)
	// Instants grow with wall times (gap times all map to the gap's end),
	// so the first match at or before t, walking back, is the latest.
	w := wallClock(t.Add(dstSlack), loc)
	for {
		var ok bool
		if w, ok = prevWall(s, w, stop); !ok {
			return time.Time{}
		}
		at := wallInstant(w, loc)
		switch {
		case at.After(t):
			w = w.Add(-time.Second)
		case at.Before(earliest):
			return time.Time{}
		default:
			return at
		}
	}
}

// prevWall returns the latest wall time at or before w that s matches,
// or false when there is none at or after stop.
func prevWall(s *cron.SpecSchedule, w, stop time.Time) (time.Time, bool) {
	for !w.Before(stop) {
		switch {
		case s.Month&bit(int(w.Month())) == 0:
			w = time.Date(w.Year(), w.Month(), 1, 0, 0, 0, 0, time.UTC).Add(-time.Second)
		case !dayMatches(s, w):
			w = time.Date(w.Year(), w.Month(), w.Day(), 0, 0, 0, 0, time.UTC).Add(-time.Second)
		case s.Hour&bit(w.Hour()) == 0:
			w = w.Truncate(time.Hour).Add(-time.Second)
		case s.Minute&bit(w.Minute()) == 0:
			w = w.Truncate(time.Minute).Add(-time.Second)
		case s.Second&bit(w.Second()) == 0:
			w = w.Add(-time.Second)
		default:
			return w, true
		}
	}
	return time.Time{}, false
}

func bit(n int) uint64 { return 1 << uint(n) }

// dayMatches applies cron's day rule: when both day-of-month and
// day-of-week are restricted, either may match; otherwise both must.
func dayMatches(s *cron.SpecSchedule, w time.Time) bool {
	dom := s.Dom&bit(w.Day()) != 0
	dow := s.Dow&bit(int(w.Weekday())) != 0
	if s.Dom&cronStarBit != 0 || s.Dow&cronStarBit != 0 {
		return dom && dow
	}
	return dom || dow
}

// wallClock returns what loc's clock shows at t, to the second.
func wallClock(t time.Time, loc *time.Location) time.Time {
	l := t.In(loc)
	return time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), l.Second(), 0, time.UTC)
}

// wallInstant places wall time w of loc on the time line: the earlier
// instant when the clock shows w twice, and the end of the gap when the
// clock skips w.
func wallInstant(w time.Time, loc *time.Location) time.Time {
	g := time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), 0, loc)
	start, end := g.ZoneBounds()
	// The instant is w less the offset of the zone in force then: g's
	// zone or one of its neighbours.
	probes := []time.Time{g}
	if !start.IsZero() {
		probes = append(probes, start.Add(-time.Second))
	}
	if !end.IsZero() {
		probes = append(probes, end)
	}
	var first time.Time
	for _, p := range probes {
		_, offset := p.Zone()
		at := w.Add(-time.Duration(offset) * time.Second)
		if wallClock(at, loc).Equal(w) && (first.IsZero() || at.Before(first)) {
			first = at
		}
	}
	if !first.IsZero() {
		return first
	}
	for _, change := range []time.Time{start, end} {
		if !change.IsZero() && wallClock(change.Add(-time.Second), loc).Before(w) && w.Before(wallClock(change, loc)) {
			return change
		}
	}
	return g
}
