package wfgencli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/wfgo/wf/gen"
	"github.com/wfgo/wf/runtime/deploycheck"
)

// against says which store `wfgen check --against` reads.
type against struct {
	url    string // --against: a Postgres URL, or $NAME of a variable holding one
	sqlite string // --sqlite: a SQLite database file
	schema string // --schema
	prefix string // --table-prefix
}

func (a *against) set() bool { return a.url != "" || a.sqlite != "" }

// resolveURL returns the Postgres URL --against names: itself, or the
// value of the environment variable it names as $NAME (so that a
// pipeline can pass --against '$DATABASE_URL' without putting the URL,
// which holds a password, on the command line).
func (a *against) resolveURL() (string, error) {
	name, ok := strings.CutPrefix(a.url, "$")
	if !ok {
		return a.url, nil
	}
	url := os.Getenv(name)
	if url == "" {
		return "", fmt.Errorf("check: --against %s: the environment variable %s is not set", a.url, name)
	}
	return url, nil
}

// config returns the store's configuration for the replay program, the
// package of the Opener it reads the store with, and its expression.
func (a *against) config() (deploycheck.StoreConfig, opener, error) {
	cfg := deploycheck.StoreConfig{Schema: a.schema, TablePrefix: a.prefix}
	if a.sqlite != "" {
		// A missing file fails before the slow part, the program's build.
		if _, err := os.Stat(a.sqlite); err != nil {
			return cfg, opener{}, fmt.Errorf("check: --sqlite: %w", err)
		}
		cfg.SQLite = a.sqlite
		return cfg, opener{Path: "github.com/wfgo/wf/runtime/deploycheck/sqlite"}, nil
	}
	url, err := a.resolveURL()
	if err != nil {
		return cfg, opener{}, err
	}
	cfg.URL = url
	return cfg, opener{Path: "github.com/wfgo/wf/runtime/deploycheck/postgres"}, nil
}

// opener is the package whose Open the replay program reads the store with.
type opener struct{ Path string }

// bareAgainst rewrites a --against given without a URL (last, or
// followed by a flag or a package pattern) into --against=$DATABASE_URL,
// the default the migrate command has too. A URL is recognised by its
// scheme, a $NAME, or a keyword=value connection string.
func bareAgainst(args []string) []string {
	out := make([]string, 0, len(args))
	for i, arg := range args {
		if arg == "--" {
			return append(out, args[i:]...)
		}
		if arg != "--against" && arg != "-against" {
			out = append(out, arg)
			continue
		}
		if i+1 < len(args) && isPostgresURL(args[i+1]) {
			out = append(out, arg)
			continue
		}
		out = append(out, "--against=$DATABASE_URL")
	}
	return out
}

func isPostgresURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://") ||
		strings.HasPrefix(s, "$") || strings.Contains(s, "=")
}

// errAgainstBoth is the usage error of --against with --sqlite.
var errAgainstBoth = errors.New("check: set --against or --sqlite, not both")

// checkAgainst replays the runs in flight of each package's workflows and
// reports those the code cannot resume: exit status 1 when there are any.
func (c *cli) checkAgainst(ctx context.Context, cfg deploycheck.StoreConfig, op opener, pkgs []gen.WorkflowPackage, asJSON bool) int {
	if len(pkgs) == 0 && !asJSON {
		fmt.Fprintln(c.stdout, "no checked package defines a workflow: no run to check")
		return exitOK
	}
	tmp, err := os.MkdirTemp("", "wfgencheck")
	if err != nil {
		return c.fail(err)
	}
	defer os.RemoveAll(tmp)
	var runs []deploycheck.Checked
	for i, pkg := range pkgs {
		dir := filepath.Join(tmp, strconv.Itoa(i))
		if err := os.Mkdir(dir, 0o777); err != nil {
			return c.fail(err)
		}
		got, err := replayPackage(ctx, c.cfg.Dir, dir, pkg, cfg, op)
		if err != nil {
			return c.fail(err)
		}
		runs = append(runs, got...)
	}
	rows := report(runs)
	if asJSON {
		err = printReportJSON(c.stdout, len(runs), rows)
	} else if len(rows) > 0 {
		err = printReport(c.stdout, rows)
	}
	if err != nil {
		return c.fail(err)
	}
	if len(rows) > 0 {
		stuck := 0
		for _, r := range rows {
			stuck += r.Runs
		}
		fmt.Fprintf(c.stderr, "wfgen: check: this code cannot resume %s of the %s in flight\n", plural(stuck, "run"), plural(len(runs), "run"))
		return exitError
	}
	if !asJSON {
		fmt.Fprintf(c.stdout, "%s in flight checked: the code resumes all of them\n", plural(len(runs), "run"))
	}
	return exitOK
}

// replayPackage runs the replay program of pkg, written in tmp, on the
// store cfg names, and returns the runs it checked.
func replayPackage(ctx context.Context, dir, tmp string, pkg gen.WorkflowPackage, cfg deploycheck.StoreConfig, op opener) ([]deploycheck.Checked, error) {
	r, err := startReplayer(ctx, dir, tmp, pkg, op, cfg)
	if err != nil {
		return nil, err
	}
	return r.receive()
}
