// Package versions has broken version chains.
package versions

import "github.com/wfgo/wf"

type (
	// In is the input.
	In struct{}
	// Out is the output.
	Out struct{}
)

// A names previous versions that are not.
//
//wf:workflow a version=v3 previous=AV2,In,Other,Unknown,A
type A struct{}

// AV2 is a version of a.
//
//wf:workflow a version=v2
//wf:schedule on-an-old-version every=1h
type AV2 struct{}

// AV2b repeats version v2 and is a second latest.
//
//wf:workflow a version=v2
type AV2b struct{}

// Other is another workflow.
//
//wf:workflow other
type Other struct{}

// C1 and C2 list each other.
//
//wf:workflow c version=v1 previous=C2
type C1 struct{}

// C2 lists C1.
//
//wf:workflow c version=v2 previous=C1
type C2 struct{}

// Two latest versions of d.
//
//wf:workflow d version=v1
type D1 struct{}

// D2 is the second latest.
//
//wf:workflow d version=v2
type D2 struct{}

func (A) Run(ctx *wf.Context, in In) (Out, error)     { return Out{}, nil }
func (AV2) Run(ctx *wf.Context, in In) (Out, error)   { return Out{}, nil }
func (AV2b) Run(ctx *wf.Context, in In) (Out, error)  { return Out{}, nil }
func (Other) Run(ctx *wf.Context, in In) (Out, error) { return Out{}, nil }
func (C1) Run(ctx *wf.Context, in In) (Out, error)    { return Out{}, nil }
func (C2) Run(ctx *wf.Context, in In) (Out, error)    { return Out{}, nil }
func (D1) Run(ctx *wf.Context, in In) (Out, error)    { return Out{}, nil }
func (D2) Run(ctx *wf.Context, in In) (Out, error)    { return Out{}, nil }
