package batch

import (
	"context"
	"fmt"
	"time"

	"github.com/wfgo/wf"
)

// Job names one file to import.
type Job struct {
	// Tenant owns the file; each tenant gets its own share of the queue.
	Tenant string `json:"tenant" jsonschema:"minLength=1"`
	// File is the file's path in the tenant's storage.
	File string `json:"file" jsonschema:"minLength=1"`
	// Priority orders the waiting imports: higher first.
	Priority int `json:"priority,omitempty"`
}

// Report says what an import loaded.
type Report struct {
	Rows   int `json:"rows"`
	Chunks int `json:"chunks"`
}

// Storage reads a tenant's files.
type Storage interface {
	Rows(ctx context.Context, tenant, file string) ([]string, error)
}

// API loads rows into the rate-limited service; key makes a retried load
// of the same chunk a no-op.
type API interface {
	Load(ctx context.Context, tenant string, rows []string, key string) error
}

// DefaultChunkSize is the rows per load when Import.ChunkSize is 0.
const DefaultChunkSize = 100

// Import loads one file, chunk by chunk, on the imports queue: at most two
// imports per tenant run at once on all workers, highest priority first.
// Started alone (StartImport) or by a Batch.
//
//wf:workflow import
//wf:step read-rows retry=3 backoff=exponential base=500ms timeout=30s
//wf:queue imports concurrency=2 partition=tenant priority=priority
type Import struct {
	Storage Storage
	API     API
	// ChunkSize is how many rows one load sends. Defaults to
	// DefaultChunkSize.
	ChunkSize int
}

// Run reads the file's rows, then loads them a chunk per step, at most
// LoadsAtOnce chunks at a time; the first failed chunk stops the others.
func (im *Import) Run(ctx *wf.Context, job Job) (Report, error) {
	rows, err := wf.Step(ctx, ImportStepReadRows, func(sc wf.StepContext) ([]string, error) {
		return im.Storage.Rows(sc, job.Tenant, job.File)
	})
	if err != nil {
		return Report{}, err
	}
	size := im.ChunkSize
	if size <= 0 {
		size = DefaultChunkSize
	}
	g := wf.NewGroup(ctx, wf.GroupLimit(LoadsAtOnce), wf.CancelOnFailure())
	chunks := 0
	for start := 0; start < len(rows); start += size {
		chunk := rows[start:min(start+size, len(rows))]
		wf.Go(ctx, wf.StepID(fmt.Sprintf("load-chunk-%d", chunks)), func(sc wf.StepContext) (int, error) {
			return len(chunk), im.API.Load(sc, job.Tenant, chunk, sc.IdempotencyKey())
		}, wf.InGroup(g), wf.WithRetry(wf.RetryPolicy{MaxAttempts: 5, Backoff: wf.BackoffExponential, Base: time.Second}))
		chunks++
	}
	if err := g.Wait(); err != nil {
		return Report{}, err
	}
	return Report{Rows: len(rows), Chunks: chunks}, nil
}

// LoadsAtOnce bounds the chunks one import loads at once.
const LoadsAtOnce = 4

// Files names the files of one tenant to import together.
type Files struct {
	Tenant   string   `json:"tenant" jsonschema:"minLength=1"`
	Files    []string `json:"files"`
	Priority int      `json:"priority,omitempty"`
}

// Summary says what a batch imported.
type Summary struct {
	Imported int      `json:"imported"`
	Rows     int      `json:"rows"`
	Failed   []string `json:"failed,omitempty"`
}

// Batch imports a tenant's files: it starts one import per file, as a
// child run on the imports queue, and waits for all of them without
// holding a process; the queue, not the batch, decides how many load at
// once.
//
//wf:workflow batch
type Batch struct{}

// Run starts the imports, then collects their reports; a failed import is
// listed, not fatal.
func (Batch) Run(ctx *wf.Context, in Files) (Summary, error) {
	imports := make([]*wf.Future[Report], len(in.Files))
	for i, file := range in.Files {
		imports[i] = StartChildImport(ctx, wf.StepID(fmt.Sprintf("import-%d", i)),
			Job{Tenant: in.Tenant, File: file, Priority: in.Priority})
	}
	var s Summary
	for i, f := range imports {
		r, err := f.Get()
		if err != nil {
			s.Failed = append(s.Failed, in.Files[i])
			continue
		}
		s.Imported++
		s.Rows += r.Rows
	}
	return s, nil
}
