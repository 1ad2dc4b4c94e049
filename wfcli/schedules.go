package wfcli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/wfgo/wf/runtime"
)

// scheduleView is a schedule as the CLI shows it.
type scheduleView struct {
	ID         string          `json:"id"`
	WorkflowID string          `json:"workflowId"`
	Spec       string          `json:"spec"`
	Overlap    string          `json:"overlap"`
	Input      json.RawMessage `json:"input,omitempty"`
	State      string          `json:"state"` // active, paused or disabled in code
	Registered bool            `json:"registered"`
	Zone       string          `json:"zone"`
	NextFireAt *time.Time      `json:"nextFireAt,omitempty"`
	SpecError  string          `json:"specError,omitempty"`
	LastBucket *bucketView     `json:"lastBucket,omitempty"`
	UpdatedAt  time.Time       `json:"updatedAt"`
}

type bucketView struct {
	ID        string     `json:"id"`
	FireAt    time.Time  `json:"fireAt"`
	RunID     string     `json:"runId"`
	Status    string     `json:"status"`
	StartedAt *time.Time `json:"startedAt,omitempty"`
}

func viewSchedule(s runtime.ScheduleInfo) scheduleView {
	v := scheduleView{ID: s.ID, WorkflowID: s.WorkflowID, Spec: s.Spec, Overlap: s.Overlap, Input: s.Input,
		State: scheduleState(s), Registered: s.Registered, Zone: s.Zone.String(), SpecError: s.SpecError,
		UpdatedAt: s.UpdatedAt.UTC()}
	if !s.NextFireAt.IsZero() {
		v.NextFireAt = &s.NextFireAt
	}
	if b := s.LastBucket; b != nil {
		v.LastBucket = &bucketView{ID: b.BucketID, FireAt: b.FireAt.UTC(), RunID: b.RunID, Status: string(b.Status), StartedAt: utcPtr(b.StartedAt)}
	}
	return v
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
				views[i] = viewSchedule(s)
			}
			return e.emit(views, func(w io.Writer) {
				fmt.Fprintln(w, "ID\tWORKFLOW\tSPEC\tOVERLAP\tSTATE\tNEXT FIRE\tLAST BUCKET")
				for _, s := range views {
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s.ID, s.WorkflowID, s.Spec, s.Overlap,
						s.State, nextFire(s), lastBucket(s))
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
	if s.NextFireAt == nil {
		return "-"
	}
	return s.NextFireAt.Format("2006-01-02 15:04:05 MST") + " (" + s.Zone + ")"
}

func lastBucket(s scheduleView) string {
	if s.LastBucket == nil {
		return "-"
	}
	return s.LastBucket.ID + " " + s.LastBucket.Status
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

// scheduleError names the command in a schedule error.
func scheduleError(e *env, err error) error {
	return fmt.Errorf("%s: %w", e.name, err)
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
			if res.Kind == runtime.KindSkipped {
				v := struct {
					Kind     runtime.ResultKind `json:"kind"`
					Schedule string             `json:"schedule"`
				}{res.Kind, args[0]}
				return e.emit(v, func(w io.Writer) {
					fmt.Fprintf(w, "schedule %s: tick skipped: a run of the schedule is live (overlap policy)\n", args[0])
				})
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
					kind := string(t.Kind)
					if t.Existing {
						kind += " (existing run)"
					}
					fmt.Fprintf(w, "%s\t%s\t%s\n", t.FireAt.UTC().Format(time.RFC3339), t.RunID, kind)
				}
				if len(bf.Ticks) == 0 {
					fmt.Fprintln(w, "(no fire time in the range)")
				}
			})
		},
	}
}
