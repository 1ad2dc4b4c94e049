package store

import (
	"time"

	"github.com/wfgo/wf"
)

// Reopen is what ReopenRun writes to an ended run that is retried.
type Reopen struct {
	// Next is the log index of Events[0]: the length of the run's log.
	Next int
	// Events are appended to the log (the retry's RUN_RETRIED marker).
	Events []wf.Event
	// Drop names stored deliveries (by SignalID) to delete, such as the
	// cancellation request that ended a canceled run.
	Drop []string
	// Now stamps the run's UpdatedAt.
	Now time.Time
}
