package cloudflare

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/wfgo/wf/store/sqlite/sqlitedialect"
)

// DefaultBinding is the name of the D1 binding that the example and the
// wrangler.toml template use.
const DefaultBinding = "DB"

// schemaChecks remembers, for the life of the Worker's isolate, the
// databases whose schema was found current, so that an invocation after
// the first costs no extra round trip. A binding names the same database
// for every invocation of one deployment.
var schemaChecks sync.Map // binding + "\x00" + prefix -> struct{}

// OpenStore returns the execution store on the D1 database bound as
// binding (DefaultBinding when ""). The first call in an isolate checks
// that the database holds the current wf schema; the host never creates
// it: apply the migrations with `wrangler d1 migrations apply` (see
// WriteMigrations).
func OpenStore(ctx context.Context, env Env, binding string, cfg sqlitedialect.Config) (*sqlitedialect.Store, error) {
	if binding == "" {
		binding = DefaultBinding
	}
	db, err := env.D1(binding)
	if err != nil {
		return nil, err
	}
	return openStore(ctx, db, binding, cfg, &schemaChecks)
}

// openStore is OpenStore over any executor, with its own memory of checked
// schemas.
func openStore(ctx context.Context, exec sqlitedialect.Executor, binding string, cfg sqlitedialect.Config, checked *sync.Map) (*sqlitedialect.Store, error) {
	st, err := sqlitedialect.New(exec, cfg)
	if err != nil {
		return nil, err
	}
	prefix := cfg.TablePrefix
	if prefix == "" {
		prefix = sqlitedialect.DefaultTablePrefix
	}
	key := binding + "\x00" + prefix
	if _, ok := checked.Load(key); ok {
		return st, nil
	}
	if err := sqlitedialect.CheckSchema(ctx, exec, prefix); err != nil {
		var se *sqlitedialect.SchemaError
		if errors.As(err, &se) {
			return nil, &SchemaError{Binding: binding, Err: se}
		}
		return nil, fmt.Errorf("cloudflare: D1 database %s: %w", binding, err)
	}
	checked.Store(key, struct{}{})
	return st, nil
}

// SchemaError reports a D1 database that does not hold the schema this
// build of wf uses, with the fix that applies on D1.
type SchemaError struct {
	// Binding names the database.
	Binding string
	// Err says which version the database has and which one is wanted.
	Err *sqlitedialect.SchemaError
}

func (e *SchemaError) Error() string {
	if e.Err.Have > e.Err.Want {
		return fmt.Sprintf("cloudflare: D1 database %s: schema version %d is newer than this build of wf knows (%d): upgrade wf",
			e.Binding, e.Err.Have, e.Err.Want)
	}
	return fmt.Sprintf("cloudflare: D1 database %s: schema version %d, want %d: "+
		"write the migrations (wfcloudflare migrations) and apply them with `wrangler d1 migrations apply %s`",
		e.Binding, e.Err.Have, e.Err.Want, e.Binding)
}

// Unwrap returns the dialect's *sqlitedialect.SchemaError.
func (e *SchemaError) Unwrap() error { return e.Err }
