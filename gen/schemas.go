package gen

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

// Schemas returns the JSON Schema documents of the packages' workflow
// inputs and outputs and signal payloads, keyed as the generated
// JSONSchemas function keys them ("fulfillment.input",
// "payment-received.payload"). The schemas are those the generated code
// validates with: Schemas generates the code in memory and runs it (go run
// with an overlay), so it touches nothing on disk.
func Schemas(ctx context.Context, cfg Config) (map[string]json.RawMessage, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	files, models, err := plan(ctx, cfg, declarationsOnly)
	if err != nil {
		return nil, err
	}
	var pkgs []*pkgModel
	for _, m := range models {
		if len(m.Workflows)+len(m.Signals) > 0 {
			pkgs = append(pkgs, m)
		}
	}
	out := map[string]json.RawMessage{}
	owner := map[string]string{}
	for _, group := range programGroups(pkgs) {
		got, err := runSchemaProgram(ctx, cfg, files, group)
		if err != nil {
			return nil, err
		}
		for _, p := range group {
			for key, doc := range got[p.Path] {
				if other, dup := owner[key]; dup {
					return nil, fmt.Errorf("schema %s is defined by both %s and %s", key, other, p.Path)
				}
				owner[key] = p.Path
				var buf bytes.Buffer
				if err := json.Indent(&buf, doc, "", "  "); err != nil {
					return nil, fmt.Errorf("schema %s: %w", key, err)
				}
				out[key] = append(buf.Bytes(), '\n')
			}
		}
	}
	return out, nil
}

// WriteSchemas writes each schema of Schemas to
// <dir>/<key>.schema.json, only when its content changes, and returns
// the paths written.
func WriteSchemas(ctx context.Context, cfg Config, dir string) ([]string, error) {
	schemas, err := Schemas(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(schemas))
	for k := range schemas {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var written []string
	for _, k := range keys {
		path := filepath.Join(dir, k+".schema.json")
		if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, schemas[k]) {
			continue
		}
		if err := os.WriteFile(path, schemas[k], 0o666); err != nil {
			return written, err
		}
		written = append(written, path)
	}
	return written, nil
}

// programGroups splits the packages into groups that one program can
// import: the program lives in the group's deepest common directory, from
// where every internal package of the group must be importable.
func programGroups(pkgs []*pkgModel) [][]*pkgModel {
	if len(pkgs) == 0 {
		return nil
	}
	common := pkgs[0].Dir
	for _, p := range pkgs[1:] {
		for !within(p.Dir, common) {
			common = filepath.Dir(common)
		}
	}
	for _, p := range pkgs {
		if root, ok := internalRoot(p.Dir); ok && !within(common, root) {
			groups := make([][]*pkgModel, len(pkgs))
			for i, p := range pkgs {
				groups[i] = []*pkgModel{p}
			}
			return groups
		}
	}
	return [][]*pkgModel{pkgs}
}

// within reports whether dir is root or below it.
func within(dir, root string) bool {
	return dir == root || strings.HasPrefix(dir, root+string(filepath.Separator))
}

// internalRoot returns the directory whose tree may import the package in
// dir, when dir is below an "internal" element.
func internalRoot(dir string) (string, bool) {
	parts := strings.Split(dir, string(filepath.Separator))
	for i := len(parts) - 1; i >= 0; i-- {
		if parts[i] == "internal" {
			return strings.Join(parts[:i], string(filepath.Separator)), true
		}
	}
	return "", false
}

// runSchemaProgram runs a program that prints the JSONSchemas of each
// package of group, keyed by import path, with the planned files
// overlaid on the disk.
func runSchemaProgram(ctx context.Context, cfg Config, files []File, group []*pkgModel) (map[string]map[string]json.RawMessage, error) {
	tmp, err := os.MkdirTemp("", "wfgen-schema-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	dir := group[0].Dir
	for _, p := range group[1:] {
		for !within(p.Dir, dir) {
			dir = filepath.Dir(dir)
		}
	}
	// A directory of its own, which exists only in the overlay: a file
	// added to a package directory would join that package.
	mainPath := filepath.Join(dir, "_wfgen_schema", "main.go")
	overlayPath, err := writeOverlay(tmp, files, mainPath, schemaProgram(group))
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, "go", "run", "-overlay="+overlayPath, mainPath)
	cmd.Dir = dir
	cmd.Env = cfg.Env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return nil, fmt.Errorf("go run (schema program): %v\n%s", err, stderr.Bytes())
		}
		return nil, err
	}
	var got map[string]map[string]json.RawMessage
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
		return nil, fmt.Errorf("schema program output: %w", err)
	}
	return got, nil
}

// schemaProgram returns the source of a program printing the
// JSONSchemas of each package of group as JSON, keyed by import path.
func schemaProgram(group []*pkgModel) string {
	var src strings.Builder
	src.WriteString("package main\n\nimport (\n\t\"encoding/json\"\n\t\"os\"\n\n")
	for i, p := range group {
		fmt.Fprintf(&src, "\tp%d %q\n", i, p.Path)
	}
	src.WriteString(")\n\nfunc main() {\n\tout := map[string]map[string]json.RawMessage{\n")
	for i, p := range group {
		fmt.Fprintf(&src, "\t\t%q: p%d.%s(),\n", p.Path, i, jsonSchemasFunc)
	}
	src.WriteString("\t}\n\tif err := json.NewEncoder(os.Stdout).Encode(out); err != nil {\n\t\tpanic(err)\n\t}\n}\n")
	return src.String()
}

// writeOverlay writes, in tmp, the planned files, the program at
// mainPath, and the go command's overlay file mapping them onto the disk;
// it returns the overlay file's path.
func writeOverlay(tmp string, files []File, mainPath, program string) (string, error) {
	replace := map[string]string{}
	add := func(path string, content []byte) error {
		tmpPath := filepath.Join(tmp, fmt.Sprintf("%d.go", len(replace)))
		replace[path] = tmpPath
		return os.WriteFile(tmpPath, content, 0o666)
	}
	if err := add(mainPath, []byte(program)); err != nil {
		return "", err
	}
	for _, f := range files {
		if f.Content == nil {
			replace[f.Path] = "" // deleted
			continue
		}
		if err := add(f.Path, f.Content); err != nil {
			return "", err
		}
	}
	overlay, err := json.Marshal(map[string]any{"Replace": replace})
	if err != nil {
		return "", err
	}
	path := filepath.Join(tmp, "overlay.json")
	return path, os.WriteFile(path, overlay, 0o666)
}
