package host

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestOpenAPIMatchesMux checks that every operation of the served document
// is routed by the mux to its own pattern, that every route is documented,
// and that the documented answers are exactly the contract's.
func TestOpenAPIMatchesMux(t *testing.T) {
	t.Parallel()
	in := &ingress{openAPIDoc: openAPIJSON()}
	mux := in.newMux()
	var doc struct {
		OpenAPI string
		Paths   map[string]map[string]struct {
			OperationID string
			Parameters  []struct{ Name, In string }
			Responses   map[string]struct {
				Content map[string]struct {
					Schema struct {
						AllOf []struct {
							Properties struct {
								Code struct{ Enum []string }
							}
						}
					}
				}
			}
		}
	}
	if err := json.Unmarshal(in.openAPIDoc, &doc); err != nil || doc.OpenAPI != "3.1.0" {
		t.Fatalf("document: %v %q", err, doc.OpenAPI)
	}

	documented := map[string]bool{}
	answers := map[ContractRow]bool{}
	for pattern, ops := range doc.Paths {
		for method, op := range ops {
			method = strings.ToUpper(method)
			documented[method+" "+pattern] = true
			// A request for the operation, with a value in each parameter,
			// reaches the mux pattern the document names.
			path := pattern
			for _, p := range op.Parameters {
				if p.In != "path" || !strings.Contains(path, "{"+p.Name+"}") {
					t.Errorf("%s %s: parameter %+v is not in the path", method, pattern, p)
				}
				path = strings.ReplaceAll(path, "{"+p.Name+"}", "x1")
			}
			if strings.Contains(path, "{") {
				t.Errorf("%s %s: a path wildcard is not documented", method, pattern)
			}
			if _, got := mux.Handler(httptest.NewRequest(method, path, nil)); got != method+" "+pattern {
				t.Errorf("%s %s (operation %s) is served by mux pattern %q", method, path, op.OperationID, got)
			}
			for status, res := range op.Responses {
				n, err := strconv.Atoi(status)
				if err != nil {
					t.Fatalf("%s %s: status %q", method, pattern, status)
				}
				allOf := res.Content["application/json"].Schema.AllOf
				if len(allOf) < 2 {
					answers[ContractRow{Status: n}] = true
					continue
				}
				for _, code := range allOf[1].Properties.Code.Enum {
					answers[ContractRow{Status: n, Code: code}] = true
				}
			}
		}
	}
	for _, rt := range routes {
		if !documented[rt.method+" "+rt.pattern] {
			t.Errorf("route %s %s is not in the document", rt.method, rt.pattern)
		}
	}
	if len(documented) != len(routes) {
		t.Errorf("the document has %d operations, the mux %d routes", len(documented), len(routes))
	}
	var rows []ContractRow
	for _, row := range Contract() {
		rows = append(rows, ContractRow{Status: row.Status, Code: row.Code})
		if !answers[ContractRow{Status: row.Status, Code: row.Code}] {
			t.Errorf("contract row %d %q is not documented", row.Status, row.Code)
		}
	}
	for a := range answers {
		if !slices.Contains(rows, a) {
			t.Errorf("documented answer %d %q is not in the contract", a.Status, a.Code)
		}
	}
	// The fallback answers other requests with a JSON 404.
	if _, got := mux.Handler(httptest.NewRequest(http.MethodDelete, "/runs/x1", nil)); got != "/" {
		t.Errorf("DELETE /runs/x1 is served by %q", got)
	}
}

func TestContractCodesAreUnique(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, row := range Contract() {
		if row.Code == "" {
			continue
		}
		if seen[row.Code] {
			t.Errorf("code %s has two statuses", row.Code)
		}
		seen[row.Code] = true
		if row.Meaning == "" {
			t.Errorf("code %s has no meaning", row.Code)
		}
	}
}
