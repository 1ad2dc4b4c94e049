// Package store defines the execution-store contract: the durability
// boundary between the runtime and a database.
//
// Operators pick an implementation (memstore for tests, postgres for
// production, sqlite as the embedded default); the runtime is its only
// caller. Implementations outside this module must pass storetest.Run.
//
// # Commits are statement batches
//
// Every write method is one self-contained, ordered batch of statements whose
// statements report their own outcome (rows affected, ON CONFLICT … RETURNING):
// one round trip on Postgres, one transaction on SQLite, one batch() on
// Cloudflare D1. There is no read-then-write inside a write: a lost
// compare-and-swap on a run's log is a unique-key failure on (run, event
// index), and a lost lease is an UPDATE … WHERE lease_owner = $owner that
// touches no row.
package store

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/wfgo/wf"
)

// Errors that callers branch on. Implementations wrap them with context
// (the run ID) using %w.
var (
	// ErrConflict: another writer already appended at the expected index.
	ErrConflict = wf.ErrConflict
	// ErrNotFound: no such run (or schedule, or bucket).
	ErrNotFound = errors.New("store: not found")
	// ErrLeaseLost: the caller no longer holds the run's lease; nothing was
	// written.
	ErrLeaseLost = errors.New("store: lease lost")
	// ErrTooLarge: a payload exceeds the store's size limit; nothing was
	// written. It is wf.ErrTooLarge, so a *wf.PayloadTooLargeError matches
	// it too.
	ErrTooLarge = wf.ErrTooLarge
	// ErrCorrupt: a stored row could not be decoded.
	ErrCorrupt = errors.New("store: corrupt stored data")
)

