package sqlitedialect

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"
)

// Stored values. Instants are INTEGER unix microseconds (UTC): exact,
// sortable, and within the 2^53 a D1 (JavaScript) number holds. JSON values
// are TEXT. A released lease is lease_owner '' with lease_expires_at 0, so
// that "free or expired" is the single range lease_expires_at <= now.

// micros is t as stored.
func micros(t time.Time) int64 { return t.UnixMicro() }

// optMicros is an optional instant as stored: NULL when absent.
func optMicros(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMicro()
}

// instant reads a stored instant.
func instant(v any) time.Time { return time.UnixMicro(integer(v)).UTC() }

// optInstant reads an optional stored instant.
func optInstant(v any) *time.Time {
	if v == nil {
		return nil
	}
	t := instant(v)
	return &t
}

// integer reads an INTEGER column; executors may hand it over as int64 or,
// from JavaScript, as float64.
func integer(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case float64:
		return int64(x)
	case int:
		return int64(x)
	case string:
		n, _ := strconv.ParseInt(x, 10, 64)
		return n
	case []byte:
		n, _ := strconv.ParseInt(string(x), 10, 64)
		return n
	}
	return 0
}

// text reads a TEXT column; NULL reads as "".
func text(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []byte:
		return string(x)
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

// rawJSON reads a JSON column into bytes the caller owns; NULL reads as nil.
func rawJSON(v any) json.RawMessage {
	switch x := v.(type) {
	case string:
		return json.RawMessage(x)
	case []byte:
		return slices.Clone(json.RawMessage(x))
	}
	return nil
}

// jsonArg is a JSON value as stored: NULL when absent or null.
func jsonArg(raw json.RawMessage) any {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 || bytes.Equal(t, []byte("null")) {
		return nil
	}
	return string(raw)
}

// boolArg is a boolean as stored.
func boolArg(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// limitArg is a row limit as SQLite reads it: a negative LIMIT means none.
func limitArg(limit int) int64 {
	if limit <= 0 {
		return -1
	}
	return int64(limit)
}
