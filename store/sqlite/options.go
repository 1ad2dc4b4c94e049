package sqlite

import (
	"fmt"
	"time"

	"github.com/wfgo/wf/store/sqlite/sqlitedialect"
)

// DefaultBusyTimeout is how long a write waits for a writer in another
// process before it fails.
const DefaultBusyTimeout = 5 * time.Second

// Option configures New and Migrate.
type Option func(*options) error

type options struct {
	cfg         sqlitedialect.Config
	busyTimeout time.Duration
}

func newOptions(opts []Option) (options, error) {
	o := options{
		cfg:         sqlitedialect.Config{TablePrefix: sqlitedialect.DefaultTablePrefix, MaxPayloadSize: sqlitedialect.DefaultMaxPayloadSize},
		busyTimeout: DefaultBusyTimeout,
	}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return options{}, err
		}
	}
	return o, nil
}

// WithTablePrefix sets the prefix of every table name: letters, digits and
// underscores, not starting with a digit. Migrate and New must use the same
// prefix. Defaults to "wf_".
func WithTablePrefix(prefix string) Option {
	return func(o *options) error {
		if prefix == "" {
			return fmt.Errorf("sqlite: WithTablePrefix: empty prefix")
		}
		if err := sqlitedialect.ValidatePrefix(prefix); err != nil {
			return err
		}
		o.cfg.TablePrefix = prefix
		return nil
	}
}

// WithMaxPayloadSize caps, in bytes, each stored JSON value: a run's input
// and output, an encoded event, a delivery, a schedule's input. A write with
// a larger value fails with an error wrapping store.ErrTooLarge and writes
// nothing. Defaults to 1 MiB.
func WithMaxPayloadSize(bytes int) Option {
	return func(o *options) error {
		if bytes <= 0 {
			return fmt.Errorf("sqlite: WithMaxPayloadSize(%d): want a positive size", bytes)
		}
		o.cfg.MaxPayloadSize = bytes
		return nil
	}
}

// WithBusyTimeout sets how long a write waits for a writer in another
// process (SQLite's busy_timeout on the store's writer connection).
// Writers in this process wait their turn without it. Defaults to 5s.
func WithBusyTimeout(d time.Duration) Option {
	return func(o *options) error {
		if d < 0 {
			return fmt.Errorf("sqlite: WithBusyTimeout(%s): negative", d)
		}
		o.busyTimeout = d
		return nil
	}
}
