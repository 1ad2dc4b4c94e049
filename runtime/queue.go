package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
)

// Queue declares a queue: at most Concurrency of its runs are in progress
// at once, across every process that shares the store, and at most Rate of
// them are admitted within any window of Per. A run started on a queue is
// stored queued and holds no process until a sweep, or the StartRun that
// created it when a slot is free, admits it; it is in progress from then
// until it ends, paused or not. Admission takes the highest Priority
// first, then the oldest run.
type Queue struct {
	// Name identifies the queue in the store, in StartRequest.Queue and in
	// wfgen's //wf:queue directive; it follows the ID rules (see CheckID).
	Name string
	// Concurrency caps the queue's runs in progress; 0 for no cap (then
	// Rate must be set).
	Concurrency int
	// Rate caps admissions per Per; 0 for no rate limit.
	Rate int
	// Per is the window of Rate. Required when Rate is set.
	Per time.Duration
	// Partitioned applies Concurrency and Rate to each partition key
	// (StartRequest.Partition, or the input field wfgen's partition= names)
	// on its own rather than to the whole queue.
	Partitioned bool
}

// Check reports a queue declaration that cannot work.
func (q Queue) Check() error {
	if err := CheckID(FieldQueue, q.Name); err != nil {
		return err
	}
	switch {
	case q.Concurrency < 0 || q.Rate < 0:
		return fmt.Errorf("runtime: queue %q: negative concurrency %d or rate %d", q.Name, q.Concurrency, q.Rate)
	case q.Concurrency == 0 && q.Rate == 0:
		return fmt.Errorf("runtime: queue %q: set Concurrency, Rate or both", q.Name)
	case q.Rate > 0 && q.Per <= 0:
		return fmt.Errorf("runtime: queue %q: Rate %d needs a positive Per", q.Name, q.Rate)
	}
	return nil
}

// KindQueued: the run waits on its queue; a sweep admits and drives it
// when the queue has room.
const KindQueued ResultKind = "queued"

// ErrUnknownQueue: a start names a queue the runtime does not declare
// (Config.Queues, Workflow.Queue).
var ErrUnknownQueue = errors.New("runtime: unknown queue")

// ErrNoQueue: a start sets a partition or a priority, but names no queue
// and its workflow declares none.
var ErrNoQueue = errors.New("runtime: a partition or priority without a queue")

// FieldQueue names queue names, and FieldPartition partition keys, in
// InvalidIDError.
const (
	FieldQueue     = "queue"
	FieldPartition = "partition"
)

// startAdmitLimit bounds the admissions of one StartRun: enough to fill
// the room the queue has, without making a start admit a whole backlog.
const startAdmitLimit = 10

// declareQueues collects the queues of cfg and of its workflows; one name
// declared twice must be declared the same way.
func declareQueues(cfg Config) (map[string]Queue, error) {
	queues := map[string]Queue{}
	add := func(q Queue, where string) error {
		if err := q.Check(); err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
		if prev, ok := queues[q.Name]; ok && prev != q {
			return fmt.Errorf("runtime: %s: queue %q declared twice, differently (%+v and %+v)", where, q.Name, prev, q)
		}
		queues[q.Name] = q
		return nil
	}
	for _, q := range cfg.Queues {
		if err := add(q, "Config.Queues"); err != nil {
			return nil, err
		}
	}
	for _, w := range cfg.Workflows {
		if w.Queue != nil && w.Definition != nil {
			if err := add(*w.Queue, fmt.Sprintf("workflow %q", w.Definition.ID())); err != nil {
				return nil, err
			}
		}
	}
	return queues, nil
}

