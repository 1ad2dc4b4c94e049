package fulfillment_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	handler "github.com/wfgo/wf/examples/fulfillment/wfhosts/vercel/api"
	"github.com/wfgo/wf/host"
)

// lambdaRuntimeAPI stands in for the Lambda Runtime API: it hands the
// function one event and records its answer. Further polls for events
// wait until the test ends, as Lambda freezes an idle function.
type lambdaRuntimeAPI struct {
	event  []byte
	answer chan lambdaAnswer
}

// lambdaAnswer is what the function posted: its response or its error.
type lambdaAnswer struct {
	path string
	body []byte
}

func newLambdaRuntimeAPI(t *testing.T, event string) (*lambdaRuntimeAPI, string) {
	t.Helper()
	api := &lambdaRuntimeAPI{event: []byte(event), answer: make(chan lambdaAnswer, 1)}
	served := make(chan struct{}, 1)
	served <- struct{}{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodGet && r.URL.Path == "/2018-06-01/runtime/invocation/next":
			select {
			case <-served:
			default:
				<-r.Context().Done()
				return
			}
			w.Header().Set("Lambda-Runtime-Aws-Request-Id", "req-1")
			w.Header().Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(time.Now().Add(60*time.Second).UnixMilli(), 10))
			w.Header().Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:wf-sweep")
			w.Header().Set("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000")
			_, _ = w.Write(api.event)
		case r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/2018-06-01/runtime/"):
			body, _ := io.ReadAll(r.Body)
			w.WriteHeader(http.StatusAccepted)
			select {
			case api.answer <- lambdaAnswer{path: r.URL.Path, body: body}:
			default:
			}
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return api, strings.TrimPrefix(srv.URL, "http://")
}

// invoke runs the function of host name against a Runtime API that
// hands it event and returns what the function answered.
func invoke(t *testing.T, name, event, store string) lambdaAnswer {
	t.Helper()
	api, addr := newLambdaRuntimeAPI(t, event)
	cmd := hostCommand(t, name, "WF_SQLITE_PATH="+store, "AWS_LAMBDA_RUNTIME_API="+addr)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	select {
	case a := <-api.answer:
		return a
	case <-time.After(20 * time.Second):
		t.Fatalf("%s answered nothing; stderr:\n%s", name, stderr.String())
	}
	panic("unreachable")
}

// The event EventBridge Scheduler sends for a schedule without input.
const schedulerEvent = `{"version":"0","id":"53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa","detail-type":"Scheduled Event",` +
	`"source":"aws.scheduler","account":"123456789012","time":"2026-03-01T12:05:00Z","region":"us-east-1",` +
	`"resources":["arn:aws:scheduler:us-east-1:123456789012:schedule/default/wf-sweep"],"detail":"{}"}`

// The event of a Netlify scheduled function: a POST whose body says when
// it runs next.
const netlifyEvent = `{"path":"/.netlify/functions/wf-sweep","httpMethod":"POST","headers":{"x-nf-event":"schedule",` +
	`"user-agent":"Netlify Clockwork"},"queryStringParameters":{},"body":"{\"next_run\":\"2026-03-01T12:10:00.000Z\"}",` +
	`"isBase64Encoded":false}`

func TestHostLambda(t *testing.T) {
	t.Parallel()
	a := invoke(t, "lambda", schedulerEvent, hostStore(t))
	if a.path != "/2018-06-01/runtime/invocation/req-1/response" {
		t.Fatalf("the function posted to %s: %s", a.path, a.body)
	}
	decodeSummary(t, "lambda", a.body)
}

func TestHostLambdaUnmigrated(t *testing.T) {
	t.Parallel()
	var stderr bytes.Buffer
	cmd := hostCommand(t, "lambda", "WF_SQLITE_PATH="+unmigratedStore(t), "AWS_LAMBDA_RUNTIME_API=127.0.0.1:1")
	cmd.Stderr = &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 || !strings.Contains(stderr.String(), "wf migrate") {
		t.Fatalf("lambda on an unmigrated database: %v, want exit status 1 and a log naming wf migrate; stderr:\n%s", err, stderr.String())
	}
}

func TestHostNetlify(t *testing.T) {
	t.Parallel()
	a := invoke(t, "netlify", netlifyEvent, hostStore(t))
	if a.path != "/2018-06-01/runtime/invocation/req-1/response" {
		t.Fatalf("the function posted to %s: %s", a.path, a.body)
	}
	var res events.APIGatewayProxyResponse
	if err := json.Unmarshal(a.body, &res); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("netlify answered %s (%v), want status 200", a.body, err)
	}
	decodeSummary(t, "netlify", []byte(res.Body))
}

