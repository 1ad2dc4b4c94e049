package lambda_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/wfgo/wf/host"
	"github.com/wfgo/wf/host/internal/hosttest"
	"github.com/wfgo/wf/host/lambda"
	"github.com/wfgo/wf/runtime"
)

// An EventBridge scheduled event, as AWS delivers it.
const eventBridgeEvent = `{
  "version": "0",
  "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
  "detail-type": "Scheduled Event",
  "source": "aws.events",
  "account": "123456789012",
  "time": "2026-07-01T12:00:00Z",
  "region": "us-east-1",
  "resources": ["arn:aws:scheduler:us-east-1:123456789012:schedule/default/wf-sweep"],
  "detail": {}
}`

func TestSweepHandlerEventBridge(t *testing.T) {
	t.Parallel()
	b := hosttest.New(t, nil)
	h := lambda.SweepHandler(b.Runtime, runtime.SweepOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sum, err := h(ctx, json.RawMessage(eventBridgeEvent))
	if err != nil {
		t.Fatal(err)
	}
	if !sum.OK || sum.Summary.Scheduled[runtime.KindPaused] != 1 {
		t.Fatalf("summary %+v", sum)
	}
}

// A Netlify scheduled function receives a POST whose body is {"next_run":…}.
const netlifyScheduledEvent = `{
  "path": "/.netlify/functions/wf-sweep",
  "httpMethod": "POST",
  "headers": {"content-type": "application/json", "user-agent": "Netlify Clockwork"},
  "body": "{\"next_run\":\"2026-07-01T12:05:00.000Z\"}",
  "isBase64Encoded": false
}`

func TestNetlifySweepHandler(t *testing.T) {
	t.Parallel()
	b := hosttest.New(t, nil)
	var req events.APIGatewayProxyRequest
	if err := json.Unmarshal([]byte(netlifyScheduledEvent), &req); err != nil {
		t.Fatal(err)
	}
	res, err := lambda.NetlifySweepHandler(b.Runtime, runtime.SweepOptions{})(context.Background(), req)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("%d %v", res.StatusCode, err)
	}
	var sum host.Summary
	if err := json.Unmarshal([]byte(res.Body), &sum); err != nil || !sum.OK {
		t.Fatalf("body %s: %v", res.Body, err)
	}
}

func TestHTTPHandlerServesIngress(t *testing.T) {
	t.Parallel()
	b := hosttest.New(t, nil)
	ing, err := host.NewIngress(host.IngressConfig{Runtime: b.Runtime, Secret: "k"})
	if err != nil {
		t.Fatal(err)
	}
	h := lambda.HTTPHandler(ing)
	event := `{
	  "resource": "/{proxy+}", "path": "/runs", "httpMethod": "POST",
	  "headers": {"Authorization": "Bearer k", "Content-Type": "application/json"},
	  "body": "eyJ3b3JrZmxvd0lkIjoiZ3JlZXQiLCJydW5JZCI6ImwxIiwiaW5wdXQiOnsiZ3JlZXRpbmciOiJIaSJ9fQ==",
	  "isBase64Encoded": true
	}`
	var req events.APIGatewayProxyRequest
	if err := json.Unmarshal([]byte(event), &req); err != nil {
		t.Fatal(err)
	}
	res, err := h(context.Background(), req)
	if err != nil || res.StatusCode != 201 || !strings.Contains(res.Body, `"kind":"paused"`) || res.Headers["Content-Type"] != "application/json" {
		t.Fatalf("%d %v %s %v", res.StatusCode, err, res.Body, res.Headers)
	}
	req.Headers["Authorization"] = "Bearer wrong"
	if res, _ := h(context.Background(), req); res.StatusCode != 401 {
		t.Fatalf("wrong secret: %d", res.StatusCode)
	}
}

func TestHTTPHandlerRefusesBadBase64AsJSON(t *testing.T) {
	t.Parallel()
	b := hosttest.New(t, nil)
	ing, err := host.NewIngress(host.IngressConfig{Runtime: b.Runtime, Secret: "k"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := lambda.HTTPHandler(ing)(context.Background(), events.APIGatewayProxyRequest{
		Path: "/runs", HTTPMethod: "POST", Headers: map[string]string{"Authorization": "Bearer k"}, Body: "!!", IsBase64Encoded: true})
	var body struct {
		OK   bool   `json:"ok"`
		Code string `json:"code"`
	}
	if err != nil || res.StatusCode != 400 || res.Headers["Content-Type"] != "application/json" ||
		json.Unmarshal([]byte(res.Body), &body) != nil || body.OK || body.Code != host.CodeBadRequest {
		t.Fatalf("%d %v %s %v, want a JSON 400 bad_request", res.StatusCode, err, res.Body, res.Headers)
	}
}
