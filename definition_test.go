package wf_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/wfgo/wf"
)

func TestDefinitionErrors(t *testing.T) {
	t.Parallel()
	v1 := wf.New("w", func(*wf.Context, struct{}) (int, error) { return 1, nil })
	other := wf.New("other", func(*wf.Context, struct{}) (int, error) { return 1, nil })
	tests := []struct {
		name string
		def  *wf.Definition
		want string
	}{
		{"empty id", wf.New("", func(*wf.Context, struct{}) (int, error) { return 0, nil }), "workflow ID is empty"},
		{"nil handler", wf.New[struct{}, int]("w", nil), "handler is nil"},
		{"empty version", wf.New("w", func(*wf.Context, struct{}) (int, error) { return 0, nil }, wf.Version("")), "version is empty"},
		{"previous of another workflow", wf.New("w", func(*wf.Context, struct{}) (int, error) { return 0, nil }, wf.Version("v2"), wf.Previous(other)), `belongs to workflow "other"`},
		{"version twice", wf.New("w", func(*wf.Context, struct{}) (int, error) { return 0, nil }, wf.Version("v1"), wf.Previous(v1)), `two definitions of version "v1"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.def.Err()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Err() = %v, want %q", err, tt.want)
			}
			if _, err := tt.def.Execute(t.Context(), wf.Invocation{Journal: &memJournal{}}); err == nil {
				t.Fatal("Execute of a broken definition succeeded")
			}
		})
	}
}

func TestVersionRouting(t *testing.T) {
	t.Parallel()
	v1 := wf.New("greet", func(ctx *wf.Context, name string) (string, error) {
		wf.Sleep(ctx, time.Hour, wf.ID("wait"))
		return "v1 hello " + name, nil
	})
	v2 := wf.New("greet", func(ctx *wf.Context, name string) (string, error) {
		wf.Sleep(ctx, time.Hour, wf.ID("wait"))
		return "v2 hi " + name, nil
	}, wf.Version("v2"), wf.Previous(v1))
	v3 := wf.New("greet", func(ctx *wf.Context, name string) (string, error) {
		return "v3 " + name, nil
	}, wf.Version("v3"), wf.Previous(v2))

	if got := fmt.Sprint(v3.Versions()); got != "[v1 v2 v3]" {
		t.Fatalf("Versions() = %s", got)
	}
	tests := []struct {
		version string
		want    string
		err     bool
	}{
		{"", "v3", false},
		{"v3", "v3", false},
		{"v2", "v2", false},
		{"v1", "v1", false},
		{"v0", "", true},
	}
	for _, tt := range tests {
		d, err := v3.Resolve(tt.version)
		if tt.err {
			var vm *wf.VersionMismatchError
			if !errors.As(err, &vm) || vm.Code() != string(wf.CodeVersionMismatch) || !strings.Contains(err.Error(), "registered: v1, v2, v3") {
				t.Fatalf("Resolve(%q) err = %v", tt.version, err)
			}
			continue
		}
		if err != nil || d.Version() != tt.want {
			t.Fatalf("Resolve(%q) = %v, %v; want %s", tt.version, d, err, tt.want)
		}
	}

	// A run started on v1 finishes on v1 after v3 is deployed.
	h := newHarness(t, v1, "ada")
	h.drive()
	d, err := v3.Resolve("v1")
	if err != nil {
		t.Fatal(err)
	}
	h.def = d
	h.clock = t0.Add(2 * time.Hour)
	if out := h.drive(); string(out.Output) != `"v1 hello ada"` {
		t.Fatalf("resumed on v1: %s", out.Output)
	}
}

func TestMiddlewareOrder(t *testing.T) {
	t.Parallel()
	var trace []string
	type key struct{}
	mw := func(name string) wf.Middleware {
		return wf.Middleware{
			Name: name,
			Run: func(ctx *wf.Context, next func() error) error {
				trace = append(trace, name+" run>")
				ctx.SetValue(key{}, fmt.Sprint(ctx.Value(key{}), "+", name))
				err := next()
				trace = append(trace, name+" run<")
				return err
			},
			Step: func(sc wf.StepContext, next func(wf.StepContext) error) error {
				trace = append(trace, name+" step>"+string(sc.ID()))
				err := next(sc)
				trace = append(trace, name+" step<")
				return err
			},
		}
	}
	def := wf.New("w", func(ctx *wf.Context, _ struct{}) (string, error) {
		trace = append(trace, "handler sees "+ctx.Value(key{}).(string))
		return wf.Step(ctx, "s", func(wf.StepContext) (string, error) {
			trace = append(trace, "fn")
			return "ok", nil
		})
	}, wf.Use(mw("outer"), mw("inner")))
	h := newHarness(t, def, struct{}{})
	if out := h.drive(); out.Status != wf.OutcomeFinished {
		t.Fatalf("status %s %+v", out.Status, out.Error)
	}
	want := []string{
		"outer run>", "inner run>", "handler sees <nil>+outer+inner",
		"outer step>s", "inner step>s", "fn", "inner step<", "outer step<",
		"inner run<", "outer run<",
	}
	if !equalStrings(trace, want) {
		t.Fatalf("trace\n got %q\nwant %q", trace, want)
	}
}

func TestMiddlewareSeesPauseViaDefer(t *testing.T) {
	t.Parallel()
	var cleaned int
	def := wf.New("w", func(ctx *wf.Context, _ struct{}) (int, error) {
		wf.Sleep(ctx, time.Minute)
		return 1, nil
	}, wf.Use(wf.Middleware{Name: "cleanup", Run: func(ctx *wf.Context, next func() error) error {
		defer func() { cleaned++ }()
		return next()
	}}))
	h := newHarness(t, def, struct{}{})
	if out := h.drive(); out.Status != wf.OutcomePaused {
		t.Fatalf("status %s", out.Status)
	}
	if cleaned != 1 {
		t.Fatalf("deferred cleanup ran %d times on pause", cleaned)
	}
}

func TestYield(t *testing.T) {
	t.Parallel()
	const n = 5
	runs := 0
	def := wf.New("loop", func(ctx *wf.Context, _ struct{}) (int, error) {
		sum := 0
		for i := range n {
			v, err := wf.Step(ctx, wf.StepID(fmt.Sprintf("item-%d", i)), func(sc wf.StepContext) (int, error) {
				runs++
				return i, nil
			})
			if err != nil {
				return 0, err
			}
			sum += v
			if i == 1 && ctx.ShouldYield(time.Minute) {
				wf.Yield(ctx)
			}
		}
		return sum, nil
	})
	h := newHarness(t, def, struct{}{})
	h.deadline = t0.Add(30 * time.Second) // less than a minute left: yield after item-1
	out := h.drive()
	if out.Status != wf.OutcomeYielded || runs != 2 {
		t.Fatalf("first: %s after %d steps", out.Status, runs)
	}
	h.deadline = time.Time{}
	out = h.drive()
	if out.Status != wf.OutcomeFinished || string(out.Output) != "10" || runs != n {
		t.Fatalf("second: %s %s after %d steps", out.Status, out.Output, runs)
	}
}

func TestAutoYieldBeforeFreshWork(t *testing.T) {
	t.Parallel()
	runs := 0
	def := wf.New("w", func(ctx *wf.Context, _ struct{}) (int, error) {
		for i := range 3 {
			_ = wf.Do(ctx, wf.StepID(fmt.Sprintf("s-%d", i)), func(sc wf.StepContext) error { runs++; return nil })
		}
		return runs, nil
	})
	h := newHarness(t, def, struct{}{})
	h.deadline = t0.Add(time.Second)
	h.minYield = 5 * time.Second
	out := h.drive()
	if out.Status != wf.OutcomeYielded || runs != 0 || len(out.Pending) != 0 {
		t.Fatalf("got %s runs=%d pending=%d; want a yield before any fresh step", out.Status, runs, len(out.Pending))
	}
}

func TestEmitAndPublisher(t *testing.T) {
	t.Parallel()
	def := wf.New("w", func(ctx *wf.Context, _ struct{}) (int, error) {
		wf.Emit(ctx, "progress", map[string]int{"pct": 50})
		_ = wf.Do(ctx, "a", func(wf.StepContext) error { return nil })
		wf.Sleep(ctx, time.Minute)
		wf.Emit(ctx, "progress", map[string]int{"pct": 100})
		return 1, nil
	})
	h := newHarness(t, def, struct{}{})
	h.drive()
	h.clock = t0.Add(time.Hour)
	h.drive()
	var custom []string
	var types []wf.EventType
	for _, ev := range h.published {
		types = append(types, ev.Type)
		if ev.Type == wf.Custom {
			custom = append(custom, ev.Name+string(ev.Value))
		}
	}
	if !equalStrings(custom, []string{`progress{"pct":50}`, `progress{"pct":100}`}) {
		t.Fatalf("custom events %q (replay must not re-emit)", custom)
	}
	if types[0] != wf.RunStarted {
		t.Fatalf("first published %s", types[0])
	}
	for _, ev := range h.events() {
		if !ev.Type.Durable() {
			t.Fatalf("live event %s stored", ev.Type)
		}
	}

	// A panicking publisher does not break the run.
	h2 := newHarness(t, def, struct{}{})
	inv := h2.invocation()
	inv.Publish = func(wf.Event) { panic("subscriber crashed") }
	out, err := def.Execute(t.Context(), inv)
	if err != nil || out.Status != wf.OutcomePaused {
		t.Fatalf("with a panicking publisher: %s, %v", out.Status, err)
	}
}

func TestAttach(t *testing.T) {
	t.Parallel()
	calls := map[string]int{}
	h := newHarness(t, fulfillment(calls), orderIn{OrderID: "o", DelayMs: 1})
	h.drive()
	st := wf.Attach(h.events())
	if st.Status != wf.StatusPaused || len(st.Awaiting) != 1 || st.Awaiting[0].Kind != wf.AwaitTimer || st.Steps != 1 {
		t.Fatalf("attach paused: %+v", st)
	}
	h.clock = t0.Add(time.Second)
	h.drive()
	h.deliver(wf.Delivery{StepID: "__wait-0", SignalID: "x", Name: "payment-received", Payload: json.RawMessage(`{"paymentId":"p"}`)})
	h.drive()
	st = wf.Attach(h.events())
	if st.Status != wf.StatusFinished || !strings.Contains(string(st.Output), `"shipped":true`) || st.Steps != 2 {
		t.Fatalf("attach finished: %+v", st)
	}
	if calls["ship-order"] != 1 {
		t.Fatal("attach must not run code")
	}
}

func TestInputDecodeError(t *testing.T) {
	t.Parallel()
	def := wf.New("w", func(ctx *wf.Context, in orderIn) (int, error) { return in.DelayMs, nil })
	h := newHarness(t, def, struct{}{})
	h.input = json.RawMessage(`{"delayMs":"soon"}`)
	out := h.drive()
	if out.Status != wf.OutcomeErrored || out.Error.Code != wf.CodeValidation {
		t.Fatalf("got %s %+v", out.Status, out.Error)
	}
	if err := def.ValidateInput(json.RawMessage(`{`)); err == nil {
		t.Fatal("ValidateInput accepted invalid JSON")
	}
}

func TestOutputValidation(t *testing.T) {
	t.Parallel()
	def := wf.New("w", func(ctx *wf.Context, _ struct{}) (int, error) { return -1, nil },
		wf.ValidateOutput(func(raw json.RawMessage) error {
			if string(raw) == "-1" {
				return &wf.ValidationError{Subject: "output", Issues: []wf.ValidationIssue{{Path: "", Message: "must be >= 0"}}}
			}
			return nil
		}))
	out := newHarness(t, def, struct{}{}).drive()
	if out.Status != wf.OutcomeErrored || out.Error.Code != wf.CodeValidation || out.Error.Message != "invalid output: /: must be >= 0" {
		t.Fatalf("got %s %+v", out.Status, out.Error)
	}
}

func TestStepOptionsDefaults(t *testing.T) {
	t.Parallel()
	calls := 0
	def := wf.New("w", func(ctx *wf.Context, _ struct{}) (int, error) {
		return wf.Step(ctx, "flaky", func(sc wf.StepContext) (int, error) {
			calls++
			if calls < 3 {
				return 0, errors.New("try again")
			}
			return calls, nil
		})
	}, wf.StepOptions("flaky", wf.WithRetry(wf.RetryPolicy{MaxAttempts: 3}), wf.WithMeta(map[string]string{"from": "directive"})))
	h := newHarness(t, def, struct{}{})
	out := h.drive()
	if string(out.Output) != "3" {
		t.Fatalf("output %s %+v", out.Output, out.Error)
	}
	if ev := h.events()[0]; ev.Attempts != 3 || ev.Meta["from"] != "directive" {
		t.Fatalf("step event %+v", ev)
	}
}
