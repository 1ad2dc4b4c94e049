package gen

import (
	"context"
	"fmt"
	"github.com/wfgo/wf/gen/internal/hostgen"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/tools/go/packages"
)

// Header is the first line of every file wfgen writes.
const Header = hostgen.Header

// loadMode says how much of the code load reads.
type loadMode int

const (
	// declarationsOnly strips function bodies and blanks wfgen's own
	// outputs, so that code using names that are not generated yet, or no
	// longer, still yields the declarations wfgen reads.
	declarationsOnly loadMode = iota
	// fullSource loads the code as the compiler sees it, for check.
	fullSource
)

// load loads the packages matching cfg.Patterns from source.
func load(ctx context.Context, cfg Config, mode loadMode) ([]*packages.Package, *token.FileSet, error) {
	fset := token.NewFileSet()
	pc := &packages.Config{
		Context: ctx,
		Dir:     cfg.Dir,
		Env:     cfg.Env,
		Fset:    fset,
		Mode: packages.NeedName | packages.NeedFiles | packages.NeedSyntax | packages.NeedTypes |
			packages.NeedImports | packages.NeedModule,
	}
	if mode == fullSource {
		pc.Mode |= packages.NeedTypesInfo | packages.NeedTypesSizes
		for _, a := range analyzers() {
			if len(a.FactTypes) > 0 {
				// Facts flow from dependencies: analyze them too.
				pc.Mode |= packages.NeedDeps
			}
		}
	} else {
		// The requested packages are type-checked from their declarations
		// only, with wfgen's outputs blanked. Dependencies come from
		// export data; one that does not compile (it may use names not
		// generated yet) falls back to source, parsed the same way. The
		// blanking is done here rather than with an Overlay: any overlay
		// makes go/packages type-check every dependency from source, about
		// three times slower.
		pc.ParseFile = parseDeclarations
	}
	pkgs, err := packages.Load(pc, cfg.patterns()...)
	if err != nil {
		return nil, nil, fmt.Errorf("load: %w", err)
	}
	if len(pkgs) == 0 {
		return nil, nil, fmt.Errorf("no packages match %s", strings.Join(cfg.patterns(), " "))
	}
	if err := listErrors(pkgs); err != nil {
		return nil, nil, err
	}
	return pkgs, fset, nil
}

// parseDeclarations parses a file with its function bodies emptied; a
// file wfgen wrote is reduced to its package clause. The type checker
// then reports "missing return", which wfgen ignores like every type
// error that does not affect a declaration it reads.
func parseDeclarations(fset *token.FileSet, filename string, src []byte) (*ast.File, error) {
	if isGenerated(src) {
		src = blank(src)
	}
	f, err := parser.ParseFile(fset, filename, src, parser.ParseComments|parser.SkipObjectResolution)
	if f != nil {
		for _, d := range f.Decls {
			// The body's braces stay, so that positions still tell what
			// lies inside a function.
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Body != nil {
				fd.Body.List = nil
			}
		}
	}
	return f, err
}

// isGenerated reports whether src starts with wfgen's header.
func isGenerated(src []byte) bool { return hostgen.IsGenerated(src) }

// blank keeps only the header and package clause of a wfgen output.
func blank(src []byte) []byte {
	f, err := parser.ParseFile(token.NewFileSet(), "", src, parser.PackageClauseOnly)
	if err != nil {
		return src
	}
	return []byte(Header + "\n\npackage " + f.Name.Name + "\n")
}

// listErrors reports the errors that stop wfgen: patterns that match
// nothing and packages go list cannot read. Type errors are not among
// them: the code may use names that are not generated yet.
func listErrors(pkgs []*packages.Package) error {
	var list scanner.ErrorList
	for _, p := range pkgs {
		for _, e := range p.Errors {
			if (e.Kind == packages.ListError && !compilerOutput(e)) || e.Kind == packages.ParseError {
				list.Add(parsePosition(e.Pos), e.Msg)
			}
		}
	}
	return dedupe(list).Err()
}

// compilerOutput reports whether e is the compiler's output from building
// export data ("# pkg\n…"): the package may well not compile yet, and the
// type checker reports the same errors, positioned.
func compilerOutput(e packages.Error) bool {
	return e.Kind == packages.ListError && strings.HasPrefix(e.Msg, "# ")
}

// generatedFiles returns the wfgen outputs in dir.
func generatedFiles(dir string) ([]string, error) {
	matches, err := filepath.Glob(filepath.Join(dir, "*_wf.go"))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, m := range matches {
		src, err := os.ReadFile(m)
		if err != nil {
			return nil, err
		}
		if isGenerated(src) {
			out = append(out, m)
		}
	}
	return out, nil
}