// Store is the execution-store contract. All methods are safe for concurrent
// use. Times come from the caller (the runtime's clock); stores never read
// the wall clock for logic.
type Store interface {
	// CreateRun inserts a run unless one with the same ID exists. It returns
	// the stored run and whether this call created it. An existing run is
	// returned unchanged (whatever its workflow: the caller compares).
	// CreatedAt and UpdatedAt are run.Lease.Now, whether or not an owner is
	// set.
	CreateRun(ctx context.Context, run NewRun) (Run, bool, error)
	// GetRun returns a run's state, or ErrNotFound.
	GetRun(ctx context.Context, runID string) (Run, error)
	// LoadExecution returns a run with its whole log and its deliveries.
	LoadExecution(ctx context.Context, runID string) (Execution, error)
	// ClaimRun takes the run's lease for owner until `until` when the run
	// is not terminal and its lease is free, expired, or already owner's.
	// When claimed, the result carries the execution (run, log, deliveries).
	ClaimRun(ctx context.Context, runID string, lease Lease) (ClaimResult, error)
	// Heartbeat extends owner's lease to lease.Until; ErrLeaseLost if owner
	// no longer holds it.
	Heartbeat(ctx context.Context, runID string, lease Lease) error
	// ReleaseRun gives up owner's lease without other changes. Releasing a
	// lease one does not hold is not an error.
	ReleaseRun(ctx context.Context, runID, owner string) error

	// Append durably adds events at positions c.Next, c.Next+1, … while
	// c.Owner holds the lease: ErrConflict if an index is taken,
	// ErrLeaseLost if the lease is held by another owner.
	Append(ctx context.Context, runID string, c Append) error
	// Commit applies one drive's effects atomically: append the events,
	// set run state, replace the run's timers, release the lease, and
	// reset DriveFailures and DriveRetryAt and clear the run's park mark (a
	// build that commits could drive it). A commit that ends an attached
	// child run also stores its parent's delivery (see Parent).
	// ErrConflict or ErrLeaseLost leave everything unchanged.
	Commit(ctx context.Context, c Commit) error

	// Deliver stores a resolution of a wait, idempotently by
	// (run, SignalID), at most one per (run, StepID), in one round trip.
	// opts.Check says what happens to a delivery for a wait the run does
	// not await now (see WaitCheck); a delivery with an empty StepID (a
	// signal sent by name) resolves the run's awaited signal wait of that
	// name, or is buffered by name. Delivered and Buffered bump the run's
	// DeliverySeq; Delivered also sets a paused run that is not parked to
	// running (ready, lease untouched) so that stale-run recovery drives it
	// if the caller does not, and Buffered appends the SignalID to
	// Run.Buffered. Every other status changes nothing.
	Deliver(ctx context.Context, runID string, d wf.Delivery, opts DeliverOptions) (DeliveryResult, error)

	// ClaimDueTimers leases up to limit timers due at lease.Now (WakeAt <=
	// Now), earliest first, whose lease is absent or expired: a live lease,
	// even the caller's own, keeps a timer from being claimed again.
	ClaimDueTimers(ctx context.Context, limit int, lease Lease) ([]Timer, error)
	// ClaimStaleRuns leases up to limit runs that need a driver: status
	// queued or running whose lease is absent or expired at lease.Now and
	// whose DriveRetryAt, if set, is not after lease.Now; a run on a queue
	// that is not admitted yet (see AdmitQueued) is never taken. Runs with no
	// failed drive (DriveFailures 0) come first, so that failing runs never
	// take a slot a healthy run needs. A claimed run whose Error or
	// Awaiting does not decode is returned with those fields empty, not as
	// an error: one corrupt row must not keep the runs claimed with it
	// from recovery (LoadExecution then reports ErrCorrupt).
	ClaimStaleRuns(ctx context.Context, limit int, lease Lease) ([]Run, error)
	// BackOffRun records a failed drive of a run owner holds: it releases
	// the lease, adds one to DriveFailures and sets DriveRetryAt to retryAt,
	// before which ClaimStaleRuns skips the run. ErrLeaseLost, changing
	// nothing, if owner does not hold the lease (or there is no such run).
	BackOffRun(ctx context.Context, runID, owner string, retryAt time.Time) error
	// ReleaseTimer gives up owner's lease on a timer, so that the next
	// ClaimDueTimers may take it at once. Releasing a timer one does not
	// hold, or one that no longer exists, is not an error.
	ReleaseTimer(ctx context.Context, runID, stepID, owner string) error

	// UpsertSchedule creates or replaces a schedule's definition. An
	// existing schedule keeps its Enabled flag, which only
	// SetScheduleEnabled changes: an operator's pause outlives the app's
	// next materialisation.
	UpsertSchedule(ctx context.Context, s Schedule) error
	// SetScheduleEnabled sets a schedule's Enabled flag (pause, resume)
	// and its UpdatedAt; ErrNotFound if there is no such schedule.
	SetScheduleEnabled(ctx context.Context, scheduleID string, enabled bool, at time.Time) error
	// ListSchedules returns all schedules sorted by ID.
	ListSchedules(ctx context.Context) ([]Schedule, error)
	// EnsureBucket inserts a pending bucket unless (ScheduleID, BucketID)
	// exists; it reports whether it inserted.
	EnsureBucket(ctx context.Context, b Bucket) (bool, error)
	// ClaimDueBuckets leases up to limit pending buckets whose FireAt is
	// due at lease.Now, oldest first, whose lease is absent or expired.
	ClaimDueBuckets(ctx context.Context, limit int, lease Lease) ([]Bucket, error)
	// FinishBucket moves owner's leased bucket to status (started or
	// skipped) and releases it; a started or skipped bucket is never
	// claimed again. ErrLeaseLost if owner no longer holds it. The runtime
	// starts buckets with StartBucket and finishes only skipped ones.
	FinishBucket(ctx context.Context, scheduleID, bucketID, owner string, status BucketStatus, at time.Time) error
	// StartBucket creates the run of owner's leased, pending bucket and
	// marks the bucket started (StartedAt req.Run.Lease.Now, lease
	// released) in one atomic write, so that a started bucket always has
	// its run and a bucket whose run exists is started, never skipped: when
	// the run exists already, the bucket is marked started and the run left
	// as it is. An exclusive start that finds the schedule busy or
	// superseded writes nothing (see BucketStart). ErrNotFound if the
	// schedule or the bucket is not stored, ErrLeaseLost if owner does not
	// hold the bucket; nothing is written then either.
	StartBucket(ctx context.Context, req BucketStart) (BucketStartResult, error)
	// ReleaseBucket gives up owner's lease on a still-pending bucket.
	ReleaseBucket(ctx context.Context, scheduleID, bucketID, owner string) error
	// ListBuckets returns a schedule's buckets, newest FireAt first, at most
	// limit (all of them when limit <= 0).
	ListBuckets(ctx context.Context, scheduleID string, limit int) ([]Bucket, error)

	// ListRuns returns run summaries ordered by (CreatedAt, ID) descending,
	// filtered and paged by q.
	ListRuns(ctx context.Context, q ListQuery) (RunPage, error)
	// Events returns a run's log from index `from`, at most limit (0: all).
	Events(ctx context.Context, runID string, from, limit int) ([]wf.Event, error)
	// DeleteRun removes a run with its log, timers and deliveries; it
	// reports whether the run existed.
	DeleteRun(ctx context.Context, runID string) (bool, error)
	// PurgeRuns deletes up to limit terminal runs last updated before
	// cutoff, and returns how many it deleted.
	PurgeRuns(ctx context.Context, cutoff time.Time, limit int) (int, error)

	// ParkRun marks owner's leased run parked (see Park): it keeps the
	// run's log, deliveries and Awaiting, stores it as paused, deletes its
	// timers and releases the lease. ErrLeaseLost if owner does not hold
	// it.
	ParkRun(ctx context.Context, runID, owner string, p Park) error
	// UnparkRuns clears the park mark of every parked run of the given
	// workflow versions and makes those runs ready (running, lease free),
	// so that stale-run recovery drives them; it returns how many it
	// unparked. It is cheap when no run is parked.
	UnparkRuns(ctx context.Context, versions []WorkflowVersion, now time.Time) (int, error)

	// AdmitQueued admits, oldest first within each priority (higher
	// Priority first), up to a.Limit runs of queue a.Queue that wait
	// queued and not admitted, such that the queue's runs in progress
	// (admitted and not terminal) do not pass a.Concurrency and its
	// admissions within the window a.Per do not pass a.Rate (each per
	// partition key with a.PerPartition). An admitted run gets AdmittedAt
	// a.Now and status running with no lease: ready, so that stale-run
	// recovery drives it if the caller does not. It returns the admitted
	// run IDs in admission order. Concurrent callers, in any process,
	// never admit past the caps together: the store serialises admissions
	// of one queue.
	AdmitQueued(ctx context.Context, a Admit) ([]string, error)

	// ReopenRun makes an ended run live again (a retry): it appends
	// r.Events at r.Next, deletes the deliveries named in r.Drop, and sets
	// the run running with no output, error, waits or lease, so that the
	// caller, or stale-run recovery, drives it. A run on a queue is set
	// queued and not admitted instead: it waits for AdmitQueued again, so
	// that the queue's caps count it. ErrConflict if the run is
	// not ended or its log does not end at r.Next-1; ErrNotFound if there
	// is no such run. Nothing changes on an error.
	ReopenRun(ctx context.Context, runID string, r Reopen) error
}

