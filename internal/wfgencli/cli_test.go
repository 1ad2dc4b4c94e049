package wfgencli_test

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wfgo/wf/internal/tempmod"
	"github.com/wfgo/wf/internal/wfgencli"
)

var update = flag.Bool("update", false, "rewrite testdata/help.golden")

// run calls Main and returns its exit status, stdout and stderr.
func run(args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := wfgencli.Main(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestUsageErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-x"}, "wfgen: flag provided but not defined: -x\n"},
		{[]string{"schema", "./..."}, "wfgen: schema: missing -o dir\n"},
		{[]string{"help", "stpe"}, `wfgen: unknown directive "stpe"; did you mean step? (valid: approval, hosts, queue, schedule, signal, step, workflow)` + "\n"},
		{[]string{"help", "step", "workflow"}, `wfgen: help takes at most one directive name, got "step workflow"` + "\n"},
		{[]string{"migrate", "--sqlite", "a.db"}, "wfgen: migrate is not a wfgen command: use `wf migrate` (go tool wf migrate, after go get -tool github.com/wfgo/wf/cmd/wf), which takes the same flags\n"},
		{[]string{"check", "--against", "postgres://x", "--sqlite", "a.db"}, "wfgen: check: set --against or --sqlite, not both\n"},
	}
	for _, tt := range tests {
		code, _, stderr := run(tt.args...)
		if code != 2 {
			t.Errorf("wfgen %s: exit status %d, want 2", strings.Join(tt.args, " "), code)
		}
		if want := tt.want + "Run 'wfgen help' for usage.\n"; stderr != want {
			t.Errorf("wfgen %s: stderr\n%s\nwant\n%s", strings.Join(tt.args, " "), stderr, want)
		}
	}
}

func TestHelp(t *testing.T) {
	t.Parallel()
	code, stdout, _ := run("help")
	if code != 0 {
		t.Fatalf("exit status %d", code)
	}
	golden := filepath.Join("testdata", "help.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(stdout), 0o666); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), stdout); diff != "" {
		t.Errorf("help (-golden +got; -update rewrites):\n%s", diff)
	}
	code, stdout, _ = run("help", "//wf:schedule")
	if code != 0 || !strings.HasPrefix(stdout, "//wf:schedule <id> [every=<duration>] [cron=") {
		t.Errorf("help //wf:schedule: status %d, output\n%s", code, stdout)
	}
}

// tempModule returns an app's module holding a copy of the fulfillment
// example without its generated file.
func tempModule(t *testing.T) string {
	t.Helper()
	root := filepath.Join("..", "..")
	files := map[string]string{}
	for _, name := range []string{"doc.go", "fulfillment.go", "hosts.go"} {
		b, err := os.ReadFile(filepath.Join(root, "examples", "fulfillment", name))
		if err != nil {
			t.Fatal(err)
		}
		files["fulfillment/"+name] = string(b)
	}
	return tempmod.New(t, root, files)
}

