// Package occupied has a hand-written file where wfgen writes its output.
package occupied

import "github.com/wfgo/wf"

// Job is a workflow.
//
//wf:workflow job
type Job struct{}

// Run is the body.
func (Job) Run(ctx *wf.Context, in string) (string, error) { return in, nil }
