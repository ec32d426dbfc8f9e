package bodies

import (
	"bytes"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// jsValue is one JSON value of a request body, decoded the way Elasticsearch's JSON
// parser reads it: Jackson with ALLOW_COMMENTS and STRICT_DUPLICATE_DETECTION
// (JsonXContentImpl). Objects keep their keys in order.
type jsValue struct {
	kind       byte       // '{' object, '[' array, 's' string, 'n' number, 'b' boolean, 'z' null
	str        string     // a string's value, a number's literal text, "true" or "false"
	keys       []string   // an object's keys, in order
	vals       []*jsValue // an object's values (beside keys) or an array's elements
	start, end int        // the value's bytes in the decoded text
}

// jsMaxDepth is Jackson's default limit on nesting (StreamReadConstraints).
const jsMaxDepth = 1000

// get returns the value of key in an object, or nil.
func (v *jsValue) get(key string) *jsValue {
	if v == nil || v.kind != '{' {
		return nil
	}
	for i, k := range v.keys {
		if k == key {
			return v.vals[i]
		}
	}
	return nil
}

// isScalar reports whether v is a string, number, boolean or null.
func (v *jsValue) isScalar() bool {
	return v.kind != '{' && v.kind != '['
}

// jsTypeName names a value's kind in error reasons, as Jackson's tokens are named.
func jsTypeName(v *jsValue) string {
	switch v.kind {
	case '{':
		return "START_OBJECT"
	case '[':
		return "START_ARRAY"
	case 's':
		return "VALUE_STRING"
	case 'n':
		return "VALUE_NUMBER"
	case 'b':
		return "VALUE_BOOLEAN"
	}
	return "VALUE_NULL"
}

// jsIllegalArgument is an IllegalArgumentException.
func jsIllegalArgument(reason string) error {
	return &BadRequestError{Type: "illegal_argument_exception", Reason: reason}
}

// jsParseError is an XContentParseException.
func jsParseError(reason string) error {
	return &BadRequestError{Type: "x_content_parse_exception", Reason: reason}
}

// jsValidation is an ActionRequestValidationException, numbered as its message is.
func jsValidation(errs ...string) error {
	var b strings.Builder
	b.WriteString("Validation Failed: ")
	for i, e := range errs {
		b.WriteString(strconv.Itoa(i + 1))
		b.WriteString(": ")
		b.WriteString(e)
		b.WriteString(";")
	}
	return &BadRequestError{Type: "action_request_validation_exception", Reason: b.String()}
}

// jsDecode decodes a body that must be exactly one JSON object. Malformed JSON, invalid
// UTF-8, unescaped control characters, lone surrogates and nesting deeper than Jackson
// allows are refused; so is a key repeated in one object.
func jsDecode(body []byte) (*jsValue, error) {
	v, err := jsDecodeValue(body)
	if err != nil {
		return nil, err
	}
	if v.kind != '{' {
		return nil, &BadRequestError{Type: "parse_exception", Reason: "request body must be a JSON object, not " + jsTypeName(v)}
	}
	return v, nil
}

// jsDecodeValue decodes a body that must be exactly one JSON value.
func jsDecodeValue(body []byte) (*jsValue, error) {
	p := jsParser{src: body}
	if !utf8.Valid(body) {
		return nil, jsParseError("request body is not valid UTF-8")
	}
	if err := p.skipSpace(); err != nil {
		return nil, err
	}
	if p.pos == len(p.src) {
		return nil, &BadRequestError{Type: "parse_exception", Reason: "request body is required"}
	}
	v, err := p.value()
	if err != nil {
		return nil, err
	}
	if err := p.skipSpace(); err != nil {
		return nil, err
	}
	if p.pos != len(p.src) {
		return nil, p.fail(p.pos, "unexpected content after the end of the JSON value")
	}
	return v, nil
}

type jsParser struct {
	src   []byte
	pos   int
	depth int
}

// where locates byte at as Elasticsearch locates parse errors: [line:column].
func (p *jsParser) where(at int) string {
	line, col := 1, 1
	for _, c := range p.src[:min(at, len(p.src))] {
		if c == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return "[" + strconv.Itoa(line) + ":" + strconv.Itoa(col) + "]"
}

// fail reports a syntax error at byte at.
func (p *jsParser) fail(at int, msg string) error {
	return jsParseError(p.where(at) + " " + msg)
}

// skipSpace skips whitespace and the comments Jackson's ALLOW_COMMENTS accepts.
func (p *jsParser) skipSpace() error {
	for p.pos < len(p.src) {
		switch p.src[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		case '/':
			if p.pos+1 >= len(p.src) {
				return p.fail(p.pos, "unexpected end-of-input in a comment")
			}
			switch p.src[p.pos+1] {
			case '/':
				p.pos += 2
				for p.pos < len(p.src) && p.src[p.pos] != '\n' && p.src[p.pos] != '\r' {
					p.pos++
				}
			case '*':
				end := bytes.Index(p.src[p.pos+2:], []byte("*/"))
				if end < 0 {
					return p.fail(p.pos, "unexpected end-of-input in a comment")
				}
				p.pos += 2 + end + 2
			default:
				return p.fail(p.pos, "unexpected character '/': was expecting '*' or '/' for a comment")
			}
		default:
			return nil
		}
	}
	return nil
}

func (p *jsParser) value() (*jsValue, error) {
	if err := p.skipSpace(); err != nil {
		return nil, err
	}
	if p.pos >= len(p.src) {
		return nil, p.fail(p.pos, "unexpected end-of-input: expected a value")
	}
	start := p.pos
	switch c := p.src[p.pos]; {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"':
		s, err := p.string()
		if err != nil {
			return nil, err
		}
		return &jsValue{kind: 's', str: s, start: start, end: p.pos}, nil
	case c == '-' || (c >= '0' && c <= '9'):
		if err := p.number(); err != nil {
			return nil, err
		}
		return &jsValue{kind: 'n', str: string(p.src[start:p.pos]), start: start, end: p.pos}, nil
	case c == 't' || c == 'f' || c == 'n':
		for _, lit := range []string{"true", "false", "null"} {
			if bytes.HasPrefix(p.src[p.pos:], []byte(lit)) {
				p.pos += len(lit)
				if p.pos < len(p.src) && jsIdentByte(p.src[p.pos]) {
					break
				}
				if lit == "null" {
					return &jsValue{kind: 'z', start: start, end: p.pos}, nil
				}
				return &jsValue{kind: 'b', str: lit, start: start, end: p.pos}, nil
			}
		}
		return nil, p.fail(start, "unrecognized token: was expecting a JSON value")
	}
	return nil, p.fail(start, "unexpected character "+strconv.QuoteRune(rune(p.src[p.pos]))+": was expecting a JSON value")
}

func jsIdentByte(c byte) bool {
	return c == '_' || c == '$' || c >= 0x80 || (c >= '0' && c <= '9') || (c|0x20 >= 'a' && c|0x20 <= 'z')
}

func (p *jsParser) enter() error {
	if p.depth++; p.depth > jsMaxDepth {
		return p.fail(p.pos, "document nesting depth exceeds the maximum allowed ("+strconv.Itoa(jsMaxDepth)+")")
	}
	return nil
}

func (p *jsParser) object() (*jsValue, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	v := &jsValue{kind: '{', start: p.pos}
	p.pos++
	var seen map[string]bool
	for first := true; ; first = false {
		if err := p.skipSpace(); err != nil {
			return nil, err
		}
		if p.pos >= len(p.src) {
			return nil, p.fail(p.pos, "unexpected end-of-input in an object")
		}
		if first && p.src[p.pos] == '}' {
			break
		}
		if p.src[p.pos] != '"' {
			return nil, p.fail(p.pos, "unexpected character: was expecting a double-quote to start a field name")
		}
		at := p.pos
		k, err := p.string()
		if err != nil {
			return nil, err
		}
		dup := false
		if seen != nil {
			dup = seen[k]
		} else {
			for _, s := range v.keys {
				dup = dup || s == k
			}
		}
		if dup {
			return nil, jsIllegalArgument("duplicate key [" + k + "] at " + p.where(at) + " in the request body; esguard refuses a body whose keys repeat")
		}
		if len(v.keys) == 8 {
			seen = make(map[string]bool, 16)
			for _, s := range v.keys {
				seen[s] = true
			}
		}
		if seen != nil {
			seen[k] = true
		}
		if err := p.skipSpace(); err != nil {
			return nil, err
		}
		if p.pos >= len(p.src) || p.src[p.pos] != ':' {
			return nil, p.fail(p.pos, "unexpected character: was expecting a colon to separate field name and value")
		}
		p.pos++
		val, err := p.value()
		if err != nil {
			return nil, err
		}
		v.keys, v.vals = append(v.keys, k), append(v.vals, val)
		if err := p.skipSpace(); err != nil {
			return nil, err
		}
		if p.pos < len(p.src) && p.src[p.pos] == ',' {
			p.pos++
			continue
		}
		if p.pos < len(p.src) && p.src[p.pos] == '}' {
			break
		}
		if p.pos >= len(p.src) {
			return nil, p.fail(p.pos, "unexpected end-of-input in an object")
		}
		return nil, p.fail(p.pos, "unexpected character: was expecting comma to separate object entries")
	}
	p.pos++
	p.depth--
	v.end = p.pos
	return v, nil
}

func (p *jsParser) array() (*jsValue, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	v := &jsValue{kind: '[', start: p.pos}
	p.pos++
	for first := true; ; first = false {
		if err := p.skipSpace(); err != nil {
			return nil, err
		}
		if p.pos >= len(p.src) {
			return nil, p.fail(p.pos, "unexpected end-of-input in an array")
		}
		if first && p.src[p.pos] == ']' {
			break
		}
		e, err := p.value()
		if err != nil {
			return nil, err
		}
		v.vals = append(v.vals, e)
		if err := p.skipSpace(); err != nil {
			return nil, err
		}
		if p.pos < len(p.src) && p.src[p.pos] == ',' {
			p.pos++
			continue
		}
		if p.pos < len(p.src) && p.src[p.pos] == ']' {
			break
		}
		if p.pos >= len(p.src) {
			return nil, p.fail(p.pos, "unexpected end-of-input in an array")
		}
		return nil, p.fail(p.pos, "unexpected character: was expecting comma to separate array entries")
	}
	p.pos++
	p.depth--
	v.end = p.pos
	return v, nil
}

// number scans a JSON number as Jackson accepts it: no leading zeros, no leading '+',
// digits on both sides of a decimal point.
func (p *jsParser) number() error {
	start := p.pos
	digits := func() int {
		n := 0
		for p.pos < len(p.src) && p.src[p.pos] >= '0' && p.src[p.pos] <= '9' {
			p.pos++
			n++
		}
		return n
	}
	if p.src[p.pos] == '-' {
		p.pos++
	}
	intStart := p.pos
	switch n := digits(); {
	case n == 0:
		return p.fail(start, "invalid numeric value: no digit after the minus sign")
	case n > 1 && p.src[intStart] == '0':
		return p.fail(start, "invalid numeric value: leading zeroes not allowed")
	}
	if p.pos < len(p.src) && p.src[p.pos] == '.' {
		p.pos++
		if digits() == 0 {
			return p.fail(start, "invalid numeric value: decimal point not followed by a digit")
		}
	}
	if p.pos < len(p.src) && (p.src[p.pos] == 'e' || p.src[p.pos] == 'E') {
		p.pos++
		if p.pos < len(p.src) && (p.src[p.pos] == '+' || p.src[p.pos] == '-') {
			p.pos++
		}
		if digits() == 0 {
			return p.fail(start, "invalid numeric value: exponent indicator not followed by a digit")
		}
	}
	if p.pos < len(p.src) && jsIdentByte(p.src[p.pos]) {
		return p.fail(start, "invalid numeric value")
	}
	return nil
}

// string scans a string starting at its opening quote and returns its value.
func (p *jsParser) string() (string, error) {
	start := p.pos
	p.pos++
	var b []byte
	from := p.pos
	for {
		if p.pos >= len(p.src) {
			return "", p.fail(start, "unexpected end-of-input in a string")
		}
		c := p.src[p.pos]
		switch {
		case c == '"':
			s := string(p.src[from:p.pos])
			if b != nil {
				s = string(append(b, p.src[from:p.pos]...))
			}
			p.pos++
			return s, nil
		case c < 0x20:
			return "", p.fail(p.pos, "illegal unquoted control character in a string: it has to be escaped")
		case c != '\\':
			p.pos++
			continue
		}
		b = append(b, p.src[from:p.pos]...)
		if p.pos+1 >= len(p.src) {
			return "", p.fail(start, "unexpected end-of-input in a string")
		}
		esc := p.src[p.pos+1]
		p.pos += 2
		switch esc {
		case '"', '\\', '/':
			b = append(b, esc)
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r, ok := p.hex4()
			if !ok {
				return "", p.fail(p.pos, "invalid \\u escape in a string")
			}
			if utf16.IsSurrogate(r) {
				lo := rune(-1)
				if r < 0xdc00 && p.pos+1 < len(p.src) && p.src[p.pos] == '\\' && p.src[p.pos+1] == 'u' {
					p.pos += 2
					if lo, ok = p.hex4(); !ok {
						return "", p.fail(p.pos, "invalid \\u escape in a string")
					}
				}
				if r = utf16.DecodeRune(r, lo); r == utf8.RuneError {
					return "", p.fail(p.pos, "unpaired surrogate in a \\u escape")
				}
			}
			b = utf8.AppendRune(b, r)
		default:
			return "", p.fail(p.pos-2, "unrecognized character escape "+strconv.QuoteRune(rune(esc)))
		}
		from = p.pos
	}
}

func (p *jsParser) hex4() (rune, bool) {
	if p.pos+4 > len(p.src) {
		return 0, false
	}
	var r rune
	for _, c := range p.src[p.pos : p.pos+4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c|0x20 >= 'a' && c|0x20 <= 'f':
			r = r<<4 | rune(c|0x20-'a'+10)
		default:
			return 0, false
		}
	}
	p.pos += 4
	return r, true
}

// jsRaw returns a copy of a value's bytes in the text it was decoded from.
func jsRaw(src []byte, v *jsValue) []byte {
	return bytes.Clone(src[v.start:v.end])
}

// jsEncode writes v as compact JSON, escaping strings as Jackson's generator does
// (quote, backslash and control characters).
func jsEncode(b []byte, v *jsValue) []byte {
	switch v.kind {
	case '{':
		b = append(b, '{')
		for i, k := range v.keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = jsEncodeString(b, k)
			b = append(b, ':')
			b = jsEncode(b, v.vals[i])
		}
		return append(b, '}')
	case '[':
		b = append(b, '[')
		for i, e := range v.vals {
			if i > 0 {
				b = append(b, ',')
			}
			b = jsEncode(b, e)
		}
		return append(b, ']')
	case 's':
		return jsEncodeString(b, v.str)
	case 'z':
		return append(b, "null"...)
	}
	return append(b, v.str...)
}

