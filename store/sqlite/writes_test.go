package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store/sqlite/sqlitedialect"
)

// countingExecutor counts the store's write transactions and reads.
type countingExecutor struct {
	*executor
	writes, reads atomic.Int64
}

func (c *countingExecutor) Write(ctx context.Context, stmts []sqlitedialect.Statement) ([]sqlitedialect.Result, error) {
	c.writes.Add(1)
	return c.executor.Write(ctx, stmts)
}

func (c *countingExecutor) Read(ctx context.Context, stmts []sqlitedialect.Statement) ([]sqlitedialect.Result, error) {
	c.reads.Add(1)
	return c.executor.Read(ctx, stmts)
}

// TestSerialW10Writes pins what a serial ten-step workflow costs on
// SQLite: eleven write transactions (create with the lease, nine appends
// each carrying the previous step's checkpoint, and the finishing commit
// carrying the last), and no read.
func TestSerialW10Writes(t *testing.T) {
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "wf.db")+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := Migrate(t.Context(), db); err != nil {
		t.Fatal(err)
	}
	o, err := newOptions(nil)
	if err != nil {
		t.Fatal(err)
	}
	exec := &countingExecutor{executor: newExecutor(db, o.busyTimeout)}
	t.Cleanup(func() { exec.close() })
	if err := exec.useWAL(t.Context()); err != nil {
		t.Fatal(err)
	}
	core, err := sqlitedialect.New(exec, o.cfg)
	if err != nil {
		t.Fatal(err)
	}
	st := &Store{Store: core, exec: exec.executor}

	ids := make([]wf.StepID, 10)
	for i := range ids {
		ids[i] = wf.StepID(fmt.Sprint("step-", i))
	}
	def := wf.New("ten", func(ctx *wf.Context, _ struct{}) (int, error) {
		sum := 0
		for _, id := range ids {
			v, err := wf.Step(ctx, id, func(wf.StepContext) (int, error) { return 1, nil })
			if err != nil {
				return 0, err
			}
			sum += v
		}
		return sum, nil
	})
	rt, err := runtime.New(runtime.Config{Store: st, Workflows: []runtime.Workflow{{Definition: def}}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := rt.StartRun(t.Context(), runtime.StartRequest{WorkflowID: "ten", RunID: "run"})
	if err != nil || res.Kind != runtime.KindCompleted {
		t.Fatalf("StartRun: %v, %v", res.Kind, err)
	}
	if w, r := exec.writes.Load(), exec.reads.Load(); w != 11 || r != 0 {
		t.Errorf("a serial W10 run took %d write transactions and %d reads, want 11 and 0", w, r)
	}
}
