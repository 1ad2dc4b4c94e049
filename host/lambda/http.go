package lambda

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// HTTPHandler serves an http.Handler (the ingress API) from API Gateway
// proxy events, as Netlify functions and Lambda behind API Gateway receive
// them.
func HTTPHandler(h http.Handler) func(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	return func(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		body := req.Body
		if req.IsBase64Encoded {
			b, err := base64.StdEncoding.DecodeString(req.Body)
			if err != nil {
				return badRequest("body is not valid base64"), nil
			}
			body = string(b)
		}
		u := url.URL{Path: req.Path}
		q := url.Values{}
		for k, vs := range req.MultiValueQueryStringParameters {
			q[k] = vs
		}
		for k, v := range req.QueryStringParameters {
			if _, ok := q[k]; !ok {
				q.Set(k, v)
			}
		}
		u.RawQuery = q.Encode()
		r, err := http.NewRequestWithContext(ctx, req.HTTPMethod, u.String(), strings.NewReader(body))
		if err != nil {
			return badRequest("bad request line"), nil
		}
		for k, v := range req.Headers {
			r.Header.Set(k, v)
		}
		for k, vs := range req.MultiValueHeaders {
			r.Header[http.CanonicalHeaderKey(k)] = vs
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		res := rec.Result()
		out, _ := io.ReadAll(res.Body)
		headers := map[string]string{}
		for k := range res.Header {
			headers[k] = res.Header.Get(k)
		}
		return events.APIGatewayProxyResponse{StatusCode: res.StatusCode, Headers: headers, Body: string(out)}, nil
	}
}

// badRequest is the ingress API's 400 bad_request for an event that is not
// a request.
func badRequest(msg string) events.APIGatewayProxyResponse {
	body, _ := json.Marshal(map[string]any{"ok": false, "error": msg, "code": "bad_request"})
	return events.APIGatewayProxyResponse{StatusCode: http.StatusBadRequest, Headers: map[string]string{"Content-Type": "application/json"}, Body: string(body)}
}
