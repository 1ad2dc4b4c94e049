package wfgencli

import (
	"context"
	"fmt"

	"github.com/wfgo/wf/internal/storeflag"
)

// migrate applies a store's schema migrations: Postgres with
// --database-url (or $DATABASE_URL), SQLite with --sqlite.
func (c *cli) migrate(ctx context.Context, args []string) int {
	fs := c.flagSet("migrate")
	var flags storeflag.Flags
	flags.Register(fs)
	verbose := fs.Bool("v", false, "say what was migrated")
	if err := fs.Parse(args); err != nil {
		return c.usageError(err)
	}
	if fs.NArg() > 0 {
		return c.usageError(fmt.Errorf("migrate: unexpected argument %q", fs.Arg(0)))
	}
	flags, err := flags.Resolve(nil)
	if err != nil {
		return c.usageError(fmt.Errorf("migrate: %w", err))
	}
	if err := storeflag.Migrate(ctx, flags); err != nil {
		return c.fail(err)
	}
	if *verbose {
		fmt.Fprintf(c.stdout, "migrated the %s\n", flags.Describe())
	}
	return exitOK
}
