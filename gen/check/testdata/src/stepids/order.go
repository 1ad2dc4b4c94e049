// Package stepids exercises the stepids analyzer.
package stepids

import (
	"fmt"

	"github.com/wfgo/wf"
)

const stepLegacy = "legacy"

// stepManual is a hand-written wf.StepID constant: allowed.
const stepManual wf.StepID = "manual"

type Order struct{}

func (o *Order) Run(ctx *wf.Context, items []string) error {
	if _, err := wf.Step(ctx, OrderStepReserve, reserve); err != nil {
		return err
	}
	_ = wf.Do(ctx, "charge-card", noop)            // want `literal step ID bypasses the generated constants: declare "charge-card" with //wf:step on the workflow type and pass its generated constant`
	_ = wf.Do(ctx, stepLegacy, noop)               // want `literal step ID bypasses the generated constants: declare "legacy"`
	_ = wf.Do(ctx, wf.StepID("converted"), noop)   // want `literal step ID bypasses the generated constants: declare "converted"`
	_ = wf.Do(ctx, OrderStepCharge+"-again", noop) // want `literal step ID bypasses the generated constants: declare "charge-again"`
	_, _ = wf.Step[int](ctx, "typed", reserve)     // want `literal step ID bypasses the generated constants: declare "typed"`
	_ = wf.Do(ctx, (OrderStepCharge), noop)
	_ = wf.Do(ctx, stepManual, noop)

	// IDs built at run time are how loops get one ID per iteration.
	for i, item := range items {
		_ = wf.Do(ctx, wf.StepID(fmt.Sprintf("pack-%d", i)), noop)
		_ = wf.Do(ctx, wf.StepID(string(OrderStepShip)+"-"+item), noop)
	}

	_ = wf.Do(ctx, OrderStepNotify, noop) // want `step ID OrderStepNotify used twice in this workflow body \(also at order.go:36\): a run that reaches both fails; declare a separate //wf:step for each call`
	_ = wf.Do(ctx, OrderStepNotify, noop) // want `step ID OrderStepNotify used twice in this workflow body \(also at order.go:35\)`
	return nil
}

// Exclusive branches may share a step ID: a run reaches only one.
func (o *Order) Ship(ctx *wf.Context, express bool, kind int) error {
	if express {
		_ = wf.Do(ctx, OrderStepShip, noop)
	} else if kind > 0 {
		_ = wf.Do(ctx, OrderStepShip, noop)
	} else {
		_ = wf.Do(ctx, OrderStepShip, noop)
	}
	switch kind {
	case 1:
		_ = wf.Do(ctx, OrderStepCharge, noop)
	case 2:
		_ = wf.Do(ctx, OrderStepCharge, noop) // want `step ID OrderStepCharge used twice in this workflow body \(also at order.go:56\)`
		fallthrough
	case 3:
		_ = wf.Do(ctx, OrderStepCharge, noop) // want `step ID OrderStepCharge used twice in this workflow body \(also at order.go:53\)`
	}
	if express {
		_ = wf.Do(ctx, OrderStepReserve, noop) // want `step ID OrderStepReserve used twice in this workflow body \(also at order.go:61\)`
	}
	_ = wf.Do(ctx, OrderStepReserve, noop) // want `step ID OrderStepReserve used twice in this workflow body \(also at order.go:59\)`
	return nil
}

// Each workflow body counts its own uses.
func (o *Order) Other(ctx *wf.Context) error {
	return wf.Do(ctx, OrderStepNotify, noop)
}

// Literals nested in a body belong to it; two workflow literals in one
// function are two bodies.
func Register(add func(func(*wf.Context) error)) {
	add(func(ctx *wf.Context) error {
		retry := func() error { return wf.Do(ctx, OrderStepNotify, noop) } // want `step ID OrderStepNotify used twice in this workflow body \(also at order.go:76\)`
		_ = retry()
		return wf.Do(ctx, OrderStepNotify, noop) // want `step ID OrderStepNotify used twice in this workflow body \(also at order.go:74\)`
	})
	add(func(ctx *wf.Context) error {
		return wf.Do(ctx, OrderStepNotify, noop)
	})
}

// A step ID outside a workflow body is still checked for literals.
type saga struct{ ctx *wf.Context }

func (s *saga) refund() error {
	return wf.Do(s.ctx, "refund-now", noop) // want `literal step ID bypasses the generated constants`
}

func reserve(sc wf.StepContext) (int, error) { return 0, nil }

func noop(sc wf.StepContext) error { return nil }
