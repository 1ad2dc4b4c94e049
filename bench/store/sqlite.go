package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	_ "modernc.org/sqlite" // the driver the SQLite store is tested with

	"github.com/wfgo/wf/host/envstore"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store/sqlite"
)

// sqliteFigures measures the SQLite store with the given synchronous mode
// (FULL or NORMAL) in a fresh database file: the raw one-row-insert
// transaction rate and 10-step workflows, at each concurrency level. The
// raw inserts run on one connection, one at a time, as SQLite commits
// them one at a time whatever the number of clients: that is the limit
// at every concurrency. Figure names start with "sqlite-" and the mode.
func sqliteFigures(ctx context.Context, mode string, o Options) ([]Figure, error) {
	mode = strings.ToUpper(mode)
	if mode != "FULL" && mode != "NORMAL" {
		return nil, fmt.Errorf("synchronous mode %q: want FULL or NORMAL", mode)
	}
	dir, err := os.MkdirTemp("", "wfbench-sqlite-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	db, err := sql.Open("sqlite", envstore.SQLiteDSN(filepath.Join(dir, "wf.db"))+"&_pragma=synchronous("+mode+")")
	if err != nil {
		return nil, err
	}
	defer db.Close()
	maxConc := 1
	for _, c := range o.Levels {
		maxConc = max(maxConc, c)
	}
	db.SetMaxOpenConns(maxConc + 4)
	db.SetMaxIdleConns(maxConc + 4)
	if err := sqlite.Migrate(ctx, db); err != nil {
		return nil, err
	}
	st, err := sqlite.New(db)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	rt, err := runtime.New(runtime.Config{Store: st, Workflows: []runtime.Workflow{{Definition: tenSteps("ten-steps")}}})
	if err != nil {
		return nil, err
	}
	if _, err := db.ExecContext(ctx, "CREATE TABLE raw (id TEXT PRIMARY KEY, v INTEGER NOT NULL)"); err != nil {
		return nil, err
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	insert, err := conn.PrepareContext(ctx, "INSERT INTO raw (id, v) VALUES (?, 1)")
	if err != nil {
		return nil, err
	}
	defer insert.Close()
	var mu sync.Mutex
	raw := func(ctx context.Context, id string) error {
		mu.Lock()
		defer mu.Unlock()
		_, err := insert.ExecContext(ctx, id)
		return err
	}
	workflow := func(ctx context.Context, id string) error {
		res, err := rt.StartRun(ctx, runtime.StartRequest{WorkflowID: "ten-steps", RunID: id})
		if err == nil && res.Kind != runtime.KindCompleted {
			err = fmt.Errorf("run %s ended %s", id, res.Kind)
		}
		return err
	}
	prefix := "sqlite-" + strings.ToLower(mode) + "-"
	var out []Figure
	for _, c := range o.Levels {
		const rounds = 6
		var rawS, wfS sample
		for range rounds {
			if err := rawS.measure(ctx, c, o.Duration/rounds, raw); err != nil {
				return nil, err
			}
			if err := wfS.measure(ctx, c, o.Duration/rounds, workflow); err != nil {
				return nil, err
			}
		}
		rawRate, wfRate := rawS.rate(), wfS.rate()
		limit := rawRate / 12
		out = append(out,
			Figure{Name: prefix + "raw-insert", Concurrency: c, Value: rawRate, Unit: "tx/s"},
			Figure{Name: prefix + "workflow-10-steps", Concurrency: c, Value: wfRate, Unit: "workflows/s", Limit: limit, Ratio: wfRate / limit},
			Figure{Name: prefix + "workflow-10-steps-p50", Concurrency: c, Value: wfS.quantile(0.5), Unit: "ms"},
			Figure{Name: prefix + "workflow-10-steps-p99", Concurrency: c, Value: wfS.quantile(0.99), Unit: "ms"},
		)
	}
	return out, nil
}
