package wfgencli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/internal/pgtest"
	"github.com/wfgo/wf/internal/tempmod"
	"github.com/wfgo/wf/store"
	"github.com/wfgo/wf/store/postgres"
)

// The three builds of the deploy story: v1 alone, then v2 without v1,
// then v2 with v1 restored as its previous version.
const (
	buildV1 = iota
	buildV2
	buildV2WithV1
)

// buildNames names the builds in failures.
var buildNames = []string{"v1", "v2", "v2 with v1"}

// deployOrders is package orders of the deployed app, with %s for its
// workflow types: its steps write a line to Effects each time they run,
// the side effects the test counts.
const deployOrders = `package orders

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/wfgo/wf"
)

//go:generate go tool wfgen

// Input is an order.
type Input struct {
	Order string ` + "`json:\"order\"`" + `
}

// GoAhead lets an order go on.
//
//wf:signal go-ahead
type GoAhead struct{}

// Effects receives "<order> <step>" each time a step runs.
var Effects io.Writer = io.Discard

// effect runs step's side effect.
func effect(in Input, step wf.StepID) (string, error) {
	_, err := fmt.Fprintf(Effects, "%%s %%s\n", in.Order, step)
	return string(step), err
}
%s`

// deployV1 is version v1 of "orders" on type %[1]s: it reserves, waits
// an hour at most for the go-ahead and ships, or releases the order.
const deployV1 = `
// %[1]s is version v1.
//
//wf:workflow orders version=v1
//wf:step reserve
//wf:step ship
//wf:step release
type %[1]s struct{}

// Run reserves, waits for the go-ahead and ships, or releases the order
// when the go-ahead is an hour late.
func (o *%[1]s) Run(ctx *wf.Context, in Input) (string, error) {
	if _, err := wf.Step(ctx, %[1]sStepReserve, func(wf.StepContext) (string, error) { return effect(in, %[1]sStepReserve) }); err != nil {
		return "", err
	}
	_, err := WaitGoAhead(ctx, wf.Timeout(time.Hour))
	if late := (*wf.WaitTimeoutError)(nil); errors.As(err, &late) {
		return wf.Step(ctx, %[1]sStepRelease, func(wf.StepContext) (string, error) { return effect(in, %[1]sStepRelease) })
	}
	if err != nil {
		return "", err
	}
	return wf.Step(ctx, %[1]sStepShip, func(wf.StepContext) (string, error) { return effect(in, %[1]sStepShip) })
}
`

// deployV2 is version v2 of "orders", which packs before shipping, with
// %s for its previous= option.
const deployV2 = `
// Orders is version v2.
//
//wf:workflow orders version=v2 %s
//wf:step reserve
//wf:step pack
//wf:step ship
//wf:step release
type Orders struct{}

// Run reserves, waits for the go-ahead, packs and ships, or releases the
// order when the go-ahead is an hour late.
func (o *Orders) Run(ctx *wf.Context, in Input) (string, error) {
	if _, err := wf.Step(ctx, OrdersStepReserve, func(wf.StepContext) (string, error) { return effect(in, OrdersStepReserve) }); err != nil {
		return "", err
	}
	_, err := WaitGoAhead(ctx, wf.Timeout(time.Hour))
	if late := (*wf.WaitTimeoutError)(nil); errors.As(err, &late) {
		return wf.Step(ctx, OrdersStepRelease, func(wf.StepContext) (string, error) { return effect(in, OrdersStepRelease) })
	}
	if err != nil {
		return "", err
	}
	if _, err := wf.Step(ctx, OrdersStepPack, func(wf.StepContext) (string, error) { return effect(in, OrdersStepPack) }); err != nil {
		return "", err
	}
	return wf.Step(ctx, OrdersStepShip, func(wf.StepContext) (string, error) { return effect(in, OrdersStepShip) })
}
`

