package chaos

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// defaultURL is the database when neither -database-url nor DATABASE_URL
// says otherwise.
const defaultURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

const usage = `chaos runs wf's crash suite on PostgreSQL.

Usage:

	chaos [-duration 1m] [-workers 4] [-kill-interval 3s] [flags]
		Run the suite and print its table; the exit status is 1 when a
		result is lost or recorded twice, a schedule run overlaps another
		or a run is stuck.
	chaos worker|starter|signaller -schema name [flags]
		One of the suite's child processes (started by the suite, with
		the database in $DATABASE_URL).

Flags:
`

// Main is the chaos command: the suite by default, or one child role.
// It returns the exit status: 0 pass, 1 fail or error, 2 usage.
func Main(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "worker", "starter", "signaller":
			return roleMain(args[0], args[1:], stderr)
		}
	}
	fs := flag.NewFlagSet("chaos", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage); fs.PrintDefaults() }
	cfg := Config{DatabaseURL: envOr("DATABASE_URL", defaultURL), Progress: stderr}
	fs.StringVar(&cfg.DatabaseURL, "database-url", cfg.DatabaseURL, "PostgreSQL URL (default $DATABASE_URL)")
	fs.DurationVar(&cfg.Duration, "duration", time.Minute, "how long the chaos lasts before the drain")
	fs.IntVar(&cfg.Workers, "workers", 4, "worker processes")
	fs.DurationVar(&cfg.KillInterval, "kill-interval", 3*time.Second, "mean pause between kill -9s of a random worker")
	fs.DurationVar(&cfg.TerminateInterval, "terminate-interval", 2*time.Second, "pause between pg_terminate_backend rounds")
	fs.DurationVar(&cfg.DrainTimeout, "drain-timeout", 2*time.Minute, "how long runs may take to end after the chaos")
	fs.Float64Var(&cfg.Rate, "rate", 4, "runs started per second")
	fs.DurationVar(&cfg.LeaseDuration, "lease", 5*time.Second, "the workers' lease duration")
	fs.StringVar(&cfg.LogDir, "logs", "", "directory for the child processes' logs (default a new temporary one)")
	fs.BoolVar(&cfg.KeepSchema, "keep-schema", false, "leave the suite's schema in the database")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "chaos: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	program, err := os.Executable()
	if err != nil {
		fmt.Fprintln(stderr, "chaos:", err)
		return 1
	}
	cfg.Program = program
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := Run(ctx, cfg)
	if err != nil {
		fmt.Fprintln(stderr, "chaos:", err)
		return 1
	}
	if err := rep.WriteTable(stdout); err != nil {
		fmt.Fprintln(stderr, "chaos:", err)
		return 1
	}
	if rep.Failed() {
		return 1
	}
	return 0
}

// roleMain runs one child process until SIGTERM (a graceful stop) or
// SIGKILL (the chaos).
func roleMain(role string, args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("chaos "+role, flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := roleConfig{Name: role}
	c.URL = envOr("DATABASE_URL", defaultURL)
	fs.StringVar(&c.Schema, "schema", "", "the suite's schema (required)")
	fs.StringVar(&c.Name, "name", role, "the process's name in leases and logs")
	fs.DurationVar(&c.Lease, "lease", 5*time.Second, "lease duration")
	fs.BoolVar(&c.Drain, "drain", false, "register the schedule disabled (worker)")
	fs.Float64Var(&c.Rate, "rate", 4, "runs started per second (starter)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if c.Schema == "" || fs.NArg() > 0 || c.Rate <= 0 {
		fmt.Fprintf(stderr, "chaos %s: need -schema, a positive -rate and no arguments\n", role)
		return 2
	}
	logger := slog.New(slog.NewTextHandler(stderr, nil)).With("process", c.Name)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	run := map[string]func(context.Context, roleConfig, *slog.Logger) error{
		"worker": runWorker, "starter": runStarter, "signaller": runSignaller,
	}[role]
	if err := run(ctx, c, logger); err != nil {
		logger.Error("chaos: "+role+" failed", "err", err)
		return 1
	}
	return 0
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
