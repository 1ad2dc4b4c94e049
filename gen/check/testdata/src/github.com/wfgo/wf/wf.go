// Package wf is a stand-in for github.com/wfgo/wf in the analyzers' tests:
// the authoring API's signatures with empty bodies.
package wf

import (
	"context"
	"time"
)

type Context struct{}

func (c *Context) RunID() string                      { return "" }
func (c *Context) ShouldYield(min time.Duration) bool { return false }
func (c *Context) Value(key any) any                  { return nil }

type StepContext struct{ context.Context }

func (sc StepContext) ID() StepID { return "" }

type StepID string

type StepOption func()

type OpOption interface{ applyOp() }

type WaitOption interface{ applyWait() }

type IDOption string

func (IDOption) applyOp()   {}
func (IDOption) applyWait() {}

func ID(id string) IDOption { return IDOption(id) }

type ApprovalRequest struct {
	ID    string
	Title string
}

type Approval struct{ Approved bool }

func Step[T any](ctx *Context, id StepID, fn func(sc StepContext) (T, error), opts ...StepOption) (T, error) {
	var zero T
	return zero, nil
}

func Do(ctx *Context, id StepID, fn func(sc StepContext) error, opts ...StepOption) error {
	return nil
}

func Sleep(ctx *Context, d time.Duration, opts ...OpOption)       {}
func SleepUntil(ctx *Context, t time.Time, opts ...OpOption)      {}
func Now(ctx *Context, opts ...OpOption) time.Time                { return time.Time{} }
func UUID(ctx *Context, opts ...OpOption) string                  { return "" }
func Emit(ctx *Context, name string, value any)                   {}
func Yield(ctx *Context)                                          {}
func Approve(ctx *Context, req ApprovalRequest) (Approval, error) { return Approval{}, nil }

func WaitForEvent[T any](ctx *Context, name string, opts ...WaitOption) (T, error) {
	var zero T
	return zero, nil
}
