package bound

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

var (
	// ErrSyntax is wrapped by the errors RewriteStrings returns for a body that
	// is not valid JSON.
	ErrSyntax = errors.New("bound: invalid JSON")
	// ErrDuplicateKey is wrapped by the errors RewriteStrings returns for an
	// object along a path that holds a key twice.
	ErrDuplicateKey = errors.New("bound: duplicate key")
	// ErrType is wrapped by the errors RewriteStrings returns for a value along
	// a path that has the wrong type.
	ErrType = errors.New("bound: unexpected JSON type")
)

// maxDepth is the deepest nesting of objects and arrays RewriteStrings accepts,
// the same limit as encoding/json's.
const maxDepth = 10000

// RewriteStrings returns body with the string values at the given paths replaced
// by f(path, value). Each path is a non-empty list of object keys from the top
// level, for example {"_scroll_id"}, {"pit", "id"}, {"pit_id"}, {"id"} or
// {"cursor"}; f receives the path as given in paths.
//
// A path whose value is an array has each element rewritten; every element must
// be a string. A path that is absent is left alone. Everything else along a path
// is an error wrapping ErrType: a top level or an intermediate value that is not
// an object, or a final value that is neither a string nor an array of strings
// (null included). An object along a path (the top-level object included) that
// holds any key twice is an error wrapping ErrDuplicateKey; keys are compared
// after unescaping. A body that is not valid JSON is an error wrapping
// ErrSyntax. An error from f is returned wrapped.
//
// Only the values at the paths change: all other bytes of body are kept as they
// are, and values are decoded and skipped only along the paths. A replacement
// is written as a JSON string with the escapes JSON needs and invalid UTF-8
// replaced by U+FFFD; when f returns the value it was given, the original bytes
// stay, escapes included. When nothing changes, body itself is returned.
//
// The boolean reports whether f was called at least once, that is whether the
// body held a value at one of the paths.
func RewriteStrings(body []byte, paths [][]string, f func(path []string, value string) (string, error)) ([]byte, bool, error) {
	for _, p := range paths {
		if len(p) == 0 {
			return nil, false, errors.New("bound: empty path")
		}
	}
	r := rewriter{in: body, f: f}
	r.skipSpace()
	var err error
	if len(paths) == 0 {
		err = r.skip(0)
	} else {
		err = r.match(paths, 0, 0)
	}
	if err != nil {
		return nil, false, err
	}
	r.skipSpace()
	if r.pos != len(r.in) {
		return nil, false, r.syntaxError("data after the top-level value")
	}
	if r.out == nil {
		return body, r.found, nil
	}
	return append(r.out, r.in[r.copied:]...), r.found, nil
}

type rewriter struct {
	in  []byte
	pos int

	// out holds the rewritten body up to in[copied:]; nil until the first
	// change.
	out    []byte
	copied int

	found bool
	f     func(path []string, value string) (string, error)
}

// match handles the value at r.pos, reached along paths[i][:level] for every
// path given. depth counts the arrays and objects around the value.
func (r *rewriter) match(paths [][]string, level, depth int) error {
	var final []string
	nested := false
	for _, p := range paths {
		if len(p) == level {
			if final == nil {
				final = p
			}
		} else {
			nested = true
		}
	}
	if r.pos >= len(r.in) {
		return r.syntaxError("unexpected end of input")
	}
	c := r.in[r.pos]
	switch {
	case c == '{' && nested && final == nil:
		return r.object(paths, level, depth)
	case c == '"' && final != nil && !nested:
		return r.rewrite(final)
	case c == '[' && final != nil && !nested:
		return r.array(final, depth)
	}
	if !startsValue(c) {
		return r.syntaxError("invalid character " + quoteChar(c) + " looking for a value")
	}
	if final != nil {
		if nested {
			return fmt.Errorf("%w: %s is %s, but paths need both a string and an object there", ErrType, pathString(final), typeName(c))
		}
		return fmt.Errorf("%w: %s is %s, want a string or an array of strings", ErrType, pathString(final), typeName(c))
	}
	return fmt.Errorf("%w: %s is %s, want an object", ErrType, pathString(paths[0][:level]), typeName(c))
}

