package runtime_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store"
)

// crashingStore fails the first Commit of one run, as a process killed
// before it commits.
type crashingStore struct {
	store.Store
	runID   string
	crashed atomic.Bool
}

var errCrash = errors.New("crashed before the commit")

func (s *crashingStore) Commit(ctx context.Context, c store.Commit) error {
	if c.RunID == s.runID && !s.crashed.Swap(true) {
		return errCrash
	}
	return s.Store.Commit(ctx, c)
}

// family starts run "p" paused and stores its children: p.a (attached,
// with a child of its own, p.a.x), p.b (detached), p.c (attached, ended
// already) and p.d (attached). The children never run: they are queued.
func family(t *testing.T, b bundle) {
	t.Helper()
	ctx := context.Background()
	if _, err := b.rt.StartRun(ctx, runtime.StartRequest{WorkflowID: "fulfillment", RunID: "p", Input: raw(t, orderInput{OrderID: "o", DelayMs: 1000})}); err != nil {
		t.Fatal(err)
	}
	child := func(parent, step string, detached bool) store.NewRun {
		return store.NewRun{ID: wf.ChildRunID(parent, step), WorkflowID: "fulfillment", Status: wf.StatusQueued,
			Input: raw(t, orderInput{OrderID: step}), Parent: &store.Parent{RunID: parent, StepID: step, Detached: detached},
			Lease: store.Lease{Now: b.clock.Now()}}
	}
	for _, nr := range []store.NewRun{child("p", "a", false), child("p.a", "x", false), child("p", "b", true), child("p", "d", false)} {
		if _, _, err := b.store.CreateRun(ctx, nr); err != nil {
			t.Fatal(err)
		}
	}
	ended := child("p", "c", false)
	ended.Status = wf.StatusRunning
	ended.Lease = store.Lease{Owner: "other", Now: b.clock.Now(), Until: b.clock.Now().Add(time.Minute)}
	if _, _, err := b.store.CreateRun(ctx, ended); err != nil {
		t.Fatal(err)
	}
	if err := b.store.Commit(ctx, store.Commit{RunID: "p.c", Owner: "other", Status: wf.StatusFinished,
		Output: json.RawMessage(`{"orderId":"c","shipped":true}`), Now: b.clock.Now()}); err != nil {
		t.Fatal(err)
	}
}

// wantStatuses fails t unless each run has its status.
func wantStatuses(t *testing.T, b bundle, want map[string]wf.RunStatus) {
	t.Helper()
	for id, status := range want {
		r, err := b.rt.GetRun(context.Background(), id)
		if err != nil || r.Status != status {
			t.Errorf("run %s: status %q, error %v; want %q", id, r.Status, err, status)
		}
	}
}

func TestCancelCascadesToAttachedChildren(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, newStore func(*testing.T) store.Store) {
		b := setupOn(t, newStore(t))
		family(t, b)
		ctx := context.Background()
		res, err := b.rt.Cancel(ctx, "p", "order withdrawn")
		if err != nil || res.Kind != runtime.KindCanceled {
			t.Fatalf("Cancel(p) = %s, %v; want canceled", res.Kind, err)
		}
		wantStatuses(t, b, map[string]wf.RunStatus{
			"p": wf.StatusCanceled, "p.a": wf.StatusCanceled, "p.a.x": wf.StatusCanceled, "p.d": wf.StatusCanceled,
			"p.b": wf.StatusQueued, "p.c": wf.StatusFinished,
		})
		for _, id := range []string{"p.a", "p.a.x"} {
			r, _ := b.rt.GetRun(ctx, id)
			if r.Error == nil || r.Error.Code != wf.CodeCanceled || r.Error.Message != "run p was canceled: order withdrawn" {
				t.Errorf("run %s: error %+v, want the cascade's cancellation", id, r.Error)
			}
		}

		// The children's ends stored their results for the canceled
		// parents, which stay canceled and do nothing more.
		ex, err := b.store.LoadExecution(ctx, "p")
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]wf.RunStatus{}
		for _, d := range ex.Deliveries {
			var cr wf.ChildResult
			if d.Name == wf.ChildSignal && json.Unmarshal(d.Payload, &cr) == nil {
				got[d.SignalID] = cr.Status
			}
		}
		want := map[string]wf.RunStatus{"child:p.a": wf.StatusCanceled, "child:p.c": wf.StatusFinished, "child:p.d": wf.StatusCanceled}
		if len(got) != len(want) || got["child:p.a"] != want["child:p.a"] || got["child:p.c"] != want["child:p.c"] || got["child:p.d"] != want["child:p.d"] {
			t.Errorf("p's child deliveries = %v, want %v", got, want)
		}
		b.clock.Advance(time.Hour)
		sw, err := b.rt.Sweep(ctx, runtime.SweepOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if sw.Summary.Recovered[runtime.KindCanceled] != 0 || sw.Summary.Recovered[runtime.KindCompleted] != 0 {
			t.Errorf("sweep after the cascade recovered %v, want only the detached child", sw.Summary.Recovered)
		}
		wantStatuses(t, b, map[string]wf.RunStatus{"p": wf.StatusCanceled, "p.a": wf.StatusCanceled, "p.a.x": wf.StatusCanceled})
		if res, err := b.rt.Cancel(ctx, "p", "again"); err != nil || res.Kind != runtime.KindCanceled {
			t.Errorf("Cancel(p) again = %s, %v; want canceled", res.Kind, err)
		}
	})
}

