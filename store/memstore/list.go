package memstore

import (
	"cmp"
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wfgo/wf/store"
)

// ListRuns returns runs ordered by (CreatedAt, ID) descending, filtered by
// q.WorkflowID, q.Status, q.Queue, q.Parked, q.Since and q.ParentRunID,
// from after q.Cursor, at most q.Limit.
func (s *Store) ListRuns(_ context.Context, q store.ListQuery) (store.RunPage, error) {
	limit := q.PageSize()
	var after *listPosition
	if q.Cursor != "" {
		pos, err := decodeCursor(q.Cursor)
		if err != nil {
			return store.RunPage{}, err
		}
		after = &pos
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	var match []*runEntry
	for _, e := range s.runs {
		r := &e.run
		if (q.WorkflowID == "" || r.WorkflowID == q.WorkflowID) && (q.Status == "" || r.Status == q.Status) &&
			(q.Queue == "" || r.Queue == q.Queue) &&
			(!q.Parked || r.Parked != nil) && !r.CreatedAt.Before(q.Since) &&
			(q.ParentRunID == "" || r.Parent != nil && r.Parent.RunID == q.ParentRunID) &&
			(after == nil || after.compare(positionOf(r)) < 0) {
			match = append(match, e)
		}
	}
	slices.SortFunc(match, func(a, b *runEntry) int { return positionOf(&a.run).compare(positionOf(&b.run)) })

	var page store.RunPage
	for _, e := range match[:min(limit, len(match))] {
		page.Runs = append(page.Runs, cloneRun(e.run))
	}
	if len(match) > limit {
		page.Next = positionOf(&match[limit-1].run).encode()
	}
	return page, nil
}

// listPosition is a run's place in ListRuns order.
type listPosition struct {
	createdAt time.Time
	id        string
}

func positionOf(r *store.Run) listPosition { return listPosition{r.CreatedAt, r.ID} }

// compare orders positions as ListRuns lists them: newest first.
func (p listPosition) compare(o listPosition) int {
	return cmp.Or(o.createdAt.Compare(p.createdAt), strings.Compare(o.id, p.id))
}

// encode makes an opaque cursor: "<unix nanoseconds>.<run ID>" in base64.
func (p listPosition) encode() string {
	raw := strconv.FormatInt(p.createdAt.UnixNano(), 10) + "." + p.id
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

func decodeCursor(cursor string) (listPosition, error) {
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err == nil {
		nanos, id, ok := strings.Cut(string(raw), ".")
		if n, perr := strconv.ParseInt(nanos, 10, 64); ok && perr == nil {
			return listPosition{time.Unix(0, n), id}, nil
		}
	}
	return listPosition{}, fmt.Errorf("memstore: list runs: malformed cursor %q", cursor)
}
