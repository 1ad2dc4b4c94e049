package wfcli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/wfgo/wf/runtime"
)

func signalCommand() command {
	var id, data, step string
	return command{
		name: "signal",
		args: []string{"RUN", "NAME"},
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&id, "id", "", "the delivery's idempotency `ID` (required)")
			fs.StringVar(&data, "data", "", "the payload: `JSON`, or @file to read it from a file")
			fs.StringVar(&step, "step", "", "the wait's step `ID`, when two waits share the name")
		},
		run: func(ctx context.Context, e *env, args []string) error {
			if id == "" {
				return usagef("signal: missing --id SIGNAL_ID (the delivery's idempotency key)")
			}
			payload, err := readPayload(data)
			if err != nil {
				return err
			}
			run, err := e.getRun(ctx, args[0])
			if err != nil {
				return err
			}
			if err := e.needWorkflows(run.WorkflowID); err != nil {
				return err
			}
			res, err := e.rt.DeliverSignal(ctx, runtime.SignalRequest{RunID: args[0], SignalID: id, Name: args[1],
				StepID: step, Payload: payload, Meta: map[string]string{"by": "wf-cli"}})
			if err != nil {
				return fmt.Errorf("signal: %w", err)
			}
			return e.printResult(res, args[0])
		},
	}
}

// readPayload reads --data: inline JSON or @file. No payload is null.
func readPayload(data string) (json.RawMessage, error) {
	if data == "" {
		return nil, nil
	}
	raw := []byte(data)
	if name, ok := strings.CutPrefix(data, "@"); ok {
		b, err := os.ReadFile(name)
		if err != nil {
			return nil, usagef("signal: --data @%s: %v", name, err)
		}
		raw = b
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, usagef("signal: --data: not valid JSON: %v", err)
	}
	return json.RawMessage(strings.TrimSpace(string(raw))), nil
}

func decideCommand(name string, approved bool) command {
	var feedback string
	return command{
		name: name,
		args: []string{"RUN", "APPROVAL"},
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&feedback, "feedback", "", "the decision's `comment`, recorded in the run")
		},
		run: func(ctx context.Context, e *env, args []string) error {
			run, err := e.getRun(ctx, args[0])
			if err != nil {
				return err
			}
			if err := e.needWorkflows(run.WorkflowID); err != nil {
				return err
			}
			res, err := e.rt.DeliverApproval(ctx, runtime.ApprovalDecision{RunID: args[0], ApprovalID: args[1],
				Approved: approved, Feedback: feedback, Meta: map[string]string{"by": "wf-cli"}})
			if err != nil {
				return fmt.Errorf("%s: %w", e.name, err)
			}
			return e.printResult(res, args[0])
		},
	}
}
