package wfgencli_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/internal/pgtest"
	"github.com/wfgo/wf/internal/tempmod"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store"
	"github.com/wfgo/wf/store/postgres"
	"github.com/wfgo/wf/store/sqlite"
)

// ordersV1 is version v1 of workflow "orders" as the runs in the store
// recorded it: step "reserve", then a wait for signal "go-ahead".
func ordersV1() *wf.Definition {
	return wf.New("orders", func(ctx *wf.Context, in struct {
		Order string `json:"order"`
	}) (string, error) {
		if _, err := wf.Step(ctx, "reserve", func(wf.StepContext) (string, error) { return "reserved", nil }); err != nil {
			return "", err
		}
		_, err := wf.WaitForEvent[struct{}](ctx, "go-ahead")
		return "done", err
	}, wf.Version("v1"))
}

// startPaused starts n runs of ordersV1 in st; they pause on "go-ahead".
func startPaused(t testing.TB, st store.Store, n int) []string {
	t.Helper()
	rt, err := runtime.New(runtime.Config{Store: st, Workflows: []runtime.Workflow{{Definition: ordersV1()}}})
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("order-%05d", i)
		res, err := rt.StartRun(context.Background(), runtime.StartRequest{
			WorkflowID: "orders", RunID: ids[i], Input: json.RawMessage(`{"order":"` + ids[i] + `"}`),
		})
		if err != nil {
			t.Fatal(err)
		}
		if res.Run.Status != wf.StatusPaused {
			t.Fatalf("run %s: status %s, want paused", ids[i], res.Run.Status)
		}
	}
	return ids
}

// ordersModule is an app module whose package orders defines version v2
// of "orders" and, unless v1 is "", version v1 with the given body
// before its wait: what a build deploys.
func ordersModule(t testing.TB, v1 string) string {
	t.Helper()
	src := `package orders

import "github.com/wfgo/wf"

//go:generate go tool wfgen

// Input is an order.
type Input struct {
	Order string ` + "`json:\"order\"`" + `
}

// GoAhead lets an order go on.
//
//wf:signal go-ahead
type GoAhead struct{}

// Orders is version v2.
//
//wf:workflow orders version=v2 %s
//wf:step reserve
//wf:step ship
type Orders struct{}

// Run reserves, waits and ships.
func (o *Orders) Run(ctx *wf.Context, in Input) (string, error) {
	if _, err := wf.Step(ctx, OrdersStepReserve, func(wf.StepContext) (string, error) { return "reserved", nil }); err != nil {
		return "", err
	}
	if _, err := WaitGoAhead(ctx); err != nil {
		return "", err
	}
	return wf.Step(ctx, OrdersStepShip, func(wf.StepContext) (string, error) { return "shipped", nil })
}
`
	if v1 == "" {
		src = fmt.Sprintf(src, "")
	} else {
		src = fmt.Sprintf(src, "previous=OrdersV1") + v1
	}
	dir := tempmod.New(t, "../..", map[string]string{"orders/orders.go": src})
	if code, _, stderr := run("-C", dir, "./..."); code != 0 {
		t.Fatalf("generate: status %d\n%s", code, stderr)
	}
	return dir
}

// ordersV1Source is v1 as recorded; ordersV1Inserted inserts a step
// before the recorded one in the same version.
const (
	ordersV1Source = `
// OrdersV1 is version v1.
//
//wf:workflow orders version=v1
//wf:step reserve
type OrdersV1 struct{}

// Run reserves and waits.
func (o *OrdersV1) Run(ctx *wf.Context, in Input) (string, error) {
	if _, err := wf.Step(ctx, OrdersV1StepReserve, func(wf.StepContext) (string, error) { return "reserved", nil }); err != nil {
		return "", err
	}
	_, err := WaitGoAhead(ctx)
	return "done", err
}
`
	ordersV1Inserted = `
// OrdersV1 is version v1 with a step inserted before "reserve".
//
//wf:workflow orders version=v1
//wf:step check-fraud
//wf:step reserve
type OrdersV1 struct{}

// Run checks, reserves and waits.
func (o *OrdersV1) Run(ctx *wf.Context, in Input) (string, error) {
	if err := wf.Do(ctx, OrdersV1StepCheckFraud, func(wf.StepContext) error { return nil }); err != nil {
		return "", err
	}
	if _, err := wf.Step(ctx, OrdersV1StepReserve, func(wf.StepContext) (string, error) { return "reserved", nil }); err != nil {
		return "", err
	}
	_, err := WaitGoAhead(ctx)
	return "done", err
}
`
)

// againstStore is a store holding paused v1 runs and the check flags
// that name it.
type againstStore struct {
	name  string
	flags []string
	st    store.Store
	runs  []string
}

// snapshot describes the stored state of the store's runs.
func (s againstStore) snapshot(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	for _, id := range s.runs {
		ex, err := s.st.LoadExecution(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s %s %d events, %d deliveries, seq %d, updated %s\n", id, ex.Run.Status,
			len(ex.Events), len(ex.Deliveries), ex.Run.DeliverySeq, ex.Run.UpdatedAt)
	}
	return b.String()
}