// deployMain is the app's program: it opens the store its flags name,
// registers its build's workflows and does what a deploy of the build
// does (start runs, deliver the go-ahead, sweep, maybe later), then
// prints a deployReport as JSON.
const deployMain = `// Command app runs one build of the orders app against a store.
package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	_ "modernc.org/sqlite"

	"example.com/app/orders"
	"github.com/wfgo/wf"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store"
	"github.com/wfgo/wf/store/postgres"
	"github.com/wfgo/wf/store/sqlite"
)

var (
	sqlitePath = flag.String("sqlite", "", "SQLite database file")
	pgURL      = flag.String("postgres", "", "PostgreSQL URL")
	pgSchema   = flag.String("schema", "", "PostgreSQL schema")
	effects    = flag.String("effects", "", "file the steps' side effects are appended to")
	start      = flag.Int("start", 0, "runs to start")
	deliver    = flag.String("deliver", "", "comma-separated runs to deliver the go-ahead to")
	later      = flag.Duration("later", 0, "how far the runtime's clock is ahead of the real one")
	sweeps     = flag.Int("sweeps", 0, "sweeps to do")
)

type runView struct {
	ID      string
	Version string
	Status  wf.RunStatus
	Parked  *store.Park
	Error   *wf.ErrorInfo
	Output  json.RawMessage
}

type report struct {
	Started   map[string]runtime.ResultKind
	Delivered map[string]runtime.ResultKind
	Sweeps    []runtime.Summary
	Runs      []runView
	Parked    []string
}

func main() {
	flag.Parse()
	if err := run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "app:", err)
		os.Exit(1)
	}
}

// open opens the store the flags name, and returns it with its closer:
// closing lets SQLite fold its write-ahead log back into the database.
func open(ctx context.Context) (store.Store, func(), error) {
	if *sqlitePath != "" {
		db, err := sql.Open("sqlite", "file:"+*sqlitePath)
		if err != nil {
			return nil, nil, err
		}
		st, err := sqlite.New(db)
		if err != nil {
			db.Close()
			return nil, nil, err
		}
		return st, func() { st.Close(); db.Close() }, nil
	}
	pool, err := pgxpool.New(ctx, *pgURL)
	if err != nil {
		return nil, nil, err
	}
	st, err := postgres.New(ctx, pool, postgres.WithSchema(*pgSchema))
	if err != nil {
		pool.Close()
		return nil, nil, err
	}
	return st, pool.Close, nil
}

func run(ctx context.Context) error {
	f, err := os.OpenFile(*effects, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o666)
	if err != nil {
		return err
	}
	defer f.Close()
	orders.Effects = f
	st, closeStore, err := open(ctx)
	if err != nil {
		return err
	}
	defer closeStore()
	rt, err := runtime.New(runtime.Config{
		Store:     st,
		Workflows: orders.Registrations(orders.Workflows{}),
		Clock:     func() time.Time { return time.Now().Add(*later) },
	})
	if err != nil {
		return err
	}
	rep := report{Started: map[string]runtime.ResultKind{}, Delivered: map[string]runtime.ResultKind{}}
	for i := range *start {
		id := fmt.Sprintf("order-%05d", i)
		res, err := orders.StartOrders(ctx, rt, id, orders.Input{Order: id})
		if err != nil {
			return err
		}
		rep.Started[id] = res.Kind
	}
	for _, id := range strings.FieldsFunc(*deliver, func(r rune) bool { return r == ',' }) {
		res, err := orders.DeliverGoAhead(ctx, rt, id, "go-ahead-"+id, orders.GoAhead{})
		if err != nil {
			return err
		}
		rep.Delivered[id] = res.Kind
	}
	for range *sweeps {
		res, err := rt.Sweep(ctx, runtime.SweepOptions{})
		if err != nil {
			return err
		}
		rep.Sweeps = append(rep.Sweeps, res.Summary)
	}
	all, err := rt.ListRuns(ctx, store.ListQuery{})
	if err != nil {
		return err
	}
	for _, r := range all.Runs {
		rep.Runs = append(rep.Runs, runView{r.ID, r.Version, r.Status, r.Parked, r.Error, r.Output})
	}
	sort.Slice(rep.Runs, func(i, j int) bool { return rep.Runs[i].ID < rep.Runs[j].ID })
	parked, err := rt.ListRuns(ctx, store.ListQuery{Parked: true})
	if err != nil {
		return err
	}
	for _, r := range parked.Runs {
		rep.Parked = append(rep.Parked, r.ID)
	}
	sort.Strings(rep.Parked)
	return json.NewEncoder(os.Stdout).Encode(rep)
}
`

