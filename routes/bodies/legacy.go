package bodies

import (
	"strconv"
	"strings"
)

// legacyCheckVersion accepts the major versions whose bodies the Legacy scanners read.
func legacyCheckVersion(version int) error {
	if version != 1 && version != 2 {
		return ndIllegalArgument("esguard reads the bodies of Elasticsearch 1.x and 2.x only, not of version " +
			strconv.Itoa(version))
	}
	return nil
}

// legacyDetect is XContentFactory.xContentType of Elasticsearch 1.x and 2.x, which picks
// the format of a whole body from its first bytes; only JSON is read here. A body that
// Elasticsearch reads as SMILE, YAML or CBOR is refused, as is one whose format it
// cannot derive.
//
// The checks run in Elasticsearch's order: '{' first; the SMILE header ":)\n"; YAML's
// "---"; CBOR (0xBF, the self-describe tag D9 D9 F7, or any map major type 0xA0-0xBF);
// then a last chance for JSON. 1.x looks at the first 20 bytes only and takes JSON as
// soon as any of them is '{'; 2.x skips a UTF-8 byte order mark and white space
// (Character.isWhitespace of the signed byte) and takes JSON if '{' comes next.
func legacyDetect(body []byte, version int) error {
	head := body
	if version == 1 && len(head) > 20 {
		head = head[:20]
	}
	n := len(head)
	if n == 0 {
		return ndParseException("Failed to derive xcontent")
	}
	first := head[0]
	other := func(format string) error {
		return ndIllegalArgument("Elasticsearch reads this body as " + format + "; esguard reads only JSON bodies")
	}
	switch {
	case first == '{':
		return nil
	case n > 2 && first == ':' && head[1] == ')' && head[2] == '\n':
		return other("SMILE")
	case n > 2 && first == '-' && head[1] == '-' && head[2] == '-':
		return other("YAML")
	case first == 0xBF && n > 1,
		first == 0xD9 && n > 2 && head[1] == 0xD9 && head[2] == 0xF7,
		first&0xE0 == 0xA0:
		return other("CBOR")
	}
	if version == 1 {
		for _, c := range head {
			if c == '{' {
				return nil
			}
		}
		return ndParseException("Failed to derive xcontent")
	}
	i := 0
	if n > 3 && first == 0xEF && head[1] == 0xBB && head[2] == 0xBF {
		i = 3
	}
	for ; i < n; i++ {
		c := head[i]
		if c == '{' {
			return nil
		}
		if !legacyJavaWhitespace(c) {
			break
		}
	}
	return ndParseException("Failed to derive xcontent")
}

// legacyJavaWhitespace is Character.isWhitespace of a byte promoted to int: bytes from
// 0x80 up are negative and never white space.
func legacyJavaWhitespace(c byte) bool {
	return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1C && c <= 0x1F)
}

// legacySplitComma is Strings.splitStringByCommaToArray of Elasticsearch 1.x and 2.x
// (splitStringToArray), which drops every empty element: "a,,b," is [a b] and "" or ","
// is none.
func legacySplitComma(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

// legacyJSONError is a Jackson JsonParseException as Elasticsearch 1.x and 2.x report it.
func legacyJSONError(reason string) error {
	return &BadRequestError{Type: "json_parse_exception", Reason: reason}
}

// legacyNumeric checks the current value token as XContentParser.longValue() (bits 64)
// or intValue() (bits 32) of Elasticsearch 1.x and 2.x reads it: a string with
// Long.parseLong or Integer.parseInt, a number with Jackson's range checks; a boolean
// is not numeric.
func legacyNumeric(lx *ndLexer, bits int) error {
	switch lx.tok {
	case ndString:
		s, err := lx.text()
		if err != nil {
			return err
		}
		v, ok := ndJavaParseLong(s)
		if !ok || (bits == 32 && (v < -1<<31 || v > 1<<31-1)) {
			return &BadRequestError{Type: ndTypeNumberFormat, Reason: "For input string: \"" + s + "\""}
		}
		return nil
	case ndNumber:
		text := string(lx.raw())
		kind := "long"
		if bits == 32 {
			kind = "int"
		}
		if !lx.float {
			if _, err := strconv.ParseInt(text, 10, bits); err != nil {
				return legacyJSONError("Numeric value (" + text + ") out of range of " + kind)
			}
			return nil
		}
		f, err := strconv.ParseFloat(text, 64)
		limit := float64(int64(1) << (bits - 1))
		if err != nil || f < -limit || f >= limit {
			return legacyJSONError("Numeric value (" + text + ") out of range of " + kind)
		}
		return nil
	}
	return legacyJSONError("Current token (" + lx.jacksonName() + ") not numeric, can not use numeric value accessors")
}

// legacyVersionType is VersionType.fromString of Elasticsearch 1.x and 2.x over the
// current value's text.
func legacyVersionType(lx *ndLexer) error {
	b, err := lx.textBytes()
	if err != nil {
		return err
	}
	switch string(b) {
	case "internal", "external", "external_gt", "external_gte", "force":
		return nil
	}
	return ndIllegalArgument("No version type match [" + string(b) + "]")
}

// legacyEmptyIndex refuses an index named by the empty string, which no index has.
func legacyEmptyIndex(where string) error {
	return ndIllegalArgument(where + "esguard refuses an empty index name")
}
