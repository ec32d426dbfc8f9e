package bodies

import (
	"bytes"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// ndTok is a token of Elasticsearch's XContentParser over JSON (JsonXContentParser,
// which wraps Jackson's UTF8StreamJsonParser).
type ndTok uint8

const (
	ndEOF ndTok = iota // no more tokens (XContentParser.nextToken() == null)
	ndStartObject
	ndEndObject
	ndStartArray
	ndEndArray
	ndField
	ndString
	ndNumber
	ndTrue
	ndFalse
	ndNull
)

// esName is the XContentParser.Token name that Elasticsearch puts in its messages; the
// end of input prints as "null", as Java formats a null token.
func (t ndTok) esName() string {
	switch t {
	case ndStartObject:
		return "START_OBJECT"
	case ndEndObject:
		return "END_OBJECT"
	case ndStartArray:
		return "START_ARRAY"
	case ndEndArray:
		return "END_ARRAY"
	case ndField:
		return "FIELD_NAME"
	case ndString:
		return "VALUE_STRING"
	case ndNumber:
		return "VALUE_NUMBER"
	case ndTrue, ndFalse:
		return "VALUE_BOOLEAN"
	case ndNull:
		return "VALUE_NULL"
	}
	return "null"
}

// isValue is XContentParser.Token.isValue: strings, numbers and booleans, not null.
func (t ndTok) isValue() bool {
	return t == ndString || t == ndNumber || t == ndTrue || t == ndFalse
}

// ndMaxDepth is Jackson's default StreamReadConstraints maximum nesting depth.
const ndMaxDepth = 1000

// ndLargeObject is the number of keys after which duplicate detection in an object
// switches from a linear scan to a map.
const ndLargeObject = 16

type ndNeed uint8

const (
	ndNeedRoot          ndNeed = iota // a root-level value, or the end of input
	ndNeedValue                       // a value (after ':' or after ',' in an array)
	ndNeedValueOrClose                // a value or ']' (after '[')
	ndNeedKeyOrClose                  // a key or '}' (after '{')
	ndNeedKey                         // a key (after ',' in an object)
	ndNeedCommaOrObject               // ',' or '}'
	ndNeedCommaOrArray                // ',' or ']'
)

type ndFrame struct {
	obj  bool
	keys int                 // index in ndLexer.keys of this object's first key
	set  map[string]struct{} // keys of a large object
}

type ndKey struct {
	arena bool // the decoded key is in ndLexer.arena, else it is raw in buf
	off   int
	n     int
}

// ndLexer is a pull tokenizer that accepts and refuses JSON as Elasticsearch's parser
// does: Jackson with ALLOW_COMMENTS and STRICT_DUPLICATE_DETECTION enabled
// (JsonXContentImpl), several whitespace-separated root values, a UTF-8 byte order mark
// at the start of the input, and the nesting limit of StreamReadConstraints. It is
// stricter in two places: raw bytes must be valid UTF-8 and decoded strings must not
// hold unpaired UTF-16 surrogates, because a guard must compare exactly the names that
// Elasticsearch sees.
//
// Errors are *BadRequestError with the types that JsonXContentParser gives: Jackson's
// end-of-input becomes XContentEOFException ("Unexpected end of file") and every other
// syntax error an XContentParseException, both prefixed with "[line:column] ". The
// wording after the location is Jackson's where it is short and fixed.
type ndLexer struct {
	buf  []byte
	pos  int
	need ndNeed

	stack []ndFrame
	keys  []ndKey
	arena []byte

	tok        ndTok
	start, end int  // raw bytes of the current token; strings and keys include their quotes
	esc        bool // the current string or key has backslash escapes
	float      bool // the current number has a fraction or an exponent

	comma int // offset of the last ',' read between values or entries

	scratch []byte
}

// reset starts tokenizing buf, skipping a leading UTF-8 byte order mark as Jackson's
// ByteSourceJsonBootstrapper does.
func (l *ndLexer) reset(buf []byte) {
	l.buf = buf
	l.pos = 0
	if len(buf) >= 3 && buf[0] == 0xEF && buf[1] == 0xBB && buf[2] == 0xBF {
		l.pos = 3
	}
	l.need = ndNeedRoot
	l.stack = l.stack[:0]
	l.keys = l.keys[:0]
	l.arena = l.arena[:0]
	l.tok = ndEOF
	l.start, l.end = 0, 0
}

// location is the 1-based line and column of byte p of the input.
func (l *ndLexer) location(p int) (line, col int) {
	if p > len(l.buf) {
		p = len(l.buf)
	}
	line = 1 + bytes.Count(l.buf[:p], []byte{'\n'})
	col = p - bytes.LastIndexByte(l.buf[:p], '\n')
	return line, col
}

// where formats location p as XContentLocation.toString does ("line:column").
func (l *ndLexer) where(p int) string {
	line, col := l.location(p)
	return strconv.Itoa(line) + ":" + strconv.Itoa(col)
}

// tokenWhere is the location of the current token.
func (l *ndLexer) tokenWhere() string { return l.where(l.start) }

// fail is an XContentParseException at byte p.
func (l *ndLexer) fail(p int, msg string) error {
	return &BadRequestError{Type: ndTypeXContentParse, Reason: "[" + l.where(p) + "] " + msg}
}

// eof is the XContentEOFException of input that ends inside a value.
func (l *ndLexer) eof() error {
	return &BadRequestError{Type: ndTypeXContentEOF, Reason: "[" + l.where(len(l.buf)) + "] Unexpected end of file"}
}

// unexpected describes byte p the way Jackson names an unexpected character.
func (l *ndLexer) unexpected(p int, expecting string) error {
	c := l.buf[p]
	var shown string
	switch {
	case c < 0x20:
		shown = "(CTRL-CHAR, code " + strconv.Itoa(int(c)) + ")"
	case c >= 0x80:
		r, _ := utf8.DecodeRune(l.buf[p:])
		shown = "'" + string(r) + "' (code " + strconv.Itoa(int(r)) + ")"
	default:
		shown = "'" + string(rune(c)) + "' (code " + strconv.Itoa(int(c)) + ")"
	}
	msg := "Unexpected character (" + shown + ")"
	if expecting != "" {
		msg += ": " + expecting
	}
	return l.fail(p, msg)
}

// skipSpace moves past whitespace and comments and reports whether a byte follows.
func (l *ndLexer) skipSpace() (bool, error) {
	buf := l.buf
	for l.pos < len(buf) {
		switch c := buf[l.pos]; c {
		case ' ', '\t', '\n', '\r':
			l.pos++
		case '/':
			if err := l.skipComment(); err != nil {
				return false, err
			}
		default:
			if c < 0x20 {
				return false, l.fail(l.pos, "Illegal character ((CTRL-CHAR, code "+strconv.Itoa(int(c))+
					")): only regular white space (\\r, \\n, \\t) is allowed between tokens")
			}
			return true, nil
		}
	}
	return false, nil
}

// skipComment skips a /* */ or // comment (Jackson's ALLOW_COMMENTS).
func (l *ndLexer) skipComment() error {
	buf := l.buf
	p := l.pos
	if p+1 >= len(buf) {
		return l.eof()
	}
	switch buf[p+1] {
	case '*':
		i := bytes.Index(buf[p+2:], []byte("*/"))
		if i < 0 {
			return l.eof()
		}
		l.pos = p + 2 + i + 2
	case '/':
		i := bytes.IndexAny(buf[p+2:], "\n\r")
		if i < 0 {
			l.pos = len(buf)
		} else {
			l.pos = p + 2 + i
		}
	default:
		return l.unexpected(p+1, "was expecting either '*' or '/' for a comment")
	}
	return nil
}

// next reads the next token.
func (l *ndLexer) next() (ndTok, error) {
	more, err := l.skipSpace()
	if err != nil {
		return ndEOF, err
	}
	if !more {
		if l.need == ndNeedRoot {
			l.tok = ndEOF
			l.start, l.end = l.pos, l.pos
			return ndEOF, nil
		}
		return ndEOF, l.eof()
	}
	c := l.buf[l.pos]
	switch l.need {
	case ndNeedRoot, ndNeedValue:
		return l.value(c)
	case ndNeedValueOrClose:
		if c == ']' {
			return l.close(ndEndArray)
		}
		return l.value(c)
	case ndNeedKeyOrClose:
		if c == '}' {
			return l.close(ndEndObject)
		}
		return l.key(c)
	case ndNeedKey:
		return l.key(c)
	case ndNeedCommaOrObject:
		switch c {
		case '}':
			return l.close(ndEndObject)
		case ',':
			if c, err = l.afterComma(); err != nil {
				return ndEOF, err
			}
			return l.key(c)
		}
		return ndEOF, l.unexpected(l.pos, "was expecting comma to separate Object entries")
	default: // ndNeedCommaOrArray
		switch c {
		case ']':
			return l.close(ndEndArray)
		case ',':
			if c, err = l.afterComma(); err != nil {
				return ndEOF, err
			}
			return l.value(c)
		}
		return ndEOF, l.unexpected(l.pos, "was expecting comma to separate Array entries")
	}
}

// afterComma consumes the comma at pos and the space after it, and returns the byte
// that starts the next entry.
func (l *ndLexer) afterComma() (byte, error) {
	l.comma = l.pos
	l.pos++
	more, err := l.skipSpace()
	if err != nil {
		return 0, err
	}
	if !more {
		return 0, l.eof()
	}
	return l.buf[l.pos], nil
}

// afterValue sets what may follow a complete value.
func (l *ndLexer) afterValue() {
	switch {
	case len(l.stack) == 0:
		l.need = ndNeedRoot
	case l.stack[len(l.stack)-1].obj:
		l.need = ndNeedCommaOrObject
	default:
		l.need = ndNeedCommaOrArray
	}
}

func (l *ndLexer) close(t ndTok) (ndTok, error) {
	fr := l.stack[len(l.stack)-1]
	l.keys = l.keys[:fr.keys]
	l.stack = l.stack[:len(l.stack)-1]
	l.tok = t
	l.start, l.end = l.pos, l.pos+1
	l.pos++
	l.afterValue()
	return t, nil
}

func (l *ndLexer) open(obj bool) (ndTok, error) {
	if len(l.stack) >= ndMaxDepth {
		return ndEOF, l.fail(l.pos, "Document nesting depth ("+strconv.Itoa(len(l.stack)+1)+
			") exceeds the maximum allowed ("+strconv.Itoa(ndMaxDepth)+", from `StreamReadConstraints.getMaxNestingDepth()`)")
	}
	l.stack = append(l.stack, ndFrame{obj: obj, keys: len(l.keys)})
	l.start, l.end = l.pos, l.pos+1
	l.pos++
	if obj {
		l.tok = ndStartObject
		l.need = ndNeedKeyOrClose
	} else {
		l.tok = ndStartArray
		l.need = ndNeedValueOrClose
	}
	return l.tok, nil
}

// value reads a value that starts with byte c.
func (l *ndLexer) value(c byte) (ndTok, error) {
	switch {
	case c == '{':
		return l.open(true)
	case c == '[':
		return l.open(false)
	case c == '"':
		if err := l.scanString(); err != nil {
			return ndEOF, err
		}
		l.tok = ndString
	case c == '-' || (c >= '0' && c <= '9'):
		if err := l.scanNumber(); err != nil {
			return ndEOF, err
		}
		l.tok = ndNumber
	case c == 't':
		if err := l.scanLiteral("true"); err != nil {
			return ndEOF, err
		}
		l.tok = ndTrue
	case c == 'f':
		if err := l.scanLiteral("false"); err != nil {
			return ndEOF, err
		}
		l.tok = ndFalse
	case c == 'n':
		if err := l.scanLiteral("null"); err != nil {
			return ndEOF, err
		}
		l.tok = ndNull
	case c == ']' || c == '}':
		return ndEOF, l.fail(l.pos, "Unexpected close marker '"+string(rune(c))+"'")
	default:
		return ndEOF, l.unrecognized(l.pos)
	}
	l.afterValue()
	return l.tok, nil
}

// unrecognized is Jackson's error for a token that is not JSON.
func (l *ndLexer) unrecognized(p int) error {
	e := p
	for e < len(l.buf) && ndIdentPart(l.buf[e]) {
		e++
	}
	if e == p {
		return l.unexpected(p, "expected a valid value (JSON String, Number, Array, Object or token 'null', 'true' or 'false')")
	}
	return l.fail(p, "Unrecognized token '"+string(l.buf[p:e])+
		"': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')")
}

func ndIdentPart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '$' || c >= 0x80
}

