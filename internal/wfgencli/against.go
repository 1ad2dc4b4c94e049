package wfgencli

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/wfgo/wf/gen"
	"github.com/wfgo/wf/store"
	"github.com/wfgo/wf/store/postgres"
	"github.com/wfgo/wf/store/sqlite"
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

// open opens the store read-only and returns it with its closer.
func (a *against) open(ctx context.Context) (store.Store, func(), error) {
	if a.sqlite != "" {
		return openSQLiteReadOnly(a.sqlite, a.prefix)
	}
	url, err := a.resolveURL()
	if err != nil {
		return nil, nil, err
	}
	return openPostgresReadOnly(ctx, url, a.schema, a.prefix)
}

// openPostgresReadOnly opens a pool whose sessions refuse writes
// (default_transaction_read_only), so the check cannot change the store
// whatever the store's code does.
func openPostgresReadOnly(ctx context.Context, url, schema, prefix string) (store.Store, func(), error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, nil, fmt.Errorf("check: --against: %w", err)
	}
	cfg.ConnConfig.RuntimeParams["default_transaction_read_only"] = "on"
	if schema == "" {
		schema = searchPathSchema(cfg.ConnConfig.RuntimeParams["search_path"])
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("check: --against: %w", err)
	}
	var opts []postgres.Option
	if schema != "" {
		opts = append(opts, postgres.WithSchema(schema))
	}
	if prefix != "" {
		opts = append(opts, postgres.WithTablePrefix(prefix))
	}
	st, err := postgres.New(ctx, pool, opts...)
	if err != nil {
		pool.Close()
		return nil, nil, fmt.Errorf("check: --against: %w", err)
	}
	return st, pool.Close, nil
}

// searchPathSchema returns the first schema of a search_path setting:
// a URL that selects the store's schema that way needs no --schema.
func searchPathSchema(searchPath string) string {
	first, _, _ := strings.Cut(searchPath, ",")
	return strings.Trim(strings.TrimSpace(first), `"`)
}

// openSQLiteReadOnly opens the database file with mode=ro: SQLite itself
// refuses writes.
func openSQLiteReadOnly(path, prefix string) (store.Store, func(), error) {
	if _, err := os.Stat(path); err != nil {
		return nil, nil, fmt.Errorf("check: --sqlite: %w", err)
	}
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return nil, nil, fmt.Errorf("check: --sqlite %s: %w", path, err)
	}
	// An empty database is not in WAL mode, and the store's switch to it
	// would fail as a write: say what is wrong instead.
	var tables int
	if err := db.QueryRow("SELECT count(*) FROM sqlite_master WHERE type = 'table'").Scan(&tables); err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("check: --sqlite %s: %w", path, err)
	}
	if tables == 0 {
		db.Close()
		return nil, nil, fmt.Errorf("check: --sqlite %s: the database is empty, not migrated: run `wfgen migrate --sqlite %s` first", path, path)
	}
	var opts []sqlite.Option
	if prefix != "" {
		opts = append(opts, sqlite.WithTablePrefix(prefix))
	}
	st, err := sqlite.New(db, opts...)
	if err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("check: --sqlite %s: %w", path, err)
	}
	return st, func() { st.Close(); db.Close() }, nil
}

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
func (c *cli) checkAgainst(ctx context.Context, st store.Store, pkgs []gen.WorkflowPackage, asJSON bool) int {
	if len(pkgs) == 0 && !asJSON {
		fmt.Fprintln(c.stdout, "no checked package defines a workflow: no run to check")
		return exitOK
	}
	tmp, err := os.MkdirTemp("", "wfgencheck")
	if err != nil {
		return c.fail(err)
	}
	defer os.RemoveAll(tmp)
	var runs []scanned
	for i, pkg := range pkgs {
		dir := filepath.Join(tmp, strconv.Itoa(i))
		if err := os.Mkdir(dir, 0o777); err != nil {
			return c.fail(err)
		}
		got, err := replayPackage(ctx, c.cfg.Dir, dir, pkg, st)
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

// replayPackage starts the replayer of pkg, written in tmp, and replays
// the runs of its workflows.
func replayPackage(ctx context.Context, dir, tmp string, pkg gen.WorkflowPackage, st store.Store) ([]scanned, error) {
	r, err := startReplayer(ctx, dir, tmp, pkg)
	if err != nil {
		return nil, err
	}
	return r.scan(ctx, st)
}
