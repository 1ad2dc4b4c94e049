package wf

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestEncodedSizeBound checks that no event encodes longer than the bound
// that lets oversize skip encoding it, with the strings and values that
// the encoder grows most: HTML characters, control characters, invalid
// UTF-8 and U+2028.
func TestEncodedSizeBound(t *testing.T) {
	worst := strings.Repeat("<>&\x01\xff\u2028", 50)
	rawWorst := json.RawMessage(`"` + strings.Repeat("<>&\u2028", 50) + `"`)
	at := time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.FixedZone("", -(23*3600+59*60)))
	yes := true
	events := []Event{
		{Type: StepFinished, Time: at, StepID: "s", Result: json.RawMessage(`1`)},
		{Type: StepFinished, Time: at, StepID: worst, Result: rawWorst, Attempts: -1 << 62, Meta: map[string]string{worst: worst, "": ""}},
		{Type: StepFailed, Time: at, StepID: worst, Error: &ErrorInfo{Name: worst, Message: worst, Stack: worst, Code: ErrorCode(worst),
			Cause: &ErrorInfo{Name: worst, Message: worst, Cause: &ErrorInfo{}}}},
		{Type: ApprovalResolved, Time: at, Deadline: &at, StepID: worst, Name: worst, SignalID: worst, Payload: rawWorst,
			ApprovalID: worst, Title: worst, Description: worst, Approved: &yes, Feedback: worst, Value: rawWorst,
			RunID: worst, Output: rawWorst, Code: ErrorCode(worst), Attempts: 1 << 62},
		{Type: EventType(worst)},
		{},
	}
	for i, ev := range events {
		b, err := EncodeEvent(ev)
		if err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
		if bound := encodedSizeBound(&ev); len(b) > bound {
			t.Errorf("event %d encodes to %d bytes, over its bound %d", i, len(b), bound)
		}
	}
}
