package bodies

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

// lexAll returns the tokens of input as "NAME" or "NAME:text", or the error.
func lexAll(input string) (string, error) {
	var lx ndLexer
	lx.reset([]byte(input))
	var out []string
	for {
		tok, err := lx.next()
		if err != nil {
			return strings.Join(out, " "), err
		}
		if tok == ndEOF {
			return strings.Join(out, " "), nil
		}
		switch {
		case tok == ndField:
			out = append(out, "FIELD:"+string(lx.name()))
		case tok.isValue():
			txt, err := lx.text()
			if err != nil {
				return strings.Join(out, " "), err
			}
			out = append(out, lx.jacksonName()+":"+txt)
		default:
			out = append(out, tok.esName())
		}
	}
}

func TestLexer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want, err string
	}{
		{`{"a":[1,-2.5e3,true,false,null,"s"]}`, `START_OBJECT FIELD:a START_ARRAY VALUE_NUMBER_INT:1 VALUE_NUMBER_FLOAT:-2.5e3 ` +
			`VALUE_TRUE:true VALUE_FALSE:false VALUE_NULL VALUE_STRING:s END_ARRAY END_OBJECT`, ""},
		{"\xEF\xBB\xBF {} [] 1 \"x\"", `START_OBJECT END_OBJECT START_ARRAY END_ARRAY VALUE_NUMBER_INT:1 VALUE_STRING:x`, ""},
		{"/* a */ { // b\n \"k\" /**/ : /*c*/ 0 }", `START_OBJECT FIELD:k VALUE_NUMBER_INT:0 END_OBJECT`, ""},
		{`"\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00"`, "VALUE_STRING:\"\\/\b\f\n\r\t\u00e9\U0001F600", ""},
		{`{"a":1,"\u0061":2}`, `START_OBJECT FIELD:a VALUE_NUMBER_INT:1`, "x_content_parse_exception: [1:8] Duplicate field 'a'"},
		{`{"a":{"a":1},"b":{"a":2}}`, `START_OBJECT FIELD:a START_OBJECT FIELD:a VALUE_NUMBER_INT:1 END_OBJECT FIELD:b START_OBJECT FIELD:a VALUE_NUMBER_INT:2 END_OBJECT END_OBJECT`, ""},
		{`1x`, ``, "x_content_parse_exception: [1:2] Unexpected character ('x' (code 120)): Expected space separating root-level values"},
		{`[1x]`, `START_ARRAY VALUE_NUMBER_INT:1`, "x_content_parse_exception: [1:3] Unexpected character ('x' (code 120)): was expecting comma to separate Array entries"},
		{`[truex]`, `START_ARRAY`, "x_content_parse_exception: [1:2] Unrecognized token 'truex': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')"},
		{`[tru`, `START_ARRAY`, "x_content_e_o_f_exception: [1:5] Unexpected end of file"},
		{`[-]`, `START_ARRAY`, "x_content_parse_exception: [1:3] Invalid numeric value: expected digit (0-9) to follow minus sign, for valid numeric value"},
		{`[1.]`, `START_ARRAY`, "x_content_parse_exception: [1:4] Unexpected character (']' (code 93)): Decimal point not followed by a digit"},
		{`[1e+]`, `START_ARRAY`, "x_content_parse_exception: [1:5] Unexpected character (']' (code 93)): Exponent indicator not followed by a digit"},
		{`[NaN]`, `START_ARRAY`, "x_content_parse_exception: [1:2] Unrecognized token 'NaN': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')"},
		{`[1,]`, `START_ARRAY VALUE_NUMBER_INT:1`, "x_content_parse_exception: [1:4] Unexpected close marker ']'"},
		{`}`, ``, "x_content_parse_exception: [1:1] Unexpected close marker '}'"},
		{`{"a":1]`, `START_OBJECT FIELD:a VALUE_NUMBER_INT:1`, "x_content_parse_exception: [1:7] Unexpected character (']' (code 93)): was expecting comma to separate Object entries"},
		{"\"a\nb\"", ``, "x_content_parse_exception: [1:3] Illegal unquoted character ((CTRL-CHAR, code 10)): has to be escaped using backslash to be included in string value"},
		{`"\u12G4"`, ``, "x_content_parse_exception: [1:6] Unexpected character ('G' (code 71)): expected a hex-digit for character escape sequence"},
		{`"\ud800x"`, ``, "x_content_parse_exception: [1:1] Invalid string value: unpaired UTF-16 surrogate"},
		{`"\udc00\ud800"`, ``, "x_content_parse_exception: [1:1] Invalid string value: unpaired UTF-16 surrogate"},
		{"[\n1,\n  x]", `START_ARRAY VALUE_NUMBER_INT:1`, "x_content_parse_exception: [3:3] Unrecognized token 'x': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')"},
		{`# yaml comment`, ``, "x_content_parse_exception: [1:1] Unexpected character ('#' (code 35)): expected a valid value (JSON String, Number, Array, Object or token 'null', 'true' or 'false')"},
	}
	for _, tt := range tests {
		got, err := lexAll(tt.in)
		errText := ""
		if err != nil {
			errText = err.Error()
			var bad *BadRequestError
			if !errors.As(err, &bad) {
				t.Errorf("%q: error %v is not a BadRequestError", tt.in, err)
			}
		}
		if got != tt.want || errText != tt.err {
			t.Errorf("lex %q\n got %s / %s\nwant %s / %s", tt.in, got, errText, tt.want, tt.err)
		}
	}
}

