package directive

import (
	"strconv"
	"strings"
)

// arg is one argument of a directive line: a positional value or
// key=value. Offsets are byte offsets into the comment text, for
// positions.
type arg struct {
	key    string // "" for a positional argument
	value  string // unquoted
	off    int    // where the argument starts
	valOff int    // where its value starts
}

// scanError is a syntax error at a byte offset of the comment text.
type scanError struct {
	off int
	msg string
}

// scanArgs splits the arguments of a directive: whitespace-separated
// positional values and key=value pairs, where a value is either a run of
// non-space characters or a double-quoted Go string literal (so that
// cron="0 9 * * MON-FRI" stays one value, unlike ast.ParseDirective).
// base is the offset of text in the comment.
func scanArgs(text string, base int) ([]arg, []scanError) {
	var (
		args []arg
		errs []scanError
	)
	i := 0
	for {
		for i < len(text) && isSpace(text[i]) {
			i++
		}
		if i == len(text) {
			return args, errs
		}
		start := i
		a := arg{off: base + start, valOff: base + start}
		if text[i] != '"' {
			for i < len(text) && !isSpace(text[i]) && text[i] != '=' && text[i] != '"' {
				i++
			}
			word := text[start:i]
			if i == len(text) || isSpace(text[i]) {
				a.value = word
				args = append(args, a)
				continue
			}
			if text[i] == '"' {
				errs = append(errs, scanError{base + i, "unexpected quote in " + strconv.Quote(word+`"`) + "; quote whole values: key=\"a value\""})
				i = skipWord(text, i)
				continue
			}
			// text[i] == '='
			if word == "" {
				errs = append(errs, scanError{base + start, "missing key before ="})
				i = skipWord(text, i)
				continue
			}
			a.key = word
			i++
			a.valOff = base + i
		}
		value, next, err := scanValue(text, i)
		if err != "" {
			errs = append(errs, scanError{base + i, err})
			i = skipWord(text, next)
			continue
		}
		if value == "" {
			if a.key != "" {
				errs = append(errs, scanError{a.off, "missing value after " + a.key + "="})
			} else {
				errs = append(errs, scanError{a.off, "empty argument"})
			}
			i = next
			continue
		}
		a.value = value
		args = append(args, a)
		i = next
	}
}

// scanValue reads a value at text[i:]: quoted or bare. It returns the
// unquoted value, the offset after it, and an error message.
func scanValue(text string, i int) (string, int, string) {
	if i == len(text) || text[i] != '"' {
		j := i
		for j < len(text) && !isSpace(text[j]) {
			if text[j] == '"' {
				return "", j, "unexpected quote in a value; quote the whole value"
			}
			j++
		}
		return text[i:j], j, ""
	}
	j := i + 1
	for j < len(text) && text[j] != '"' {
		if text[j] == '\\' {
			j++
		}
		j++
	}
	if j >= len(text) {
		return "", len(text), "unterminated quoted value"
	}
	j++ // closing quote
	v, err := strconv.Unquote(text[i:j])
	if err != nil {
		return "", j, "bad quoted value " + text[i:j] + ": " + strings.TrimPrefix(err.Error(), "strconv.Unquote: ")
	}
	if j < len(text) && !isSpace(text[j]) {
		return "", j, "missing space after quoted value " + text[i:j]
	}
	return v, j, ""
}

func skipWord(text string, i int) int {
	for i < len(text) && !isSpace(text[i]) {
		i++
	}
	return i
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' }
