package gen

import (
	"fmt"

	"github.com/dave/jennifer/jen"
)

// signal writes a signal's validator, typed wait and typed delivery.
func (e *emitter) signal(s *signal) {
	t := s.Type.Name()
	e.f.Line()
	e.f.Var().Id(signalSchemaVar(s)).Op("=").Qual(schemaPath, "MustFor").Types(jen.Id(t)).Call(jen.Lit("signal " + s.Name))
	e.f.Line()
	name := waitFunc(s)
	e.doc(
		fmt.Sprintf("%s pauses the run until signal %q is delivered and returns its payload.", name, s.Name),
		"With wf.Timeout or wf.Deadline, a wait nothing resolves in time returns a",
		"*wf.WaitTimeoutError.",
	)
	e.f.Func().Id(name).Params(
		jen.Id("ctx").Op("*").Qual(wfPath, "Context"),
		jen.Id("opts").Op("...").Qual(wfPath, "WaitOption"),
	).Params(jen.Id(t), jen.Error()).Block(
		jen.Return(jen.Qual(wfPath, "WaitForEvent").Types(jen.Id(t)).Call(jen.Id("ctx"), jen.Lit(s.Name), jen.Id("opts").Op("..."))),
	)
	e.f.Line()
	name = deliverFunc(s)
	e.doc(
		fmt.Sprintf("%s delivers signal %q with payload p to run runID and drives the run.", name, s.Name),
		"The payload is checked against its JSON Schema first. signalID makes the",
		"delivery idempotent: use the sender's event ID.",
	)
	e.f.Func().Id(name).Params(
		jen.Id("ctx").Qual("context", "Context"),
		jen.Id("rt").Op("*").Qual(runtimePath, "Runtime"),
		jen.List(jen.Id("runID"), jen.Id("signalID")).String(),
		jen.Id("p").Id(t),
	).Params(jen.Qual(runtimePath, "Result"), jen.Error()).Block(
		jen.List(jen.Id("raw"), jen.Err()).Op(":=").Qual("encoding/json", "Marshal").Call(jen.Id("p")),
		jen.If(jen.Err().Op("!=").Nil()).Block(
			jen.Return(jen.Qual(runtimePath, "Result").Values(),
				jen.Qual("fmt", "Errorf").Call(jen.Lit(fmt.Sprintf("deliver %s: encode payload: %%w", s.Name)), jen.Err())),
		),
		jen.Return(jen.Id("rt").Dot("DeliverSignal").Call(jen.Id("ctx"), jen.Qual(runtimePath, "SignalRequest").Values(
			jen.Id("RunID").Op(":").Id("runID"),
			jen.Id("SignalID").Op(":").Id("signalID"),
			jen.Id("Name").Op(":").Lit(s.Name),
			jen.Id("Payload").Op(":").Id("raw"),
		))),
	)
}
