package postgres

import (
	"fmt"
	"regexp"
)

// Option configures New and Migrate.
type Option func(*config)

// config is what the options set; the zero value is never used directly.
type config struct {
	schema     string
	prefix     string
	maxPayload int
	notify     string
}

// DefaultMaxPayload is the default limit on one stored payload: 1 MiB.
const DefaultMaxPayload = 1 << 20

const (
	defaultSchema = "public"
	defaultPrefix = "wf_"
)

func newConfig(opts []Option) (config, error) {
	c := config{schema: defaultSchema, prefix: defaultPrefix, maxPayload: DefaultMaxPayload}
	for _, o := range opts {
		o(&c)
	}
	if !identifier.MatchString(c.schema) {
		return c, fmt.Errorf("postgres: schema %q: want a lower-case SQL identifier matching %s", c.schema, identifier)
	}
	if c.prefix != "" && !identifier.MatchString(c.prefix) {
		return c, fmt.Errorf("postgres: table prefix %q: want a lower-case SQL identifier matching %s", c.prefix, identifier)
	}
	// The longest name the schema makes must fit PostgreSQL's 63-byte limit.
	if n := len(c.prefix) + len(longestName); n > 63 {
		return c, fmt.Errorf("postgres: table prefix %q is too long: %s%s would be %d bytes, over PostgreSQL's 63", c.prefix, c.prefix, longestName, n)
	}
	if c.maxPayload <= 0 {
		return c, fmt.Errorf("postgres: max payload %d: want a positive size in bytes", c.maxPayload)
	}
	return c, nil
}

// identifier is what schema names and table prefixes may look like: plain
// identifiers that need no quoting.
var identifier = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

// longestName is the longest name, after the prefix, in the schema.
const longestName = "schedule_buckets_list_idx"

// WithSchema puts the tables in the named schema, which Migrate creates if
// needed. It must be a lower-case identifier. Defaults to public.
func WithSchema(name string) Option { return func(c *config) { c.schema = name } }

// WithTablePrefix starts every table, index and constraint name with
// prefix, so that several stores can share a schema. It must be a
// lower-case identifier, or empty. Defaults to wf_.
func WithTablePrefix(prefix string) Option { return func(c *config) { c.prefix = prefix } }

// WithMaxPayload caps the size in bytes of each payload the store writes:
// a run's input and output, each encoded event (which holds step results
// and signal payloads), each delivery and a schedule's input. A write with
// a larger payload fails with store.ErrTooLarge before anything is
// written. Migrate ignores it. Defaults to DefaultMaxPayload (1 MiB).
func WithMaxPayload(bytes int) Option { return func(c *config) { c.maxPayload = bytes } }

// WithNotify makes the store send NOTIFY channel, with the run's ID as
// payload, in the same transaction as a delivery and as a commit that
// leaves a run ready for another driver (yielded, or paused while a
// delivery arrived). A worker LISTENing on channel (host/envstore/postgres.Listen)
// then sweeps at once instead of at its next poll. Wake-ups are only an
// optimisation: behind a pooler that cannot LISTEN, polling still finds the
// work. Defaults to none.
func WithNotify(channel string) Option { return func(c *config) { c.notify = channel } }
