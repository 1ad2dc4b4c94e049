package wf

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// decodeCheck returns a check that raw decodes into T: JSON Schema's
// "integer" accepts 1.0 and 1e30, and a schema may not bound an int64, but
// encoding/json refuses all three. Running the check before a value is
// stored turns a run that could never start into a validation_error.
func decodeCheck[T any](subject string) func(raw json.RawMessage) error {
	return func(raw json.RawMessage) error {
		if len(raw) == 0 {
			return nil
		}
		var v T
		err := json.Unmarshal(raw, &v)
		if err == nil {
			return nil
		}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			msg := fmt.Sprintf("%s does not fit Go type %s", te.Value, te.Type)
			return &ValidationError{Subject: subject, Issues: []ValidationIssue{{Path: pointerAt(raw, te.Offset), Message: msg}}}
		}
		return &ValidationError{Subject: subject, Issues: []ValidationIssue{{Message: err.Error()}}}
	}
}

// pointerAt returns the JSON pointer of the value of raw that ends at
// offset end (where encoding/json reports a type error), or "" when it
// cannot tell.
func pointerAt(raw []byte, end int64) string {
	dec := json.NewDecoder(bytes.NewReader(raw))
	var path []string
	// inObject[i] tells whether path level i is in an object (its segment
	// is a key) or in an array (its segment is the current index).
	var inObject []bool
	var expectKey bool
	for {
		tok, err := dec.Token()
		if err != nil { // io.EOF included: the offset was not found
			return ""
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			at := pointer(path[:len(path)-1])
			path, inObject = path[:len(path)-1], inObject[:len(inObject)-1]
			if dec.InputOffset() >= end {
				return at
			}
			expectKey = advance(path, inObject)
			continue
		}
		if expectKey {
			path[len(path)-1] = tok.(string)
			expectKey = false
			continue
		}
		if d, ok := tok.(json.Delim); ok {
			if dec.InputOffset() >= end { // a container where a scalar belongs
				return pointer(path)
			}
			path = append(path, "")
			inObject = append(inObject, d == '{')
			if d == '[' {
				path[len(path)-1] = "0"
			}
			expectKey = d == '{'
			continue
		}
		if dec.InputOffset() >= end {
			return pointer(path)
		}
		expectKey = advance(path, inObject)
	}
}

// advance moves past a value inside the innermost container: an array
// goes to its next index, an object expects its next key.
func advance(path []string, inObject []bool) bool {
	if len(path) == 0 {
		return false
	}
	if inObject[len(inObject)-1] {
		return true
	}
	i, _ := strconv.Atoi(path[len(path)-1])
	path[len(path)-1] = strconv.Itoa(i + 1)
	return false
}

// pointer joins path segments as an RFC 6901 JSON pointer.
func pointer(path []string) string {
	var b strings.Builder
	esc := strings.NewReplacer("~", "~0", "/", "~1")
	for _, p := range path {
		b.WriteByte('/')
		b.WriteString(esc.Replace(p))
	}
	return b.String()
}
