package check

import "golang.org/x/tools/go/analysis"

// Analyzers are the analyzers wfgen check runs, in the order it runs them.
var Analyzers = []*analysis.Analyzer{
	Determinism,
	StepIDs,
}
