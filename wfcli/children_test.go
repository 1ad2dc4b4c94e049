package wfcli

import (
	"encoding/json"
	"testing"

	"github.com/wfgo/wf"
)

func TestChildEventDetail(t *testing.T) {
	t.Parallel()
	result := func(cr wf.ChildResult) json.RawMessage {
		b, err := json.Marshal(cr)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	tests := []struct {
		ev   wf.Event
		want string
	}{
		{wf.Event{Type: wf.SignalAwaited, StepID: "ship", Name: wf.ChildSignal, Meta: map[string]string{"childRunId": "p.ship", "workflow": "shipment"}},
			"child p.ship (shipment)"},
		{wf.Event{Type: wf.SignalResolved, StepID: "ship", Name: wf.ChildSignal,
			Payload: result(wf.ChildResult{RunID: "p.ship", Status: wf.StatusFinished, Output: json.RawMessage(`{"weight":2}`)})},
			`child p.ship finished {"weight":2}`},
		{wf.Event{Type: wf.SignalResolved, StepID: "ship", Name: wf.ChildSignal,
			Payload: result(wf.ChildResult{RunID: "p.ship", Status: wf.StatusCanceled, Error: &wf.ErrorInfo{Message: "run p was canceled: late"}})},
			"child p.ship canceled: run p was canceled: late"},
		{wf.Event{Type: wf.SignalResolved, StepID: "ship", Name: wf.ChildSignal, Payload: json.RawMessage(`"odd"`)},
			`child result "odd"`},
		{wf.Event{Type: wf.SignalAwaited, StepID: "w", Name: "payment"}, "payment"},
	}
	for _, tt := range tests {
		if got := detail(tt.ev); got != tt.want {
			t.Errorf("detail(%s %s) = %q, want %q", tt.ev.Type, tt.ev.Name, got, tt.want)
		}
	}
}
