package wf

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Handler is a workflow's body: an ordinary method that takes the run's
// context and its decoded input and returns an output or an error.
type Handler[I, O any] func(ctx *Context, in I) (O, error)

// Validator checks a raw JSON value at a boundary (input, output, signal
// payload). It returns a *ValidationError when the value does not fit.
// wfgen generates one per type from its JSON Schema.
type Validator func(raw json.RawMessage) error

// Definition is one version of a workflow: its ID, version, handler and
// options. Build it with New; a Definition is immutable after New returns.
type Definition struct {
	id             string
	version        string
	handler        func(ctx *Context, in json.RawMessage) (json.RawMessage, error)
	validateInput  Validator
	decodeInput    Validator
	validateOutput Validator
	middleware     []Middleware
	defaultRetry   *RetryPolicy
	stepOptions    map[string][]StepOption
	previous       []*Definition
	concurrency    int
	err            error
}

// Option configures a Definition.
type Option func(*Definition)

// Version sets the definition's version string (e.g. "v2"). New runs record
// it; resumed runs are routed to the definition of the version they started
// on. Defaults to "v1".
func Version(v string) Option { return func(d *Definition) { d.version = v } }

// Previous lists earlier versions of the same workflow that must stay
// loadable until their runs end.
func Previous(defs ...*Definition) Option {
	return func(d *Definition) { d.previous = append(d.previous, defs...) }
}

// ValidateInput sets the validator applied to raw input before a run starts.
func ValidateInput(v Validator) Option { return func(d *Definition) { d.validateInput = v } }

// ValidateOutput sets the validator applied to the output before it is stored.
func ValidateOutput(v Validator) Option { return func(d *Definition) { d.validateOutput = v } }

// Use adds middleware; the first added is the outermost.
func Use(mw ...Middleware) Option {
	return func(d *Definition) { d.middleware = append(d.middleware, mw...) }
}

// DefaultRetry sets the retry policy of steps that set none.
func DefaultRetry(p RetryPolicy) Option { return func(d *Definition) { d.defaultRetry = &p } }

// DefaultConcurrency is how many steps started with Go run at once in one
// invocation of a run unless MaxConcurrency says otherwise.
const DefaultConcurrency = 16

// MaxConcurrency bounds how many steps started with Go run at once in one
// invocation of a run (default DefaultConcurrency; 0 or less: no bound).
// The others wait, in no promised order, and start as running ones end. A
// Group may bound its own members further (GroupLimit).
func MaxConcurrency(n int) Option { return func(d *Definition) { d.concurrency = n } }

// StepOptions sets default options for the step with that ID (wfgen writes
// them from //wf:step directives); options given at the call site apply
// after them.
func StepOptions(id StepID, opts ...StepOption) Option {
	return func(d *Definition) {
		if d.stepOptions == nil {
			d.stepOptions = map[string][]StepOption{}
		}
		d.stepOptions[string(id)] = append(d.stepOptions[string(id)], opts...)
	}
}

// New defines a workflow version. The ID is the stable wire name of the
// workflow; it must be non-empty and must not change once runs exist.
// Mistakes (an empty ID, a nil handler, a version listed twice) are reported
// by Err and by the runtime at registration, never by a panic.
func New[I, O any](id string, h Handler[I, O], opts ...Option) *Definition {
	d := &Definition{id: id, version: "v1", concurrency: DefaultConcurrency}
	for _, o := range opts {
		o(d)
	}
	switch {
	case strings.TrimSpace(id) == "":
		d.err = errors.New("wf: workflow ID is empty")
	case h == nil:
		d.err = fmt.Errorf("wf: workflow %q: handler is nil", id)
	case d.version == "":
		d.err = fmt.Errorf("wf: workflow %q: version is empty", id)
	}
	if d.err == nil {
		d.err = d.checkPrevious()
	}
	if h != nil {
		d.handler = erase(h)
	}
	d.decodeInput = decodeCheck[I]("input")
	return d
}

