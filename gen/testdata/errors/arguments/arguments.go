// Package arguments has directives with bad arguments.
package arguments

import "github.com/wfgo/wf"

// A has bad arguments.
//
//wf:workflow Fulfillment_Orders version=V2 retires=3
//wf:step charge retry=3 retry=4 backoff=linear base=fast timeout=-1s
//wf:step ship timeout=5 cap=1s
//wf:step pack retry=0
//wf:step label retry=2 backoff=exponential base=2s cap=1s
//wf:step box retry=2 extra
//wf:step wrap lokal local=true
//wf:step retry=2
//wf:step
//wf:approval review title="Unterminated
//wf:approval sign title=Sign"ed"
//wf:approval stamp =x
//wf:approval seal title=
//wf:schedule nightly every=15m input=not-an-ident
type A struct{}

// Run is the body.
func (A) Run(ctx *wf.Context, in string) (string, error) { return in, nil }

// P has a key on a directive that takes none.
//
//wf:signal paid name=x
type P struct{}

// Q lists previous versions badly.
//
//wf:workflow q previous=A,,B
type Q struct{}

// Run is the body.
func (Q) Run(ctx *wf.Context, in string) (string, error) { return in, nil }
