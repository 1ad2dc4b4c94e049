package schema_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/schema"
)

type address struct {
	City string `json:"city" jsonschema:"minLength=1"`
}

type order struct {
	ID    string    `json:"id" jsonschema:"minLength=1"`
	Qty   int       `json:"qty" jsonschema:"minimum=1"`
	Ship  address   `json:"ship"`
	Tags  []string  `json:"tags,omitempty" jsonschema:"maxItems=2"`
	Notes *string   `json:"notes,omitempty"`
	Lines []address `json:"lines,omitempty"`
}

func TestValidate(t *testing.T) {
	t.Parallel()
	v := schema.MustFor[order]("input")
	tests := []struct {
		name string
		raw  string
		want []wf.ValidationIssue // nil: valid
	}{
		{name: "valid", raw: `{"id":"a","qty":1,"ship":{"city":"Paris"}}`},
		{name: "empty is null", raw: ``, want: []wf.ValidationIssue{{Path: "", Message: "got null, want object"}}},
		{name: "not JSON", raw: `{`, want: []wf.ValidationIssue{{Message: "not valid JSON: unexpected EOF"}}},
		{
			name: "nested paths",
			raw:  `{"id":"","qty":0,"ship":{"city":""},"lines":[{"city":"x"},{"city":""}]}`,
			want: []wf.ValidationIssue{
				{Path: "/id", Message: "minLength: got 0, want 1"},
				{Path: "/lines/1/city", Message: "minLength: got 0, want 1"},
				{Path: "/qty", Message: "minimum: got 0, want 1"},
				{Path: "/ship/city", Message: "minLength: got 0, want 1"},
			},
		},
		{
			name: "missing and extra properties",
			raw:  `{"id":"a","qty":1,"ship":{"city":"x","zip":"1"},"a/b":1}`,
			want: []wf.ValidationIssue{
				{Path: "/a~1b", Message: "property is not allowed"},
				{Path: "/ship/zip", Message: "property is not allowed"},
			},
		},
		{
			name: "required",
			raw:  `{"qty":1}`,
			want: []wf.ValidationIssue{
				{Path: "/id", Message: "required property is missing"},
				{Path: "/ship", Message: "required property is missing"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := v.Validate(json.RawMessage(tt.raw))
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			var verr *wf.ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("Validate = %v, want a *wf.ValidationError", err)
			}
			if verr.Subject != "input" {
				t.Errorf("Subject = %q, want input", verr.Subject)
			}
			if diff := cmp.Diff(tt.want, verr.Issues); diff != "" {
				t.Errorf("issues (-want +got):\n%s", diff)
			}
		})
	}
}

func TestJSON(t *testing.T) {
	t.Parallel()
	v := schema.MustFor[address]("payload")
	want := `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "properties": {
    "city": {
      "type": "string",
      "minLength": 1
    }
  },
  "additionalProperties": false,
  "type": "object",
  "required": [
    "city"
  ]
}`
	if diff := cmp.Diff(want, string(v.JSON())); diff != "" {
		t.Errorf("JSON (-want +got):\n%s", diff)
	}
}

func TestForBadPattern(t *testing.T) {
	t.Parallel()
	type bad struct {
		S string `json:"s" jsonschema:"pattern=[a-"`
	}
	if _, err := schema.For[bad]("input"); err == nil {
		t.Fatal("For accepted an invalid pattern")
	}
}

func ExampleValidator_Validate() {
	type PaymentReceived struct {
		PaymentID string `json:"paymentId" jsonschema:"minLength=1"`
	}
	v := schema.MustFor[PaymentReceived]("signal payment-received")
	fmt.Println(v.Validate(json.RawMessage(`{"paymentId":"pi_1"}`)))
	fmt.Println(v.Validate(json.RawMessage(`{"paymentId":""}`)))
	// Output:
	// <nil>
	// invalid signal payment-received: /paymentId: minLength: got 0, want 1
}