func erase[I, O any](h Handler[I, O]) func(*Context, json.RawMessage) (json.RawMessage, error) {
	return func(ctx *Context, raw json.RawMessage) (json.RawMessage, error) {
		var in I
		if len(raw) > 0 {
			if err := json.Unmarshal(raw, &in); err != nil {
				return nil, &ValidationError{Subject: "input", Issues: []ValidationIssue{{Message: err.Error()}}}
			}
		}
		out, err := h(ctx, in)
		if err != nil {
			return nil, err
		}
		b, err := json.Marshal(out)
		if err != nil {
			return nil, fmt.Errorf("wf: encode output: %w", err)
		}
		return b, nil
	}
}

func (d *Definition) checkPrevious() error {
	byVersion := map[string]*Definition{}
	var walk func(*Definition) error
	walk = func(x *Definition) error {
		if x == nil {
			return fmt.Errorf("wf: workflow %q: nil previous version", d.id)
		}
		if x.id != d.id {
			return fmt.Errorf("wf: workflow %q: previous version %s belongs to workflow %q", d.id, x.version, x.id)
		}
		if seen, ok := byVersion[x.version]; ok {
			if seen != x {
				return fmt.Errorf("wf: workflow %q: two definitions of version %q", d.id, x.version)
			}
			return nil
		}
		byVersion[x.version] = x
		for _, p := range x.previous {
			if err := walk(p); err != nil {
				return err
			}
		}
		return nil
	}
	return walk(d)
}

// ID returns the workflow's stable ID.
func (d *Definition) ID() string { return d.id }

// Version returns this definition's version.
func (d *Definition) Version() string { return d.version }

// Err reports a mistake in the definition, if any.
func (d *Definition) Err() error { return d.err }

// Versions returns this version and every reachable previous one, sorted.
func (d *Definition) Versions() []string {
	seen := map[string]bool{}
	var walk func(*Definition)
	walk = func(x *Definition) {
		if x == nil || seen[x.version] {
			return
		}
		seen[x.version] = true
		for _, p := range x.previous {
			walk(p)
		}
	}
	walk(d)
	out := make([]string, 0, len(seen))
	for v := range seen {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}

// VersionMismatchError reports a run whose recorded version is not
// registered.
type VersionMismatchError struct {
	WorkflowID string
	Version    string
	Known      []string
}

func (e *VersionMismatchError) Error() string {
	return fmt.Sprintf("workflow %q has no version %q (registered: %s)", e.WorkflowID, e.Version, strings.Join(e.Known, ", "))
}

// Code returns CodeVersionMismatch.
func (e *VersionMismatchError) Code() string { return string(CodeVersionMismatch) }

// Resolve routes a run to the definition of its recorded version: "" means
// a new run (this, the latest, version).
func (d *Definition) Resolve(version string) (*Definition, error) {
	if version == "" || version == d.version {
		return d, nil
	}
	for _, p := range d.previous {
		if r, err := p.Resolve(version); err == nil {
			return r, nil
		}
	}
	return nil, &VersionMismatchError{WorkflowID: d.id, Version: version, Known: d.Versions()}
}

// ValidateInput checks raw input with the definition's validator and that
// it decodes into the handler's input type; it runs before anything is
// stored. A value the schema accepts but Go cannot decode (1.0 or 1e30 for
// an int, an int64 overflow, -1 for a uint) is a *ValidationError whose
// issue carries the JSON pointer of the value, also for definitions without
// a validator.
func (d *Definition) ValidateInput(raw json.RawMessage) error {
	if d.validateInput != nil {
		if err := d.validateInput(raw); err != nil {
			return err
		}
	}
	if len(raw) > 0 && !json.Valid(raw) {
		return &ValidationError{Subject: "input", Issues: []ValidationIssue{{Message: "not valid JSON"}}}
	}
	if d.decodeInput != nil {
		return d.decodeInput(raw)
	}
	return nil
}
