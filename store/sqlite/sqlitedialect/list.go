package sqlitedialect

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/wfgo/wf/store"
)

// ListRuns returns run summaries ordered by (CreatedAt, ID) descending. The
// cursor is the position of the last run of the previous page. Every
// combination of filters has an index ending in (created_at, id), so a page
// reads about Limit index entries however many runs are stored.
func (s *Store) ListRuns(ctx context.Context, q store.ListQuery) (store.RunPage, error) {
	limit := q.PageSize()
	var where []string
	var args []any
	param := func(v any) string {
		args = append(args, v)
		return "?" + strconv.Itoa(len(args))
	}
	if q.WorkflowID != "" {
		where = append(where, "workflow_id = "+param(q.WorkflowID))
	}
	if q.Status != "" {
		where = append(where, "status = "+param(string(q.Status)))
	}
	if q.Queue != "" {
		where = append(where, "queue = "+param(q.Queue)+" AND queue <> ''")
	}
	if q.Parked {
		where = append(where, "park_reason <> ''")
	}
	if !q.Since.IsZero() {
		where = append(where, "created_at >= "+param(micros(q.Since)))
	}
	if q.ParentRunID != "" {
		// The literal matches the partial index runs_parent_created.
		where = append(where, "parent_run_id <> '' AND parent_run_id = "+param(q.ParentRunID))
	}
	if q.Cursor != "" {
		created, id, err := store.ParseRunCursor(q.Cursor)
		if err != nil {
			return store.RunPage{}, fmt.Errorf("sqlite: ListRuns: %w", err)
		}
		where = append(where, fmt.Sprintf("(created_at, id) < (%s, %s)", param(micros(created)), param(id)))
	}
	sql := `SELECT ` + runColumns + ` FROM {runs}`
	if len(where) > 0 {
		sql += ` WHERE ` + strings.Join(where, " AND ")
	}
	sql += ` ORDER BY created_at DESC, id DESC LIMIT ` + param(int64(limit+1))

	res, err := s.read(ctx, "list runs", []Statement{s.query(sql, args...)})
	if err != nil {
		return store.RunPage{}, err
	}
	runs, err := decodeRuns(res[0].Rows)
	if err != nil {
		return store.RunPage{}, err
	}
	var page store.RunPage
	if len(runs) > limit {
		runs = runs[:limit]
		last := runs[limit-1]
		page.Next = store.RunCursor(last.CreatedAt, last.ID)
	}
	page.Runs = runs
	return page, nil
}
