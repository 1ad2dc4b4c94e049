package sqlitedialect

import (
	"fmt"
	"strings"
)

// Defaults of Config.
const (
	// DefaultTablePrefix starts the name of every table.
	DefaultTablePrefix = "wf_"
	// DefaultMaxPayloadSize is the largest JSON value stored: 1 MiB.
	DefaultMaxPayloadSize = 1 << 20
)

// Config configures a Store. The zero value is ready to use.
type Config struct {
	// TablePrefix starts the name of every table: letters, digits and
	// underscores, not starting with a digit. Defaults to "wf_".
	TablePrefix string
	// MaxPayloadSize caps, in bytes, each stored JSON value: a run's input
	// and output, an encoded event, a delivery, a schedule's input. A write
	// with a larger value fails with an error wrapping store.ErrTooLarge
	// and writes nothing. Defaults to 1 MiB.
	MaxPayloadSize int
}

func (c Config) withDefaults() (Config, error) {
	if c.TablePrefix == "" {
		c.TablePrefix = DefaultTablePrefix
	}
	if err := ValidatePrefix(c.TablePrefix); err != nil {
		return Config{}, err
	}
	if c.MaxPayloadSize == 0 {
		c.MaxPayloadSize = DefaultMaxPayloadSize
	}
	if c.MaxPayloadSize < 0 {
		return Config{}, fmt.Errorf("sqlite: MaxPayloadSize %d is negative", c.MaxPayloadSize)
	}
	return c, nil
}

// ValidatePrefix reports whether prefix can start a table name unquoted.
// Table names are spliced into SQL text, so nothing else is allowed.
func ValidatePrefix(prefix string) error {
	for i, r := range prefix {
		switch {
		case r == '_', r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
		case r >= '0' && r <= '9' && i > 0:
		default:
			return fmt.Errorf("sqlite: table prefix %q: want letters, digits and underscores, not starting with a digit", prefix)
		}
	}
	return nil
}

// tables holds the prefixed table names.
type tables struct {
	runs, events, timers, deliveries, schedules, buckets, migrations string
}

func newTables(prefix string) tables {
	return tables{
		runs:       prefix + "runs",
		events:     prefix + "events",
		timers:     prefix + "timers",
		deliveries: prefix + "deliveries",
		schedules:  prefix + "schedules",
		buckets:    prefix + "schedule_buckets",
		migrations: prefix + "migrations",
	}
}

// replacer fills in the {runs}-style table placeholders of SQL templates.
func (t tables) replacer() *strings.Replacer {
	return strings.NewReplacer(
		"{runs}", t.runs,
		"{events}", t.events,
		"{timers}", t.timers,
		"{deliveries}", t.deliveries,
		"{schedules}", t.schedules,
		"{buckets}", t.buckets,
		"{migrations}", t.migrations,
	)
}
