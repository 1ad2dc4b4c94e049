// Package runtime drives workflow runs over a store: it registers
// workflows, starts runs, delivers signals and approvals, cancels, sweeps
// due timers, schedules and stale runs, and serves read APIs.
//
// Every entry point claims the run's lease, loads its execution, drives the
// engine (wf.Definition.Execute) to the next pause or end, commits the
// drive's effects in one store batch, and releases the lease. No call keeps
// a process alive while a run waits: a host's cron calls Sweep for bounded
// work.
//
// # Runs never wedge
//
// A drive that fails for a reason other than a lost lease or a conflict
// (the store refuses the commit, the log cannot be read) backs the run off:
// the failure count and the next attempt time are stored with the run
// (store.Run.DriveFailures, DriveRetryAt), the wait doubles from
// Config.DriveRetryBase up to DriveRetryMax, and recovery takes runs that
// never failed first, so failing runs never take the slots of healthy ones
// nor make a sweep ask for another at once. A sweep claims each stale run
// again right before driving it, and a drive renews a lease its heartbeat
// let run low before each step, so a process that stalled past its lease
// does not run a step its successor is running. What a sweep claimed and
// did not reach before its budget ran out is released before it returns.
//
// # Runs never loop on a write that cannot succeed
//
// The runtime reads the store's payload limit (store.PayloadLimiter) and
// checks sizes before writing: the engine fails a step whose result is too
// large to store (code payload_too_large, no retry) and ends a run whose
// output is; DeliverSignal and DeliverApproval refuse a delivery whose
// stored form (the delivery row, or the event that will resolve the wait
// with it) is over the limit with a *wf.PayloadTooLargeError, errors.Is
// store.ErrTooLarge, before anything is written. When the store refuses a
// drive's writes anyway (store.ErrTooLarge from Append or Commit: a store
// that declares no limit, or a limit lowered since), the run ends errored
// with code payload_too_large rather than being left running for a sweep
// to re-drive, which would repeat its step side effects forever. A run
// whose stored log or deliveries do not decode (store.ErrCorrupt) is ended
// by recovery with code corrupt; its rows are kept for inspection.
//
// # Deploys never strand runs
//
// A run whose workflow version this build does not register is parked,
// not errored (KindParked, store.Run.Parked): it keeps its log and stored
// deliveries, takes no recovery slot, and resumes on the first sweep of a
// build that registers the version. An ended run can be retried (Retry)
// or forked from a step (Fork), and any run exported with its log
// (Export) for replay tests (package wftest).
//
// # Deliveries are never dropped
//
// DeliverSignal and DeliverApproval store a delivery in one store round
// trip, which also decides its fate. For a wait the run awaits now, the
// call drives the run. For a wait it has not reached, the delivery is kept
// (KindAccepted, Run.Buffered): a WaitForEvent takes the oldest kept signal
// of its name that targets no other step, in the drive that reaches it; a
// signal sent with a StepID, and an approval decision, wait for that very
// step. For a run another invocation drives, the delivery is kept too
// (KindAccepted): that driver, when it is in this process, drives the run
// again once it commits; otherwise the commit leaves the run ready and the
// next sweep drives it (PostgreSQL's WithNotify wakes a worker at once).
// Repeats of a signal ID are KindDuplicate, a second signal for a wait that
// another resolved is KindLost, and a run that has ended answers
// KindNotWaiting. Config.StrictSignals (or SignalRequest.Strict) refuses
// early signals instead, with KindNotWaiting; Config.MaxBufferedSignals and
// MaxBufferedBytes bound what a run keeps (ErrBufferFull).
//
// # Queues bound runs in progress, across workers
//
// A run started on a Queue (Config.Queues, Workflow.Queue from wfgen's
// //wf:queue, StartRequest.Queue; a child, a schedule's tick, a retry or
// a fork of a queued workflow's run too) is
// stored queued and holds no process until the store admits it
// (store.Store.AdmitQueued): at most Queue.Concurrency of the queue's
// runs are admitted and not ended at once, paused ones included, and at
// most Queue.Rate admitted per Queue.Per, per partition key when the
// queue is partitioned, highest priority then oldest first. The store
// serialises admissions, so the caps hold across every process sharing
// it. StartRun admits at once when there is room (KindQueued otherwise),
// each Sweep admits and drives what the queues have room for
// (Summary.Admitted), and a run that ends admits the next. Cancel ends a
// waiting run without admitting it.
package runtime

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/internal/uuid"
	"github.com/wfgo/wf/store"
)

