package directive

import (
	"fmt"
	"go/ast"
	"go/scanner"
	"go/token"
	"regexp"
	"strings"
)

// File holds the directives of one Go file.
type File struct {
	// Package holds the directives on the package clause.
	Package []*Directive
	// Types maps each struct type declaration to its directives, in
	// source order.
	Types map[*ast.TypeSpec][]*Directive
	// Rejected holds the directives whose errors are already reported:
	// misplaced, or with bad arguments. They are not to be used, but the
	// package-level names their arguments give (previous=, input=) are
	// still to be resolved, so that one pass reports every error, and
	// Directive.For tells which type each was meant for, so that no error
	// follows from its absence.
	Rejected []*Directive
}

// Parse reads the directives in f's comments. The errors of misplaced,
// misspelled and malformed directives are added to errs, all of them:
// a directive both detached and malformed gets both. Directives with
// errors are left out of Package and Types.
func Parse(fset *token.FileSet, f *ast.File, errs *scanner.ErrorList) *File {
	out := &File{Types: map[*ast.TypeSpec][]*Directive{}}
	owners := ownersOf(f)
	for _, g := range f.Comments {
		for _, c := range g.List {
			d, ok := parseLine(fset, c, errs)
			if d == nil {
				continue
			}
			o, owned := owners[g]
			if !owned {
				o = unowned(fset, f, g)
			}
			if msg := o.refuse(d.Spec); msg != "" {
				errs.Add(fset.Position(c.Slash), "//wf:"+d.Spec.Name+" "+msg)
				ok = false
			}
			if !ok {
				d.For = o.meant()
				out.Rejected = append(out.Rejected, d)
				continue
			}
			if o.pkg {
				out.Package = append(out.Package, d)
			} else {
				out.Types[o.spec] = append(out.Types[o.spec], d)
			}
		}
	}
	return out
}

// nearMiss matches comments that look like a directive but are not
// written as one: "// wf:step", "//WF:step", "//wf: step".
var nearMiss = regexp.MustCompile(`^//(\s*)([wW][fF])(\s*):(\s*)([A-Za-z_][\w-]*)`)

// parseLine returns the directive in c, or nil when c holds none or not
// a known one. ok is false when the directive's arguments had errors,
// reported in errs; the arguments that parsed are set.
func parseLine(fset *token.FileSet, c *ast.Comment, errs *scanner.ErrorList) (d *Directive, ok bool) {
	text := strings.TrimRight(c.Text, "\r")
	if !strings.HasPrefix(text, "//wf:") || strings.HasPrefix(text, "//wf: ") || strings.HasPrefix(text, "//wf:\t") {
		m := nearMiss.FindStringSubmatch(text)
		if m == nil || Suggest(m[5], Names()) == "" {
			return nil, false
		}
		why := ""
		if m[1] != "" || m[3] != "" || m[4] != "" {
			why = " (no spaces: directives are written like //go:generate)"
		}
		errs.Add(fset.Position(c.Slash), fmt.Sprintf("%q is not a directive%s; did you mean //wf:%s?",
			m[0], why, Suggest(m[5], Names())))
		return nil, false
	}
	name, rest, _ := strings.Cut(text[len("//wf:"):], " ")
	if i := strings.IndexByte(name, '\t'); i >= 0 {
		name, rest = name[:i], name[i:]+" "+rest
	}
	spec := Lookup(name)
	if spec == nil {
		if name == "" {
			errs.Add(fset.Position(c.Slash), "missing directive name after //wf: (valid: "+strings.Join(Names(), ", ")+")")
			return nil, false
		}
		errs.Add(fset.Position(c.Slash), fmt.Sprintf("unknown directive //wf:%s%s", name,
			didYouMean(name, Names(), func(s string) string { return "//wf:" + s })))
		return nil, false
	}
	r := &reporter{fset: fset, base: c.Slash, name: "//wf:" + name, errs: errs}
	base := len("//wf:") + len(name) + 1
	args, scanErrs := scanArgs(rest, base)
	for _, e := range scanErrs {
		r.errorf(e.off, "%s", e.msg)
	}
	if len(scanErrs) > 0 {
		// Bind what scanned without reporting: a value cut short by a
		// syntax error would only repeat it.
		r = &reporter{fset: fset, base: c.Slash, name: r.name, errs: &scanner.ErrorList{}}
	}
	before := r.errs.Len()
	d = spec.bind(args, len(text), r)
	return d, len(scanErrs) == 0 && r.errs.Len() == before
}

// owner is what a comment group documents.
type owner struct {
	spec *ast.TypeSpec // a type declaration
	pkg  bool          // the package clause
	// what describes anything else a comment can sit on, e.g. "func Run";
	// it is the whole complaint when it starts with "is ".
	what string
	// near is the type a misplaced comment was meant for: the one it is
	// detached from by a blank line, or whose line it ends.
	near *ast.TypeSpec
}

// meant returns the type a directive written here was meant for, or nil.
func (o owner) meant() *ast.TypeSpec {
	if o.spec != nil {
		return o.spec
	}
	return o.near
}

// refuse returns why s cannot be written on o, or "".
func (o owner) refuse(s *Spec) string {
	switch {
	case strings.HasPrefix(o.what, "is "):
		return o.what
	case s.Target == OnPackageClause && !o.pkg:
		return "must be in the doc comment of the package clause, not on " + o.describe()
	case s.Target == OnStructType && o.spec == nil:
		return "must be on a struct type, not on " + o.describe()
	case s.Target == OnStructType:
		name := o.spec.Name.Name
		switch {
		case o.spec.Assign.IsValid():
			return "must be on a struct type; " + name + " is an alias"
		case o.spec.TypeParams != nil:
			return "must be on a struct type without type parameters; " + name + " is generic"
		}
		if _, ok := o.spec.Type.(*ast.StructType); !ok {
			return "must be on a struct type; " + name + " is " + typeKind(o.spec.Type)
		}
	}
	return ""
}

