package check_test

import (
	"cmp"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"slices"

	"golang.org/x/tools/go/analysis/checker"
	"golang.org/x/tools/go/packages"

	"github.com/wfgo/wf/gen/check"
)

// Example runs the analyzers the way wfgen check does: load the packages
// with go/packages, analyze them, and print the diagnostics by position.
func Example() {
	gopath, err := filepath.Abs("testdata")
	if err != nil {
		log.Fatal(err)
	}
	// The analyzers use no facts, so dependencies can come from export data.
	cfg := &packages.Config{
		Mode: packages.NeedName | packages.NeedFiles | packages.NeedImports | packages.NeedSyntax |
			packages.NeedTypes | packages.NeedTypesInfo | packages.NeedTypesSizes | packages.NeedModule,
		Env: append(os.Environ(), "GOPATH="+gopath, "GO111MODULE=off", "GOWORK=off"),
	}
	pkgs, err := packages.Load(cfg, "example")
	if err != nil {
		log.Fatal(err)
	}
	graph, err := checker.Analyze(check.Analyzers, pkgs, nil)
	if err != nil {
		log.Fatal(err)
	}

	type finding struct {
		pos         string
		line        int
		analyzer    string
		description string
	}
	var findings []finding
	for act := range graph.All() {
		if !act.IsRoot {
			continue
		}
		for _, d := range act.Diagnostics {
			p := act.Package.Fset.Position(d.Pos)
			pos := fmt.Sprintf("%s:%d:%d", filepath.Base(p.Filename), p.Line, p.Column)
			findings = append(findings, finding{pos, p.Line, act.Analyzer.Name, d.Message})
		}
	}
	slices.SortFunc(findings, func(a, b finding) int { return cmp.Compare(a.line, b.line) })
	for _, f := range findings {
		fmt.Printf("%s: %s: %s\n", f.pos, f.analyzer, f.description)
	}
	// Output:
	// example.go:14:14: determinism: time.Now in a workflow body returns a different instant on every replay; use wf.Now(ctx), which records it
	// example.go:15:2: determinism: range over a map in a workflow body reaches durable calls in a different order on each replay; range over sorted keys instead (slices.Sorted(maps.Keys(m)))
	// example.go:21:23: stepids: literal step ID bypasses the generated constants: declare "charge" with //wf:step on the workflow type and pass its generated constant
}
