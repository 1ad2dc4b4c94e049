package directive

import (
	_ "embed"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"strings"
	"sync"
)

// source is directives.go itself: its doc comments are the help text.
//
//go:embed directives.go
var source string

// docs maps "Type" and "Type.Field" of directives.go to their doc text.
var docs = sync.OnceValue(func() map[string]string {
	f, err := parser.ParseFile(token.NewFileSet(), "directives.go", source, parser.ParseComments)
	if err != nil {
		panic(err) // directives.go compiles, so it parses
	}
	out := map[string]string{}
	for _, decl := range f.Decls {
		d, ok := decl.(*ast.GenDecl)
		if !ok || d.Tok != token.TYPE {
			continue
		}
		for _, s := range d.Specs {
			ts := s.(*ast.TypeSpec)
			out[ts.Name.Name] = d.Doc.Text()
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				continue
			}
			for _, fld := range st.Fields.List {
				for _, n := range fld.Names {
					out[ts.Name.Name+"."+n.Name] = fld.Doc.Text()
				}
			}
		}
	}
	return out
})

// Help writes the reference of the directive called name, or of all of
// them when name is "".
func Help(w io.Writer, name string) error {
	if name == "" {
		for i, s := range specs {
			if i > 0 {
				fmt.Fprintln(w)
			}
			s.help(w)
		}
		return nil
	}
	s := Lookup(strings.TrimPrefix(name, "//wf:"))
	if s == nil {
		return fmt.Errorf("unknown directive %q%s", name, didYouMean(name, Names(), func(s string) string { return s }))
	}
	s.help(w)
	return nil
}

func (s *Spec) help(w io.Writer) {
	fmt.Fprintf(w, "%s\n\n", s.Usage())
	writeIndented(w, docs()[s.typ.Name()], "    ")
	for _, f := range s.fields {
		label := kindOf(f)
		if !f.positional && !f.flag {
			label = f.key + "=" + label
		}
		fmt.Fprintf(w, "\n  %s\n", label)
		writeIndented(w, docs()[f.owner+"."+f.goName], "        ")
	}
}

func writeIndented(w io.Writer, text, indent string) {
	for _, line := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		if line == "" {
			fmt.Fprintln(w)
			continue
		}
		fmt.Fprintln(w, indent+line)
	}
}
