package bodies

import (
	"errors"
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf16"
)

// Exception types as Elasticsearch renders them (ElasticsearchException.getExceptionName).
const (
	ndTypeIllegalArgument = "illegal_argument_exception"          // IllegalArgumentException
	ndTypeNumberFormat    = "number_format_exception"             // NumberFormatException
	ndTypeParse           = "parse_exception"                     // ElasticsearchParseException
	ndTypeParsing         = "parsing_exception"                   // ParsingException
	ndTypeXContentParse   = "x_content_parse_exception"           // XContentParseException
	ndTypeXContentEOF     = "x_content_e_o_f_exception"           // XContentEOFException
	ndTypeValidation      = "action_request_validation_exception" // ActionRequestValidationException
)

func ndIllegalArgument(reason string) error {
	return &BadRequestError{Type: ndTypeIllegalArgument, Reason: reason}
}

func ndParseException(reason string) error {
	return &BadRequestError{Type: ndTypeParse, Reason: reason}
}

func ndParsingException(reason string) error {
	return &BadRequestError{Type: ndTypeParsing, Reason: reason}
}

// ndValidation is an ActionRequestValidationException with its errors, numbered as
// its getMessage() numbers them.
func ndValidation(errs ...string) error {
	var b strings.Builder
	b.WriteString("Validation Failed: ")
	for i, e := range errs {
		b.WriteString(strconv.Itoa(i + 1))
		b.WriteString(": ")
		b.WriteString(e)
		b.WriteString(";")
	}
	return &BadRequestError{Type: ndTypeValidation, Reason: b.String()}
}

// ndBooleanError is Booleans.parseBoolean's message for a value other than "true" or
// "false".
func ndBooleanError(v string) error {
	return ndIllegalArgument("Failed to parse value [" + v + "] as only [true] or [false] are allowed.")
}

// ndJavaSplitComma is Strings.splitStringByCommaToArray: String.split(","), which drops
// trailing empty strings, so "" and "," give no elements.
func ndJavaSplitComma(s string) []string {
	parts := strings.Split(s, ",")
	for len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	return parts
}

// ndJavaToLong is AbstractXContentParser.toLong(text, coerce=true), with which
// longValue() reads a string: Long.parseLong, else BigDecimal truncated towards zero.
func ndJavaToLong(s string) (int64, error) {
	if v, ok := ndJavaParseLong(s); ok {
		return v, nil
	}
	neg, digits, frac, exp, ok := ndBigDecimal(s)
	if !ok {
		return 0, ndIllegalArgument("For input string: \"" + s + "\"")
	}
	// The BigDecimal's scale is the number of fraction digits less the exponent.
	scale := int64(len(frac)) - exp
	if scale < -19 {
		return 0, ndIllegalArgument("Value [" + s + "] is out of range for a long")
	}
	if scale > 19 {
		return 0, nil
	}
	m, _ := new(big.Int).SetString(digits+frac, 10)
	p := new(big.Int).Exp(big.NewInt(10), big.NewInt(abs64(scale)), nil)
	if scale >= 0 {
		m.Quo(m, p)
	} else {
		m.Mul(m, p)
	}
	if neg {
		m.Neg(m)
	}
	if !m.IsInt64() {
		return 0, ndIllegalArgument("Value [" + s + "] is out of range for a long")
	}
	return m.Int64(), nil
}

