// Package wfgencli is the wfgen command: argument parsing, subcommands,
// diagnostics and exit codes. cmd/wfgen calls Main; the generator itself
// is package gen.
package wfgencli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"go/scanner"
	"io"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/wfgo/wf/gen"
)

// Exit statuses.
const (
	exitOK    = 0
	exitError = 1 // diagnostics or a failed command
	exitUsage = 2 // bad arguments
)

const usage = `wfgen generates typed workflow code from //wf: directives.

Usage:

	wfgen [-C dir] [-v] [packages]
		Generate <package name>_wf.go in each package that has directives
		(default "."), and the files of each host of its //wf:hosts in
		wfhosts/<host>/, only when their content changes; remove the
		outputs of a package that has none any more, or of a host no
		longer listed.
	wfgen [-C dir] check [packages]
		Report generated files that are missing or stale, compile errors,
		and code that breaks replay (the analyzers of gen/check).
	wfgen [-C dir] check --against [url] [--schema name] [--table-prefix p] [--json] [packages]
	wfgen [-C dir] check --sqlite file [--table-prefix p] [--json] [packages]
		Also replay, read-only, every run not ended (queued, running,
		paused) of the packages' workflows in the store against this code,
		and list the runs it cannot resume: their version is not in the
		router, or their log diverges from the code (with the operation
		IDs). One row per workflow, version and reason, with the runs
		affected and the oldest run's ID; the status is 1 when there are
		any. url is a Postgres URL, or $NAME of an environment variable
		holding one; it defaults to $DATABASE_URL. The schema defaults to
		the first of the url's search_path. No step function runs. The
		program that replays the runs is built in the app's module and
		reads the store itself, so that module must require the store's
		driver (an app whose host runs on that store does); wfgen links
		none.
	wfgen [-C dir] schema -o dir [-v] [packages]
		Write the JSON Schema of each workflow input and output and each
		signal payload to dir/<name>.<input|output|payload>.schema.json.
	wfgen help [directive]
		Show this help, or one directive's.

Migrations are the wf command's: "wf migrate" (go tool wf migrate).

-C dir runs in dir; -v lists the files written and removed. The exit status
is 1 when diagnostics were printed or a command failed, 2 on a usage error.

Run wfgen with go generate. In an app, pin it with
"go get -tool github.com/wfgo/wf/cmd/wfgen" and write in one file of each
workflow package:

	//go:generate go tool wfgen

Directives in _test.go files are not read.

`

// Main runs wfgen with args (without the program name) and returns the
// exit status: 0 on success, 1 when diagnostics were printed or a command
// failed, 2 on a usage error.
func Main(args []string, stdout, stderr io.Writer) int {
	c := &cli{stdout: stdout, stderr: stderr}
	fs := c.flagSet("wfgen")
	dir := fs.String("C", "", "run in `dir`")
	verbose := fs.Bool("v", false, "list the files written and removed")
	if err := fs.Parse(args); err != nil {
		return c.usageError(err)
	}
	c.cfg = gen.Config{Dir: *dir}
	args = fs.Args()
	ctx := context.Background()
	if len(args) > 0 {
		switch args[0] {
		case "help":
			return c.help(args[1:])
		case "check":
			return c.check(ctx, args[1:])
		case "schema":
			return c.schema(ctx, args[1:])
		case "migrate":
			return c.usageError(errMigrateMoved)
		}
	}
	return c.generate(ctx, args, *verbose)
}

// errMigrateMoved answers `wfgen migrate`: the generator links no
// database driver, and the wf command applies migrations.
var errMigrateMoved = errors.New("migrate is not a wfgen command: use `wf migrate` (go tool wf migrate, after go get -tool github.com/wfgo/wf/cmd/wf), which takes the same flags")

type cli struct {
	stdout, stderr io.Writer
	cfg            gen.Config
}

func (c *cli) flagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

func (c *cli) usageError(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(c.stdout, usage)
		return exitOK
	}
	fmt.Fprintf(c.stderr, "wfgen: %v\nRun 'wfgen help' for usage.\n", err)
	return exitUsage
}

// fail prints err, one line per diagnostic for a scanner.ErrorList, and
// returns exitError.
func (c *cli) fail(err error) int {
	var list scanner.ErrorList
	if errors.As(err, &list) {
		scanner.PrintError(c.stderr, list)
		return exitError
	}
	fmt.Fprintf(c.stderr, "wfgen: %v\n", err)
	return exitError
}