func TestLexerLargeObjectDuplicates(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("{")
	for i := 0; i < 100; i++ {
		b.WriteString(`"k` + strconv.Itoa(i) + `":` + strconv.Itoa(i) + ",")
	}
	ok := b.String() + `"k100":0}`
	if _, err := lexAll(ok); err != nil {
		t.Fatalf("distinct keys: %v", err)
	}
	if _, err := lexAll(b.String() + `"k\u0035\u0030":0}`); err == nil || !strings.Contains(err.Error(), "Duplicate field 'k50'") {
		t.Fatalf("duplicate in a large object: err = %v", err)
	}
}

func TestLexerNestingLimit(t *testing.T) {
	t.Parallel()
	if _, err := lexAll(strings.Repeat("[", ndMaxDepth) + strings.Repeat("]", ndMaxDepth)); err != nil {
		t.Fatalf("depth %d: %v", ndMaxDepth, err)
	}
	_, err := lexAll(strings.Repeat("[", ndMaxDepth+1))
	if err == nil || !strings.Contains(err.Error(), "Document nesting depth (1001) exceeds the maximum allowed (1000") {
		t.Fatalf("depth %d: err = %v", ndMaxDepth+1, err)
	}
}

func TestJavaConversions(t *testing.T) {
	t.Parallel()
	longs := []struct {
		in   string
		want int64
		err  string
	}{
		{"12", 12, ""}, {"+12", 12, ""}, {"-9223372036854775808", -9223372036854775808, ""},
		{"9223372036854775808", 0, "Value [9223372036854775808] is out of range for a long"},
		{"1.9", 1, ""}, {"-1.9", -1, ""}, {"1e3", 1000, ""}, {"1E+2", 100, ""}, {".5", 0, ""}, {"5.", 5, ""},
		{"1e20", 0, "Value [1e20] is out of range for a long"}, {"0e-40", 0, ""}, {"0e40", 0, "Value [0e40] is out of range for a long"},
		{"", 0, `For input string: ""`}, {"1 ", 0, `For input string: "1 "`}, {"0x10", 0, `For input string: "0x10"`},
		{"1e", 0, `For input string: "1e"`}, {"1e99999999999", 0, `For input string: "1e99999999999"`},
	}
	for _, tt := range longs {
		got, err := ndJavaToLong(tt.in)
		errText := ""
		var bad *BadRequestError
		if errors.As(err, &bad) {
			errText = bad.Reason
		}
		if got != tt.want || errText != tt.err {
			t.Errorf("toLong(%q) = %d, %q; want %d, %q", tt.in, got, errText, tt.want, tt.err)
		}
	}
	doubles := []struct {
		in  string
		ok  bool
		val float64
	}{
		{"1", true, 1}, {" 2.5 ", true, 2.5}, {"-1e3", true, -1000}, {"3f", true, 3}, {"4D", true, 4}, {".5", true, 0.5},
		{"0x1p4", true, 16}, {"Infinity", true, 0}, {"-NaN", true, 0},
		{"inf", false, 0}, {"1_0", false, 0}, {"0x10", false, 0}, {"1e", false, 0}, {"abc", false, 0}, {".", false, 0},
	}
	for _, tt := range doubles {
		v, err := ndJavaParseDouble(tt.in)
		if (err == nil) != tt.ok || (tt.ok && tt.val != 0 && v != tt.val) {
			t.Errorf("parseDouble(%q) = %v, %v", tt.in, v, err)
		}
	}
	splits := map[string][]string{"": {}, ",": {}, "a": {"a"}, "a,": {"a"}, ",a": {"", "a"}, "a,,b,,": {"a", "", "b"}}
	for in, want := range splits {
		got := ndJavaSplitComma(in)
		if len(got) != len(want) || strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("split(%q) = %q, want %q", in, got, want)
		}
	}
}
