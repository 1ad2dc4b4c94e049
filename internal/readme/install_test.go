package readme

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// shBlock finds the sh block after an HTML comment marker in the README.
func shBlock(t *testing.T, readme []byte, marker string) []string {
	t.Helper()
	re := regexp.MustCompile("(?s)<!-- " + regexp.QuoteMeta(marker) + " -->\n```sh\n(.*?)```")
	m := re.FindSubmatch(readme)
	if m == nil {
		t.Fatalf("README.md has no sh block after <!-- %s -->", marker)
	}
	var lines []string
	for _, l := range strings.Split(string(m[1]), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	return lines
}

// freshApp is a workflow package deployed on every host, as a user writes
// it after reading the README.
const freshApp = `// Package shop's workflows run on every host wf supports.
//
//wf:hosts vercel netlify railway cloudflare lambda worker cron sweep=5m store=postgres
package shop

import (
	"context"
	"strings"

	"github.com/wfgo/wf"
)

//go:generate go tool wfgen

// Order is what a run starts with.
type Order struct {
	ID string ` + "`json:\"id\"`" + `
}

// Shouter names an order.
type Shouter interface{ Shout(string) string }

// Upper shouts in capitals.
type Upper struct{}

// Shout returns s in capitals.
func (Upper) Shout(s string) string { return strings.ToUpper(s) }

// Label labels an order.
//
//wf:workflow label
//wf:step shout
type Label struct{ Shouter Shouter }

// Run shouts the order's ID.
func (l *Label) Run(ctx *wf.Context, in Order) (string, error) {
	return wf.Step(ctx, LabelStepShout, func(wf.StepContext) (string, error) { return l.Shouter.Shout(in.ID), nil })
}

// HostWorkflows gives the hosts the workflows with their dependencies.
func HostWorkflows(ctx context.Context, getenv func(string) string) (Workflows, error) {
	return Workflows{Label: &Label{Shouter: Upper{}}}, nil
}
`

// TestFreshAppInstall follows the README's install path in a new module
// outside the repository: the local-checkout commands, a package with
// //wf:hosts for every host, then the commands the README gives after
// //wf:hosts. Every host builds (the Cloudflare Worker as js/wasm), the
// generated code is current, the PostgreSQL worker links no SQLite driver,
// and the app's module graph holds none of wf's test- and bench-only
// dependencies (nor the OpenTelemetry SDK and the Prometheus client of
// host/metrics, which the app does not use) and no release candidate in
// the worker.
func TestFreshAppInstall(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds a new module with every host")
	}
	readme, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	env := append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	run := func(dir string, extra []string, name string, args ...string) string {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Dir = dir
		cmd.Env = append(env, extra...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s %s: %v\n%s%s", name, strings.Join(args, " "), err, out, stderr.Bytes())
		}
		return string(out) + stderr.String()
	}
	// sh runs a README command line; ../wf is the checkout.
	sh := func(line string) string {
		t.Helper()
		args := strings.Fields(strings.ReplaceAll(line, "=../wf", "="+root))
		return run(dir, nil, args[0], args[1:]...)
	}

	run(dir, nil, "go", "mod", "init", "example.com/shop")
	for _, line := range shBlock(t, readme, "local checkout") {
		sh(line)
	}
	if err := os.MkdirAll(filepath.Join(dir, "shop"), 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "shop", "shop.go"), []byte(freshApp), 0o666); err != nil {
		t.Fatal(err)
	}
	var said []string
	for _, line := range shBlock(t, readme, "after wf:hosts") {
		said = append(said, sh(line))
	}
	if !strings.Contains(said[0], "run `go mod tidy`, then wfgen again") {
		t.Errorf("the first wfgen over //wf:hosts did not say to run go mod tidy and wfgen again:\n%s", said[0])
	}
	if len(said) > 2 && strings.Contains(said[2], "go mod tidy") {
		t.Errorf("wfgen after go mod tidy still asks for it:\n%s", said[2])
	}
	run(dir, nil, "go", "tool", "wfgen", "check", "./...")
	run(dir, nil, "go", "vet", "./...")
	run(filepath.Join(dir, "shop", "wfhosts", "cloudflare"), []string{"GOOS=js", "GOARCH=wasm"}, "go", "build", "-o", filepath.Join(t.TempDir(), "worker.wasm"), ".")

	worker := "./shop/wfhosts/worker"
	deps := run(dir, nil, "go", "list", "-deps", worker)
	for _, banned := range []string{"modernc.org/sqlite", "github.com/wfgo/wf/store/sqlite"} {
		if strings.Contains(deps, banned+"\n") {
			t.Errorf("the PostgreSQL worker links %s", banned)
		}
	}
	if !strings.Contains(deps, "github.com/jackc/pgx/v5\n") {
		t.Error("the PostgreSQL worker does not link pgx")
	}
	bin := filepath.Join(t.TempDir(), "worker")
	run(dir, nil, "go", "build", "-o", bin, worker)
	if mods := run(dir, nil, "go", "version", "-m", bin); strings.Contains(mods, "-rc.") {
		t.Errorf("the worker links a release candidate:\n%s", mods)
	}

	graph := run(dir, nil, "go", "mod", "graph")
	for _, testOnly := range []string{"golang.org/x/image", "github.com/BurntSushi/toml", "github.com/chromedp/",
		"go.opentelemetry.io/otel/sdk", "go.opentelemetry.io/otel/exporters/", "github.com/prometheus/"} {
		if strings.Contains(graph, " "+testOnly) {
			t.Errorf("the app's module graph holds %s, which only wf's tests or benchmarks (or host/metrics) use", testOnly)
		}
	}
	// YAML v3 still reaches the graph through OpenTelemetry's own go.mod
	// (go.opentelemetry.io/otel requires go.yaml.in/yaml/v3), but wf does
	// not require it.
	for _, l := range strings.Split(graph, "\n") {
		if strings.HasPrefix(l, "github.com/wfgo/wf@") && strings.Contains(l, " go.yaml.in/yaml/v3@") {
			t.Errorf("wf requires YAML v3, which only its tests use: %s", l)
		}
	}
}
