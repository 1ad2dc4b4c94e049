package gen

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"github.com/wfgo/wf/gen/internal/hostgen"
	"go/scanner"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"golang.org/x/tools/go/packages"
)

// Config says which packages wfgen reads.
type Config struct {
	// Dir is the directory the go command runs in; error positions are
	// relative to it. Defaults to the current directory.
	Dir string
	// Patterns select the packages, as for go list. Defaults to ".".
	Patterns []string
	// Env is the go command's environment. Defaults to the process's.
	Env []string
}

func (c Config) patterns() []string {
	if len(c.Patterns) == 0 {
		return []string{"."}
	}
	return c.Patterns
}

func (c Config) withDefaults() (Config, error) {
	if c.Dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			return c, err
		}
		c.Dir = wd
	}
	abs, err := filepath.Abs(c.Dir)
	c.Dir = abs
	return c, err
}

// File is a generated file in memory.
type File struct {
	// Path is the file's absolute path.
	Path string
	// Content is what the file must hold; nil means it must not exist
	// (a stale output of a package that no longer has directives).
	Content []byte
}

// Result says what Generate did, with paths relative to Config.Dir.
type Result struct {
	Written   []string
	Unchanged []string
	Removed   []string
}

// Generate reads the directives of the packages and writes one
// <package>_wf.go per package that has any, and the files of the hosts of
// its //wf:hosts, only when their content changes; it removes the outputs
// of packages that no longer have directives, and of hosts no longer
// listed.
// Directive errors are returned together as a scanner.ErrorList, and then
// nothing is written.
func Generate(ctx context.Context, cfg Config) (Result, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return Result{}, err
	}
	files, _, err := plan(ctx, cfg, declarationsOnly)
	if err != nil {
		return Result{}, err
	}
	var res Result
	for _, f := range files {
		rel := relPath(cfg.Dir, f.Path)
		old, err := os.ReadFile(f.Path)
		exists := err == nil
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return res, err
		}
		switch {
		case f.Content == nil && exists:
			if err := os.Remove(f.Path); err != nil {
				return res, err
			}
			removeEmptyDirs(filepath.Dir(f.Path))
			res.Removed = append(res.Removed, rel)
		case f.Content == nil:
		case exists && bytes.Equal(old, f.Content):
			res.Unchanged = append(res.Unchanged, rel)
		default:
			if err := os.MkdirAll(filepath.Dir(f.Path), 0o777); err != nil {
				return res, err
			}
			if err := os.WriteFile(f.Path, f.Content, 0o666); err != nil {
				return res, err
			}
			res.Written = append(res.Written, rel)
		}
	}
	return res, nil
}

// Plan returns the files Generate would write or remove, without touching
// the disk.
func Plan(ctx context.Context, cfg Config) ([]File, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	files, _, err := plan(ctx, cfg, declarationsOnly)
	return files, err
}

func plan(ctx context.Context, cfg Config, mode loadMode) ([]File, []*pkgModel, error) {
	pkgs, fset, err := load(ctx, cfg, mode)
	if err != nil {
		var list scanner.ErrorList
		if errors.As(err, &list) {
			return nil, nil, relative(list, cfg.Dir)
		}
		return nil, nil, err
	}
	return planPackages(fset, pkgs, cfg.Dir)
}

func planPackages(fset *token.FileSet, pkgs []*packages.Package, dir string) ([]File, []*pkgModel, error) {
	slices.SortFunc(pkgs, func(x, y *packages.Package) int { return cmp.Compare(x.PkgPath, y.PkgPath) })
	var (
		files  []File
		models []*pkgModel
		errs   scanner.ErrorList
	)
	for _, pkg := range pkgs {
		if pkg.Types == nil {
			continue
		}
		model, perrs := build(fset, pkg)
		errs = append(errs, perrs...)
		if len(perrs) > 0 || model.Dir == "" {
			continue
		}
		target := ""
		if len(model.Workflows)+len(model.Signals) > 0 {
			content, err := emit(model)
			if err != nil {
				return nil, nil, fmt.Errorf("%s: %w", model.Path, err)
			}
			target = filepath.Join(model.Dir, model.Output())
			if src, err := os.ReadFile(target); err == nil && !isGenerated(src) {
				errs.Add(token.Position{Filename: target, Line: 1, Column: 1},
					"this file was not written by wfgen, which writes the package's code here; rename it")
				continue
			}
			files = append(files, File{Path: target, Content: content})
			models = append(models, model)
		} else if len(model.Hosts) > 0 {
			models = append(models, model)
		}
		stale, err := generatedFiles(model.Dir)
		if err != nil {
			return nil, nil, err
		}
		for _, s := range stale {
			if s != target {
				files = append(files, File{Path: s})
			}
		}
		if _, err := os.Stat(filepath.Join(model.Dir, hostgen.HostsDir)); err == nil || len(model.Hosts) > 0 {
			hostFiles, herrs, err := hostgen.Plan(&hostgen.Package{
				Path: model.Path, Name: model.Name, Dir: model.Dir, Module: model.Module,
				Hosts: model.Hosts, Sweep: model.Sweep, Store: model.Store, Metrics: model.Metrics, HostsAt: model.HostsAt,
			})
			if err != nil {
				return nil, nil, err
			}
			for _, f := range hostFiles {
				files = append(files, File{Path: f.Path, Content: f.Content})
			}
			errs = append(errs, herrs...)
		}
	}
	if len(errs) > 0 {
		return nil, nil, relative(dedupe(errs), dir)
	}
	return files, models, nil
}

// dedupe drops errors repeated at the same position with the same
// message (a type reached from two workflows is checked once per use).
func dedupe(list scanner.ErrorList) scanner.ErrorList {
	type key struct {
		pos token.Position
		msg string
	}
	seen := map[key]bool{}
	var out scanner.ErrorList
	for _, e := range list {
		k := key{e.Pos, e.Msg}
		if !seen[k] {
			seen[k] = true
			out = append(out, e)
		}
	}
	return out
}

func dirOf(path string) string { return filepath.Dir(path) }

// removeEmptyDirs removes dir and its parents while they are empty: what
// is left of a host's directory once its files are removed. It stops at
// the package's directory, which holds the package.
func removeEmptyDirs(dir string) {
	for os.Remove(dir) == nil {
		dir = filepath.Dir(dir)
	}
}
