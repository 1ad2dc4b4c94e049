package wfcli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/wfgo/wf/internal/storeflag"
	"github.com/wfgo/wf/runtime"
)

func sweepCommand() command {
	var maxDuration time.Duration
	return command{
		name: "sweep",
		flags: func(fs *flag.FlagSet) {
			fs.DurationVar(&maxDuration, "max-duration", 25*time.Second, "bound the sweep's wall `time`")
		},
		run: func(ctx context.Context, e *env, _ []string) error {
			if err := e.needWorkflows(""); err != nil {
				return err
			}
			res, err := e.rt.Sweep(ctx, runtime.SweepOptions{MaxDuration: maxDuration})
			if err != nil {
				return err
			}
			res.LeaseOwner = ""
			return e.emit(res.Summary, func(w io.Writer) { printSweep(w, res) })
		},
	}
}

func printSweep(w io.Writer, res runtime.SweepResult) {
	s := res.Summary
	fmt.Fprintf(w, "admitted\t%s\n", counts(s.Admitted))
	fmt.Fprintf(w, "recovered\t%s\n", counts(s.Recovered))
	fmt.Fprintf(w, "scheduled\t%s\n", counts(s.Scheduled))
	fmt.Fprintf(w, "timers\t%s\n", counts(s.Timers))
	fmt.Fprintf(w, "materialized\t%d\n", s.Materialized)
	if s.Unparked > 0 || s.Parked > 0 {
		fmt.Fprintf(w, "parked\t%d left, %d unparked\n", s.Parked, s.Unparked)
	}
	fmt.Fprintf(w, "events\t%d\n", s.EventCount)
	for _, f := range s.Failed {
		fmt.Fprintf(w, "failed\t%s (%d failures, retry at %s): %s\n", f.RunID, f.Failures, stamp(f.RetryAt.UTC()), f.Error)
	}
	if res.RemainingMayExist {
		fmt.Fprintln(w, "more work may remain: sweep again")
	}
}

// counts prints result kinds generically, sorted, e.g. "2 (completed 1, paused 1)".
func counts(c runtime.KindCounts) string {
	if c.Total() == 0 {
		return "0"
	}
	var parts []string
	for k, n := range c {
		parts = append(parts, fmt.Sprintf("%s %d", k, n))
	}
	sort.Strings(parts)
	return fmt.Sprintf("%d (%s)", c.Total(), strings.Join(parts, ", "))
}

func migrateCommand() command {
	var verbose bool
	return command{
		name:  "migrate",
		flags: func(fs *flag.FlagSet) { fs.BoolVar(&verbose, "v", false, "say what was migrated") },
		run: func(ctx context.Context, e *env, _ []string) error {
			if err := storeflag.Migrate(ctx, e.store); err != nil {
				return err
			}
			if verbose {
				fmt.Fprintf(e.cfg.Stdout, "migrated the %s\n", e.store.Describe())
			}
			return nil
		},
	}
}
