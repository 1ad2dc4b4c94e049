package directive

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// This file is the single definition of wfgen's directives: each type is
// one directive, each field one argument. The doc comments are printed by
// "wfgen help" (the file is embedded and read with go/doc), so they are
// written for users. The argument kinds follow from the field types: ID is
// a kebab-case ID, Ident a Go identifier resolved in the package scope,
// string with an enum tag a closed set, other strings free text (quote it
// when it has spaces; a usage tag shows its form), and int, bool and
// time.Duration what they say. A bool tagged ",flag" is set by its bare
// name, with no value.

// Workflow marks a struct type as a workflow. The type must have a method
//
//	Run(ctx *wf.Context, in I) (O, error)
//
// whose input type I and output type O are JSON-encodable; its fields are
// the dependencies the caller injects (Workflows in the generated code).
// wfgen generates New<Type>Definition, Start<Type>, StartChild<Type>, the
// step-ID constants and the input and output validators.
type Workflow struct {
	// ID is the workflow's stable wire name, e.g. fulfillment. Runs store
	// it: never change it once runs exist.
	ID ID `wf:",positional"`
	// Version names this definition, e.g. v2. Defaults to v1.
	Version ID `wf:"version"`
	// Previous lists the types that define the earlier versions of this
	// workflow (same ID) still needed by runs started on them. New runs
	// start on this version; resumed runs stay on theirs.
	Previous []Ident `wf:"previous"`
	RetryArgs
}

// RetryArgs is a retry policy.
type RetryArgs struct {
	// Retry is the maximum number of attempts, the first one included
	// (wf.RetryPolicy.MaxAttempts). On //wf:workflow it is the default of
	// the steps that set none. Defaults to 1: no retry.
	Retry int `wf:"retry"`
	// Backoff is how the wait between attempts grows. Defaults to fixed.
	Backoff string `wf:"backoff" enum:"fixed,exponential"`
	// Base is the first wait between attempts. Defaults to 0.
	Base time.Duration `wf:"base"`
	// Cap bounds the wait between attempts. Defaults to no bound.
	Cap time.Duration `wf:"cap"`
}

// Step declares a step of the workflow type it is written on, with its
// default options. wfgen generates the constant <Type>Step<Name> of type
// wf.StepID; pass it to wf.Step or wf.Do. Options given at the call site
// apply after these.
type Step struct {
	// ID is the step's operation ID, unique in the workflow, e.g.
	// reserve-inventory.
	ID ID `wf:",positional"`
	RetryArgs
	// Timeout bounds each attempt; the attempt's context is canceled when
	// it passes. Defaults to none.
	Timeout time.Duration `wf:"timeout"`
	// Local, written as the bare word local, makes the step local
	// (wf.WithLocal): its result is not written before the next step runs
	// but rides on the run's next write (a durable step's start, a wait,
	// the pause or end of the invocation), at most 32 results or 1s
	// later. A crash before that write runs the local steps since the last
	// write again: use it for short, idempotent steps. Defaults to a
	// durable step.
	Local bool `wf:"local,flag"`
}

// Signal marks a struct type as the payload of a signal. wfgen generates
// Wait<Type>(ctx, opts...) for workflows and Deliver<Type>(ctx, rt, runID,
// signalID, payload) for callers, and validates every delivered payload
// against the type's JSON Schema.
type Signal struct {
	// Name is the signal's wire name, unique in the package, e.g.
	// payment-received.
	Name ID `wf:",positional"`
}

// Approval declares a human decision the workflow type it is written on
// waits for. wfgen generates Request<Type><Name>(ctx, description) for the
// workflow and Decide<Type><Name>(ctx, rt, runID, approved, feedback) for
// callers.
type Approval struct {
	// ID is the approval's ID and operation ID, unique in the workflow,
	// e.g. manager-review.
	ID ID `wf:",positional"`
	// Title is shown to the approver. Defaults to none.
	Title string `wf:"title"`
	// Timeout makes the request fail with a *wf.WaitTimeoutError when no
	// decision arrives within it. Defaults to none.
	Timeout time.Duration `wf:"timeout"`
}

