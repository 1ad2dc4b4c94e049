package store

import (
	"time"

	"github.com/wfgo/wf"
)

// Park is why a run is parked: the build that drove it last could not
// resume it (its workflow version, or its whole workflow, is not
// registered). A parked run keeps its log and stores deliveries; it stays
// paused, is never claimed by stale-run recovery and has no timers until
// UnparkRuns, or a commit by a build that can drive it, clears the mark.
type Park struct {
	// Reason classifies the park; wf.CodeVersionMismatch for a version
	// (or workflow) that is not registered.
	Reason wf.ErrorCode
	// Version is the workflow version the run needs (its recorded
	// version; stores fill it from Run.Version when reading).
	Version string
	// Message says what was missing, for operators.
	Message string
	// At is when the run was last parked.
	At time.Time
}

// WorkflowVersion names one registered version of a workflow.
type WorkflowVersion struct {
	WorkflowID string
	Version    string
}