// PayloadLimiter is implemented by stores that refuse values over a size
// limit with ErrTooLarge. The runtime asks for the limit so that it checks
// sizes before it writes: a step result too large to store fails the step
// instead of being refused at commit, and an oversized delivery is refused
// before anything is stored.
//
// A limiting store measures exactly what it stores: an event by the length
// of wf.EncodeEvent, a delivery by the length of its JSON encoding (payload,
// meta and the fields around them), a run's input and output by their own
// length; a value of exactly the limit is stored.
type PayloadLimiter interface {
	// MaxPayloadSize returns the limit in bytes.
	MaxPayloadSize() int
}

// Lease names who holds a lease, from when, until when.
type Lease struct {
	Owner string
	Now   time.Time
	Until time.Time
}

// NewRun is a run to create. When Lease.Owner is set the run is created
// already leased to that owner (the starter drives it without a claim).
type NewRun struct {
	ID         string
	WorkflowID string
	Version    string
	Status     wf.RunStatus // StatusQueued or StatusRunning
	Input      json.RawMessage
	ScheduleID string // set for runs started by a schedule bucket
	// TraceParent is the W3C traceparent of the context that created the
	// run, "" for none; stored as given.
	TraceParent string
	// Parent links a child run to the run that started it (see
	// wf.ChildSpec); nil for a run started from outside a workflow.
	Parent *Parent

	// Queue, when set, puts the run on that queue: it is created queued
	// and not admitted, and waits for AdmitQueued; it has no lease unless
	// it has a Log, which needs one. PartitionKey is the partition it counts against when
	// the queue is partitioned; Priority orders admission (higher first,
	// then oldest first). See CheckQueued.
	Queue        string
	PartitionKey string
	Priority     int

	Lease Lease
	// Log is the run's first events (a fork's copy of another run's
	// log), written in the same batch as the run and only when this call
	// creates it. A run with a Log must be created leased (Lease.Owner).
	Log []wf.Event
}

