package directive

import (
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
		if _, err := cronParser.Parse(s.Cron); err != nil {
			c.errorf("cron", "cron=%q: %v", s.Cron, err)
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
