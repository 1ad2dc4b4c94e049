package host

import "net/http"

// route is one endpoint of the ingress API. NewIngress registers each on
// its mux and the OpenAPI document describes each, so the two cannot
// disagree.
type route struct {
	method, pattern string
	operationID     string
	summary         string
	// body names the request body's schema; "" for none.
	body string
	// statuses are the success statuses; result names their body's schema.
	statuses []int
	result   string
	// codes are the failures besides those of every route
	// (commonCodes); their statuses come from the contract.
	codes []string
	serve func(*ingress, http.ResponseWriter, *http.Request)
}

// commonCodes are failures every route can answer.
var commonCodes = []string{CodeUnauthorized, CodeInternal}

// routes are the ingress API's endpoints, in the order the document lists
// them.
var routes = []route{
	{
		method: http.MethodPost, pattern: "/runs", operationID: "startRun",
		summary: "Start a run (idempotent by runId) and drive it to its first pause or end.",
		body:    "StartRequest", statuses: []int{http.StatusCreated, http.StatusOK}, result: "ResultAnswer",
		codes: []string{CodeBadRequest, CodeUnknownWorkflow, CodeRunExists, CodeTooLarge, CodeValidation, CodeUnknownQueue},
		serve: (*ingress).start,
	},
	{
		method: http.MethodGet, pattern: "/runs/{runID}", operationID: "getRun",
		summary:  "Read a run's state.",
		statuses: []int{http.StatusOK}, result: "RunAnswer",
		codes: []string{CodeBadRequest, CodeNotFound},
		serve: (*ingress).get,
	},
	{
		method: http.MethodPost, pattern: "/runs/{runID}/signals/{name}", operationID: "deliverSignal",
		summary: "Deliver a signal (idempotent by signalId) and drive the run.",
		body:    "SignalRequest", statuses: []int{http.StatusOK, http.StatusAccepted}, result: "ResultAnswer",
		codes: []string{CodeBadRequest, CodeNotFound, CodeUnknownSignal, CodeSignalLost, CodeNotWaiting, CodeTooLarge, CodeValidation},
		serve: (*ingress).signal,
	},
	{
		method: http.MethodPost, pattern: "/runs/{runID}/approvals/{approvalID}", operationID: "deliverApproval",
		summary: "Decide an approval (the first decision stands) and drive the run.",
		body:    "ApprovalRequest", statuses: []int{http.StatusOK, http.StatusAccepted}, result: "ResultAnswer",
		codes: []string{CodeBadRequest, CodeNotFound, CodeUnknownApproval, CodeApprovalLost, CodeNotWaiting, CodeTooLarge},
		serve: (*ingress).approval,
	},
	{
		method: http.MethodGet, pattern: "/openapi.json", operationID: "getOpenAPI",
		summary:  "This API's OpenAPI document.",
		statuses: []int{http.StatusOK}, result: "OpenAPIDocument",
		serve: (*ingress).openAPI,
	},
}

// newMux registers the routes, and a JSON 404 for every other request.
func (in *ingress) newMux() *http.ServeMux {
	mux := http.NewServeMux()
	for _, rt := range routes {
		serve := rt.serve
		mux.HandleFunc(rt.method+" "+rt.pattern, func(w http.ResponseWriter, r *http.Request) { serve(in, w, r) })
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		in.refuse(w, r, failure{status: http.StatusNotFound, code: CodeNotFound, message: "no such endpoint"})
	})
	return mux
}
