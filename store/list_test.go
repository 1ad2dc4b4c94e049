package store_test

import (
	"testing"
	"time"

	"github.com/wfgo/wf/store"
)

func TestRunCursorRoundTrip(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 1, 2, 3, 4, 5, 123456000, time.FixedZone("x", 3600))
	gotAt, gotID, err := store.ParseRunCursor(store.RunCursor(at, "run:1/a"))
	if err != nil || !gotAt.Equal(at) || gotAt.Location() != time.UTC || gotID != "run:1/a" {
		t.Fatalf("round trip = %v %q %v", gotAt, gotID, err)
	}
	for _, bad := range []string{"", "!!", "bm9jb2xvbg", "eHg6eQ"} { // "", junk, "nocolon", "xx:y"
		if _, _, err := store.ParseRunCursor(bad); err == nil {
			t.Errorf("ParseRunCursor(%q) accepted", bad)
		}
	}
	if got := (store.ListQuery{}).PageSize(); got != store.DefaultListLimit {
		t.Errorf("default page size %d", got)
	}
	if got := (store.ListQuery{Limit: 7}).PageSize(); got != 7 {
		t.Errorf("page size %d, want 7", got)
	}
}
