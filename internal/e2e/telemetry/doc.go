// Package telemetry holds the tests of the runtime's OpenTelemetry spans
// and metrics, read back through the OpenTelemetry SDK: they live in the
// internal/e2e module so that the SDK stays out of wf's go.mod.
package telemetry