func abs64(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

// ndJavaParseLong is Long.parseLong: an optional sign and decimal digits.
func ndJavaParseLong(s string) (int64, bool) {
	d := s
	if d != "" && (d[0] == '+' || d[0] == '-') {
		d = d[1:]
	}
	if d == "" {
		return 0, false
	}
	for i := 0; i < len(d); i++ {
		if d[i] < '0' || d[i] > '9' {
			return 0, false
		}
	}
	if s[0] == '+' {
		s = s[1:]
	}
	v, err := strconv.ParseInt(s, 10, 64)
	return v, err == nil
}

// ndBigDecimal splits a string that new BigDecimal(String) accepts into its sign,
// integer digits, fraction digits and exponent.
func ndBigDecimal(s string) (neg bool, digits, frac string, exp int64, ok bool) {
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	digits = s[:i]
	if i < len(s) && s[i] == '.' {
		j := i + 1
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		frac = s[i+1 : j]
		i = j
	}
	if digits == "" && frac == "" {
		return false, "", "", 0, false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		e := s[i+1:]
		if e != "" && (e[0] == '+' || e[0] == '-') {
			e = e[1:]
		}
		if e == "" || len(e) > 10 {
			return false, "", "", 0, false
		}
		for k := 0; k < len(e); k++ {
			if e[k] < '0' || e[k] > '9' {
				return false, "", "", 0, false
			}
		}
		v, err := strconv.ParseInt(s[i+1:], 10, 64)
		if err != nil || v > math.MaxInt32 || v < math.MinInt32 {
			return false, "", "", 0, false
		}
		exp = v
		i = len(s)
	}
	if i != len(s) {
		return false, "", "", 0, false
	}
	return neg, digits, frac, exp, true
}

// ndJavaParseDouble is Double.parseDouble, with which intValue() reads a string: the
// text is trimmed; "NaN", "Infinity", decimal and hexadecimal floating-point literals
// with an optional f/F/d/D suffix are accepted. Anything else is a NumberFormatException.
func ndJavaParseDouble(s string) (float64, error) {
	t := strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
	if t == "" {
		return 0, &BadRequestError{Type: ndTypeNumberFormat, Reason: "empty String"}
	}
	bad := &BadRequestError{Type: ndTypeNumberFormat, Reason: "For input string: \"" + s + "\""}
	body := t
	neg := false
	if body[0] == '+' || body[0] == '-' {
		neg = body[0] == '-'
		body = body[1:]
	}
	switch body {
	case "NaN":
		return math.NaN(), nil
	case "Infinity":
		if neg {
			return math.Inf(-1), nil
		}
		return math.Inf(1), nil
	}
	if n := len(body); n > 0 && strings.IndexByte("fFdD", body[n-1]) >= 0 {
		body = body[:n-1]
	}
	hex := len(body) > 2 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X')
	if !ndJavaFloatSyntax(body, hex) {
		return 0, bad
	}
	v, err := strconv.ParseFloat(body, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, bad
	}
	if neg {
		v = -v
	}
	return v, nil
}

// ndJavaFloatSyntax checks the unsigned form of a Java floating-point literal: digits
// with an optional point and exponent, or a hexadecimal significand with a binary
// exponent.
func ndJavaFloatSyntax(s string, hex bool) bool {
	isDigit := func(c byte) bool { return c >= '0' && c <= '9' }
	expChar := byte('e')
	if hex {
		s = s[2:]
		isDigit = func(c byte) bool { return ndHex(c) >= 0 }
		expChar = 'p'
	}
	i, n := 0, 0
	for i < len(s) && isDigit(s[i]) {
		i++
		n++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && isDigit(s[i]) {
			i++
			n++
		}
	}
	if n == 0 {
		return false
	}
	if i < len(s) && (s[i]|0x20) == expChar {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		d := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == d {
			return false
		}
	} else if hex {
		return false
	}
	return i == len(s)
}

// ndJavaHashOrder returns the order in which a java.util.HashMap (or HashSet) of default
// capacity iterates keys inserted in the given order: the indices of the first
// occurrence of each distinct key. It reports false when a bucket would turn into a
// red-black tree (nine or more colliding keys in a table of 64 buckets or more), whose
// order this emulation does not reproduce.
func ndJavaHashOrder(keys []string) ([]int, bool) {
	type node struct {
		hash uint32
		idx  int
	}
	capacity, threshold := 16, 12
	table := make([][]node, capacity)
	size := 0
	resize := func() {
		capacity *= 2
		threshold *= 2
		next := make([][]node, capacity)
		for _, bucket := range table {
			for _, n := range bucket {
				i := int(n.hash) & (capacity - 1)
				next[i] = append(next[i], n)
			}
		}
		table = next
	}
	for idx, k := range keys {
		h := ndJavaStringHash(k)
		h ^= h >> 16
		i := int(h) & (capacity - 1)
		dup := false
		for _, n := range table[i] {
			if n.hash == h && keys[n.idx] == k {
				dup = true
				break
			}
		}
		if dup {
			continue
		}
		table[i] = append(table[i], node{hash: h, idx: idx})
		if len(table[i]) > 8 {
			// HashMap.putVal calls treeifyBin, which only resizes a small table.
			if capacity >= 64 {
				return nil, false
			}
			resize()
		}
		size++
		if size > threshold {
			resize()
		}
	}
	order := make([]int, 0, size)
	for _, bucket := range table {
		for _, n := range bucket {
			order = append(order, n.idx)
		}
	}
	return order, true
}

// ndJavaStringHash is String.hashCode over the UTF-16 code units of s.
func ndJavaStringHash(s string) uint32 {
	var h uint32
	for _, r := range s {
		if r >= 0x10000 {
			hi, lo := utf16.EncodeRune(r)
			h = 31*h + uint32(hi)
			h = 31*h + uint32(lo)
			continue
		}
		h = 31*h + uint32(r)
	}
	return h
}
