package wfcli

const usage = `wf operates wf workflows over their store.

Usage:

	wf [store flags] [-o text|json] command [arguments]

Runs:
	runs list [--workflow ID] [--status S] [--parked] [--parent RUN] [--since 24h|TIME] [--limit N] [--cursor C]
		Runs, newest first, one page at a time, with the parent of each child run.
	runs show RUN
		A run's state, what it awaits and until when, input, output, error, parent and children.
	runs timeline RUN
		The run's events, with the time each step or wait took; its parent and children.
	runs cancel RUN [--reason TEXT]
		End a run as canceled, and its attached child runs with it.
	runs retry RUN [--reason TEXT] [--by NAME]                 (app build)
		Resume an ended run from its last recorded operation.
	runs fork RUN --step STEP --id NEW_RUN [--reason TEXT]     (app build)
		Start a new run from a copy of RUN's log up to STEP.
	runs export RUN
		The run's history as JSON, as replay tests read it.

Deliveries (app build):
	signal RUN NAME --id SIGNAL_ID [--data JSON|@file] [--step STEP]
	approve RUN APPROVAL [--feedback TEXT]
	reject RUN APPROVAL [--feedback TEXT]

Schedules:
	schedules list
		Schedules with their next fire time in their zone, last bucket, overlap.
	schedules pause|resume SCHEDULE
	schedules trigger SCHEDULE                                 (app build)
		Start a tick now, under the overlap policy.
	schedules backfill SCHEDULE --from TIME --to TIME          (app build)
		One run per fire time in the range, under the overlap policy.

Store:
	sweep [--max-duration D]                                   (app build)
		One bounded sweep: stale runs, schedules, timers; prints the summary.
	migrate [-v]
		Apply the store's schema migrations (as wfgen migrate).

Store flags:
	--database-url URL   PostgreSQL (defaults to $DATABASE_URL)
	--sqlite FILE        a SQLite database file
	--schema NAME        the PostgreSQL schema (defaults to the store's)
	--table-prefix P     the prefix of the store's table names

Times are RFC 3339 (2026-05-06T09:00:00Z) or, for --since, a duration
back from now (24h). Flags may come anywhere after the command.

Commands marked (app build) run workflow code: they need the app's own wf
command, a main package of one line:

	func main() { os.Exit(wfcli.Main(os.Args[1:], app.Registrations(app.Workflows{})...)) }

Exit status: 0 on success; 1 when the operation failed or found nothing
(unknown run or schedule, a delivery not awaited or lost, a store error);
2 on a usage error (bad flags or arguments, bad JSON, no store, or an app
build command run without the app's workflows).
`

func (c *cli) commands() map[string]command {
	list := []command{
		runsList(), runsShow(), runsTimeline(), runsCancel(), runsRetry(), runsFork(), runsExport(),
		signalCommand(), decideCommand("approve", true), decideCommand("reject", false),
		schedulesList(), schedulesPause(true), schedulesPause(false), schedulesTrigger(), schedulesBackfill(),
		sweepCommand(), migrateCommand(),
	}
	out := make(map[string]command, len(list))
	for _, cmd := range list {
		out[cmd.name] = cmd
	}
	return out
}
