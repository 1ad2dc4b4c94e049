package gen

import (
	"cmp"
	"fmt"
	"go/ast"
	"go/scanner"
	"go/token"
	"go/types"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/tools/go/packages"

	"github.com/wfgo/wf/gen/internal/directive"
)

// builder turns one package's directives into a Package, collecting every
// error.
type builder struct {
	fset   *token.FileSet
	pkg    *packages.Package
	module string // the main module's path: its types get their tags checked
	out    *pkgModel
	errs   scanner.ErrorList
	// previous holds each workflow's previous= names until every workflow
	// is known.
	previous map[*workflow][]directive.Ident
	// schedInput holds each schedule's input= name until the workflow's
	// input type is known.
	schedInput map[*schedule]directive.Ident
	checked    map[types.Type]bool // JSON types already checked
	// meant holds, by type name, the directives rejected (misplaced or
	// malformed, already reported) that were meant for that type: no
	// error follows from their absence.
	meant map[string]map[string]bool
	// rejectedPrevious holds the previous= names of rejected
	// //wf:workflow directives: they must still name types.
	rejectedPrevious []directive.Ident
	// generatedFile holds the filenames of wfgen's outputs in the package.
	generatedFile map[string]bool
}

func (b *builder) errorf(pos token.Pos, format string, args ...any) {
	b.errs.Add(b.fset.Position(pos), fmt.Sprintf(format, args...))
}

// where renders pos for a message: file:line:col with the file's base
// name, which is unambiguous within a package.
func (b *builder) where(pos token.Pos) string {
	p := b.fset.Position(pos)
	return fmt.Sprintf("%s:%d:%d", filepath.Base(p.Filename), p.Line, p.Column)
}

// build reads pkg's directives and resolves them against its types. A
// package without directives yields a Package with no workflows, signals
// or hosts.
func build(fset *token.FileSet, pkg *packages.Package) (*pkgModel, scanner.ErrorList) {
	b := &builder{
		fset: fset,
		pkg:  pkg,
		out: &pkgModel{Name: pkg.Name, Path: pkg.PkgPath, Types: pkg.Types,
			Dir: packageDir(pkg), Module: pkg.Module},
		previous:      map[*workflow][]directive.Ident{},
		schedInput:    map[*schedule]directive.Ident{},
		checked:       map[types.Type]bool{},
		generatedFile: map[string]bool{},
		meant:         map[string]map[string]bool{},
	}
	if pkg.Module != nil {
		b.module = pkg.Module.Path
	}
	for _, f := range pkg.Syntax {
		if hasHeader(f) {
			b.generatedFile[fset.Position(f.Package).Filename] = true
			continue
		}
		parsed := directive.Parse(fset, f, &b.errs)
		for _, d := range parsed.Rejected {
			b.rejected(d)
		}
		b.hosts(parsed.Package)
		specs := make([]*ast.TypeSpec, 0, len(parsed.Types))
		for ts := range parsed.Types {
			specs = append(specs, ts)
		}
		slices.SortFunc(specs, func(x, y *ast.TypeSpec) int { return cmp.Compare(x.Pos(), y.Pos()) })
		for _, ts := range specs {
			b.typeDecl(ts, parsed.Types[ts])
		}
	}
	b.resolveVersions()
	b.resolveSchedules()
	b.checkUnique()
	slices.SortFunc(b.out.Workflows, func(x, y *workflow) int {
		if c := cmp.Compare(x.ID, y.ID); c != 0 {
			return c
		}
		if x.Latest != y.Latest {
			if x.Latest {
				return -1
			}
			return 1
		}
		return cmp.Compare(x.Name(), y.Name())
	})
	slices.SortFunc(b.out.Signals, func(x, y *signal) int { return cmp.Compare(x.Name, y.Name) })
	b.checkNames()
	b.checkHosts()
	return b.out, b.errs
}

