package runtime_test

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/wfgo/wf/runtime"
)

func TestCheckID(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", runtime.MaxIDBytes)
	cases := []struct {
		field, id string
		ok        bool
	}{
		{runtime.FieldRunID, "order-1", true},
		{runtime.FieldRunID, "digest@2026-07-01T12:00:00Z", true},
		{runtime.FieldRunID, "café ☕", true},
		{runtime.FieldRunID, long, true},
		{runtime.FieldRunID, long + "x", false},
		{runtime.FieldRunID, strings.Repeat("é", runtime.MaxIDBytes/2+1), false},
		{runtime.FieldRunID, "", false},
		{runtime.FieldRunID, "a\x00b", false},
		{runtime.FieldRunID, "a/b", false},
		{runtime.FieldRunID, ".", false},
		{runtime.FieldRunID, "..", false},
		{runtime.FieldRunID, "...", true},
		{runtime.FieldRunID, "\xff\xfe", false},
		{runtime.FieldRunID, "__timer", false},
		{runtime.FieldRunID, "_private", true},
		{runtime.FieldSignalName, "__timer", false},
		{runtime.FieldSignalName, "__cancel", false},
		{runtime.FieldSignalName, "payment-received", true},
		{runtime.FieldSignalID, "approval:large-order", false},
		{runtime.FieldSignalID, "evt_approval:1", true},
		{runtime.FieldRunID, "approval:x", true},
		{runtime.FieldApprovalID, "__approval-0", true},
		{runtime.FieldApprovalID, "__approval-x", false},
		{runtime.FieldApprovalID, "__wait-0", false},
		{runtime.FieldStepID, "__wait-12", true},
		{runtime.FieldStepID, "__sleep-0", false},
		{runtime.FieldSignalID, "__approval-0", false},
	}
	for _, c := range cases {
		err := runtime.CheckID(c.field, c.id)
		if (err == nil) != c.ok {
			t.Errorf("CheckID(%s, %s) = %v, want ok=%v", c.field, runtime.QuoteID(c.id), err, c.ok)
			continue
		}
		if err == nil {
			continue
		}
		var ie *runtime.InvalidIDError
		if !errors.Is(err, runtime.ErrInvalidID) || !errors.As(err, &ie) || ie.Field != c.field || ie.ID != c.id || ie.Reason == "" {
			t.Errorf("CheckID(%s, %s): error %#v does not carry the field, ID and reason", c.field, runtime.QuoteID(c.id), err)
		}
	}
}

func TestQuoteIDTruncates(t *testing.T) {
	t.Parallel()
	for _, id := range []string{strings.Repeat("a", 8192), strings.Repeat("é", 4096), "\x00" + strings.Repeat("\xff", 3000)} {
		q := runtime.QuoteID(id)
		if len(q) > 300 || !strings.Contains(q, "bytes)") {
			t.Errorf("QuoteID of %d bytes: %d bytes %q", len(id), len(q), q)
		}
		if !utf8.ValidString(q) || strings.ContainsRune(q, 0) {
			t.Errorf("QuoteID is not printable: %q", q)
		}
	}
	if q := runtime.QuoteID("r1"); q != `"r1"` {
		t.Errorf("short ID: %s", q)
	}
}

// FuzzCheckID checks that CheckID never panics, that what it accepts obeys
// every rule, and that its error message stays short whatever the ID.
func FuzzCheckID(f *testing.F) {
	for _, s := range []string{"r1", "", ".", "..", "a/b", "a\x00", "__timer", "approval:x", "__approval-3", strings.Repeat("x", 300), "\xff"} {
		f.Add(s)
	}
	fields := []string{runtime.FieldRunID, runtime.FieldSignalID, runtime.FieldSignalName, runtime.FieldStepID, runtime.FieldApprovalID}
	f.Fuzz(func(t *testing.T, id string) {
		for _, field := range fields {
			err := runtime.CheckID(field, id)
			if err != nil {
				if !errors.Is(err, runtime.ErrInvalidID) {
					t.Fatalf("%s %q: %v is not ErrInvalidID", field, id, err)
				}
				if len(err.Error()) > 400 {
					t.Fatalf("%s: message of %d bytes", field, len(err.Error()))
				}
				continue
			}
			bad := id == "" || len(id) > runtime.MaxIDBytes || !utf8.ValidString(id) ||
				strings.ContainsAny(id, "\x00/") || id == "." || id == ".." ||
				(field == runtime.FieldSignalID && strings.HasPrefix(id, "approval:"))
			if bad {
				t.Fatalf("%s %q accepted", field, id)
			}
			if strings.HasPrefix(id, "__") && field != runtime.FieldStepID && field != runtime.FieldApprovalID {
				t.Fatalf("%s %q: reserved name accepted", field, id)
			}
		}
	})
}
