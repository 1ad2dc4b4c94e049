package gen

import (
	"fmt"
	"go/types"
	"slices"
	"strings"

	"github.com/wfgo/wf/gen/internal/directive"
)

// resolveVersions resolves previous= lists and marks the latest version
// of each workflow ID. The versions of one ID must form one chain (or
// DAG) without cycles whose single root is the latest: the one no other
// version lists.
func (b *builder) resolveVersions() {
	byType := map[string]*workflow{}
	var typeNames []string
	for _, w := range b.out.Workflows {
		byType[w.Name()] = w
		typeNames = append(typeNames, w.Name())
	}
	slices.Sort(typeNames)
	for _, id := range b.rejectedPrevious {
		b.previousVersion(id, byType, typeNames)
	}
	listed := map[*workflow]bool{}
	for _, w := range b.out.Workflows {
		for _, id := range b.previous[w] {
			p := b.previousVersion(id, byType, typeNames)
			switch {
			case p == nil:
			case p == w:
				b.errorf(id.Pos, "//wf:workflow: previous=%s: a version cannot precede itself", id.Name)
			case p.ID != w.ID:
				b.errorf(id.Pos, "//wf:workflow: previous=%s: %s is workflow %q, not %q", id.Name, id.Name, p.ID, w.ID)
			default:
				w.Previous = append(w.Previous, p)
				listed[p] = true
			}
		}
	}
	b.versionGroups(listed)
}

// previousVersion returns the workflow a previous= name refers to, or
// reports why it refers to none and returns nil. A type whose
// //wf:workflow was rejected gets no second error.
func (b *builder) previousVersion(id directive.Ident, byType map[string]*workflow, typeNames []string) *workflow {
	if p, ok := byType[id.Name]; ok {
		return p
	}
	switch obj := b.pkg.Types.Scope().Lookup(id.Name); {
	case obj == nil:
		b.errorf(id.Pos, "//wf:workflow: previous=%s: no type %s in package %s%s", id.Name, id.Name, b.pkg.Name, suggestion(id.Name, typeNames))
	case !b.meant[id.Name]["workflow"]:
		b.errorf(id.Pos, "//wf:workflow: previous=%s: %s has no //wf:workflow directive", id.Name, id.Name)
	}
	return nil
}

// versionGroups checks the versions of each workflow ID.
func (b *builder) versionGroups(listed map[*workflow]bool) {
	groups := map[string][]*workflow{}
	var ids []string
	for _, w := range b.out.Workflows {
		if len(groups[w.ID]) == 0 {
			ids = append(ids, w.ID)
		}
		groups[w.ID] = append(groups[w.ID], w)
	}
	for _, id := range ids {
		b.versionGroup(id, groups[id], listed)
	}
}

func (b *builder) versionGroup(id string, ws []*workflow, listed map[*workflow]bool) {
	versions := map[string]*workflow{}
	for _, w := range ws { // in source order
		if first, dup := versions[w.Version]; dup {
			b.errorf(w.Pos, "//wf:workflow: version %s of workflow %q is already defined by %s (%s); set version= on one of them",
				w.Version, id, first.Name(), b.where(first.Pos))
			return
		}
		versions[w.Version] = w
	}
	if cycle := findCycle(ws); cycle != nil {
		names := make([]string, len(cycle))
		for i, w := range cycle {
			names[i] = w.Name()
		}
		b.errorf(cycle[0].Pos, "//wf:workflow: the previous= lists of workflow %q form a cycle: %s", id, strings.Join(names, " → "))
		return
	}
	var roots []*workflow
	for _, w := range ws {
		if !listed[w] {
			roots = append(roots, w)
		}
	}
	if len(roots) > 1 {
		desc := make([]string, len(roots))
		for i, w := range roots {
			desc[i] = fmt.Sprintf("%s %s", w.Name(), w.Version)
		}
		for _, w := range roots {
			b.errorf(w.Pos, "//wf:workflow: workflow %q has %d latest versions (%s); list the earlier ones in previous= of the newest",
				id, len(roots), strings.Join(desc, ", "))
		}
		return
	}
	roots[0].Latest = true
}

// findCycle returns the workflows of a previous= cycle, the first one
// repeated at the end, or nil.
func findCycle(ws []*workflow) []*workflow {
	const (
		white = iota
		grey
		black
	)
	color := map[*workflow]int{}
	var stack []*workflow
	var visit func(w *workflow) []*workflow
	visit = func(w *workflow) []*workflow {
		color[w] = grey
		stack = append(stack, w)
		for _, p := range w.Previous {
			switch color[p] {
			case grey:
				i := slices.Index(stack, p)
				return append(slices.Clone(stack[i:]), p)
			case white:
				if c := visit(p); c != nil {
					return c
				}
			}
		}
		stack = stack[:len(stack)-1]
		color[w] = black
		return nil
	}
	for _, w := range ws {
		if color[w] == white {
			if c := visit(w); c != nil {
				return c
			}
		}
	}
	return nil
}

// typeString renders t relative to the package, for messages.
func (b *builder) typeString(t types.Type) string {
	return types.TypeString(t, types.RelativeTo(b.pkg.Types))
}
