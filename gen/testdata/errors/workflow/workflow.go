// Package workflow has workflow types that do not fit.
package workflow

import "github.com/wfgo/wf"

// NoRun has no Run method.
//
//wf:workflow no-run
type NoRun struct{}

// BadRun has a Run method of the wrong shape.
//
//wf:workflow bad-run
type BadRun struct{}

// Run is missing the context.
func (BadRun) Run(in string) (string, error) { return in, nil }

// Twice has two workflow directives and a signal one.
//
//wf:workflow twice
//wf:workflow twice-again
//wf:signal twice-signal
type Twice struct{}

// Run is the body.
func (Twice) Run(ctx *wf.Context, in string) (string, error) { return in, nil }

// Steps repeats IDs.
//
//wf:workflow steps
//wf:step charge
//wf:step charge retry=2
//wf:approval charge
//wf:approval review
//wf:approval review
type Steps struct{}

// Run is the body.
func (Steps) Run(ctx *wf.Context, in string) (string, error) { return in, nil }

// Orphan has steps but is no workflow.
//
//wf:step orphan-step
//wf:approval orphan-approval
//wf:schedule orphan-schedule every=1h
type Orphan struct{}

// Anonymous takes an anonymous struct.
//
//wf:workflow anonymous
type Anonymous struct{}

// Run is the body.
func (Anonymous) Run(ctx *wf.Context, in struct{ A int }) (string, error) { return "", nil }

// Broken uses a type that does not exist.
//
//wf:workflow broken
type Broken struct{}

// Run is the body.
func (Broken) Run(ctx *wf.Context, in Missing) (string, error) { return "", nil }

// Paid is a signal whose name another type takes too.
//
//wf:signal paid
type Paid struct{}

// PaidAgain is a second payload for signal paid.
//
//wf:signal paid
type PaidAgain struct{}
