// Package app is deployed on the worker with the metrics option: its
// generated main serves /metrics through host/metrics.
//
//wf:hosts worker metrics store=sqlite
package app

import (
	"context"

	"github.com/wfgo/wf"
)

// Greet says hello.
//
//wf:workflow greet
//wf:step hello
type Greet struct{}

// Nobody is Greet's input.
type Nobody struct{}

// Run says hello.
func (Greet) Run(ctx *wf.Context, _ Nobody) (string, error) {
	return wf.Step(ctx, GreetStepHello, func(wf.StepContext) (string, error) { return "hello", nil })
}

// HostWorkflows needs nothing from the environment.
func HostWorkflows(context.Context, func(string) string) (Workflows, error) {
	return Workflows{Greet: &Greet{}}, nil
}
