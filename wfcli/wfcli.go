package wfcli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/internal/storeflag"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store"
)

// Exit statuses.
const (
	exitOK    = 0
	exitError = 1 // the operation failed or found nothing
	exitUsage = 2 // bad arguments, no store, or workflows missing
)

// Config is what Run needs besides the arguments.
type Config struct {
	// Workflows are the app's registered workflows (wfgen's
	// Registrations). Defaults to none: commands that drive runs refuse.
	Workflows []runtime.Workflow
	// Signals adds payload validators by signal name, as
	// runtime.Config.Signals. Defaults to none.
	Signals map[string]wf.Validator
	// Stdout and Stderr default to os.Stdout and os.Stderr.
	Stdout, Stderr io.Writer
	// Getenv reads the environment ($DATABASE_URL). Defaults to os.Getenv.
	Getenv func(string) string
	// Clock reads the time. Defaults to time.Now.
	Clock func() time.Time
}

// Main runs the wf command with args (without the program name) and the
// app's workflows, on the process's standard streams and environment, and
// returns the exit status for os.Exit.
func Main(args []string, workflows ...runtime.Workflow) int {
	return Run(context.Background(), args, Config{Workflows: workflows})
}

// Run runs the wf command with args (without the program name) and
// returns its exit status: 0 on success, 1 when the operation failed or
// found nothing, 2 on a usage error.
func Run(ctx context.Context, args []string, cfg Config) int {
	if cfg.Stdout == nil {
		cfg.Stdout = os.Stdout
	}
	if cfg.Stderr == nil {
		cfg.Stderr = os.Stderr
	}
	if cfg.Getenv == nil {
		cfg.Getenv = os.Getenv
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	c := &cli{cfg: cfg, output: "text"}
	return c.exit(c.dispatch(ctx, args))
}

type cli struct {
	cfg    Config
	store  storeflag.Flags
	output string
}

// usageError is an error that exits with status 2.
type usageError struct{ error }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// exit prints err and maps it to an exit status.
func (c *cli) exit(err error) int {
	var u usageError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprint(c.cfg.Stdout, usage)
		return exitOK
	case errors.As(err, &u):
		fmt.Fprintf(c.cfg.Stderr, "wf: %v\nRun 'wf help' for usage.\n", err)
		return exitUsage
	}
	fmt.Fprintf(c.cfg.Stderr, "wf: %v\n", err)
	return exitError
}

// command is one leaf command: its flags, its positional arguments' names
// and what it does.
type command struct {
	name  string // "runs list"
	args  []string
	flags func(fs *flag.FlagSet)
	run   func(ctx context.Context, env *env, args []string) error
}

func (c *cli) dispatch(ctx context.Context, args []string) error {
	fs := c.flagSet("wf")
	if err := fs.Parse(args); err != nil {
		return c.flagError(err)
	}
	args = fs.Args()
	if len(args) == 0 {
		return usagef("missing command")
	}
	if args[0] == "help" {
		return flag.ErrHelp
	}
	name, rest := args[0], args[1:]
	if subs, group := groups[name]; group {
		gs := c.flagSet(name)
		if err := gs.Parse(rest); err != nil {
			return c.flagError(fmt.Errorf("%s: %w", name, err))
		}
		rest = gs.Args()
		if len(rest) == 0 {
			return usagef("%s: missing subcommand (%s)", name, strings.Join(subs, ", "))
		}
		name += " " + rest[0]
		rest = rest[1:]
	}
	cmd, ok := c.commands()[name]
	if !ok {
		return usagef("unknown command %q", name)
	}
	return c.runCommand(ctx, cmd, rest)
}

// groups lists the subcommands of each command that has them.
var groups = map[string][]string{
	"runs":      {"list", "show", "timeline", "cancel", "retry", "fork", "export"},
	"schedules": {"list", "pause", "resume", "trigger", "backfill"},
}

func (c *cli) flagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c.store.Register(fs)
	fs.StringVar(&c.output, "o", c.output, "output `format`: text or json")
	return fs
}

func (c *cli) flagError(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return err
	}
	return usageError{err}
}

// runCommand parses a leaf command's flags, which may come before, among
// or after its arguments, opens the store and runs it.
func (c *cli) runCommand(ctx context.Context, cmd command, args []string) error {
	fs := c.flagSet(cmd.name)
	if cmd.flags != nil {
		cmd.flags(fs)
	}
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return c.flagError(fmt.Errorf("%s: %w", cmd.name, err))
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	switch {
	case c.output != "text" && c.output != "json":
		return usagef("%s: -o %q: want text or json", cmd.name, c.output)
	case len(pos) > len(cmd.args):
		return usagef("%s: unexpected argument %q", cmd.name, pos[len(cmd.args)])
	case len(pos) < len(cmd.args):
		return usagef("%s: missing %s", cmd.name, strings.Join(cmd.args[len(pos):], " "))
	}
	flags, err := c.store.Resolve(c.cfg.Getenv)
	if err != nil {
		return usageError{err}
	}
	c.store = flags
	e := &env{cli: c, name: cmd.name}
	if cmd.name == "migrate" {
		return cmd.run(ctx, e, pos)
	}
	st, closeStore, err := storeflag.Open(ctx, flags)
	if err != nil {
		return err
	}
	defer closeStore()
	e.rt, err = runtime.New(runtime.Config{Store: st, Workflows: c.cfg.Workflows, Signals: c.cfg.Signals,
		Clock: c.cfg.Clock, Owner: leaseOwner(), DisableTelemetry: true})
	if err != nil {
		return err
	}
	return cmd.run(ctx, e, pos)
}

// leaseOwner names this process in the leases it takes: unique per
// process, so that two operators' commands never share a lease.
func leaseOwner() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("wf-cli-%s-%d", host, os.Getpid())
}

// env is what a command runs with.
type env struct {
	*cli
	name string
	rt   *runtime.Runtime
}

func (e *env) json() bool { return e.output == "json" }

// needWorkflows refuses a command that runs workflow code in a build
// without the run's workflow.
func (e *env) needWorkflows(workflowID string) error {
	if len(e.cfg.Workflows) == 0 {
		return usagef("%s needs the app's workflows, and this wf command registers none: "+
			"build the app's own, a main package with\n\tfunc main() { os.Exit(wfcli.Main(os.Args[1:], app.Registrations(app.Workflows{})...)) }\n"+
			"and run it with the same flags (see the README's \"Operate\")", e.name)
	}
	if workflowID == "" {
		return nil
	}
	if _, ok := e.rt.Workflow(workflowID); !ok {
		return fmt.Errorf("%s: workflow %q is not registered in this wf command", e.name, workflowID)
	}
	return nil
}

// getRun reads a run, naming it when it does not exist.
func (e *env) getRun(ctx context.Context, id string) (store.Run, error) {
	run, err := e.rt.GetRun(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return run, fmt.Errorf("%s: no run %q", e.name, id)
	}
	return run, err
}