// hasHeader reports whether f starts with wfgen's header.
func hasHeader(f *ast.File) bool {
	return len(f.Comments) > 0 && f.Comments[0].Pos() < f.Package &&
		strings.TrimRight(f.Comments[0].List[0].Text, "\r") == Header
}

func packageDir(pkg *packages.Package) string {
	for _, files := range [][]string{pkg.GoFiles, pkg.OtherFiles, pkg.IgnoredFiles} {
		if len(files) > 0 {
			return dirOf(files[0])
		}
	}
	return ""
}

func (b *builder) hosts(ds []*directive.Directive) {
	for _, d := range ds {
		if b.out.HostsPos.IsValid() {
			b.errorf(d.Pos, "//wf:hosts: the package already lists its hosts at %s", b.where(b.out.HostsPos))
			continue
		}
		args := d.Args.(*directive.Hosts)
		b.out.Hosts, b.out.Sweep, b.out.Store, b.out.Metrics = args.Hosts, args.Sweep, args.Store, args.Metrics
		b.out.HostsPos, b.out.HostsAt = d.Pos, b.fset.Position(d.Pos)
	}
}

// rejected takes a directive whose errors Parse reported: it notes the
// type the directive was meant for and checks the package-level names its
// arguments give, so that those errors come in the same pass.
func (b *builder) rejected(d *directive.Directive) {
	if d.For != nil {
		name := d.For.Name.Name
		if b.meant[name] == nil {
			b.meant[name] = map[string]bool{}
		}
		b.meant[name][d.Spec.Name] = true
	}
	switch a := d.Args.(type) {
	case *directive.Workflow:
		b.rejectedPrevious = append(b.rejectedPrevious, a.Previous...)
	case *directive.Schedule:
		if a.Input.Name != "" {
			b.scheduleInput(a.Input)
		}
	}
}

// typeDecl handles the directives of one struct type.
func (b *builder) typeDecl(ts *ast.TypeSpec, ds []*directive.Directive) {
	byName := map[string][]*directive.Directive{}
	for _, d := range ds {
		byName[d.Spec.Name] = append(byName[d.Spec.Name], d)
	}
	name := ts.Name.Name
	for _, single := range []string{"workflow", "signal", "queue"} {
		for _, d := range byName[single][min(1, len(byName[single])):] {
			b.errorf(d.Pos, "//wf:%s: type %s already has //wf:%s at line %d", single, name, single,
				b.fset.Position(byName[single][0].Pos).Line)
		}
	}
	if len(byName["workflow"]) > 0 && len(byName["signal"]) > 0 {
		b.errorf(byName["signal"][0].Pos, "//wf:signal: type %s is a workflow; a signal payload needs its own type", name)
		return
	}
	if len(byName["workflow"]) == 0 {
		for _, kind := range []string{"step", "approval", "schedule", "queue"} {
			for _, d := range byName[kind] {
				if !b.meant[name]["workflow"] {
					b.errorf(d.Pos, "//wf:%s: type %s has no //wf:workflow; %ss belong to workflow types", kind, name, kind)
				}
				if s, ok := d.Args.(*directive.Schedule); ok && s.Input.Name != "" {
					b.scheduleInput(s.Input)
				}
			}
		}
	}
	obj, ok := b.pkg.Types.Scope().Lookup(name).(*types.TypeName)
	if !ok {
		return // the package does not type-check; go/packages reported it
	}
	if len(byName["workflow"]) > 0 {
		w := b.workflow(obj, byName["workflow"][0], byName["step"], byName["approval"], byName["schedule"])
		if qs := byName["queue"]; len(qs) > 0 {
			w.Queue = b.queue(w, qs[0])
		}
	}
	if len(byName["signal"]) > 0 {
		d := byName["signal"][0]
		s := &signal{Type: obj, Name: string(d.Args.(*directive.Signal).Name), Pos: d.Pos}
		b.checkJSON(obj.Type(), "signal "+s.Name+" payload", d.Pos)
		b.out.Signals = append(b.out.Signals, s)
	}
}

