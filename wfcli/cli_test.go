package wfcli

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wfgo/wf/runtime"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// step is one wf invocation of a golden case. noWorkflows runs it as
// cmd/wf does, with no workflows registered.
type step struct {
	args        []string
	noWorkflows bool
	at          time.Duration // when set, the clock is moved to t0+at first
	// setup, when set, changes the fixture instead of running wf.
	setup func(*fixture, *testing.T)
}

func cmd(args ...string) step { return step{args: args} }

// cases are the golden cases: each runs its steps on a fresh fixture and
// compares their output with testdata/<store>/<name>.golden.
var cases = []struct {
	name  string
	steps []step
}{
	{"help", []step{cmd("help")}},
	{"unknown-command", []step{cmd("runs", "frobnicate"), cmd("frobnicate"), cmd("runs")}},
	{"bad-flags", []step{cmd("runs", "list", "--limit", "x"), cmd("runs", "show"), cmd("runs", "show", "a", "b"), cmd("runs", "list", "-o", "yaml")}},
	{"runs-list", []step{cmd("runs", "list")}},
	{"runs-list-json", []step{cmd("runs", "list", "-o", "json", "--workflow", "order")}},
	{"runs-list-paging", []step{cmd("runs", "list", "--status", "paused", "--limit", "1"), cmd("runs", "list", "--status", "bogus")}},
	{"runs-list-since", []step{cmd("runs", "list", "--since", "8m"), cmd("runs", "list", "--since", "2026-05-06T09:01:00Z"), cmd("runs", "list", "--since", "yesterday")}},
	{"runs-show", []step{cmd("runs", "show", "order-1"), cmd("runs", "show", "order-2", "-o", "json")}},
	{"runs-list-parked", []step{cmd("runs", "list", "--parked"), cmd("runs", "show", "legacy-1"), cmd("runs", "list", "--parked", "-o", "json")}},
	{"runs-retry", []step{
		cmd("runs", "retry", "broken-1", "--by", "ops", "--reason", "card updated"),
		cmd("runs", "timeline", "broken-1"),
		cmd("runs", "retry", "order-1"),
		cmd("runs", "retry", "nope"),
		{args: []string{"runs", "retry", "broken-1"}, noWorkflows: true},
	}},
	{"runs-fork", []step{
		cmd("reject", "order-2", "manager", "--feedback", "too dear"),
		cmd("runs", "fork", "order-2", "--step", "manager", "--id", "order-2b", "--by", "ops", "--reason", "ask again"),
		cmd("runs", "timeline", "order-2b"),
		cmd("runs", "fork", "order-2", "--step", "manager", "--id", "order-2b", "-o", "json"),
		cmd("runs", "fork", "order-2", "--step", "ship", "--id", "order-2c"),
		cmd("runs", "fork", "order-1", "--step", "reserve", "--id", "order-1b"),
		cmd("runs", "fork", "order-2", "--step", "manager"),
	}},
	{"runs-export", []step{cmd("runs", "export", "order-2"), cmd("runs", "export", "nope")}},
	{"runs-show-errored", []step{cmd("runs", "show", "broken-1")}},
	{"runs-show-unknown", []step{cmd("runs", "show", "nope"), cmd("runs", "timeline", "nope"), cmd("runs", "cancel", "nope")}},
	{"runs-timeline", []step{cmd("runs", "timeline", "order-2")}},
	{"runs-timeline-json", []step{cmd("runs", "timeline", "order-2", "-o", "json")}},
	{"runs-children", []step{
		{setup: (*fixture).addChildren},
		cmd("runs", "list", "--parent", "order-1"),
		cmd("runs", "show", "order-1"),
		cmd("runs", "show", "order-1.ship"),
		cmd("runs", "show", "order-1.audit", "-o", "json"),
		cmd("runs", "timeline", "order-1.ship"),
		cmd("runs", "cancel", "order-1", "--reason", "customer left"),
		cmd("runs", "list", "--parent", "order-1", "-o", "json"),
		cmd("runs", "timeline", "order-1", "-o", "json"),
	}},
	{"runs-cancel", []step{cmd("runs", "cancel", "order-1", "--reason", "customer left"), cmd("runs", "show", "order-1"), cmd("runs", "cancel", "order-1")}},
	{"signal", []step{
		cmd("signal", "order-1", "payment", "--id", "pay-1", "--data", `{"amount": 12.5}`),
		cmd("signal", "order-1", "payment", "--id", "pay-1", "--data", `{"amount": 12.5}`, "-o", "json"),
		cmd("runs", "show", "order-1"),
	}},
	{"signal-file", []step{cmd("signal", "order-1", "payment", "--id", "pay-1", "--data", "@testdata/payment.json")}},
	{"signal-errors", []step{
		cmd("signal", "order-1", "payment", "--id", "pay-1", "--data", `{amount`),
		cmd("signal", "order-1", "payment", "--id", "pay-1", "--data", `{"amount": -1}`),
		cmd("signal", "order-1", "payment", "--data", `{"amount": 1}`),
		cmd("signal", "order-1", "payment", "--id", "pay-1", "--data", "@testdata/missing.json"),
		cmd("signal", "nope", "payment", "--id", "pay-1"),
		cmd("signal", "order-2", "payment", "--id", "pay-9", "--data", `{"amount": 1}`),
		{args: []string{"signal", "order-1", "payment", "--id", "pay-1", "--data", `{"amount": 1}`}, noWorkflows: true},
	}},
	{"approve", []step{cmd("approve", "order-2", "manager", "--feedback", "fine by me"), cmd("runs", "show", "order-2"), cmd("approve", "order-2", "manager")}},
	{"reject", []step{cmd("reject", "order-2", "manager", "--feedback", "too dear", "-o", "json"), cmd("runs", "timeline", "order-2")}},
	{"approve-errors", []step{
		cmd("approve", "order-1", "manager"),
		cmd("approve", "nope", "manager"),
		{args: []string{"approve", "order-2", "manager"}, noWorkflows: true},
	}},
	{"schedules-list", []step{cmd("schedules", "list"), cmd("schedules", "list", "-o", "json")}},
	{"schedules-pause", []step{
		cmd("schedules", "pause", "digest-15m"),
		{args: []string{"schedules", "list"}, noWorkflows: true},
		cmd("schedules", "trigger", "digest-15m"),
		cmd("schedules", "resume", "digest-15m", "-o", "json"),
		cmd("schedules", "pause", "nope"),
	}},
	{"schedules-trigger", []step{
		cmd("schedules", "trigger", "digest-15m"),
		cmd("schedules", "trigger", "restock-hourly"),
		cmd("schedules", "trigger", "restock-hourly", "-o", "json"),
		cmd("schedules", "trigger", "nope"),
		{args: []string{"schedules", "trigger", "digest-15m"}, noWorkflows: true},
	}},
	{"schedules-backfill", []step{
		cmd("schedules", "backfill", "digest-15m", "--from", "2026-05-06T08:00:00Z", "--to", "2026-05-06T08:45:00Z"),
		cmd("schedules", "backfill", "digest-15m", "--from", "2026-05-06T08:00:00Z", "-o", "json"),
		cmd("schedules", "backfill", "digest-15m", "--from", "yesterday"),
		cmd("schedules", "backfill", "digest-15m"),
		cmd("schedules", "backfill", "digest-15m", "--from", "2025-01-01T00:00:00Z"),
	}},
	{"sweep", []step{
		cmd("sweep"),
		// At 10:00 order-1's payment times out and digest-15m fires.
		{args: []string{"sweep"}, at: time.Hour},
		{args: []string{"sweep", "-o", "json"}, at: time.Hour + 15*time.Minute},
		cmd("runs", "timeline", "order-1"),
		{args: []string{"sweep"}, noWorkflows: true},
	}},
	{"migrate", []step{cmd("migrate", "-v"), cmd("migrate", "extra")}},
	{"queues", []step{
		cmd("runs", "list", "--queue", "imports"),
		cmd("runs", "show", "import-2"),
		cmd("runs", "show", "import-3", "-o", "json"),
		cmd("runs", "cancel", "import-3"),
		cmd("signal", "import-1", "done", "--id", "done-1", "--data", `"ok"`),
		cmd("sweep"),
		cmd("runs", "list", "--queue", "imports"),
	}},
}

