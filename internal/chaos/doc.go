// Package chaos is wf's crash suite (`make chaos`): it proves on
// PostgreSQL that runs never wedge and results are never lost or recorded
// twice while processes die and connections drop.
//
// Run creates a fresh schema and starts, as OS processes of one program
// (cmd/chaos, in its worker, starter and signaller roles):
//
//   - Workers (4 by default), each a host/worker loop with its own
//     runtime, sweeping and woken by LISTEN/NOTIFY. Every worker
//     registers the same schedule: @every 1s with overlap=skip, whose
//     workflow holds a step for 1.5–3 s, so ticks would overlap unless
//     skipped.
//   - A starter, starting runs of a workflow with five steps, a durable
//     sleep and a WaitForEvent, and recording each run StartRun
//     acknowledged.
//   - A signaller, delivering the awaited signal to every run waiting
//     for it.
//
// Every step execution first appends (run, step, attempt, pid) to a side
// table, so the suite can count executions apart from recorded results.
// During the chaos the suite kills a random worker with SIGKILL every few
// seconds and restarts it, and ends about half of its processes'
// connections with pg_terminate_backend every two seconds (only those
// whose application_name is the suite's schema). Then it drains: the
// starter stops, the workers are restarted gracefully with the schedule
// disabled, and the suite waits for every run to end.
//
// The verdict is computed from the store's logs and the side tables
// (Compute): each run's steps must each have exactly one STEP_FINISHED,
// every acknowledged run must exist, no recorded result may lack an
// execution, no schedule run may be created while an earlier one is live
// (a run lives from its creation to its terminal event), and no run may
// be left live when the drain times out. Steps executed more than once
// are reported but allowed: a step killed mid-execution runs again
// (at-least-once).
package chaos
