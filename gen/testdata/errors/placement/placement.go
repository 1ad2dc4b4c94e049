//wf:workflow on-the-package

//wf:hosts vercel

// Package placement has misplaced directives.
package placement

import "github.com/wfgo/wf"

//wf:workflow detached

// A is separated from its directive by a blank line.
type A struct{}

// Run is the body.
func (A) Run(ctx *wf.Context, in string) (string, error) { return in, nil }

// New is a function.
//
//wf:workflow on-a-func
func New() *A { return nil }

// V is a variable.
//
//wf:signal on-a-var
var V = 1

// I is an interface.
//
//wf:workflow on-an-interface
type I interface{}

// G is generic.
//
//wf:signal on-a-generic
type G[T any] struct{ V T }

// Al is an alias.
//
//wf:signal on-an-alias
type Al = A

// H is a type.
//
//wf:hosts vercel
type H struct{}

// Grouped types.
//
//wf:workflow on-a-group
type (
	// B is in a group.
	//
	//wf:signal in-a-group
	B struct{}

	//wf:signal detached-in-a-group

	C struct{}
)

type D struct{} //wf:signal on-the-line

// Run is the body.
func (A) Other(ctx *wf.Context) {
	//wf:step inside-a-body
}

//wf:signal at-the-end
