// Package hooksig declares HostWorkflows with the wrong signature.
//
//wf:hosts cron
package hooksig

import (
	"context"

	"github.com/wfgo/wf"
)

// W is a workflow.
//
//wf:workflow w
type W struct{}

// Run is the body.
func (W) Run(ctx *wf.Context, in string) (string, error) { return in, nil }

// HostWorkflows forgets getenv.
func HostWorkflows(ctx context.Context) (Workflows, error) { return Workflows{}, nil }
