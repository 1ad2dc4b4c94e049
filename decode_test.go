package wf_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/wfgo/wf"
)

type decodeIn struct {
	Count int               `json:"count"`
	Big   int64             `json:"big"`
	Small uint8             `json:"small"`
	Items []decodeItem      `json:"items"`
	ByKey map[string]uint16 `json:"byKey"`
	Any   any               `json:"any"`
}

type decodeItem struct {
	Qty int `json:"qty"`
}

// TestValidateInputDecodes: input that is valid JSON (and that a JSON
// Schema "integer" accepts) but does not decode into the handler's input
// type is a *ValidationError at the offending value's JSON pointer, for a
// definition without a validator and for one whose validator accepts it.
func TestValidateInputDecodes(t *testing.T) {
	t.Parallel()
	h := func(*wf.Context, decodeIn) (int, error) { return 0, nil }
	defs := map[string]*wf.Definition{
		"no validator":        wf.New("w", h),
		"accepting validator": wf.New("w", h, wf.ValidateInput(func(json.RawMessage) error { return nil })),
	}
	tests := []struct {
		name, input, path string
	}{
		{"integer written as 1.0", `{"count": 1.0}`, "/count"},
		{"integer in exponent form", `{"count": 1e30}`, "/count"},
		{"int64 overflow", `{"big": 9223372036854775808}`, "/big"},
		{"uint8 overflow", `{"small": 256}`, "/small"},
		{"negative uint", `{"small": -1}`, "/small"},
		{"in an array", `{"items": [{"qty": 1}, {"qty": 2.5}]}`, "/items/1/qty"},
		{"in a map", `{"byKey": {"a/b": 1, "c~d": 70000}}`, "/byKey/c~0d"},
		{"wrong kind", `{"items": "many"}`, "/items"},
		{"wrong kind of container", `{"any": [1], "count": {"n": 1}}`, "/count"},
		{"at the root", `[1, 2]`, ""},
	}
	for name, def := range defs {
		for _, tc := range tests {
			t.Run(name+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				err := def.ValidateInput(json.RawMessage(tc.input))
				var ve *wf.ValidationError
				if !errors.As(err, &ve) {
					t.Fatalf("ValidateInput(%s) = %v, want a *ValidationError", tc.input, err)
				}
				if ve.Code() != string(wf.CodeValidation) || ve.Subject != "input" || len(ve.Issues) != 1 {
					t.Fatalf("ValidateInput(%s) = %+v, want one input issue", tc.input, ve)
				}
				if ve.Issues[0].Path != tc.path {
					t.Errorf("ValidateInput(%s): path %q, want %q (%s)", tc.input, ve.Issues[0].Path, tc.path, ve.Issues[0].Message)
				}
			})
		}
	}
	for _, ok := range []string{``, `null`, `{}`, `{"count": 3, "big": 9223372036854775807, "items": [{"qty": 1}], "any": 1.5}`} {
		if err := defs["no validator"].ValidateInput(json.RawMessage(ok)); err != nil {
			t.Errorf("ValidateInput(%s) = %v, want nil", ok, err)
		}
	}
}
