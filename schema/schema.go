// Package schema checks raw JSON against the JSON Schema of a Go type. It
// is the runtime half of the validators wfgen generates: the generated code
// builds one Validator per type at init,
//
//	var fulfillmentInputSchema = schema.MustFor[FulfillmentInput]("input")
//
// and passes its Validate method to wf.ValidateInput, wf.ValidateOutput and
// runtime.Workflow.Signals.
//
// The schema is reflected from the type by github.com/invopop/jsonschema
// (struct tags json and jsonschema) and compiled by
// github.com/santhosh-tekuri/jsonschema/v6. Reflection follows invopop's
// defaults, which makes validation strict: a field without omitempty (or
// omitzero) is required, and an object rejects properties its struct does
// not declare. Each type is reflected and compiled once per process,
// however many validators name it (a type shared by several versions of a
// workflow, say).
//
// Two libraries, because each does one half and neither does the other's:
// invopop only generates schemas, santhosh-tekuri only compiles and
// validates them. The schema must be reflected at run time, from the
// type itself, because a type may describe its own schema (a JSONSchema
// or JSONSchemaExtend method, which only the compiled program can call)
// and because wfgen sees the types' source, not their values; generating
// validators as Go code instead would have to reproduce both the
// reflection rules and every keyword's semantics.
package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"

	invopop "github.com/invopop/jsonschema"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/wfgo/wf"
)

// Validator validates raw JSON values against one type's JSON Schema. It is
// immutable and safe for concurrent use.
type Validator struct {
	subject  string
	doc      json.RawMessage
	compiled *jsonschema.Schema
}

// For reflects the JSON Schema of T and compiles it, once per type: a
// second call for the same T returns a validator sharing the first's
// schema. Subject names what the validator checks in its errors ("input",
// "output", "signal payment-received").
func For[T any](subject string) (*Validator, error) {
	t := reflect.TypeFor[T]()
	e, _ := cache.LoadOrStore(t, new(cached))
	c := e.(*cached)
	c.once.Do(func() {
		// invopop panics on a type JSON cannot hold (a channel, a func):
		// an error here, and for every later call, rather than a
		// half-built entry.
		defer func() {
			if r := recover(); r != nil {
				c.doc, c.compiled, c.err = nil, nil, fmt.Errorf("schema: %s: reflect: %v", t, r)
			}
		}()
		c.doc, c.compiled, c.err = compile(t)
	})
	if c.err != nil {
		return nil, c.err
	}
	return &Validator{subject: subject, doc: c.doc, compiled: c.compiled}, nil
}

// cache maps each reflect.Type For was called with to its *cached schema.
var cache sync.Map

// cached is one type's reflected and compiled schema, or why it failed.
type cached struct {
	once     sync.Once
	doc      json.RawMessage
	compiled *jsonschema.Schema
	err      error
}

// compile reflects t's schema and compiles it.
func compile(t reflect.Type) (json.RawMessage, *jsonschema.Schema, error) {
	r := &invopop.Reflector{
		// The root is the type itself rather than a $ref into $defs, and
		// it has no $id: the Go package path is not a URL anyone serves.
		ExpandedStruct: true,
		Anonymous:      true,
	}
	doc, err := json.MarshalIndent(r.ReflectFromType(t), "", "  ")
	if err != nil {
		return nil, nil, fmt.Errorf("schema: %s: encode schema: %w", t, err)
	}
	parsed, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return nil, nil, fmt.Errorf("schema: %s: decode schema: %w", t, err)
	}
	const loc = "wf:///schema.json"
	c := jsonschema.NewCompiler()
	if err := c.AddResource(loc, parsed); err != nil {
		return nil, nil, fmt.Errorf("schema: %s: %w", t, err)
	}
	compiled, err := c.Compile(loc)
	if err != nil {
		return nil, nil, fmt.Errorf("schema: %s: compile: %w", t, err)
	}
	return doc, compiled, nil
}

// MustFor is For for package-level variables: it panics when the schema
// does not compile, which depends only on T's declaration (like
// regexp.MustCompile on a constant). wfgen rejects the struct tags that
// would make it fail.
func MustFor[T any](subject string) *Validator {
	v, err := For[T](subject)
	if err != nil {
		panic(err)
	}
	return v
}

// Subject returns the name the validator gives what it checks.
func (v *Validator) Subject() string { return v.subject }

// JSON returns the schema document (JSON Schema draft 2020-12), indented.
// The caller may modify the returned slice.
func (v *Validator) JSON() json.RawMessage { return bytes.Clone(v.doc) }

// Validate checks raw against the schema; empty raw is JSON null. It
// returns nil or a *wf.ValidationError whose issues carry the JSON pointer
// of each offending value, sorted by path.
func (v *Validator) Validate(raw json.RawMessage) error {
	if len(bytes.TrimSpace(raw)) == 0 {
		raw = json.RawMessage("null")
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return &wf.ValidationError{Subject: v.subject, Issues: []wf.ValidationIssue{{Message: "not valid JSON: " + err.Error()}}}
	}
	err = v.compiled.Validate(inst)
	if err == nil {
		return nil
	}
	verr, ok := err.(*jsonschema.ValidationError)
	if !ok {
		return &wf.ValidationError{Subject: v.subject, Issues: []wf.ValidationIssue{{Message: err.Error()}}}
	}
	var issues []wf.ValidationIssue
	collect(verr, &issues)
	sort.SliceStable(issues, func(i, j int) bool { return issues[i].Path < issues[j].Path })
	return &wf.ValidationError{Subject: v.subject, Issues: issues}
}

var printer = message.NewPrinter(language.English)

// collect appends the leaves of the error tree: the wrappers (the schema,
// a $ref, allOf) say nothing a caller can act on.
func collect(e *jsonschema.ValidationError, out *[]wf.ValidationIssue) {
	if len(e.Causes) > 0 {
		for _, c := range e.Causes {
			collect(c, out)
		}
		return
	}
	path := pointer(e.InstanceLocation)
	switch k := e.ErrorKind.(type) {
	case *kind.Required:
		// Point at the missing property, not at its parent object.
		for _, name := range k.Missing {
			*out = append(*out, wf.ValidationIssue{Path: path + "/" + escape(name), Message: "required property is missing"})
		}
		return
	case *kind.AdditionalProperties:
		for _, name := range k.Properties {
			*out = append(*out, wf.ValidationIssue{Path: path + "/" + escape(name), Message: "property is not allowed"})
		}
		return
	}
	*out = append(*out, wf.ValidationIssue{Path: path, Message: e.ErrorKind.LocalizedString(printer)})
}

// pointer renders an RFC 6901 JSON pointer; the root is "".
func pointer(tokens []string) string {
	var b strings.Builder
	for _, t := range tokens {
		b.WriteByte('/')
		b.WriteString(escape(t))
	}
	return b.String()
}

var escaper = strings.NewReplacer("~", "~0", "/", "~1")

func escape(token string) string { return escaper.Replace(token) }
