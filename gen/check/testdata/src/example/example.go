// Package example is the workflow that the package example runs the
// analyzers over.
package example

import (
	"time"

	"github.com/wfgo/wf"
)

const StepShip wf.StepID = "ship"

func Fulfill(ctx *wf.Context, byRegion map[string]int) error {
	deadline := time.Now().Add(time.Hour)
	for region := range byRegion {
		if err := wf.Do(ctx, wf.StepID("reserve-"+region), reserve); err != nil {
			return err
		}
	}
	wf.SleepUntil(ctx, deadline)
	if err := wf.Do(ctx, "charge", charge); err != nil {
		return err
	}
	return wf.Do(ctx, StepShip, ship)
}

func reserve(sc wf.StepContext) error { return nil }
func charge(sc wf.StepContext) error  { return nil }
func ship(sc wf.StepContext) error    { return nil }