// Run is a run's routing record, kept beside its log. State is never a
// snapshot of the workflow: replay rebuilds it.
type Run struct {
	ID         string
	WorkflowID string
	Version    string
	Status     wf.RunStatus
	Input      json.RawMessage
	Output     json.RawMessage
	Error      *wf.ErrorInfo
	// Awaiting lists the outstanding waits of a paused run.
	Awaiting []wf.Await
	// WakeAt is the earliest WakeAt among the run's timers, if any.
	WakeAt *time.Time
	// DeliverySeq counts deliveries stored for the run; a commit made with
	// an older value leaves a paused run ready to drive again.
	DeliverySeq int64
	// Parked is set while the run waits for a build that registers its
	// workflow version; nil otherwise.
	Parked *Park
	// Buffered lists the SignalIDs of deliveries stored for waits the run
	// had not reached (Deliver's Buffered), oldest first, until a Commit
	// lists them as consumed. On an ended run they are the deliveries the
	// run never consumed.
	Buffered       []string
	ScheduleID     string
	LeaseOwner     string
	LeaseExpiresAt *time.Time
	// DriveFailures counts the run's consecutive failed drives (see
	// BackOffRun); a successful commit resets it to 0.
	DriveFailures int
	// DriveRetryAt, set while the run backs off after a failed drive, is
	// the earliest time recovery drives it again.
	DriveRetryAt *time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
	// TraceParent is NewRun.TraceParent: the W3C traceparent of the
	// context that created the run, "" for none.
	TraceParent string
	// Parent is NewRun.Parent: the run that started this one as a child.
	Parent *Parent

	// Queue, PartitionKey and Priority are NewRun's. AdmittedAt is when
	// AdmitQueued admitted the run; nil while it waits on its queue (and
	// for a run on no queue).
	Queue        string
	PartitionKey string
	Priority     int
	AdmittedAt   *time.Time
}

// Waiting reports whether the run waits on its queue: queued and not
// admitted. Such a run must not be driven.
func (r Run) Waiting() bool {
	return r.Queue != "" && r.AdmittedAt == nil && r.Status == wf.StatusQueued
}

// Parent links a child run to its parent. An attached child (Detached
// false) resolves the parent's operation StepID when it ends: the commit
// that ends the child also stores a delivery for the parent (ChildEnd:
// StepID, Name wf.ChildSignal, SignalID ChildSignalID(child run ID),
// Payload a wf.ChildResult) in the same atomic write, and makes a paused
// parent that is not parked ready, as Deliver does (DeliverySeq bumped,
// status running, lease untouched). The delivery is kept whether or not
// the parent awaits it yet, whatever the parent's status; a SignalID or
// a wait the parent already holds a delivery for is left as it is, so
// that a repeated end stores nothing twice; a parent that no longer
// exists gets nothing, and the child's commit succeeds all the same. The
// delivery is not measured against a store's payload limit: the output
// it carries was.
type Parent struct {
	RunID    string
	StepID   string
	Detached bool
}

// WaitingFor returns the single-wait projection of Awaiting: the first
// awaited signal (or timer), if any.
func (r *Run) WaitingFor() *wf.Await {
	for i := range r.Awaiting {
		if r.Awaiting[i].Kind != wf.AwaitApproval {
			return &r.Awaiting[i]
		}
	}
	return nil
}

// PendingApproval returns the first awaited approval, if any.
func (r *Run) PendingApproval() *wf.Await {
	for i := range r.Awaiting {
		if r.Awaiting[i].Kind == wf.AwaitApproval {
			return &r.Awaiting[i]
		}
	}
	return nil
}

// Execution is a run with its log and its stored deliveries.
type Execution struct {
	Run        Run
	Events     []wf.Event
	Deliveries []wf.Delivery
}

// ClaimStatus is the outcome of ClaimRun.
type ClaimStatus string

const (
	Claimed      ClaimStatus = "claimed"
	NotFound     ClaimStatus = "not-found"
	NotClaimable ClaimStatus = "not-claimable" // leased by another owner
	Terminal     ClaimStatus = "terminal"      // the run is over
)

// ClaimResult is ClaimRun's answer. Execution is complete when Status is
// Claimed; for NotClaimable and Terminal only Execution.Run is set.
type ClaimResult struct {
	Status    ClaimStatus
	Execution Execution
}