// object handles the object at r.pos along paths[i][:level].
func (r *rewriter) object(paths [][]string, level, depth int) error {
	if depth+1 > maxDepth {
		return r.syntaxError("exceeded max depth")
	}
	r.pos++
	seen := make(map[string]struct{})
	r.skipSpace()
	if r.pos < len(r.in) && r.in[r.pos] == '}' {
		r.pos++
		return nil
	}
	for {
		if r.pos >= len(r.in) || r.in[r.pos] != '"' {
			return r.syntaxError("looking for an object key")
		}
		start := r.pos
		escaped, err := r.scanString()
		if err != nil {
			return err
		}
		key := decodeString(r.in[start:r.pos], escaped)
		if _, dup := seen[key]; dup {
			return fmt.Errorf("%w: %q in %s", ErrDuplicateKey, key, pathString(paths[0][:level]))
		}
		seen[key] = struct{}{}
		if err := r.colon(); err != nil {
			return err
		}
		var sub [][]string
		for _, p := range paths {
			if len(p) > level && p[level] == key {
				sub = append(sub, p)
			}
		}
		if sub != nil {
			err = r.match(sub, level+1, depth+1)
		} else {
			err = r.skip(depth + 1)
		}
		if err != nil {
			return err
		}
		more, err := r.next('}')
		if err != nil || !more {
			return err
		}
	}
}

// array rewrites the array of strings at r.pos, the value of path.
func (r *rewriter) array(path []string, depth int) error {
	if depth+1 > maxDepth {
		return r.syntaxError("exceeded max depth")
	}
	r.pos++
	r.skipSpace()
	if r.pos < len(r.in) && r.in[r.pos] == ']' {
		r.pos++
		return nil
	}
	for {
		if r.pos >= len(r.in) {
			return r.syntaxError("unexpected end of input")
		}
		if c := r.in[r.pos]; c != '"' {
			if !startsValue(c) {
				return r.syntaxError("invalid character " + quoteChar(c) + " looking for a value")
			}
			return fmt.Errorf("%w: %s holds %s, want strings only", ErrType, pathString(path), typeName(c))
		}
		if err := r.rewrite(path); err != nil {
			return err
		}
		more, err := r.next(']')
		if err != nil || !more {
			return err
		}
	}
}

// rewrite replaces the string at r.pos, the value of path, by f's result.
func (r *rewriter) rewrite(path []string) error {
	start := r.pos
	escaped, err := r.scanString()
	if err != nil {
		return err
	}
	old := decodeString(r.in[start:r.pos], escaped)
	v, err := r.f(path, old)
	if err != nil {
		return fmt.Errorf("bound: %s: %w", pathString(path), err)
	}
	r.found = true
	if v == old {
		return nil
	}
	if r.out == nil {
		r.out = make([]byte, 0, len(r.in)+len(v)+64)
	}
	r.out = append(r.out, r.in[r.copied:start]...)
	r.out = AppendJSONString(r.out, v)
	r.copied = r.pos
	return nil
}

// skip moves r.pos past the value at r.pos, checking its syntax.
func (r *rewriter) skip(depth int) error {
	if r.pos >= len(r.in) {
		return r.syntaxError("unexpected end of input")
	}
	switch c := r.in[r.pos]; c {
	case '"':
		_, err := r.scanString()
		return err
	case '{':
		if depth+1 > maxDepth {
			return r.syntaxError("exceeded max depth")
		}
		r.pos++
		r.skipSpace()
		if r.pos < len(r.in) && r.in[r.pos] == '}' {
			r.pos++
			return nil
		}
		for {
			if r.pos >= len(r.in) || r.in[r.pos] != '"' {
				return r.syntaxError("looking for an object key")
			}
			if _, err := r.scanString(); err != nil {
				return err
			}
			if err := r.colon(); err != nil {
				return err
			}
			if err := r.skip(depth + 1); err != nil {
				return err
			}
			more, err := r.next('}')
			if err != nil || !more {
				return err
			}
		}
	case '[':
		if depth+1 > maxDepth {
			return r.syntaxError("exceeded max depth")
		}
		r.pos++
		r.skipSpace()
		if r.pos < len(r.in) && r.in[r.pos] == ']' {
			r.pos++
			return nil
		}
		for {
			if err := r.skip(depth + 1); err != nil {
				return err
			}
			more, err := r.next(']')
			if err != nil || !more {
				return err
			}
		}
	case 't':
		return r.literal("true")
	case 'f':
		return r.literal("false")
	case 'n':
		return r.literal("null")
	default:
		if c == '-' || '0' <= c && c <= '9' {
			return r.number()
		}
		return r.syntaxError("invalid character " + quoteChar(c) + " looking for a value")
	}
}

// colon moves r.pos past the ':' after an object key and the spaces around it.
func (r *rewriter) colon() error {
	r.skipSpace()
	if r.pos >= len(r.in) || r.in[r.pos] != ':' {
		return r.syntaxError("looking for ':' after an object key")
	}
	r.pos++
	r.skipSpace()
	return nil
}