// deployReport is what the app's program prints.
type deployReport struct {
	Started   map[string]string
	Delivered map[string]string
	Sweeps    []struct {
		Recovered map[string]int `json:"recovered"`
		Timers    map[string]int `json:"timers"`
		Unparked  int            `json:"unparked"`
		Parked    int            `json:"parked"`
		Failed    []any          `json:"failed"`
	}
	Runs []struct {
		ID, Version string
		Status      wf.RunStatus
		Parked      *store.Park
		Error       *wf.ErrorInfo
		Output      json.RawMessage
	}
	Parked []string
}

// deployBuild is one build of the app: its module, where `wfgen check`
// runs, and its program.
type deployBuild struct {
	dir, bin string
}

// newDeployBuild writes, generates and builds the app's module as build
// b (buildV1, buildV2 or buildV2WithV1).
func newDeployBuild(t *testing.T, b int) deployBuild {
	t.Helper()
	var workflows string
	switch b {
	case buildV1:
		workflows = fmt.Sprintf(deployV1, "Orders")
	case buildV2:
		workflows = fmt.Sprintf(deployV2, "")
	case buildV2WithV1:
		workflows = fmt.Sprintf(deployV2, "previous=OrdersV1") + fmt.Sprintf(deployV1, "OrdersV1")
	}
	dir := tempmod.New(t, "../..", map[string]string{
		"orders/orders.go": fmt.Sprintf(deployOrders, workflows),
		"cmd/app/main.go":  deployMain,
	})
	if code, _, stderr := run("-C", dir, "./..."); code != 0 {
		t.Fatalf("build %s: generate: status %d\n%s", buildNames[b], code, stderr)
	}
	bin := filepath.Join(t.TempDir(), "app")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/app")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build %s: go build: %v\n%s", buildNames[b], err, out)
	}
	return deployBuild{dir: dir, bin: bin}
}

// deployStore is a migrated store, as the app's flags and wfgen check's
// flags name it.
type deployStore struct {
	appFlags   []string
	checkFlags []string
}

func sqliteDeployStore(t *testing.T) deployStore {
	path := filepath.Join(t.TempDir(), "wf.db")
	migrateSQLite(t, path)
	return deployStore{appFlags: []string{"-sqlite", path}, checkFlags: []string{"--sqlite", path}}
}

func postgresDeployStore(t *testing.T) deployStore {
	db := pgtest.New(t)
	if err := postgres.Migrate(context.Background(), db.Pool, postgres.WithSchema(db.Schema)); err != nil {
		t.Fatal(err)
	}
	return deployStore{
		appFlags:   []string{"-postgres", pgtest.URL(), "-schema", db.Schema},
		checkFlags: []string{"--against", pgtest.URL(), "--schema", db.Schema},
	}
}

