package check_test

import (
	"testing"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/wfgo/wf/gen/check"
)

// TestAnalyzers checks the diagnostics of every analyzer against the
// "// want" comments in testdata/src: one package of cases per analyzer.
func TestAnalyzers(t *testing.T) {
	t.Parallel()
	analysistest.Run(t, analysistest.TestData(), all(t), "determinism", "stepids")
}

// all returns an analyzer that runs each of check.Analyzers in one pass, so
// that the test packages and the standard library beneath them are loaded
// and type-checked once rather than once per analyzer.
func all(t *testing.T) *analysis.Analyzer {
	t.Helper()
	a := &analysis.Analyzer{Name: "all", Doc: "run every analyzer of package check"}
	for _, c := range check.Analyzers {
		if len(c.FactTypes) > 0 || c.ResultType != nil {
			t.Fatalf("analyzer %s uses facts or results; test it on its own", c.Name)
		}
		a.Requires = append(a.Requires, c.Requires...)
	}
	a.Run = func(pass *analysis.Pass) (any, error) {
		for _, c := range check.Analyzers {
			if _, err := c.Run(pass); err != nil {
				return nil, err
			}
		}
		return nil, nil
	}
	return a
}

func TestAnalyzersValid(t *testing.T) {
	t.Parallel()
	if err := analysis.Validate(check.Analyzers); err != nil {
		t.Fatal(err)
	}
}
