package main

import (
	"fmt"
	"strings"
)

// A goal is one row of the report's goals table: a figure of the
// benchmark (a ratio, and for some a latency quantile) against the bound
// it should reach.
type goal struct {
	label string
	// name and concurrency select the figure whose ratio is compared.
	name        string
	concurrency int
	minRatio    float64
	// latency, when set, selects a latency figure (ms) that must stay at
	// or under maxMillis.
	latency   string
	maxMillis float64
}

// goals are the targets the benchmark tracks, each a ratio measured
// against a baseline of the same run.
var goals = []goal{
	{label: "W10 PostgreSQL, 1 client, ratio to limit/12", name: "workflow-10-steps", concurrency: 1, minRatio: 1.0, latency: "workflow-10-steps-p50", maxMillis: 2.5},
	{label: "W10 PostgreSQL, 8 clients, ratio to c8 limit/12", name: "workflow-10-steps", concurrency: 8, minRatio: 1.5},
	{label: "W10 of local steps vs W10 of durable steps, PostgreSQL, 1 client", name: "workflow-10-local-steps", concurrency: 1, minRatio: 4},
	{label: "10,000 due timers, PostgreSQL, concurrency 8, ratio to raw c8 / 2", name: "sweep-10000-timers", concurrency: 8, minRatio: 0.5},
	{label: "W10 SQLite synchronous=NORMAL, 1 client, ratio to NORMAL limit/12", name: "sqlite-normal-workflow-10-steps", concurrency: 1, minRatio: 0.8},
	{label: "W10 SQLite synchronous=FULL, 8 clients, ratio and p99", name: "sqlite-full-workflow-10-steps", concurrency: 8, minRatio: 2, latency: "sqlite-full-workflow-10-steps-p99", maxMillis: 10},
	{label: "W1 PostgreSQL at 64 clients vs the raw c8 insert rate", name: "workflow-1-step-vs-raw-c8", concurrency: 64, minRatio: 1.5, latency: "workflow-1-step-p50", maxMillis: 10},
}

// goalsTable renders the goals whose figures figs holds, with what was
// measured and whether it meets the goal; "" when it holds none.
func goalsTable(figs []Figure) string {
	find := func(name string, c int) (Figure, bool) {
		for _, f := range figs {
			if f.Name == name && f.Concurrency == c {
				return f, true
			}
		}
		return Figure{}, false
	}
	var b strings.Builder
	for _, g := range goals {
		f, ok := find(g.name, g.concurrency)
		if !ok {
			continue
		}
		want := fmt.Sprintf("≥ %.1f", g.minRatio)
		got := fmt.Sprintf("%.2f", f.Ratio)
		met := f.Ratio >= g.minRatio
		if g.latency != "" {
			want += fmt.Sprintf(", %s ≤ %g ms", quantile(g.latency), g.maxMillis)
			if l, ok := find(g.latency, g.concurrency); ok {
				got += fmt.Sprintf(", %s %.1f ms", quantile(g.latency), l.Value)
				met = met && l.Value <= g.maxMillis
			} else {
				got += ", " + quantile(g.latency) + " not measured"
				met = false
			}
		}
		verdict := "no"
		if met {
			verdict = "yes"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", g.label, want, got, verdict)
	}
	if b.Len() == 0 {
		return ""
	}
	return "| goal | target | measured | met |\n| --- | --- | --- | --- |\n" + b.String()
}

// quantile is the quantile a latency figure's name ends with (p50, p99).
func quantile(name string) string {
	return name[strings.LastIndex(name, "-")+1:]
}
