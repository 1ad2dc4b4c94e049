package gen

import (
	"bytes"
	"fmt"
	"github.com/wfgo/wf/gen/internal/hostgen"
	"go/ast"
	"go/format"
	"go/types"
	"time"

	"github.com/robfig/cron/v3"
)

// hookName is the function a package with //wf:hosts declares for the
// generated entry points, and hookSignature its signature.
const (
	hookName      = "HostWorkflows"
	hookSignature = "func HostWorkflows(ctx context.Context, getenv func(string) string) (Workflows, error)"
)

// checkHosts checks what //wf:hosts needs: workflows to deploy, a package
// the entry points can import, the HostWorkflows hook, and schedules that
// every host sweeps often enough for.
func (b *builder) checkHosts() {
	p := b.out
	if !p.HostsPos.IsValid() {
		return
	}
	switch {
	case len(p.Workflows) == 0:
		b.errorf(p.HostsPos, "//wf:hosts: package %s has no //wf:workflow to deploy", p.Name)
		return
	case p.Name == "main":
		b.errorf(p.HostsPos, "//wf:hosts: the generated entry points cannot import package main; put the workflows in a package of their own")
		return
	}
	b.checkHook()
	b.checkScheduleSweeps()
}

// checkHook checks that the package declares HostWorkflows with the
// signature the entry points call.
func (b *builder) checkHook() {
	obj := b.pkg.Types.Scope().Lookup(hookName)
	if obj == nil {
		b.errorf(b.out.HostsPos, "//wf:hosts: package %s must declare %s: the generated entry points call it to build the workflows' dependencies from the host's environment",
			b.out.Name, hookSignature)
		return
	}
	fn, ok := obj.(*types.Func)
	if !ok {
		b.errorf(obj.Pos(), "%s must be %s for //wf:hosts, not %s", hookName, hookSignature, objectKind(obj))
		return
	}
	decl := b.funcDecl(fn)
	if decl == nil || b.hookOK(fn.Signature(), decl) {
		return
	}
	b.errorf(fn.Pos(), "func %s must be %s for //wf:hosts; it is %s", hookName, hookSignature, b.nodeString(decl.Type))
}

// hookOK reports whether sig, declared by decl, is the hook's signature.
// Workflows is generated, so while wfgen reads declarations only it is
// not defined: then the result is checked in the syntax.
func (b *builder) hookOK(sig *types.Signature, decl *ast.FuncDecl) bool {
	if sig.TypeParams().Len() > 0 || sig.Params().Len() != 2 || sig.Results().Len() != 2 || sig.Variadic() {
		return false
	}
	str := types.Typ[types.String]
	getenv := types.NewSignatureType(nil, nil, nil,
		types.NewTuple(types.NewParam(0, nil, "", str)), types.NewTuple(types.NewParam(0, nil, "", str)), false)
	if !isNamed(sig.Params().At(0).Type(), "context", "Context") || !types.Identical(sig.Params().At(1).Type(), getenv) ||
		!types.Identical(sig.Results().At(1).Type(), types.Universe.Lookup("error").Type()) {
		return false
	}
	switch t := sig.Results().At(0).Type(); {
	case isNamed(t, b.pkg.PkgPath, "Workflows"):
		return true
	case t == types.Typ[types.Invalid]:
		id, ok := resultExpr(decl, 0).(*ast.Ident)
		return ok && id.Name == "Workflows"
	}
	return false
}

// funcDecl returns the declaration of fn in the package's syntax.
func (b *builder) funcDecl(fn *types.Func) *ast.FuncDecl {
	for _, f := range b.pkg.Syntax {
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Name.Pos() == fn.Pos() {
				return fd
			}
		}
	}
	return nil
}

// resultExpr returns the type expression of result i of decl, or nil.
func resultExpr(decl *ast.FuncDecl, i int) ast.Expr {
	if decl.Type.Results == nil {
		return nil
	}
	n := 0
	for _, field := range decl.Type.Results.List {
		for range max(1, len(field.Names)) {
			if n == i {
				return field.Type
			}
			n++
		}
	}
	return nil
}

