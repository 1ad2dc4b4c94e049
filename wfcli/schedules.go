package wfcli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/wfgo/wf/runtime"
)

// scheduleView is a schedule as the CLI shows it.
type scheduleView struct {
	runtime.ScheduleInfo
	Zone string `json:"zone"`
}

func schedulesList() command {
	return command{
		name: "schedules list",
		run: func(ctx context.Context, e *env, _ []string) error {
			infos, err := e.rt.Schedules(ctx)
			if err != nil {
				return err
			}
			views := make([]scheduleView, len(infos))
			for i, s := range infos {
				views[i] = scheduleView{ScheduleInfo: s, Zone: s.Zone.String()}
			}
			return e.emit(views, func(w io.Writer) {
				fmt.Fprintln(w, "ID\tWORKFLOW\tSPEC\tOVERLAP\tSTATE\tNEXT FIRE\tLAST BUCKET")
				for _, s := range views {
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s.ID, s.WorkflowID, s.Spec, s.Overlap,
						scheduleState(s.ScheduleInfo), nextFire(s), lastBucket(s))
				}
				if len(views) == 0 {
					fmt.Fprintln(w, "(no schedules stored: the first sweep of an app that registers some stores them)")
				}
			})
		},
	}
}

func scheduleState(s runtime.ScheduleInfo) string {
	switch {
	case s.Paused:
		return "paused"
	case s.Disabled:
		return "disabled in code"
	}
	return "active"
}

func nextFire(s scheduleView) string {
	if s.SpecError != "" {
		return "? " + s.SpecError
	}
	if s.NextFireAt.IsZero() {
		return "-"
	}
	return s.NextFireAt.Format("2006-01-02 15:04:05 MST") + " (" + s.Zone + ")"
}

func lastBucket(s scheduleView) string {
	if s.LastBucket == nil {
		return "-"
	}
	return s.LastBucket.BucketID + " " + string(s.LastBucket.Status)
}

func schedulesPause(pause bool) command {
	name, verb := "schedules resume", "resumed"
	if pause {
		name, verb = "schedules pause", "paused"
	}
	return command{
		name: name,
		args: []string{"SCHEDULE"},
		run: func(ctx context.Context, e *env, args []string) error {
			do := e.rt.ResumeSchedule
			if pause {
				do = e.rt.PauseSchedule
			}
			if err := do(ctx, args[0]); err != nil {
				return scheduleError(e, err)
			}
			v := struct {
				Schedule string `json:"schedule"`
				Paused   bool   `json:"paused"`
			}{args[0], pause}
			return e.emit(v, func(w io.Writer) { fmt.Fprintf(w, "schedule %s %s\n", args[0], verb) })
		},
	}
}

// scheduleError names the command in a schedule error; an unknown
// schedule or one paused keeps exit status 1.
func scheduleError(e *env, err error) error {
	if errors.Is(err, runtime.ErrUnknownSchedule) || errors.Is(err, runtime.ErrSchedulePaused) {
		return fmt.Errorf("%s: %w", e.name, err)
	}
	return err
}

func schedulesTrigger() command {
	return command{
		name: "schedules trigger",
		args: []string{"SCHEDULE"},
		run: func(ctx context.Context, e *env, args []string) error {
			if err := e.needWorkflows(""); err != nil {
				return err
			}
			res, err := e.rt.TriggerSchedule(ctx, args[0])
			if err != nil {
				return scheduleError(e, err)
			}
			return e.printResult(res, res.Run.ID)
		},
	}
}

func schedulesBackfill() command {
	var from, to string
	return command{
		name: "schedules backfill",
		args: []string{"SCHEDULE"},
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&from, "from", "", "the first fire `time` covered (RFC 3339, required)")
			fs.StringVar(&to, "to", "", "the last fire `time` covered (RFC 3339); defaults to now")
		},
		run: func(ctx context.Context, e *env, args []string) error {
			if from == "" {
				return usagef("schedules backfill: missing --from TIME")
			}
			start, err := e.parseTime("--from", from, false)
			if err != nil {
				return err
			}
			end := e.cfg.Clock()
			if to != "" {
				if end, err = e.parseTime("--to", to, false); err != nil {
					return err
				}
			}
			if err := e.needWorkflows(""); err != nil {
				return err
			}
			bf, err := e.rt.BackfillSchedule(ctx, args[0], start, end)
			if err != nil {
				return scheduleError(e, err)
			}
			if bf.Ticks == nil {
				bf.Ticks = []runtime.BackfillTick{}
			}
			return e.emit(bf, func(w io.Writer) {
				fmt.Fprintln(w, "FIRE TIME\tRUN\tRESULT")
				for _, t := range bf.Ticks {
					fmt.Fprintf(w, "%s\t%s\t%s\n", t.FireAt.UTC().Format(time.RFC3339), t.RunID, t.Kind)
				}
				if len(bf.Ticks) == 0 {
					fmt.Fprintln(w, "(no fire time in the range)")
				}
			})
		},
	}
}
