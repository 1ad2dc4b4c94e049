package check

import (
	"go/ast"
	"go/token"
	"slices"

	"golang.org/x/tools/go/ast/astutil"
)

// exclusive reports whether no single pass through f's code can reach both
// a and b, as far as the branch structure shows: they sit in the then and
// else branches of one if, or in different cases of one switch that do not
// fall through to each other. Early returns are not considered.
func exclusive(f *ast.File, a, b ast.Node) bool {
	pa, _ := astutil.PathEnclosingInterval(f, a.Pos(), a.End())
	pb, _ := astutil.PathEnclosingInterval(f, b.Pos(), b.End())
	slices.Reverse(pa)
	slices.Reverse(pb)
	i := 0 // pa[i] and pb[i] are the children of the common ancestor pa[i-1]
	for i < len(pa) && i < len(pb) && pa[i] == pb[i] {
		i++
	}
	if i < 2 || i >= len(pa) || i >= len(pb) {
		return false
	}
	switch parent := pa[i-1].(type) {
	case *ast.IfStmt:
		return pa[i] != pb[i] && isBranch(parent, pa[i]) && isBranch(parent, pb[i])
	case *ast.BlockStmt:
		switch pa[i-2].(type) {
		case *ast.SwitchStmt, *ast.TypeSwitchStmt:
			return !fallsThrough(parent.List, pa[i], pb[i])
		}
	}
	return false
}

// isBranch reports whether n is the then or else branch of s.
func isBranch(s *ast.IfStmt, n ast.Node) bool {
	return n == s.Body || (s.Else != nil && n == s.Else)
}

// fallsThrough reports whether control can flow from one of the case
// clauses a and b to the other: every clause from the earlier one up to the
// later one ends in fallthrough.
func fallsThrough(clauses []ast.Stmt, a, b ast.Node) bool {
	ia := slices.Index(clauses, a.(ast.Stmt))
	ib := slices.Index(clauses, b.(ast.Stmt))
	if ia > ib {
		ia, ib = ib, ia
	}
	for _, c := range clauses[ia:ib] {
		body := c.(*ast.CaseClause).Body
		if len(body) == 0 {
			return false
		}
		if br, ok := body[len(body)-1].(*ast.BranchStmt); !ok || br.Tok != token.FALLTHROUGH {
			return false
		}
	}
	return true
}
