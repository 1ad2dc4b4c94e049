package check

import (
	"go/ast"
	"go/token"
	"go/types"
	"testing"
)

// TestForbiddenUse covers the objects the test packages cannot import
// cheaply (crypto/rand pulls much of the standard library into every
// analysistest run) and the ones that must stay allowed.
func TestForbiddenUse(t *testing.T) {
	t.Parallel()
	fn := func(path, name string) types.Object {
		return types.NewFunc(token.NoPos, types.NewPackage(path, ""), name, types.NewSignatureType(nil, nil, nil, nil, nil, false))
	}
	pkgVar := func(path, name string) types.Object {
		pkg := types.NewPackage(path, "")
		v := types.NewVar(token.NoPos, pkg, name, types.Typ[types.Int])
		pkg.Scope().Insert(v)
		return v
	}
	method := func(path, name string) types.Object {
		pkg := types.NewPackage(path, "")
		recv := types.NewVar(token.NoPos, pkg, "t", types.Typ[types.Int])
		return types.NewFunc(token.NoPos, pkg, name, types.NewSignatureType(recv, nil, nil, nil, nil, false))
	}
	tests := []struct {
		obj      types.Object
		wantName string // "" when the use is allowed
		wantWhy  string
	}{
		{fn("crypto/rand", "Text"), "crypto/rand.Text", randWhy},
		{pkgVar("crypto/rand", "Reader"), "crypto/rand.Reader", randWhy},
		{fn("math/rand/v2", "N"), "math/rand/v2.N", randWhy},
		{fn("time", "Until"), "time.Until", forbidden["time"]["Until"]},
		{fn("os", "Environ"), "os.Environ", envWhy},
		{pkgVar("time", "UTC"), "", ""},
		{fn("time", "Date"), "", ""},
		{fn("os", "ReadFile"), "", ""},
		{method("time", "Unix"), "", ""},
		{method("math/rand", "Intn"), "", ""},
		{types.NewVar(token.NoPos, types.NewPackage("crypto/rand", ""), "local", types.Typ[types.Int]), "", ""},
	}
	for _, tt := range tests {
		id := ast.NewIdent(tt.obj.Name())
		info := &types.Info{Uses: map[*ast.Ident]types.Object{id: tt.obj}}
		why, name := forbiddenUse(info, id)
		if tt.wantName == "" {
			if why != "" {
				t.Errorf("%s.%s: reported (%s), want allowed", tt.obj.Pkg().Path(), tt.obj.Name(), why)
			}
			continue
		}
		if name != tt.wantName || why != tt.wantWhy {
			t.Errorf("%s: got (%q, %q), want (%q, %q)", tt.wantName, name, why, tt.wantName, tt.wantWhy)
		}
	}
}
