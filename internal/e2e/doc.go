// Package e2e is the root of a module of wf's tests whose dependencies wf
// itself must not require: the dashboard driven from a browser (chromedp)
// the host configs parsed as TOML and YAML, and the runtime's spans and
// metrics read back through the OpenTelemetry SDK (telemetry). The module replaces wf
// with the checkout it lives in; `make test` runs it.
package e2e
