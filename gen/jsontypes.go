package gen

import (
	"fmt"
	"go/token"
	"go/types"
	"reflect"
	"strings"
)

// The generated code reflects each input, output and signal type into a
// JSON Schema with github.com/invopop/jsonschema at init. Two things go
// wrong there silently or late, and wfgen reports both at generate time:
// invopop panics on types JSON cannot hold (channels, funcs, complex
// numbers), and it drops jsonschema tag values it does not apply to the
// field's type (minLength on an int, a typo such as minLenght).

// checkJSON checks t, used at pos and described by what ("Fulfillment.Run
// input"), and every type reachable from it through JSON-encoded fields.
func (b *builder) checkJSON(t types.Type, what string, pos token.Pos) {
	if !nameable(t) {
		b.errorf(pos, "%s: %s cannot be written in generated code; declare a named type for it", what, b.typeString(t))
		return
	}
	b.walkJSON(t, what, pos)
}

// nameable reports whether generated code can spell t.
func nameable(t types.Type) bool {
	switch t := t.(type) {
	case *types.Named:
		for a := range t.TypeArgs().Types() {
			if !nameable(a) {
				return false
			}
		}
		return true
	case *types.Alias, *types.Basic:
		return true
	case *types.Pointer:
		return nameable(t.Elem())
	case *types.Slice:
		return nameable(t.Elem())
	case *types.Array:
		return nameable(t.Elem())
	case *types.Map:
		return nameable(t.Key()) && nameable(t.Elem())
	case *types.Interface:
		return t.Empty()
	}
	return false
}

func (b *builder) walkJSON(t types.Type, what string, pos token.Pos) {
	switch t := types.Unalias(t).(type) {
	case *types.Named:
		if b.checked[t] {
			return
		}
		b.checked[t] = true
		if customSchema(t) || specialType(t) != "" {
			return
		}
		if st, ok := t.Underlying().(*types.Struct); ok {
			b.walkStruct(t.Obj().Name(), st, what, pos)
			return
		}
		b.walkJSON(t.Underlying(), what, pos)
	case *types.Basic:
		switch t.Kind() {
		case types.Complex64, types.Complex128, types.Uintptr, types.UnsafePointer:
			b.errorf(pos, "%s: %s cannot be reflected into a JSON Schema (invopop/jsonschema panics on it); exclude it with json:\"-\"", what, t)
		case types.Invalid:
			b.invalidType(what, pos)
		}
	case *types.Pointer:
		b.walkJSON(t.Elem(), what, pos)
	case *types.Slice:
		b.walkJSON(t.Elem(), what, pos)
	case *types.Array:
		b.walkJSON(t.Elem(), what, pos)
	case *types.Map:
		b.walkJSON(t.Elem(), what, pos)
	case *types.Struct:
		b.walkStruct("struct", t, what, pos)
	case *types.Chan, *types.Signature:
		b.errorf(pos, "%s: %s cannot be reflected into a JSON Schema (invopop/jsonschema panics on it); exclude it with json:\"-\"", what, b.typeString(t))
	}
}

// invalidType reports a type that did not type-check, with the package's
// declaration errors (function bodies are not loaded).
func (b *builder) invalidType(what string, pos token.Pos) {
	b.errorf(pos, "%s: the type does not type-check", what)
	for _, e := range b.pkg.TypeErrors {
		if !e.Soft && e.Msg != "missing return" { // bodies are emptied
			b.errs.Add(e.Fset.Position(e.Pos), e.Msg)
		}
	}
}

func (b *builder) walkStruct(name string, st *types.Struct, what string, pos token.Pos) {
	for i := range st.NumFields() {
		f := st.Field(i)
		tag := reflect.StructTag(st.Tag(i))
		jsonTag := strings.Split(tag.Get("json"), ",")
		if jsonTag[0] == "-" || strings.Split(tag.Get("jsonschema"), ",")[0] == "-" {
			continue
		}
		fpos := pos
		local := b.inModule(f.Pkg())
		if local {
			fpos = f.Pos()
		}
		field := fmt.Sprintf("field %s.%s", name, f.Name())
		_, hasTag := tag.Lookup("jsonschema")
		switch {
		case f.Anonymous() && jsonTag[0] == "" && isStructish(f.Type()):
			if hasTag && local {
				b.errorf(fpos, "%s: invopop/jsonschema ignores the jsonschema tag of an embedded struct (its fields are inlined); tag the fields instead", field)
			}
		case !f.Exported():
			if hasTag && local {
				b.errorf(fpos, "%s: unexported fields are not encoded, so invopop/jsonschema ignores the jsonschema tag", field)
			}
			continue
		case local:
			b.checkTags(field, f.Type(), tag, jsonTag, fpos)
		}
		b.walkJSON(f.Type(), what, fpos)
	}
}

func isStructish(t types.Type) bool {
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	_, ok := t.Underlying().(*types.Struct)
	return ok
}

// inModule reports whether pkg belongs to the main module, whose tags
// wfgen checks (a dependency's tags are not the user's to fix).
func (b *builder) inModule(pkg *types.Package) bool {
	if pkg == nil || b.module == "" {
		return false
	}
	return pkg.Path() == b.module || strings.HasPrefix(pkg.Path(), b.module+"/")
}

// customSchema reports whether invopop/jsonschema takes t's schema from t
// itself rather than from its structure.
func customSchema(t *types.Named) bool {
	ms := types.NewMethodSet(t)
	for _, m := range []string{"JSONSchema", "JSONSchemaAlias", "JSONSchemaProperty", "EnumDescriptor"} {
		if ms.Lookup(nil, m) != nil {
			return true
		}
	}
	return false
}

// specialType returns the JSON Schema type invopop/jsonschema gives the
// standard types it knows, or "".
func specialType(t *types.Named) string {
	if t.Obj().Pkg() == nil {
		return ""
	}
	switch t.Obj().Pkg().Path() + "." + t.Obj().Name() {
	case "time.Time", "net/url.URL", "net.IP":
		return "string"
	case "encoding/json.RawMessage":
		return "any"
	}
	return ""
}
