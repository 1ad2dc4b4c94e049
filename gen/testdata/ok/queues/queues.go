// Package queues has workflows on queues.
package queues

import (
	"github.com/wfgo/wf"
)

// Tenant names a customer.
type Tenant string

// ImportIn is an import's input.
type ImportIn struct {
	Tenant   Tenant `json:"tenant"`
	Priority int8   `json:"priority"`
	File     string `json:"file"`
}

// Import loads one file, at most 5 at a time per tenant, 100 a minute.
//
//wf:workflow import
//wf:queue imports concurrency=5 rate=100/1m partition=tenant priority=Priority
type Import struct{}

// Run is the body.
func (Import) Run(ctx *wf.Context, in ImportIn) (string, error) { return in.File, nil }

// ExportIn is an export's input.
type ExportIn struct {
	Shard int `json:"shard"`
}

// Export shares a queue with nothing and is only rate-limited, per shard.
//
//wf:workflow export
//wf:queue exports rate=10/1s partition=Shard
type Export struct{}

// Run is the body.
func (Export) Run(ctx *wf.Context, in ExportIn) (int, error) { return in.Shard, nil }

// ReindexIn is a reindex's input.
type ReindexIn struct{}

// Reindex runs one at a time.
//
//wf:workflow reindex
//wf:queue maintenance concurrency=1
type Reindex struct{}

// Run is the body.
func (Reindex) Run(ctx *wf.Context, in ReindexIn) (bool, error) { return true, nil }
