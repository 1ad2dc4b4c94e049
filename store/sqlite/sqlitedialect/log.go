package sqlitedialect

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
)

// eventsPerStatement bounds the rows of one multi-row event INSERT: D1
// accepts at most 100 bound parameters per statement (4 per event + 3).
const eventsPerStatement = 16

const (
	// logGuardSQL opens an Append of several INSERTs, and is read after a
	// self-guarded Append or Commit that changed nothing: it returns a row only
	// while owner holds the lease (else: store.ErrLeaseLost), telling
	// whether the log ends where the batch starts (else: store.ErrConflict).
	// ?3 is the first new index, 0 when none. It is a read: inside the
	// batch's transaction the lease cannot change under it, and an append
	// then writes only the log's page.
	logGuardSQL = `SELECT ?3 = 0 OR EXISTS (SELECT 1 FROM {events} WHERE run_id = ?1 AND idx = ?3 - 1)
	FROM {runs} WHERE id = ?1 AND lease_owner = ?2 AND ?2 <> ''`

	// holdsLease keeps a statement from changing anything when the batch's
	// guard failed (a D1 batch runs every statement).
	holdsLease = `EXISTS (SELECT 1 FROM {runs} WHERE id = ?1 AND lease_owner = ?2 AND ?2 <> '')`
	// follows keeps a chunk of events from landing after a gap: the index
	// before its first (?3) must exist.
	follows = `(?3 = 0 OR EXISTS (SELECT 1 FROM {events} WHERE run_id = ?1 AND idx = ?3 - 1))`

	logSQL    = `SELECT idx, data FROM {events} WHERE run_id = ?1 ORDER BY idx`
	windowSQL = `SELECT idx, data FROM {events} WHERE run_id = ?1 AND idx >= ?2 ORDER BY idx LIMIT ?3`
	existsSQL = `SELECT 1 FROM {runs} WHERE id = ?1`

	deliveriesSQL = `SELECT signal_id, data FROM {deliveries} WHERE run_id = ?1 ORDER BY created_at, signal_id`
)

// encodedEvent is an event as stored.
type encodedEvent struct {
	typ, stepID, data string
}

// encodeEvents validates and encodes the events to store from index next.
func (s *Store) encodeEvents(runID string, next int, evs []wf.Event) ([]encodedEvent, error) {
	out := make([]encodedEvent, len(evs))
	for i := range evs {
		idx := next + i
		if err := evs[i].Validate(); err != nil {
			return nil, fmt.Errorf("sqlite: run %q: event %d: %w", runID, idx, err)
		}
		b, err := wf.EncodeEvent(evs[i])
		if err != nil {
			return nil, fmt.Errorf("sqlite: run %q: event %d: %w", runID, idx, err)
		}
		if len(b) > s.cfg.MaxPayloadSize {
			return nil, s.tooLarge(runID, fmt.Sprintf("event %d (%s)", idx, evs[i].Type), len(b))
		}
		out[i] = encodedEvent{typ: string(evs[i].Type), stepID: evs[i].StepID, data: string(b)}
	}
	return out, nil
}

// logGuard is the guard of an Append or Commit from index next.
func (s *Store) logGuard(runID, owner string, next int, hasEvents bool) Statement {
	first := int64(0)
	if hasEvents {
		first = int64(next)
	}
	st := s.query(logGuardSQL, runID, owner, first)
	st.Check = func(r Result) error {
		if len(r.Rows) == 0 {
			return failed(fmt.Errorf("sqlite: run %q: owner %q: %w", runID, owner, store.ErrLeaseLost))
		}
		if integer(r.Rows[0][0]) == 0 {
			return failed(fmt.Errorf("sqlite: run %q: append at index %d: the log ends before it: %w", runID, next, store.ErrConflict))
		}
		return nil
	}
	return st
}

// insertEvents returns the INSERTs of evs at indexes next, next+1, …,
// each conditional on owner's lease and on following the previous index.
func (s *Store) insertEvents(runID, owner string, next int, evs []encodedEvent) []Statement {
	return s.insertEventsIf(holdsLease, runID, owner, next, evs)
}

// insertEventsIf is insertEvents under another guard than the lease; the
// guard's parameters are ?1 the run and ?2 p2.
func (s *Store) insertEventsIf(guard, runID string, p2 any, next int, evs []encodedEvent) []Statement {
	stmts := make([]Statement, 0, (len(evs)+eventsPerStatement-1)/eventsPerStatement)
	for start := 0; start < len(evs); start += eventsPerStatement {
		chunk := evs[start:min(start+eventsPerStatement, len(evs))]
		args := make([]any, 3, 3+4*len(chunk))
		args[0], args[1], args[2] = runID, p2, int64(next+start)
		for i, ev := range chunk {
			args = append(args, int64(next+start+i), ev.typ, ev.stepID, ev.data)
		}
		stmts = append(stmts, Statement{SQL: s.insertEventsSQL(guard, len(chunk)), Args: args})
	}
	return stmts
}

