package wf

import "time"

// Local steps (WithLocal) leave their checkpoints pending: a local step
// writes nothing before its function runs, unless what is pending holds
// a durable step's checkpoint (a durable step is never run twice) or the
// local results pending have reached a cap. Their results then travel
// with the next write: a durable step's start, a wait (timer, signal or
// approval), an in-process retry backoff, or the pause, yield or end of
// the invocation (Outcome.Pending). A crash before that write loses them,
// and the next invocation runs those local steps again, recording afresh
// what was recorded since the last write (times, UUIDs, consumed
// signals).

const (
	// MaxUnwrittenLocal is how many local step results may wait for a
	// write: the one that reaches it is written at once.
	MaxUnwrittenLocal = 32
	// MaxUnwrittenLocalAge is how long the oldest unwritten local result
	// may wait: a local step starting or ending later writes it.
	MaxUnwrittenLocalAge = time.Second
)

// localState counts the pending events flush has not written yet, by
// kind.
type localState struct {
	results int       // local step results pending
	since   time.Time // when the oldest of them was recorded
	durable bool      // a durable step's checkpoint is pending
}

// flushBeforeStep makes what came before a step durable before its
// function runs: always for a durable step, and for a local one when a
// durable checkpoint is pending or the cap is due.
func (e *execution) flushBeforeStep(local bool) {
	e.mu.Lock()
	due := !local || e.local.durable || e.localDue()
	e.mu.Unlock()
	if due {
		e.flush()
	}
}

// recorded notes a step's recorded outcome; a local one that reaches the
// cap is written at once.
func (e *execution) recorded(local bool) {
	e.mu.Lock()
	if !local {
		e.local.durable = true
		e.mu.Unlock()
		return
	}
	if e.local.results == 0 {
		e.local.since = e.now()
	}
	e.local.results++
	due := e.localDue()
	e.mu.Unlock()
	if due {
		e.flush()
	}
}

// localDue reports whether the pending local results have reached a cap;
// e.mu is held.
func (e *execution) localDue() bool {
	l := e.local
	return l.results > 0 && (l.results >= MaxUnwrittenLocal || e.now().Sub(l.since) >= MaxUnwrittenLocalAge)
}

// flushLocal writes the pending local results, if any, with what else is
// pending: a timer or a wait never leaves them behind.
func (e *execution) flushLocal() {
	e.mu.Lock()
	n := e.local.results
	e.mu.Unlock()
	if n > 0 {
		e.flush()
	}
}