func jsEncodeString(b []byte, s string) []byte {
	b = append(b, '"')
	b = jsEscape(b, s)
	return append(b, '"')
}

// jsEscape appends s escaped for the inside of a JSON string.
func jsEscape(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c == '\t':
			b = append(b, '\\', 't')
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&15])
		default:
			b = append(b, c)
		}
	}
	return b
}

// jsJavaSplit is Strings.splitStringByCommaToArray: "" gives no element, otherwise
// String.split(","), which keeps empty elements except trailing ones.
func jsJavaSplit(s string) []string {
	if s == "" {
		return nil
	}
	parts := strings.Split(s, ",")
	for len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	return parts
}

// jsString reads an optional string field: "" and false when v is nil.
func jsString(v *jsValue, field string) (string, bool, error) {
	switch {
	case v == nil:
		return "", false, nil
	case v.kind == 's':
		return v.str, true, nil
	}
	return "", false, jsParseError("[" + field + "] must be a string, not " + jsTypeName(v))
}

// jsBool reads an optional boolean field as XContentParser.booleanValue does: a
// boolean, or the string "true" or "false".
func jsBool(v *jsValue, field string) (*bool, error) {
	if v == nil {
		return nil, nil
	}
	if v.kind == 'b' || (v.kind == 's' && (v.str == "true" || v.str == "false")) {
		b := v.str == "true"
		return &b, nil
	}
	if v.kind == 's' {
		return nil, jsIllegalArgument("Failed to parse value [" + v.str + "] as only [true] or [false] are allowed.")
	}
	return nil, jsParseError("[" + field + "] must be a boolean, not " + jsTypeName(v))
}

