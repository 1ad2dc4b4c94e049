package gen

import (
	"go/token"
	"go/types"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/wfgo/wf/gen/internal/directive"
)

// This file mirrors the jsonschema tag parser of
// github.com/invopop/jsonschema v0.14.0 (reflect.go: genericKeywords,
// stringKeywords, numericalKeywords, arrayKeywords, booleanKeywords,
// reflectFieldName): a tag value it would not apply is an error here.

// genericKeys apply to a field of any type.
var genericKeys = []string{"title", "description", "type", "anchor",
	"oneof_required", "anyof_required", "oneof_ref", "oneof_type", "anyof_ref", "anyof_type"}

// keysByType are the keys invopop applies per JSON Schema type of the
// field.
var keysByType = map[string][]string{
	"string":  {"minLength", "maxLength", "pattern", "format", "readOnly", "writeOnly", "default", "example", "enum"},
	"number":  {"multipleOf", "minimum", "maximum", "exclusiveMaximum", "exclusiveMinimum", "default", "example", "enum"},
	"integer": {"multipleOf", "minimum", "maximum", "exclusiveMaximum", "exclusiveMinimum", "default", "example", "enum"},
	"boolean": {"default"},
	"array":   {"minItems", "maxItems", "uniqueItems", "default", "format", "pattern"},
}

// flags are the tag values without "=" that invopop reads.
var flags = []string{"required", "nullable"}

// checkTags checks the jsonschema and jsonschema_extras tags of one field
// of type t.
func (b *builder) checkTags(field string, t types.Type, tag reflect.StructTag, jsonTag []string, pos token.Pos) {
	if raw, ok := tag.Lookup("jsonschema"); ok {
		kind, items := schemaType(t, slices.Contains(jsonTag[1:], "string"))
		for _, e := range splitTag(raw) {
			if msg := checkTagValue(e, kind, items); msg != "" {
				b.errorf(pos, "%s: jsonschema:%q: %s", field, e, msg)
			}
		}
	}
	if raw, ok := tag.Lookup("jsonschema_extras"); ok {
		for _, e := range splitTag(raw) {
			if !strings.Contains(e, "=") {
				b.errorf(pos, "%s: jsonschema_extras:%q: want key=value; invopop/jsonschema drops anything else", field, e)
			}
		}
	}
}

// checkTagValue returns why invopop would not apply the tag element e to a
// field whose schema type is kind (items: the type of an array's items),
// or "".
func checkTagValue(e, kind, items string) string {
	if e == "" {
		return "empty value (a stray comma?)"
	}
	key, val, hasValue := strings.Cut(e, "=")
	if !hasValue {
		if slices.Contains(flags, e) {
			return ""
		}
		valid := append(slices.Clone(flags), applicableKeys(kind, items)...)
		if s := directive.Suggest(e, valid); s != "" && !slices.Contains(flags, s) {
			return "missing =value after " + strconv.Quote(s)
		}
		return "invopop/jsonschema drops it" + didYouMean(e, valid)
	}
	if slices.Contains(genericKeys, key) || kind == "custom" {
		return ""
	}
	if slices.Contains(keysByType[kind], key) {
		return checkKeyValue(kind, key, val)
	}
	if kind == "array" && slices.Contains(keysByType[items], key) {
		// arrayKeywords passes the keys it does not know to the items.
		if strings.Contains(val, "=") {
			return "a value passed on to array items cannot contain '='"
		}
		return checkKeyValue(items, key, val)
	}
	what := kind + " fields"
	switch kind {
	case "":
		what = "fields whose schema is a $ref or has no type (structs, named slices and maps, interfaces)"
	case "array":
		what = "array fields (items: " + orNone(items) + ")"
	}
	var applies []string
	for _, k := range []string{"string", "integer", "number", "boolean", "array"} {
		if slices.Contains(keysByType[k], key) {
			applies = append(applies, k)
		}
	}
	if len(applies) == 0 {
		return "unknown key; invopop/jsonschema drops it" + didYouMean(key, applicableKeys(kind, items))
	}
	return key + " applies to " + strings.Join(applies, ", ") + " fields, and invopop/jsonschema drops it on " + what
}

func orNone(s string) string {
	if s == "" {
		return "no type"
	}
	return s
}

