package gen

import (
	"fmt"

	"github.com/dave/jennifer/jen"
)

// workflow writes one workflow version's step IDs, validators, definition
// constructor, typed client, typed child handle and approval handles.
func (e *emitter) workflow(w *workflow) {
	e.f.Line()
	if len(w.Steps) > 0 {
		e.doc(fmt.Sprintf("Step IDs of workflow %q version %s (%s), from its //wf:step directives.", w.ID, w.Version, w.Name()))
		var defs []jen.Code
		for _, s := range w.Steps {
			defs = append(defs, jen.Id(stepConst(w, s)).Qual(wfPath, "StepID").Op("=").Lit(s.ID))
		}
		e.f.Const().Defs(defs...)
		e.f.Line()
	}
	e.f.Var().Defs(
		jen.Id(inputSchemaVar(w)).Op("=").Qual(schemaPath, "MustFor").Types(e.typ(w.Input)).Call(jen.Lit("input")),
		jen.Id(outputSchemaVar(w)).Op("=").Qual(schemaPath, "MustFor").Types(e.typ(w.Output)).Call(jen.Lit("output")),
	)
	e.f.Line()
	e.definition(w)
	if w.Latest {
		e.f.Line()
		e.start(w)
		e.f.Line()
		e.startChild(w)
	}
	for _, a := range w.Approvals {
		e.f.Line()
		e.approval(w, a)
	}
}

// previousParam names the parameter of New<W>Definition that takes the
// definition of an earlier version.
func previousParam(p *workflow) string { return "prev" + upperFirst(p.Name()) }

func (e *emitter) definition(w *workflow) {
	name := definitionFunc(w)
	sentences := []string{fmt.Sprintf("%s defines version %s of workflow %q, run by w.Run.", name, w.Version, w.ID)}
	params := []jen.Code{jen.Id("w").Op("*").Id(w.Name())}
	var prev []jen.Code
	for _, p := range w.Previous {
		sentences = append(sentences, fmt.Sprintf("%s is the definition of version %s (%s), for the runs started on it.",
			previousParam(p), p.Version, p.Name()))
		params = append(params, jen.Id(previousParam(p)).Op("*").Qual(wfPath, "Definition"))
		prev = append(prev, jen.Id(previousParam(p)))
	}
	e.doc(sentences...)
	opts := []jen.Code{jen.Lit(w.ID), jen.Id("w").Dot("Run"), jen.Qual(wfPath, "Version").Call(jen.Lit(w.Version))}
	if len(prev) > 0 {
		opts = append(opts, jen.Qual(wfPath, "Previous").Call(prev...))
	}
	opts = append(opts,
		jen.Qual(wfPath, "ValidateInput").Call(jen.Id(inputSchemaVar(w)).Dot("Validate")),
		jen.Qual(wfPath, "ValidateOutput").Call(jen.Id(outputSchemaVar(w)).Dot("Validate")),
	)
	if w.Retry != nil {
		opts = append(opts, jen.Qual(wfPath, "DefaultRetry").Call(retryCode(w.Retry)))
	}
	for _, s := range w.Steps {
		var so []jen.Code
		if s.Retry != nil {
			so = append(so, jen.Qual(wfPath, "WithRetry").Call(retryCode(s.Retry)))
		}
		if s.Timeout > 0 {
			so = append(so, jen.Qual(wfPath, "WithTimeout").Call(duration(s.Timeout)))
		}
		if s.Local {
			so = append(so, jen.Qual(wfPath, "WithLocal").Call())
		}
		switch args := append([]jen.Code{jen.Id(stepConst(w, s))}, so...); {
		case len(so) > 1:
			opts = append(opts, jen.Qual(wfPath, "StepOptions").Call(lines(args)...))
		case len(so) == 1:
			opts = append(opts, jen.Qual(wfPath, "StepOptions").Call(args...))
		}
	}
	e.f.Func().Id(name).Params(params...).Op("*").Qual(wfPath, "Definition").Block(
		jen.Return(jen.Qual(wfPath, "New").Call(lines(opts)...)),
	)
}

