package wf_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/wfgo/wf"
)

// script is a workflow body written as operations: "a" runs durable step
// a, "a:local" runs it local, "sleep" sleeps an hour, "sleep0" sleeps for
// nothing (a timer resolved at once), "fail:local" a local step that
// fails. calls counts live step runs; onRun, when set, runs inside every
// step's function.
func script(calls map[string]int, onRun func(id string), ops ...string) *wf.Definition {
	return wf.New("script", func(ctx *wf.Context, _ struct{}) (int, error) {
		for i, op := range ops {
			name, mode, _ := strings.Cut(op, ":")
			switch name {
			case "sleep":
				wf.Sleep(ctx, time.Hour, wf.ID(fmt.Sprintf("sleep-%d", i)))
				continue
			case "sleep0":
				wf.Sleep(ctx, 0, wf.ID(fmt.Sprintf("sleep-%d", i)))
				continue
			case "wait":
				_, _ = wf.WaitForEvent[struct{}](ctx, "go", wf.ID(fmt.Sprintf("wait-%d", i)))
				continue
			}
			var opts []wf.StepOption
			if mode == "local" {
				opts = append(opts, wf.WithLocal())
			}
			if name == "flaky" {
				opts = append(opts, wf.WithRetry(wf.RetryPolicy{MaxAttempts: 2, Base: time.Millisecond}))
			}
			_ = wf.Do(ctx, wf.StepID(name), func(sc wf.StepContext) error {
				calls[name]++
				if onRun != nil {
					onRun(name)
				}
				if name == "fail" || name == "flaky" && calls[name] == 1 {
					return errors.New("boom")
				}
				return nil
			}, opts...)
		}
		return len(ops), nil
	})
}

// sizedJournal records the size of each append; the append numbered
// failAt (1-based) fails instead, as when the drive is abandoned.
type sizedJournal struct {
	inner  *memJournal
	sizes  []int
	failAt int
}

func (j *sizedJournal) Append(ctx context.Context, next int, evs []wf.Event) error {
	j.sizes = append(j.sizes, len(evs))
	if len(j.sizes) == j.failAt {
		return fmt.Errorf("append at %d: %w", next, wf.ErrConflict)
	}
	return j.inner.Append(ctx, next, evs)
}

// driveCounting drives once through a sizedJournal and commits the
// outcome as the runtime does; the error is Execute's.
func driveCounting(h *harness, failAt int) (*sizedJournal, wf.Outcome, error) {
	h.t.Helper()
	j := &sizedJournal{inner: &h.log, failAt: failAt}
	inv := h.invocation()
	inv.Journal = j
	def, err := h.def.Resolve("")
	if err != nil {
		h.t.Fatal(err)
	}
	out, err := def.Execute(context.Background(), inv)
	if err != nil {
		return j, out, err
	}
	if len(out.Pending) > 0 {
		if err := h.log.Append(context.Background(), out.Next, out.Pending); err != nil {
			h.t.Fatalf("commit: %v", err)
		}
	}
	return j, out, nil
}

func TestLocalStepsRideOnTheNextWrite(t *testing.T) {
	t.Parallel()
	ops := []string{"a:local", "b:local", "c:local", "d", "e:local"}
	h := newHarness(t, script(map[string]int{}, nil, ops...), struct{}{})
	j, out, err := driveCounting(h, 0)
	if err != nil || out.Status != wf.OutcomeFinished {
		t.Fatalf("drive: %v %s", err, out.Status)
	}
	// a, b and c travel with d's start; d's checkpoint is written before
	// e runs (a durable step never runs twice), e with the finish.
	if fmt.Sprint(j.sizes) != "[3 1]" {
		t.Fatalf("journal appends %v, want a, b and c, then d", j.sizes)
	}
	if len(out.Pending) != 2 {
		t.Fatalf("pending at finish %d, want e and RUN_FINISHED", len(out.Pending))
	}

	durable := newHarness(t, script(map[string]int{}, nil, "a", "b", "c", "d", "e"), struct{}{})
	dj, _, _ := driveCounting(durable, 0)
	if len(dj.sizes) != 4 {
		t.Fatalf("durable steps: %d appends, want 4", len(dj.sizes))
	}
	if got, want := h.kinds(), durable.kinds(); !equalStrings(got, want) {
		t.Fatalf("local log %v differs from durable log %v", got, want)
	}
}

func TestLocalStepsRunAgainAfterACrash(t *testing.T) {
	t.Parallel()
	calls := map[string]int{}
	h := newHarness(t, script(calls, nil, "s", "a:local", "b:local", "c"), struct{}{})
	// The second write (a and b, before c runs) never lands.
	j, _, err := driveCounting(h, 2)
	if !errors.Is(err, wf.ErrConflict) {
		t.Fatalf("first drive: %v, want the append's conflict", err)
	}
	if fmt.Sprint(j.sizes) != "[1 2]" || fmt.Sprint(calls) != "map[a:1 b:1 s:1]" {
		t.Fatalf("first drive: appends %v, calls %v", j.sizes, calls)
	}
	if got := h.kinds(); !equalStrings(got, []string{"STEP_FINISHED:s"}) {
		t.Fatalf("log after the crash %v, want s's checkpoint only", got)
	}
	if _, out, err := driveCounting(h, 0); err != nil || out.Status != wf.OutcomeFinished {
		t.Fatalf("second drive: %v %s", err, out.Status)
	}
	// The local steps since the last write run again; durable ones never.
	if fmt.Sprint(calls) != "map[a:2 b:2 c:1 s:1]" {
		t.Fatalf("calls %v, want a and b twice, s and c once", calls)
	}
}

