package gen

import (
	"go/token"
	"path/filepath"
	"testing"
)

func TestParsePosition(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]token.Position{
		"a/b.go:3:4": {Filename: "a/b.go", Line: 3, Column: 4},
		"a/b.go:3":   {Filename: "a/b.go", Line: 3},
		"a/b.go":     {Filename: "a/b.go"},
		"":           {},
	} {
		if got := parsePosition(in); got != want {
			t.Errorf("parsePosition(%q) = %+v, want %+v", in, got, want)
		}
	}
}

// TestProgramGroups checks that one schema program imports every package
// unless an internal package is out of its reach.
func TestProgramGroups(t *testing.T) {
	t.Parallel()
	p := func(dir string) *pkgModel { return &pkgModel{Dir: filepath.FromSlash(dir)} }
	tests := []struct {
		dirs []string
		want int // groups
	}{
		{[]string{"/m/a", "/m/b/c"}, 1},
		{[]string{"/m/internal/a", "/m/b"}, 1},
		{[]string{"/m/x/internal/a", "/m/x/b"}, 1},
		{[]string{"/m/x/internal/a", "/m/y"}, 2},
	}
	for _, tt := range tests {
		var pkgs []*pkgModel
		for _, d := range tt.dirs {
			pkgs = append(pkgs, p(d))
		}
		if got := len(programGroups(pkgs)); got != tt.want {
			t.Errorf("programGroups(%v): %d groups, want %d", tt.dirs, got, tt.want)
		}
	}
}
