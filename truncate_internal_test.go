package wf

import (
	"testing"
	"unicode/utf8"
)

// An error text cut for the log never splits a character.
func TestTruncateKeepsRunes(t *testing.T) {
	b := []byte("ab€€€") // € is 3 bytes
	for n := 0; n <= len(b); n++ {
		got := truncate(b, n)
		if !utf8.ValidString(got) {
			t.Errorf("truncate(%q, %d) = %q: not valid UTF-8", b, n, got)
		}
		if n < len(b) && len(got) > n+len("…") {
			t.Errorf("truncate(%q, %d) = %q: longer than %d bytes and the ellipsis", b, n, got, n)
		}
	}
	if got := truncate(b, 4); got != "ab…" {
		t.Errorf("truncate at 4 = %q, want %q", got, "ab…")
	}
}
