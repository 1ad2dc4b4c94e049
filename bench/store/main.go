// Command store measures wf on PostgreSQL against the machine's own limit,
// in one run: the raw one-row-insert transaction rate (the physical limit)
// and 10-step workflows end to end, each at concurrency 1 and 8, of
// durable steps and of local steps (wf.WithLocal). With -sqlite it
// measures the SQLite store too, in each synchronous mode named, beside
// SQLite's own raw insert rate (figures named sqlite-<mode>-…).
//
//	cd bench && go run ./store -json [-duration 3s] [-concurrency 1,8] [-sqlite FULL,NORMAL] [-postgres=false]
//
// The database comes from DATABASE_URL (default the local test server). The
// command works in a schema of its own and drops it at the end. Each output
// line is one figure: name, concurrency, value, unit, and for workflow
// figures the limit (raw rate / 12, since a 10-step workflow needs ~12
// writes: create, ten checkpoints, finish) and the ratio to it. The figure
// workflow-10-local-steps is the same workflow with local steps; its limit
// is the durable workflow's rate at the same concurrency, so its ratio is
// what local steps gain.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"runtime/pprof"
	"slices"
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
	// Note says what a figure covers beyond its name, when it varies.
	Note string `json:"note,omitempty"`
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
	history := fs.String("history", "", "comma-separated log lengths whose resume time to measure (e.g. 10,100,1000,10000)")
	sweepTimers := fs.Int("sweep-timers", 0, "measure one sweep over this many due timers (0: skip)")
	sweepConc := fs.Int("sweep-concurrency", 8, "the sweep's Concurrency for -sweep-timers")
	scaleChurn := fs.Float64("scale-churn", 0.19, "with -scale, the runs started (and paused) through the runtime after each load, as a fraction of the runs stored: those started since the last vacuum of the runs table, which autovacuum leaves until 20% by default")
	scale := fs.String("scale", "", "comma-separated numbers of stored runs (bulk-loaded, paused on far timers) at which to measure idle sweeps, GetRun, deliveries and timer sweeps (e.g. 10000,100000,1000000)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the run to this file")
	sqliteModes := fs.String("sqlite", "", "comma-separated SQLite synchronous modes (FULL, NORMAL) to measure the SQLite store in, at the same concurrency levels")
	pg := fs.Bool("postgres", true, "measure the PostgreSQL store")
	only := fs.String("workloads", "raw,w10,local,w1", "comma-separated PostgreSQL throughput workloads to measure: raw (the limit), w10, local, w1")
	url := fs.String("database-url", envOr("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"), "PostgreSQL URL")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	levels, err := ints(*conc)
	if err != nil {
		fmt.Fprintf(stderr, "store: -concurrency: %v\n", err)
		return 2
	}
	lengths, err := ints(*history)
	if err != nil {
		fmt.Fprintf(stderr, "store: -history: %v\n", err)
		return 2
	}
	sizes, err := ints(*scale)
	if err != nil || !slices.IsSorted(sizes) {
		fmt.Fprintf(stderr, "store: -scale: want increasing numbers (%v)\n", err)
		return 2
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
	o := Options{URL: *url, Levels: levels, Duration: *duration,
		Workloads: strings.Split(*only, ","), History: lengths, SweepTimers: *sweepTimers, SweepConcurrency: *sweepConc, Scale: sizes, ScaleChurn: *scaleChurn}
	var figures []Figure
	if len(levels) > 0 && (*pg && *only != "none" || strings.TrimSpace(*sqliteModes) != "") {
		f, err := cpuFigure(context.Background(), min(*duration, 2*time.Second))
		if err != nil {
			fmt.Fprintln(stderr, "store:", err)
			return 1
		}
		figures = append(figures, f)
	}
	if *pg {
		figs, err := Run(context.Background(), o)
		if err != nil {
			fmt.Fprintln(stderr, "store:", err)
			return 1
		}
		figures = append(figures, figs...)
	}
	for _, mode := range strings.Split(*sqliteModes, ",") {
		if mode = strings.TrimSpace(mode); mode == "" {
			continue
		}
		figs, err := sqliteFigures(context.Background(), mode, o)
		if err != nil {
			fmt.Fprintf(stderr, "store: sqlite %s: %v\n", mode, err)
			return 1
		}
		figures = append(figures, figs...)
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

func ints(list string) ([]int, error) {
	var out []int
	for _, s := range strings.Split(list, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("bad number %q", s)
		}
		out = append(out, n)
	}
	return out, nil
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// Options say what to measure.
type Options struct {
	URL string
	// Levels are the concurrency levels of the throughput figures.
	Levels []int
	// Duration is how long each throughput figure is measured.
	Duration time.Duration
	// Workloads names the throughput workloads measured (raw, w10, local,
	// w1); empty means all. A ratio whose workloads were not both
	// measured is left out.
	Workloads []string
	// History lists log lengths whose resume time is measured.
	History []int
	// SweepTimers, when positive, measures one sweep over that many due
	// timers with SweepConcurrency.
	SweepTimers, SweepConcurrency int
	// Scale lists increasing numbers of stored runs at which the scale
	// figures are measured (see scaleFigures).
	Scale []int
	// ScaleChurn is the fraction of the runs stored that each scale step
	// starts through the runtime after loading (at least 100).
	ScaleChurn float64
}

// Run measures every figure in a fresh schema.
func Run(ctx context.Context, o Options) ([]Figure, error) {
	levels, d := o.Levels, o.Duration
	maxConc := max(1, o.SweepConcurrency)
	for _, c := range levels {
		maxConc = max(maxConc, c)
	}
	cfg, err := pgxpool.ParseConfig(o.URL)
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
	rt, err := runtime.New(runtime.Config{Store: st, Workflows: []runtime.Workflow{
		{Definition: tenSteps("ten-steps")}, {Definition: tenSteps("ten-local-steps", wf.WithLocal())},
		{Definition: oneStep()}, {Definition: historyWorkflow()}, {Definition: napWorkflow()}, {Definition: farWorkflow()},
	}, LeaseDuration: 10 * time.Minute}) // the timer figure sweeps for up to 10 minutes under one claim
	if err != nil {
		return nil, err
	}
	raw := func(ctx context.Context, id string) error {
		_, err := pool.Exec(ctx, "INSERT INTO "+schema+".raw (id, v) VALUES ($1, 1)", id)
		return err
	}
	start := func(workflowID string) func(ctx context.Context, id string) error {
		return func(ctx context.Context, id string) error {
			res, err := rt.StartRun(ctx, runtime.StartRequest{WorkflowID: workflowID, RunID: id})
			if err == nil && res.Kind != runtime.KindCompleted {
				err = fmt.Errorf("run %s ended %s", id, res.Kind)
			}
			return err
		}
	}
	workflow, local := start("ten-steps"), start("ten-local-steps")
	oneStep := func(ctx context.Context, id string) error {
		res, err := rt.StartRun(ctx, runtime.StartRequest{WorkflowID: "one-step", RunID: id})
		if err == nil && res.Kind != runtime.KindCompleted {
			err = fmt.Errorf("run %s ended %s", id, res.Kind)
		}
		return err
	}
	var out []Figure
	rawAt := map[int]float64{}
	w1At := map[int]float64{}
	want := func(name string) bool {
		return len(o.Workloads) == 0 || slices.Contains(o.Workloads, name)
	}
	for _, c := range levels {
		// Alternate short slices of the baseline and the workloads so that
		// all see the same machine: a neighbour's load shifts every rate,
		// not their ratios.
		const rounds = 6
		var raw10, wf10, local10, wf1 sample
		var workloads []workload
		for _, w := range []workload{{"raw", &raw10, raw}, {"w10", &wf10, workflow}, {"local", &local10, local}, {"w1", &wf1, oneStep}} {
			if want(w.name) {
				workloads = append(workloads, w)
			}
		}
		for range rounds {
			for _, w := range workloads {
				if err := w.s.measure(ctx, c, d/rounds, w.op); err != nil {
					return nil, err
				}
			}
		}
		rawRate, wfRate, localRate, w1Rate := raw10.rate(), wf10.rate(), local10.rate(), wf1.rate()
		rawAt[c], w1At[c] = rawRate, w1Rate
		limit := rawRate / 12
		if raw10.n > 0 {
			out = append(out, Figure{Name: "raw-insert", Concurrency: c, Value: rawRate, Unit: "tx/s"})
		}
		if wf10.n > 0 {
			out = append(out,
				Figure{Name: "workflow-10-steps", Concurrency: c, Value: wfRate, Unit: "workflows/s", Limit: limit, Ratio: ratio(wfRate, limit)},
				Figure{Name: "workflow-10-steps-steps", Concurrency: c, Value: wfRate * 10, Unit: "steps/s", Limit: limit * 10, Ratio: ratio(wfRate, limit)},
				Figure{Name: "workflow-10-steps-p50", Concurrency: c, Value: wf10.quantile(0.5), Unit: "ms"},
				Figure{Name: "workflow-10-steps-p99", Concurrency: c, Value: wf10.quantile(0.99), Unit: "ms"},
			)
		}
		if local10.n > 0 {
			out = append(out, Figure{Name: "workflow-10-local-steps", Concurrency: c, Value: localRate, Unit: "workflows/s", Limit: wfRate, Ratio: ratio(localRate, wfRate)})
		}
		if wf1.n > 0 {
			out = append(out,
				// One-step workflows against raw inserts at the same concurrency.
				Figure{Name: "workflow-1-step", Concurrency: c, Value: w1Rate, Unit: "workflows/s", Limit: rawRate, Ratio: ratio(w1Rate, rawRate)},
				Figure{Name: "workflow-1-step-p50", Concurrency: c, Value: wf1.quantile(0.5), Unit: "ms"},
			)
		}
	}
	// The plain-jobs anchor: one-step workflows at each concurrency against
	// the raw insert rate of eight clients.
	if raw8, ok := rawAt[8]; ok && raw8 > 0 && want("w1") {
		for _, c := range levels {
			out = append(out, Figure{Name: "workflow-1-step-vs-raw-c8", Concurrency: c, Value: w1At[c], Unit: "workflows/s", Limit: raw8, Ratio: w1At[c] / raw8})
		}
	}
	if len(o.History) > 0 {
		figs, err := resumeFigures(ctx, rt, st, o.History)
		if err != nil {
			return nil, fmt.Errorf("resume: %w", err)
		}
		out = append(out, figs...)
	}
	if o.SweepTimers > 0 {
		fig, err := sweepFigure(ctx, rt, st, o.SweepTimers, o.SweepConcurrency, raw)
		if err != nil {
			return nil, fmt.Errorf("sweep: %w", err)
		}
		out = append(out, fig)
	}
	if len(o.Scale) > 0 {
		figs, err := scaleFigures(ctx, o, schema, pool, rt, st, raw)
		if err != nil {
			return nil, fmt.Errorf("scale: %w", err)
		}
		out = append(out, figs...)
	}
	return out, nil
}

// workload is one throughput workload of Run.
type workload struct {
	name string
	s    *sample
	op   func(context.Context, string) error
}

// ratio is a/b, or 0 when b is not measured.
func ratio(a, b float64) float64 {
	if b == 0 || math.IsNaN(b) {
		return 0
	}
	return a / b
}

// oneStep is the plain-jobs workload: a workflow of one step.
func oneStep() *wf.Definition {
	return wf.New("one-step", func(ctx *wf.Context, _ struct{}) (int, error) {
		return wf.Step(ctx, "step", func(wf.StepContext) (int, error) { return 1, nil })
	})
}

// tenSteps is a workflow of ten steps with the given options.
func tenSteps(id string, opts ...wf.StepOption) *wf.Definition {
	ids := make([]wf.StepID, 10)
	for i := range ids {
		ids[i] = wf.StepID(fmt.Sprintf("step-%d", i))
	}
	return wf.New(id, func(ctx *wf.Context, _ struct{}) (int, error) {
		sum := 0
		for _, id := range ids {
			v, err := wf.Step(ctx, id, func(wf.StepContext) (int, error) { return 1, nil }, opts...)
			if err != nil {
				return 0, err
			}
			sum += v
		}
		return sum, nil
	})
}

// sample accumulates the calls of one workload over several slices.
type sample struct {
	n       float64
	elapsed time.Duration
	lat     []time.Duration
}

func (s *sample) rate() float64 {
	if s.elapsed == 0 {
		return 0
	}
	return s.n / s.elapsed.Seconds()
}

// quantile returns the q-quantile of the calls' latencies, in milliseconds.
func (s *sample) quantile(q float64) float64 {
	if len(s.lat) == 0 {
		return 0
	}
	slices.Sort(s.lat)
	return float64(s.lat[int(q*float64(len(s.lat)-1))]) / float64(time.Millisecond)
}

// measure runs op from c goroutines for d and adds how many completed, how
// long that took and each call's latency to s.
func (s *sample) measure(ctx context.Context, c int, d time.Duration, op func(ctx context.Context, id string) error) error {
	var (
		n        atomic.Int64
		firstErr error
		once     sync.Once
		wg       sync.WaitGroup
		mu       sync.Mutex
	)
	prefix := make([]byte, 6)
	_, _ = rand.Read(prefix)
	start := time.Now()
	stop := start.Add(d)
	for g := range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var lat []time.Duration
			for i := 0; time.Now().Before(stop); i++ {
				id := fmt.Sprintf("%x-%d-%d", prefix, g, i)
				t0 := time.Now()
				if err := op(ctx, id); err != nil {
					once.Do(func() { firstErr = err })
					break
				}
				lat = append(lat, time.Since(t0))
				n.Add(1)
			}
			mu.Lock()
			s.lat = append(s.lat, lat...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	s.n += float64(n.Load())
	s.elapsed += time.Since(start)
	return firstErr
}
