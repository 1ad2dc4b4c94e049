// Package lambda adapts wf to AWS Lambda and to Netlify functions, both on
// github.com/aws/aws-lambda-go: a scheduled sweep handler (EventBridge
// Scheduler or a Netlify scheduled function) and an adapter that serves the
// ingress API behind API Gateway or a Netlify function URL.
package lambda

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/wfgo/wf/host"
	"github.com/wfgo/wf/runtime"
)

// SweepHandler returns a Lambda handler for scheduled invocations. It
// accepts whatever event the scheduler sends (EventBridge's scheduled event,
// a Scheduler payload, Netlify's {"next_run": …}) and sweeps within the
// invocation's deadline less a safety margin. A failed sweep returns an
// error, which Lambda records as a failed invocation.
func SweepHandler(rt *runtime.Runtime, opts runtime.SweepOptions) func(ctx context.Context, event json.RawMessage) (host.Summary, error) {
	return func(ctx context.Context, event json.RawMessage) (host.Summary, error) {
		sum, err := host.Sweep(ctx, rt, opts, 3*time.Second)
		if err != nil {
			return sum, fmt.Errorf("wf sweep: %w", err)
		}
		return sum, nil
	}
}

// NetlifySweepHandler is SweepHandler in the shape Netlify gives Go
// functions: an API Gateway-style request in, a response out. Netlify limits
// a scheduled run to 30 seconds; the sweep is capped at 25.
func NetlifySweepHandler(rt *runtime.Runtime, opts runtime.SweepOptions) func(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	if opts.MaxDuration == 0 || opts.MaxDuration > 25*time.Second {
		opts.MaxDuration = 25 * time.Second
	}
	return func(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		sum, err := host.Sweep(ctx, rt, opts, 3*time.Second)
		status := 200
		if err != nil {
			status = 500
		}
		body, _ := json.Marshal(sum)
		return events.APIGatewayProxyResponse{StatusCode: status, Headers: map[string]string{"Content-Type": "application/json"}, Body: string(body)}, nil
	}
}
