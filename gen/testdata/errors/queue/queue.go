// Package queue has bad queues.
package queue

import "github.com/wfgo/wf"

// In is the input.
type In struct {
	Tenant string  `json:"tenant"`
	Score  float64 `json:"score"`
	Tags   []string
}

// A has bad queue arguments.
//
//wf:workflow a
//wf:queue none
//wf:queue zero concurrency=0
//wf:queue fine concurrency=1
//wf:queue again concurrency=1
type A struct{}

// Run is the body.
func (A) Run(ctx *wf.Context, in In) (string, error) { return "", nil }

// B has a bad rate.
//
//wf:workflow b
//wf:queue bad-rate rate=100
type B struct{}

// Run is the body.
func (B) Run(ctx *wf.Context, in In) (string, error) { return "", nil }

// C has bad fields.
//
//wf:workflow c
//wf:queue fields concurrency=1 partition=tenat priority=Score
type C struct{}

// Run is the body.
func (C) Run(ctx *wf.Context, in In) (string, error) { return "", nil }

// D names a field of a list.
//
//wf:workflow d
//wf:queue lists concurrency=1 partition=Tags
type D struct{}

// Run is the body.
func (D) Run(ctx *wf.Context, in In) (string, error) { return "", nil }

// E declares a queue differently from F.
//
//wf:workflow e
//wf:queue shared concurrency=2
type E struct{}

// Run is the body.
func (E) Run(ctx *wf.Context, in In) (string, error) { return "", nil }

// F declares a queue differently from E.
//
//wf:workflow f
//wf:queue shared concurrency=3
type F struct{}

// Run is the body.
func (F) Run(ctx *wf.Context, in In) (string, error) { return "", nil }

// G has a queue with a scalar input.
//
//wf:workflow g
//wf:queue scalar concurrency=1 partition=x
type G struct{}

// Run is the body.
func (G) Run(ctx *wf.Context, in string) (string, error) { return "", nil }

// NotAWorkflow has a queue without a workflow.
//
//wf:queue orphan concurrency=1
type NotAWorkflow struct{}
