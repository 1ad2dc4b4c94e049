package wfcli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
)

// timelineEvent is one event of a timeline with its timing: Since is the
// time from the run's creation, Took what the event closes took (a step
// since the event before it, a wait since it began).
type timelineEvent struct {
	Index int `json:"index"`
	wf.Event
	SinceMs int64  `json:"sinceMs"`
	TookMs  *int64 `json:"tookMs,omitempty"`
}

type timelineView struct {
	Run    runView         `json:"run"`
	Events []timelineEvent `json:"events"`
	childrenView
}

func runsTimeline() command {
	return command{
		name: "runs timeline",
		args: []string{"RUN"},
		run: func(ctx context.Context, e *env, args []string) error {
			tl, err := e.rt.Timeline(ctx, args[0])
			if errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("%s: no run %q", e.name, args[0])
			}
			if err != nil {
				return err
			}
			v := timelineView{Run: viewRun(tl.Run), Events: timed(start(tl.Run.CreatedAt, tl.Events), tl.Events),
				childrenView: viewChildren(tl.Children, tl.MoreChildren)}
			return e.emit(v, func(w io.Writer) {
				printTimeline(w, v)
				if v.Run.Parent != nil || len(v.Children) > 0 {
					fmt.Fprintln(w)
				}
				if v.Run.Parent != nil {
					fmt.Fprintf(w, "parent\t%s\n", v.Run.Parent)
				}
				e.printChildren(w, v.Run.ID, v.childrenView)
			})
		},
	}
}

// start is when a timeline begins: the run's creation, or its first
// event when that is older (a fork's log is copied from an older run).
func start(created time.Time, evs []wf.Event) time.Time {
	if len(evs) > 0 && evs[0].Time.Before(created) {
		return evs[0].Time
	}
	return created
}

// timed computes each event's timing. A step's time is from the event
// before it (the log holds no step start); a wait's, from its await.
func timed(created time.Time, evs []wf.Event) []timelineEvent {
	out := make([]timelineEvent, len(evs))
	began := map[string]time.Time{}
	prev := created
	for i, ev := range evs {
		t := timelineEvent{Index: i, Event: ev, SinceMs: ev.Time.Sub(created).Milliseconds()}
		var from time.Time
		switch ev.Type {
		case wf.SignalAwaited, wf.ApprovalRequested:
			began[ev.StepID] = ev.Time
		case wf.SignalResolved, wf.ApprovalResolved:
			from = began[ev.StepID]
		case wf.StepFinished, wf.StepFailed:
			from = prev
		}
		if !from.IsZero() {
			ms := ev.Time.Sub(from).Milliseconds()
			t.TookMs = &ms
		}
		out[i] = t
		prev = ev.Time
	}
	return out
}

func printTimeline(w io.Writer, v timelineView) {
	fmt.Fprintf(w, "run %s (%s %s) %s, created %s\n\n", v.Run.ID, v.Run.WorkflowID, v.Run.Version, v.Run.Status, stamp(v.Run.CreatedAt))
	fmt.Fprintln(w, "#\tAT\tEVENT\tSTEP\tTOOK\tDETAIL")
	for _, ev := range v.Events {
		took := "-"
		if ev.TookMs != nil {
			took = (time.Duration(*ev.TookMs) * time.Millisecond).String()
		}
		at := "+" + (time.Duration(ev.SinceMs) * time.Millisecond).String()
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\n", ev.Index, at, ev.Type, orDash(ev.StepID), took, clip(detail(ev.Event), 72))
	}
	if len(v.Events) == 0 {
		fmt.Fprintln(w, "(no events)")
	}
}

// detail is the gist of an event for one table cell.
func detail(ev wf.Event) string {
	if s, ok := childDetail(ev); ok {
		return s
	}
	switch ev.Type {
	case wf.StepFinished:
		s := string(ev.Result)
		if ev.Attempts > 1 {
			s += " after " + strconv.Itoa(ev.Attempts) + " attempts"
		}
		return s
	case wf.StepFailed, wf.RunErrored:
		if ev.Error == nil {
			return string(ev.Code)
		}
		s := ev.Error.Message
		if code := firstNonEmpty(string(ev.Code), string(ev.Error.Code)); code != "" {
			s = code + ": " + s
		}
		return s
	case wf.SignalAwaited:
		s := ev.Name
		if ev.Deadline != nil {
			s += " until " + stamp(ev.Deadline.UTC())
		}
		return s
	case wf.SignalResolved:
		if ev.Name == wf.TimerSignal {
			return "timer fired"
		}
		return fmt.Sprintf("%s %s %s", ev.Name, ev.SignalID, ev.Payload)
	case wf.ApprovalRequested:
		return ev.Title
	case wf.ApprovalResolved:
		s := "rejected"
		if ev.Approved != nil && *ev.Approved {
			s = "approved"
		}
		if ev.Feedback != "" {
			s += ": " + ev.Feedback
		}
		return s
	case wf.NowRecorded, wf.UUIDRecorded:
		return string(ev.Value)
	case wf.RunFinished:
		return string(ev.Output)
	case wf.RunRetried:
		return requested(ev.Meta)
	case wf.RunForked:
		return strings.TrimSpace("from " + ev.RunID + " " + requested(ev.Meta))
	}
	return ""
}

// requested says who asked for a retry or a fork, and why.
func requested(meta map[string]string) string {
	s := ""
	if by := meta["by"]; by != "" {
		s = "by " + by
	}
	if why := meta["reason"]; why != "" {
		if s != "" {
			s += ": "
		}
		s += why
	}
	return s
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