func (b *builder) workflow(obj *types.TypeName, d *directive.Directive, steps, approvals, schedules []*directive.Directive) *workflow {
	args := d.Args.(*directive.Workflow)
	w := &workflow{Type: obj, ID: string(args.ID), Version: string(args.Version), Pos: d.Pos,
		Retry: retryOf(args.RetryArgs, d)}
	if w.Version == "" {
		w.Version = "v1"
	}
	b.previous[w] = args.Previous
	w.Input, w.Output = b.runSignature(obj, d)
	opIDs := map[string]token.Pos{}
	addOp := func(kind, id string, pos token.Pos) {
		if first, dup := opIDs[id]; dup {
			b.errorf(pos, "//wf:%s: operation ID %q is already used on line %d (steps and approvals share one ID space)",
				kind, id, b.fset.Position(first).Line)
		}
		opIDs[id] = pos
	}
	for _, sd := range steps {
		a := sd.Args.(*directive.Step)
		addOp("step", string(a.ID), sd.ArgPos(""))
		w.Steps = append(w.Steps, &step{ID: string(a.ID), Retry: retryOf(a.RetryArgs, sd), Timeout: a.Timeout, Local: a.Local, Pos: sd.Pos})
	}
	for _, ad := range approvals {
		a := ad.Args.(*directive.Approval)
		addOp("approval", string(a.ID), ad.ArgPos(""))
		w.Approvals = append(w.Approvals, &approval{ID: string(a.ID), Title: a.Title, Timeout: a.Timeout, Pos: ad.Pos})
	}
	for _, sd := range schedules {
		a := sd.Args.(*directive.Schedule)
		s := &schedule{ID: string(a.ID), Every: a.Every, Cron: a.Cron, TZ: a.TZ, Overlap: a.Overlap, Pos: sd.Pos}
		if s.Overlap == "" {
			s.Overlap = "skip"
		}
		if a.Input.Name != "" {
			b.schedInput[s] = a.Input
		}
		w.Schedules = append(w.Schedules, s)
	}
	slices.SortFunc(w.Steps, func(x, y *step) int { return cmp.Compare(x.ID, y.ID) })
	slices.SortFunc(w.Approvals, func(x, y *approval) int { return cmp.Compare(x.ID, y.ID) })
	slices.SortFunc(w.Schedules, func(x, y *schedule) int { return cmp.Compare(x.ID, y.ID) })
	b.out.Workflows = append(b.out.Workflows, w)
	return w
}

func retryOf(a directive.RetryArgs, d *directive.Directive) *retry {
	if !d.Has("retry") {
		return nil
	}
	return &retry{MaxAttempts: a.Retry, Backoff: a.Backoff, Base: a.Base, Cap: a.Cap}
}

const wfPath = "github.com/wfgo/wf"

// runSignature checks that obj has Run(ctx *wf.Context, in I) (O, error)
// and returns I and O (nil when it has not).
func (b *builder) runSignature(obj *types.TypeName, d *directive.Directive) (in, out types.Type) {
	const want = "Run(ctx *wf.Context, in I) (O, error)"
	sel := types.NewMethodSet(types.NewPointer(obj.Type())).Lookup(nil, "Run")
	if sel == nil {
		b.errorf(d.Pos, "//wf:workflow: type %s has no method %s", obj.Name(), want)
		return nil, nil
	}
	fn := sel.Obj().(*types.Func)
	sig := fn.Type().(*types.Signature)
	ok := sig.Params().Len() == 2 && sig.Results().Len() == 2 && !sig.Variadic() &&
		isWfContext(sig.Params().At(0).Type()) &&
		types.Identical(sig.Results().At(1).Type(), types.Universe.Lookup("error").Type())
	if !ok {
		b.errorf(fn.Pos(), "method %s.Run must be %s for //wf:workflow; it is %s", obj.Name(), want,
			strings.TrimPrefix(types.TypeString(sig, types.RelativeTo(obj.Pkg())), "func"))
		return nil, nil
	}
	in, out = sig.Params().At(1).Type(), sig.Results().At(0).Type()
	b.checkJSON(in, obj.Name()+".Run input", fn.Pos())
	b.checkJSON(out, obj.Name()+".Run output", fn.Pos())
	return in, out
}

