package check

import (
	"go/ast"
	"go/token"
	"go/types"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/types/typeutil"
)

// Determinism reports code in workflow bodies that can behave differently
// when the body is replayed: wall-clock reads and real timers, randomness,
// environment reads, goroutines, channel operations, and map iteration that
// decides the order of durable calls.
var Determinism = &analysis.Analyzer{
	Name: "determinism",
	Doc: `report code that breaks replay determinism in workflow bodies

A workflow body (a function with a *wf.Context parameter, and the function
literals in it other than step functions) is re-run from the top on every
invocation and must reach the same durable calls in the same order. Wall-clock
reads, timers, randomness, environment variables, goroutines, select and
channel operations, and ranging over a map around durable calls all break
that. Step functions (those given a wf.StepContext) may do all of these.`,
	Run: runDeterminism,
}

// forbidden maps package path and name to why the function (or variable)
// breaks replay and what to use instead. A nil inner map bans every
// package-level function and variable of the package.
var forbidden = map[string]map[string]string{
	"time": {
		"Now":       "returns a different instant on every replay; use wf.Now(ctx), which records it",
		"Since":     "reads the wall clock, which differs on every replay; use wf.Now(ctx).Sub(t)",
		"Until":     "reads the wall clock, which differs on every replay; use t.Sub(wf.Now(ctx))",
		"Sleep":     "blocks the invocation and is not durable; use wf.Sleep(ctx, d), which pauses the run",
		"After":     timerWhy,
		"AfterFunc": timerWhy,
		"Tick":      timerWhy,
		"NewTimer":  timerWhy,
		"NewTicker": timerWhy,
	},
	"os": {
		"Getenv":    envWhy,
		"LookupEnv": envWhy,
		"Environ":   envWhy,
	},
	"math/rand":    nil,
	"math/rand/v2": nil,
	"crypto/rand":  nil,
}

const (
	timerWhy = "starts a real timer, which does not survive a pause or replay; use wf.Sleep or wf.SleepUntil, or a timeout on wf.WaitForEvent"
	envWhy   = "can change between replays; read it inside a wf.Step, or at startup and inject it into the workflow"
	randWhy  = "returns different values on replay; use wf.UUID(ctx), or draw the value inside a wf.Step so it is recorded"
)

func runDeterminism(pass *analysis.Pass) (any, error) {
	if skipPackage(pass.Pkg) {
		return nil, nil
	}
	// Channel operations that are the cases of a select: the select is
	// reported once instead.
	inSelect := map[ast.Node]bool{}
	for _, f := range pass.Files {
		if isGenerated(f) {
			continue
		}
		walkBodies(pass.TypesInfo, f, func(n, body ast.Node) bool {
			if body == nil {
				return true
			}
			return checkNode(pass, n, inSelect)
		})
	}
	return nil, nil
}

// checkNode reports n if it breaks determinism inside a workflow body.
func checkNode(pass *analysis.Pass, n ast.Node, inSelect map[ast.Node]bool) bool {
	info := pass.TypesInfo
	switch n := n.(type) {
	case *ast.SelectorExpr:
		if why, name := forbiddenUse(info, n.Sel); why != "" {
			pass.Reportf(n.Pos(), "%s in a workflow body %s", name, why)
			return false
		}
	case *ast.Ident:
		if why, name := forbiddenUse(info, n); why != "" {
			pass.Reportf(n.Pos(), "%s in a workflow body %s", name, why)
		}
	case *ast.GoStmt:
		pass.Reportf(n.Pos(), "go statement in a workflow body: goroutines are not replayed and must not use the *wf.Context; run concurrent work inside a wf.Step")
	case *ast.SelectStmt:
		for _, c := range n.Body.List {
			if comm := c.(*ast.CommClause).Comm; comm != nil {
				markChanOps(comm, inSelect)
			}
		}
		pass.Reportf(n.Pos(), "select in a workflow body waits on real channels, which are not recorded or replayed; use wf.WaitForEvent or wf.Sleep")
	case *ast.SendStmt:
		if !inSelect[n] {
			pass.Reportf(n.Pos(), "channel send in a workflow body is not recorded or replayed; move it into a wf.Step, or deliver external input with wf.WaitForEvent")
		}
	case *ast.UnaryExpr:
		if n.Op == token.ARROW && !inSelect[n] {
			pass.Reportf(n.Pos(), "channel receive in a workflow body is not recorded or replayed; use wf.WaitForEvent for external input, or move it into a wf.Step")
		}
	case *ast.RangeStmt:
		checkRange(pass, n)
	}
	return true
}

