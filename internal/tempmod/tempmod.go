// Package tempmod creates throwaway Go modules, for tests of wfgen that
// must run in an app's module rather than in wf's own. A module requires
// wf through a replace directive to the working tree and lists wf's
// requirements, so that building it downloads nothing.
package tempmod

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// New returns the directory of a new module example.com/app holding
// files (slash-separated relative path to content). root is the
// directory of wf's go.mod.
func New(t testing.TB, root string, files map[string]string) string {
	t.Helper()
	root, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	gomod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	gosum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	requires := regexp.MustCompile(`(?s)require \(.*?\n\)`).FindAll(gomod, -1)
	mod := "module example.com/app\n\ngo 1.26.0\n\nrequire github.com/wfgo/wf v0.0.0\n\n" +
		string(bytes.Join(requires, []byte("\n\n"))) + "\n\nreplace github.com/wfgo/wf => " + root + "\n"
	dir := t.TempDir()
	all := map[string]string{"go.mod": mod, "go.sum": string(gosum)}
	for name, content := range files {
		all[name] = content
	}
	for name, content := range all {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o777); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o666); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
