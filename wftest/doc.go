// Package wftest tests workflows: it replays recorded histories against
// the current code, and runs workflows on an in-memory runtime with a fake
// clock.
//
// # Replay tests
//
// A run's history, exported with runtime.Runtime.Export and committed as a
// file, pins what the workflow's code must keep doing for runs already in
// flight. Replay (or ReplayFile) runs the current definition over the
// recorded log without running any step, and fails the test with the
// divergence when the code no longer reaches the recorded operations:
//
//	func TestFulfillmentKeepsReplaying(t *testing.T) {
//		wftest.ReplayFile(t, fulfillment.NewFulfillmentDefinition(&fulfillment.Fulfillment{}, nil),
//			"testdata/fulfillment-paused.json")
//	}
//
// Replay stops at the first durable call the log does not hold, so a
// history of a paused run checks the code up to its pause. A history of an
// ended run must also end the same way: the same output, or the same error.
//
// # Unit tests
//
// New returns an Env: a runtime over an in-memory store whose clock moves
// only when the test says so. Start runs, deliver signals and approvals,
// and Advance the clock to fire due timers:
//
//	env := wftest.New(t, fulfillment.Registrations(fulfillment.Workflows{…})...)
//	env.Start("fulfillment", "order-1", fulfillment.Input{…})
//	env.Signal("order-1", "payment-received", fulfillment.PaymentReceived{PaymentID: "p-1"})
//	env.Advance(time.Hour) // the run's sleep ends
//	var out fulfillment.Output
//	env.Output("order-1", &out)
package wftest
