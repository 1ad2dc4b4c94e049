package versions

import "github.com/wfgo/wf"

// In is every version's input.
type In struct {
	N int `json:"n"`
}

// Out is every version's output.
type Out struct {
	N int `json:"n"`
}

// Counter is the latest version; V2 and V1 run the runs started on them.
//
//wf:workflow counter version=v3 previous=CounterV2,CounterV1
//wf:step add
type Counter struct{ Step int }

// Run adds Step.
func (c *Counter) Run(ctx *wf.Context, in In) (Out, error) { return Out{}, nil }

// CounterV2 is version v2.
//
//wf:workflow counter version=v2 previous=CounterV1
//wf:step add
type CounterV2 struct{}

// Run adds 2.
func (CounterV2) Run(ctx *wf.Context, in In) (Out, error) { return Out{}, nil }

// CounterV1 is version v1.
//
//wf:workflow counter
//wf:step add
type CounterV1 struct{}

// Run adds 1.
func (CounterV1) Run(ctx *wf.Context, in In) (Out, error) { return Out{}, nil }

// Other is a second workflow in the package.
//
//wf:workflow other version=2024-05
type Other struct{}

// Run does nothing.
func (*Other) Run(ctx *wf.Context, in string) (int, error) { return 0, nil }