func (l *ndLexer) scanLiteral(lit string) error {
	p := l.pos
	n := len(lit)
	if len(l.buf)-p < n || string(l.buf[p:p+n]) != lit {
		if len(l.buf)-p < n && string(l.buf[p:]) == lit[:len(l.buf)-p] {
			return l.eof()
		}
		return l.unrecognized(p)
	}
	if p+n < len(l.buf) && ndIdentPart(l.buf[p+n]) {
		return l.unrecognized(p)
	}
	l.start, l.end = p, p+n
	l.pos = p + n
	return nil
}

func (l *ndLexer) scanNumber() error {
	buf := l.buf
	p := l.pos
	i := p
	if buf[i] == '-' {
		i++
	}
	if i >= len(buf) {
		return l.eof()
	}
	switch c := buf[i]; {
	case c == '0':
		i++
		if i < len(buf) && buf[i] >= '0' && buf[i] <= '9' {
			return l.fail(i, "Invalid numeric value: Leading zeroes not allowed")
		}
	case c >= '1' && c <= '9':
		for i < len(buf) && buf[i] >= '0' && buf[i] <= '9' {
			i++
		}
	default:
		return l.fail(i, "Invalid numeric value: expected digit (0-9) to follow minus sign, for valid numeric value")
	}
	float := false
	if i < len(buf) && buf[i] == '.' {
		i++
		d := i
		for i < len(buf) && buf[i] >= '0' && buf[i] <= '9' {
			i++
		}
		if i == d {
			if i >= len(buf) {
				return l.eof()
			}
			return l.unexpected(i, "Decimal point not followed by a digit")
		}
		float = true
	}
	if i < len(buf) && (buf[i] == 'e' || buf[i] == 'E') {
		i++
		if i < len(buf) && (buf[i] == '+' || buf[i] == '-') {
			i++
		}
		d := i
		for i < len(buf) && buf[i] >= '0' && buf[i] <= '9' {
			i++
		}
		if i == d {
			if i >= len(buf) {
				return l.eof()
			}
			return l.unexpected(i, "Exponent indicator not followed by a digit")
		}
		float = true
	}
	if len(l.stack) == 0 && i < len(buf) {
		// Jackson's _verifyRootSpace: a root-level number ends with white space.
		if c := buf[i]; c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return l.unexpected(i, "Expected space separating root-level values")
		}
	}
	l.start, l.end = p, i
	l.pos = i
	l.float = float
	return nil
}