// jsStrings reads a field declared as a string array (ObjectParser.declareStringArray):
// an array of strings, or one string; it does not split at commas.
func jsStrings(v *jsValue, field string) ([]string, error) {
	switch {
	case v == nil:
		return nil, nil
	case v.kind == 's':
		return []string{v.str}, nil
	case v.kind == '[':
		out := make([]string, 0, len(v.vals))
		for _, e := range v.vals {
			if e.kind != 's' {
				return nil, jsParseError("[" + field + "] must hold strings, not " + jsTypeName(e))
			}
			out = append(out, e.str)
		}
		return out, nil
	}
	return nil, jsParseError("[" + field + "] must be a string or an array of strings, not " + jsTypeName(v))
}

// jsSubset reports whether every key of object v is in allowed.
func jsSubset(v *jsValue, allowed map[string]bool) bool {
	for _, k := range v.keys {
		if !allowed[k] {
			return false
		}
	}
	return true
}

// jsSet builds a set of names.
func jsSet(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// jsEqualFoldASCII compares s and t ignoring the case of ASCII letters only.
func jsEqualFoldASCII(s, t string) bool {
	if len(s) != len(t) {
		return false
	}
	for i := 0; i < len(s); i++ {
		a, b := s[i], t[i]
		if 'A' <= a && a <= 'Z' {
			a += 'a' - 'A'
		}
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		if a != b {
			return false
		}
	}
	return true
}
