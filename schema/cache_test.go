package schema

import (
	"strings"
	"testing"
)

type cachedInput struct {
	Order string `json:"order"`
}

type chanHolder struct {
	C chan int `json:"c"`
}

// A type is reflected and compiled once: validators of it share the
// schema, each with its own subject.
func TestForCachesPerType(t *testing.T) {
	a := MustFor[cachedInput]("input")
	b := MustFor[cachedInput]("signal order")
	if a.compiled != b.compiled || &a.doc[0] != &b.doc[0] {
		t.Error("two validators of one type compiled its schema twice")
	}
	if a.Subject() != "input" || b.Subject() != "signal order" {
		t.Errorf("subjects %q, %q", a.Subject(), b.Subject())
	}
	if err := b.Validate([]byte(`{}`)); err == nil || !strings.Contains(err.Error(), "signal order") {
		t.Errorf("Validate of a missing property: %v, want an error naming the subject", err)
	}
	if c := MustFor[struct{ N int }]("input"); c.compiled == a.compiled {
		t.Error("another type got the cached schema")
	}
}

// A type invopop cannot reflect is an error on every call, not a panic.
func TestForUnreflectable(t *testing.T) {
	for range 2 {
		if _, err := For[chanHolder]("input"); err == nil || !strings.Contains(err.Error(), ": reflect: ") {
			t.Fatalf("For of a struct with a channel: %v, want a reflect error", err)
		}
	}
}
