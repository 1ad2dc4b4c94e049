package hostgen

import (
	"fmt"
	"time"

	"github.com/wfgo/wf/gen/internal/directive"
)

// HostsDir is the directory, beside a package with //wf:hosts, that holds
// one directory per host.
const HostsDir = "wfhosts"

// Spec describes one platform of //wf:hosts: what wfgen writes for it
// and how often it can sweep.
type Spec struct {
	// Name is the directive's name of the host, and its directory's.
	Name string
	// Title is the platform's name in messages and comments.
	Title string
	// Files are written into wfhosts/<Name>/. The first is a Go file
	// whose header marks the directory as wfgen's.
	Files []hostFile
	// Retired are the Go files wfgen once wrote here and no longer
	// does: removed when they carry wfgen's header.
	Retired []string
	// Cron is false for the worker, which sweeps on its own interval
	// rather than when a cron wakes it.
	Cron bool
	// MinSweep is the shortest interval the host can sweep at, and
	// MinWhy the reason, for messages ("" when it is a cron's minute).
	MinSweep time.Duration
	MinWhy   string
}

// fileFormat is how a generated file says it is generated.
type fileFormat int

const (
	goSource  fileFormat = iota // Header, then gofmt'ed Go
	goMod                       // Header: go.mod takes // comments
	hashed                      // "# " + Header: TOML and YAML
	noComment                   // JSON and go.sum take no comments
)

// hostFile is one file of a host's directory.
type hostFile struct {
	// Path is slash-separated, relative to the host's directory.
	Path string
	// Template names the template of package templates it is rendered
	// from; "" for the files computed in Go (go.mod, go.sum).
	Template string
	Format   fileFormat
}

// specs are the hosts of //wf:hosts, in the directive's order.
var specs = []*Spec{
	{Name: "vercel", Title: "Vercel", Cron: true, MinSweep: time.Minute, Files: []hostFile{
		{"api/wf-sweep.go", "vercel_sweep.go.tmpl", goSource},
		{"api/wf-ingress.go", "vercel_ingress.go.tmpl", goSource},
		{"vercel.json", "vercel.json.tmpl", noComment},
	}},
	{Name: "netlify", Title: "Netlify", Cron: true, MinSweep: time.Minute, Files: []hostFile{
		{"main.go", "lambda.go.tmpl", goSource},
		{"netlify.toml", "netlify.toml.tmpl", hashed},
	}},
	{Name: "railway", Title: "Railway", Cron: true, MinSweep: directive.RailwayMinSweep,
		MinWhy: "Railway Cron runs a job at most every 5m", Files: []hostFile{
			{"main.go", "command.go.tmpl", goSource},
			{"railway.toml", "railway.toml.tmpl", hashed},
		}},
	{Name: "cloudflare", Title: "Cloudflare Workers", Cron: true, MinSweep: time.Minute, Files: []hostFile{
		{"main.go", "cloudflare.go.tmpl", goSource},
		{"wrangler.toml", "wrangler.toml.tmpl", hashed},
		{"go.mod", "", goMod},
		{"go.sum", "", noComment},
	}, Retired: []string{"main_other.go"}},
	{Name: "lambda", Title: "AWS Lambda", Cron: true, MinSweep: time.Minute, Files: []hostFile{
		{"main.go", "lambda.go.tmpl", goSource},
		{"template.yaml", "sam.yaml.tmpl", hashed},
	}},
	{Name: "worker", Title: "the worker", Cron: false, MinSweep: time.Second, Files: []hostFile{
		{"main.go", "worker.go.tmpl", goSource},
		{"deployment.yaml", "deployment.yaml.tmpl", hashed},
	}},
	{Name: "cron", Title: "Kubernetes CronJob", Cron: true, MinSweep: time.Minute, Files: []hostFile{
		{"main.go", "command.go.tmpl", goSource},
		{"cronjob.yaml", "cronjob.yaml.tmpl", hashed},
	}},
}

// SpecOf returns the spec of the host called name.
func SpecOf(name string) *Spec {
	for _, h := range specs {
		if h.Name == name {
			return h
		}
	}
	panic("gen: unknown host " + name) // the directive accepts only these
}

// Default sweep intervals, when //wf:hosts sets no sweep=.
const (
	defaultCronSweep   = 5 * time.Minute
	defaultWorkerSweep = 5 * time.Second
)

// SweepOf returns how often host h sweeps given sweep= (0 when unset).
func SweepOf(h *Spec, sweep time.Duration) time.Duration {
	switch {
	case sweep > 0:
		return sweep
	case h.Cron:
		return defaultCronSweep
	}
	return defaultWorkerSweep
}

// cronExpr returns the five-field cron expression that fires every d, as
// Vercel, Netlify, Railway, Cloudflare and Kubernetes read it (UTC).
func cronExpr(d time.Duration) string {
	minute, hour, ok := directive.SweepCron(d)
	if !ok {
		panic(fmt.Sprintf("gen: no cron fires every %s", d)) // the directive checked sweep=
	}
	return minute + " " + hour + " * * *"
}

// eventBridgeExpr returns d as an EventBridge Scheduler cron expression:
// six fields, "?" for the day of the week, and a/b rather than */b. A
// cron rather than rate() keeps the sweeps on the minute grid that the
// other hosts use, where every-N-minutes schedules fire.
func eventBridgeExpr(d time.Duration) string {
	minute, hour, _ := directive.SweepCron(d)
	step := func(field string) string {
		if len(field) > 2 && field[:2] == "*/" {
			return "0/" + field[2:]
		}
		return field
	}
	return "cron(" + step(minute) + " " + step(hour) + " * * ? *)"
}
