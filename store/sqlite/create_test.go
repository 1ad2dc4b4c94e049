package sqlite_test

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
)

// TestCreateRunReturnsStoredRow checks that the run CreateRun returns
// for a run it inserted, made without reading the row back, is the run
// GetRun reads, for runs that set every column CreateRun writes.
func TestCreateRunReturnsStoredRow(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := t.Context()
	now := base.Add(1234567 * time.Nanosecond) // below a microsecond: stored truncated
	child := leasedRun("child", "owner")
	child.Lease = store.Lease{Owner: "owner", Now: now, Until: now.Add(time.Minute + 789*time.Nanosecond)}
	child.ScheduleID = "nightly"
	child.TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
	child.Parent = &store.Parent{RunID: "parent", StepID: "spawn", Detached: true}
	queued := newRun("queued")
	queued.Queue, queued.PartitionKey, queued.Priority = "emails", "tenant-7", -3
	queued.Input = nil
	nullInput := newRun("null-input")
	nullInput.Input = json.RawMessage(`null`)
	for _, nr := range []store.NewRun{newRun("plain"), leasedRun("leased", "owner"), child, queued, nullInput} {
		created, inserted, err := s.CreateRun(ctx, nr)
		if err != nil || !inserted {
			t.Fatalf("CreateRun(%s) = %v, %v", nr.ID, inserted, err)
		}
		got, err := s.GetRun(ctx, nr.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(created, got) {
			t.Errorf("CreateRun(%s) returned\n%+v\nGetRun reads\n%+v", nr.ID, created, got)
		}
		if created.Status != nr.Status && !(nr.Status == "" && created.Status == wf.StatusQueued) {
			t.Errorf("CreateRun(%s) status %q, want %q", nr.ID, created.Status, nr.Status)
		}
	}
}
