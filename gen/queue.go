package gen

import (
	"fmt"
	"go/types"
	"reflect"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/wfgo/wf/gen/internal/directive"
)

// queue builds w's //wf:queue, resolving partition= and priority= against
// the fields of w's input.
func (b *builder) queue(w *workflow, d *directive.Directive) *queue {
	a := d.Args.(*directive.Queue)
	q := &queue{Name: string(a.Name), Concurrency: a.Concurrency, Pos: d.Pos}
	if a.Rate != "" {
		// The directive's check reported a bad rate already.
		q.Rate, q.Per, _ = directive.ParseRate(a.Rate)
	}
	if a.Partition != "" {
		q.Partition = b.queueField(w, d, "partition", a.Partition, func(t types.Type) bool { return isStringKind(t) || isIntegerKind(t) },
			"a string or integer")
	}
	if a.Priority != "" {
		q.Priority = b.queueField(w, d, "priority", a.Priority, isIntegerKind, "an integer")
	}
	return q
}

// queueField finds the input field that partition= or priority= names,
// by Go name or JSON name, or reports why there is none.
func (b *builder) queueField(w *workflow, d *directive.Directive, key, name string, ok func(types.Type) bool, want string) *types.Var {
	if w.Input == nil {
		return nil // runSignature reported it
	}
	st, isStruct := types.Unalias(w.Input).Underlying().(*types.Struct)
	if !isStruct {
		b.errorf(d.ArgPos(key), "//wf:queue: %s=%s: the input of %s.Run is %s; %s= needs a struct input", key, name, w.Name(),
			b.typeString(w.Input), key)
		return nil
	}
	var names []string
	for i := range st.NumFields() {
		f := st.Field(i)
		if !f.Exported() {
			continue
		}
		jsonName := jsonFieldName(f, st.Tag(i))
		names = append(names, f.Name())
		if f.Name() != name && jsonName != name {
			continue
		}
		if !ok(f.Type()) {
			b.errorf(d.ArgPos(key), "//wf:queue: %s=%s: field %s of %s has type %s; want %s field", key, name, f.Name(),
				b.typeString(w.Input), b.typeString(f.Type()), want)
			return nil
		}
		return f
	}
	b.errorf(d.ArgPos(key), "//wf:queue: %s=%s: %s has no such field%s", key, name, b.typeString(w.Input), suggestion(name, names))
	return nil
}

// jsonFieldName is the name encoding/json gives field f with tag.
func jsonFieldName(f *types.Var, tag string) string {
	name, _, _ := strings.Cut(reflect.StructTag(tag).Get("json"), ",")
	if name == "" || name == "-" {
		return f.Name()
	}
	return name
}

func isStringKind(t types.Type) bool {
	b, ok := t.Underlying().(*types.Basic)
	return ok && b.Info()&types.IsString != 0
}

func isIntegerKind(t types.Type) bool {
	b, ok := t.Underlying().(*types.Basic)
	return ok && b.Info()&types.IsInteger != 0
}

// checkQueues checks that the workflows naming one queue declare it alike
// (the runtime refuses two declarations that differ) and that queues sit
// on latest versions.
func (b *builder) checkQueues() {
	first := map[string]*queue{}
	for _, w := range b.out.Workflows {
		q := w.Queue
		if q == nil {
			continue
		}
		if !w.Latest && w.ID != "" {
			b.errorf(q.Pos, "//wf:queue: %s is an earlier version of workflow %q; put the queue on the latest version", w.Name(), w.ID)
		}
		prev, seen := first[q.Name]
		if !seen {
			first[q.Name] = q
			continue
		}
		if caps(prev) != caps(q) {
			b.errorf(q.Pos, "//wf:queue: queue %q is declared as %s at %s; every workflow on it must declare it alike", q.Name, caps(prev), b.where(prev.Pos))
		}
	}
}

// caps renders a queue's limits, for comparing declarations.
func caps(q *queue) string {
	return fmt.Sprintf("concurrency=%d rate=%d/%s partitioned=%t", q.Concurrency, q.Rate, q.Per, q.Partition != nil)
}

// queue emits the registration fields of w's //wf:queue: Queue, and
// QueueKeys when partition= or priority= is set.
func (e *emitter) queue(w *workflow) []jen.Code {
	q := w.Queue
	decl := []jen.Code{jen.Id("Name").Op(":").Lit(q.Name)}
	if q.Concurrency > 0 {
		decl = append(decl, jen.Id("Concurrency").Op(":").Lit(q.Concurrency))
	}
	if q.Rate > 0 {
		decl = append(decl, jen.Id("Rate").Op(":").Lit(q.Rate), jen.Id("Per").Op(":").Add(duration(q.Per)))
	}
	if q.Partition != nil {
		decl = append(decl, jen.Id("Partitioned").Op(":").True())
	}
	fields := []jen.Code{jen.Id("Queue").Op(":").Op("&").Qual(runtimePath, "Queue").Values(decl...)}
	if q.Partition == nil && q.Priority == nil {
		return fields
	}
	partition, priority := jen.Code(jen.Nil()), jen.Code(jen.Nil())
	if f := q.Partition; f != nil {
		read := jen.Id("in").Dot(f.Name())
		switch {
		case isIntegerKind(f.Type()):
			read = jen.Qual("strconv", "FormatInt").Call(jen.Int64().Call(read), jen.Lit(10))
		case !types.Identical(f.Type(), types.Typ[types.String]):
			read = jen.String().Call(read)
		}
		partition = jen.Func().Params(jen.Id("in").Add(e.typ(w.Input))).String().Block(jen.Return(read))
	}
	if f := q.Priority; f != nil {
		read := jen.Id("in").Dot(f.Name())
		if !types.Identical(f.Type(), types.Typ[types.Int]) {
			read = jen.Int().Call(read)
		}
		priority = jen.Func().Params(jen.Id("in").Add(e.typ(w.Input))).Int().Block(jen.Return(read))
	}
	keys := jen.Qual(runtimePath, "QueueKeysOf").Types(e.typ(w.Input)).Call(partition, priority)
	return append(fields, jen.Id("QueueKeys").Op(":").Add(keys))
}
