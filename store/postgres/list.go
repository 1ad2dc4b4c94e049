package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/wfgo/wf/store"
)

// ListRuns returns run summaries newest first by (CreatedAt, ID), filtered
// by workflow, status, parked, creation time and parent and paged by an
// opaque cursor. Every combination of filters has an index ending in
// (created_at, id) (migration 0005; a parent's children, 0006), so a page
// reads about Limit index entries however many runs are stored.
func (s *Store) ListRuns(ctx context.Context, q store.ListQuery) (store.RunPage, error) {
	limit := q.PageSize()
	sql, args, err := s.listRunsSQL(q)
	if err != nil {
		return store.RunPage{}, fmt.Errorf("postgres: list runs: %w", err)
	}
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
		page.Next = store.RunCursor(last.CreatedAt, last.ID)
	}
	return page, nil
}

// listRunsSQL is the statement of one ListRuns page, which fetches one run
// more than the page to know whether another follows. Its text depends
// only on which filters are set, never on a filter switched off by an
// empty parameter: each variant is its own prepared statement, and its
// generic plan still uses the index of its filters.
func (s *Store) listRunsSQL(q store.ListQuery) (string, []any, error) {
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
	if q.Queue != "" {
		where = append(where, "queue = "+arg(q.Queue)+" AND queue <> ''")
	}
	if q.Parked {
		where = append(where, "park_reason <> ''")
	}
	if !q.Since.IsZero() {
		where = append(where, "created_at >= "+arg(q.Since))
	}
	if q.ParentRunID != "" {
		// The literal matches runs_parent_idx's predicate.
		where = append(where, "parent_run_id <> '' AND parent_run_id = "+arg(q.ParentRunID))
	}
	if q.Cursor != "" {
		at, id, err := store.ParseRunCursor(q.Cursor)
		if err != nil {
			return "", nil, err
		}
		where = append(where, fmt.Sprintf("(created_at, id) < (%s, %s)", arg(at), arg(id)))
	}
	sql := s.q.listRuns
	if len(where) > 0 {
		sql += " WHERE " + strings.Join(where, " AND ")
	}
	sql += " ORDER BY created_at DESC, id DESC LIMIT " + arg(q.PageSize()+1)
	return sql, args, nil
}
