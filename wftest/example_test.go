package wftest_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/wftest"
)

// greeting waits a day, then greets.
func greeting() *wf.Definition {
	return wf.New("greeting", func(ctx *wf.Context, name string) (string, error) {
		wf.Sleep(ctx, 24*time.Hour)
		return wf.Step(ctx, "greet", func(wf.StepContext) (string, error) { return "hello " + name, nil })
	})
}

func ExampleNew() {
	t := &testing.T{} // in a test, the test's own t
	env := wftest.New(t, runtime.Workflow{Definition: greeting()})
	env.Start("greeting", "g-1", "ada")
	fmt.Println(env.Run("g-1").Status)
	env.Advance(24 * time.Hour)
	var out string
	env.Output("g-1", &out)
	fmt.Println(out)
	// Output:
	// paused
	// hello ada
}

func ExampleCheckReplay() {
	t := &testing.T{}
	env := wftest.New(t, runtime.Workflow{Definition: greeting()})
	env.Start("greeting", "g-1", "ada")
	history := env.Export("g-1") // commit history.JSON() as a test file

	// The code now makes a call before the recorded sleep.
	changed := wf.New("greeting", func(ctx *wf.Context, name string) (string, error) {
		if _, err := wf.Step(ctx, "lookup", func(wf.StepContext) (int, error) { return 1, nil }); err != nil {
			return "", err
		}
		wf.Sleep(ctx, 24*time.Hour)
		return "hello " + name, nil
	})
	fmt.Println(wftest.CheckReplay(greeting(), history))
	fmt.Println(wftest.CheckReplay(changed, history))
	// Output:
	// <nil>
	// wftest: run g-1 of workflow "greeting" version "v1" diverges from its history at event 0 (operation "__sleep-0"): nondeterminism: expected operation "__sleep-0" (SIGNAL_AWAITED at log index 0), found Step "lookup"
}
