package wfcli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
)

// statuses are the run statuses --status accepts.
var statuses = []wf.RunStatus{wf.StatusQueued, wf.StatusRunning, wf.StatusPaused, wf.StatusFinished,
	wf.StatusErrored, wf.StatusAborted, wf.StatusCanceled}

type listFlags struct {
	workflow, status, since, cursor string
	parent, queue                   string
	parked                          bool
	limit                           int
}

func runsList() command {
	var f listFlags
	return command{
		name: "runs list",
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&f.workflow, "workflow", "", "only runs of this workflow `ID`")
			fs.StringVar(&f.status, "status", "", "only runs with this `status`")
			fs.BoolVar(&f.parked, "parked", false, "only parked runs")
			fs.StringVar(&f.parent, "parent", "", "only the children of this `run`")
			fs.StringVar(&f.queue, "queue", "", "only runs of this `queue`")
			fs.StringVar(&f.since, "since", "", "only runs created since this `time` (RFC 3339) or duration ago")
			fs.IntVar(&f.limit, "limit", store.DefaultListLimit, "at most `n` runs")
			fs.StringVar(&f.cursor, "cursor", "", "the `cursor` of the next page, as printed by the previous one")
		},
		run: func(ctx context.Context, e *env, _ []string) error { return e.runsList(ctx, f) },
	}
}

// runPage is a page of runs list.
type runPage struct {
	Runs []runView `json:"runs"`
	// Next is the cursor of the following page; empty on the last.
	Next string `json:"next,omitempty"`
}

func (e *env) runsList(ctx context.Context, f listFlags) error {
	q, since, err := e.listQuery(f)
	if err != nil {
		return err
	}
	page, err := e.listPage(ctx, q, since)
	if err != nil {
		return err
	}
	return e.emit(page, func(w io.Writer) {
		fmt.Fprintln(w, "ID\tWORKFLOW\tVERSION\tSTATUS\tPARENT\tAWAITING\tCREATED\tUPDATED")
		for _, r := range page.Runs {
			parent := "-"
			if r.Parent != nil {
				parent = r.Parent.String()
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.WorkflowID, orDash(r.Version), r.state(),
				parent, clip(awaitSummary(r.Awaiting), 48), stamp(r.CreatedAt), stamp(r.UpdatedAt))
		}
		if page.Next != "" {
			fmt.Fprintf(w, "\nmore: --cursor %s\n", page.Next)
		}
	})
}

func (e *env) listQuery(f listFlags) (store.ListQuery, time.Time, error) {
	q := store.ListQuery{WorkflowID: f.workflow, ParentRunID: f.parent, Queue: f.queue, Limit: f.limit, Cursor: f.cursor}
	if f.limit <= 0 {
		return q, time.Time{}, usagef("runs list: --limit %d: want a positive number", f.limit)
	}
	if f.status != "" {
		q.Status = wf.RunStatus(f.status)
		if !validStatus(q.Status) {
			return q, time.Time{}, usagef("runs list: --status %q: want one of %s", f.status, statusList())
		}
	}
	if err := setParked(&q, f.parked); err != nil {
		return q, time.Time{}, err
	}
	var since time.Time
	if f.since != "" {
		var err error
		if since, err = e.parseTime("--since", f.since, true); err != nil {
			return q, time.Time{}, err
		}
	}
	return q, since, nil
}

// listPage reads one page. Runs come newest first, so --since ends the
// listing at the first run created before it.
func (e *env) listPage(ctx context.Context, q store.ListQuery, since time.Time) (runPage, error) {
	page, err := e.rt.ListRuns(ctx, q)
	if err != nil {
		return runPage{}, err
	}
	out := runPage{Runs: []runView{}, Next: page.Next}
	for _, r := range page.Runs {
		if !since.IsZero() && r.CreatedAt.Before(since) {
			out.Next = ""
			break
		}
		out.Runs = append(out.Runs, viewRun(r))
	}
	return out, nil
}

func validStatus(s wf.RunStatus) bool {
	for _, v := range statuses {
		if v == s {
			return true
		}
	}
	return false
}

func statusList() string {
	parts := make([]string, len(statuses))
	for i, s := range statuses {
		parts[i] = string(s)
	}
	return strings.Join(parts, ", ")
}

// parseTime reads an RFC 3339 time or, when ago is set, a duration back
// from now.
func (e *env) parseTime(flagName, s string, ago bool) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if ago {
		if d, err := time.ParseDuration(s); err == nil && d > 0 {
			return e.cfg.Clock().Add(-d), nil
		}
		return time.Time{}, usagef("%s: %s %q: want an RFC 3339 time (2026-05-06T09:00:00Z) or a duration (24h)", e.name, flagName, s)
	}
	return time.Time{}, usagef("%s: %s %q: want an RFC 3339 time (2026-05-06T09:00:00Z)", e.name, flagName, s)
}

func runsShow() command {
	return command{
		name: "runs show",
		args: []string{"RUN"},
		run: func(ctx context.Context, e *env, args []string) error {
			run, err := e.getRun(ctx, args[0])
			if err != nil {
				return err
			}
			children, err := e.children(ctx, run.ID)
			if err != nil {
				return err
			}
			v := showView{runView: viewRun(run), childrenView: children}
			return e.emit(v, func(w io.Writer) {
				printRun(w, v.runView)
				e.printChildren(w, run.ID, children)
			})
		},
	}
}

// showView is runs show's run: the run with its children.
type showView struct {
	runView
	childrenView
}

func printRun(w io.Writer, r runView) {
	line := func(k, v string) { fmt.Fprintf(w, "%s\t%s\n", k, v) }
	line("run", r.ID)
	line("workflow", r.WorkflowID+" "+r.Version)
	line("status", r.state())
	if r.Parked != nil {
		line("parked", fmt.Sprintf("since %s: %s (%s)", stamp(r.Parked.At), r.Parked.Message, r.Parked.Reason))
	}
	if len(r.Awaiting) == 0 && !r.Status.Terminal() {
		line("awaits", "-")
	}
	for i, a := range r.Awaiting {
		k := ""
		if i == 0 {
			k = "awaits"
		}
		line(k, describeAwait(a))
	}
	if r.WakeAt != nil {
		line("wakes at", stamp(*r.WakeAt))
	}
	if r.ScheduleID != "" {
		line("schedule", r.ScheduleID)
	}
	if r.Parent != nil {
		line("parent", r.Parent.String())
	}
	if r.Queue != "" {
		line("queue", r.queueLine())
	}
	if r.LeaseOwner != "" {
		line("driven by", r.LeaseOwner)
	}
	line("created", stamp(r.CreatedAt))
	line("updated", stamp(r.UpdatedAt))
	line("input", orDash(string(r.Input)))
	if len(r.Output) > 0 {
		line("output", string(r.Output))
	}
	if r.Error != nil {
		msg := r.Error.Message
		if r.Error.Code != "" {
			msg += " (" + string(r.Error.Code) + ")"
		}
		line("error", msg)
		if r.Error.Stack != "" {
			line("stack", strings.ReplaceAll(strings.TrimSpace(r.Error.Stack), "\n", "\n\t"))
		}
	}
}

func runsCancel() command {
	var reason string
	return command{
		name: "runs cancel",
		args: []string{"RUN"},
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&reason, "reason", "canceled by an operator", "why, recorded with the run")
		},
		run: func(ctx context.Context, e *env, args []string) error {
			res, err := e.rt.Cancel(ctx, args[0], reason)
			if err != nil {
				return err
			}
			return e.printResult(res, args[0])
		},
	}
}