// scanString finds the end of the string that starts at l.pos, checking escapes,
// control characters and UTF-8 as Jackson does when it reads the text.
func (l *ndLexer) scanString() error {
	buf := l.buf
	p := l.pos
	i := p + 1
	esc := false
	for {
		if i >= len(buf) {
			return l.eof()
		}
		c := buf[i]
		switch {
		case c == '"':
			l.start, l.end = p, i+1
			l.pos = i + 1
			l.esc = esc
			return nil
		case c == '\\':
			esc = true
			if i+1 >= len(buf) {
				return l.eof()
			}
			switch buf[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(buf) {
					return l.eof()
				}
				for k := i + 2; k < i+6; k++ {
					if ndHex(buf[k]) < 0 {
						return l.unexpected(k, "expected a hex-digit for character escape sequence")
					}
				}
				i += 6
			default:
				return l.fail(i+1, "Unrecognized character escape "+ndQuoteChar(buf[i+1]))
			}
		case c < 0x20:
			return l.fail(i, "Illegal unquoted character ((CTRL-CHAR, code "+strconv.Itoa(int(c))+
				")): has to be escaped using backslash to be included in string value")
		case c < 0x80:
			i++
		default:
			r, n := utf8.DecodeRune(buf[i:])
			if r == utf8.RuneError && n <= 1 {
				return l.fail(i, "Invalid UTF-8 start byte 0x"+strconv.FormatUint(uint64(c), 16))
			}
			i += n
		}
	}
}

