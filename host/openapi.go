package host

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/wfgo/wf/runtime"
)

// The OpenAPI document of the ingress API is built from routes (what the
// mux serves) and contract (what each status and code means), so that it
// describes exactly what NewIngress routes.

type openAPIDocument struct {
	OpenAPI    string                          `json:"openapi"`
	Info       openAPIInfo                     `json:"info"`
	Security   []map[string][]string           `json:"security"`
	Paths      map[string]map[string]operation `json:"paths"`
	Components openAPIComponents               `json:"components"`
}

type openAPIInfo struct {
	Title       string `json:"title"`
	Version     string `json:"version"`
	Description string `json:"description"`
}

type openAPIComponents struct {
	Schemas         map[string]schema `json:"schemas"`
	SecuritySchemes map[string]schema `json:"securitySchemes"`
}

type operation struct {
	OperationID string              `json:"operationId"`
	Summary     string              `json:"summary"`
	Parameters  []parameter         `json:"parameters,omitempty"`
	RequestBody *requestBody        `json:"requestBody,omitempty"`
	Responses   map[string]response `json:"responses"`
}

type parameter struct {
	Name     string `json:"name"`
	In       string `json:"in"`
	Required bool   `json:"required"`
	Schema   schema `json:"schema"`
}

type requestBody struct {
	Required bool                 `json:"required"`
	Content  map[string]mediaType `json:"content"`
}

type response struct {
	Description string               `json:"description"`
	Content     map[string]mediaType `json:"content"`
}

type mediaType struct {
	Schema schema `json:"schema"`
}

// schema is a JSON Schema (or another OpenAPI object) as plain values.
type schema = map[string]any

// openAPIJSON returns the ingress API's OpenAPI document, marshalled.
func openAPIJSON() []byte {
	data, err := json.MarshalIndent(newOpenAPIDocument(), "", "  ")
	if err != nil {
		panic("host: the OpenAPI document does not marshal: " + err.Error()) // only plain values: cannot happen
	}
	return data
}

func newOpenAPIDocument() openAPIDocument {
	doc := openAPIDocument{
		OpenAPI: "3.1.0",
		Info: openAPIInfo{Title: "wf ingress API", Version: "1",
			Description: "Starts runs and delivers signals and approvals. Every answer is JSON with ok; failures carry a stable code and a message (error)."},
		Security: []map[string][]string{{"bearerAuth": {}}},
		Paths:    map[string]map[string]operation{},
		Components: openAPIComponents{
			Schemas:         openAPISchemas(),
			SecuritySchemes: map[string]schema{"bearerAuth": {"type": "http", "scheme": "bearer"}},
		},
	}
	for _, rt := range routes {
		ops := doc.Paths[rt.pattern]
		if ops == nil {
			ops = map[string]operation{}
			doc.Paths[rt.pattern] = ops
		}
		ops[strings.ToLower(rt.method)] = newOperation(rt)
	}
	return doc
}

func newOperation(rt route) operation {
	op := operation{OperationID: rt.operationID, Summary: rt.summary, Parameters: pathParameters(rt.pattern), Responses: map[string]response{}}
	if rt.body != "" {
		op.RequestBody = &requestBody{Required: true, Content: jsonContent(ref(rt.body))}
	}
	for _, status := range rt.statuses {
		op.Responses[strconv.Itoa(status)] = response{Description: meaning(status, ""), Content: jsonContent(ref(rt.result))}
	}
	byStatus := map[int][]string{}
	for _, code := range append(append([]string(nil), rt.codes...), commonCodes...) {
		status := statusOf(code)
		byStatus[status] = append(byStatus[status], code)
	}
	for status, codes := range byStatus {
		var meanings []string
		for _, c := range codes {
			meanings = append(meanings, c+": "+meaning(status, c))
		}
		op.Responses[strconv.Itoa(status)] = response{
			Description: strings.Join(meanings, "; "),
			Content: jsonContent(schema{"allOf": []schema{ref("Error"),
				{"properties": schema{"code": schema{"enum": codes}}}}}),
		}
	}
	return op
}

// pathParameters are the {wildcards} of a mux pattern.
func pathParameters(pattern string) []parameter {
	var out []parameter
	for _, seg := range strings.Split(pattern, "/") {
		if name, ok := strings.CutPrefix(seg, "{"); ok {
			out = append(out, parameter{Name: strings.TrimSuffix(name, "}"), In: "path", Required: true, Schema: idSchema()})
		}
	}
	return out
}

// statusOf is the status the contract gives a failure code.
func statusOf(code string) int {
	for _, row := range contract {
		if row.Code == code && code != "" {
			return row.Status
		}
	}
	panic("host: code " + code + " is not in the contract") // routes are static: a test catches it
}