func TestGolden(t *testing.T) {
	t.Parallel()
	for _, kind := range storeKinds {
		for _, tc := range cases {
			t.Run(kind.name+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				f := newFixture(t, kind)
				if tc.name == "queues" { // imports on a queue: see startImports
					f.startImports(t)
				}
				var out strings.Builder
				for _, s := range tc.steps {
					out.WriteString(f.run(t, s))
				}
				got := strings.ReplaceAll(out.String(), strings.Join(f.flags, " "), "$STORE")
				got = strings.ReplaceAll(got, f.flags[1], "$STORE")
				golden(t, filepath.Join("testdata", kind.name, tc.name+".golden"), got)
			})
		}
	}
}

// run runs one step and records it as the golden file shows it.
func (f *fixture) run(t *testing.T, s step) string {
	t.Helper()
	if s.setup != nil {
		s.setup(f, t)
		return ""
	}
	if s.at != 0 {
		f.clock.Set(t0.Add(s.at))
	}
	var stdout, stderr bytes.Buffer
	cfg := Config{Stdout: &stdout, Stderr: &stderr, Clock: f.clock.Now, Getenv: func(string) string { return "" }}
	if !s.noWorkflows {
		cfg.Workflows = workflows()
	}
	code := Run(context.Background(), append(append([]string(nil), s.args...), f.flags...), cfg)
	var b strings.Builder
	prog := "wf"
	if s.noWorkflows {
		prog = "wf (no workflows)"
	}
	fmt.Fprintf(&b, "$ %s %s\n", prog, strings.Join(quoted(s.args), " "))
	fmt.Fprintf(&b, "exit %d\n", code)
	if stdout.Len() > 0 {
		fmt.Fprintf(&b, "-- stdout --\n%s", stdout.String())
	}
	if stderr.Len() > 0 {
		fmt.Fprintf(&b, "-- stderr --\n%s", stderr.String())
	}
	return b.String() + "\n"
}

