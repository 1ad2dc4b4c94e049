package gen

import (
	"bytes"
	"fmt"
	"go/types"
	"strings"
	"time"

	"github.com/dave/jennifer/jen"
	"golang.org/x/tools/imports"

	"github.com/wfgo/wf/gen/internal/directive"
)

// GenVersion is the version of the code wfgen generates. The generated
// file checks it at compile time against wf.MinGenVersion and
// wf.MaxGenVersion.
const GenVersion = 1

const (
	runtimePath = wfPath + "/runtime"
	schemaPath  = wfPath + "/schema"
	hostPath    = wfPath + "/host"
)

// emitter writes one package's generated file.
type emitter struct {
	p *pkgModel
	f *jen.File
	// missing is set when Registrations declares missing, the error of
	// its nil dependencies, for every registration to carry.
	missing bool
}

// emit renders the generated file of p, gofmt'ed.
func emit(p *pkgModel) ([]byte, error) {
	e := &emitter{p: p, f: jen.NewFilePathName(p.Path, p.Name)}
	e.f.HeaderComment(Header)
	for path, name := range map[string]string{
		wfPath: "wf", runtimePath: "runtime", schemaPath: "schema", hostPath: "host",
		"context": "context", "encoding/json": "json", "errors": "errors", "fmt": "fmt", "time": "time",
	} {
		e.importName(path, name)
	}
	e.handshake()
	for _, w := range p.Workflows {
		e.workflow(w)
	}
	for _, s := range p.Signals {
		e.signal(s)
	}
	if len(p.Workflows) > 0 {
		e.registry()
	}
	e.jsonSchemas()
	// jennifer's output is formatted once, by imports.Process, which
	// also groups the standard library's imports apart as goimports
	// does; FormatOnly keeps it from looking anything up.
	e.f.NoFormat = true
	var buf bytes.Buffer
	if err := e.f.Render(&buf); err != nil {
		return nil, fmt.Errorf("render %s: %w", p.Output(), err)
	}
	out, err := imports.Process(p.Output(), buf.Bytes(), &imports.Options{FormatOnly: true, Comments: true, TabIndent: true, TabWidth: 8})
	if err != nil {
		return nil, fmt.Errorf("format %s: %w", p.Output(), err)
	}
	return out, nil
}

// importName registers the name of an import, aliasing it when the
// package declares that name itself (the generated file shares its
// scope).
func (e *emitter) importName(path, name string) {
	if e.p.Types != nil && e.p.Types.Scope().Lookup(name) != nil {
		e.f.ImportAlias(path, "wf"+name)
		return
	}
	e.f.ImportName(path, name)
}

func (e *emitter) handshake() {
	e.f.Comment(fmt.Sprintf("This file was generated for version %d of the generated-code contract;", GenVersion))
	e.f.Comment("a wf module that does not support it fails to compile here.")
	e.f.Const().Defs(
		jen.Id("_").Op("=").Qual(wfPath, "EnforceVersion").Call(jen.Lit(GenVersion).Op("-").Qual(wfPath, "MinGenVersion")),
		jen.Id("_").Op("=").Qual(wfPath, "EnforceVersion").Call(jen.Qual(wfPath, "MaxGenVersion").Op("-").Lit(GenVersion)),
	)
}

// typ renders a type that nameable accepted.
func (e *emitter) typ(t types.Type) jen.Code {
	switch t := t.(type) {
	case *types.Named:
		return e.typeName(t.Obj(), t.TypeArgs())
	case *types.Alias:
		return e.typeName(t.Obj(), t.TypeArgs())
	case *types.Basic:
		return jen.Id(t.Name())
	case *types.Pointer:
		return jen.Op("*").Add(e.typ(t.Elem()))
	case *types.Slice:
		return jen.Index().Add(e.typ(t.Elem()))
	case *types.Array:
		return jen.Index(jen.Lit(int(t.Len()))).Add(e.typ(t.Elem()))
	case *types.Map:
		return jen.Map(e.typ(t.Key())).Add(e.typ(t.Elem()))
	case *types.Interface:
		return jen.Any()
	}
	panic(fmt.Sprintf("gen: cannot render type %s", t)) // nameable rejected it
}

