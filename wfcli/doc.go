// Package wfcli is the wf command: what an operator runs against a store
// to see runs and act on them. cmd/wf is this command with no workflows;
// an app builds its own, with its workflows, in a main package of one
// line:
//
//	package main // e.g. cmd/wf in the app's module
//
//	func main() { os.Exit(wfcli.Main(os.Args[1:], shop.Registrations(shop.Workflows{})...)) }
//
// Commands that only read or change stored state (runs list, show,
// timeline, export, cancel; schedules list, pause, resume; migrate) work
// in either build. Commands that drive a run's code (signal, approve,
// reject, runs retry, runs fork, schedules trigger, schedules backfill,
// sweep) need the app's build: they validate payloads with the app's
// validators and run its workflow code, and cmd/wf refuses them rather
// than end a run it cannot replay.
//
// The store is PostgreSQL with --database-url (or $DATABASE_URL), or a
// SQLite file with --sqlite; --schema and --table-prefix select a
// non-default layout. Output is a human table, or JSON with -o json.
// Flags may come before the command or anywhere after it.
//
// Exit status: 0 on success (a duplicate delivery included: it is
// idempotent); 1 when the operation failed or found nothing (unknown run
// or schedule, a delivery not waited for or lost, a store error); 2 on a
// usage error (bad flags or arguments, bad JSON, no store given, or a
// command that needs the app's workflows run from cmd/wf).
package wfcli
