// Command store measures wf on PostgreSQL against the machine's own limit,
// in one run: the raw one-row-insert transaction rate (the physical limit)
// and 10-step workflows end to end, each at concurrency 1 and 8.
//
//	go run ./bench/store -json [-duration 3s] [-concurrency 1,8]
//
// The database comes from DATABASE_URL (default the local test server). The
// command works in a schema of its own and drops it at the end. Each output
// line is one figure: name, concurrency, value, unit, and for workflow
// figures the limit (raw rate / 12, since a 10-step workflow needs ~12
// writes: create, ten checkpoints, finish) and the ratio to it.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store/postgres"
)

// Figure is one measurement.
type Figure struct {
	Name        string  `json:"name"`
	Concurrency int     `json:"concurrency"`
	Value       float64 `json:"value"`
	Unit        string  `json:"unit"`
	Limit       float64 `json:"limit,omitempty"`
	Ratio       float64 `json:"ratio,omitempty"`
}

func main() {
	os.Exit(Main(os.Args[1:], os.Stdout, os.Stderr))
}

// Main runs the benchmark; it returns the exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("store", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print one JSON object per line")
	duration := fs.Duration("duration", 6*time.Second, "how long each figure is measured (in alternating slices)")
	conc := fs.String("concurrency", "1,8", "comma-separated concurrency levels")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the run to this file")
	url := fs.String("database-url", envOr("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"), "PostgreSQL URL")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	var levels []int
	for _, s := range strings.Split(*conc, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			fmt.Fprintf(stderr, "store: bad concurrency %q\n", s)
			return 2
		}
		levels = append(levels, n)
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintln(stderr, "store:", err)
			return 1
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(stderr, "store:", err)
			return 1
		}
		defer pprof.StopCPUProfile()
	}
	figures, err := Run(context.Background(), *url, levels, *duration)
	if err != nil {
		fmt.Fprintln(stderr, "store:", err)
		return 1
	}
	for _, f := range figures {
		if *asJSON {
			b, _ := json.Marshal(f)
			fmt.Fprintln(stdout, string(b))
			continue
		}
		line := fmt.Sprintf("%-22s c=%-2d %10.1f %s", f.Name, f.Concurrency, f.Value, f.Unit)
		if f.Limit > 0 {
			line += fmt.Sprintf("  (limit %.1f, ratio %.2f)", f.Limit, f.Ratio)
		}
		fmt.Fprintln(stdout, line)
	}
	return 0
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// Run measures every figure at each concurrency level in a fresh schema.
func Run(ctx context.Context, url string, levels []int, d time.Duration) ([]Figure, error) {
	maxConc := 1
	for _, c := range levels {
		maxConc = max(maxConc, c)
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, err
	}
	cfg.MaxConns = int32(maxConc + 4)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer pool.Close()
	var b [4]byte
	_, _ = rand.Read(b[:])
	schema := "wfbench_" + hex.EncodeToString(b[:])
	if _, err := pool.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		return nil, fmt.Errorf("create schema: %w", err)
	}
	defer pool.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
	if _, err := pool.Exec(ctx, "CREATE TABLE "+schema+".raw (id text PRIMARY KEY, v int NOT NULL)"); err != nil {
		return nil, err
	}
	if err := postgres.Migrate(ctx, pool, postgres.WithSchema(schema)); err != nil {
		return nil, err
	}
	st, err := postgres.New(ctx, pool, postgres.WithSchema(schema))
	if err != nil {
		return nil, err
	}
	rt, err := runtime.New(runtime.Config{Store: st, Workflows: []runtime.Workflow{{Definition: tenSteps()}}})
	if err != nil {
		return nil, err
	}
	raw := func(ctx context.Context, id string) error {
		_, err := pool.Exec(ctx, "INSERT INTO "+schema+".raw (id, v) VALUES ($1, 1)", id)
		return err
	}
	workflow := func(ctx context.Context, id string) error {
		res, err := rt.StartRun(ctx, runtime.StartRequest{WorkflowID: "ten-steps", RunID: id})
		if err == nil && res.Kind != runtime.KindCompleted {
			err = fmt.Errorf("run %s ended %s", id, res.Kind)
		}
		return err
	}
	var out []Figure
	for _, c := range levels {
		// Alternate short slices of the baseline and the workload so that
		// both see the same machine: a neighbour's load shifts both rates,
		// not their ratio.
		const rounds = 6
		var rawOps, wfOps float64
		var rawTime, wfTime time.Duration
		for range rounds {
			n, el, err := measure(ctx, c, d/rounds, raw)
			if err != nil {
				return nil, fmt.Errorf("raw insert: %w", err)
			}
			rawOps, rawTime = rawOps+n, rawTime+el
			n, el, err = measure(ctx, c, d/rounds, workflow)
			if err != nil {
				return nil, fmt.Errorf("workflow: %w", err)
			}
			wfOps, wfTime = wfOps+n, wfTime+el
		}
		rawRate := rawOps / rawTime.Seconds()
		wfRate := wfOps / wfTime.Seconds()
		limit := rawRate / 12
		out = append(out,
			Figure{Name: "raw-insert", Concurrency: c, Value: rawRate, Unit: "tx/s"},
			Figure{Name: "workflow-10-steps", Concurrency: c, Value: wfRate, Unit: "workflows/s", Limit: limit, Ratio: wfRate / limit},
			Figure{Name: "workflow-10-steps-steps", Concurrency: c, Value: wfRate * 10, Unit: "steps/s", Limit: limit * 10, Ratio: wfRate / limit},
		)
	}
	return out, nil
}

func tenSteps() *wf.Definition {
	ids := make([]wf.StepID, 10)
	for i := range ids {
		ids[i] = wf.StepID(fmt.Sprintf("step-%d", i))
	}
	return wf.New("ten-steps", func(ctx *wf.Context, _ struct{}) (int, error) {
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
}

// measure runs op from c goroutines for d and returns how many completed
// and how long that took.
func measure(ctx context.Context, c int, d time.Duration, op func(ctx context.Context, id string) error) (float64, time.Duration, error) {
	var n atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	prefix := make([]byte, 6)
	_, _ = rand.Read(prefix)
	start := time.Now()
	stop := start.Add(d)
	for g := range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; time.Now().Before(stop); i++ {
				id := fmt.Sprintf("%x-%d-%d", prefix, g, i)
				if err := op(ctx, id); err != nil {
					once.Do(func() { firstErr = err })
					return
				}
				n.Add(1)
			}
		}()
	}
	wg.Wait()
	return float64(n.Load()), time.Since(start), firstErr
}
