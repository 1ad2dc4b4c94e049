package wf

import (
	"time"
)

// StepID is a step's operation ID: stable, unique within a run, written by
// wfgen as constants from //wf:step directives. In loops, interpolate
// (StepID(fmt.Sprintf("charge-%d", i))).
type StepID string

// Backoff is how the wait between step attempts grows.
type Backoff string

const (
	// BackoffFixed waits Base between attempts.
	BackoffFixed Backoff = "fixed"
	// BackoffExponential waits Base, 2·Base, 4·Base, … up to Cap.
	BackoffExponential Backoff = "exponential"
)

// RetryPolicy says how often and how patiently a step is retried.
type RetryPolicy struct {
	// MaxAttempts counts the first attempt too. Defaults to 1 (no retry).
	MaxAttempts int
	// Backoff defaults to BackoffFixed.
	Backoff Backoff
	// Base is the first wait. Defaults to 0 (retry at once).
	Base time.Duration
	// Cap bounds exponential waits. Defaults to no bound.
	Cap time.Duration
	// ShouldRetry, when set, decides whether an attempt's error is worth
	// another attempt. attempt is the number of the attempt that failed.
	ShouldRetry func(err error, attempt int) bool
}

// retries reports whether the policy allows another attempt after
// attempt `attempt` failed with err.
func (p RetryPolicy) retries(err error, attempt int) bool {
	return attempt < p.MaxAttempts && (p.ShouldRetry == nil || p.ShouldRetry(err, attempt))
}

// delay returns the wait before attempt `next` (2, 3, …).
func (p RetryPolicy) delay(next int) time.Duration {
	d := p.Base
	if p.Backoff == BackoffExponential {
		for i := 2; i < next; i++ {
			d *= 2
			if p.Cap > 0 && d >= p.Cap || d <= 0 {
				break
			}
		}
	}
	if p.Cap > 0 && d > p.Cap {
		d = p.Cap
	}
	return d
}

// StepOption configures one step.
type StepOption func(*stepConfig)

type stepConfig struct {
	retry   *RetryPolicy
	timeout time.Duration
	meta    map[string]string
	local   bool
	group   *Group
}

// WithRetry sets the step's retry policy.
func WithRetry(p RetryPolicy) StepOption { return func(c *stepConfig) { c.retry = &p } }

// WithTimeout bounds each attempt: at the timeout the attempt's context is
// canceled and the attempt fails with a *StepTimeoutError.
func WithTimeout(d time.Duration) StepOption { return func(c *stepConfig) { c.timeout = d } }

// WithLocal makes the step local: its checkpoint is not written before the
// next step runs but rides on the run's next durable write (a durable
// step's start, a wait, the pause or end of the invocation), so a run of
// local steps costs one write instead of one per step. The price is that a
// crash before that write runs the local steps since the last write again:
// use it for short, idempotent steps. At most MaxUnwrittenLocal local
// results, and none older than MaxUnwrittenLocalAge, stay unwritten.
func WithLocal() StepOption { return func(c *stepConfig) { c.local = true } }

// WithMeta copies metadata into the step's events.
func WithMeta(meta map[string]string) StepOption {
	return func(c *stepConfig) {
		if c.meta == nil {
			c.meta = map[string]string{}
		}
		for k, v := range meta {
			c.meta[k] = v
		}
	}
}

// OpOption configures Sleep, SleepUntil, Now and UUID.
type OpOption interface{ applyOp(*opConfig) }

// WaitOption configures WaitForEvent.
type WaitOption interface{ applyWait(*waitConfig) }

type opConfig struct{ id string }

type waitConfig struct {
	id       string
	deadline time.Time
	timeout  time.Duration
	meta     map[string]string
}

// deadlineFrom returns when the wait times out, nil for never: its
// explicit deadline, or its timeout from now.
func (c waitConfig) deadlineFrom(now time.Time) *time.Time {
	switch {
	case !c.deadline.IsZero():
		return &c.deadline
	case c.timeout > 0:
		t := now.Add(c.timeout)
		return &t
	}
	return nil
}

// IDOption sets an explicit operation ID.
type IDOption string

// ID gives a primitive an explicit operation ID instead of a positional
// one. Explicit IDs keep long-lived runs replayable when code changes.
func ID(id string) IDOption { return IDOption(id) }

func (o IDOption) applyOp(c *opConfig)     { c.id = string(o) }
func (o IDOption) applyWait(c *waitConfig) { c.id = string(o) }

type deadlineOption time.Time

// Deadline makes a wait return a *WaitTimeoutError if nothing resolves it by t.
func Deadline(t time.Time) WaitOption { return deadlineOption(t) }

func (o deadlineOption) applyWait(c *waitConfig) { c.deadline = time.Time(o) }

type timeoutOption time.Duration

// Timeout makes a wait return a *WaitTimeoutError if nothing resolves it
// within d of the moment the wait was first reached (recorded, so replay
// keeps the same deadline).
func Timeout(d time.Duration) WaitOption { return timeoutOption(d) }

func (o timeoutOption) applyWait(c *waitConfig) { c.timeout = time.Duration(o) }

type metaOption map[string]string

// Meta copies metadata into a wait's events.
func Meta(meta map[string]string) WaitOption { return metaOption(meta) }

func (o metaOption) applyWait(c *waitConfig) { c.meta = o }
