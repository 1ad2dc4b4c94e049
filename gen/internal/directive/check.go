package directive

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// checker is implemented by directives whose arguments constrain each
// other.
type checker interface {
	check(c *checkContext)
}

// checkContext reports errors at the keys they concern.
type checkContext struct {
	r    *reporter
	offs map[string]int
}

func (c *checkContext) has(key string) bool {
	_, ok := c.offs[key]
	return ok
}

// errorf reports an error at key, or at the directive when key is unset.
func (c *checkContext) errorf(key, format string, args ...any) {
	c.r.errorf(c.offs[key], format, args...)
}

func (a *RetryArgs) check(c *checkContext) {
	if c.has("retry") && a.Retry < 1 {
		c.errorf("retry", "retry=%d: want 1 or more (retry counts attempts, the first included)", a.Retry)
	}
	for _, key := range []string{"backoff", "base", "cap"} {
		if c.has(key) && !c.has("retry") {
			c.errorf(key, "%s= needs retry=", key)
		}
	}
	if c.has("cap") && a.Backoff != "exponential" {
		c.errorf("cap", "cap= bounds exponential backoff only; add backoff=exponential")
	}
	if c.has("cap") && a.Cap < a.Base {
		c.errorf("cap", "cap=%s is less than base=%s", a.Cap, a.Base)
	}
}

func (w *Workflow) check(c *checkContext) {
	w.RetryArgs.check(c)
	seen := map[string]bool{}
	for _, p := range w.Previous {
		if seen[p.Name] {
			c.r.errs.Add(c.r.fset.Position(p.Pos), c.r.name+": previous= lists "+p.Name+" twice")
		}
		seen[p.Name] = true
	}
}

func (s *Step) check(c *checkContext) { s.RetryArgs.check(c) }

// cronParser is the runtime's: five fields or a descriptor.
var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

func (s *Schedule) check(c *checkContext) {
	switch {
	case c.has("every") && c.has("cron"):
		c.errorf("cron", "set every= or cron=, not both")
	case !c.has("every") && !c.has("cron"):
		c.errorf("", "missing every= or cron=")
	case c.has("every") && s.Every < time.Second:
		c.errorf("every", "every=%s: want at least 1s", s.Every)
	case c.has("cron") && (strings.HasPrefix(s.Cron, "CRON_TZ=") || strings.HasPrefix(s.Cron, "TZ=")):
		c.errorf("cron", "cron=%q: set the time zone with tz=", s.Cron)
	case c.has("cron"):
		if sched, err := cronParser.Parse(s.Cron); err != nil {
			c.errorf("cron", "cron=%q: %v", s.Cron, err)
		} else if _, calendar := sched.(*cron.SpecSchedule); !calendar {
			c.errorf("cron", "cron=%q: not a calendar expression; use every= for a fixed interval", s.Cron)
		}
	}
	if c.has("tz") {
		if !c.has("cron") {
			c.errorf("tz", "tz= applies to cron= only; every= counts in UTC")
		} else if _, err := time.LoadLocation(s.TZ); err != nil {
			c.errorf("tz", "tz=%q: unknown time zone (want an IANA name such as Europe/Paris)", s.TZ)
		}
	}
}

func (q *Queue) check(c *checkContext) {
	switch {
	case c.has("concurrency") && q.Concurrency < 1:
		c.errorf("concurrency", "concurrency=%d: want 1 or more", q.Concurrency)
	case !c.has("concurrency") && !c.has("rate"):
		c.errorf("", "missing concurrency= or rate= (or both)")
	}
	if c.has("rate") {
		if _, _, err := ParseRate(q.Rate); err != nil {
			c.errorf("rate", "rate=%s: %v", q.Rate, err)
		}
	}
	for _, key := range []string{"partition", "priority"} {
		if c.has(key) && !isGoIdentOrJSONName(map[string]string{"partition": q.Partition, "priority": q.Priority}[key]) {
			c.errorf(key, "%s=: want the name of a field of the workflow's input", key)
		}
	}
}

// isGoIdentOrJSONName reports whether s may name a struct field, by its
// Go name or its JSON name.
func isGoIdentOrJSONName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r <= ' ' || r == '"' || r == ',' || r == '=' {
			return false
		}
	}
	return true
}

// RailwayMinSweep is the shortest interval at which Railway Cron runs a
// job.
const RailwayMinSweep = 5 * time.Minute

// SweepCron returns the minute and hour fields of a cron expression that
// fires every d, aligned to the hour or the day ("*/5" and "*" for 5m),
// and false when no cron fires evenly every d: a cron fires on the
// minute, so d must be 1m to 30m dividing an hour, 1h to 12h dividing a
// day, or 24h.
func SweepCron(d time.Duration) (minute, hour string, ok bool) {
	switch {
	case d == time.Minute:
		return "*", "*", true
	case d < time.Hour && d%time.Minute == 0 && time.Hour%d == 0:
		return fmt.Sprintf("*/%d", d/time.Minute), "*", true
	case d == time.Hour:
		return "0", "*", true
	case d < 24*time.Hour && d%time.Hour == 0 && (24*time.Hour)%d == 0:
		return "0", fmt.Sprintf("*/%d", d/time.Hour), true
	case d == 24*time.Hour:
		return "0", "0", true
	}
	return "", "", false
}

func (h *Hosts) check(c *checkContext) {
	if h.Metrics && !slices.Contains(h.Hosts, "worker") {
		c.errorf("metrics", "metrics: only the worker serves /metrics; add worker to the hosts, or drop metrics")
	}
	if !c.has("sweep") {
		return
	}
	sweep := ShortDuration(h.Sweep)
	if h.Sweep < time.Second {
		c.errorf("sweep", "sweep=%s: want at least 1s", sweep)
		return
	}
	if slices.ContainsFunc(h.Hosts, func(s string) bool { return s != "worker" }) {
		if _, _, ok := SweepCron(h.Sweep); !ok {
			c.errorf("sweep", "sweep=%s: a host's cron cannot fire evenly every %s; use 1m to 30m dividing an hour (1m, 2m, 3m, 4m, 5m, 6m, 10m, 12m, 15m, 20m, 30m), 1h to 12h dividing a day, or 24h",
				sweep, sweep)
			return
		}
	}
	if slices.Contains(h.Hosts, "railway") && h.Sweep < RailwayMinSweep {
		c.errorf("sweep", "sweep=%s: Railway Cron runs a job at most every 5m; use sweep=5m or more, or deploy on another host", sweep)
	}
}

// ShortDuration prints d without zero units: 5m rather than 5m0s.
func ShortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