// Config configures a Runtime.
type Config struct {
	// Store owns durability. Required.
	Store store.Store
	// Workflows are the registered workflows (wfgen's Registrations).
	Workflows []Workflow
	// Signals adds payload validators by signal name for every workflow,
	// for signals declared in another package than the workflow waiting
	// for them. Defaults to none.
	Signals map[string]wf.Validator
	// LeaseDuration is how long a claim holds a run, timer or bucket; the
	// lease is renewed every third of it while a run is driven. Defaults
	// to 30s.
	LeaseDuration time.Duration
	// Owner prefixes lease owner tokens, for telling hosts apart in the
	// store. Defaults to "<hostname>-<pid>".
	Owner string
	// Logger receives operational logs. Defaults to discarding them.
	Logger *slog.Logger
	// Publish receives live and durable events as runs progress. It is
	// best-effort: it must not block, and its panics are recovered. Defaults
	// to none.
	Publish func(runID string, ev wf.Event)
	// Clock reads the time. Defaults to time.Now.
	Clock func() time.Time
	// NewUUID makes run IDs when StartRun gets none and values for wf.UUID.
	// Defaults to random version 4 UUIDs.
	NewUUID func() string
	// MinYieldRemaining: a run with a deadline yields before fresh durable
	// work when less than this remains. A budget shorter than four times
	// this uses a quarter of the budget instead, so that a short budget
	// still runs steps. Defaults to 2s.
	MinYieldRemaining time.Duration
	// DriveRetryBase is how long recovery waits before driving again a run
	// whose drive failed (other than by a lost lease or a conflict); the
	// wait doubles with each consecutive failure, up to DriveRetryMax.
	// Defaults to 1s.
	DriveRetryBase time.Duration
	// DriveRetryMax caps the wait after failed drives. Defaults to 5m.
	DriveRetryMax time.Duration
	// CronLookBack bounds how far back materialisation looks for a
	// schedule's most recent due fire time. Defaults to 32 days.
	CronLookBack time.Duration
	// TracerProvider makes the OpenTelemetry spans of sweeps, runs, step
	// attempts and store operations. Defaults to otel's global provider (a
	// no-op until the app installs one). A drive whose run span does not
	// record (a no-op provider, or a trace not sampled) starts no spans for
	// its steps and store operations: under parent-based sampling, every
	// provider's default, they would not record either.
	TracerProvider trace.TracerProvider
	// MeterProvider makes the OpenTelemetry metrics: runs started and
	// ended, step attempts and durations, sweep durations and items, timer
	// lag, recovered, parked and backing-off runs, buffered signals.
	// Defaults to otel's global provider (a no-op until the app installs
	// one).
	MeterProvider metric.MeterProvider
	// DisableTelemetry turns spans and metrics off whatever the providers.
	DisableTelemetry bool
	// StrictSignals refuses a signal or approval decision for a wait the
	// run does not await now (KindNotWaiting), for every delivery, instead
	// of keeping it for the wait (SignalRequest.Strict, per signal).
	// Defaults to false: early deliveries are kept.
	StrictSignals bool
	// MaxBufferedSignals caps how many signals and approval decisions a
	// run keeps for waits it has not reached; one more is refused with
	// ErrBufferFull and not stored. Defaults to 100
	// (DefaultMaxBufferedSignals).
	MaxBufferedSignals int
	// MaxBufferedBytes caps the stored size (encoded JSON) of those kept
	// deliveries, per run; over it is ErrBufferFull. Defaults to 1 MiB
	// (DefaultMaxBufferedBytes).
	MaxBufferedBytes int
	// Queues declares the queues runs may be started on (StartRequest.Queue)
	// beside those the workflows declare (Workflow.Queue); each sweep
	// admits their waiting runs. Defaults to none.
	Queues []Queue
}