func isWfContext(t types.Type) bool {
	p, ok := t.(*types.Pointer)
	if !ok {
		return false
	}
	n, ok := types.Unalias(p.Elem()).(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == wfPath && n.Obj().Name() == "Context"
}

// checkUnique checks the names that must be unique across the package:
// signal names and schedule IDs.
func (b *builder) checkUnique() {
	signals := map[string]*signal{}
	for _, s := range b.out.Signals {
		if first, dup := signals[s.Name]; dup {
			b.errorf(s.Pos, "//wf:signal: signal %q is already the payload of %s (%s)", s.Name, first.Type.Name(), b.where(first.Pos))
			continue
		}
		signals[s.Name] = s
	}
	b.checkQueues()
	schedules := map[string]*schedule{}
	for _, w := range b.out.Workflows {
		for _, s := range w.Schedules {
			if first, dup := schedules[s.ID]; dup {
				b.errorf(s.Pos, "//wf:schedule: schedule %q is already declared at %s", s.ID, b.where(first.Pos))
				continue
			}
			schedules[s.ID] = s
			if !w.Latest && w.ID != "" {
				b.errorf(s.Pos, "//wf:schedule: %s is an earlier version of workflow %q; put schedules on the latest version", w.Name(), w.ID)
			}
		}
	}
}

// resolveSchedules resolves input= against the package scope.
func (b *builder) resolveSchedules() {
	for _, w := range b.out.Workflows {
		for _, s := range w.Schedules {
			id, ok := b.schedInput[s]
			if !ok {
				continue
			}
			obj := b.scheduleInput(id)
			if obj == nil {
				continue
			}
			if w.Input != nil && !types.AssignableTo(obj.Type(), w.Input) {
				b.errorf(id.Pos, "//wf:schedule: input=%s: %s has type %s; the input of %s.Run is %s", id.Name, id.Name,
					b.typeString(obj.Type()), w.Name(), b.typeString(w.Input))
				continue
			}
			s.Input = obj
		}
	}
}

// scheduleInput returns the variable or constant an input= names, or
// reports why it names none and returns nil.
func (b *builder) scheduleInput(id directive.Ident) types.Object {
	obj := b.pkg.Types.Scope().Lookup(id.Name)
	switch obj.(type) {
	case *types.Var, *types.Const:
		return obj
	case nil:
		b.errorf(id.Pos, "//wf:schedule: input=%s: no such variable or constant in package %s%s", id.Name, b.pkg.Name,
			suggestion(id.Name, b.scopeNames(func(o types.Object) bool { _, v := o.(*types.Var); _, c := o.(*types.Const); return v || c })))
	default:
		b.errorf(id.Pos, "//wf:schedule: input=%s: %s is not a variable or constant", id.Name, id.Name)
	}
	return nil
}

// scopeNames lists the package-level names that keep returns true for,
// sorted.
func (b *builder) scopeNames(keep func(types.Object) bool) []string {
	var out []string
	scope := b.pkg.Types.Scope()
	for _, n := range scope.Names() {
		if keep(scope.Lookup(n)) {
			out = append(out, n)
		}
	}
	return out
}

// suggestion formats "; did you mean X?" for the closest of names, or "".
func suggestion(name string, names []string) string {
	if s := directive.Suggest(name, names); s != "" {
		return "; did you mean " + s + "?"
	}
	return ""
}
