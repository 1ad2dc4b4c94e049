package gen

import (
	"fmt"
	"go/types"
	"maps"
	"slices"
	"strings"

	"github.com/dave/jennifer/jen"
)

var overlapConst = map[string]string{
	"skip":               "OverlapSkip",
	"allow":              "OverlapAllow",
	"buffer-one":         "OverlapBufferOne",
	"cancel-previous":    "OverlapCancelPrevious",
	"terminate-previous": "OverlapTerminatePrevious",
}

// registry writes Workflows, Registrations and the signal validators.
func (e *emitter) registry() {
	byName := slices.Clone(e.p.Workflows)
	slices.SortFunc(byName, func(x, y *workflow) int { return strings.Compare(x.Name(), y.Name()) })
	e.workflowsStruct(byName)
	e.registrations(byName)
	if len(e.p.Hosts) > 0 {
		e.hostApp()
	}
	if len(e.p.Signals) > 0 {
		e.f.Line()
		e.doc(signalsFunc + " maps each signal of the package to the validator of its payload.")
		var entries []jen.Code
		for _, s := range e.p.Signals {
			entries = append(entries, jen.Lit(s.Name).Op(":").Id(signalSchemaVar(s)).Dot("Validate"))
		}
		e.f.Func().Id(signalsFunc).Params().Map(jen.String()).Qual(wfPath, "Validator").Block(
			jen.Return(jen.Map(jen.String()).Qual(wfPath, "Validator").Values(lines(entries)...)),
		)
	}
}

func (e *emitter) workflowsStruct(byName []*workflow) {
	e.f.Line()
	e.doc(
		workflowsType+" holds the workflow values Registrations runs: their fields are the",
		"dependencies the workflows use. A nil field whose type has fields is refused by",
		"runtime.New (Workflow.Err): the zero value would lack its dependencies.",
	)
	var fields []jen.Code
	for _, w := range byName {
		fields = append(fields, jen.Id(w.Name()).Op("*").Id(w.Name()))
	}
	e.f.Type().Id(workflowsType).Struct(fields...)
}

// registrations writes Registrations: defaults for nil fields, the
// definitions of earlier versions (each once, before the versions that
// list them), then one runtime.Workflow per latest version.
func (e *emitter) registrations(byName []*workflow) {
	e.f.Line()
	var ids []string
	for _, w := range e.p.Workflows {
		if w.Latest {
			ids = append(ids, w.ID)
		}
	}
	e.doc(
		registrationsFunc+" returns the package's workflows ("+quoteList(ids)+") for runtime.Config.Workflows,",
		"each with its earlier versions, its schedules, the validators of the package's",
		"signals and the IDs of its approvals (a decision on another ID is refused).",
	)
	var body []jen.Code
	missing := false
	for _, w := range byName {
		if !hasFields(w) {
			body = append(body, jen.If(jen.Id("w").Dot(w.Name()).Op("==").Nil()).Block(
				jen.Id("w").Dot(w.Name()).Op("=").New(jen.Id(w.Name())),
			))
			continue
		}
		if !missing {
			body = append(body, jen.Var().Id("missing").Error())
			missing = true
		}
		msg := fmt.Sprintf("%s.%s.%s is nil: set it to the workflow value with its dependencies", e.p.Name, workflowsType, w.Name())
		body = append(body, jen.If(jen.Id("w").Dot(w.Name()).Op("==").Nil()).Block(
			jen.Id("missing").Op("=").Qual("errors", "Join").Call(jen.Id("missing"), jen.Qual("errors", "New").Call(jen.Lit(msg))),
			jen.Id("w").Dot(w.Name()).Op("=").New(jen.Id(w.Name())),
		))
	}
	e.missing = missing
	defined := map[*workflow]bool{}
	var define func(w *workflow)
	define = func(w *workflow) {
		if defined[w] {
			return
		}
		defined[w] = true
		for _, p := range w.Previous {
			define(p)
		}
		if !w.Latest {
			body = append(body, jen.Id(definitionVar(w)).Op(":=").Add(e.newDefinition(w)))
		}
	}
	var regs []jen.Code
	for _, w := range e.p.Workflows {
		if w.Latest {
			define(w)
			regs = append(regs, e.registration(w))
		}
	}
	if len(e.p.Signals) > 0 {
		body = append(body, jen.Id("signals").Op(":=").Id(signalsFunc).Call())
	}
	body = append(body, jen.Return(jen.Index().Qual(runtimePath, "Workflow").Values(lines(regs)...)))
	e.f.Func().Id(registrationsFunc).Params(jen.Id("w").Id(workflowsType)).Index().Qual(runtimePath, "Workflow").Block(body...)
}

// hasFields reports whether w's type has fields: dependencies that a nil
// value would lack, where a field-less type's zero value is the workflow.
func hasFields(w *workflow) bool {
	st, ok := w.Type.Type().Underlying().(*types.Struct)
	return !ok || st.NumFields() > 0
}

// definitionVar names the local holding an earlier version's definition.
func definitionVar(w *workflow) string { return "def" + upperFirst(w.Name()) }

// newDefinition calls New<W>Definition with the earlier versions'
// definitions.
func (e *emitter) newDefinition(w *workflow) jen.Code {
	args := []jen.Code{jen.Id("w").Dot(w.Name())}
	for _, p := range w.Previous {
		args = append(args, jen.Id(definitionVar(p)))
	}
	return jen.Id(definitionFunc(w)).Call(args...)
}