// TestAppModule runs the commands in an app's module: generate (twice),
// build, check, schema, and check again after the generated file went
// stale.
func TestAppModule(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds a module")
	}
	dir := tempModule(t)
	out := filepath.Join(dir, "fulfillment", "fulfillment_wf.go")

	code, stdout, stderr := run("-C", dir, "-v", "./...")
	if code != 0 || !strings.HasPrefix(stdout, "wrote fulfillment/fulfillment_wf.go\n") ||
		!strings.Contains(stdout, "wrote fulfillment/wfhosts/cloudflare/go.mod\n") || strings.Count(stdout, "\n") != 18 {
		t.Fatalf("generate: status %d, stdout %q (want the package's file and its 7 hosts' 17), stderr %s", code, stdout, stderr)
	}
	first, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = run("-C", dir, "-v", "./...")
	if code != 0 || stdout != "" {
		t.Fatalf("generate again: status %d, stdout %q (want nothing written), stderr %s", code, stdout, stderr)
	}
	if second, _ := os.ReadFile(out); !bytes.Equal(first, second) {
		t.Fatal("generating twice changed the file")
	}

	vet := exec.Command("go", "vet", "./...")
	vet.Dir = dir
	if b, err := vet.CombinedOutput(); err != nil {
		t.Fatalf("go vet: %v\n%s", err, b)
	}

	if code, _, stderr := run("-C", dir, "check", "./..."); code != 0 {
		t.Fatalf("check: status %d\n%s", code, stderr)
	}

	// The Worker's module requires the app's, and finds the Cloudflare
	// host beside wf's directory, which the app's go.mod replaces wf by.
	wasm := exec.Command("go", "build", "-o", filepath.Join(t.TempDir(), "worker.wasm"), ".")
	wasm.Dir = filepath.Join(dir, "fulfillment", "wfhosts", "cloudflare")
	wasm.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	if b, err := wasm.CombinedOutput(); err != nil {
		t.Fatalf("GOOS=js GOARCH=wasm go build of the Worker: %v\n%s", err, b)
	}

	code, _, stderr = run("-C", dir, "schema", "-o", "schemas", "./...")
	if code != 0 {
		t.Fatalf("schema: status %d\n%s", code, stderr)
	}
	payload, err := os.ReadFile(filepath.Join(dir, "schemas", "payment-received.payload.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(payload), `"minLength": 1`) {
		t.Errorf("payment-received schema lacks the tag's minLength:\n%s", payload)
	}

	stale := bytes.Replace(first, []byte(`"reserve-inventory"`), []byte(`"reserve"`), 1)
	if err := os.WriteFile(out, stale, 0o666); err != nil {
		t.Fatal(err)
	}
	line := bytes.Count(first[:bytes.Index(first, []byte(`"reserve-inventory"`))], []byte("\n")) + 1
	code, _, stderr = run("-C", dir, "check", "./...")
	want := "fulfillment/fulfillment_wf.go:" + strconv.Itoa(line) + ":1: generated file is stale (it differs from line " + strconv.Itoa(line) + " on); run go generate\n"
	if code != 1 || stderr != want {
		t.Errorf("check of a stale file: status %d, stderr\n%s\nwant\n%s", code, stderr, want)
	}
}

func ExampleMain() {
	wfgencli.Main([]string{"help", "signal"}, os.Stdout, os.Stderr)
	// Output:
	// //wf:signal <id>
	//
	//     Signal marks a struct type as the payload of a signal. wfgen generates
	//     Wait<Type>(ctx, opts...) for workflows and Deliver<Type>(ctx, rt, runID,
	//     signalID, payload) for callers, and validates every delivered payload
	//     against the type's JSON Schema.
	//
	//   <id>
	//         Name is the signal's wire name, unique in the package, e.g.
	//         payment-received.
}

// TestHostsLinkTheirStoreOnly generates the hosts of an app module with
// each store= and lists what the worker and the Lambda function link: the
// driver named, and not the other.
func TestHostsLinkTheirStoreOnly(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds a module")
	}
	for store, want := range map[string][2]string{
		"postgres": {"github.com/jackc/pgx/v5", "modernc.org/sqlite"},
		"sqlite":   {"modernc.org/sqlite", "github.com/jackc/pgx/v5"},
	} {
		t.Run(store, func(t *testing.T) {
			t.Parallel()
			dir := tempModule(t)
			doc := filepath.Join(dir, "fulfillment", "doc.go")
			src, err := os.ReadFile(doc)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(doc, bytes.Replace(src, []byte("store=either"), []byte("store="+store), -1), 0o666); err != nil {
				t.Fatal(err)
			}
			if code, _, stderr := run("-C", dir, "./..."); code != 0 {
				t.Fatalf("generate: status %d\n%s", code, stderr)
			}
			list := exec.Command("go", "list", "-deps", "./fulfillment/wfhosts/worker", "./fulfillment/wfhosts/lambda")
			list.Dir = dir
			out, err := list.Output()
			if err != nil {
				t.Fatalf("go list -deps: %v", err)
			}
			deps := strings.Fields(string(out))
			if !slices.Contains(deps, want[0]) || slices.Contains(deps, want[1]) {
				t.Fatalf("store=%s: the hosts link %s: %v, and %s: %v; want only the first",
					store, want[0], slices.Contains(deps, want[0]), want[1], slices.Contains(deps, want[1]))
			}
		})
	}
}
