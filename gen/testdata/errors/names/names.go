// Package names declares names the generated code would declare too.
//
//wf:hosts vercel heroku vercel
package names

import "github.com/wfgo/wf"

// Job is a workflow.
//
//wf:workflow job
//wf:step a-b
//wf:step ab
type Job struct{}

// Run is the body.
func (Job) Run(ctx *wf.Context, in string) (string, error) { return in, nil }

// StartJob is taken.
func StartJob() {}

// JobStepAb is taken.
const JobStepAb = 1

var Registrations = 0

// Paid is a signal.
//
//wf:signal paid
type Paid struct{}

// WaitPaid is taken.
type WaitPaid struct{}