// Workflow registers one workflow: its latest definition (with previous
// versions reachable through wf.Previous), its schedules and the validators
// of the signals it accepts.
type Workflow struct {
	Definition *wf.Definition
	Schedules  []Schedule
	// Signals maps each signal name the workflow waits for to the
	// validator of its payload (nil: any JSON). When Signals is non-nil,
	// a delivery of another name is refused.
	Signals map[string]wf.Validator
	// Approvals lists the approval IDs the workflow, in any of its
	// versions, may request (wfgen's //wf:approval directives). When
	// Approvals is non-nil, a decision on another ID is refused with
	// ErrUnknownApproval; when nil, any ID is taken, since an approval
	// decided before the run requests it is not told apart from a
	// misspelled one.
	Approvals []string
	// Err, when set, is why the registration cannot run, found when it
	// was built: wfgen's Registrations sets it when a Workflows field
	// that has dependencies is nil, rather than run the zero value and
	// panic inside a step. New refuses the configuration with it;
	// replay-only checks (wfgen check --against), which run no step,
	// ignore it.
	Err error
	// Queue, when set, puts the workflow's runs on this queue (wfgen's
	// //wf:queue directive) unless StartRequest.Queue names another; the
	// queue is declared with it. Defaults to none: runs start at once.
	Queue *Queue
	// QueueKeys reads the partition key and priority of a run on the
	// workflow's Queue from its input (wfgen's partition= and priority=,
	// see QueueKeysOf); StartRequest.Partition and Priority take
	// precedence. Defaults to none: "" and 0.
	QueueKeys func(input json.RawMessage) (partition string, priority int, err error)
}

// Runtime drives runs. It is safe for concurrent use.
type Runtime struct {
	store         store.Store
	metrics       *metrics
	workflows     map[string]*Workflow
	signals       map[string]wf.Validator
	schedules     []registeredSchedule
	leaseDuration time.Duration
	owner         string
	claims        atomic.Int64
	logger        *slog.Logger
	publish       func(string, wf.Event)
	clock         func() time.Time
	newUUID       func() string
	minYield      time.Duration
	lookBack      time.Duration
	tracer        trace.Tracer

	// driveRetryBase and driveRetryMax bound the backoff of failing runs.
	driveRetryBase, driveRetryMax time.Duration
	// maxPayload is the store's size limit (store.PayloadLimiter); 0 when
	// it tells none.
	maxPayload int

	strictSignals    bool
	maxBuffered      int
	maxBufferedBytes int
	holders          holders
	// queues are the declared queues by name.
	queues map[string]Queue
}

// Errors returned by Runtime methods; test with errors.Is or errors.As.
var (
	// ErrUnknownWorkflow: no registered workflow has that ID.
	ErrUnknownWorkflow = errors.New("runtime: unknown workflow")
	// ErrUnknownSignal: the workflow declares its signals and this is not one.
	ErrUnknownSignal = errors.New("runtime: unknown signal")
	// ErrRunExists: the run ID is taken by a run of another workflow.
	ErrRunExists = errors.New("runtime: run ID belongs to another workflow")
	// ErrUnknownApproval: the workflow declares its approvals and this is
	// not one.
	ErrUnknownApproval = errors.New("runtime: unknown approval")
	// ErrBufferFull: the run already keeps as many early deliveries as
	// Config.MaxBufferedSignals and Config.MaxBufferedBytes allow; this one
	// was not stored. Deliver it again once the run has consumed some.
	ErrBufferFull = errors.New("runtime: the run keeps too many deliveries for waits it has not reached")
)