func (e *emitter) typeName(obj *types.TypeName, args *types.TypeList) jen.Code {
	var s *jen.Statement
	switch pkg := obj.Pkg(); {
	case pkg == nil || pkg.Path() == e.p.Path:
		s = jen.Id(obj.Name())
	default:
		e.importName(pkg.Path(), pkg.Name())
		s = jen.Qual(pkg.Path(), obj.Name())
	}
	if args.Len() > 0 {
		var codes []jen.Code
		for a := range args.Types() {
			codes = append(codes, e.typ(a))
		}
		s = s.Types(codes...)
	}
	return s
}

// duration renders d in its largest exact unit: 5 * time.Second.
func duration(d time.Duration) jen.Code {
	units := []struct {
		d    time.Duration
		name string
	}{{time.Hour, "Hour"}, {time.Minute, "Minute"}, {time.Second, "Second"},
		{time.Millisecond, "Millisecond"}, {time.Microsecond, "Microsecond"}, {time.Nanosecond, "Nanosecond"}}
	for _, u := range units {
		if d%u.d == 0 {
			if d == u.d {
				return jen.Qual("time", u.name)
			}
			return jen.Lit(int(d/u.d)).Op("*").Qual("time", u.name)
		}
	}
	panic("unreachable")
}

func retryCode(r *retry) jen.Code {
	fields := []jen.Code{jen.Id("MaxAttempts").Op(":").Lit(r.MaxAttempts)}
	switch r.Backoff {
	case "fixed":
		fields = append(fields, jen.Id("Backoff").Op(":").Qual(wfPath, "BackoffFixed"))
	case "exponential":
		fields = append(fields, jen.Id("Backoff").Op(":").Qual(wfPath, "BackoffExponential"))
	}
	if r.Base > 0 {
		fields = append(fields, jen.Id("Base").Op(":").Add(duration(r.Base)))
	}
	if r.Cap > 0 {
		fields = append(fields, jen.Id("Cap").Op(":").Add(duration(r.Cap)))
	}
	if len(fields) > 2 {
		return jen.Qual(wfPath, "RetryPolicy").Values(lines(fields)...)
	}
	return jen.Qual(wfPath, "RetryPolicy").Values(fields...)
}

// shortDuration prints d without zero units: 48h rather than 48h0m0s.
func shortDuration(d time.Duration) string { return directive.ShortDuration(d) }

// lines puts each element on its own line, as gofmt keeps a multi-line
// call or literal.
func lines(codes []jen.Code) []jen.Code {
	out := make([]jen.Code, 0, len(codes)+1)
	for _, c := range codes {
		out = append(out, jen.Line().Add(c))
	}
	return append(out, jen.Line())
}

// doc writes a one-paragraph doc comment of the sentences, wrapped at 80
// columns.
func (e *emitter) doc(sentences ...string) {
	for _, l := range wrap(strings.Join(sentences, " "), 77) {
		e.f.Comment(l)
	}
}

// wrap breaks text into lines of at most width bytes, at spaces. A word
// starting with "//" (//wf:step) never starts a line: the comment line
// would read as a directive, and go doc would cut the sentence there.
func wrap(text string, width int) []string {
	var out []string
	line := ""
	for _, w := range unbreakable(strings.Fields(text)) {
		if line != "" && len(line)+1+len(w) > width {
			out = append(out, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	return append(out, line)
}

// unbreakable joins each word that starts with "//" to the word before it.
func unbreakable(words []string) []string {
	var out []string
	for _, w := range words {
		if strings.HasPrefix(w, "//") && len(out) > 0 {
			out[len(out)-1] += " " + w
			continue
		}
		out = append(out, w)
	}
	return out
}

func quoteList(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}
