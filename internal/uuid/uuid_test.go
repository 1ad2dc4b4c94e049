package uuid

import (
	"regexp"
	"testing"
)

func TestNew(t *testing.T) {
	t.Parallel()
	v4 := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	a, b := New(), New()
	if !v4.MatchString(a) || !v4.MatchString(b) || a == b {
		t.Fatalf("New() = %q, %q", a, b)
	}
}