func sqliteAgainst(t *testing.T, n int) againstStore {
	path := filepath.Join(t.TempDir(), "wf.db")
	migrateSQLite(t, path)
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	st, err := sqlite.New(db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return againstStore{name: "sqlite", flags: []string{"--sqlite", path}, st: st, runs: startPaused(t, st, n)}
}

func postgresAgainst(t *testing.T, n int) againstStore {
	db := pgtest.New(t)
	if err := postgres.Migrate(context.Background(), db.Pool, postgres.WithSchema(db.Schema)); err != nil {
		t.Fatal(err)
	}
	st, err := postgres.New(context.Background(), db.Pool, postgres.WithSchema(db.Schema))
	if err != nil {
		t.Fatal(err)
	}
	return againstStore{name: "postgres", flags: []string{"--against", pgtest.URL(), "--schema", db.Schema}, st: st, runs: startPaused(t, st, n)}
}

func TestCheckAgainst(t *testing.T) {
	t.Parallel()
	stores := []againstStore{sqliteAgainst(t, 3), postgresAgainst(t, 3)}
	before := make([]string, len(stores))
	for i, s := range stores {
		before[i] = s.snapshot(t)
	}
	builds := []struct {
		name     string
		v1       string
		wantCode int
		want     []string // in the report's row
	}{
		{"v2 without v1", "", 1, []string{"orders", "v1", "3", "order-00000", "workflow_version_mismatch", "-"}},
		{"v1 restored", ordersV1Source, 0, nil},
		{"step inserted in v1", ordersV1Inserted, 1, []string{"orders", "v1", "3", "order-00000", "nondeterminism", "reserve, check-fraud"}},
	}
	for _, b := range builds {
		dir := ordersModule(t, b.v1)
		for _, s := range stores {
			args := append(append([]string{"-C", dir, "check"}, s.flags...), "./...")
			code, stdout, stderr := run(args...)
			if code != b.wantCode {
				t.Errorf("%s, %s: status %d, want %d\nstdout:\n%s\nstderr:\n%s", b.name, s.name, code, b.wantCode, stdout, stderr)
				continue
			}
			if b.wantCode == 0 {
				if want := "3 runs in flight checked: the code resumes all of them\n"; stdout != want {
					t.Errorf("%s, %s: stdout %q, want %q", b.name, s.name, stdout, want)
				}
				continue
			}
			row := reportRow(stdout)
			if fields := strings.Fields(row); !equalFields(fields, b.want) {
				t.Errorf("%s, %s: report row %q, want the fields %q\n%s", b.name, s.name, row, b.want, stdout)
			}
			if !strings.Contains(stderr, "cannot resume 3 runs of the 3 runs in flight") {
				t.Errorf("%s, %s: stderr %q", b.name, s.name, stderr)
			}
		}
	}
	checkJSON(t, ordersModule(t, ordersV1Inserted), stores[0])
	for i, s := range stores {
		if after := s.snapshot(t); after != before[i] {
			t.Errorf("%s: the check changed the runs:\n%s\nwas\n%s", s.name, after, before[i])
		}
	}
}

// reportRow returns the report's first row under its header.
func reportRow(stdout string) string {
	lines := strings.Split(stdout, "\n")
	if len(lines) < 2 || !strings.HasPrefix(lines[0], "WORKFLOW") {
		return ""
	}
	return lines[1]
}

// equalFields compares a row's fields with want, where a want field may
// span several fields ("reserve, check-fraud").
func equalFields(fields, want []string) bool {
	return strings.Join(fields, " ") == strings.Join(want, " ")
}

func TestCheckAgainstUnreadableStore(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.db")
	empty := filepath.Join(dir, "empty.db")
	if err := os.WriteFile(empty, nil, 0o666); err != nil {
		t.Fatal(err)
	}
	unmigrated := pgtest.New(t).Schema
	// The store is read by the replay program, built for a package with
	// workflows; a file that does not exist fails before the build.
	app := ordersModule(t, ordersV1Source)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--against", "$WFGEN_TEST_UNSET"}, "wfgen: check: --against $WFGEN_TEST_UNSET: the environment variable WFGEN_TEST_UNSET is not set\n"},
		{[]string{"--sqlite", missing}, "wfgen: check: --sqlite: stat " + missing + ": no such file or directory\n"},
		{[]string{"--sqlite", empty}, "wfgen: check: --sqlite " + empty + ": the database is empty, not migrated: run `wf migrate --sqlite " + empty + "` first\n"},
		{[]string{"--against", withSearchPath(pgtest.URL(), unmigrated)}, "wfgen: check: --against: postgres: schema " + unmigrated + " (table prefix \"wf_\") is not migrated: run `wf migrate --database-url … --schema " + unmigrated + "` or call postgres.Migrate\n"},
		{[]string{"--against", pgtest.URL(), "--schema", unmigrated}, "wfgen: check: --against: postgres: schema " + unmigrated + " (table prefix \"wf_\") is not migrated: run `wf migrate --database-url … --schema " + unmigrated + "` or call postgres.Migrate\n"},
	}
	for _, tt := range tests {
		code, stdout, stderr := run(append(append([]string{"-C", app, "check"}, tt.args...), "./...")...)
		if code != 1 || stdout != "" || stderr != tt.want {
			t.Errorf("check %s: status %d, stdout %q, stderr\n%s\nwant status 1 and\n%s", strings.Join(tt.args, " "), code, stdout, stderr, tt.want)
		}
	}
}

