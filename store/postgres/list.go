package postgres

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/wfgo/wf/store"
)

// defaultListLimit is ListQuery.Limit's documented default.
const defaultListLimit = 50

// ListRuns returns run summaries newest first by (CreatedAt, ID), filtered
// by workflow and status and paged by an opaque cursor. A status filter
// scans the (created_at, id) index: runs change status on every commit,
// and an index on it would cost every commit an index write.
func (s *Store) ListRuns(ctx context.Context, q store.ListQuery) (store.RunPage, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = defaultListLimit
	}
	var (
		where []string
		args  []any
	)
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if q.WorkflowID != "" {
		where = append(where, "workflow_id = "+arg(q.WorkflowID))
	}
	if q.Status != "" {
		where = append(where, "status = "+arg(string(q.Status)))
	}
	if q.Cursor != "" {
		at, id, err := decodeCursor(q.Cursor)
		if err != nil {
			return store.RunPage{}, err
		}
		where = append(where, fmt.Sprintf("(created_at, id) < (%s, %s)", arg(at), arg(id)))
	}
	// The statement's text depends only on which filters are set, so the
	// statement cache holds a handful of variants.
	sql := s.q.listRuns
	if len(where) > 0 {
		sql += " WHERE " + strings.Join(where, " AND ")
	}
	sql += " ORDER BY created_at DESC, id DESC LIMIT " + arg(limit+1)

	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return store.RunPage{}, fmt.Errorf("postgres: list runs: %w", err)
	}
	defer rows.Close()
	var page store.RunPage
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return store.RunPage{}, fmt.Errorf("postgres: list runs: %w", err)
		}
		page.Runs = append(page.Runs, r)
	}
	if err := rows.Err(); err != nil {
		return store.RunPage{}, fmt.Errorf("postgres: list runs: %w", err)
	}
	if len(page.Runs) > limit {
		page.Runs = page.Runs[:limit]
		last := page.Runs[limit-1]
		page.Next = encodeCursor(last.CreatedAt, last.ID)
	}
	return page, nil
}

// A cursor is the (created_at, id) of the last run of a page, as
// base64url("<unix microseconds>:<id>"): microseconds are the column's
// precision, so the comparison is exact.
func encodeCursor(at time.Time, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(at.UnixMicro(), 10) + ":" + id))
}

func decodeCursor(c string) (time.Time, string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err == nil {
		micros, id, ok := strings.Cut(string(b), ":")
		if us, perr := strconv.ParseInt(micros, 10, 64); ok && perr == nil {
			return time.UnixMicro(us).UTC(), id, nil
		}
	}
	return time.Time{}, "", fmt.Errorf("postgres: list runs: malformed cursor %q", c)
}
