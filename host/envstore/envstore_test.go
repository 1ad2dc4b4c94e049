package envstore_test

import (
	"context"
	"testing"

	"github.com/wfgo/wf/host/envstore"
)

// TestEither opens PostgreSQL exactly when DATABASE_URL is set.
func TestEither(t *testing.T) {
	t.Parallel()
	opener := func(kind string) envstore.Opener {
		return func(context.Context, func(string) string, bool) (*envstore.Opened, error) {
			return &envstore.Opened{Kind: kind}, nil
		}
	}
	open := envstore.Either(opener("postgres"), opener("sqlite"))
	for url, want := range map[string]string{"postgres://h/db": "postgres", "": "sqlite"} {
		o, err := open(context.Background(), func(k string) string { return map[string]string{"DATABASE_URL": url}[k] }, false)
		if err != nil || o.Kind != want {
			t.Fatalf("DATABASE_URL=%q: %v %v, want %s", url, o, err, want)
		}
	}
}
