package deploycheck

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/runtime"
)

// Manifest is what Serve writes first: the workflows of the checked
// package, for wfgen to know which runs to read.
type Manifest struct {
	Workflows []ManifestWorkflow `json:"workflows"`
}

// ManifestWorkflow is one workflow of a Manifest with the versions its
// router knows, sorted.
type ManifestWorkflow struct {
	ID       string   `json:"id"`
	Versions []string `json:"versions"`
}

// Main is the body of the program wfgen builds: it serves the package's
// workflows on stdin and stdout and exits with status 1 on an error,
// which it prints to stderr. Unused fields of workflows (schedules,
// signals) are ignored.
func Main(workflows []runtime.Workflow) {
	if err := Serve(context.Background(), workflows, os.Stdin, os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "deploycheck: %v\n", err)
		os.Exit(1)
	}
}

// Serve writes the Manifest of workflows as one JSON line to out, then
// reads a stream of JSON Runs from in until it ends and writes one JSON
// Verdict line per run, in order.
func Serve(ctx context.Context, workflows []runtime.Workflow, in io.Reader, out io.Writer) error {
	defs, err := definitions(workflows)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(out)
	enc := json.NewEncoder(w)
	if err := enc.Encode(manifestOf(defs)); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	dec := json.NewDecoder(bufio.NewReaderSize(in, 1<<16))
	for {
		var run Run
		if err := dec.Decode(&run); errors.Is(err, io.EOF) {
			return w.Flush()
		} else if err != nil {
			return fmt.Errorf("reading runs: %w", err)
		}
		// Flushing per verdict keeps wfgen reading while it writes.
		if err := enc.Encode(Check(ctx, defs, run)); err != nil {
			return err
		}
		if err := w.Flush(); err != nil {
			return err
		}
	}
}

func manifestOf(defs map[string]*wf.Definition) Manifest {
	var m Manifest
	for id, d := range defs {
		m.Workflows = append(m.Workflows, ManifestWorkflow{ID: id, Versions: d.Versions()})
	}
	slices.SortFunc(m.Workflows, func(x, y ManifestWorkflow) int { return strings.Compare(x.ID, y.ID) })
	return m
}
