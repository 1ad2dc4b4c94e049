// Package spelling has near-miss directives.
package spelling

import "github.com/wfgo/wf"

// A has misspelled directives.
//
// The prose mentions wf:workflow, which is not a directive here.
// wf: the prose continues.
//
// wf:workflow a
// wf:Step charge
// WF:approval review
// wf: signal paid
// wf:
//
//wf:stpe ship
//wf:workflows a
type A struct{}

// Run is the body.
func (A) Run(ctx *wf.Context, in string) (string, error) { return in, nil }
