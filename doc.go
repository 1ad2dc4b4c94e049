// Package wf is the authoring API of wf, durable workflows for Go apps, and
// the replay engine behind it.
//
// A workflow is an ordinary Go function or method. Durable work goes through
// explicit primitives: Step and Do (side effects, with retries and
// timeouts), Sleep and SleepUntil (timers), Now and UUID (recorded
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
