package wfcli

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store"
)

// actionFlags are who asked for a retry or a fork, and why.
type actionFlags struct{ by, reason string }

func (f *actionFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.by, "by", "", "who asks, recorded in the run's log; defaults to $USER")
	fs.StringVar(&f.reason, "reason", "", "why, recorded in the run's log")
}

func (f actionFlags) options(e *env) []runtime.ActionOption {
	var opts []runtime.ActionOption
	by := f.by
	if by == "" {
		by = e.cfg.Getenv("USER")
	}
	if by != "" {
		opts = append(opts, runtime.RequestedBy(by))
	}
	if f.reason != "" {
		opts = append(opts, runtime.Because(f.reason))
	}
	return opts
}

func runsRetry() command {
	var f actionFlags
	return command{
		name:  "runs retry",
		args:  []string{"RUN"},
		flags: f.register,
		run: func(ctx context.Context, e *env, args []string) error {
			run, err := e.getRun(ctx, args[0])
			if err != nil {
				return err
			}
			if err := e.needWorkflows(run.WorkflowID); err != nil {
				return err
			}
			res, err := e.rt.Retry(ctx, args[0], f.options(e)...)
			if err != nil {
				return fmt.Errorf("%s: %w", e.name, err)
			}
			return e.printResult(res, args[0])
		},
	}
}

func runsFork() command {
	var f actionFlags
	var step, newID string
	return command{
		name: "runs fork",
		args: []string{"RUN"},
		flags: func(fs *flag.FlagSet) {
			f.register(fs)
			fs.StringVar(&step, "step", "", "the `step` to run again, and everything after it (required)")
			fs.StringVar(&newID, "id", "", "the new run's `ID` (required)")
		},
		run: func(ctx context.Context, e *env, args []string) error {
			if step == "" || newID == "" {
				return usagef("runs fork: --step STEP and --id NEW_RUN are required")
			}
			run, err := e.getRun(ctx, args[0])
			if err != nil {
				return err
			}
			if err := e.needWorkflows(run.WorkflowID); err != nil {
				return err
			}
			res, err := e.rt.Fork(ctx, args[0], wf.StepID(step), newID, f.options(e)...)
			if err != nil {
				return fmt.Errorf("%s: %w", e.name, err)
			}
			return e.printResult(res, newID)
		},
	}
}

// runsExport writes the run's history in the export format whatever -o
// says: it is JSON by definition.
func runsExport() command {
	return command{
		name: "runs export",
		args: []string{"RUN"},
		run: func(ctx context.Context, e *env, args []string) error {
			h, err := e.rt.Export(ctx, args[0])
			if errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("%s: no run %q", e.name, args[0])
			}
			if err != nil {
				return err
			}
			b, err := h.JSON()
			if err != nil {
				return err
			}
			_, err = e.cfg.Stdout.Write(b)
			return err
		},
	}
}

func setParked(q *store.ListQuery, parked bool) error {
	q.Parked = parked
	return nil
}
