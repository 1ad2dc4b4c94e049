package gen_test

import (
	"context"
	"errors"
	"go/scanner"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/wfgo/wf/gen"
	"github.com/wfgo/wf/internal/tempmod"
)

// workerPackage is a workflow package called worker, a name the entry
// points import a package of wf by, deployed on hosts.
func workerPackage(hosts string) string {
	return `// Package worker collides with host/worker.
//
//wf:hosts ` + hosts + `
package worker

import (
	"context"

	"github.com/wfgo/wf"
)

// Job is a workflow.
//
//wf:workflow job
type Job struct{}

// Run is the body.
func (Job) Run(ctx *wf.Context, in string) (string, error) { return in, nil }

// HostWorkflows has nothing to make.
func HostWorkflows(ctx context.Context, getenv func(string) string) (Workflows, error) {
	return Workflows{}, nil
}
`
}

// TestHostsLifecycle generates a package's hosts in an app's module,
// vets them, drops a host, and meets a file it did not write.
func TestHostsLifecycle(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("vets a module")
	}
	dir := tempmod.New(t, "..", map[string]string{"worker/worker.go": workerPackage("worker cron")})
	ctx := context.Background()
	cfg := gen.Config{Dir: dir, Patterns: []string{"./..."}}
	res, err := gen.Generate(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"worker/wfhosts/cron/cronjob.yaml", "worker/wfhosts/cron/main.go",
		"worker/wfhosts/worker/deployment.yaml", "worker/wfhosts/worker/main.go", "worker/worker_wf.go"}
	if got := sorted(res.Written); !slices.Equal(got, want) {
		t.Fatalf("written %q, want %q", got, want)
	}
	main, err := os.ReadFile(filepath.Join(dir, "worker/wfhosts/worker/main.go"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(main), `app "example.com/app/worker"`) {
		t.Errorf("the worker's main does not import package worker as app:\n%s", main)
	}
	vet := exec.Command("go", "vet", "./...")
	vet.Dir = dir
	if out, err := vet.CombinedOutput(); err != nil {
		t.Fatalf("go vet: %v\n%s", err, out)
	}

	// Dropping cron leaves its files over until wfgen runs again, which
	// removes them and their directory.
	if err := os.WriteFile(filepath.Join(dir, "worker/worker.go"), []byte(workerPackage("worker")), 0o666); err != nil {
		t.Fatal(err)
	}
	var list scanner.ErrorList
	if err := gen.Check(ctx, cfg); !errors.As(err, &list) || len(list) != 2 ||
		!strings.Contains(list[0].Msg, "no longer lists this host") {
		t.Fatalf("Check after dropping cron = %v, want its two files left over", err)
	}
	res, err = gen.Generate(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if got := sorted(res.Removed); !slices.Equal(got, want[:2]) || len(res.Written) != 0 {
		t.Fatalf("removed %q and wrote %q; want %q removed, nothing written", got, res.Written, want[:2])
	}
	if _, err := os.Stat(filepath.Join(dir, "worker/wfhosts/cron")); !os.IsNotExist(err) {
		t.Errorf("wfhosts/cron is still there: %v", err)
	}

	// A file wfgen did not write is never overwritten.
	if err := os.MkdirAll(filepath.Join(dir, "worker/wfhosts/cron"), 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "worker/wfhosts/cron/main.go"), []byte("package main\n"), 0o666); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "worker/worker.go"), []byte(workerPackage("worker cron")), 0o666); err != nil {
		t.Fatal(err)
	}
	_, err = gen.Generate(ctx, cfg)
	if !errors.As(err, &list) || len(list) != 1 || list[0].Pos.Filename != filepath.Join("worker", "wfhosts", "cron", "main.go") ||
		!strings.Contains(list[0].Msg, "not written by wfgen") {
		t.Fatalf("Generate over a hand-written main.go = %v, want one error at it", err)
	}
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	for i := range s {
		s[i] = filepath.ToSlash(s[i])
	}
	slices.Sort(s)
	return s
}

// TestHostsRetiredFileRemoved: a Go file wfgen once wrote into a host's
// directory and no longer does (Cloudflare's main_other.go) is removed
// when it carries wfgen's header, and kept when it does not.
func TestHostsRetiredFileRemoved(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		src     string
		removed bool
	}{
		{gen.Header + "\n\npackage main\n", true},
		{"package main\n", false},
	} {
		dir := tempmod.New(t, "..", map[string]string{
			"worker/worker.go":                        workerPackage("cloudflare"),
			"worker/wfhosts/cloudflare/main_other.go": tt.src,
		})
		files, err := gen.Plan(context.Background(), gen.Config{Dir: dir, Patterns: []string{"./..."}})
		if err != nil {
			t.Fatal(err)
		}
		removed := slices.ContainsFunc(files, func(f gen.File) bool {
			return strings.HasSuffix(filepath.ToSlash(f.Path), "wfhosts/cloudflare/main_other.go") && f.Content == nil
		})
		if removed != tt.removed {
			t.Errorf("main_other.go %q: removed %v, want %v", tt.src, removed, tt.removed)
		}
	}
}
