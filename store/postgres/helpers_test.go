package postgres

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
)

// epoch is the tests' clock reading.
var epoch = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

const owner = "owner-a"

func newRun(id string) store.NewRun {
	return store.NewRun{
		ID: id, WorkflowID: "orders", Version: "v1", Status: wf.StatusRunning,
		Input: json.RawMessage(`{"orderId":"` + id + `"}`),
		Lease: store.Lease{Owner: owner, Now: epoch, Until: epoch.Add(time.Minute)},
	}
}

// stepEvents returns n STEP_FINISHED events for positions from, from+1, ….
func stepEvents(from, n int) []wf.Event {
	evs := make([]wf.Event, n)
	for i := range evs {
		evs[i] = wf.Event{
			Type: wf.StepFinished, Time: epoch, StepID: fmt.Sprintf("step-%d", from+i),
			Result: json.RawMessage(fmt.Sprintf(`{"k":%d}`, from+i)),
		}
	}
	return evs
}
