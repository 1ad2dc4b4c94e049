package hosttest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store"
)

// Target is a host serving the ingress API over a runtime with Workflows,
// as Contract drives it.
type Target struct {
	// Do serves one request; auth is the Authorization header ("" for
	// none). It returns the status and the body.
	Do func(t *testing.T, method, path, auth, body string) (int, []byte)
	// Secret is the ingress secret.
	Secret string
	// MaxBodyBytes is the host's body limit.
	MaxBodyBytes int64
	// Runtime runs sweeps over the host's store; Store is that store and
	// Clock the clock of both.
	Runtime *runtime.Runtime
	Store   store.Store
	Clock   *Clock
	// Log, when set, holds what the host logged.
	Log *bytes.Buffer
}

// Answer is a decoded ingress answer.
type Answer struct {
	OK      *bool  `json:"ok"`
	Code    string `json:"code"`
	Error   string `json:"error"`
	Message string `json:"message"`
	Field   string `json:"field"`
	Result  *struct {
		Kind     string `json:"kind"`
		Existing bool   `json:"existing"`
	} `json:"result"`
}

// contractStep is one request and the answer the contract gives it.
type contractStep struct {
	name, method, path, body string
	auth                     bool
	status                   int
	code                     string // "" for successes
	kind                     string // result.kind of successes, "" to skip
	before                   func(t *testing.T, tg Target)
}

// Contract runs every row of the ingress contract (host.Contract) against
// tg, in order, then the ID edge cases, checking that no refused request
// stores anything and that no ID is logged in full.
func Contract(t *testing.T, tg Target) {
	t.Helper()
	for _, s := range contractSteps(tg) {
		if s.before != nil {
			s.before(t, tg)
		}
		var before string
		if s.code != "" {
			before = storedState(t, tg)
		}
		checkStep(t, tg, s)
		if s.code != "" {
			if after := storedState(t, tg); after != before {
				t.Errorf("%s: the refused request changed the store:\n%s\nthen\n%s", s.name, before, after)
			}
		}
	}
	invalidIDs(t, tg)
}