func (e *emitter) start(w *workflow) {
	name := startFunc(w)
	e.doc(
		fmt.Sprintf("%s starts a run of workflow %q with input in and drives it to its first", name, w.ID),
		"pause or end. The input is checked against its JSON Schema before anything",
		"is stored. runID makes the start idempotent; \"\" lets rt pick a new one.",
	)
	e.f.Func().Id(name).Params(
		jen.Id("ctx").Qual("context", "Context"),
		jen.Id("rt").Op("*").Qual(runtimePath, "Runtime"),
		jen.Id("runID").String(),
		jen.Id("in").Add(e.typ(w.Input)),
	).Params(jen.Qual(runtimePath, "Result"), jen.Error()).Block(
		jen.List(jen.Id("raw"), jen.Err()).Op(":=").Qual("encoding/json", "Marshal").Call(jen.Id("in")),
		jen.If(jen.Err().Op("!=").Nil()).Block(
			jen.Return(jen.Qual(runtimePath, "Result").Values(),
				jen.Qual("fmt", "Errorf").Call(jen.Lit(fmt.Sprintf("start %s: encode input: %%w", w.ID)), jen.Err())),
		),
		jen.Return(jen.Id("rt").Dot("StartRun").Call(jen.Id("ctx"), jen.Qual(runtimePath, "StartRequest").Values(
			jen.Id("WorkflowID").Op(":").Lit(w.ID),
			jen.Id("RunID").Op(":").Id("runID"),
			jen.Id("Input").Op(":").Id("raw"),
		))),
	)
}

// startChild writes the typed handle that starts a run of w as a child
// of the calling workflow's run: the input and output types are w's, so a
// wrong input does not compile.
func (e *emitter) startChild(w *workflow) {
	name := startChildFunc(w)
	e.doc(
		fmt.Sprintf("%s starts a run of workflow %q with input in as a child of this run, at", name, w.ID),
		"operation id, and returns its future at once (see wf.StartChild): Get waits for the",
		"child's end and returns its output. opts may pin the child's version or detach it.",
	)
	e.f.Func().Id(name).Params(
		jen.Id("ctx").Op("*").Qual(wfPath, "Context"),
		jen.Id("id").Qual(wfPath, "StepID"),
		jen.Id("in").Add(e.typ(w.Input)),
		jen.Id("opts").Op("...").Qual(wfPath, "ChildOption"),
	).Op("*").Qual(wfPath, "Future").Types(e.typ(w.Output)).Block(
		jen.Return(jen.Qual(wfPath, "StartChild").Types(e.typ(w.Output)).Call(
			jen.Id("ctx"), jen.Id("id"), jen.Lit(w.ID), jen.Id("in"), jen.Id("opts").Op("..."))),
	)
}

func (e *emitter) approval(w *workflow, a *approval) {
	req := []jen.Code{jen.Id("ID").Op(":").Lit(a.ID)}
	if a.Title != "" {
		req = append(req, jen.Id("Title").Op(":").Lit(a.Title))
	}
	req = append(req, jen.Id("Description").Op(":").Id("description"))
	if a.Timeout > 0 {
		req = append(req, jen.Id("Timeout").Op(":").Add(duration(a.Timeout)))
	}
	name := requestFunc(w, a)
	timeout := "It returns when the decision is delivered."
	if a.Timeout > 0 {
		timeout = fmt.Sprintf("Without a decision within %s it returns a *wf.WaitTimeoutError.", shortDuration(a.Timeout))
	}
	e.doc(
		fmt.Sprintf("%s pauses the run until approval %q is decided (see %s).", name, a.ID, decideFunc(w, a)),
		timeout,
	)
	e.f.Func().Id(name).Params(
		jen.Id("ctx").Op("*").Qual(wfPath, "Context"),
		jen.Id("description").String(),
	).Params(jen.Qual(wfPath, "Approval"), jen.Error()).Block(
		jen.Return(jen.Qual(wfPath, "Approve").Call(jen.Id("ctx"), jen.Qual(wfPath, "ApprovalRequest").Values(lines(req)...))),
	)
	e.f.Line()
	name = decideFunc(w, a)
	e.doc(
		fmt.Sprintf("%s delivers the decision on approval %q to run runID and drives the run.", name, a.ID),
		"The first decision stands; a repeat is reported as runtime.KindDuplicate.",
	)
	e.f.Func().Id(name).Params(
		jen.Id("ctx").Qual("context", "Context"),
		jen.Id("rt").Op("*").Qual(runtimePath, "Runtime"),
		jen.Id("runID").String(),
		jen.Id("approved").Bool(),
		jen.Id("feedback").String(),
	).Params(jen.Qual(runtimePath, "Result"), jen.Error()).Block(
		jen.Return(jen.Id("rt").Dot("DeliverApproval").Call(jen.Id("ctx"), jen.Qual(runtimePath, "ApprovalDecision").Values(
			jen.Id("RunID").Op(":").Id("runID"),
			jen.Id("ApprovalID").Op(":").Lit(a.ID),
			jen.Id("Approved").Op(":").Id("approved"),
			jen.Id("Feedback").Op(":").Id("feedback"),
		))),
	)
}