// markChanOps records the channel operation that forms a select case.
func markChanOps(comm ast.Stmt, inSelect map[ast.Node]bool) {
	var op ast.Expr
	switch s := comm.(type) {
	case *ast.SendStmt:
		inSelect[s] = true
		return
	case *ast.ExprStmt:
		op = s.X
	case *ast.AssignStmt:
		op = s.Rhs[0]
	}
	if u, ok := ast.Unparen(op).(*ast.UnaryExpr); ok && u.Op == token.ARROW {
		inSelect[u] = true
	}
}

// forbiddenUse returns why the identifier's use breaks replay and the
// qualified name to report, or "" when it does not.
func forbiddenUse(info *types.Info, id *ast.Ident) (why, name string) {
	obj := info.Uses[id]
	if obj == nil || obj.Pkg() == nil {
		return "", ""
	}
	switch obj := obj.(type) {
	case *types.Func:
		if obj.Signature().Recv() != nil {
			return "", ""
		}
	case *types.Var:
		if obj.Parent() != obj.Pkg().Scope() {
			return "", ""
		}
	default:
		return "", ""
	}
	names, ok := forbidden[obj.Pkg().Path()]
	switch {
	case !ok:
		return "", ""
	case names == nil:
		why = randWhy
	default:
		why = names[obj.Name()]
	}
	return why, obj.Pkg().Path() + "." + obj.Name()
}

// checkRange reports ranging over a channel, and ranging over a map (or its
// maps.Keys, maps.Values or maps.All iterator) around durable calls.
func checkRange(pass *analysis.Pass, r *ast.RangeStmt) {
	t := pass.TypesInfo.TypeOf(r.X)
	if t == nil {
		return
	}
	switch t.Underlying().(type) {
	case *types.Chan:
		pass.Reportf(r.Pos(), "range over a channel in a workflow body receives values that are not recorded or replayed; use wf.WaitForEvent for external input, or move it into a wf.Step")
		return
	case *types.Map:
	default:
		if !isMapIterator(pass.TypesInfo, r.X) {
			return
		}
	}
	if hasDurableCall(pass.TypesInfo, r.Body) {
		pass.Reportf(r.Pos(), "range over a map in a workflow body reaches durable calls in a different order on each replay; range over sorted keys instead (slices.Sorted(maps.Keys(m)))")
	}
}

// isMapIterator reports whether x is a call of maps.Keys, maps.Values or
// maps.All, whose order is the map's.
func isMapIterator(info *types.Info, x ast.Expr) bool {
	call, ok := ast.Unparen(x).(*ast.CallExpr)
	if !ok {
		return false
	}
	fn, ok := typeutil.Callee(info, call).(*types.Func)
	if !ok || fn.Pkg() == nil || fn.Pkg().Path() != "maps" {
		return false
	}
	switch fn.Name() {
	case "Keys", "Values", "All":
		return true
	}
	return false
}

// hasDurableCall reports whether n contains a call that may be durable: a
// durable wf function, or a call that passes the *wf.Context on.
func hasDurableCall(info *types.Info, n ast.Node) bool {
	found := false
	ast.Inspect(n, func(n ast.Node) bool {
		if call, ok := n.(*ast.CallExpr); ok && (durable[wfFunc(info, call)] || passesContext(info, call)) {
			found = true
		}
		return !found
	})
	return found
}