func (o owner) describe() string {
	switch {
	case o.pkg:
		return "the package clause"
	case o.spec != nil:
		return "type " + o.spec.Name.Name
	}
	return o.what
}

// ownersOf maps each doc comment group of f to what it documents.
func ownersOf(f *ast.File) map[*ast.CommentGroup]owner {
	owners := map[*ast.CommentGroup]owner{}
	add := func(g *ast.CommentGroup, o owner) {
		if g != nil {
			owners[g] = o
		}
	}
	add(f.Doc, owner{pkg: true})
	for _, decl := range f.Decls {
		switch d := decl.(type) {
		case *ast.FuncDecl:
			add(d.Doc, owner{what: funcName(d)})
		case *ast.GenDecl:
			if d.Tok != token.TYPE {
				add(d.Doc, owner{what: d.Tok.String() + " " + specName(d)})
				continue
			}
			if d.Lparen.IsValid() {
				add(d.Doc, owner{what: "is on a grouped type declaration; put it on a type in the group"})
			}
			for _, s := range d.Specs {
				ts := s.(*ast.TypeSpec)
				doc := ts.Doc
				if !d.Lparen.IsValid() {
					doc = d.Doc
				}
				add(doc, owner{spec: ts})
				add(ts.Comment, owner{what: "is at the end of a line; put it in the doc comment above type " + ts.Name.Name, near: ts})
			}
		}
	}
	return owners
}

// unowned explains a comment group that documents nothing: detached from
// the declaration below it by a blank line, or inside a declaration.
func unowned(fset *token.FileSet, f *ast.File, g *ast.CommentGroup) owner {
	line := func(p token.Pos) int { return fset.Position(p).Line }
	type candidate struct {
		pos  token.Pos
		what string
		spec *ast.TypeSpec
	}
	var next *candidate
	consider := func(pos token.Pos, what string, spec *ast.TypeSpec) {
		if pos > g.End() && (next == nil || pos < next.pos) {
			next = &candidate{pos, what, spec}
		}
	}
	if g.End() < f.Package {
		consider(docOrPos(f.Doc, f.Package), "the package clause", nil)
	}
	for _, decl := range f.Decls {
		if decl.Pos() < g.Pos() && g.End() < decl.End() {
			if d, ok := decl.(*ast.GenDecl); ok && d.Tok == token.TYPE && d.Lparen.IsValid() {
				for _, s := range d.Specs {
					ts := s.(*ast.TypeSpec)
					consider(docOrPos(ts.Doc, ts.Pos()), "type "+ts.Name.Name, ts)
				}
				continue
			}
			return owner{what: "is inside " + declName(decl) + "; directives go in the doc comment of a type declaration"}
		}
		switch d := decl.(type) {
		case *ast.GenDecl:
			consider(docOrPos(d.Doc, d.Pos()), declName(d), singleType(d))
		case *ast.FuncDecl:
			consider(docOrPos(d.Doc, d.Pos()), declName(d), nil)
		}
	}
	if next != nil && line(next.pos) > line(g.End())+1 && !commentBetween(f, g, next.pos) {
		return owner{what: "is separated from " + next.what + " by a blank line; remove the blank line", near: next.spec}
	}
	return owner{what: "is not in the doc comment of a declaration"}
}

// singleType returns the type an ungrouped type declaration declares, or
// nil.
func singleType(d *ast.GenDecl) *ast.TypeSpec {
	if d.Tok != token.TYPE || d.Lparen.IsValid() || len(d.Specs) != 1 {
		return nil
	}
	return d.Specs[0].(*ast.TypeSpec)
}

func docOrPos(doc *ast.CommentGroup, pos token.Pos) token.Pos {
	if doc != nil {
		return doc.Pos()
	}
	return pos
}

// commentBetween reports whether another comment group lies between g and
// pos.
func commentBetween(f *ast.File, g *ast.CommentGroup, pos token.Pos) bool {
	for _, other := range f.Comments {
		if other.Pos() > g.End() && other.End() < pos {
			return true
		}
	}
	return false
}

func declName(decl ast.Decl) string {
	switch d := decl.(type) {
	case *ast.FuncDecl:
		return funcName(d)
	case *ast.GenDecl:
		return d.Tok.String() + " " + specName(d)
	}
	return "a declaration"
}

func funcName(d *ast.FuncDecl) string {
	if d.Recv != nil && len(d.Recv.List) == 1 {
		t := d.Recv.List[0].Type
		if star, ok := t.(*ast.StarExpr); ok {
			t = star.X
		}
		if id, ok := t.(*ast.Ident); ok {
			return "method " + id.Name + "." + d.Name.Name
		}
	}
	return "func " + d.Name.Name
}

func specName(d *ast.GenDecl) string {
	if d.Lparen.IsValid() || len(d.Specs) != 1 {
		return "(…)"
	}
	switch s := d.Specs[0].(type) {
	case *ast.TypeSpec:
		return s.Name.Name
	case *ast.ValueSpec:
		return s.Names[0].Name
	case *ast.ImportSpec:
		return s.Path.Value
	}
	return ""
}

// typeKind describes a type expression: "an interface type".
func typeKind(e ast.Expr) string {
	switch e.(type) {
	case *ast.InterfaceType:
		return "an interface type"
	case *ast.FuncType:
		return "a func type"
	case *ast.MapType:
		return "a map type"
	case *ast.ArrayType:
		return "a slice or array type"
	case *ast.ChanType:
		return "a channel type"
	case *ast.StarExpr:
		return "a pointer type"
	}
	return "not a struct type"
}
