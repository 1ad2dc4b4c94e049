package gen

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/wfgo/wf/gen/internal/hostgen"
	"go/scanner"
	"go/token"
	"io/fs"
	"os"
	"slices"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/checker"
	"golang.org/x/tools/go/packages"

	"github.com/wfgo/wf/gen/check"
)

// Check loads the packages as the compiler sees them, after generation,
// and reports as one scanner.ErrorList:
//
//   - directive errors, as Generate would;
//   - generated files that are missing, stale (they differ from what
//     Generate would write now) or left over, at the first differing line;
//   - compile errors;
//   - the findings of the analyzers of package gen/check (determinism of
//     workflow bodies, step-ID use).
//
// It returns nil when there is nothing to report.
func Check(ctx context.Context, cfg Config) error {
	_, err := CheckWorkflows(ctx, cfg)
	return err
}

// WorkflowPackage is a checked package that defines workflows.
type WorkflowPackage struct {
	// Path is the package's import path, Name its name and Dir its
	// directory.
	Path, Name, Dir string
	// Workflows are the IDs of the workflows it defines, sorted.
	Workflows []string
}

// CheckWorkflows is Check that also returns, when there is nothing to
// report, the checked packages that define workflows, sorted by path:
// `wfgen check --against` builds them to replay the runs in a store.
func CheckWorkflows(ctx context.Context, cfg Config) ([]WorkflowPackage, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	pkgs, fset, err := load(ctx, cfg, fullSource)
	if err != nil {
		var list scanner.ErrorList
		if errors.As(err, &list) {
			return nil, relative(list, cfg.Dir)
		}
		return nil, err
	}
	var list scanner.ErrorList
	files, models, err := planPackages(fset, pkgs, cfg.Dir)
	if err != nil && !errors.As(err, &list) {
		return nil, err
	}
	for _, f := range files {
		if msg, line := staleness(f); msg != "" {
			list.Add(token.Position{Filename: f.Path, Line: line, Column: 1}, msg)
		}
	}
	compiles := true
	for _, p := range pkgs {
		for _, e := range p.Errors {
			compiles = false
			if !compilerOutput(e) {
				list.Add(parsePosition(e.Pos), e.Msg)
			}
		}
	}
	if compiles {
		diags, err := analyze(analyzers(), pkgs)
		if err != nil {
			return nil, err
		}
		list = append(list, diags...)
	}
	if err := relative(dedupe(list), cfg.Dir).Err(); err != nil {
		return nil, err
	}
	return workflowPackages(models), nil
}

// workflowPackages lists the models that define workflows.
func workflowPackages(models []*pkgModel) []WorkflowPackage {
	var out []WorkflowPackage
	for _, m := range models {
		if len(m.Workflows) == 0 {
			continue
		}
		p := WorkflowPackage{Path: m.Path, Name: m.Name, Dir: m.Dir}
		for _, w := range m.Workflows {
			if !slices.Contains(p.Workflows, w.ID) {
				p.Workflows = append(p.Workflows, w.ID)
			}
		}
		slices.Sort(p.Workflows)
		out = append(out, p)
	}
	slices.SortFunc(out, func(x, y WorkflowPackage) int { return strings.Compare(x.Path, y.Path) })
	return out
}

// staleness compares a planned file with the disk; it returns "" when
// they agree, or what is wrong and the first line that differs.
func staleness(f File) (string, int) {
	old, err := os.ReadFile(f.Path)
	switch {
	case errors.Is(err, fs.ErrNotExist) && f.Content == nil:
		return "", 0
	case errors.Is(err, fs.ErrNotExist):
		return "generated file is missing; run go generate", 1
	case err != nil:
		return err.Error(), 1
	case f.Content == nil && hostgen.IsHostFile(f.Path):
		return "generated file is left over: its package's //wf:hosts no longer lists this host; delete it or run go generate", 1
	case f.Content == nil:
		return "generated file is left over: its package has no //wf: directives; delete it or run go generate", 1
	case bytes.Equal(old, f.Content):
		return "", 0
	}
	line := firstDifference(old, f.Content)
	return fmt.Sprintf("generated file is stale (it differs from line %d on); run go generate", line), line
}

// firstDifference returns the 1-based number of the first line where a
// and b differ.
func firstDifference(a, b []byte) int {
	line := 1
	for i := 0; i < len(a) && i < len(b) && a[i] == b[i]; i++ {
		if a[i] == '\n' {
			line++
		}
	}
	return line
}

// analyzers returns the analyzers Check runs.
func analyzers() []*analysis.Analyzer { return check.Analyzers }

// analyze runs the analyzers over the packages and returns their
// diagnostics.
func analyze(as []*analysis.Analyzer, pkgs []*packages.Package) (scanner.ErrorList, error) {
	if len(as) == 0 {
		return nil, nil
	}
	graph, err := checker.Analyze(as, pkgs, nil)
	if err != nil {
		return nil, fmt.Errorf("analyze: %w", err)
	}
	var list scanner.ErrorList
	for act := range graph.All() {
		if !act.IsRoot {
			continue
		}
		if act.Err != nil {
			return nil, fmt.Errorf("analyzer %s on %s: %w", act.Analyzer.Name, act.Package.PkgPath, act.Err)
		}
		for _, d := range act.Diagnostics {
			list.Add(act.Package.Fset.Position(d.Pos), d.Message+" ("+act.Analyzer.Name+")")
		}
	}
	return list, nil
}