// applicableKeys lists the keys that apply to a field, sorted.
func applicableKeys(kind, items string) []string {
	keys := slices.Clone(genericKeys)
	keys = append(keys, keysByType[kind]...)
	if kind == "array" {
		keys = append(keys, keysByType[items]...)
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}

func didYouMean(word string, valid []string) string {
	var b strings.Builder
	if s := directive.Suggest(word, valid); s != "" {
		b.WriteString("; did you mean " + strconv.Quote(s) + "?")
	}
	b.WriteString(" (valid here: " + strings.Join(valid, ", ") + ")")
	return b.String()
}

// checkKeyValue checks a value the way invopop parses it, which drops
// what does not parse.
func checkKeyValue(kind, key, val string) string {
	if kind != "string" && strings.Contains(val, "=") {
		// numericalKeywords, booleanKeywords and arrayKeywords split on
		// every '='.
		return "the value cannot contain '=' on " + kind + " fields"
	}
	switch key {
	case "minLength", "maxLength", "minItems", "maxItems":
		if _, err := strconv.ParseUint(val, 10, 64); err != nil {
			return "want a non-negative integer"
		}
	case "readOnly", "writeOnly":
		if _, err := strconv.ParseBool(val); err != nil {
			return "want true or false"
		}
	case "uniqueItems":
		if val != "true" {
			return "want true (invopop/jsonschema sets uniqueItems whatever the value)"
		}
	case "pattern":
		if _, err := regexp.Compile(val); err != nil {
			return "the schema validator cannot compile it: " + err.Error()
		}
	case "default":
		if kind == "boolean" && val != "true" && val != "false" {
			return "want true or false"
		}
	}
	if kind == "number" || kind == "integer" {
		if _, err := strconv.ParseFloat(val, 64); err != nil {
			return "want a number"
		}
	}
	return ""
}

// splitTag splits a tag on commas not escaped with a backslash, as
// invopop's splitOnUnescapedCommas does.
func splitTag(tag string) []string {
	parts := strings.Split(tag, ",")
	out := []string{parts[0]}
	for _, p := range parts[1:] {
		last := out[len(out)-1]
		if strings.HasSuffix(last, `\`) {
			out[len(out)-1] = last[:len(last)-1] + "," + p
			continue
		}
		out = append(out, p)
	}
	return out
}

// schemaType returns the JSON Schema type invopop/jsonschema gives a field
// of type t ("" for a $ref or no type; "custom" when the type supplies its
// own schema), and the type of its items when it is an array. jsonString
// is the encoding/json ",string" option.
func schemaType(t types.Type, jsonString bool) (kind, items string) {
	kind = baseSchemaType(t)
	if kind == "array" {
		items = baseSchemaType(elem(t))
	}
	if jsonString && (kind == "integer" || kind == "number" || kind == "boolean") {
		kind = "string"
	}
	return kind, items
}

func elem(t types.Type) types.Type {
	for {
		p, ok := types.Unalias(t).(*types.Pointer)
		if !ok {
			break
		}
		t = p.Elem()
	}
	switch u := t.Underlying().(type) {
	case *types.Slice:
		return u.Elem()
	case *types.Array:
		return u.Elem()
	}
	return t
}

func baseSchemaType(t types.Type) string {
	t = types.Unalias(t)
	for {
		p, ok := t.(*types.Pointer)
		if !ok {
			break
		}
		t = types.Unalias(p.Elem())
	}
	if n, ok := t.(*types.Named); ok {
		if customSchema(n) {
			return "custom"
		}
		if s := specialType(n); s != "" {
			if s == "any" {
				return ""
			}
			return s
		}
		switch n.Underlying().(type) {
		case *types.Struct, *types.Slice, *types.Array, *types.Map:
			// Named composite types become $defs entries; the field's
			// schema is a bare $ref.
			return ""
		}
	}
	switch u := t.Underlying().(type) {
	case *types.Basic:
		switch {
		case u.Info()&types.IsString != 0:
			return "string"
		case u.Info()&types.IsInteger != 0:
			return "integer"
		case u.Info()&types.IsFloat != 0:
			return "number"
		case u.Info()&types.IsBoolean != 0:
			return "boolean"
		}
	case *types.Slice:
		if b, ok := u.Elem().(*types.Basic); ok && b.Kind() == types.Uint8 {
			return "string" // base64
		}
		return "array"
	case *types.Array:
		return "array"
	case *types.Map, *types.Struct:
		return "object"
	}
	return ""
}
