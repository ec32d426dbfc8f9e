package routes

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxSegments bounds the segments kept when a path is split. The table's deepest template
// has far fewer (checked when the table is built), so a longer path cannot match any route.
const maxSegments = 16

// splitPath splits a raw path into segments the way PathTrie.retrieve does with
// path.split("/"): Java's String.split drops trailing empty strings, so "/_search/" and
// "/_search//" are "/_search", and "", "/" and "//" are the root path (no segments). A
// leading "/" yields a leading empty segment, and interior empty segments are kept, so
// "//_search" is ["", "", "_search"], whose "" can be captured by a {param} like any
// other segment. fits is false when the path has more than maxSegments segments.
func splitPath(path string, buf *[maxSegments]string) (segs []string, fits bool) {
	path = strings.TrimRight(path, "/")
	n := 0
	for path != "" {
		if n == len(buf) {
			return nil, false
		}
		seg, rest, found := strings.Cut(path, "/")
		buf[n] = seg
		n++
		if !found {
			break
		}
		path = rest
	}
	return buf[:n], true
}

// checkPath refuses what esguard will not route: a raw byte outside printable ASCII
// (Elasticsearch reads the request line as single-byte characters, so raw UTF-8 would name
// a different index there than here), and any segment that decodeComponent refuses.
// Every segment is checked, whether or not it ends up as a parameter; Elasticsearch only
// decodes the segments its trie captures, but a segment with '%' never equals a literal
// segment of the table, so it can only be captured or match nothing.
func checkPath(path string) error {
	escapes := false
	for i := 0; i < len(path); i++ {
		switch c := path[i]; {
		case c <= ' ' || c >= 0x7f:
			return &BadPathError{Path: path, Reason: "character 0x" + strconv.FormatUint(uint64(c), 16) +
				" at index " + strconv.Itoa(i) + " must be percent-encoded"}
		case c == '%':
			escapes = true
		}
	}
	if !escapes {
		return nil
	}
	for seg := range strings.SplitSeq(path, "/") {
		if strings.IndexByte(seg, '%') >= 0 {
			if reason := checkComponent(seg); reason != "" {
				return &BadPathError{Path: path, Reason: reason}
			}
		}
	}
	return nil
}

// checkComponent validates one path segment for decodeComponent without allocating and
// returns why it is refused, or "". The messages for malformed escapes are those of
// RestUtils.decode. One refusal is esguard's own: bytes that are not valid UTF-8
// (Elasticsearch would replace them with U+FFFD, naming an index other than the one
// esguard checked). An escaped '/' is accepted here and judged once the segment is
// captured (Match.checkSlashes).
func checkComponent(s string) string {
	var v utf8Stream
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '%' {
			if i == len(s)-1 {
				return "unterminated escape sequence at end of string: " + s
			}
			i++
			if s[i] == '%' { // RestUtils.decode: "%%" -> "%"
				v.add('%')
				continue
			}
			if i == len(s)-1 {
				return "partial escape sequence at end of string: " + s
			}
			hi, lo := unhex(s[i]), unhex(s[i+1])
			i++
			if hi < 0 || lo < 0 {
				return "invalid escape sequence `%" + s[i-1:i+1] + "' at index " + strconv.Itoa(i-2) + " of: " + s
			}
			c = byte(hi<<4 | lo)
		}
		v.add(c)
	}
	if !v.valid() {
		return "path segment is not valid UTF-8 once decoded: " + s
	}
	return ""
}

// decodeComponent is RestUtils.decodeComponent, the decoder PathTrie applies to captured
// parameters: "%XX" becomes the byte XX, "%%" becomes "%", and '+' stays '+' (the
// es.rest.url_plus_as_space property defaults to false). The segment must have passed
// checkComponent. Like Elasticsearch, it returns s itself when s has no '%', so nothing
// is allocated unless something is decoded.
func decodeComponent(s string) string {
	i := strings.IndexByte(s, '%')
	if i < 0 {
		return s
	}
	buf := make([]byte, 0, len(s))
	buf = append(buf, s[:i]...)
	for ; i < len(s); i++ {
		c := s[i]
		if c == '%' {
			if i++; s[i] == '%' {
				c = '%'
			} else {
				c = byte(unhex(s[i])<<4 | unhex(s[i+1]))
				i++
			}
		}
		buf = append(buf, c)
	}
	return string(buf)
}

// unhex is RestUtils.decodeHexNibble, with -1 for a character that is not a hex digit.
func unhex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c - 'a' + 10)
	case 'A' <= c && c <= 'F':
		return int(c - 'A' + 10)
	}
	return -1
}

// utf8Stream checks that a stream of bytes, fed one at a time, is valid UTF-8.
type utf8Stream struct {
	pending [utf8.UTFMax]byte
	n       int
	bad     bool
}

func (u *utf8Stream) add(b byte) {
	if u.bad || (u.n == 0 && b < utf8.RuneSelf) {
		return
	}
	u.pending[u.n] = b
	u.n++
	if !utf8.FullRune(u.pending[:u.n]) {
		return
	}
	if r, size := utf8.DecodeRune(u.pending[:u.n]); r == utf8.RuneError && size == 1 {
		u.bad = true
	}
	u.n = 0
}

func (u *utf8Stream) valid() bool { return !u.bad && u.n == 0 }
