package wf

import "encoding/json"

// LogState is what a run's log alone says about it: its status, its open
// waits and its terminal outcome. Attach computes it without running any
// workflow code.
type LogState struct {
	Status   RunStatus
	Awaiting []Await
	Output   json.RawMessage
	Error    *ErrorInfo
	// Steps counts recorded step checkpoints (finished or failed).
	Steps int
}

// Attach reads a run's log without driving it: a read-only observer's view
// of its current state and terminal outcome.
func Attach(log []Event) LogState {
	st := LogState{Status: StatusRunning}
	open := map[string]Await{}
	var order []string
	for _, ev := range log {
		switch ev.Type {
		case StepFinished, StepFailed:
			st.Steps++
		case SignalAwaited:
			kind := AwaitSignal
			switch ev.Name {
			case TimerSignal:
				kind = AwaitTimer
			case ChildSignal:
				kind = AwaitChild
			}
			open[ev.StepID] = Await{StepID: ev.StepID, Kind: kind, Name: ev.Name, Deadline: ev.Deadline}
			order = append(order, ev.StepID)
		case ApprovalRequested:
			open[ev.StepID] = Await{StepID: ev.StepID, Kind: AwaitApproval, Name: "approval", ApprovalID: ev.ApprovalID, Deadline: ev.Deadline}
			order = append(order, ev.StepID)
		case SignalResolved, ApprovalResolved:
			delete(open, ev.StepID)
		case RunFinished:
			st.Status, st.Output = StatusFinished, ev.Output
		case RunErrored:
			st.Status, st.Error = StatusErrored, ev.Error
			if st.Error != nil && st.Error.Code == "" {
				st.Error.Code = ev.Code
			}
		case RunRetried:
			st.Status, st.Error = StatusRunning, nil
		}
	}
	for _, id := range order {
		if a, ok := open[id]; ok {
			st.Awaiting = append(st.Awaiting, a)
			delete(open, id)
		}
	}
	if st.Status == StatusRunning && len(st.Awaiting) > 0 {
		st.Status = StatusPaused
	}
	return st
}
