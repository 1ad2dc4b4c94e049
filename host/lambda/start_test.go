package lambda_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/wfgo/wf/host"
	"github.com/wfgo/wf/host/internal/hosttest"
	"github.com/wfgo/wf/host/lambda"
)

// invoke hands event, as Lambda's runtime would, to the handler of one
// function and returns its answer as JSON, as Lambda sends it back.
func invoke(t *testing.T, secret, event string) []byte {
	t.Helper()
	b := hosttest.New(t, nil)
	out, err := lambda.Handler(b.Runtime, secret, lambda.Options{})(context.Background(), json.RawMessage(event))
	if err != nil {
		t.Fatalf("%s: %v", event, err)
	}
	data, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestHandlerSweepsOnSchedule: EventBridge Scheduler's event sweeps.
func TestHandlerSweepsOnSchedule(t *testing.T) {
	t.Parallel()
	var sum host.Summary
	data := invoke(t, "k", `{"version":"0","detail-type":"Scheduled Event","source":"aws.scheduler","detail":"{}"}`)
	if err := json.Unmarshal(data, &sum); err != nil || !sum.OK || sum.Materialized != 1 {
		t.Fatalf("answer %s, want a summary with the schedule materialised", data)
	}
}

// TestHandlerSweepsOnNetlifySchedule: a Netlify scheduled run's request
// sweeps and answers with the summary.
func TestHandlerSweepsOnNetlifySchedule(t *testing.T) {
	t.Parallel()
	data := invoke(t, "k", `{"path":"/.netlify/functions/wf-sweep","httpMethod":"POST","headers":{"x-nf-event":"schedule"},`+
		`"body":"{\"next_run\":\"2026-03-01T12:10:00.000Z\"}","isBase64Encoded":false}`)
	var res events.APIGatewayProxyResponse
	var sum host.Summary
	if json.Unmarshal(data, &res) != nil || res.StatusCode != 200 || json.Unmarshal([]byte(res.Body), &sum) != nil || sum.Materialized != 1 {
		t.Fatalf("answer %s, want 200 with the summary", data)
	}
}

// TestHandlerServesIngress starts a run through each HTTP event shape:
// API Gateway REST (v1), Netlify behind its /api/wf redirect, and a
// Lambda function URL (payload 2.0); the wrong secret is refused.
func TestHandlerServesIngress(t *testing.T) {
	t.Parallel()
	body := `{\"workflowId\":\"greet\",\"runId\":\"r-1\",\"input\":{\"greeting\":\"Hi\"}}`
	for name, event := range map[string]string{
		"rest":    `{"path":"/runs","httpMethod":"POST","headers":{"Authorization":"Bearer k"},"body":"` + body + `"}`,
		"netlify": `{"path":"/api/wf/runs","httpMethod":"POST","headers":{"authorization":"Bearer k"},"body":"` + body + `"}`,
		"url": `{"version":"2.0","rawPath":"/runs","rawQueryString":"","headers":{"authorization":"Bearer k"},` +
			`"requestContext":{"http":{"method":"POST","path":"/runs"}},"body":"` + body + `","isBase64Encoded":false}`,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var res struct {
				StatusCode int    `json:"statusCode"`
				Body       string `json:"body"`
			}
			data := invoke(t, "k", event)
			if json.Unmarshal(data, &res) != nil || res.StatusCode != 201 || !strings.Contains(res.Body, `"kind":"paused"`) {
				t.Fatalf("answer %s, want 201 and a paused run", data)
			}
			data = invoke(t, "other", event)
			if json.Unmarshal(data, &res) != nil || res.StatusCode != 401 {
				t.Fatalf("wrong secret: %s, want 401", data)
			}
			data = invoke(t, "", event)
			if json.Unmarshal(data, &res) != nil || res.StatusCode != 401 {
				t.Fatalf("no secret set: %s, want 401", data)
			}
		})
	}
}
