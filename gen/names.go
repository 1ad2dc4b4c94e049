package gen

import (
	"go/ast"
	"go/token"
	"go/types"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Generated names follow the type they come from: exported for an
// exported type, unexported otherwise. Wire names (IDs) only ever appear
// as string literals; identifiers derive from them by camel-casing.

// camel turns a kebab-case ID into CamelCase: reserve-inventory →
// ReserveInventory.
func camel(id string) string {
	var b strings.Builder
	for _, part := range strings.Split(id, "-") {
		b.WriteString(upperFirst(part))
	}
	return b.String()
}

func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToLower(r)) + s[n:]
}

// exportAs makes name exported or not like the type called like.
func exportAs(like, name string) string {
	if ast.IsExported(like) {
		return upperFirst(name)
	}
	return lowerFirst(name)
}

func stepConst(w *workflow, s *step) string {
	return exportAs(w.Name(), upperFirst(w.Name())+"Step"+camel(s.ID))
}

func definitionFunc(w *workflow) string {
	return exportAs(w.Name(), "New"+upperFirst(w.Name())+"Definition")
}

func startFunc(w *workflow) string { return exportAs(w.Name(), "Start"+upperFirst(w.Name())) }

func startChildFunc(w *workflow) string {
	return exportAs(w.Name(), "StartChild"+upperFirst(w.Name()))
}

func requestFunc(w *workflow, a *approval) string {
	return exportAs(w.Name(), "Request"+upperFirst(w.Name())+camel(a.ID))
}

func decideFunc(w *workflow, a *approval) string {
	return exportAs(w.Name(), "Decide"+upperFirst(w.Name())+camel(a.ID))
}

func waitFunc(s *signal) string { return exportAs(s.Type.Name(), "Wait"+upperFirst(s.Type.Name())) }
func deliverFunc(s *signal) string {
	return exportAs(s.Type.Name(), "Deliver"+upperFirst(s.Type.Name()))
}

func inputSchemaVar(w *workflow) string  { return lowerFirst(w.Name()) + "InputSchema" }
func outputSchemaVar(w *workflow) string { return lowerFirst(w.Name()) + "OutputSchema" }
func signalSchemaVar(s *signal) string   { return lowerFirst(s.Type.Name()) + "Schema" }

// Package-level names of the registry.
const (
	workflowsType     = "Workflows"
	registrationsFunc = "Registrations"
	hostAppVar        = "HostApp"
	jsonSchemasFunc   = "JSONSchemas"
	signalsFunc       = "signalValidators"
)

// generatedNames lists every package-level name the generated file
// declares, with the position of the directive it comes from.
func generatedNames(p *pkgModel) map[string]token.Pos {
	names := map[string]token.Pos{}
	add := func(name string, pos token.Pos) {
		if _, dup := names[name]; !dup {
			names[name] = pos
		}
	}
	for _, w := range p.Workflows {
		for _, s := range w.Steps {
			add(stepConst(w, s), s.Pos)
		}
		add(definitionFunc(w), w.Pos)
		add(inputSchemaVar(w), w.Pos)
		add(outputSchemaVar(w), w.Pos)
		if w.Latest {
			add(startFunc(w), w.Pos)
			add(startChildFunc(w), w.Pos)
		}
		for _, a := range w.Approvals {
			add(requestFunc(w, a), a.Pos)
			add(decideFunc(w, a), a.Pos)
		}
	}
	for _, s := range p.Signals {
		add(waitFunc(s), s.Pos)
		add(deliverFunc(s), s.Pos)
		add(signalSchemaVar(s), s.Pos)
	}
	if len(p.Workflows) > 0 {
		add(workflowsType, p.Workflows[0].Pos)
		add(registrationsFunc, p.Workflows[0].Pos)
		if len(p.Hosts) > 0 {
			add(hostAppVar, p.HostsPos)
		}
		if len(p.Signals) > 0 {
			add(signalsFunc, p.Signals[0].Pos)
		}
	}
	if len(p.Workflows)+len(p.Signals) > 0 {
		pos := token.NoPos
		if len(p.Workflows) > 0 {
			pos = p.Workflows[0].Pos
		} else {
			pos = p.Signals[0].Pos
		}
		add(jsonSchemasFunc, pos)
	}
	return names
}

// checkNames reports generated names that clash with the package's own
// declarations or with each other.
func (b *builder) checkNames() {
	seen := map[string]string{}
	record := func(name, from string, pos token.Pos) {
		if other, dup := seen[name]; dup && other != from {
			b.errorf(pos, "generated name %s for %s clashes with the one for %s; rename a type or an ID", name, from, other)
		}
		seen[name] = from
	}
	for _, w := range b.out.Workflows {
		for _, s := range w.Steps {
			record(stepConst(w, s), "step "+s.ID+" of "+w.Name(), s.Pos)
		}
		for _, a := range w.Approvals {
			record(requestFunc(w, a), "approval "+a.ID+" of "+w.Name(), a.Pos)
		}
	}
	for name, pos := range generatedNames(b.out) {
		obj := b.pkg.Types.Scope().Lookup(name)
		if obj == nil || b.generatedFile[b.fset.Position(obj.Pos()).Filename] {
			continue
		}
		b.errorf(pos, "generated name %s clashes with %s declared at %s; rename one of them",
			name, objectKind(obj), b.where(obj.Pos()))
	}
}

func objectKind(obj types.Object) string {
	switch obj.(type) {
	case *types.TypeName:
		return "type " + obj.Name()
	case *types.Func:
		return "func " + obj.Name()
	case *types.Const:
		return "const " + obj.Name()
	}
	return "var " + obj.Name()
}