// insertEventsSQL returns, expanded, the INSERT of n events under guard,
// built once per guard and n.
func (s *Store) insertEventsSQL(guard string, n int) string {
	if guard == holdsLease && s.leaseInserts[n] != "" {
		return s.leaseInserts[n]
	}
	key := insertKey{guard: guard, n: n}
	if v, ok := s.inserts.Load(key); ok {
		return v.(string)
	}
	var b strings.Builder
	b.WriteString(`INSERT INTO {events} (run_id, idx, type, step_id, data)
	SELECT ?1, column1, column2, column3, column4 FROM (VALUES `)
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		p := 3 + 4*i
		fmt.Fprintf(&b, "(?%d, ?%d, ?%d, ?%d)", p+1, p+2, p+3, p+4)
	}
	b.WriteString(`)
	WHERE ` + guard + ` AND ` + follows)
	q := s.replacer.Replace(b.String())
	s.inserts.Store(key, q)
	return q
}

// insertKey names a memoised INSERT of events.
type insertKey struct {
	guard string
	n     int
}

// Append adds events at c.Next, c.Next+1, … while c.Owner holds the lease.
func (s *Store) Append(ctx context.Context, runID string, c store.Append) error {
	if len(c.Events) == 0 {
		return nil
	}
	evs, err := s.encodeEvents(runID, c.Next, c.Events)
	if err != nil {
		return err
	}
	what := func() string { return fmt.Sprintf("run %q: append at index %d", runID, c.Next) }
	inserts := s.insertEvents(runID, c.Owner, c.Next, evs)
	if len(inserts) > 1 {
		stmts := append([]Statement{s.logGuard(runID, c.Owner, c.Next, true)}, inserts...)
		_, err = s.writeAs(ctx, what, stmts)
		return err
	}
	// One INSERT guards itself (the lease, the log's end) and writes all
	// its events or none: a batch of one statement, which an executor may
	// run without a transaction around it. Only when it inserts nothing is
	// the guard read, to tell why.
	insert := inserts[0]
	insert.Check = wrote(int64(len(evs)))
	_, err = s.writeAs(ctx, what, []Statement{insert})
	if !errors.Is(err, errRefused) {
		return err
	}
	return s.refused(ctx, what, runID, c.Owner, c.Next, true)
}

// refused tells why a self-guarded write of events from index next (none
// when !hasEvents) by owner changed nothing: it reads the guard and
// returns store.ErrLeaseLost or store.ErrConflict.
func (s *Store) refused(ctx context.Context, what func() string, runID, owner string, next int, hasEvents bool) error {
	guard := s.logGuard(runID, owner, next, hasEvents)
	res, err := s.read(ctx, what(), []Statement{guard})
	if err != nil {
		return err
	}
	if err := guard.Check(res[0]); err != nil {
		var ce *checkError
		if errors.As(err, &ce) {
			return ce.err
		}
		return err
	}
	// The guard holds now: the lease or the log changed in between.
	return fmt.Errorf("sqlite: %s: the log or the lease changed: %w", what(), store.ErrConflict)
}

// wrote is the Check of a self-guarded statement that writes n rows when
// its guard lets it, and none otherwise: errRefused unless it wrote n.
func wrote(n int64) func(Result) error {
	return func(r Result) error {
		if r.RowsAffected != n {
			return failed(errRefused)
		}
		return nil
	}
}

// errRefused is a guarded write that wrote nothing; the store reads its
// guard to tell the caller why.
var errRefused = errors.New("sqlite: the write's guard refused it")

// LoadExecution returns a run with its log and deliveries, read from one
// snapshot.
func (s *Store) LoadExecution(ctx context.Context, runID string) (store.Execution, error) {
	res, err := s.read(ctx, "load run "+runID, []Statement{
		s.query(selectRunSQL, runID),
		s.query(logSQL, runID),
		s.query(deliveriesSQL, runID),
	})
	if err != nil {
		return store.Execution{}, err
	}
	var exec store.Execution
	if exec.Run, err = s.oneRun(runID, res[0]); err != nil {
		return store.Execution{}, err
	}
	if exec.Events, err = decodeEvents(runID, 0, res[1].Rows); err != nil {
		return store.Execution{}, err
	}
	if exec.Deliveries, err = decodeDeliveries(runID, res[2].Rows); err != nil {
		return store.Execution{}, err
	}
	return exec, nil
}

// Events returns a run's log from index from, at most limit events (0: all).
func (s *Store) Events(ctx context.Context, runID string, from, limit int) ([]wf.Event, error) {
	res, err := s.read(ctx, "read events of run "+runID, []Statement{
		s.query(existsSQL, runID),
		s.query(windowSQL, runID, int64(max(from, 0)), limitArg(limit)),
	})
	if err != nil {
		return nil, err
	}
	if len(res[0].Rows) == 0 {
		return nil, fmt.Errorf("sqlite: run %q: %w", runID, store.ErrNotFound)
	}
	return decodeEvents(runID, max(from, 0), res[1].Rows)
}

// decodeEvents decodes rows of (idx, data) that must start at index from
// and follow each other.
func decodeEvents(runID string, from int, rows [][]any) ([]wf.Event, error) {
	evs := make([]wf.Event, len(rows))
	for i, row := range rows {
		idx := integer(row[0])
		if idx != int64(from+i) {
			return nil, corrupt(runID, fmt.Sprintf("log has index %d where %d belongs", idx, from+i), fmt.Errorf("gap in the log"))
		}
		ev, err := wf.DecodeEvent([]byte(text(row[1])))
		if err != nil {
			return nil, corrupt(runID, fmt.Sprintf("event %d", idx), err)
		}
		evs[i] = ev
	}
	return evs, nil
}
