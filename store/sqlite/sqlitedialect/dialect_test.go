package sqlitedialect

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
)

func TestStatusLists(t *testing.T) {
	t.Parallel()
	all := []wf.RunStatus{wf.StatusQueued, wf.StatusRunning, wf.StatusPaused,
		wf.StatusFinished, wf.StatusErrored, wf.StatusAborted, wf.StatusCanceled}
	for _, s := range all {
		lit := "'" + string(s) + "'"
		if got := strings.Contains(terminalStatuses, lit); got != s.Terminal() {
			t.Errorf("terminalStatuses lists %s: %v, want %v", s, got, s.Terminal())
		}
		stale := s == wf.StatusQueued || s == wf.StatusRunning
		if got := strings.Contains(staleStatuses, lit); got != stale {
			t.Errorf("staleStatuses lists %s: %v, want %v", s, got, stale)
		}
	}
}

func TestSplitStatements(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"-- only a comment\n", nil},
		{"CREATE TABLE a (x);\nCREATE TABLE b (y);", []string{"CREATE TABLE a (x)", "CREATE TABLE b (y)"}},
		{"SELECT 'a;b'; -- trailing; comment\nSELECT 2", []string{"SELECT 'a;b'", "SELECT 2"}},
		{"SELECT \"x;y\" /* a; b */ FROM t;;", []string{"SELECT \"x;y\"   FROM t"}},
		{"SELECT 'it''s; fine'", []string{"SELECT 'it''s; fine'"}},
		{"SELECT 'unterminated;", []string{"SELECT 'unterminated;"}},
	}
	for _, tt := range tests {
		if got := splitStatements(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("splitStatements(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMigrationsSubstitutePrefix(t *testing.T) {
	t.Parallel()
	ms, err := Migrations("app_")
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) == 0 || ms[0].Version != 1 {
		t.Fatalf("Migrations: %d, first version %v; want version 1 first", len(ms), ms)
	}
	for _, m := range ms {
		for _, q := range m.Statements {
			if strings.Contains(q, "{{") || strings.Contains(q, "wf_") {
				t.Errorf("migration %d statement keeps a placeholder or the default prefix: %s", m.Version, q)
			}
			if u := strings.ToUpper(q); strings.Contains(u, "PRAGMA") || strings.Contains(u, "ATTACH") || strings.Contains(u, "TRIGGER") {
				t.Errorf("migration %d statement uses what D1 refuses: %s", m.Version, q)
			}
		}
	}
	if _, err := Migrations("1bad"); err == nil {
		t.Error(`Migrations("1bad"): no error for a prefix starting with a digit`)
	}
	if _, err := Migrations("x; DROP"); err == nil {
		t.Error(`Migrations("x; DROP"): no error for a prefix with SQL in it`)
	}
}

// bigCommit is a Commit with enough events and timers to need several
// statements of each.
func bigCommit() store.Commit {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	c := store.Commit{RunID: "run-1", Owner: "owner-a", Next: 3, Status: wf.StatusPaused, LoadedSeq: 2, Now: now}
	for i := range 40 {
		c.Events = append(c.Events, wf.Event{Type: wf.StepFinished, Time: now, StepID: fmt.Sprint("s", i), Result: json.RawMessage(`1`)})
	}
	for i := range 70 {
		deadline := now.Add(time.Duration(i) * time.Minute)
		c.Timers = append(c.Timers, store.Timer{RunID: "run-1", StepID: fmt.Sprint("t", i), WakeAt: deadline})
		c.Awaiting = append(c.Awaiting, wf.Await{StepID: fmt.Sprint("t", i), Kind: wf.AwaitTimer, Name: wf.TimerSignal, Deadline: &deadline})
	}
	return c
}

var paramRE = regexp.MustCompile(`\?(\d+)`)

// TestCommitStatementsFitD1 checks what every executor relies on: the
// batch is a pure function of the Commit, binds at most 100 numbered
// parameters per statement, all of them used, with plain values.
func TestCommitStatementsFitD1(t *testing.T) {
	t.Parallel()
	s, err := New(nopExecutor{}, Config{})
	if err != nil {
		t.Fatal(err)
	}
	c := bigCommit()
	stmts, err := s.CommitStatements(c)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := s.CommitStatements(c)
	if len(again) != len(stmts) {
		t.Fatalf("CommitStatements is not repeatable: %d then %d statements", len(stmts), len(again))
	}
	for i := range stmts {
		if stmts[i].SQL != again[i].SQL || !reflect.DeepEqual(stmts[i].Args, again[i].Args) {
			t.Errorf("statement %d differs between two calls with the same Commit", i)
		}
	}
	// 3 event chunks, timer delete, 3 timer chunks, run update
	if want := 3 + 1 + 3 + 1; len(stmts) != want {
		t.Errorf("CommitStatements: %d statements, want %d", len(stmts), want)
	}
	for i, st := range stmts {
		maxParam := 0
		for _, m := range paramRE.FindAllStringSubmatch(st.SQL, -1) {
			n, _ := strconv.Atoi(m[1])
			maxParam = max(maxParam, n)
		}
		if maxParam != len(st.Args) || len(st.Args) > 100 {
			t.Errorf("statement %d: highest parameter ?%d, %d args (D1 binds at most 100)", i, maxParam, len(st.Args))
		}
		for j, a := range st.Args {
			switch a.(type) {
			case nil, int64, string:
			default:
				t.Errorf("statement %d arg %d has type %T, want nil, int64 or string", i, j+1, a)
			}
		}
		if !strings.Contains(st.SQL, "lease_owner = ?2") {
			t.Errorf("statement %d is not conditional on the lease:\n%s", i, st.SQL)
		}
		if i < len(stmts)-1 && st.Check != nil {
			t.Errorf("statement %d carries a Check: only the final run update may", i)
		}
	}
	if stmts[len(stmts)-1].Check == nil {
		t.Error("the final run update must carry a Check")
	}
}

func TestPayloadLimit(t *testing.T) {
	t.Parallel()
	s, err := New(nopExecutor{}, Config{MaxPayloadSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	big := json.RawMessage(`"` + strings.Repeat("x", 200) + `"`)
	c := store.Commit{RunID: "run-1", Owner: "o", Status: wf.StatusFinished, Output: big}
	if _, err := s.CommitStatements(c); !strings.Contains(fmt.Sprint(err), `run "run-1"`) || !isTooLarge(err) {
		t.Errorf("CommitStatements(large output) error = %v, want ErrTooLarge naming the run", err)
	}
	c = store.Commit{RunID: "run-1", Owner: "o", Status: wf.StatusRunning,
		Events: []wf.Event{{Type: wf.StepFinished, StepID: "a", Result: big}}}
	if _, err := s.CommitStatements(c); !isTooLarge(err) {
		t.Errorf("CommitStatements(large event) error = %v, want ErrTooLarge", err)
	}
}

func isTooLarge(err error) bool { return errors.Is(err, store.ErrTooLarge) }
