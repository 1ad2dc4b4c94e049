package gen_test

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/wfgo/wf/gen"
	"github.com/wfgo/wf/internal/tempmod"
)

// manyWorkflows returns a package of n workflows, each with a signal, an
// approval, a schedule and three steps.
func manyWorkflows(n int) string {
	var b strings.Builder
	b.WriteString("package flows\n\nimport \"github.com/wfgo/wf\"\n")
	for i := range n {
		fmt.Fprintf(&b, `
// In%[1]d is an input.
type In%[1]d struct {
	ID    string `+"`json:\"id\" jsonschema:\"minLength=1\"`"+`
	Count int    `+"`json:\"count,omitempty\" jsonschema:\"minimum=0\"`"+`
}

// Out%[1]d is an output.
type Out%[1]d struct {
	OK bool `+"`json:\"ok\"`"+`
}

// Sig%[1]d is a signal payload.
//
//wf:signal sig-%[1]d
type Sig%[1]d struct {
	Value string `+"`json:\"value\"`"+`
}

// Flow%[1]d is a workflow.
//
//wf:workflow flow-%[1]d retry=2
//wf:step first-%[1]d retry=3 backoff=exponential base=100ms cap=1s
//wf:step second-%[1]d timeout=5s
//wf:step third-%[1]d
//wf:approval review-%[1]d title="Review %[1]d" timeout=24h
//wf:schedule every-%[1]d every=1h
type Flow%[1]d struct{}

// Run is the body.
func (f *Flow%[1]d) Run(ctx *wf.Context, in In%[1]d) (Out%[1]d, error) {
	if err := wf.Do(ctx, Flow%[1]dStepFirst%[1]d, func(sc wf.StepContext) error { return nil }); err != nil {
		return Out%[1]d{}, err
	}
	if _, err := WaitSig%[1]d(ctx); err != nil {
		return Out%[1]d{}, err
	}
	return Out%[1]d{OK: true}, nil
}
`, i)
	}
	return b.String()
}

// BenchmarkGenerate measures wfgen on the fulfillment example and on a
// package of 50 workflows, next to go list of the same packages.
// Generation after the first run finds the output unchanged.
func BenchmarkGenerate(b *testing.B) {
	ctx := context.Background()
	many := tempmod.New(b, "..", map[string]string{"flows/flows.go": manyWorkflows(50)})
	for _, c := range []struct {
		name, dir, pattern string
	}{
		{"example", "..", "./examples/fulfillment"},
		{"50workflows", many, "./flows"},
	} {
		b.Run(c.name+"/wfgen", func(b *testing.B) {
			for b.Loop() {
				if _, err := gen.Generate(ctx, gen.Config{Dir: c.dir, Patterns: []string{c.pattern}}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/check", func(b *testing.B) {
			for b.Loop() {
				_ = gen.Check(ctx, gen.Config{Dir: c.dir, Patterns: []string{c.pattern}})
			}
		})
		b.Run(c.name+"/golist", func(b *testing.B) {
			for b.Loop() {
				cmd := exec.Command("go", "list", c.pattern)
				cmd.Dir = c.dir
				if out, err := cmd.CombinedOutput(); err != nil {
					b.Fatalf("%v\n%s", err, out)
				}
			}
		})
	}
}
