package wftest_test

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/wftest"
)

var update = flag.Bool("update", false, "rewrite the committed history")

type order struct {
	ID string `json:"id"`
}

type receipt struct {
	ID      string `json:"id"`
	Payment string `json:"payment"`
}

type payment struct {
	ID string `json:"id"`
}

// shop is a workflow under test; calls counts step executions.
type shop struct {
	calls map[string]int
	// variant changes the code: "", "inserted", "kind", "output", "short",
	// "longer".
	variant string
}

func (s *shop) step(ctx *wf.Context, id wf.StepID) error {
	return wf.Do(ctx, id, func(wf.StepContext) error { s.calls[string(id)]++; return nil })
}

func (s *shop) definition() *wf.Definition {
	return wf.New("shop", func(ctx *wf.Context, in order) (receipt, error) {
		if s.variant == "inserted" {
			if err := s.step(ctx, "audit"); err != nil {
				return receipt{}, err
			}
		}
		if s.variant == "kind" {
			wf.Sleep(ctx, time.Minute, wf.ID("reserve"))
		} else if err := s.step(ctx, "reserve"); err != nil {
			return receipt{}, err
		}
		wf.Sleep(ctx, time.Hour, wf.ID("cool-off"))
		p, err := wf.WaitForEvent[payment](ctx, "paid")
		if err != nil {
			return receipt{}, err
		}
		if s.variant == "short" {
			return receipt{ID: in.ID, Payment: p.ID}, nil
		}
		if err := s.step(ctx, "ship"); err != nil {
			return receipt{}, err
		}
		if s.variant == "longer" {
			if err := s.step(ctx, "thank"); err != nil {
				return receipt{}, err
			}
		}
		if s.variant == "output" {
			return receipt{ID: in.ID, Payment: "changed"}, nil
		}
		return receipt{ID: in.ID, Payment: p.ID}, nil
	})
}

func newShop(variant string) *shop { return &shop{calls: map[string]int{}, variant: variant} }

// TestEnv drives a workflow through its sleep and its signal in a few lines.
func TestEnv(t *testing.T) {
	t.Parallel()
	s := newShop("")
	env := wftest.New(t, runtime.Workflow{Definition: s.definition()})
	if res := env.Start("shop", "o-1", order{ID: "o-1"}); res.Kind != runtime.KindPaused {
		t.Fatalf("start: %s", res.Kind)
	}
	if sum := env.Advance(59 * time.Minute); sum.Timers.Total() != 0 {
		t.Fatalf("timers fired before the hour: %+v", sum.Timers)
	}
	if sum := env.Advance(time.Minute); sum.Timers[runtime.KindPaused] != 1 {
		t.Fatalf("the hour passed: timers %+v, want the run paused on its payment", sum.Timers)
	}
	if res := env.Signal("o-1", "paid", payment{ID: "p-1"}); res.Kind != runtime.KindCompleted {
		t.Fatalf("signal: %s, want completed", res.Kind)
	}
	var out receipt
	env.Output("o-1", &out)
	if out != (receipt{ID: "o-1", Payment: "p-1"}) || s.calls["reserve"] != 1 || s.calls["ship"] != 1 {
		t.Errorf("output %+v, calls %v", out, s.calls)
	}
}

// history runs the shop to a pause (or to its end) and exports it.
func history(t *testing.T, finish bool) runtime.History {
	t.Helper()
	env := wftest.New(t, runtime.Workflow{Definition: newShop("").definition()})
	env.Start("shop", "o-1", order{ID: "o-1"})
	env.Advance(time.Hour)
	if finish {
		env.Signal("o-1", "paid", payment{ID: "p-1"})
	}
	return env.Export("o-1")
}

func TestReplay(t *testing.T) {
	t.Parallel()
	paused, finished := history(t, false), history(t, true)
	// A cancel is the runtime's end, not the code's: the code is checked up
	// to it only (here, canceled right after its first step).
	canceled := paused
	canceled.Events = append(append([]wf.Event(nil), paused.Events[:1]...),
		wf.Event{Type: wf.RunErrored, Code: wf.CodeCanceled, Error: &wf.ErrorInfo{Name: "Canceled", Message: "canceled"}})
	for _, tt := range []struct {
		name    string
		variant string
		h       runtime.History
		want    string // "" for no divergence
		index   int
	}{
		{"paused, same code", "", paused, "", 0},
		{"finished, same code", "", finished, "", 0},
		{"step inserted before recorded ones", "inserted", paused, `expected operation "reserve" (STEP_FINISHED at log index 0), found Do "audit"`, 0},
		{"operation of another kind", "kind", paused, "nondeterminism", 0},
		{"other output", "output", finished, `the run finished with output {"id":"o-1","payment":"p-1"}`, -1},
		{"step removed", "short", finished, `expected operation "ship" (STEP_FINISHED at log index 5), found the workflow's return`, 5},
		{"step added after the recorded end", "longer", finished, `expected the run's end (RUN_FINISHED at log index 6), found Do "thank"`, 6},
		{"step added after a pause", "longer", paused, "", 0},
		{"canceled, same code", "", canceled, "", 0},
		{"canceled, step inserted", "inserted", canceled, `found Do "audit"`, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newShop(tt.variant)
			err := wftest.CheckReplay(s.definition(), tt.h)
			if len(s.calls) != 0 {
				t.Errorf("replay ran steps: %v", s.calls)
			}
			if tt.want == "" {
				if err != nil {
					t.Fatalf("CheckReplay: %v", err)
				}
				return
			}
			var d *wftest.Divergence
			if !errors.As(err, &d) || !strings.Contains(err.Error(), tt.want) || d.Index != tt.index {
				t.Fatalf("CheckReplay = %v, want a divergence at %d with %q", err, tt.index, tt.want)
			}
			// The engine's divergence is the cause, unless only the
			// outcome differs.
			var nd *wf.NondeterminismError
			if errors.As(err, &nd) != (d.Index >= 0) || nd != nil && (nd.Index != d.Index || nd.Expected != d.StepID) {
				t.Fatalf("CheckReplay = %v: cause %+v does not match index %d", err, nd, d.Index)
			}
		})
	}
}

// TestCheckReplayBadDefinition: a nil or broken definition is a clear
// error, not a panic.
func TestCheckReplayBadDefinition(t *testing.T) {
	t.Parallel()
	h := runtime.History{WorkflowID: "shop"}
	for _, tt := range []struct {
		name string
		def  *wf.Definition
		want string
	}{
		{"nil", nil, "nil definition"},
		{"broken", wf.New[struct{}, int]("shop", nil), "broken definition"},
	} {
		err := wftest.CheckReplay(tt.def, h)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: CheckReplay = %v, want an error with %q", tt.name, err, tt.want)
		}
	}
}

// TestReplayFile replays a committed history: rewrite it with -update.
func TestReplayFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join("testdata", "shop-paused.json")
	if *update {
		data, err := history(t, false).JSON()
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	wftest.ReplayFile(t, newShop("").definition(), path)
}
