package migrations

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestEmbeddedListsAreInSequence(t *testing.T) {
	t.Parallel()
	for name, ms := range map[string][]Migration{"postgres": Postgres(), "sqlite": SQLite()} {
		if len(ms) == 0 {
			t.Fatalf("%s: no migrations embedded", name)
		}
		for i, m := range ms {
			if m.Version != i+1 || m.Name == "" || strings.TrimSpace(m.SQL) == "" {
				t.Errorf("%s[%d] = version %d name %q (%d bytes)", name, i, m.Version, m.Name, len(m.SQL))
			}
		}
	}
}

func TestListRejectsBadNames(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		files fstest.MapFS
		want  string
	}{
		{"no number", fstest.MapFS{"d/init.sql": {Data: []byte("x")}}, "want NNNN_name.sql"},
		{"zero", fstest.MapFS{"d/0000_init.sql": {Data: []byte("x")}}, "want NNNN_name.sql"},
		{"gap", fstest.MapFS{"d/0001_a.sql": {Data: []byte("x")}, "d/0003_c.sql": {Data: []byte("x")}}, "out of sequence"},
	}
	for _, tt := range tests {
		if _, err := list(tt.files, "d"); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err %v, want %q", tt.name, err, tt.want)
		}
	}
	ms, err := list(fstest.MapFS{"d/0002_b.sql": {Data: []byte("B")}, "d/0001_a.sql": {Data: []byte("A")}, "d/README": {}}, "d")
	if err != nil || len(ms) != 2 || ms[0].Name != "a" || ms[1].SQL != "B" {
		t.Fatalf("list = %+v, %v", ms, err)
	}
}