// next moves r.pos past the ',' or the closing byte after a member or an
// element, and the spaces around it. It reports whether another one follows.
func (r *rewriter) next(end byte) (bool, error) {
	r.skipSpace()
	if r.pos < len(r.in) {
		switch r.in[r.pos] {
		case ',':
			r.pos++
			r.skipSpace()
			return true, nil
		case end:
			r.pos++
			return false, nil
		}
	}
	return false, r.syntaxError("looking for ',' or '" + string(end) + "'")
}

// scanString moves r.pos past the string at r.pos, checking its syntax, and
// reports whether it holds escapes.
func (r *rewriter) scanString() (escaped bool, err error) {
	r.pos++
	for r.pos < len(r.in) {
		c := r.in[r.pos]
		switch {
		case c == '"':
			r.pos++
			return escaped, nil
		case c == '\\':
			escaped = true
			r.pos++
			if r.pos >= len(r.in) {
				return false, r.syntaxError("unterminated string")
			}
			switch r.in[r.pos] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				r.pos++
			case 'u':
				r.pos++
				for range 4 {
					if r.pos >= len(r.in) || !isHex(r.in[r.pos]) {
						return false, r.syntaxError("invalid \\u escape in string")
					}
					r.pos++
				}
			default:
				return false, r.syntaxError("invalid escape in string")
			}
		case c < 0x20:
			return false, r.syntaxError("control character in string")
		default:
			r.pos++
		}
	}
	return false, r.syntaxError("unterminated string")
}

func (r *rewriter) number() error {
	if r.in[r.pos] == '-' {
		r.pos++
	}
	switch {
	case r.pos < len(r.in) && r.in[r.pos] == '0':
		r.pos++
	case r.pos < len(r.in) && '1' <= r.in[r.pos] && r.in[r.pos] <= '9':
		r.skipDigits()
	default:
		return r.syntaxError("invalid number")
	}
	if r.pos < len(r.in) && r.in[r.pos] == '.' {
		r.pos++
		if !r.skipDigits() {
			return r.syntaxError("invalid number")
		}
	}
	if r.pos < len(r.in) && (r.in[r.pos] == 'e' || r.in[r.pos] == 'E') {
		r.pos++
		if r.pos < len(r.in) && (r.in[r.pos] == '+' || r.in[r.pos] == '-') {
			r.pos++
		}
		if !r.skipDigits() {
			return r.syntaxError("invalid number")
		}
	}
	return nil
}

// skipDigits moves r.pos past decimal digits and reports whether there was one.
func (r *rewriter) skipDigits() bool {
	start := r.pos
	for r.pos < len(r.in) && '0' <= r.in[r.pos] && r.in[r.pos] <= '9' {
		r.pos++
	}
	return r.pos > start
}

func (r *rewriter) literal(word string) error {
	if len(r.in)-r.pos < len(word) || string(r.in[r.pos:r.pos+len(word)]) != word {
		return r.syntaxError("invalid literal")
	}
	r.pos += len(word)
	return nil
}

func (r *rewriter) skipSpace() {
	for r.pos < len(r.in) {
		switch r.in[r.pos] {
		case ' ', '\t', '\n', '\r':
			r.pos++
		default:
			return
		}
	}
}

func (r *rewriter) syntaxError(msg string) error {
	return fmt.Errorf("%w: %s at offset %d", ErrSyntax, msg, r.pos)
}

// decodeString returns the value of the JSON string raw, quotes included,
// which scanString accepted, as encoding/json decodes it.
func decodeString(raw []byte, escaped bool) string {
	inner := raw[1 : len(raw)-1]
	if !escaped && utf8.Valid(inner) {
		return string(inner)
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		// scanString accepted raw, and encoding/json accepts every such string.
		panic("bound: decoding a checked JSON string: " + err.Error())
	}
	return s
}

const hexDigits = "0123456789abcdef"

// AppendJSONString appends s to dst as a JSON string, with the escapes JSON needs
// (and U+2028, U+2029) and invalid UTF-8 replaced by U+FFFD. Like Elasticsearch, it
// writes '<', '>' and '&' as they are.
func AppendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func startsValue(c byte) bool {
	switch c {
	case '{', '[', '"', 't', 'f', 'n', '-':
		return true
	}
	return '0' <= c && c <= '9'
}

func typeName(c byte) string {
	switch c {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

func quoteChar(c byte) string {
	return strconv.QuoteRune(rune(c))
}

// pathString names a path in error messages.
func pathString(p []string) string {
	if len(p) == 0 {
		return "the top level"
	}
	return strconv.Quote(strings.Join(p, "."))
}
