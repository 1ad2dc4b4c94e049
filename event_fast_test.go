package wf

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"
)

// TestEncodeEventFastMatchesMarshal checks that the fast encoding of
// events is json.Marshal's, byte for byte, and that every event it leaves
// to json.Marshal is one it must: random events built from strings and
// values that are plain, escaped, spaced, invalid or out of range.
func TestEncodeEventFastMatchesMarshal(t *testing.T) {
	strs := []string{"", "a", "step-1", "with space", `q"uote`, `back\slash`, "<b>", "a&b", "tab\t", "é", "\u2028", "\xff", "__timer"}
	raws := []json.RawMessage{nil, json.RawMessage(`1`), json.RawMessage(`{"a":1,"b":[true,null,"x y"]}`), json.RawMessage(`{ "a": 1 }`),
		json.RawMessage(`"<"`), json.RawMessage(`"\u003c"`), json.RawMessage(`"é"`), json.RawMessage("\"\u2028\""), json.RawMessage(`{`),
		json.RawMessage(`"a\"b"`), json.RawMessage(`[1,2`), json.RawMessage("\"\xff\""), json.RawMessage(`1 `)}
	times := []time.Time{{}, time.Date(2026, 3, 4, 5, 6, 7, 89, time.UTC), time.Date(2026, 3, 4, 5, 6, 7, 0, time.FixedZone("", 3600)),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC)}
	r := rand.New(rand.NewPCG(1, 2))
	// Mostly empty or plain fields, so that many events take the fast
	// path, and now and then one that must not.
	s := func() string {
		if r.IntN(10) < 9 {
			return strs[r.IntN(4)]
		}
		return strs[r.IntN(len(strs))]
	}
	raw := func() json.RawMessage {
		if r.IntN(10) < 9 {
			return raws[r.IntN(3)]
		}
		return raws[r.IntN(len(raws))]
	}
	yes := true
	fast := 0
	for i := range 20000 {
		ev := Event{Type: EventType(s()), Time: times[r.IntN(len(times))], StepID: s(), Result: raw(), Attempts: r.IntN(3) - 1,
			Name: s(), SignalID: s(), Payload: raw(), ApprovalID: s(), Title: s(), Description: s(), Feedback: s(),
			Value: raw(), RunID: s(), Output: raw(), Code: ErrorCode(s())}
		switch r.IntN(8) {
		case 0:
			ev.Meta = map[string]string{s(): s()}
		case 1:
			ev.Error = &ErrorInfo{Name: s(), Message: s()}
		case 2:
			ev.Deadline = &times[1]
		case 3:
			ev.Approved = &yes
		case 4:
			ev.Meta = map[string]string{}
		}
		want, err := json.Marshal(ev)
		got, ok := appendEventFast(nil, &ev)
		if !ok {
			continue
		}
		fast++
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("event %d %+v:\nfast    %s\nMarshal %s (%v)", i, ev, got, want, err)
		}
	}
	if fast < 1000 {
		t.Fatalf("only %d of the random events took the fast path", fast)
	}
	// The events the engine writes most take it.
	for _, ev := range []Event{
		{Type: StepFinished, Time: times[1], StepID: "step-1", Result: json.RawMessage(`{"a":1,"b":"x y"}`)},
		{Type: RunFinished, Time: times[1], RunID: "run-1", Output: json.RawMessage(`10`)},
	} {
		got, ok := appendEventFast(nil, &ev)
		want, _ := json.Marshal(ev)
		if !ok || !bytes.Equal(got, want) {
			t.Errorf("%s: fast %v %s, want %s", ev.Type, ok, got, want)
		}
	}
}
