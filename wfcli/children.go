package wfcli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
)

// maxShownChildren bounds the children runs show lists; runs list
// --parent pages through them all.
const maxShownChildren = 20

// parentView links a child run to its parent's operation.
type parentView struct {
	RunID    string `json:"runId"`
	StepID   string `json:"stepId"`
	Detached bool   `json:"detached,omitempty"`
}

func viewParent(p *store.Parent) *parentView {
	if p == nil {
		return nil
	}
	return &parentView{RunID: p.RunID, StepID: p.StepID, Detached: p.Detached}
}

// String is the link as a table cell shows it: the parent run and its
// operation.
func (p *parentView) String() string {
	s := p.RunID + " (step " + p.StepID
	if p.Detached {
		s += ", detached"
	}
	return s + ")"
}

// childView is a child run as a parent's page lists it.
type childView struct {
	ID         string       `json:"id"`
	WorkflowID string       `json:"workflowId"`
	Status     wf.RunStatus `json:"status"`
	StepID     string       `json:"stepId"`
	Detached   bool         `json:"detached,omitempty"`
}

// childrenView is a run's children: the first maxShownChildren, or as
// many as a timeline holds, newest first.
type childrenView struct {
	Children []childView `json:"children,omitempty"`
	// MoreChildren is set when the run has more children than listed.
	MoreChildren bool `json:"moreChildren,omitempty"`
}

func viewChildren(runs []store.Run, more bool) childrenView {
	v := childrenView{MoreChildren: more}
	for _, r := range runs {
		c := childView{ID: r.ID, WorkflowID: r.WorkflowID, Status: r.Status}
		if r.Parent != nil {
			c.StepID, c.Detached = r.Parent.StepID, r.Parent.Detached
		}
		v.Children = append(v.Children, c)
	}
	return v
}

// children reads the first maxShownChildren children of run id.
func (e *env) children(ctx context.Context, id string) (childrenView, error) {
	page, err := e.rt.ListRuns(ctx, store.ListQuery{ParentRunID: id, Limit: maxShownChildren})
	if err != nil {
		return childrenView{}, fmt.Errorf("%s: list the children of run %q: %w", e.name, id, err)
	}
	return viewChildren(page.Runs, page.Next != ""), nil
}

// printChildren writes the "children" lines of runs show and runs
// timeline for run id.
func (e *env) printChildren(w io.Writer, id string, v childrenView) {
	for i, c := range v.Children {
		k := ""
		if i == 0 {
			k = "children"
		}
		s := fmt.Sprintf("%s (%s, step %s) %s", c.ID, c.WorkflowID, c.StepID, c.Status)
		if c.Detached {
			s += ", detached"
		}
		fmt.Fprintf(w, "%s\t%s\n", k, s)
	}
	if v.MoreChildren {
		fmt.Fprintf(w, "\tmore: %s runs list --parent %s\n", e.name, id)
	}
}

// childDetail is the gist of a timeline event of a wait for a child run,
// and whether ev is one.
func childDetail(ev wf.Event) (string, bool) {
	if ev.Name != wf.ChildSignal {
		return "", false
	}
	switch ev.Type {
	case wf.SignalAwaited:
		return fmt.Sprintf("child %s (%s)", ev.Meta["childRunId"], ev.Meta["workflow"]), true
	case wf.SignalResolved:
		var cr wf.ChildResult
		if err := json.Unmarshal(ev.Payload, &cr); err != nil {
			return "child result " + string(ev.Payload), true
		}
		s := fmt.Sprintf("child %s %s", cr.RunID, cr.Status)
		if cr.Error != nil {
			s += ": " + cr.Error.Message
		} else if len(cr.Output) > 0 {
			s += " " + string(cr.Output)
		}
		return s, true
	}
	return "", false
}