// checkJSON checks the --json report of a build that inserts a step.
func checkJSON(t *testing.T, dir string, s againstStore) {
	t.Helper()
	code, stdout, stderr := run(append(append([]string{"-C", dir, "check", "--json"}, s.flags...), "./...")...)
	if code != 1 {
		t.Fatalf("--json: status %d, stderr %s", code, stderr)
	}
	var got struct {
		Checked  int
		Stranded []struct {
			Workflow, Version, FirstRunID, Reason, Detail string
			Runs                                          int
			Operations, RunIDs                            []string
		}
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("--json: %v\n%s", err, stdout)
	}
	if got.Checked != 3 || len(got.Stranded) != 1 {
		t.Fatalf("--json: %+v", got)
	}
	r := got.Stranded[0]
	if r.Workflow != "orders" || r.Version != "v1" || r.Runs != 3 || r.FirstRunID != "order-00000" ||
		r.Reason != "nondeterminism" || strings.Join(r.Operations, ",") != "reserve,check-fraud" || r.Detail == "" ||
		strings.Join(r.RunIDs, ",") != strings.Join(s.runs, ",") {
		t.Errorf("--json row: %+v", r)
	}
}

// withSearchPath adds search_path=schema to a Postgres URL.
func withSearchPath(url, schema string) string {
	if strings.Contains(url, "?") {
		return url + "&search_path=" + schema
	}
	return url + "?search_path=" + schema
}

func TestCheckAgainstDefaultsToDatabaseURL(t *testing.T) {
	// Not parallel: it sets DATABASE_URL.
	db := pgtest.New(t)
	t.Setenv("DATABASE_URL", withSearchPath(pgtest.URL(), db.Schema))
	want := "wfgen: check: --against: postgres: schema " + db.Schema + " (table prefix \"wf_\") is not migrated: run `wf migrate --database-url … --schema " + db.Schema + "` or call postgres.Migrate\n"
	app := filepath.Join(ordersModule(t, ordersV1Source), "orders")
	for _, args := range [][]string{{"check", "--against"}, {"check", "--against", "./..."}, {"check", "-against", "--json"}} {
		if code, _, stderr := run(append([]string{"-C", app}, args...)...); code != 1 || stderr != want {
			t.Errorf("%s: status %d, stderr\n%s\nwant\n%s", strings.Join(args, " "), code, stderr, want)
		}
	}
}

func TestCheckAgainstWithoutWorkflows(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "wf.db")
	migrateSQLite(t, path)
	dir := tempmod.New(t, "../..", map[string]string{"plain/plain.go": "package plain\n\n// Answer is 42.\nconst Answer = 42\n"})
	code, stdout, stderr := run("-C", dir, "check", "--sqlite", path, "./...")
	if want := "no checked package defines a workflow: no run to check\n"; code != 0 || stdout != want {
		t.Errorf("status %d, stdout %q, stderr %s; want 0 and %q", code, stdout, stderr, want)
	}
}

// migrateSQLite creates the migrated SQLite database file path.
func migrateSQLite(t testing.TB, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := sqlite.Migrate(context.Background(), db); err != nil {
		t.Fatal(err)
	}
}

// A module whose go.sum lacks the driver the check reads with gets what to
// run, not only the go command's error.
func TestCheckAgainstWithoutTheDriver(t *testing.T) {
	// Not parallel: with -mod=mod in GOFLAGS the go command would add the
	// missing sums itself.
	t.Setenv("GOFLAGS", "-mod=readonly")
	dir := ordersModule(t, ordersV1Source)
	sum := filepath.Join(dir, "go.sum")
	data, err := os.ReadFile(sum)
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for _, l := range strings.SplitAfter(string(data), "\n") {
		if !strings.HasPrefix(l, "github.com/jackc/pgx/") {
			kept = append(kept, l)
		}
	}
	if err := os.WriteFile(sum, []byte(strings.Join(kept, "")), 0o666); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := run("-C", dir, "check", "--against", pgtest.URL(), "./...")
	if code != 1 || !strings.Contains(stderr, "does not require the driver of the store the check reads") ||
		!strings.Contains(stderr, "go get github.com/wfgo/wf/runtime/deploycheck/postgres") {
		t.Errorf("status %d, stderr\n%s\nwant status 1 and what to run", code, stderr)
	}
}
