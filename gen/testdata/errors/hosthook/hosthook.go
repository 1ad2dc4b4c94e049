// Package hosthook lists hosts but has no HostWorkflows.
//
//wf:hosts railway
package hosthook

import "github.com/wfgo/wf"

// W is a workflow.
//
//wf:workflow w
type W struct{}

// Run is the body.
func (W) Run(ctx *wf.Context, in string) (string, error) { return in, nil }
