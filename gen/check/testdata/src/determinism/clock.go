// Package determinism exercises the determinism analyzer.
package determinism

import (
	"math/rand"
	randv2 "math/rand/v2"
	"os"
	"time"

	"github.com/wfgo/wf"
)

type Order struct{}

func (o *Order) Run(ctx *wf.Context, in string) (string, error) {
	start := time.Now()             // want `time.Now in a workflow body returns a different instant on every replay; use wf.Now\(ctx\)`
	_ = time.Since(start)           // want `time.Since in a workflow body reads the wall clock, which differs on every replay; use wf.Now\(ctx\).Sub\(t\)`
	_ = time.Until(start)           // want `time.Until in a workflow body reads the wall clock, which differs on every replay; use t.Sub\(wf.Now\(ctx\)\)`
	time.Sleep(time.Second)         // want `time.Sleep in a workflow body blocks the invocation and is not durable; use wf.Sleep\(ctx, d\)`
	<-time.After(time.Second)       // want `time.After in a workflow body starts a real timer` `channel receive in a workflow body`
	_ = time.Tick(time.Second)      // want `time.Tick in a workflow body starts a real timer`
	_ = time.NewTimer(time.Second)  // want `time.NewTimer in a workflow body starts a real timer`
	_ = time.NewTicker(time.Second) // want `time.NewTicker in a workflow body starts a real timer`
	clock := time.Now               // want `time.Now in a workflow body`
	_ = clock

	_ = rand.Intn(10)   // want `math/rand.Intn in a workflow body returns different values on replay; use wf.UUID\(ctx\)`
	_ = randv2.IntN(10) // want `math/rand/v2.IntN in a workflow body returns different values on replay`

	_ = os.Getenv("REGION")       // want `os.Getenv in a workflow body can change between replays; read it inside a wf.Step`
	_, _ = os.LookupEnv("REGION") // want `os.LookupEnv in a workflow body`
	_ = os.Environ()              // want `os.Environ in a workflow body`

	// What the wf API offers instead, and time values that do not read the clock.
	now := wf.Now(ctx)
	wf.Sleep(ctx, time.Minute)
	_ = wf.UUID(ctx)
	_ = now.Add(time.Hour).Sub(now)
	_ = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var r *rand.Rand
	_ = r
	return "", nil
}

// Step functions run outside replay and may read the clock, draw random
// numbers and read the environment.
func (o *Order) Charge(ctx *wf.Context) error {
	_, err := wf.Step(ctx, StepCharge, func(sc wf.StepContext) (int64, error) {
		_ = os.Getenv("KEY")
		return time.Now().UnixNano() + rand.Int63(), nil
	})
	if err != nil {
		return err
	}
	quote := func(sc wf.StepContext) error {
		time.Sleep(time.Millisecond)
		return nil
	}
	return wf.Do(ctx, StepQuote, quote)
}

// Nested literals belong to the workflow body.
func (o *Order) Nested(ctx *wf.Context) {
	later := func() time.Time {
		return time.Now() // want `time.Now in a workflow body`
	}
	_ = later
}

// A function literal with a *wf.Context parameter is a workflow body of its
// own, wherever it appears.
var Handler = func(ctx *wf.Context, in string) (string, error) {
	return time.Now().String(), nil // want `time.Now in a workflow body`
}

// Code outside workflow bodies is not checked.
func Helper() time.Time {
	time.Sleep(time.Millisecond)
	return time.Now()
}

const (
	StepCharge wf.StepID = "charge"
	StepQuote  wf.StepID = "quote"
)
