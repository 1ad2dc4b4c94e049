package check

import (
	"go/ast"
	"go/types"

	"golang.org/x/tools/go/types/typeutil"
)

// wfPath is the import path of the authoring API.
const wfPath = "github.com/wfgo/wf"

// durable lists the wf functions that read or append the run's log: their
// order of calls is what replay must reproduce.
var durable = map[string]bool{
	"Step":         true,
	"Do":           true,
	"Sleep":        true,
	"SleepUntil":   true,
	"WaitForEvent": true,
	"Approve":      true,
	"Now":          true,
	"UUID":         true,
}

// isWFNamed reports whether t is the named type wf.<name>.
func isWFNamed(t types.Type, name string) bool {
	n, ok := types.Unalias(t).(*types.Named)
	if !ok {
		return false
	}
	obj := n.Obj()
	return obj.Pkg() != nil && obj.Pkg().Path() == wfPath && obj.Name() == name
}

// isContext reports whether t is *wf.Context.
func isContext(t types.Type) bool {
	p, ok := types.Unalias(t).(*types.Pointer)
	return ok && isWFNamed(p.Elem(), "Context")
}

// hasParam reports whether the function type declares a parameter whose
// type satisfies is.
func hasParam(info *types.Info, ft *ast.FuncType, is func(types.Type) bool) bool {
	if ft.Params == nil {
		return false
	}
	for _, f := range ft.Params.List {
		if t := info.TypeOf(f.Type); t != nil && is(t) {
			return true
		}
	}
	return false
}

// takesContext reports whether a function with this type is a workflow
// body: it has a *wf.Context parameter.
func takesContext(info *types.Info, ft *ast.FuncType) bool {
	return hasParam(info, ft, isContext)
}

// isStepFunc reports whether a function literal with this type is a step
// function: it gets a wf.StepContext and may do I/O freely.
func isStepFunc(info *types.Info, ft *ast.FuncType) bool {
	return hasParam(info, ft, func(t types.Type) bool { return isWFNamed(t, "StepContext") })
}

// wfFunc returns the name of the package-level wf function that call
// calls (with or without explicit type arguments), or "".
func wfFunc(info *types.Info, call *ast.CallExpr) string {
	fn, ok := typeutil.Callee(info, call).(*types.Func)
	if !ok || fn.Pkg() == nil || fn.Pkg().Path() != wfPath {
		return ""
	}
	if fn.Signature().Recv() != nil {
		return ""
	}
	return fn.Name()
}

// passesContext reports whether call hands a *wf.Context to a function
// outside package wf: a helper, or a generated typed wait, that may make
// durable calls of its own.
func passesContext(info *types.Info, call *ast.CallExpr) bool {
	if fn, ok := typeutil.Callee(info, call).(*types.Func); ok && fn.Pkg() != nil && fn.Pkg().Path() == wfPath {
		return false
	}
	for _, arg := range call.Args {
		if t := info.TypeOf(arg); t != nil && isContext(t) {
			return true
		}
	}
	return false
}
