package gen

import (
	"go/scanner"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
)

// Errors are reported as a go/scanner.ErrorList: positioned, sorted, and
// printed one per line by scanner.PrintError. Filenames are relative to
// Config.Dir when they lie under it.

// parsePosition parses "file:line:col" (or "file:line", or "") as go list
// and the type checker print positions.
func parsePosition(s string) token.Position {
	var p token.Position
	rest := s
	for _, dst := range []*int{&p.Column, &p.Line} {
		i := strings.LastIndexByte(rest, ':')
		if i < 0 {
			break
		}
		n, err := strconv.Atoi(rest[i+1:])
		if err != nil {
			break
		}
		*dst = n
		rest = rest[:i]
	}
	if p.Line == 0 { // "file:line" parsed the line as a column
		p.Line, p.Column = p.Column, 0
	}
	p.Filename = rest
	return p
}

// relative rewrites the filenames of list relative to dir and sorts it.
func relative(list scanner.ErrorList, dir string) scanner.ErrorList {
	for _, e := range list {
		e.Pos.Filename = relPath(dir, e.Pos.Filename)
	}
	list.Sort()
	return list
}

func relPath(dir, name string) string {
	if name == "" || !filepath.IsAbs(name) {
		return name
	}
	rel, err := filepath.Rel(dir, name)
	if err != nil || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return name
	}
	return rel
}
