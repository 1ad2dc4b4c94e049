package lambda

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"time"

	awslambda "github.com/aws/aws-lambda-go/lambda"

	"github.com/aws/aws-lambda-go/events"

	"github.com/wfgo/wf/host"
	"github.com/wfgo/wf/runtime"
)

// NetlifyMaxSweep caps a Netlify scheduled sweep: Netlify ends a
// scheduled run after 30 seconds.
const NetlifyMaxSweep = 25 * time.Second

// IngressPrefixes are the path prefixes cut before the ingress API sees a
// request: Netlify's function path and the /api/wf path that netlify.toml
// redirects to it.
var IngressPrefixes = []string{"/.netlify/functions/wf-ingress", "/.netlify/functions/wf-sweep", "/api/wf"}

// Options configure Start.
type Options struct {
	// Sweep bounds each scheduled sweep, and is cut to end before the
	// invocation's deadline.
	Sweep runtime.SweepOptions
}

// Start opens app's store and serves Lambda invocations with Handler until
// the process ends: it is the whole of a generated Lambda or Netlify
// function's main. When the store cannot be opened (an unmigrated
// database included) it logs why and exits 1, and the platform reports
// the failed initialisation.
func Start(app host.App, opts Options) {
	logger := app.Log()
	app.Logger = logger
	rt, _, err := app.Start(context.Background())
	if err != nil {
		logger.Error("wf: cannot start", "err", err)
		os.Exit(1)
	}
	awslambda.Start(Handler(rt, app.Env("WF_INGRESS_SECRET"), opts))
}

// Handler returns the Lambda handler of one function that both sweeps and
// serves the ingress API, telling them apart by the event's shape:
//
//   - an API Gateway REST (v1) or Netlify request whose body says
//     "next_run" is a Netlify scheduled run: it sweeps for at most
//     NetlifyMaxSweep and answers with the summary (500 when it failed);
//   - any other API Gateway REST (v1), HTTP API (v2), Lambda function URL
//     or Netlify request is served by the ingress API, each request
//     carrying "Authorization: Bearer <secret>" (every request is refused
//     while secret is empty);
//   - any other event (EventBridge Scheduler's, a cron rule's) sweeps and
//     returns the summary, a failed sweep failing the invocation.
func Handler(rt *runtime.Runtime, secret string, opts Options) func(ctx context.Context, event json.RawMessage) (any, error) {
	sweep := SweepHandler(rt, opts.Sweep)
	netlify := NetlifySweepHandler(rt, opts.Sweep)
	var ingress http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host.WriteError(w, http.StatusUnauthorized, host.CodeUnauthorized, "Unauthorized", nil)
	})
	if secret != "" {
		if h, err := host.NewIngress(host.IngressConfig{Runtime: rt, Secret: secret}); err == nil {
			ingress = h
		}
	}
	ingress = host.StripPrefixes(ingress, IngressPrefixes...)
	serveV1, serveV2 := HTTPHandler(ingress), HTTPV2Handler(ingress)
	return func(ctx context.Context, event json.RawMessage) (any, error) {
		var shape struct {
			HTTPMethod     string `json:"httpMethod"`
			Body           string `json:"body"`
			RequestContext struct {
				HTTP struct {
					Method string `json:"method"`
				} `json:"http"`
			} `json:"requestContext"`
		}
		_ = json.Unmarshal(event, &shape) // an event that is no object is a schedule's
		switch {
		case shape.HTTPMethod != "":
			var req events.APIGatewayProxyRequest
			if err := json.Unmarshal(event, &req); err != nil {
				return badRequest("not an API Gateway request"), nil
			}
			if isNetlifySchedule(req.Body) {
				return netlify(ctx, req)
			}
			return serveV1(ctx, req)
		case shape.RequestContext.HTTP.Method != "":
			var req events.APIGatewayV2HTTPRequest
			if err := json.Unmarshal(event, &req); err != nil {
				return badRequest("not an HTTP API request"), nil
			}
			return serveV2(ctx, req)
		}
		return sweep(ctx, event)
	}
}

// isNetlifySchedule reports whether body is a Netlify scheduled run's:
// {"next_run": "…"}.
func isNetlifySchedule(body string) bool {
	var b struct {
		NextRun *string `json:"next_run"`
	}
	return json.Unmarshal([]byte(body), &b) == nil && b.NextRun != nil
}

// HTTPV2Handler serves h from API Gateway HTTP API (payload 2.0) and
// Lambda function URL events.
func HTTPV2Handler(h http.Handler) func(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	v1 := HTTPHandler(h)
	return func(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		q, err := url.ParseQuery(req.RawQueryString)
		if err != nil {
			res := badRequest("bad query string")
			return events.APIGatewayV2HTTPResponse{StatusCode: res.StatusCode, Headers: res.Headers, Body: res.Body}, nil
		}
		res, err := v1(ctx, events.APIGatewayProxyRequest{
			Path: req.RawPath, HTTPMethod: req.RequestContext.HTTP.Method, Headers: req.Headers,
			MultiValueQueryStringParameters: q, Body: req.Body, IsBase64Encoded: req.IsBase64Encoded,
		})
		return events.APIGatewayV2HTTPResponse{StatusCode: res.StatusCode, Headers: res.Headers, Body: res.Body}, err
	}
}
