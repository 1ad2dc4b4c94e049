package wf_test

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wfgo/wf"
)

// A step without a timeout runs on the handler's goroutine; an aborted
// invocation still returns while its function ignores its context, and
// nothing runs or is written once the function returns.
func TestAbortedInvocationReturnsWhileStepIgnoresContext(t *testing.T) {
	t.Parallel()
	started, release, returned := make(chan struct{}), make(chan struct{}), make(chan struct{})
	var after atomic.Bool
	def := wf.New("w", func(ctx *wf.Context, _ struct{}) (int, error) {
		if _, err := wf.Step(ctx, "first", func(wf.StepContext) (int, error) { return 1, nil }); err != nil {
			return 0, err
		}
		if _, err := wf.Step(ctx, "stuck", func(wf.StepContext) (int, error) {
			defer close(returned)
			close(started)
			<-release // ignores its context
			return 2, nil
		}); err != nil {
			return 0, err
		}
		after.Store(true)
		return wf.Step(ctx, "after", func(wf.StepContext) (int, error) { return 3, nil })
	})
	h := newHarness(t, def, struct{}{})
	ctx, cancel := context.WithCancel(context.Background())
	type result struct {
		out wf.Outcome
		err error
	}
	ch := make(chan result, 1)
	go func() {
		out, err := def.Execute(ctx, h.invocation())
		ch <- result{out, err}
	}()
	<-started
	cancel()
	select {
	case r := <-ch:
		if !errors.Is(r.err, context.Canceled) {
			t.Fatalf("Execute: %v, %+v; want context.Canceled", r.err, r.out)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Execute did not return while a step ignored its context")
	}
	logged := h.kinds()
	close(release)
	<-returned
	time.Sleep(20 * time.Millisecond) // time for a wrong write to land
	if after.Load() {
		t.Fatal("the handler went on after Execute returned")
	}
	if got := h.kinds(); !slices.Equal(got, logged) {
		t.Fatalf("log %v after the step returned, want %v", got, logged)
	}
	if want := "STEP_FINISHED:first"; !slices.Contains(logged, want) || len(logged) != 1 {
		t.Fatalf("log %v, want only %s", logged, want)
	}
}

// A canceled invocation runs no later step's function.
func TestCanceledInvocationStartsNoStep(t *testing.T) {
	t.Parallel()
	var ran atomic.Int32
	ctx, cancel := context.WithCancel(context.Background())
	def := wf.New("w", func(ctx *wf.Context, _ struct{}) (int, error) {
		if _, err := wf.Step(ctx, "first", func(wf.StepContext) (int, error) { cancel(); return 1, nil }); err != nil {
			return 0, err
		}
		return wf.Step(ctx, "second", func(wf.StepContext) (int, error) { ran.Add(1); return 2, nil })
	})
	h := newHarness(t, def, struct{}{})
	if _, err := def.Execute(ctx, h.invocation()); !errors.Is(err, context.Canceled) {
		t.Fatalf("Execute: %v, want context.Canceled", err)
	}
	if n := ran.Load(); n != 0 {
		t.Fatalf("second step ran %d times after the invocation was canceled", n)
	}
}

// Panics and runtime.Goexit in a step's function are reported, on the
// handler's goroutine (no timeout) and in a goroutine of the attempt's own
// (a timeout): each is a failed attempt, retried per the step's policy.
// A Goexit on the handler's goroutine ends that invocation (the goroutine
// is gone): its retry is a durable retry wait, due at once, that the next
// invocation takes; without retries left, the next invocation hands the
// step's failure to the workflow's code, which here returns it.
func TestStepPanicAndGoexit(t *testing.T) {
	t.Parallel()
	retry := wf.WithRetry(wf.RetryPolicy{MaxAttempts: 2})
	timeout := wf.WithTimeout(time.Minute)
	tests := []struct {
		name     string
		exit     func()
		opts     []wf.StepOption
		wantKind []string // the log
		wantMsg  string   // the run's error, "" when it finishes
	}{
		{"panic inline", func() { panic("boom") }, []wf.StepOption{retry},
			[]string{"STEP_FINISHED:s", "RUN_FINISHED"}, ""},
		{"panic aside", func() { panic("boom") }, []wf.StepOption{retry, timeout},
			[]string{"STEP_FINISHED:s", "RUN_FINISHED"}, ""},
		{"goexit aside", runtime.Goexit, []wf.StepOption{retry, timeout},
			[]string{"STEP_FINISHED:s", "RUN_FINISHED"}, ""},
		{"goexit inline", runtime.Goexit, []wf.StepOption{retry},
			[]string{"SIGNAL_AWAITED:s#retry-2", "SIGNAL_RESOLVED:s#retry-2", "STEP_FINISHED:s", "RUN_FINISHED"}, ""},
		{"goexit inline, backoff", runtime.Goexit, []wf.StepOption{wf.WithRetry(wf.RetryPolicy{MaxAttempts: 2, Base: time.Minute})},
			[]string{"SIGNAL_AWAITED:s#retry-2", "SIGNAL_RESOLVED:s#retry-2", "STEP_FINISHED:s", "RUN_FINISHED"}, ""},
		{"goexit inline, no retry", runtime.Goexit, nil,
			[]string{"STEP_FAILED:s", "RUN_ERRORED"}, "exited without returning (runtime.Goexit)"},
		{"panic inline, no retry", func() { panic("boom") }, nil,
			[]string{"STEP_FAILED:s", "RUN_ERRORED"}, "boom"},
	}
	// A Goexit on the handler's goroutine ends the first invocation.
	firstOutcome := map[string]wf.OutcomeStatus{
		"goexit inline":           wf.OutcomeYielded,
		"goexit inline, backoff":  wf.OutcomePaused,
		"goexit inline, no retry": wf.OutcomeYielded,
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			def := wf.New("w", func(ctx *wf.Context, _ struct{}) (int, error) {
				return wf.Step(ctx, "s", func(sc wf.StepContext) (int, error) {
					if sc.Attempt() == 1 {
						tt.exit()
					}
					return sc.Attempt(), nil
				}, tt.opts...)
			})
			h := newHarness(t, def, struct{}{})
			out := h.drive()
			if want, ok := firstOutcome[tt.name]; ok && out.Status != want {
				t.Fatalf("first invocation: %s, want %s", out.Status, want)
			}
			for i := 0; i < 3 && (out.Status == wf.OutcomeYielded || out.Status == wf.OutcomePaused); i++ {
				if out.Status == wf.OutcomePaused {
					h.clock = h.clock.Add(time.Hour) // past the retry wait
				}
				out = h.drive()
			}
			if got := h.kinds(); !slices.Equal(got, tt.wantKind) {
				t.Fatalf("log %v, want %v", got, tt.wantKind)
			}
			if tt.wantMsg == "" {
				if out.Status != wf.OutcomeFinished || string(out.Output) != "2" {
					t.Fatalf("got %s %s %+v, want finished with 2", out.Status, out.Output, out.Error)
				}
				return
			}
			if out.Status != wf.OutcomeErrored || !strings.Contains(out.Error.Message, tt.wantMsg) {
				t.Fatalf("got %s %+v, want errored with %q", out.Status, out.Error, tt.wantMsg)
			}
		})
	}
}

