// Package clash declares names the generated file imports, which must
// then be aliased.
package clash

import "github.com/wfgo/wf"

var schema = "declared by the package"

func runtime() string { return schema }

// Job is a workflow.
//
//wf:workflow job
type Job struct{}

// Run returns the input.
func (Job) Run(ctx *wf.Context, in string) (string, error) { return in + runtime(), nil }
