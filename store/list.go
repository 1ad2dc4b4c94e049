package store

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// DefaultListLimit is the page size of ListRuns when ListQuery.Limit is zero.
const DefaultListLimit = 50

// PageSize returns q.Limit, or DefaultListLimit when it is not positive.
func (q ListQuery) PageSize() int {
	if q.Limit <= 0 {
		return DefaultListLimit
	}
	return q.Limit
}

// RunCursor is the ListRuns cursor after a run created at createdAt with
// this ID: base64url("<unix microseconds>:<id>"). Microseconds are what SQL
// stores keep; a store with finer times needs a cursor of its own.
func RunCursor(createdAt time.Time, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(createdAt.UnixMicro(), 10) + ":" + id))
}

// ParseRunCursor reads a cursor made by RunCursor; the time is in UTC.
func ParseRunCursor(cursor string) (time.Time, string, error) {
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err == nil {
		micros, id, ok := strings.Cut(string(b), ":")
		if us, perr := strconv.ParseInt(micros, 10, 64); ok && perr == nil {
			return time.UnixMicro(us).UTC(), id, nil
		}
	}
	return time.Time{}, "", fmt.Errorf("malformed cursor %q", cursor)
}