// Append is a mid-drive append of events (a step's checkpoint).
type Append struct {
	Owner  string
	Next   int
	Events []wf.Event
}

// Commit is one drive's final effects.
type Commit struct {
	RunID string
	Owner string
	// Next is the log index of Events[0].
	Next   int
	Events []wf.Event
	// Status is the run's new status. For StatusPaused, a run whose
	// DeliverySeq moved past LoadedSeq is stored as StatusRunning instead
	// (with no lease) so that recovery drives it again.
	Status    wf.RunStatus
	LoadedSeq int64
	Output    json.RawMessage
	Error     *wf.ErrorInfo
	Awaiting  []wf.Await
	// Timers replace all of the run's timers.
	Timers []Timer
	// Consumed are SignalIDs of Run.Buffered that the run's log now
	// resolves: they leave Run.Buffered.
	Consumed []string
	Now      time.Time
	// Parentless says that the run has no attached parent (Run.Parent is
	// nil or Detached), so a commit ending it owes no parent a delivery
	// and a store may skip looking for one. It is a hint: false is always
	// correct.
	Parentless bool
}

// Timer is a due-time row that wakes a paused run.
type Timer struct {
	RunID  string
	StepID string
	WakeAt time.Time
}

// WaitCheck says what Deliver does with a delivery for a wait the run does
// not await now.
type WaitCheck string

const (
	// NoWaitCheck stores the delivery for its StepID whatever the run
	// awaits or its status, as Delivered: timers and cancellation requests.
	NoWaitCheck WaitCheck = ""
	// BufferEarly keeps a delivery for a wait the run has not reached
	// (Buffered) until the run reaches it, within DeliverOptions' bounds;
	// a run that has ended refuses it (Ended).
	BufferEarly WaitCheck = "buffer"
	// StrictWait refuses a delivery for a wait the run does not await now
	// (NotWaiting); a run that has ended refuses it (Ended).
	StrictWait WaitCheck = "strict"
)

// DeliverOptions says how Deliver checks a delivery against the run.
type DeliverOptions struct {
	Check WaitCheck
	// MaxBuffered caps how many deliveries a run keeps buffered
	// (len(Run.Buffered)); one more is refused as BufferFull. 0: no cap.
	MaxBuffered int
	// MaxBufferedBytes caps the stored size of a run's buffered deliveries
	// (their encoded JSON, this one included); over it is BufferFull.
	// 0: no cap.
	MaxBufferedBytes int
}

// DeliveryStatus is the outcome of Deliver.
type DeliveryStatus string

const (
	// Delivered: stored for a wait the run awaits now (or, with
	// NoWaitCheck, for its StepID); drive the run.
	Delivered DeliveryStatus = "delivered"
	// Buffered: stored for a wait the run has not reached; the wait
	// consumes it when the run reaches it. StepID empty: the next wait of
	// that name no delivery targets, oldest buffered first.
	Buffered DeliveryStatus = "buffered"
	// Duplicate: the same SignalID was stored before; nothing changed.
	Duplicate DeliveryStatus = "duplicate"
	// Lost: another delivery already resolved the same wait.
	Lost DeliveryStatus = "lost"
	// RunNotFound: no such run.
	RunNotFound DeliveryStatus = "not-found"
	// Ended: the run is over (BufferEarly, StrictWait); nothing stored.
	// Winner is a stored delivery for the same wait (same StepID, or for
	// a delivery by name the same name), if any.
	Ended DeliveryStatus = "ended"
	// NotWaiting: StrictWait and the run does not await the wait; nothing
	// stored. Winner is as for Ended.
	NotWaiting DeliveryStatus = "not-waiting"
	// BufferFull: buffering it would pass DeliverOptions' bounds; nothing
	// stored.
	BufferFull DeliveryStatus = "buffer-full"
)

// BufferedStepPrefix starts the StepID column under which a store keeps a
// delivery buffered by name, so that the (run, StepID) key stays unique;
// the delivery itself keeps an empty StepID.
const BufferedStepPrefix = "__buffered:"

// DeliveryResult is Deliver's answer. Winner is the stored delivery that
// holds the signal or the wait when Status is Duplicate or Lost (or, for
// Ended and NotWaiting, see there). Run is the run's state after the call
// (zero for RunNotFound).
type DeliveryResult struct {
	Status DeliveryStatus
	Winner *wf.Delivery
	Run    Run
}