func ndQuoteChar(c byte) string {
	if c < 0x20 || c >= 0x80 {
		return "(code " + strconv.Itoa(int(c)) + ")"
	}
	return "'" + string(rune(c)) + "' (code " + strconv.Itoa(int(c)) + ")"
}

func ndHex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// ndUnescape appends the decoded content of a scanned JSON string (without its quotes)
// to dst. It reports false for an unpaired UTF-16 surrogate.
func ndUnescape(dst, raw []byte) ([]byte, bool) {
	for i := 0; i < len(raw); {
		c := raw[i]
		if c != '\\' {
			j := bytes.IndexByte(raw[i:], '\\')
			if j < 0 {
				return append(dst, raw[i:]...), true
			}
			dst = append(dst, raw[i:i+j]...)
			i += j
			continue
		}
		switch raw[i+1] {
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r := ndHex4(raw[i+2:])
			i += 6
			if utf16.IsSurrogate(r) {
				if r >= 0xDC00 || i+6 > len(raw) || raw[i] != '\\' || raw[i+1] != 'u' {
					return dst, false
				}
				lo := ndHex4(raw[i+2:])
				if lo < 0xDC00 || lo > 0xDFFF {
					return dst, false
				}
				r = utf16.DecodeRune(r, lo)
				i += 6
			}
			dst = utf8.AppendRune(dst, r)
			continue
		default: // '"', '\\', '/'
			dst = append(dst, raw[i+1])
		}
		i += 2
	}
	return dst, true
}