// Schedule starts runs of the workflow type it is written on at fixed
// times: set exactly one of every and cron. Each fire time starts at most
// one run; missed fire times are not made up.
type Schedule struct {
	// ID is the schedule's stable name, unique across the package, e.g.
	// nightly-digest.
	ID ID `wf:",positional"`
	// Every fires at each multiple of the interval (UTC), e.g. 15m.
	Every time.Duration `wf:"every"`
	// Cron fires per a five-field cron expression or a descriptor such as
	// @daily, e.g. cron="0 9 * * MON-FRI".
	Cron string `wf:"cron"`
	// TZ is the IANA time zone of cron, e.g. Europe/Paris. Defaults to
	// UTC.
	TZ string `wf:"tz"`
	// Overlap says what happens when the previous run is still active at
	// the next fire time. Defaults to skip.
	Overlap string `wf:"overlap" enum:"skip,allow,buffer-one,cancel-previous,terminate-previous"`
	// Input names a package-level variable or constant holding the input
	// of every scheduled run. Defaults to the zero value of the input type.
	Input Ident `wf:"input"`
}

// Queue puts the runs of the workflow type it is written on on a queue:
// at most concurrency of them are in progress at once across every
// worker, optionally per partition and rate-limited; the others wait
// queued, holding no process, and sweeps start them in order (higher
// priority first, then oldest first). The generated Registrations
// declare the queue, so Start<Type> and every other start of the
// workflow put runs on it.
type Queue struct {
	// Name is the queue's stable name, e.g. imports. Workflows that name
	// the same queue share it, and must declare it alike.
	Name ID `wf:",positional"`
	// Concurrency caps the queue's runs in progress (admitted and not
	// ended, paused ones included). Defaults to no cap; set it, rate=,
	// or both.
	Concurrency int `wf:"concurrency"`
	// Rate caps how many runs start per period, written <n>/<duration>,
	// e.g. rate=100/1m. Defaults to no rate limit.
	Rate string `wf:"rate" usage:"<n>/<duration>"`
	// Partition names a field of the workflow's input (its Go name, or
	// its JSON name) of string or integer type: concurrency= and rate=
	// then apply to each value of it on its own, e.g. partition=Tenant.
	// Defaults to one partition.
	Partition string `wf:"partition" usage:"<field>"`
	// Priority names an integer field of the workflow's input: runs with
	// a higher value start first. Defaults to 0 for every run.
	Priority string `wf:"priority" usage:"<field>"`
}

// ParseRate reads a rate= value: a positive count and a positive
// duration separated by a slash, e.g. 100/1m.
func ParseRate(s string) (n int, per time.Duration, err error) {
	count, period, ok := strings.Cut(s, "/")
	if !ok {
		return 0, 0, fmt.Errorf("want <n>/<duration>, e.g. 100/1m")
	}
	n, err = strconv.Atoi(count)
	if err != nil || n < 1 {
		return 0, 0, fmt.Errorf("count %q: want a whole number of 1 or more", count)
	}
	per, err = time.ParseDuration(period)
	if err != nil || per <= 0 {
		return 0, 0, fmt.Errorf("period %q: want a positive duration such as 1s, 1m or 1h", period)
	}
	return n, per, nil
}

// Hosts, on the package clause, lists the platforms the package's
// workflows are deployed to. For each, wfgen writes a deployable entry
// point and the host's config file into wfhosts/<host>/ beside the
// package. The entry points get the workflows' dependencies from a
// function the package must declare:
//
//	func HostWorkflows(ctx context.Context, getenv func(string) string) (Workflows, error)
//
// getenv reads the host's environment (os.Getenv; a Worker's variables
// on Cloudflare). Each //wf:schedule is checked against each host's
// sweep: a schedule that fires more often than a host sweeps is an error.
type Hosts struct {
	// Hosts are the platforms, at least one.
	Hosts []string `wf:",positional" enum:"vercel,netlify,railway,cloudflare,lambda,worker,cron"`
	// Sweep is how often each host wakes a sweep: the interval of its
	// cron, or the worker's pause between sweeps. Crons fire on the
	// minute: use 1m to 30m dividing an hour, 1h to 12h dividing a day,
	// or 24h. Railway runs a cron at most every 5m; Vercel's Hobby plan
	// once a day. Defaults to 5m (5s for the worker).
	Sweep time.Duration `wf:"sweep"`
	// Store is the store driver the hosts' binaries link: postgres
	// (DATABASE_URL), sqlite (WF_SQLITE_PATH) or either (both drivers,
	// PostgreSQL when DATABASE_URL is set). A binary links only the
	// drivers it names. Cloudflare always uses D1. Defaults to postgres.
	Store string `wf:"store" enum:"postgres,sqlite,either"`
	// Metrics makes the worker serve the runtime's metrics for
	// Prometheus at /metrics when WF_METRICS=1: its main imports
	// github.com/wfgo/wf/host/metrics, a module of its own (with the
	// OpenTelemetry SDK and the Prometheus client) that the app's go.mod
	// then requires. Without it, the worker refuses WF_METRICS=1. Only
	// the worker takes it.
	Metrics bool `wf:"metrics,flag"`
}