var vercelServed atomic.Bool

// TestHostVercel serves the Vercel functions as Vercel's Go runtime does:
// the exported handler of each api/ file, with the request as the client
// sent it. The handlers read their environment, so it runs alone.
func TestHostVercel(t *testing.T) {
	if vercelServed.Swap(true) {
		t.Skip("the handlers keep the store of their first request for the life of the process, as a Vercel instance does")
	}
	for _, k := range hostEnv {
		t.Setenv(k, "")
	}
	t.Setenv("WF_SQLITE_PATH", hostStore(t))
	t.Setenv("CRON_SECRET", "cron-s3cret")
	t.Setenv("WF_INGRESS_SECRET", "ingress-s3cret")

	serve := func(h http.HandlerFunc, method, path, token, body string) (int, []byte) {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		rec := httptest.NewRecorder()
		h(rec, req)
		return rec.Code, rec.Body.Bytes()
	}
	for _, token := range []string{"", "wrong"} {
		status, body := serve(handler.Sweep, http.MethodGet, "/api/wf-sweep", token, "")
		if status != http.StatusUnauthorized || string(bytes.TrimSpace(body)) != `{"error":"Unauthorized","ok":false}` {
			t.Errorf("sweep with token %q: %d %s, want 401 {ok:false,error:Unauthorized}", token, status, body)
		}
	}
	status, body := serve(handler.Sweep, http.MethodGet, "/api/wf-sweep", "cron-s3cret", "")
	if status != http.StatusOK {
		t.Fatalf("sweep: %d %s, want 200", status, body)
	}
	decodeSummary(t, "vercel sweep", body)

	if status, _ := serve(handler.Ingress, http.MethodGet, "/api/wf/runs/order-1", "cron-s3cret", ""); status != http.StatusUnauthorized {
		t.Errorf("ingress with the cron secret: %d, want 401", status)
	}
	status, body = serve(handler.Ingress, http.MethodPost, "/api/wf/runs", "ingress-s3cret",
		`{"workflowId":"fulfillment","runId":"order-2","input":{"orderId":"order-2","delayMs":60000}}`)
	var started struct{ Result host.ResultJSON }
	if err := json.Unmarshal(body, &started); err != nil || status != http.StatusCreated || started.Result.Kind != "paused" {
		t.Fatalf("start over the ingress: %d %s, want 201 and a paused run", status, body)
	}
	// The rewrite's destination serves the same API.
	status, body = serve(handler.Ingress, http.MethodGet, "/api/wf-ingress/runs/order-2", "ingress-s3cret", "")
	var read struct{ Run host.RunJSON }
	if err := json.Unmarshal(body, &read); err != nil || status != http.StatusOK || read.Run.Status != "paused" {
		t.Errorf("read over the ingress: %d %s, want 200 and the paused run", status, body)
	}
}

// TestHostFunctionsServeIngress starts a run through the ingress API of
// the Lambda function (a function URL's event) and of the Netlify one
// (behind netlify.toml's /api/wf redirect), each with its secret.
func TestHostFunctionsServeIngress(t *testing.T) {
	t.Parallel()
	body := strconv.Quote(`{"workflowId":"fulfillment","runId":"order-9","input":{"orderId":"order-9","delayMs":60000}}`)
	for name, event := range map[string]string{
		"lambda": `{"version":"2.0","rawPath":"/runs","rawQueryString":"","headers":{"authorization":"Bearer in-s3cret"},` +
			`"requestContext":{"http":{"method":"POST","path":"/runs"}},"body":` + body + `,"isBase64Encoded":false}`,
		"netlify": `{"path":"/api/wf/runs","httpMethod":"POST","headers":{"authorization":"Bearer in-s3cret"},"body":` + body + `}`,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			api, addr := newLambdaRuntimeAPI(t, event)
			cmd := hostCommand(t, name, "WF_SQLITE_PATH="+hostStore(t), "AWS_LAMBDA_RUNTIME_API="+addr, "WF_INGRESS_SECRET=in-s3cret")
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
			var a lambdaAnswer
			select {
			case a = <-api.answer:
			case <-time.After(20 * time.Second):
				t.Fatalf("%s answered nothing; stderr:\n%s", name, stderr.String())
			}
			var res struct {
				StatusCode int    `json:"statusCode"`
				Body       string `json:"body"`
			}
			if err := json.Unmarshal(a.body, &res); err != nil || res.StatusCode != http.StatusCreated || !strings.Contains(res.Body, `"kind":"paused"`) {
				t.Fatalf("%s answered %s, want 201 and a paused run", name, a.body)
			}
		})
	}
}
