package main

import (
	"encoding/json"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/runtime"
)

// GreetInput is the greet workflow's input.
type GreetInput struct {
	Name string `json:"name"`
	// Delay is how long the run sleeps between greeting and follow-up, in
	// seconds: a durable timer that a scheduled sweep delivers.
	Delay int `json:"delaySeconds"`
}

// GreetOutput is the greet workflow's output.
type GreetOutput struct {
	Greeting string `json:"greeting"`
	FollowUp string `json:"followUp"`
}

// Step IDs of the greet workflow.
const (
	stepGreet    wf.StepID = "greet"
	stepFollowUp wf.StepID = "follow-up"
)

// greet greets, sleeps for the input's delay, and follows up: the first
// part runs when the run starts (a fetch), the rest in the sweep of the
// first Cron Trigger after the delay.
func greet(ctx *wf.Context, in GreetInput) (GreetOutput, error) {
	greeting, err := wf.Step(ctx, stepGreet, func(wf.StepContext) (string, error) {
		return "Hello, " + in.Name, nil
	})
	if err != nil {
		return GreetOutput{}, err
	}
	wf.Sleep(ctx, time.Duration(in.Delay)*time.Second)
	followUp, err := wf.Step(ctx, stepFollowUp, func(wf.StepContext) (string, error) {
		return "Still there, " + in.Name + "?", nil
	})
	if err != nil {
		return GreetOutput{}, err
	}
	return GreetOutput{Greeting: greeting, FollowUp: followUp}, nil
}

// validateGreetInput requires a name and a delay of at most a day.
func validateGreetInput(raw json.RawMessage) error {
	var in GreetInput
	var issues []wf.ValidationIssue
	if err := json.Unmarshal(raw, &in); err != nil {
		issues = append(issues, wf.ValidationIssue{Path: "", Message: err.Error()})
	} else {
		if in.Name == "" {
			issues = append(issues, wf.ValidationIssue{Path: "/name", Message: "required"})
		}
		if in.Delay < 0 || in.Delay > 86400 {
			issues = append(issues, wf.ValidationIssue{Path: "/delaySeconds", Message: "must be between 0 and 86400"})
		}
	}
	if issues != nil {
		return &wf.ValidationError{Subject: "input", Issues: issues}
	}
	return nil
}

// workflows are the Worker's registrations: greet, also started every
// hour by the "hourly-greeting" schedule.
func workflows() []runtime.Workflow {
	return []runtime.Workflow{{
		Definition: wf.New("greet", greet, wf.ValidateInput(validateGreetInput)),
		Schedules: []runtime.Schedule{{
			ID:    "hourly-greeting",
			Spec:  runtime.Every(time.Hour),
			Input: json.RawMessage(`{"name":"schedule","delaySeconds":0}`),
		}},
	}}
}
