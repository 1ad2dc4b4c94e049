package runtime_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/internal/testclock"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store"
	"github.com/wfgo/wf/store/memstore"
)

// countingStore records the store methods called through it, in order:
// each is one round trip on the SQL stores.
type countingStore struct {
	store.Store
	mu    sync.Mutex
	calls []string
}

func (s *countingStore) record(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, name)
}

func (s *countingStore) take() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	calls := s.calls
	s.calls = nil
	return calls
}

func (s *countingStore) GetRun(ctx context.Context, id string) (store.Run, error) {
	s.record("GetRun")
	return s.Store.GetRun(ctx, id)
}

func (s *countingStore) LoadExecution(ctx context.Context, id string) (store.Execution, error) {
	s.record("LoadExecution")
	return s.Store.LoadExecution(ctx, id)
}

func (s *countingStore) Deliver(ctx context.Context, id string, d wf.Delivery, o store.DeliverOptions) (store.DeliveryResult, error) {
	s.record("Deliver")
	return s.Store.Deliver(ctx, id, d, o)
}

func (s *countingStore) ClaimRun(ctx context.Context, id string, l store.Lease) (store.ClaimResult, error) {
	s.record("ClaimRun")
	return s.Store.ClaimRun(ctx, id, l)
}

func (s *countingStore) Append(ctx context.Context, id string, a store.Append) error {
	s.record("Append")
	return s.Store.Append(ctx, id, a)
}

func (s *countingStore) Commit(ctx context.Context, c store.Commit) error {
	s.record("Commit")
	return s.Store.Commit(ctx, c)
}

// roundTrips sets up a run of sleepThenWait(1) on a counting memstore, in
// the sleep (early) or at the wait.
func roundTrips(tb testing.TB, atWait bool) (*runtime.Runtime, *countingStore) {
	tb.Helper()
	st := &countingStore{Store: memstore.New()}
	c := testclock.New(t0)
	rt, err := runtime.New(runtime.Config{Store: st, Clock: c.Now, Workflows: []runtime.Workflow{{Definition: sleepThenWait(1)}}})
	if err != nil {
		tb.Fatal(err)
	}
	ctx := context.Background()
	if _, err := rt.StartRun(ctx, runtime.StartRequest{WorkflowID: "sleep-then-wait", RunID: "r", Input: json.RawMessage(`{}`)}); err != nil {
		tb.Fatal(err)
	}
	if atWait {
		c.Advance(time.Hour)
		if _, err := rt.Sweep(ctx, runtime.SweepOptions{}); err != nil {
			tb.Fatal(err)
		}
	}
	st.take()
	return rt, st
}

// Delivering a signal costs one store round trip before the drive starts:
// the Deliver batch decides, stores and reports.
func TestDeliverSignalRoundTrips(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		atWait bool
		kind   runtime.ResultKind
		calls  []string
	}{
		{"early", false, runtime.KindAccepted, []string{"Deliver"}},
		{"at the wait", true, runtime.KindCompleted, []string{"Deliver", "ClaimRun", "Commit"}},
	} {
		rt, st := roundTrips(t, tt.atWait)
		res, err := rt.DeliverSignal(context.Background(), runtime.SignalRequest{RunID: "r", SignalID: "s", Name: "paid", Payload: json.RawMessage(`{"id":"s"}`)})
		if err != nil || res.Kind != tt.kind {
			t.Fatalf("%s: %s %v, want %s", tt.name, res.Kind, err, tt.kind)
		}
		if calls := st.take(); !slices.Equal(calls, tt.calls) {
			t.Errorf("%s: store calls %v, want %v", tt.name, calls, tt.calls)
		}
	}
}

// BenchmarkDeliverSignalRoundTrips reports the store round trips of one
// DeliverSignal: before the drive (roundtrips-before-drive/op) and in all.
// Before early signals were kept, an early signal cost 2 and was refused
// (read the run, load the execution) and one at the wait 2 before the drive
// and 4 in all (read the run, store; claim, commit). Now: 1 and 1, 1 and 3.
func BenchmarkDeliverSignalRoundTrips(b *testing.B) {
	for _, atWait := range []bool{false, true} {
		b.Run(fmt.Sprintf("atWait=%v", atWait), func(b *testing.B) {
			var before, total int
			n := 0
			for b.Loop() {
				b.StopTimer()
				rt, st := roundTrips(b, atWait)
				b.StartTimer()
				if _, err := rt.DeliverSignal(context.Background(), runtime.SignalRequest{RunID: "r", SignalID: "s", Name: "paid", Payload: json.RawMessage(`{"id":"s"}`)}); err != nil {
					b.Fatal(err)
				}
				calls := st.take()
				total += len(calls)
				if i := slices.Index(calls, "ClaimRun"); i >= 0 {
					before += i
				} else {
					before += len(calls)
				}
				n++
			}
			b.ReportMetric(float64(before)/float64(n), "roundtrips-before-drive/op")
			b.ReportMetric(float64(total)/float64(n), "roundtrips/op")
		})
	}
}