// deploy runs build b's program on s with args; effects is the file its
// steps append their side effects to.
func (s deployStore) deploy(t *testing.T, b deployBuild, effects string, args ...string) deployReport {
	t.Helper()
	cmd := exec.Command(b.bin, append(append(slices.Clone(s.appFlags), "-effects", effects), args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("app %s: %v\n%s", strings.Join(args, " "), err, stderr.Bytes())
	}
	var rep deployReport
	if err := json.Unmarshal(out, &rep); err != nil {
		t.Fatalf("app %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return rep
}

// check runs `wfgen check` on build b's module against s.
func (s deployStore) check(b deployBuild) (int, string, string) {
	return run(append(append([]string{"-C", b.dir, "check"}, s.checkFlags...), "./...")...)
}

// TestDeployParksThenResumes tells a deploy's story through real
// builds on SQLite and PostgreSQL: runs started on v1 are parked, not
// errored, by a build without v1, which `wfgen check --against` refuses;
// the build that restores v1 passes the check and, deployed, resumes them
// to the end with each step run once.
func TestDeployParksThenResumes(t *testing.T) {
	t.Parallel()
	builds := map[int]deployBuild{}
	for _, b := range []int{buildV1, buildV2, buildV2WithV1} {
		builds[b] = newDeployBuild(t, b)
	}
	// Each store in a subtest of its own: without PostgreSQL, only its
	// subtest is skipped.
	stores := []struct {
		name string
		open func(*testing.T) deployStore
	}{{"sqlite", sqliteDeployStore}, {"postgres", postgresDeployStore}}
	for _, s := range stores {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			deployStory(t, s.open(t), builds)
		})
	}
}

// The story's runs: the go-ahead comes for the first three and never for
// the last, whose wait times out.
var (
	deployIDs  = []string{"order-00000", "order-00001", "order-00002", "order-00003"}
	signalled  = deployIDs[:3]
	late       = deployIDs[3]
	goAheadFor = strings.Join(signalled, ",")
)

// deployStory runs the builds on s one after the other, as deploys would,
// and checks each against s before and after.
func deployStory(t *testing.T, s deployStore, builds map[int]deployBuild) {
	effects := filepath.Join(t.TempDir(), "effects")
	n := len(deployIDs)

	// v1 starts the runs; each reserves and pauses on the go-ahead.
	rep := s.deploy(t, builds[buildV1], effects, "-start", fmt.Sprint(n))
	for _, id := range deployIDs {
		if rep.Started[id] != "paused" {
			t.Fatalf("v1: start %s: %q, want paused", id, rep.Started[id])
		}
	}
	wantRuns(t, "v1", rep, wf.StatusPaused, false)
	wantEffects(t, "v1", effects, deployIDs, "reserve")

	// v2 without v1, two hours later: the go-ahead parks the first runs,
	// and the sweep parks the last when its wait times out.
	rep = s.deploy(t, builds[buildV2], effects, "-deliver", goAheadFor, "-later", "2h", "-sweeps", "2")
	for _, id := range signalled {
		if rep.Delivered[id] != "parked" {
			t.Errorf("v2: deliver to %s: %q, want parked", id, rep.Delivered[id])
		}
	}
	if sw := rep.Sweeps[0]; sw.Unparked != 0 || len(sw.Recovered) != 0 || sw.Timers["parked"] != 1 || sw.Parked != 1 || len(sw.Failed) != 0 {
		t.Errorf("v2: first sweep %+v, want the late run's timer parked and nothing else", sw)
	}
	if sw := rep.Sweeps[1]; sw.Unparked != 0 || len(sw.Recovered) != 0 || len(sw.Timers) != 0 || sw.Parked != 0 {
		t.Errorf("v2: second sweep %+v, want the parked runs left alone", sw)
	}
	wantRuns(t, "v2", rep, wf.StatusPaused, true)
	if !slices.Equal(rep.Parked, deployIDs) {
		t.Errorf("v2: ListRuns(Parked) = %q, want %q", rep.Parked, deployIDs)
	}
	wantEffects(t, "v2", effects, deployIDs, "reserve")

	// The check refuses the build without v1, and passes the one with it.
	code, stdout, stderr := s.check(builds[buildV2])
	want := []string{"orders", "v1", fmt.Sprint(n), deployIDs[0], "workflow_version_mismatch", "-"}
	if row := strings.Fields(reportRow(stdout)); code != 1 || !slices.Equal(row, want) {
		t.Errorf("check v2: status %d, row %q, want 1 and %q\nstdout:\n%s\nstderr:\n%s", code, row, want, stdout, stderr)
	}
	if wantErr := fmt.Sprintf("wfgen: check: this code cannot resume %d runs of the %d runs in flight\n", n, n); code == 1 && stderr != wantErr {
		t.Errorf("check v2: stderr %q, want %q", stderr, wantErr)
	}
	code, stdout, stderr = s.check(builds[buildV2WithV1])
	if want := fmt.Sprintf("%d runs in flight checked: the code resumes all of them\n", n); code != 0 || stdout != want {
		t.Errorf("check v2 with v1 before its deploy: status %d, stdout %q, want 0 and %q\nstderr:\n%s", code, stdout, want, stderr)
	}

	// v2 with v1 restored: the sender's retried go-ahead is a duplicate;
	// the first sweep resumes every run to its end with what the build
	// without v1 stored (the go-ahead, the timeout), and the second finds
	// nothing to do.
	rep = s.deploy(t, builds[buildV2WithV1], effects, "-deliver", goAheadFor, "-later", "2h", "-sweeps", "2")
	for _, id := range signalled {
		if rep.Delivered[id] != "duplicate" {
			t.Errorf("v2 with v1: deliver to %s again: %q, want duplicate", id, rep.Delivered[id])
		}
	}
	if sw := rep.Sweeps[0]; sw.Unparked != n || sw.Recovered["completed"] != n || sw.Parked != 0 || len(sw.Failed) != 0 {
		t.Errorf("v2 with v1: first sweep %+v, want %d runs unparked and completed", sw, n)
	}
	if sw := rep.Sweeps[1]; sw.Unparked != 0 || len(sw.Recovered) != 0 || len(sw.Timers) != 0 {
		t.Errorf("v2 with v1: second sweep %+v, want nothing done", sw)
	}
	wantRuns(t, "v2 with v1", rep, wf.StatusFinished, false)
	if len(rep.Parked) != 0 {
		t.Errorf("v2 with v1: ListRuns(Parked) = %q, want none", rep.Parked)
	}
	wantEffects(t, "v2 with v1", effects, deployIDs, "reserve", "ship", "release")

	code, stdout, stderr = s.check(builds[buildV2WithV1])
	if want := "0 runs in flight checked: the code resumes all of them\n"; code != 0 || stdout != want {
		t.Errorf("check after the deploy: status %d, stdout %q, want 0 and %q\nstderr:\n%s", code, stdout, want, stderr)
	}
}

// wantRuns checks that the report lists the story's runs, all of v1 with
// status and no error, parked (for the missing v1) or not, and that
// finished runs returned their last step: ship, or release for the late
// run.
func wantRuns(t *testing.T, build string, rep deployReport, status wf.RunStatus, parked bool) {
	t.Helper()
	var ids []string
	for _, r := range rep.Runs {
		ids = append(ids, r.ID)
	}
	if !slices.Equal(ids, deployIDs) {
		t.Fatalf("%s: runs %q, want %q", build, ids, deployIDs)
	}
	for _, r := range rep.Runs {
		if r.Version != "v1" || r.Status != status || r.Error != nil {
			t.Errorf("%s: run %s: version %s, status %s, error %+v; want v1, %s, no error", build, r.ID, r.Version, r.Status, r.Error, status)
		}
		switch {
		case !parked && r.Parked != nil:
			t.Errorf("%s: run %s parked: %+v", build, r.ID, r.Parked)
		case parked && (r.Parked == nil || r.Parked.Reason != wf.CodeVersionMismatch || r.Parked.Version != "v1" || r.Parked.Message == ""):
			t.Errorf("%s: run %s: parked %+v, want workflow_version_mismatch for v1", build, r.ID, r.Parked)
		}
		want := `"ship"`
		if r.ID == late {
			want = `"release"`
		}
		if status == wf.StatusFinished && string(r.Output) != want {
			t.Errorf("%s: run %s: output %s, want %s", build, r.ID, r.Output, want)
		}
	}
}

// wantEffects checks that the runs' steps among steps ran exactly once
// each (ship for the signalled runs, release for the late one), and
// nothing else ran.
func wantEffects(t *testing.T, build, effects string, ids []string, steps ...string) {
	t.Helper()
	data, err := os.ReadFile(effects)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, step := range steps {
		for _, id := range ids {
			if step == "ship" && id == late || step == "release" && id != late {
				continue
			}
			want = append(want, id+" "+step)
		}
	}
	got := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("%s: side effects\n%s\nwant each once:\n%s", build, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