func (c *cli) help(args []string) int {
	switch len(args) {
	case 0:
		fmt.Fprint(c.stdout, usage)
		fmt.Fprintf(c.stdout, "Directives (in the doc comment of a type, no space after //; gofmt keeps them\nat the end of the comment):\n\n")
		if err := gen.DirectiveHelp(c.stdout, ""); err != nil {
			return c.fail(err)
		}
		return exitOK
	case 1:
		if err := gen.DirectiveHelp(c.stdout, args[0]); err != nil {
			return c.usageError(err)
		}
		return exitOK
	}
	return c.usageError(fmt.Errorf("help takes at most one directive name, got %q", strings.Join(args, " ")))
}

func (c *cli) generate(ctx context.Context, patterns []string, verbose bool) int {
	cfg := c.cfg
	cfg.Patterns = patterns
	res, err := gen.Generate(ctx, cfg)
	if err != nil {
		return c.fail(err)
	}
	c.tidyNotice(ctx, res.Written)
	if verbose {
		for _, f := range res.Written {
			fmt.Fprintf(c.stdout, "wrote %s\n", f)
		}
		for _, f := range res.Removed {
			fmt.Fprintf(c.stdout, "removed %s\n", f)
		}
	}
	return exitOK
}

// tidyNotice says, after wfgen wrote host files, when the module's go.mod
// does not yet require what they import (a new //wf:hosts makes the mains
// import the hosts' packages, and their dependencies): what to run, and
// that wfgen must run again when it wrote the Cloudflare Worker's module,
// whose go.mod copies the app's requirements. It stays silent when the
// module is tidy or go mod tidy -diff cannot tell (offline, say).
func (c *cli) tidyNotice(ctx context.Context, written []string) {
	hosts, cloudflare := false, false
	for _, f := range written {
		f = filepath.ToSlash(f)
		if strings.HasPrefix(f, "wfhosts/") || strings.Contains(f, "/wfhosts/") {
			hosts = true
			cloudflare = cloudflare || strings.Contains(f, "wfhosts/cloudflare/")
		}
	}
	if !hosts {
		return
	}
	cmd := exec.CommandContext(ctx, "go", "mod", "tidy", "-diff")
	cmd.Dir = c.cfg.Dir
	out, err := cmd.Output()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || len(out) == 0 {
		return
	}
	msg := "wfgen: go.mod does not yet require what the hosts in wfhosts/ import: run `go mod tidy`"
	if cloudflare {
		msg += ", then wfgen again (go generate ./...), which copies the tidied requirements into wfhosts/cloudflare/go.mod"
	}
	fmt.Fprintln(c.stderr, msg)
}

func (c *cli) check(ctx context.Context, args []string) int {
	fs := c.flagSet("check")
	var a against
	fs.StringVar(&a.url, "against", "", "check the runs in flight in the Postgres database at `url` (or $VAR)")
	fs.StringVar(&a.sqlite, "sqlite", "", "check the runs in flight in the SQLite database `file`")
	fs.StringVar(&a.schema, "schema", "", "the Postgres schema; defaults to the url's search_path, then the store's")
	fs.StringVar(&a.prefix, "table-prefix", "", "the prefix of the store's table names")
	asJSON := fs.Bool("json", false, "print the runs that cannot be resumed as JSON")
	if err := fs.Parse(bareAgainst(args)); err != nil {
		return c.usageError(err)
	}
	if a.url != "" && a.sqlite != "" {
		return c.usageError(errAgainstBoth)
	}
	cfg := c.cfg
	cfg.Patterns = fs.Args()
	if !a.set() {
		if err := gen.Check(ctx, cfg); err != nil {
			return c.fail(err)
		}
		return exitOK
	}
	storeCfg, op, err := a.config()
	if err != nil {
		return c.fail(err)
	}
	pkgs, err := gen.CheckWorkflows(ctx, cfg)
	if err != nil {
		return c.fail(err)
	}
	return c.checkAgainst(ctx, storeCfg, op, pkgs, *asJSON)
}

func (c *cli) schema(ctx context.Context, args []string) int {
	fs := c.flagSet("schema")
	out := fs.String("o", "", "write the schemas to `dir`")
	verbose := fs.Bool("v", false, "list the files written")
	if err := fs.Parse(args); err != nil {
		return c.usageError(err)
	}
	if *out == "" {
		return c.usageError(errors.New("schema: missing -o dir"))
	}
	cfg := c.cfg
	cfg.Patterns = fs.Args()
	dir := *out
	if !filepath.IsAbs(dir) && cfg.Dir != "" {
		dir = filepath.Join(cfg.Dir, dir)
	}
	written, err := gen.WriteSchemas(ctx, cfg, dir)
	if err != nil {
		return c.fail(err)
	}
	if *verbose {
		for _, f := range written {
			fmt.Fprintf(c.stdout, "wrote %s\n", f)
		}
	}
	return exitOK
}
