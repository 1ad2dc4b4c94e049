package directive

import (
	"fmt"
	"go/ast"
	"go/scanner"
	"go/token"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Directive is one parsed directive line.
type Directive struct {
	Spec *Spec
	// Pos is the position of the comment's "//".
	Pos token.Pos
	// Args points to the spec's struct (*Workflow, *Step, …) holding the
	// arguments.
	Args any
	// For is the type a rejected directive (File.Rejected) was meant for:
	// the one it is written on or detached from; nil when none.
	For    *ast.TypeSpec
	argPos map[string]token.Pos
}

// ArgPos returns the position of key's value, of the first positional
// value for "", or of the directive when the argument is absent.
func (d *Directive) ArgPos(key string) token.Pos {
	if p, ok := d.argPos[key]; ok {
		return p
	}
	return d.Pos
}

// Has reports whether the directive sets key.
func (d *Directive) Has(key string) bool {
	_, ok := d.argPos[key]
	return ok
}

// reporter collects the errors of one directive line.
type reporter struct {
	fset *token.FileSet
	base token.Pos // the comment's "//"
	name string    // "//wf:step"
	errs *scanner.ErrorList
}

func (r *reporter) errorf(off int, format string, args ...any) {
	r.errs.Add(r.fset.Position(r.base+token.Pos(off)), r.name+": "+fmt.Sprintf(format, args...))
}

// bind fills the spec's struct from the scanned arguments, reporting every
// problem; end is the offset just past the directive's text.
func (s *Spec) bind(args []arg, end int, r *reporter) *Directive {
	v := reflect.New(s.typ)
	d := &Directive{Spec: s, Pos: r.base, Args: v.Interface(), argPos: map[string]token.Pos{}}
	offs := map[string]int{}
	positionals := s.positionals()
	next, filled, sawKey := 0, 0, false
	for _, a := range args {
		if f, ok := s.flagField(a.value); a.key == "" && ok && (filled > 0 || len(positionals) == 0) {
			if first, dup := offs[a.value]; dup {
				r.errorf(a.off, "duplicate flag %q (first at column %d)", a.value, r.fset.Position(r.base+token.Pos(first)).Column)
				continue
			}
			offs[a.value] = a.off
			d.argPos[a.value] = r.base + token.Pos(a.off)
			v.Elem().FieldByIndex(f.index).SetBool(true)
			continue
		}
		if a.key == "" {
			switch {
			case sawKey:
				r.errorf(a.off, "argument %q after key=value arguments; put it first", a.value)
			case next == len(positionals) && Suggest(a.value, s.flags()) != "":
				r.errorf(a.off, "unexpected argument %q; did you mean %q?", a.value, Suggest(a.value, s.flags()))
			case next == len(positionals):
				r.errorf(a.off, "unexpected argument %q (usage: %s)", a.value, s.Usage())
			default:
				f := positionals[next]
				if f.typ.Kind() != reflect.Slice {
					next++
				}
				if filled == 0 {
					d.argPos[""] = r.base + token.Pos(a.valOff)
				}
				filled++
				setValue(f, v.Elem(), a, r)
			}
			continue
		}
		sawKey = true
		if _, isFlag := s.flagField(a.key); isFlag {
			r.errorf(a.off, "%s is a flag: write %s alone, without =", a.key, a.key)
			continue
		}
		f, ok := s.field(a.key)
		if !ok {
			if len(s.keys()) == 0 {
				r.errorf(a.off, "unknown key %q: %s takes no keys", a.key, r.name)
			} else {
				r.errorf(a.off, "unknown key %q%s", a.key, didYouMean(a.key, s.keys(), strconv.Quote))
			}
			continue
		}
		if first, dup := offs[a.key]; dup {
			r.errorf(a.off, "duplicate key %q (first at column %d)", a.key, r.fset.Position(r.base+token.Pos(first)).Column)
			continue
		}
		offs[a.key] = a.off
		d.argPos[a.key] = r.base + token.Pos(a.valOff)
		setValue(f, v.Elem(), a, r)
	}
	if filled == 0 && len(positionals) > 0 {
		r.errorf(end, "missing %s (usage: %s)", kindOf(positionals[0]), s.Usage())
		return d
	}
	if c, ok := d.Args.(checker); ok {
		c.check(&checkContext{r: r, offs: offs})
	}
	return d
}

// setValue parses a's value per the field's kind and stores it.
func setValue(f field, st reflect.Value, a arg, r *reporter) {
	dst := st.FieldByIndex(f.index)
	label := a.key + "=" + strconv.Quote(a.value)
	if a.key == "" {
		label = strconv.Quote(a.value)
	}
	bad := func(format string, args ...any) {
		r.errorf(a.valOff, "%s: %s", label, fmt.Sprintf(format, args...))
	}
	switch {
	case f.enum != nil:
		setEnum(f, dst, a.value, bad)
	case f.typ == idType:
		if !isKebab(a.value) {
			hint := ""
			if k := kebab(a.value); isKebab(k) {
				hint = fmt.Sprintf("; did you mean %q?", k)
			}
			bad("not a kebab-case ID (lowercase letters and digits joined by single hyphens, e.g. reserve-inventory)%s", hint)
			return
		}
		dst.SetString(a.value)
	case f.typ == identType:
		if !token.IsIdentifier(a.value) {
			bad("not a Go identifier")
			return
		}
		dst.Set(reflect.ValueOf(Ident{Name: a.value, Pos: r.base + token.Pos(a.valOff)}))
	case f.typ == reflect.TypeFor[[]Ident]():
		setIdents(dst, a, label, r)
	case f.typ == durationType:
		d, err := time.ParseDuration(a.value)
		if err != nil || d <= 0 {
			bad("not a positive duration (e.g. 250ms, 5s, 1h30m)")
			return
		}
		dst.SetInt(int64(d))
	case f.typ.Kind() == reflect.Int:
		n, err := strconv.Atoi(a.value)
		if err != nil {
			bad("not a decimal integer")
			return
		}
		dst.SetInt(int64(n))
	case f.typ.Kind() == reflect.Bool:
		b, ok := map[string]bool{"true": true, "false": false}[a.value]
		if !ok {
			bad("want true or false")
			return
		}
		dst.SetBool(b)
	default: // free text
		dst.SetString(a.value)
	}
}

// setEnum stores a value of a closed set, or appends it to a list of
// them.
func setEnum(f field, dst reflect.Value, value string, bad func(string, ...any)) {
	if !contains(f.enum, value) {
		bad("not one of the choices%s", didYouMean(value, f.enum, strconv.Quote))
		return
	}
	if dst.Kind() != reflect.Slice {
		dst.SetString(value)
		return
	}
	for i := range dst.Len() {
		if dst.Index(i).String() == value {
			bad("listed twice")
			return
		}
	}
	dst.Set(reflect.Append(dst, reflect.ValueOf(value)))
}

// setIdents stores a comma-separated list of Go identifiers, each with
// its position.
func setIdents(dst reflect.Value, a arg, label string, r *reporter) {
	off := a.valOff
	var ids []Ident
	for _, name := range strings.Split(a.value, ",") {
		if !token.IsIdentifier(name) {
			r.errorf(off, "%s: %q is not a Go identifier (separate names with commas, no spaces)", label, name)
			return
		}
		ids = append(ids, Ident{Name: name, Pos: r.base + token.Pos(off)})
		off += len(name) + 1
	}
	dst.Set(reflect.ValueOf(ids))
}

var (
	kebabRE = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	hyphens = regexp.MustCompile(`-+`)
)

func isKebab(s string) bool { return kebabRE.MatchString(s) }

// kebab converts camelCase, snake_case and the like to kebab-case, for
// suggestions.
func kebab(s string) string {
	var b strings.Builder
	prevLower := false
	for _, c := range s {
		switch {
		case unicode.IsUpper(c):
			if prevLower {
				b.WriteByte('-')
			}
			b.WriteRune(unicode.ToLower(c))
			prevLower = false
		case c == '_' || c == '.' || c == ' ' || c == '-':
			b.WriteByte('-')
			prevLower = false
		default:
			b.WriteRune(c)
			prevLower = unicode.IsLower(c) || unicode.IsDigit(c)
		}
	}
	return strings.Trim(hyphens.ReplaceAllString(b.String(), "-"), "-")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