func quoted(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		if strings.ContainsAny(a, " {}\"'") {
			a = "'" + a + "'"
		}
		out[i] = a
	}
	return out
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (run go test -update to accept):\n--- got ---\n%s\n--- want ---\n%s", path, got, want)
	}
}

// TestNoStore runs a command with no store flag and no DATABASE_URL.
func TestNoStore(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	code := Run(context.Background(), []string{"runs", "list"}, Config{Stdout: &stdout, Stderr: &stderr, Getenv: func(string) string { return "" }})
	want := "wf: no store: set --database-url (or the DATABASE_URL environment variable) for PostgreSQL, or --sqlite FILE\nRun 'wf help' for usage.\n"
	if code != exitUsage || stderr.String() != want || stdout.Len() != 0 {
		t.Errorf("exit %d, stdout %q, stderr %q; want exit 2 and %q", code, stdout.String(), stderr.String(), want)
	}
	code = Run(context.Background(), []string{"runs", "list", "--sqlite", filepath.Join(t.TempDir(), "missing.db")}, Config{Stdout: &stdout, Stderr: &stderr})
	if code != exitError || !strings.Contains(stderr.String(), "missing.db: stat") {
		t.Errorf("a missing SQLite file: exit %d, stderr %q", code, stderr.String())
	}
}

// TestDatabaseURLFromEnv reads the store from $DATABASE_URL.
func TestDatabaseURLFromEnv(t *testing.T) {
	t.Parallel()
	f := newFixture(t, storeKinds[1])
	var stdout, stderr bytes.Buffer
	env := map[string]string{"DATABASE_URL": f.flags[1]}
	code := Run(context.Background(), []string{"runs", "show", "order-1", "--schema", f.flags[3]},
		Config{Stdout: &stdout, Stderr: &stderr, Getenv: func(k string) string { return env[k] }, Workflows: []runtime.Workflow{}})
	if code != exitOK || !strings.Contains(stdout.String(), "order-1") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout.String(), stderr.String())
	}
}

// TestExportReadsBack checks that runs export writes what replay tests
// read (runtime.ParseHistory).
func TestExportReadsBack(t *testing.T) {
	t.Parallel()
	f := newFixture(t, storeKinds[0])
	var stdout, stderr bytes.Buffer
	code := Run(context.Background(), append([]string{"runs", "export", "order-2"}, f.flags...),
		Config{Stdout: &stdout, Stderr: &stderr, Clock: f.clock.Now})
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	h, err := runtime.ParseHistory(stdout.Bytes())
	if err != nil || h.RunID != "order-2" || len(h.Events) != 4 || len(h.Deliveries) != 1 {
		t.Fatalf("ParseHistory = %+v, %v", h, err)
	}
}