func TestCancelCascadeRepairedByCancelAgain(t *testing.T) {
	t.Parallel()
	for _, crash := range []string{"p.a", "p.a.x"} {
		t.Run("crash in "+crash, func(t *testing.T) {
			t.Parallel()
			forEachStore(t, func(t *testing.T, newStore func(*testing.T) store.Store) {
				st := &crashingStore{Store: newStore(t), runID: crash}
				b := setupOn(t, st)
				family(t, b)
				ctx := context.Background()
				res, err := b.rt.Cancel(ctx, "p", "order withdrawn")
				if !errors.Is(err, errCrash) || res.Kind != runtime.KindCanceled {
					t.Fatalf("Cancel(p) with a crash in %s = %s, %v; want canceled and the crash", crash, res.Kind, err)
				}
				if r, _ := b.rt.GetRun(ctx, crash); r.Status.Terminal() {
					t.Fatalf("run %s after the crash: %s, want it live", crash, r.Status)
				}
				// The siblings after the crash were canceled all the same.
				wantStatuses(t, b, map[string]wf.RunStatus{"p": wf.StatusCanceled, "p.d": wf.StatusCanceled})

				res, err = b.rt.Cancel(ctx, "p", "order withdrawn")
				if err != nil || res.Kind != runtime.KindCanceled {
					t.Fatalf("Cancel(p) again = %s, %v; want canceled", res.Kind, err)
				}
				wantStatuses(t, b, map[string]wf.RunStatus{
					"p": wf.StatusCanceled, "p.a": wf.StatusCanceled, "p.a.x": wf.StatusCanceled, "p.d": wf.StatusCanceled,
					"p.b": wf.StatusQueued, "p.c": wf.StatusFinished,
				})
				r, _ := b.rt.GetRun(ctx, "p.a.x")
				if r.Error == nil || !strings.HasSuffix(r.Error.Message, "order withdrawn") {
					t.Errorf("run p.a.x: error %+v, want the cascade's cancellation", r.Error)
				}
			})
		})
	}
}

func TestCancelCascadeFromARequestedCancel(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, newStore func(*testing.T) store.Store) {
		b := setupOn(t, newStore(t))
		family(t, b)
		ctx := context.Background()
		// Another process drives p.a: its cancellation is a request, and
		// its children are canceled by the request's recovery.
		now := b.clock.Now()
		claim, err := b.store.ClaimRun(ctx, "p.a", store.Lease{Owner: "other", Now: now, Until: now.Add(time.Minute)})
		if err != nil || claim.Status != store.Claimed {
			t.Fatalf("claim p.a: %s %v", claim.Status, err)
		}
		if res, err := b.rt.Cancel(ctx, "p.a", "parcel lost"); err != nil || res.Kind != runtime.KindAccepted {
			t.Fatalf("Cancel(p.a) while driven elsewhere = %s, %v; want accepted", res.Kind, err)
		}
		if err := b.store.ReleaseRun(ctx, "p.a", "other"); err != nil {
			t.Fatal(err)
		}
		if res, err := b.rt.DeliverSignal(ctx, runtime.SignalRequest{RunID: "p.a", SignalID: "s", Name: "payment-received",
			Payload: raw(t, paymentReceived{PaymentID: "x"})}); err != nil || res.Kind != runtime.KindCanceled {
			t.Fatalf("drive of p.a after the request = %s, %v; want canceled", res.Kind, err)
		}
		wantStatuses(t, b, map[string]wf.RunStatus{"p.a": wf.StatusCanceled, "p.a.x": wf.StatusCanceled, "p": wf.StatusRunning})
	})
}

func TestTimelineLinksParentAndChildren(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, newStore func(*testing.T) store.Store) {
		b := setupOn(t, newStore(t))
		family(t, b)
		ctx := context.Background()
		tl, err := b.rt.Timeline(ctx, "p")
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, c := range tl.Children {
			ids = append(ids, c.ID)
		}
		if strings.Join(ids, " ") != "p.d p.c p.b p.a" || tl.MoreChildren || tl.Run.Parent != nil {
			t.Errorf("Timeline(p): children %v (more %v), parent %+v; want p.d p.c p.b p.a, no parent", ids, tl.MoreChildren, tl.Run.Parent)
		}
		if len(tl.Children) == 4 && (tl.Children[2].Parent == nil || !tl.Children[2].Parent.Detached) {
			t.Errorf("Timeline(p): child p.b's link %+v, want detached", tl.Children[2].Parent)
		}
		tl, err = b.rt.Timeline(ctx, "p.a")
		if err != nil {
			t.Fatal(err)
		}
		if p := tl.Run.Parent; p == nil || p.RunID != "p" || p.StepID != "a" || p.Detached {
			t.Errorf("Timeline(p.a).Run.Parent = %+v, want p's operation a", p)
		}
		if len(tl.Children) != 1 || tl.Children[0].ID != "p.a.x" {
			t.Errorf("Timeline(p.a).Children = %d runs, want p.a.x", len(tl.Children))
		}
	})
}