// Queues returns the declared queues, sorted by name.
func (rt *Runtime) Queues() []Queue {
	out := make([]Queue, 0, len(rt.queues))
	for _, q := range rt.queues {
		out = append(out, q)
	}
	slices.SortFunc(out, func(a, b Queue) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// placement is where a start puts its run: its queue ("" for none),
// partition key and priority.
type placement struct {
	queue     string
	partition string
	priority  int
}

// place decides a start's queue: the request's, or the workflow's own; the
// partition key and priority come from the request when set, else from
// the workflow's QueueKeys when the run goes on the workflow's queue.
func (rt *Runtime) place(req StartRequest) (placement, error) {
	w := rt.workflows[req.WorkflowID]
	p := placement{queue: req.Queue, partition: req.Partition, priority: req.Priority}
	if p.queue == "" && w.Queue != nil {
		p.queue = w.Queue.Name
	}
	if p.queue == "" {
		if p.partition != "" || p.priority != 0 {
			return placement{}, fmt.Errorf("%w: start %s (its workflow declares no queue)", ErrNoQueue, req.WorkflowID)
		}
		return p, nil
	}
	if _, ok := rt.queues[p.queue]; !ok {
		return placement{}, fmt.Errorf("%w %q (declare it in Config.Queues)", ErrUnknownQueue, p.queue)
	}
	if w.Queue != nil && w.Queue.Name == p.queue && w.QueueKeys != nil && (p.partition == "" || p.priority == 0) {
		partition, priority, err := w.QueueKeys(rawOrNull(req.Input))
		if err != nil {
			return placement{}, fmt.Errorf("runtime: start %s on queue %q: %w", req.WorkflowID, p.queue, err)
		}
		if p.partition == "" {
			p.partition = partition
		}
		if p.priority == 0 {
			p.priority = priority
		}
	}
	if len(p.partition) > MaxIDBytes || !utf8.ValidString(p.partition) {
		return placement{}, &InvalidIDError{Field: FieldPartition, ID: p.partition,
			Reason: fmt.Sprintf("want valid UTF-8 of at most %d bytes", MaxIDBytes)}
	}
	return p, nil
}

// startQueued creates a run on its queue, then admits what the queue has
// room for and drives the run at once when it was admitted.
func (rt *Runtime) startQueued(ctx context.Context, req StartRequest, def *wf.Definition, p placement) (Result, error) {
	run, created, err := rt.store.CreateRun(ctx, store.NewRun{
		ID:           req.RunID,
		WorkflowID:   req.WorkflowID,
		Version:      def.Version(),
		Status:       wf.StatusQueued,
		Input:        rawOrNull(req.Input),
		Queue:        p.queue,
		PartitionKey: p.partition,
		Priority:     p.priority,
		Lease:        store.Lease{Now: rt.clock()},

		TraceParent: traceParentOf(ctx),
	})
	if err != nil {
		return Result{}, fmt.Errorf("runtime: start %s: %w", req.RunID, err)
	}
	if !created {
		return startedBefore(req, run)
	}
	rt.metrics.runStarted(ctx, run.WorkflowID)
	return rt.driveCreated(ctx, run, "", driveOptions{
		deadline: deadlineOr(ctx, req.Deadline), includeEvents: req.IncludeEvents, maxEvents: req.MaxEvents,
	})
}

// driveCreated drives a run StartRun or a schedule's tick has just
// created: at once when it is leased to owner, or, when it waits on its
// queue, once an admission that makes room for it admits it; otherwise it
// is KindQueued and a sweep admits and drives it later.
func (rt *Runtime) driveCreated(ctx context.Context, run store.Run, owner string, opts driveOptions) (Result, error) {
	if !run.Waiting() {
		return rt.drive(ctx, store.Execution{Run: run}, owner, opts)
	}
	if opts.held != nil {
		// Unleased: the claim below holds it anew (see holders).
		opts.held.drop()
		opts.held = nil
	}
	if !rt.admitted(ctx, &run) {
		return Result{Kind: KindQueued, Run: run}, nil
	}
	res, err := rt.claimAndDrive(ctx, run.ID, opts)
	if err == nil && res.Kind == KindNotClaimable {
		// A sweep took the admitted run first; it drives it.
		res.Kind = KindRunning
	}
	return res, err
}

// admit admits up to limit waiting runs of a declared queue; the admitted
// runs are ready (status running, no lease).
func (rt *Runtime) admit(ctx context.Context, queue string, limit int) ([]string, error) {
	q, ok := rt.queues[queue]
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownQueue, queue)
	}
	return rt.store.AdmitQueued(ctx, store.Admit{
		Queue: q.Name, Concurrency: q.Concurrency, PerPartition: q.Partitioned,
		Rate: q.Rate, Per: q.Per, Now: rt.clock(), Limit: limit,
	})
}

// admitted admits what run's queue has room for and reports whether run
// is among the admitted, updating it as the store now holds it. A run
// that waits on a queue this runtime does not declare stays waiting.
func (rt *Runtime) admitted(ctx context.Context, run *store.Run) bool {
	if _, ok := rt.queues[run.Queue]; !ok {
		return false
	}
	ids, err := rt.admit(ctx, run.Queue, startAdmitLimit)
	if err != nil {
		rt.logger.Warn("runtime: admit a waiting run", "queue", run.Queue, "run", run.ID, "err", err)
		return false
	}
	if !slices.Contains(ids, run.ID) {
		return false
	}
	now := rt.clock()
	run.Status, run.AdmittedAt, run.UpdatedAt = wf.StatusRunning, &now, now
	return true
}

// freed admits the next run of a queue whose admitted run res ended, so
// that the slot does not stay empty until the next sweep: one statement;
// the admitted run is ready and recovery drives it.
func (rt *Runtime) freed(ctx context.Context, res Result) {
	run := res.Run
	if run.Queue == "" || run.AdmittedAt == nil || !run.Status.Terminal() {
		return
	}
	if _, ok := rt.queues[run.Queue]; !ok {
		return
	}
	if _, err := rt.admit(context.WithoutCancel(ctx), run.Queue, 1); err != nil {
		rt.logger.Warn("runtime: admit after a queued run ended", "queue", run.Queue, "run", run.ID, "err", err)
	}
}

// resultKindOf is the kind that reports a run as it is stored.
func resultKindOf(run store.Run) ResultKind {
	if run.Waiting() {
		return KindQueued
	}
	return kindOf(run.Status)
}

// QueueKeysOf makes a Workflow.QueueKeys (wfgen's partition= and
// priority=): it decodes the input into In and reads the partition key and
// the priority with the given functions, either of which may be nil.
func QueueKeysOf[In any](partition func(In) string, priority func(In) int) func(json.RawMessage) (string, int, error) {
	return func(raw json.RawMessage) (string, int, error) {
		var in In
		if err := json.Unmarshal(raw, &in); err != nil {
			return "", 0, fmt.Errorf("read the queue keys of the input: %w", err)
		}
		var p string
		var n int
		if partition != nil {
			p = partition(in)
		}
		if priority != nil {
			n = priority(in)
		}
		return p, n, nil
	}
}