func isNamed(t types.Type, pkgPath, name string) bool {
	n, ok := types.Unalias(t).(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == pkgPath && n.Obj().Name() == name
}

// nodeString prints a syntax node as gofmt would: "func(ctx context.Context) (Workflows, error)".
func (b *builder) nodeString(n ast.Node) string {
	var buf bytes.Buffer
	if err := format.Node(&buf, b.fset, n); err != nil {
		return fmt.Sprintf("%T", n)
	}
	return buf.String()
}

// checkScheduleSweeps reports each schedule that fires more often than a
// host sweeps. A sweep starts the most recent due fire time of each
// schedule and missed ones are not made up, so fire times that fall
// between two sweeps would be lost. A schedule that fires less often is
// honoured, started by the first sweep at or after each fire time.
// Hosts never see the schedule's own expression, whatever their cron
// syntax or time zone: wf evaluates it, in its tz=, at each sweep.
func (b *builder) checkScheduleSweeps() {
	// Once a gap is shorter than every host's sweep, all of them fail:
	// the search for a shorter one can stop.
	shortest := time.Duration(1<<63 - 1)
	for _, h := range b.out.Hosts {
		shortest = min(shortest, hostgen.SweepOf(hostgen.SpecOf(h), b.out.Sweep))
	}
	for _, w := range b.out.Workflows {
		for _, s := range w.Schedules {
			gap, what := scheduleGap(s, shortest)
			for _, name := range b.out.Hosts {
				h := hostgen.SpecOf(name)
				if sweep := hostgen.SweepOf(h, b.out.Sweep); gap < sweep {
					b.errorf(s.Pos, "//wf:schedule: schedule %q %s, but the %s host sweeps every %s (%s): the fire times between two sweeps would be skipped; %s",
						s.ID, what, h.Name, shortDuration(sweep), b.sweepReason(h), b.sweepFix(h, gap))
				}
			}
		}
	}
}

// sweepReason says where a host's sweep interval comes from.
func (b *builder) sweepReason(h *hostgen.Spec) string {
	switch {
	case b.out.Sweep > 0:
		return "sweep= of //wf:hosts at " + b.where(b.out.HostsPos)
	case h.MinWhy != "":
		return h.MinWhy
	}
	return "its default; sweep= on //wf:hosts sets it"
}

// sweepFix suggests how to honour a schedule whose fire times are gap
// apart on host h.
func (b *builder) sweepFix(h *hostgen.Spec, gap time.Duration) string {
	if gap < h.MinSweep {
		return fmt.Sprintf("%s cannot sweep more often than every %s: fire less often, or deploy on the worker host", h.Title, shortDuration(h.MinSweep))
	}
	return fmt.Sprintf("fire less often, or sweep at least every %s", shortDuration(gap))
}

// scheduleGap follows a cron expression for gapWindow from gapStart: a
// year, through both daylight-saving changes of its time zone, from a
// fixed start so that diagnostics do not depend on the day wfgen runs.
var gapStart = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

const gapWindow = 366 * 24 * time.Hour

// scheduleGap returns the shortest time between two fire times of s, and
// how it fires for messages. It stops early once it finds a gap shorter
// than stopBelow, which then is not necessarily the shortest.
func scheduleGap(s *schedule, stopBelow time.Duration) (time.Duration, string) {
	if s.Every > 0 {
		return s.Every, "fires every " + shortDuration(s.Every)
	}
	tz := s.TZ
	if tz == "" {
		tz = "UTC"
	}
	sched, err := cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor).
		Parse("CRON_TZ=" + tz + " " + s.Cron)
	if err != nil {
		return 1<<63 - 1, "" // the directive reported it
	}
	gap := time.Duration(1<<63 - 1)
	var at, next time.Time
	prev := sched.Next(gapStart)
	for t := sched.Next(prev); !t.IsZero() && t.Before(gapStart.Add(gapWindow)); prev, t = t, sched.Next(t) {
		if d := t.Sub(prev); d < gap {
			gap, at, next = d, prev, t
			if gap < stopBelow || gap <= time.Minute {
				break
			}
		}
	}
	if at.IsZero() {
		return gap, ""
	}
	loc := mustLocation(tz)
	return gap, fmt.Sprintf("(cron %q, tz %s) fires as often as every %s (e.g. at %s and %s)", s.Cron, tz,
		shortDuration(gap), at.In(loc).Format("2006-01-02 15:04"), next.In(loc).Format("15:04 MST"))
}

func mustLocation(tz string) *time.Location {
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return time.UTC
	}
	return loc
}
