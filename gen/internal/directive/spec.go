// Package directive reads wfgen's //wf: directives: the grammar, the
// argument scanner, typed values, placement rules and the help text. The
// directives themselves are defined once, as the structs in
// directives.go.
package directive

import (
	"fmt"
	"go/token"
	"reflect"
	"slices"
	"strings"
	"time"
)

// ID is a kebab-case identifier: groups of lowercase ASCII letters and
// digits joined by single hyphens, e.g. reserve-inventory or v2.
type ID string

// Ident is a Go identifier naming a package-level declaration; the
// generator resolves it.
type Ident struct {
	Name string
	Pos  token.Pos
}

// Target is the kind of declaration a directive is written on.
type Target int

const (
	// OnStructType: the doc comment of a struct type declaration.
	OnStructType Target = iota + 1
	// OnPackageClause: the doc comment of the package clause.
	OnPackageClause
)

func (t Target) String() string {
	if t == OnPackageClause {
		return "the package clause"
	}
	return "a struct type"
}

// Spec describes one directive: its name, where it goes and its arguments.
type Spec struct {
	// Name is what follows "//wf:", e.g. "step".
	Name string
	// Target is where the directive is written.
	Target Target
	typ    reflect.Type
	fields []field
}

// field is one argument of a directive.
type field struct {
	goName     string // field name, e.g. "Retry"
	owner      string // declaring struct type, e.g. "RetryArgs" (for docs)
	index      []int
	key        string // "" for a positional argument
	enum       []string
	typ        reflect.Type
	positional bool
	flag       bool   // a bool set by its bare name, e.g. local
	usage      string // the value's kind in usage lines, when free text has a form
}

var specs = []*Spec{
	newSpec[Workflow]("workflow", OnStructType),
	newSpec[Step]("step", OnStructType),
	newSpec[Signal]("signal", OnStructType),
	newSpec[Approval]("approval", OnStructType),
	newSpec[Schedule]("schedule", OnStructType),
	newSpec[Queue]("queue", OnStructType),
	newSpec[Hosts]("hosts", OnPackageClause),
}

// Lookup returns the directive called name, or nil.
func Lookup(name string) *Spec {
	for _, s := range specs {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// Names returns the directive names, sorted.
func Names() []string {
	names := make([]string, len(specs))
	for i, s := range specs {
		names[i] = s.Name
	}
	slices.Sort(names)
	return names
}

func newSpec[T any](name string, target Target) *Spec {
	s := &Spec{Name: name, Target: target, typ: reflect.TypeFor[T]()}
	s.fields = fieldsOf(s.typ, nil)
	for _, f := range s.fields {
		if kindOf(f) == "" {
			panic(fmt.Sprintf("directive %s: field %s has unsupported type %s", name, f.goName, f.typ))
		}
	}
	return s
}

// fieldsOf lists the arguments of struct type t, flattening embedded
// structs (RetryArgs).
func fieldsOf(t reflect.Type, index []int) []field {
	var out []field
	for i := range t.NumField() {
		sf := t.Field(i)
		idx := append(slices.Clone(index), i)
		if sf.Anonymous {
			out = append(out, fieldsOf(sf.Type, idx)...)
			continue
		}
		tag, _, _ := strings.Cut(sf.Tag.Get("wf"), ",")
		f := field{goName: sf.Name, owner: t.Name(), index: idx, key: tag, typ: sf.Type,
			positional: strings.HasSuffix(sf.Tag.Get("wf"), ",positional"),
			flag:       strings.HasSuffix(sf.Tag.Get("wf"), ",flag") && sf.Type.Kind() == reflect.Bool}
		f.usage = sf.Tag.Get("usage")
		if e := sf.Tag.Get("enum"); e != "" {
			f.enum = strings.Split(e, ",")
		}
		out = append(out, f)
	}
	return out
}

var (
	idType       = reflect.TypeFor[ID]()
	identType    = reflect.TypeFor[Ident]()
	durationType = reflect.TypeFor[time.Duration]()
)

// kindOf names the kind of value an argument takes, as shown in usage
// lines.
func kindOf(f field) string {
	switch {
	case f.flag:
		return f.key
	case f.usage != "":
		return f.usage
	case f.enum != nil:
		return strings.Join(f.enum, "|")
	case f.typ == idType:
		return "<id>"
	case f.typ == identType:
		return "<name>"
	case f.typ == reflect.TypeFor[[]Ident]():
		return "<name>,…"
	case f.typ == durationType:
		return "<duration>"
	}
	switch f.typ.Kind() {
	case reflect.String:
		return `"<text>"`
	case reflect.Int:
		return "<n>"
	case reflect.Bool:
		return "true|false"
	}
	return ""
}

// Usage returns the directive's synopsis, e.g.
// "//wf:step <id> [retry=<n>] …".
func (s *Spec) Usage() string {
	var b strings.Builder
	b.WriteString("//wf:" + s.Name)
	for _, f := range s.fields {
		switch {
		case f.positional && f.typ.Kind() == reflect.Slice:
			fmt.Fprintf(&b, " %s…", kindOf(f))
		case f.positional:
			fmt.Fprintf(&b, " %s", kindOf(f))
		case f.flag:
			fmt.Fprintf(&b, " [%s]", f.key)
		default:
			fmt.Fprintf(&b, " [%s=%s]", f.key, kindOf(f))
		}
	}
	return b.String()
}

// keys returns the directive's keys, sorted.
func (s *Spec) keys() []string {
	var keys []string
	for _, f := range s.fields {
		if !f.positional && !f.flag {
			keys = append(keys, f.key)
		}
	}
	slices.Sort(keys)
	return keys
}

func (s *Spec) field(key string) (field, bool) {
	for _, f := range s.fields {
		if !f.positional && !f.flag && f.key == key {
			return f, true
		}
	}
	return field{}, false
}

// flags returns the directive's flags, sorted.
func (s *Spec) flags() []string {
	var names []string
	for _, f := range s.fields {
		if f.flag {
			names = append(names, f.key)
		}
	}
	slices.Sort(names)
	return names
}

func (s *Spec) flagField(name string) (field, bool) {
	for _, f := range s.fields {
		if f.flag && f.key == name {
			return f, true
		}
	}
	return field{}, false
}

func (s *Spec) positionals() []field {
	var out []field
	for _, f := range s.fields {
		if f.positional {
			out = append(out, f)
		}
	}
	return out
}