func (e *emitter) registration(w *workflow) jen.Code {
	fields := []jen.Code{jen.Id("Definition").Op(":").Add(e.newDefinition(w))}
	if e.missing {
		fields = append(fields, jen.Id("Err").Op(":").Id("missing"))
	}
	if len(w.Schedules) > 0 {
		var scheds []jen.Code
		for _, s := range w.Schedules {
			scheds = append(scheds, e.schedule(w, s))
		}
		fields = append(fields, jen.Id("Schedules").Op(":").Index().Qual(runtimePath, "Schedule").Values(lines(scheds)...))
	}
	if len(e.p.Signals) > 0 {
		fields = append(fields, jen.Id("Signals").Op(":").Id("signals"))
	}
	if w.Queue != nil {
		fields = append(fields, e.queue(w)...)
	}
	if ids := approvalIDs(w); len(ids) > 0 {
		var lits []jen.Code
		for _, id := range ids {
			lits = append(lits, jen.Lit(id))
		}
		fields = append(fields, jen.Id("Approvals").Op(":").Index().String().Values(lits...))
	}
	return jen.Values(lines(fields)...)
}

// approvalIDs are the IDs of the //wf:approval directives of w and of its
// earlier versions, sorted: a run started on any version may request them.
func approvalIDs(w *workflow) []string {
	seen := map[string]bool{}
	visited := map[*workflow]bool{}
	var visit func(*workflow)
	visit = func(v *workflow) {
		if visited[v] {
			return
		}
		visited[v] = true
		for _, a := range v.Approvals {
			seen[a.ID] = true
		}
		for _, p := range v.Previous {
			visit(p)
		}
	}
	visit(w)
	return slices.Sorted(maps.Keys(seen))
}

func (e *emitter) schedule(w *workflow, s *schedule) jen.Code {
	spec := jen.Qual(runtimePath, "Every").Call(duration(s.Every))
	if s.Cron != "" {
		spec = jen.Qual(runtimePath, "Cron").Call(jen.Lit(s.Cron), jen.Lit(s.TZ))
	}
	var input []jen.Code
	if s.Input != nil {
		input = []jen.Code{jen.Return(jen.Qual("encoding/json", "Marshal").Call(jen.Id(s.Input.Name())))}
	} else {
		input = []jen.Code{
			jen.Var().Id("in").Add(e.typ(w.Input)),
			jen.Return(jen.Qual("encoding/json", "Marshal").Call(jen.Id("in"))),
		}
	}
	return jen.Values(lines([]jen.Code{
		jen.Id("ID").Op(":").Lit(s.ID),
		jen.Id("Spec").Op(":").Add(spec),
		jen.Id("Overlap").Op(":").Qual(runtimePath, overlapConst[s.Overlap]),
		jen.Id("InputFunc").Op(":").Func().Params(jen.Qual("time", "Time")).
			Params(jen.Qual("encoding/json", "RawMessage"), jen.Error()).Block(input...),
	})...)
}

// jsonSchemas writes JSONSchemas, which `wfgen schema` also calls.
func (e *emitter) jsonSchemas() {
	type entry struct{ key, v string }
	var entries []entry
	for _, w := range e.p.Workflows {
		prefix := w.ID
		if !w.Latest {
			prefix += "." + w.Version
		}
		entries = append(entries, entry{prefix + ".input", inputSchemaVar(w)}, entry{prefix + ".output", outputSchemaVar(w)})
	}
	for _, s := range e.p.Signals {
		entries = append(entries, entry{s.Name + ".payload", signalSchemaVar(s)})
	}
	if len(entries) == 0 {
		return
	}
	slices.SortFunc(entries, func(x, y entry) int { return strings.Compare(x.key, y.key) })
	var dict []jen.Code
	for _, en := range entries {
		dict = append(dict, jen.Lit(en.key).Op(":").Id(en.v).Dot("JSON").Call())
	}
	e.f.Line()
	e.doc(
		jsonSchemasFunc+" returns the JSON Schema of each workflow input and output and of each",
		`signal payload, keyed "<workflow>.input", "<workflow>.output" and "<signal>.payload"`,
		fmt.Sprintf(`(earlier versions: "<workflow>.<version>.input"). %s writes them to files.`, "`wfgen schema`"),
	)
	e.f.Func().Id(jsonSchemasFunc).Params().Map(jen.String()).Qual("encoding/json", "RawMessage").Block(
		jen.Return(jen.Map(jen.String()).Qual("encoding/json", "RawMessage").Values(lines(dict)...)),
	)
}

// hostApp writes HostApp, the app value the generated hosts' mains run:
// the package's registrations with the dependencies HostWorkflows makes.
func (e *emitter) hostApp() {
	e.f.Line()
	e.doc(
		hostAppVar+" is the package's workflows as the hosts of //wf:hosts run them,",
		"with the dependencies "+hookName+" makes from the environment: each host's",
		"generated main sets the store it opens and hands it to the host's entry.",
	)
	getenv := jen.Id("getenv").Func().Params(jen.String()).String()
	e.f.Var().Id(hostAppVar).Op("=").Qual(hostPath, "App").Values(jen.Dict{
		jen.Id("Workflows"): jen.Func().Params(jen.Id("ctx").Qual("context", "Context"), getenv).
			Params(jen.Index().Qual(runtimePath, "Workflow"), jen.Error()).Block(
			jen.List(jen.Id("w"), jen.Err()).Op(":=").Id(hookName).Call(jen.Id("ctx"), jen.Id("getenv")),
			jen.If(jen.Err().Op("!=").Nil()).Block(
				jen.Return(jen.Nil(), jen.Qual("fmt", "Errorf").Call(jen.Lit(e.p.Name+"."+hookName+": %w"), jen.Err())),
			),
			jen.Return(jen.Id(registrationsFunc).Call(jen.Id("w")), jen.Nil()),
		),
	})
}
