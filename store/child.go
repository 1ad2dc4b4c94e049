package store

import (
	"encoding/json"
	"fmt"

	"github.com/wfgo/wf"
)

// ChildSignalID is the SignalID of the delivery an attached child run's
// end stores for its parent: one per child, so a repeated end stores
// nothing twice.
func ChildSignalID(childRunID string) string { return "child:" + childRunID }

// ChildEnd returns the delivery that c, a commit ending an attached child
// run in a terminal status, stores for the parent's wait parentStepID:
// Name wf.ChildSignal, SignalID ChildSignalID(c.RunID), Payload the JSON
// of a wf.ChildResult of the commit's status, output and error, and Time
// c.Now. It fails only when c.Output is not valid JSON.
func ChildEnd(c Commit, parentStepID string) (wf.Delivery, error) {
	payload, err := json.Marshal(wf.ChildResult{RunID: c.RunID, Status: c.Status, Output: c.Output, Error: c.Error})
	if err != nil {
		return wf.Delivery{}, fmt.Errorf("store: child run %q: encode its result: %w", c.RunID, err)
	}
	return wf.Delivery{
		StepID:   parentStepID,
		SignalID: ChildSignalID(c.RunID),
		Name:     wf.ChildSignal,
		Payload:  payload,
		Time:     c.Now,
	}, nil
}