func meaning(status int, code string) string {
	for _, row := range contract {
		if row.Status == status && row.Code == code {
			return row.Meaning
		}
	}
	return ""
}

func ref(name string) schema { return schema{"$ref": "#/components/schemas/" + name} }

func jsonContent(s schema) map[string]mediaType {
	return map[string]mediaType{"application/json": {Schema: s}}
}

// idSchema describes run, signal and approval IDs (runtime.CheckID).
func idSchema() schema {
	return schema{"type": "string", "minLength": 1, "maxLength": runtime.MaxIDBytes,
		"description": `UTF-8, at most 255 bytes, no NUL or "/", not "." or ".."; names starting with "__" are reserved`}
}

func openAPISchemas() map[string]schema {
	str := schema{"type": "string"}
	meta := schema{"type": "object", "additionalProperties": str}
	result := schema{"type": "object", "required": []string{"kind", "eventCount"}, "properties": schema{
		"kind": schema{"type": "string", "enum": []runtime.ResultKind{runtime.KindCompleted, runtime.KindPaused, runtime.KindErrored,
			runtime.KindCanceled, runtime.KindRunning, runtime.KindQueued, runtime.KindAccepted, runtime.KindDuplicate, runtime.KindLost, runtime.KindNotWaiting}},
		"existing":   schema{"type": "boolean"},
		"code":       str,
		"eventCount": schema{"type": "integer"},
		"run":        ref("Run"),
	}}
	return map[string]schema{
		"StartRequest": {"type": "object", "additionalProperties": false, "required": []string{"workflowId"}, "properties": schema{
			"workflowId": schema{"type": "string", "minLength": 1},
			"runId":      idSchema(),
			"input":      schema{"description": "the workflow's input, checked against its JSON Schema"},
			"queue": schema{"type": "string", "minLength": 1,
				"description": "a queue the runtime declares; defaults to the workflow's own queue, if any. The run waits on it (result kind queued) until admitted"},
			"partition": schema{"type": "string", "description": "the run's partition key on a partitioned queue; defaults to what the workflow reads from its input"},
			"priority":  schema{"type": "integer", "description": "admission priority on the queue, higher first; defaults to what the workflow reads from its input"},
		}},
		"SignalRequest": {"type": "object", "additionalProperties": false, "required": []string{"signalId"}, "properties": schema{
			"signalId": idSchema(),
			"stepId":   schema{"type": "string", "description": "targets one wait when several share the name"},
			"payload":  schema{"description": "the signal's payload, checked against its JSON Schema"},
			"meta":     meta,
		}},
		"ApprovalRequest": {"type": "object", "additionalProperties": false, "required": []string{"approved"}, "properties": schema{
			"approved": schema{"type": "boolean"},
			"feedback": str,
			"meta":     meta,
		}},
		"Result": result,
		"ResultAnswer": {"type": "object", "required": []string{"ok", "result"}, "properties": schema{
			"ok": schema{"const": true}, "result": ref("Result"),
		}},
		"RunAnswer": {"type": "object", "required": []string{"ok", "run"}, "properties": schema{
			"ok": schema{"const": true}, "run": ref("Run"),
		}},
		"Run": {"type": "object", "required": []string{"id", "workflowId", "version", "status", "createdAt", "updatedAt"}, "properties": schema{
			"id": str, "workflowId": str, "version": str, "status": str,
			"output": schema{}, "error": schema{"type": "object"}, "awaiting": schema{"type": "array"},
			"wakeAt":       schema{"type": "string", "format": "date-time"},
			"createdAt":    schema{"type": "string", "format": "date-time"},
			"updatedAt":    schema{"type": "string", "format": "date-time"},
			"queue":        schema{"type": "string", "description": "the queue the run was started on"},
			"partitionKey": str,
			"admittedAt":   schema{"type": "string", "format": "date-time", "description": "when the queue admitted the run; absent while it waits"},
		}},
		"Error": {"type": "object", "required": []string{"ok", "code", "error", "message"}, "properties": schema{
			"ok":      schema{"const": false},
			"code":    str,
			"error":   schema{"type": "string", "description": "a message for people; never internal details"},
			"message": schema{"type": "string", "description": "the same message as error"},
			"field":   schema{"type": "string", "description": "the request field at fault (bad_request)"},
			"issues":  schema{"type": "array", "description": "where the value breaks its JSON Schema (validation_error)"},
			"result":  ref("Result"),
		}},
		"OpenAPIDocument": {"type": "object"},
	}
}