func ndHex4(b []byte) rune {
	return rune(ndHex(b[0])<<12 | ndHex(b[1])<<8 | ndHex(b[2])<<4 | ndHex(b[3]))
}

// key reads an object key that starts with byte c, the colon after it, and checks it
// against the object's other keys (Jackson's STRICT_DUPLICATE_DETECTION).
func (l *ndLexer) key(c byte) (ndTok, error) {
	if c != '"' {
		return ndEOF, l.unexpected(l.pos, "was expecting double-quote to start field name")
	}
	if err := l.scanString(); err != nil {
		return ndEOF, err
	}
	k := ndKey{off: l.start + 1, n: l.end - l.start - 2}
	if l.esc {
		off := len(l.arena)
		var ok bool
		l.arena, ok = ndUnescape(l.arena, l.buf[l.start+1:l.end-1])
		if !ok {
			return ndEOF, l.fail(l.start, "Invalid field name: unpaired UTF-16 surrogate")
		}
		k = ndKey{arena: true, off: off, n: len(l.arena) - off}
	}
	name := l.keyBytes(k)
	fr := &l.stack[len(l.stack)-1]
	dup := false
	if fr.set != nil {
		_, dup = fr.set[string(name)]
		if !dup {
			fr.set[string(name)] = struct{}{}
		}
	} else {
		for _, prev := range l.keys[fr.keys:] {
			if bytes.Equal(l.keyBytes(prev), name) {
				dup = true
				break
			}
		}
		if !dup && len(l.keys)-fr.keys >= ndLargeObject {
			fr.set = make(map[string]struct{}, 2*ndLargeObject)
			for _, prev := range l.keys[fr.keys:] {
				fr.set[string(l.keyBytes(prev))] = struct{}{}
			}
			fr.set[string(name)] = struct{}{}
		}
	}
	if dup {
		return ndEOF, l.fail(l.start, "Duplicate field '"+string(name)+"'")
	}
	l.keys = append(l.keys, k)
	start, end := l.start, l.end
	more, err := l.skipSpace()
	if err != nil {
		return ndEOF, err
	}
	if !more {
		return ndEOF, l.eof()
	}
	if l.buf[l.pos] != ':' {
		return ndEOF, l.unexpected(l.pos, "was expecting a colon to separate field name and value")
	}
	l.pos++
	l.start, l.end = start, end
	l.need = ndNeedValue
	l.tok = ndField
	return ndField, nil
}

func (l *ndLexer) keyBytes(k ndKey) []byte {
	if k.arena {
		return l.arena[k.off : k.off+k.n]
	}
	return l.buf[k.off : k.off+k.n]
}

// name is the decoded current field name; it stays valid until the lexer is reset.
func (l *ndLexer) name() []byte { return l.keyBytes(l.keys[len(l.keys)-1]) }

// raw is the current token's bytes as written.
func (l *ndLexer) raw() []byte { return l.buf[l.start:l.end] }

// textBytes is XContentParser.text() of the current value token: the decoded content of
// a string and the written form of a number or boolean. The result may alias a scratch
// buffer that the next call reuses.
func (l *ndLexer) textBytes() ([]byte, error) {
	if l.tok != ndString {
		return l.buf[l.start:l.end], nil
	}
	raw := l.buf[l.start+1 : l.end-1]
	if !l.esc {
		return raw, nil
	}
	var ok bool
	l.scratch, ok = ndUnescape(l.scratch[:0], raw)
	if !ok {
		return nil, l.fail(l.start, "Invalid string value: unpaired UTF-16 surrogate")
	}
	return l.scratch, nil
}

// text is textBytes as a new string.
func (l *ndLexer) text() (string, error) {
	b, err := l.textBytes()
	return string(b), err
}

// skip moves past the value that the current token starts: nothing for a scalar, the
// whole object or array for a start token.
func (l *ndLexer) skip() error {
	if l.tok != ndStartObject && l.tok != ndStartArray {
		return nil
	}
	d := len(l.stack) - 1
	for len(l.stack) > d {
		if _, err := l.next(); err != nil {
			return err
		}
	}
	return nil
}

// jacksonName is Jackson's JsonToken name of the current token, as its coercion errors
// print it.
func (l *ndLexer) jacksonName() string {
	switch l.tok {
	case ndNumber:
		if l.float {
			return "VALUE_NUMBER_FLOAT"
		}
		return "VALUE_NUMBER_INT"
	case ndTrue:
		return "VALUE_TRUE"
	case ndFalse:
		return "VALUE_FALSE"
	}
	return l.tok.esName()
}
