package gen_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"go/scanner"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wfgo/wf/gen"
	"github.com/wfgo/wf/gen/testdata/ok/versions"
	"github.com/wfgo/wf/internal/wfgencli"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// TestGolden generates the packages under testdata/ok and compares each
// output with the file committed next to its sources, which is the
// golden (and compiles: see TestGoldenCompiles).
func TestGolden(t *testing.T) {
	t.Parallel()
	files, err := gen.Plan(context.Background(), gen.Config{Dir: "testdata", Patterns: []string{"./ok/..."}})
	if err != nil {
		t.Fatalf("Plan: %v", err)
	}
	// basic, clash, hosts (its _wf.go and 17 host files), queues,
	// signalsonly, versions.
	if len(files) != 23 {
		t.Errorf("got %d generated files, want 23", len(files))
	}
	for _, f := range files {
		compareGolden(t, f.Path, f.Content)
	}
}

// TestExamplesAreGenerated checks that the examples' generated files are
// what wfgen generates now.
func TestExamplesAreGenerated(t *testing.T) {
	t.Parallel()
	files, err := gen.Plan(context.Background(), gen.Config{Dir: "..", Patterns: []string{"./examples/..."}})
	if err != nil {
		t.Fatalf("Plan: %v", err)
	}
	if len(files) == 0 {
		t.Fatal("no generated files in ./examples/...")
	}
	for _, f := range files {
		compareGolden(t, f.Path, f.Content)
	}
}

func compareGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if got == nil {
			if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			return
		}
		if err := os.WriteFile(path, got, 0o666); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if got == nil {
		if err == nil {
			t.Errorf("%s exists but would be removed", path)
		}
		return
	}
	if err != nil {
		t.Fatalf("%v (run go test ./gen -update)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs from what wfgen generates (-file +generated; go test ./gen -update rewrites it):\n%s", path, diff)
	}
}

// TestGoldenCompiles vets the golden outputs with the packages they
// belong to.
func TestGoldenCompiles(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("runs go vet")
	}
	cmd := exec.Command("go", "vet", "./ok/...")
	cmd.Dir = "testdata"
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go vet ./ok/...: %v\n%s", err, out)
	}
}

// TestDiagnostics runs wfgen over every package under testdata/errors
// at once and compares the diagnostics of each with its
// diagnostics.golden.
func TestDiagnostics(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	code := wfgencli.Main([]string{"-C", "testdata", "./errors/..."}, &stdout, &stderr)
	if code != 1 {
		t.Fatalf("exit status %d, want 1; stderr:\n%s", code, stderr.String())
	}
	byCase := map[string][]string{}
	for _, line := range strings.SplitAfter(stderr.String(), "\n") {
		if line == "" {
			continue
		}
		parts := strings.SplitN(line, "/", 3)
		if len(parts) < 3 || parts[0] != "errors" {
			t.Fatalf("diagnostic outside a case: %q", line)
		}
		byCase[parts[1]] = append(byCase[parts[1]], line)
	}
	cases, err := os.ReadDir(filepath.Join("testdata", "errors"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		got := strings.Join(byCase[c.Name()], "")
		if got == "" {
			t.Errorf("case %s: no diagnostics", c.Name())
		}
		compareGolden(t, filepath.Join("testdata", "errors", c.Name(), "diagnostics.golden"), []byte(got))
	}
}

// TestCheckRunsAnalyzers checks a package whose generated file is current
// but whose declared steps are unused: only the analyzers speak.
func TestCheckRunsAnalyzers(t *testing.T) {
	t.Parallel()
	err := gen.Check(context.Background(), gen.Config{Dir: "testdata", Patterns: []string{"./ok/versions"}})
	var list scanner.ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("Check = %v, want diagnostics", err)
	}
	for _, e := range list {
		if !strings.HasPrefix(e.Pos.Filename, filepath.Join("ok", "versions")) || !strings.HasSuffix(e.Msg, "(stepids)") {
			t.Errorf("unexpected diagnostic %s", e)
		}
	}
}

// TestGoldenVersionRouter runs the generated registry of a workflow with
// three versions, where v3 lists v2 and v1 and v2 lists v1.
func TestGoldenVersionRouter(t *testing.T) {
	t.Parallel()
	regs := versions.Registrations(versions.Workflows{})
	if len(regs) != 2 {
		t.Fatalf("%d registrations, want 2 (counter, other)", len(regs))
	}
	def := regs[0].Definition
	if err := def.Err(); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(def.Versions(), " "); got != "v1 v2 v3" {
		t.Errorf("versions %q, want v1 v2 v3", got)
	}
	for _, v := range []string{"", "v1", "v2", "v3"} {
		want := v
		if v == "" {
			want = "v3" // new runs start on the latest
		}
		got, err := def.Resolve(v)
		if err != nil || got.Version() != want {
			t.Errorf("Resolve(%q) = %v, %v; want version %s", v, got, err, want)
		}
	}
	if _, err := def.Resolve("v0"); err == nil {
		t.Error("Resolve(v0) found a version")
	}
}
