package check

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"path/filepath"
	"strings"

	"golang.org/x/tools/go/analysis"
)

// StepIDs reports step IDs that bypass the generated constants, step IDs
// used at two call sites of one workflow body, and generated step constants
// that no code uses.
var StepIDs = &analysis.Analyzer{
	Name: "stepids",
	Doc: `report misused step IDs

Step IDs come from //wf:step directives, which wfgen turns into wf.StepID
constants. This analyzer reports a wf.Step or wf.Do whose ID is a literal or
an untyped constant instead of such a constant (dynamic IDs built at run time,
as in wf.StepID(fmt.Sprintf("charge-%d", i)), are fine); the same constant ID
at two call sites of one workflow body that are not exclusive branches of an
if or switch, since a run reaching both fails; and a generated step constant
that nothing in the package uses.`,
	Run: runStepIDs,
}

// stepSite is a wf.Step or wf.Do call with a constant step ID.
type stepSite struct {
	body  ast.Node // the enclosing workflow body
	value string   // the step ID
	arg   ast.Expr // the ID argument
	name  string   // the constant's name
}

func runStepIDs(pass *analysis.Pass) (any, error) {
	if skipPackage(pass.Pkg) {
		return nil, nil
	}
	generated := map[*token.File]bool{}
	for _, f := range pass.Files {
		if isGenerated(f) {
			generated[pass.Fset.File(f.Pos())] = true
			continue
		}
		reportDuplicates(pass, f, stepSites(pass, f))
	}
	reportUnused(pass, generated)
	return nil, nil
}

// stepSites reports wf.Step and wf.Do calls in f whose ID is a literal, and
// returns those whose ID is a named wf.StepID constant inside a workflow
// body.
func stepSites(pass *analysis.Pass, f *ast.File) []stepSite {
	var sites []stepSite
	walkBodies(pass.TypesInfo, f, func(n, body ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || len(call.Args) < 2 {
			return true
		}
		if name := wfFunc(pass.TypesInfo, call); name != "Step" && name != "Do" {
			return true
		}
		arg := call.Args[1]
		tv := pass.TypesInfo.Types[arg]
		if tv.Value == nil || tv.Value.Kind() != constant.String {
			return true // built at run time
		}
		value := constant.StringVal(tv.Value)
		c := stepConst(pass.TypesInfo, arg)
		if c == nil {
			pass.Reportf(arg.Pos(), "literal step ID bypasses the generated constants: declare %q with //wf:step on the workflow type and pass its generated constant", value)
			return true
		}
		if body != nil {
			sites = append(sites, stepSite{body: body, value: value, arg: arg, name: c.Name()})
		}
		return true
	})
	return sites
}

// stepConst returns the wf.StepID constant that x names, or nil.
func stepConst(info *types.Info, x ast.Expr) *types.Const {
	var id *ast.Ident
	switch x := ast.Unparen(x).(type) {
	case *ast.Ident:
		id = x
	case *ast.SelectorExpr:
		id = x.Sel
	default:
		return nil
	}
	c, ok := info.Uses[id].(*types.Const)
	if !ok || !isWFNamed(c.Type(), "StepID") {
		return nil
	}
	return c
}

// reportDuplicates reports each site whose step ID another site of the same
// workflow body also uses, unless the two are exclusive branches.
func reportDuplicates(pass *analysis.Pass, f *ast.File, sites []stepSite) {
	for i, s := range sites {
		var also []string
		for j, o := range sites {
			if i == j || o.body != s.body || o.value != s.value || exclusive(f, s.arg, o.arg) {
				continue
			}
			p := pass.Fset.Position(o.arg.Pos())
			also = append(also, fmt.Sprintf("%s:%d", filepath.Base(p.Filename), p.Line))
		}
		if len(also) > 0 {
			pass.Reportf(s.arg.Pos(), "step ID %s used twice in this workflow body (also at %s): a run that reaches both fails; declare a separate //wf:step for each call", s.name, strings.Join(also, ", "))
		}
	}
}

// reportUnused reports the wf.StepID constants declared in wfgen's files
// that no other file of the package refers to. References from generated
// files do not count: wfgen may list every step it declares.
func reportUnused(pass *analysis.Pass, generated map[*token.File]bool) {
	if len(generated) == 0 {
		return
	}
	used := map[*types.Const]bool{}
	for id, obj := range pass.TypesInfo.Uses {
		if c, ok := obj.(*types.Const); ok && !generated[pass.Fset.File(id.Pos())] {
			used[c] = true
		}
	}
	for _, f := range pass.Files {
		if !generated[pass.Fset.File(f.Pos())] {
			continue
		}
		for _, decl := range f.Decls {
			d, ok := decl.(*ast.GenDecl)
			if !ok || d.Tok != token.CONST {
				continue
			}
			for _, spec := range d.Specs {
				for _, name := range spec.(*ast.ValueSpec).Names {
					c, ok := pass.TypesInfo.Defs[name].(*types.Const)
					if !ok || !isWFNamed(c.Type(), "StepID") || used[c] || c.Val().Kind() != constant.String {
						continue
					}
					pass.Reportf(name.Pos(), "step %s is declared (//wf:step) but never used: call wf.Step or wf.Do with %s, or delete the directive", constant.StringVal(c.Val()), c.Name())
				}
			}
		}
	}
}