// New checks the configuration and returns a Runtime. A nil store, a
// broken definition, a workflow registered twice or a bad schedule is an
// error.
func New(cfg Config) (*Runtime, error) {
	if cfg.Store == nil {
		return nil, errors.New("runtime: Config.Store is nil")
	}
	tracer := newTracer(cfg)
	rt := &Runtime{
		store:         tracedStore{s: cfg.Store, tracer: tracer},
		tracer:        tracer,
		metrics:       newMetrics(newMeter(cfg)),
		workflows:     map[string]*Workflow{},
		signals:       cfg.Signals,
		leaseDuration: cfg.LeaseDuration,
		owner:         cfg.Owner,
		logger:        cfg.Logger,
		publish:       cfg.Publish,
		clock:         cfg.Clock,
		newUUID:       cfg.NewUUID,
		minYield:      cfg.MinYieldRemaining,
		lookBack:      cfg.CronLookBack,
		maxPayload:    payloadLimit(cfg.Store),

		driveRetryBase: cmp.Or(cfg.DriveRetryBase, defaultDriveRetryBase),
		driveRetryMax:  cmp.Or(cfg.DriveRetryMax, defaultDriveRetryMax),

		strictSignals:    cfg.StrictSignals,
		maxBuffered:      cfg.MaxBufferedSignals,
		maxBufferedBytes: cfg.MaxBufferedBytes,
	}
	if cfg.DriveRetryBase == 0 && rt.driveRetryMax > 0 && rt.driveRetryMax < rt.driveRetryBase {
		// A cap below the default base is the caller's whole intent.
		rt.driveRetryBase = rt.driveRetryMax
	}
	if rt.driveRetryBase < 0 || rt.driveRetryMax < rt.driveRetryBase {
		return nil, fmt.Errorf("runtime: Config.DriveRetryBase %s%s and DriveRetryMax %s%s: want 0 < base <= max",
			rt.driveRetryBase, defaulted(cfg.DriveRetryBase == 0), rt.driveRetryMax, defaulted(cfg.DriveRetryMax == 0))
	}
	if rt.maxBuffered <= 0 {
		rt.maxBuffered = DefaultMaxBufferedSignals
	}
	if rt.maxBufferedBytes <= 0 {
		rt.maxBufferedBytes = DefaultMaxBufferedBytes
	}
	if rt.leaseDuration <= 0 {
		rt.leaseDuration = 30 * time.Second
	}
	if rt.owner == "" {
		host, _ := os.Hostname()
		rt.owner = fmt.Sprintf("%s-%d", host, os.Getpid())
	}
	if rt.logger == nil {
		rt.logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if rt.clock == nil {
		rt.clock = time.Now
	}
	if rt.newUUID == nil {
		rt.newUUID = uuid.New
	}
	if rt.minYield <= 0 {
		rt.minYield = 2 * time.Second
	}
	if rt.lookBack <= 0 {
		rt.lookBack = 32 * 24 * time.Hour
	}
	queues, err := declareQueues(cfg)
	if err != nil {
		return nil, err
	}
	rt.queues = queues
	scheduleIDs := map[string]bool{}
	for i := range cfg.Workflows {
		w := cfg.Workflows[i]
		if w.Definition == nil {
			return nil, fmt.Errorf("runtime: Workflows[%d]: nil definition", i)
		}
		if err := w.Definition.Err(); err != nil {
			return nil, fmt.Errorf("runtime: %w", err)
		}
		if w.Err != nil {
			return nil, fmt.Errorf("runtime: workflow %q: %w", w.Definition.ID(), w.Err)
		}
		id := w.Definition.ID()
		if _, dup := rt.workflows[id]; dup {
			return nil, fmt.Errorf("runtime: workflow %q registered twice", id)
		}
		rt.workflows[id] = &w
		for _, s := range w.Schedules {
			if scheduleIDs[s.ID] {
				return nil, fmt.Errorf("runtime: schedule %q registered twice", s.ID)
			}
			scheduleIDs[s.ID] = true
			if err := checkScheduleID(s.ID); err != nil {
				return nil, err
			}
			rs, err := newRegisteredSchedule(id, s)
			if err != nil {
				return nil, err
			}
			rt.schedules = append(rt.schedules, rs)
		}
	}
	sort.Slice(rt.schedules, func(i, j int) bool { return rt.schedules[i].ID < rt.schedules[j].ID })
	return rt, nil
}

// Store returns the runtime's store.
func (rt *Runtime) Store() store.Store { return rt.store.(tracedStore).s }

// WorkflowIDs returns the registered workflow IDs, sorted.
func (rt *Runtime) WorkflowIDs() []string {
	return slices.Sorted(maps.Keys(rt.workflows))
}

// Workflow returns the registration of a workflow ID.
func (rt *Runtime) Workflow(id string) (*Workflow, bool) {
	w, ok := rt.workflows[id]
	return w, ok
}

// newOwner returns a lease owner token unique to one claim, so that two
// goroutines of one process never share a lease.
func (rt *Runtime) newOwner() string {
	return fmt.Sprintf("%s/%d", rt.owner, rt.claims.Add(1))
}

func (rt *Runtime) lease(owner string) store.Lease {
	now := rt.clock()
	return store.Lease{Owner: owner, Now: now, Until: now.Add(rt.leaseDuration)}
}

func (rt *Runtime) definition(workflowID string) (*wf.Definition, error) {
	w, ok := rt.workflows[workflowID]
	if !ok {
		return nil, fmt.Errorf("%w %s (%s)", ErrUnknownWorkflow, QuoteID(workflowID), rt.registered())
	}
	return w.Definition, nil
}

// registered lists the registered workflow IDs for an error message, so
// that a misspelt ID shows what it should have been.
func (rt *Runtime) registered() string {
	if len(rt.workflows) == 0 {
		return "none registered"
	}
	return "registered: " + strings.Join(rt.WorkflowIDs(), ", ")
}

func rawOrNull(v json.RawMessage) json.RawMessage {
	if len(v) == 0 {
		return json.RawMessage("null")
	}
	return v
}

// defaulted marks a value in a configuration error that the caller left
// unset.
func defaulted(unset bool) string {
	if unset {
		return " (default)"
	}
	return ""
}
