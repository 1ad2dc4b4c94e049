// Package envstore is how a host opens the store its environment names,
// without linking a database driver: the drivers are its subpackages,
// github.com/wfgo/wf/host/envstore/postgres (DATABASE_URL) and
// github.com/wfgo/wf/host/envstore/sqlite (WF_SQLITE_PATH), and a host
// links only the ones its main imports, so a PostgreSQL host carries no
// SQLite driver and a SQLite host no pgx. Either joins the two for a host
// that takes whichever the environment names.
package envstore

import (
	"context"
	"errors"
	"log/slog"
	"strings"

	"github.com/wfgo/wf/store"
)

// DefaultSQLitePath is the SQLite file used when neither DATABASE_URL nor
// WF_SQLITE_PATH is set.
const DefaultSQLitePath = "wf.db"

// DefaultNotifyChannel is the channel a PostgreSQL store NOTIFYs when a run
// becomes ready (WF_PG_NOTIFY names another; "off" turns it off).
const DefaultNotifyChannel = "wf_wake"

// Opened is an opened store with what it needs closed.
type Opened struct {
	Store store.Store
	// Kind is "postgres" or "sqlite".
	Kind string
	// NotifyChannel is the channel the store NOTIFYs ("" for none).
	NotifyChannel string
	// Wake, set when the store can say that runs became ready (PostgreSQL
	// LISTEN on NotifyChannel), returns a channel that receives then,
	// until ctx ends: a worker sweeps early on each receive.
	Wake func(ctx context.Context, logger *slog.Logger) <-chan struct{}
	// Release releases the store's connections; Close calls it.
	Release func()
}

// Close releases the store's connections.
func (o *Opened) Close() {
	if o != nil && o.Release != nil {
		o.Release()
	}
}

// Opener opens the store the environment (read through getenv, usually
// os.Getenv) names. It never creates the schema: with migrate false an
// unmigrated database is an error naming `wf migrate`; with migrate
// true (demos, tests, a single-binary app) it migrates first. The
// subpackages' Open functions are Openers.
type Opener func(ctx context.Context, getenv func(string) string, migrate bool) (*Opened, error)

// Either returns an Opener that opens PostgreSQL with pg when DATABASE_URL
// is set and SQLite with lite otherwise: a host that imports both drivers
// takes whichever its environment names.
func Either(pg, lite Opener) Opener {
	return func(ctx context.Context, getenv func(string) string, migrate bool) (*Opened, error) {
		if getenv("DATABASE_URL") != "" {
			return pg(ctx, getenv, migrate)
		}
		return lite(ctx, getenv, migrate)
	}
}

// ErrNoDatabaseURL is the PostgreSQL opener's error when DATABASE_URL is
// unset.
var ErrNoDatabaseURL = errors.New("envstore: DATABASE_URL is not set; this host opens PostgreSQL only (//wf:hosts store=)")

// SQLiteDSN is the modernc.org/sqlite DSN used for a database file. The
// path is escaped: in a file: URI a '#' or '?' would otherwise end it.
func SQLiteDSN(path string) string {
	return "file:" + uriPathEscaper.Replace(path) + "?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)"
}

var uriPathEscaper = strings.NewReplacer("%", "%25", "#", "%23", "?", "%3F")