// Schedule is a stored schedule definition.
type Schedule struct {
	ID         string
	WorkflowID string
	// Spec is the schedule's canonical text, e.g. "@every 15m" or
	// "CRON_TZ=Europe/Paris 0 9 * * MON-FRI".
	Spec    string
	Overlap string
	Input   json.RawMessage
	// Enabled is false while the schedule is paused; UpsertSchedule sets
	// it only when it creates the schedule.
	Enabled bool
	// UpdatedAt is when the definition was last upserted or paused.
	UpdatedAt time.Time
}

// BucketStatus is a schedule bucket's state.
type BucketStatus string

const (
	BucketPending BucketStatus = "pending"
	BucketStarted BucketStatus = "started"
	BucketSkipped BucketStatus = "skipped"
)

// Bucket is one fire time of a schedule, with the deterministic run ID it
// starts.
type Bucket struct {
	ScheduleID     string
	BucketID       string
	RunID          string
	FireAt         time.Time
	Status         BucketStatus
	LeaseOwner     string
	LeaseExpiresAt *time.Time
	StartedAt      *time.Time
}

// BucketStart asks StartBucket to start one bucket's run.
type BucketStart struct {
	ScheduleID string
	BucketID   string
	// Owner holds the bucket's lease.
	Owner string
	// Run is the run to create. Run.ID must be the bucket's RunID; the
	// run's ScheduleID is set to the bucket's schedule. A Run with a
	// Queue is created waiting on it, as CreateRun creates it (see
	// CheckQueued).
	Run NewRun
	// Exclusive admits one live run per schedule at a time. The start is
	// refused, with nothing written, when a later bucket of the schedule
	// has started (BucketSuperseded), or when a run of the schedule is live
	// (BucketBusy): a run is live while it exists and is not terminal, and
	// the runs looked at are those of the schedule's latest started bucket
	// and of every bucket, pending or started, fired at or after it. Exclusive
	// starts of one schedule are serialised by the store, so two starters
	// can never both pass the check.
	Exclusive bool
}

// BucketStartStatus is the outcome of StartBucket.
type BucketStartStatus string

const (
	// BucketRunCreated: the run was created and the bucket started.
	BucketRunCreated BucketStartStatus = "created"
	// BucketRunExisting: the run existed (its starter died or failed
	// before marking the bucket); the bucket is now started.
	BucketRunExisting BucketStartStatus = "existing"
	// BucketBusy: another run of the schedule is live; nothing written.
	BucketBusy BucketStartStatus = "busy"
	// BucketSuperseded: a later bucket of the schedule has started;
	// nothing written.
	BucketSuperseded BucketStartStatus = "superseded"
)

// BucketStartResult is StartBucket's answer.
type BucketStartResult struct {
	Status BucketStartStatus
	// Run is the bucket's run when Status is BucketRunCreated or
	// BucketRunExisting.
	Run Run
	// LiveRunID is the live run that made the start BucketBusy.
	LiveRunID string
}

// ListQuery filters and pages ListRuns.
type ListQuery struct {
	WorkflowID string       // "" for all
	Status     wf.RunStatus // "" for all
	// Parked keeps only parked runs.
	Parked bool
	// Queue keeps the runs of one queue; "" for all.
	Queue string
	// Since keeps runs created at or after it; zero for all.
	Since time.Time
	// ParentRunID keeps the children of that run (Run.Parent.RunID),
	// attached or detached; "" for all runs.
	ParentRunID string
	// Limit caps the page. Defaults to 50 when zero.
	Limit int
	// Cursor is RunPage.Next of the previous page; "" for the first.
	Cursor string
}

// RunPage is one page of ListRuns.
type RunPage struct {
	Runs []Run
	// Next is the cursor of the following page; "" when this is the last.
	Next string
}

// DeliverClaimer is implemented by stores that store a delivery and claim
// its run in one write: DeliverClaim is Deliver followed by ClaimRun (with
// lease), and answers both. The claim is attempted whatever the delivery's
// outcome, except RunNotFound (the claim then reports NotFound). The
// runtime uses it where it would call both in a row (a due timer's
// delivery), so that the pair costs one round trip; a store without it
// gets the two calls.
type DeliverClaimer interface {
	DeliverClaim(ctx context.Context, runID string, d wf.Delivery, opts DeliverOptions, lease Lease) (DeliveryResult, ClaimResult, error)
}