func contractSteps(tg Target) []contractStep {
	sweepAfter := func(d time.Duration) func(*testing.T, Target) {
		return func(t *testing.T, tg Target) {
			tg.Clock.Advance(d)
			if _, err := tg.Runtime.Sweep(context.Background(), runtime.SweepOptions{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	holdLease := func(t *testing.T, tg Target) {
		now := tg.Clock.Now()
		if _, err := tg.Store.ClaimRun(context.Background(), "g2", store.Lease{Owner: "elsewhere", Now: now, Until: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	greet := func(runID string) string {
		return `{"workflowId":"greet","runId":"` + runID + `","input":{"greeting":"Hello"}}`
	}
	// onQueue is a start of greet with extra members placing it.
	onQueue := func(runID, place string) string {
		return `{"workflowId":"greet","runId":"` + runID + `","input":{"greeting":"Hello"},` + place + `}`
	}
	name := `{"signalId":"e1","payload":{"name":"Ada"}}`
	tooLarge := `{"workflowId":"greet","input":{"greeting":"` + strings.Repeat("x", int(tg.MaxBodyBytes)) + `"}}`
	return []contractStep{
		{name: "no credentials", method: "POST", path: "/runs", body: greet("g1"), status: 401, code: "unauthorized"},
		{name: "openapi without credentials", method: "GET", path: "/openapi.json", status: 401, code: "unauthorized"},
		{name: "openapi", method: "GET", path: "/openapi.json", auth: true, status: 200},
		{name: "bad JSON", method: "POST", path: "/runs", auth: true, body: `{"workflowId":`, status: 400, code: "bad_request"},
		{name: "no workflowId", method: "POST", path: "/runs", auth: true, body: `{"runId":"x"}`, status: 400, code: "bad_request"},
		{name: "body too large", method: "POST", path: "/runs", auth: true, body: tooLarge, status: 413, code: "too_large"},
		{name: "unknown workflow", method: "POST", path: "/runs", auth: true, body: `{"workflowId":"nope","runId":"x"}`, status: 404, code: "unknown_workflow"},
		{name: "invalid input", method: "POST", path: "/runs", auth: true, body: `{"workflowId":"greet","runId":"x","input":{}}`, status: 422, code: "validation_error"},
		{name: "started", method: "POST", path: "/runs", auth: true, body: greet("g1"), status: 201, kind: "paused"},
		{name: "existing run", method: "POST", path: "/runs", auth: true, body: greet("g1"), status: 200, kind: "paused"},
		{name: "run of another workflow", method: "POST", path: "/runs", auth: true, body: `{"workflowId":"review","runId":"g1"}`, status: 409, code: "run_exists"},
		{name: "read", method: "GET", path: "/runs/g1", auth: true, status: 200},
		{name: "read a missing run", method: "GET", path: "/runs/nope", auth: true, status: 404, code: "not_found"},
		{name: "signal to a missing run", method: "POST", path: "/runs/nope/signals/name", auth: true, body: name, status: 404, code: "not_found"},
		{name: "unknown signal", method: "POST", path: "/runs/g1/signals/nmae", auth: true, body: name, status: 404, code: "unknown_signal"},
		{name: "invalid payload", method: "POST", path: "/runs/g1/signals/name", auth: true, body: `{"signalId":"e1","payload":{}}`, status: 422, code: "validation_error"},
		{name: "no signalId", method: "POST", path: "/runs/g1/signals/name", auth: true, body: `{"payload":{"name":"Ada"}}`, status: 400, code: "bad_request"},
		{name: "second run", method: "POST", path: "/runs", auth: true, body: greet("g2"), status: 201, kind: "paused"},
		{name: "delivered and driven", method: "POST", path: "/runs/g1/signals/name", auth: true, body: name, status: 200, kind: "completed",
			before: sweepAfter(2 * time.Minute)},
		{name: "accepted while driven elsewhere", method: "POST", path: "/runs/g2/signals/name", auth: true, body: name, status: 202, kind: "accepted",
			before: holdLease},
		{name: "duplicate", method: "POST", path: "/runs/g1/signals/name", auth: true, body: name, status: 200, kind: "duplicate"},
		{name: "signal lost", method: "POST", path: "/runs/g1/signals/name", auth: true, body: `{"signalId":"e2","payload":{"name":"Bob"}}`, status: 409, code: "signal_lost"},
		{name: "review started", method: "POST", path: "/runs", auth: true, body: `{"workflowId":"review","runId":"v1"}`, status: 201, kind: "paused"},
		{name: "unknown approval", method: "POST", path: "/runs/v1/approvals/legl", auth: true, body: `{"approved":true}`, status: 404, code: "unknown_approval"},
		{name: "no decision", method: "POST", path: "/runs/v1/approvals/legal", auth: true, body: `{}`, status: 400, code: "bad_request"},
		{name: "approval to a missing run", method: "POST", path: "/runs/nope/approvals/legal", auth: true, body: `{"approved":true}`, status: 404, code: "not_found"},
		{name: "approved", method: "POST", path: "/runs/v1/approvals/legal", auth: true, body: `{"approved":true}`, status: 200, kind: "completed"},
		{name: "run ended", method: "POST", path: "/runs/v1/approvals/finance", auth: true, body: `{"approved":true}`, status: 409, code: "not_waiting"},
		{name: "review timing out", method: "POST", path: "/runs", auth: true, body: `{"workflowId":"review","runId":"v2"}`, status: 201, kind: "paused"},
		{name: "approval lost", method: "POST", path: "/runs/v2/approvals/legal", auth: true, body: `{"approved":true}`, status: 409, code: "approval_lost",
			before: sweepAfter(2 * time.Hour)},
		{name: "unknown queue", method: "POST", path: "/runs", auth: true, body: onQueue("q0", `"queue":"nope"`), status: 422, code: "unknown_queue"},
		{name: "partition without a queue", method: "POST", path: "/runs", auth: true, body: onQueue("q0", `"partition":"acme"`), status: 400, code: "bad_request"},
		{name: "priority without a queue", method: "POST", path: "/runs", auth: true, body: onQueue("q0", `"priority":3`), status: 400, code: "bad_request"},
		{name: "invalid partition", method: "POST", path: "/runs", auth: true, body: onQueue("q0", `"queue":"reviews","partition":"`+strings.Repeat("p", runtime.MaxIDBytes+1)+`"`), status: 400, code: "bad_request"},
		{name: "started on a queue", method: "POST", path: "/runs", auth: true, body: onQueue("q1", `"queue":"reviews","partition":"acme","priority":2`), status: 201, kind: "paused"},
		{name: "waiting on a queue", method: "POST", path: "/runs", auth: true, body: onQueue("q2", `"queue":"reviews","partition":"acme"`), status: 201, kind: "queued"},
		{name: "still waiting on a queue", method: "POST", path: "/runs", auth: true, body: onQueue("q2", `"queue":"reviews","partition":"acme"`), status: 200, kind: "queued"},
		{name: "no such endpoint", method: "DELETE", path: "/runs/g1", auth: true, status: 404, code: "not_found"},
	}
}

func checkStep(t *testing.T, tg Target, s contractStep) {
	t.Helper()
	auth := ""
	if s.auth {
		auth = "Bearer " + tg.Secret
	}
	status, body := tg.Do(t, s.method, s.path, auth, s.body)
	if s.path == "/openapi.json" && status == 200 {
		var doc struct{ OpenAPI string }
		if err := json.Unmarshal(body, &doc); err != nil || doc.OpenAPI == "" {
			t.Errorf("%s: %.300s is not an OpenAPI document", s.name, body)
		}
		return
	}
	var a Answer
	if err := json.Unmarshal(body, &a); err != nil || a.OK == nil {
		t.Errorf("%s: %d %.300s: not a JSON answer with ok", s.name, status, body)
		return
	}
	wantOK := s.code == ""
	if status != s.status || *a.OK != wantOK || a.Code != s.code || (!wantOK && (a.Error == "" || a.Message != a.Error)) {
		t.Errorf("%s: %s %s = %d %.300s, want %d ok=%v code %q and a message", s.name, s.method, s.path, status, body, s.status, wantOK, s.code)
		return
	}
	if s.kind != "" && (a.Result == nil || a.Result.Kind != s.kind) {
		t.Errorf("%s: %.300s, want result.kind %q", s.name, body, s.kind)
	}
}

// BadIDs break one ID rule each (runtime.CheckID).
func BadIDs() map[string]string {
	rnd := rand.New(rand.NewPCG(1, 2))
	random := make([]byte, 3<<10)
	for i := range random {
		random[i] = byte(rnd.Uint32())
	}
	return map[string]string{
		"8 KB":        strings.Repeat("r", 8<<10),
		"3 KB random": string(random),
		"256 bytes":   strings.Repeat("x", runtime.MaxIDBytes+1),
		"NUL":         "run\x00one",
		"slash":       "a/b",
		"dot":         ".",
		"dot dot":     "..",
		"bad UTF-8":   "\xff\xfe",
		"reserved":    "__timer",
	}
}

// invalidIDs sends each bad ID in each place an ID goes and checks that
// each is a 400 bad_request that stores nothing.
func invalidIDs(t *testing.T, tg Target) {
	t.Helper()
	before := storedState(t, tg)
	auth := "Bearer " + tg.Secret
	for name, id := range BadIDs() {
		esc := url.PathEscape(id)
		quoted, _ := json.Marshal(id)
		requests := [][3]string{
			{"GET", "/runs/" + esc, ""},
			{"POST", "/runs/" + esc + "/signals/name", `{"signalId":"e9","payload":{"name":"Ada"}}`},
			{"POST", "/runs/g2/signals/" + esc, `{"signalId":"e9","payload":{"name":"Ada"}}`},
			{"POST", "/runs/" + esc + "/approvals/legal", `{"approved":true}`},
			{"POST", "/runs/v1/approvals/" + esc, `{"approved":true}`},
		}
		if utf8.ValidString(id) { // JSON carries no invalid UTF-8: decoding replaces it
			requests = append(requests,
				[3]string{"POST", "/runs", `{"workflowId":"greet","runId":` + string(quoted) + `,"input":{"greeting":"Hi"}}`},
				[3]string{"POST", "/runs/g2/signals/name", `{"signalId":` + string(quoted) + `,"payload":{"name":"Ada"}}`},
				[3]string{"POST", "/runs/g2/signals/name", `{"signalId":"e9","stepId":` + string(quoted) + `,"payload":{"name":"Ada"}}`},
			)
		}
		for _, r := range requests {
			status, body := tg.Do(t, r[0], r[1], auth, r[2])
			var a Answer
			if err := json.Unmarshal(body, &a); err != nil || status != 400 || a.Code != "bad_request" || a.OK == nil || *a.OK {
				t.Errorf("%s ID: %s %.80s %.80s = %d %.300s, want 400 bad_request", name, r[0], r[1], r[2], status, body)
			}
			if bytes.Contains(body, []byte(strings.Repeat("r", 100))) {
				t.Errorf("%s ID: the answer echoes the ID", name)
			}
		}
	}
	for _, id := range []string{"approval:legal"} {
		status, body := tg.Do(t, "POST", "/runs/g2/signals/name", auth, `{"signalId":"`+id+`","payload":{"name":"Ada"}}`)
		if status != 400 || !bytes.Contains(body, []byte(`"field":"signalId"`)) {
			t.Errorf("signal ID %s: %d %s, want 400 naming signalId", id, status, body)
		}
	}
	if after := storedState(t, tg); after != before {
		t.Errorf("refused requests changed the store:\n%s\nthen\n%s", before, after)
	}
	if tg.Log != nil && strings.Contains(tg.Log.String(), strings.Repeat("r", 200)) {
		t.Errorf("the log holds the 8 KB ID in full")
	}
}

// storedState sums up the runs and their deliveries.
func storedState(t *testing.T, tg Target) string {
	t.Helper()
	ctx := context.Background()
	page, err := tg.Store.ListRuns(ctx, store.ListQuery{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, r := range page.Runs {
		ex, err := tg.Store.LoadExecution(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s %s events=%d deliveries=%d\n", r.ID, r.Status, len(ex.Events), len(ex.Deliveries))
	}
	return b.String()
}