func TestLocalStepsFlushAtTheCountCap(t *testing.T) {
	t.Parallel()
	ops := make([]string, wf.MaxUnwrittenLocal+8)
	for i := range ops {
		ops[i] = fmt.Sprintf("s%d:local", i)
	}
	h := newHarness(t, script(map[string]int{}, nil, ops...), struct{}{})
	j, out, err := driveCounting(h, 0)
	if err != nil || out.Status != wf.OutcomeFinished {
		t.Fatalf("drive: %v %s", err, out.Status)
	}
	if fmt.Sprint(j.sizes) != fmt.Sprintf("[%d]", wf.MaxUnwrittenLocal) || len(out.Pending) != 9 {
		t.Fatalf("appends %v, pending %d; want one of %d, then 8 steps and the finish", j.sizes, len(out.Pending), wf.MaxUnwrittenLocal)
	}
}

func TestLocalStepsFlushAtTheAgeCap(t *testing.T) {
	t.Parallel()
	var h *harness
	// b takes longer than the cap: a's result is then too old to wait.
	onRun := func(id string) {
		if id == "b" {
			h.clock = h.clock.Add(wf.MaxUnwrittenLocalAge)
		}
	}
	h = newHarness(t, script(map[string]int{}, onRun, "a:local", "b:local", "c:local"), struct{}{})
	j, out, err := driveCounting(h, 0)
	if err != nil || out.Status != wf.OutcomeFinished {
		t.Fatalf("drive: %v %s", err, out.Status)
	}
	if fmt.Sprint(j.sizes) != "[2]" || len(out.Pending) != 2 {
		t.Fatalf("appends %v, pending %d; want a and b written, c with the finish", j.sizes, len(out.Pending))
	}
}

func TestLocalStepsWrittenByPauseTimerAndFinish(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		ops     []string
		appends string
		status  wf.OutcomeStatus
		pending int
	}{
		{"pause", []string{"a:local", "b:local", "sleep"}, "[]", wf.OutcomePaused, 3},
		{"finish", []string{"a:local", "b:local"}, "[]", wf.OutcomeFinished, 3},
		{"failure", []string{"a:local", "fail:local"}, "[]", wf.OutcomeFinished, 3},
		{"timer resolved at once", []string{"a:local", "sleep0", "b:local"}, "[3]", wf.OutcomeFinished, 2},
		{"durable step", []string{"a:local", "b"}, "[1]", wf.OutcomeFinished, 2},
		{"wait resolved at once", []string{"a:local", "wait", "b:local"}, "[3]", wf.OutcomeFinished, 2},
		{"wait that pauses", []string{"a:local", "wait"}, "[]", wf.OutcomePaused, 2},
		{"retry backoff", []string{"a:local", "flaky:local"}, "[1]", wf.OutcomeFinished, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, script(map[string]int{}, nil, tc.ops...), struct{}{})
			if tc.name == "wait resolved at once" {
				h.deliver(wf.Delivery{SignalID: "s-1", Name: "go", Payload: []byte(`{}`)})
			}
			j, out, err := driveCounting(h, 0)
			if err != nil || out.Status != tc.status {
				t.Fatalf("drive: %v %s, want %s", err, out.Status, tc.status)
			}
			if fmt.Sprint(j.sizes) != tc.appends || len(out.Pending) != tc.pending {
				t.Fatalf("appends %v, pending %d; want %s and %d", j.sizes, len(out.Pending), tc.appends, tc.pending)
			}
		})
	}
}

func TestLocalStepsReplayLikeDurableOnes(t *testing.T) {
	t.Parallel()
	calls := map[string]int{}
	ops := []string{"a:local", "b:local", "sleep", "c:local", "d"}
	h := newHarness(t, script(calls, nil, ops...), struct{}{})
	out := h.drive()
	if out.Status != wf.OutcomePaused {
		t.Fatalf("first drive: %s, want paused", out.Status)
	}
	id := out.Awaiting[0].StepID
	h.deliver(wf.Delivery{StepID: id, SignalID: "__timer:" + id, Name: wf.TimerSignal})
	if out := h.drive(); out.Status != wf.OutcomeFinished {
		t.Fatalf("second drive: %s, want finished", out.Status)
	}
	if fmt.Sprint(calls) != "map[a:1 b:1 c:1 d:1]" {
		t.Fatalf("calls %v, want each step once", calls)
	}
	// The log is the one durable steps write, and replays the same.
	durable := newHarness(t, script(map[string]int{}, nil, "a", "b", "sleep", "c", "d"), struct{}{})
	durable.drive()
	durable.deliver(wf.Delivery{StepID: id, SignalID: "__timer:" + id, Name: wf.TimerSignal})
	durable.drive()
	if got, want := h.kinds(), durable.kinds(); !equalStrings(got, want) {
		t.Fatalf("local log %v differs from durable log %v", got, want)
	}
	inv := h.invocation()
	inv.ReplayOnly = true
	def, _ := h.def.Resolve("")
	rep, err := def.Execute(context.Background(), inv)
	if err != nil || rep.Status != wf.OutcomeFinished || rep.Divergence != nil {
		t.Fatalf("replay: %v %s %v", err, rep.Status, rep.Divergence)
	}
	if fmt.Sprint(calls) != "map[a:1 b:1 c:1 d:1]" {
		t.Fatalf("replay ran steps: %v", calls)
	}
}
