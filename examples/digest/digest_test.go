package digest_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/wfgo/wf/examples/digest"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store"
	"github.com/wfgo/wf/store/memstore"
)

// feed hands out a few updates per call and records what was mailed.
type feed struct {
	mu    sync.Mutex
	calls int
	sent  [][]digest.Update
	limit []int
}

func (f *feed) Since(_ context.Context, _ string, limit int) ([]digest.Update, string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	f.limit = append(f.limit, limit)
	if f.calls == 2 {
		return nil, "", nil // a quiet quarter hour
	}
	return []digest.Update{{ID: fmt.Sprint("u", f.calls), Summary: "something changed"}}, "", nil
}

func (f *feed) Send(_ context.Context, ups []digest.Update, _ string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sent = append(f.sent, ups)
	return nil
}

func TestEveryQuarterHour(t *testing.T) {
	t.Parallel()
	f := &feed{}
	regs := digest.Registrations(digest.Workflows{Digest: &digest.Digest{Source: f, Mailer: f}})
	if s := regs[0].Schedules; len(s) != 1 || s[0].ID != "digest-every-15m" || s[0].Overlap != runtime.OverlapSkip {
		t.Fatalf("schedules %+v", s)
	}
	var mu sync.Mutex
	now := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	st := memstore.New()
	rt, err := runtime.New(runtime.Config{Store: st, Workflows: regs, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, at := range []string{"09:00", "09:07", "09:15", "09:15", "09:31"} {
		mu.Lock()
		now, _ = time.Parse("2006-01-02 15:04", "2026-06-01 "+at)
		mu.Unlock()
		if _, err := rt.Sweep(ctx, runtime.SweepOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	page, err := rt.ListRuns(ctx, store.ListQuery{WorkflowID: "digest"})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range page.Runs {
		ids = append(ids, r.ID+"="+string(r.Status))
	}
	want := "[digest-every-15m@2026-06-01T09:30:00Z=finished digest-every-15m@2026-06-01T09:15:00Z=finished digest-every-15m@2026-06-01T09:00:00Z=finished]"
	if fmt.Sprint(ids) != want {
		t.Fatalf("runs %v\nwant %s", ids, want)
	}
	if len(f.sent) != 2 || fmt.Sprint(f.limit) != "[100 100 100]" {
		t.Fatalf("sent %d digests with limits %v; want 2 (the quiet tick sends none) at batch size 100", len(f.sent), f.limit)
	}
}
