// Package wf is the authoring API of wf, durable workflows for Go apps, and
// the replay engine behind it.
//
// A workflow is an ordinary Go function or method. Durable work goes through
// explicit primitives: Step and Do (side effects, with retries and
// timeouts), Go (a step run concurrently, with a Future), StartChild (a
// child run), Sleep and SleepUntil (timers), Now and UUID (recorded
// non-determinism), WaitForEvent (signals) and Approve (human decisions).
// Every primitive has an operation ID; its outcome is appended to the run's
// event log the first time and returned from the log on every replay.
//
// A run pauses by persisting and returning: a pausing primitive records what
// the run awaits and ends the handler's goroutine (runtime.Goexit), so user
// code never sees, and can never swallow, a pause error. A later invocation
// re-runs the handler from the top; replay short-circuits completed work up
// to the point where the run left off.
//
// The handler must reach the same primitives with the same IDs, in the
// same order, on every replay: no wall clock, randomness or I/O outside
// steps (wfgen check flags the usual causes). Replay consumes the log in
// order: code that reaches a recorded operation out of its logged order
// (steps swapped, a step inserted before recorded ones, a recorded one
// skipped) or a recorded event of another kind at the ID it reaches ends
// the run with CodeNondeterminism and a *NondeterminismError naming the
// expected and the found operation, before anything else runs. Operations
// reached after every recorded one are new work, so a version may append
// steps after those its paused runs recorded; any other change needs a new
// version. Invocation.ReplayOnly checks recorded logs against the code
// without running anything.
//
// # The log
//
// The durable event kinds are StepFinished, StepFailed, SignalAwaited,
// SignalResolved, ApprovalRequested, ApprovalResolved, NowRecorded,
// UUIDRecorded, RunFinished and RunErrored. Their JSON (see Event) is a
// storage format pinned by golden files in testdata/events.
//
// # Local steps
//
// A step's checkpoint is written before the next step's function runs, or
// with the pause or end of the invocation that follows, so each step costs
// one write. A local step (WithLocal, or "local" on its //wf:step) does not
// pay its own: its result stays pending and rides on the next write — a
// durable step's start, a wait (a timer, even one already due, a signal or
// an approval), an in-process retry backoff, or the invocation's pause,
// yield or end. At most MaxUnwrittenLocal results, none older than
// MaxUnwrittenLocalAge, stay unwritten; reaching either cap writes them. A
// durable step's checkpoint is always written before the next step runs,
// local or not.
//
// The price: a crash (or a lost lease) before that write loses the local
// results, and the next invocation runs the local steps since the last
// write again, recording afresh the times, UUIDs and signals consumed since
// then. A durable step never runs twice. Make local steps short and
// idempotent (reads, computations, calls that dedupe on
// StepContext.IdempotencyKey). Their events are those of any step, so logs
// replay the same whether a step was local or not.
//
// # Concurrent steps
//
// Go starts a step without waiting for it and returns a *Future; Get, All
// and Group.Wait wait. Each concurrent step records its own outcome
// (STEP_FINISHED or STEP_FAILED, or a durable backoff's SIGNAL_AWAITED)
// when it ends, through the Journal at once; steps ending together share a
// write. Writes are serialized, so the log stays one sequence.
//
// Replay matches a concurrent step by ID, not by position: the step is
// reached at its Go call, in program order, and its recorded outcome is
// taken from wherever it sits in the log, so the order in which steps
// ended never matters; a recorded one does not run again, one the log
// does not hold runs afresh. A recorded concurrent step that the code no
// longer starts diverges when the handler returns. Get and All return the
// same values and errors live and on replay (All the first error in
// argument order).
//
// MaxConcurrency (default DefaultConcurrency) bounds the steps of a run
// running at once, GroupLimit those of a Group; the rest start in call
// order as slots free up. CancelOnFailure cancels a group's other members
// on its first failure; each records a failure caused by a
// *GroupCanceledError. Failed attempts are retried in the step's
// goroutine; a backoff that would outlive the invocation's budget is
// recorded as a durable timer, and the Get that reaches that step pauses
// the run until it is due.
//
// When an invocation stops (pause, yield, end), steps still running
// finish first and their outcomes are recorded; steps waiting for a slot
// do not start (the next invocation starts them). A paused run awaits
// every outstanding wait at once in Outcome.Awaiting: the one the handler
// blocked on, then each concurrent step's due-later backoff and each child
// run not yet resolved.
//
// # Child runs
//
// StartChild starts a run of another workflow as a child, at an operation
// ID; the child's run ID is ChildRunID(parent run ID, operation ID), so a
// replay never starts a second child. The Journal starts it
// (ChildStarter), durably, before StartChild returns; an attached child's
// start is recorded as SIGNAL_AWAITED (Name ChildSignal), and the Get that
// finds its end, stored by the child's final commit as a delivery for the
// parent, records SIGNAL_RESOLVED with a ChildResult. Until then the
// parent pauses (AwaitChild) without holding a process. A detached child
// records STEP_FINISHED and resolves nothing; a start the runtime refuses
// (ErrChildRefused) records STEP_FAILED.
//
// # Racing operations
//
// Timer is a durable timer's Future (Sleep's events and IDs), EventFuture
// a signal wait's (WaitForEvent's events and IDs). AwaitAny
// returns the index of the first of several futures to end; replay picks
// the same one because "first" means recorded first: the lowest log index
// among the recorded outcomes (a step's result, a child's or a timer's
// SIGNAL_RESOLVED, which AwaitAny records when it finds the end, or a
// signal's). While
// none has ended and no step runs, the run pauses awaiting them all.
//
// # Operation IDs
//
// Step and Do take an explicit StepID. Sleep, SleepUntil, Now, UUID,
// WaitForEvent and Approve take an optional ID (wf.ID, or
// ApprovalRequest.ID) and otherwise get a positional one per kind and call
// order: "__sleep-0", "__now-1", "__wait-0", "__approval-0", "__uuid-0".
// Explicit IDs keep long-lived runs replayable when code changes. Reaching
// the same ID twice in one execution ends the run with a clear error.
//
// # Values too large to store
//
// A store refuses a value over its size limit (store.PayloadLimiter), and
// the runtime hands the limit to the engine (Invocation.MaxEventSize), so
// that nothing the engine records is refused and a run never loops on a
// write that cannot succeed:
//
//   - A step whose result's STEP_FINISHED event is over the limit fails
//     after that attempt, without retries (its function would return the
//     same value again, repeating its side effects): Step returns a
//     *StepError that unwraps to a *PayloadTooLargeError naming the step,
//     the event, the size and the limit, live and on replay. The workflow
//     may handle it (keep the data elsewhere and pass a reference); if it
//     returns it, the run ends with CodePayloadTooLarge.
//   - An output, signal payload or approval feedback whose event is over
//     the limit ends the run with CodePayloadTooLarge. (The runtime refuses
//     such deliveries before storing them, so this happens only when the
//     limit was lowered after.)
//   - A failure whose error text is too large is recorded with shortened
//     text, keeping its name and code.
//
// Input that is valid JSON but does not decode into the handler's input
// type (1.0 or 1e30 for an int, an int64 overflow) is refused by
// Definition.ValidateInput with a *ValidationError before a run is stored.
//
// # Where the engine stops
//
// This package does not store, schedule or host anything. The runtime
// package drives Definition.Execute over a store; wfgen generates typed
// clients, validators and registrations on top.
package wf