// Step middleware reaches the attempt's function through next: a copy made
// with WithContext carries its values to fn, on the handler's goroutine and
// in an attempt's own; a StepContext not derived from the middleware's own
// fails the attempt instead of running fn without its identity.
func TestStepMiddlewareNext(t *testing.T) {
	t.Parallel()
	type key struct{}
	tests := []struct {
		name    string
		derive  func(sc wf.StepContext) wf.StepContext
		opts    []wf.StepOption
		want    string // the run's output, or the error's text
		wantErr bool
	}{
		{"with context", func(sc wf.StepContext) wf.StepContext {
			return sc.WithContext(context.WithValue(sc, key{}, "v"))
		}, nil, `"s:v"`, false},
		{"with context, timeout", func(sc wf.StepContext) wf.StepContext {
			return sc.WithContext(context.WithValue(sc, key{}, "v"))
		}, []wf.StepOption{wf.WithTimeout(time.Minute)}, `"s:v"`, false},
		{"foreign", func(sc wf.StepContext) wf.StepContext {
			return wf.StepContext{Context: sc}
		}, nil, "not derived from its own", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var ran atomic.Bool
			mw := wf.Middleware{Name: "derive", Step: func(sc wf.StepContext, next func(wf.StepContext) error) error {
				return next(tt.derive(sc))
			}}
			def := wf.New("w", func(ctx *wf.Context, _ struct{}) (string, error) {
				return wf.Step(ctx, "s", func(sc wf.StepContext) (string, error) {
					ran.Store(true)
					v, _ := sc.Value(key{}).(string)
					return string(sc.ID()) + ":" + v, nil
				}, tt.opts...)
			}, wf.Use(mw))
			out := newHarness(t, def, struct{}{}).drive()
			if tt.wantErr {
				if out.Status != wf.OutcomeErrored || !strings.Contains(out.Error.Message, tt.want) || ran.Load() {
					t.Fatalf("got %s %+v (fn ran: %v), want errored with %q, fn not run", out.Status, out.Error, ran.Load(), tt.want)
				}
				return
			}
			if out.Status != wf.OutcomeFinished || string(out.Output) != tt.want {
				t.Fatalf("got %s %s %+v, want %s", out.Status, out.Output, out.Error, tt.want)
			}
		})
	}
}
