package cloudflare

import "strings"

// sqliteConstraintUnique is SQLite's extended result code
// SQLITE_CONSTRAINT_UNIQUE.
const sqliteConstraintUnique = 2067

// D1Error is a failure that D1 reported for a batch: the message of the
// JavaScript error its batch() call rejected with. D1 relays SQLite's
// messages but not its result codes; Code recovers the one the dialect
// branches on, so that the store reports a lost compare-and-swap (a
// unique-key failure) as store.ErrConflict.
type D1Error struct {
	// Message is the error's message, such as "D1_ERROR: UNIQUE constraint
	// failed: wf_events.run_id, wf_events.idx: SQLITE_CONSTRAINT".
	Message string
	// Cause is the message of the error's cause, when it has one that the
	// message does not already include.
	Cause string
}

// Error returns the message, prefixed with "d1: ", and the cause.
func (e *D1Error) Error() string {
	if e.Cause == "" || strings.Contains(e.Message, e.Cause) {
		return "d1: " + e.Message
	}
	return "d1: " + e.Message + " (cause: " + e.Cause + ")"
}

// Code returns SQLite's extended result code as far as the message tells
// it: the one D1 names as "(extended: SQLITE_CONSTRAINT_…)", else
// SQLITE_CONSTRAINT_UNIQUE (2067) for "UNIQUE constraint failed", and 0
// when the message does not tell.
func (e *D1Error) Code() int {
	for _, text := range []string{e.Message, e.Cause} {
		if _, name, ok := strings.Cut(text, "(extended: "); ok {
			name, _, _ = strings.Cut(name, ")")
			if code, ok := extendedCodes[name]; ok {
				return code
			}
		}
	}
	if strings.Contains(e.Message, "UNIQUE constraint failed") || strings.Contains(e.Cause, "UNIQUE constraint failed") {
		return sqliteConstraintUnique
	}
	return 0
}

// extendedCodes are SQLite's extended result codes of constraint
// failures, by name.
var extendedCodes = map[string]int{
	"SQLITE_CONSTRAINT_CHECK":      275,
	"SQLITE_CONSTRAINT_FOREIGNKEY": 787,
	"SQLITE_CONSTRAINT_NOTNULL":    1299,
	"SQLITE_CONSTRAINT_PRIMARYKEY": 1555,
	"SQLITE_CONSTRAINT_UNIQUE":     sqliteConstraintUnique,
}
