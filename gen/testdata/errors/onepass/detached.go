// Package onepass has directive errors in two files, several on one
// directive: wfgen reports all of them in one pass, and none that follows
// only from another.
package onepass

import "github.com/wfgo/wf"

//wf:workflow orders version=v2 previous=OrdersV1

// Orders is separated from its directive, whose previous= names no type.
type Orders struct{}

// Run is the body.
func (Orders) Run(ctx *wf.Context, in string) (string, error) { return in, nil }

// Digest has a detached workflow directive and a schedule whose input
// names nothing.
//
//wf:workflow digest

//wf:schedule nightly every=24h input=nightlyInput
type Digest struct{}

// Run is the body.
func (Digest) Run(ctx *wf.Context, in string) (string, error) { return in, nil }
