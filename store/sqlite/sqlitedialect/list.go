package sqlitedialect

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"github.com/wfgo/wf/store"
)

// defaultListLimit is ListQuery.Limit's default.
const defaultListLimit = 50

// ListRuns returns run summaries ordered by (CreatedAt, ID) descending. The
// cursor is the position of the last run of the previous page.
func (s *Store) ListRuns(ctx context.Context, q store.ListQuery) (store.RunPage, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = defaultListLimit
	}
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
	if q.Cursor != "" {
		created, id, err := decodeCursor(q.Cursor)
		if err != nil {
			return store.RunPage{}, err
		}
		where = append(where, fmt.Sprintf("(created_at, id) < (%s, %s)", param(created), param(id)))
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
		page.Next = encodeCursor(micros(last.CreatedAt), last.ID)
	}
	page.Runs = runs
	return page, nil
}

// encodeCursor makes an opaque cursor from a run's position.
func encodeCursor(created int64, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(created, 10) + ":" + id))
}

// decodeCursor reads a cursor made by encodeCursor.
func decodeCursor(c string) (int64, string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err == nil {
		created, id, ok := strings.Cut(string(b), ":")
		if n, perr := strconv.ParseInt(created, 10, 64); ok && perr == nil {
			return n, id, nil
		}
	}
	return 0, "", fmt.Errorf("sqlite: ListRuns: malformed cursor %q", c)
}