// DeliverClaim stores d and claims the run for lease in one write when s
// is a DeliverClaimer, and otherwise calls Deliver, then (unless the run
// is not found) ClaimRun.
func DeliverClaim(ctx context.Context, s Store, runID string, d wf.Delivery, opts DeliverOptions, lease Lease) (DeliveryResult, ClaimResult, error) {
	if dc, ok := s.(DeliverClaimer); ok {
		return dc.DeliverClaim(ctx, runID, d, opts, lease)
	}
	dr, err := s.Deliver(ctx, runID, d, opts)
	if err != nil || dr.Status == RunNotFound {
		return dr, ClaimResult{Status: NotFound}, err
	}
	cr, err := s.ClaimRun(ctx, runID, lease)
	return dr, cr, err
}

// TimerFirer is implemented by stores that deliver due timers in their
// claim's own write: FireDueTimers claims up to limit due timers as
// ClaimDueTimers does and, in the same atomic write, stores each one's
// delivery (TimerDelivery(t, lease.Now)) as Deliver with NoWaitCheck
// does, and claims each one's run for lease as ClaimRun does, when it can.
// The result lists the claimed timers in ClaimDueTimers' order. A batch of
// due timers then costs one write, and each run only its drive.
//
// Each claimed timer also carries its run's execution, read after the
// claim (see FiredTimer.Execution), so that driving the batch's runs
// needs no read per run.
type TimerFirer interface {
	FireDueTimers(ctx context.Context, limit int, lease Lease) ([]FiredTimer, error)
}

// FiredTimer is a due timer that FireDueTimers claimed and delivered.
type FiredTimer struct {
	Timer
	// Delivery is the outcome of the timer's delivery: Delivered,
	// Duplicate (an earlier attempt stored it), Lost (another delivery
	// resolved the wait) or RunNotFound.
	Delivery DeliveryStatus
	// Claimed tells that the run is now leased to the lease's owner; a
	// run another owner holds, or that has ended, is not.
	Claimed bool
	// Execution is the claimed run's execution as LoadExecution reads it
	// after the claim (the run leased to the owner, the delivery stored),
	// shared by the run's timers of the batch; nil when the run is not
	// Claimed. A store may also leave it nil for a run whose log holds
	// more than FiredLogMax events, or that it could not read or decode,
	// so that a batch holds a bounded amount of logs: the caller then
	// loads the execution itself.
	Execution *Execution
}

// FiredLogMax is the longest log FireDueTimers must return with a claimed
// run (FiredTimer.Execution); a store may load longer ones or leave them
// to the caller.
const FiredLogMax = 100

// TimerDelivery is the delivery that fires timer t at now.
func TimerDelivery(t Timer, now time.Time) wf.Delivery {
	return wf.Delivery{StepID: t.StepID, SignalID: wf.TimerSignal + ":" + t.StepID, Name: wf.TimerSignal, Time: now}
}

// FireDueTimers calls s.FireDueTimers when s is a TimerFirer, and otherwise
// ClaimDueTimers, then DeliverClaim for each timer claimed, whose claim
// reads the execution: a run's timers share the execution of its last
// claim, which holds all their deliveries.
func FireDueTimers(ctx context.Context, s Store, limit int, lease Lease) ([]FiredTimer, error) {
	if tf, ok := s.(TimerFirer); ok {
		return tf.FireDueTimers(ctx, limit, lease)
	}
	timers, err := s.ClaimDueTimers(ctx, limit, lease)
	if err != nil {
		return nil, err
	}
	fired := make([]FiredTimer, len(timers))
	last := map[string]*Execution{}
	for i, t := range timers {
		dr, cr, err := DeliverClaim(ctx, s, t.RunID, TimerDelivery(t, lease.Now), DeliverOptions{}, lease)
		if err != nil {
			return shareExecutions(fired[:i], last), err
		}
		fired[i] = FiredTimer{Timer: t, Delivery: dr.Status, Claimed: cr.Status == Claimed}
		if fired[i].Claimed {
			ex := cr.Execution
			last[t.RunID] = &ex
		} else {
			delete(last, t.RunID)
		}
	}
	return shareExecutions(fired, last), nil
}

// shareExecutions sets each claimed timer's Execution to its run's in
// last.
func shareExecutions(fired []FiredTimer, last map[string]*Execution) []FiredTimer {
	for i := range fired {
		if fired[i].Claimed {
			fired[i].Execution = last[fired[i].RunID]
		}
	}
	return fired
}
