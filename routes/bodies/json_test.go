package bodies

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// jsWantErr checks that err is a *BadRequestError of type typ whose reason holds
// reason.
func jsWantErr(t *testing.T, err error, typ, reason string) {
	t.Helper()
	var bad *BadRequestError
	if !errors.As(err, &bad) {
		t.Fatalf("error %v, want a *BadRequestError %s containing %q", err, typ, reason)
	}
	if bad.Type != typ || !strings.Contains(bad.Reason, reason) {
		t.Fatalf("error %s: %s, want %s containing %q", bad.Type, bad.Reason, typ, reason)
	}
}

// jsQueryBody is {"query": q} with q encoded as a JSON string.
func jsQueryBody(q string) []byte {
	b, _ := json.Marshal(map[string]string{"query": q})
	return b
}

func TestJSDecode(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, body string
		errType    string // "" when the body decodes
		reason     string
	}{
		{"object", `{"a":[1,-2.5e3,true,false,null,"x"],"b":{}}`, "", ""},
		{"comments", "/* c */ {\"a\" // line\n : 1}", "", ""},
		{"escapes", `{"\u0061\n\/":"\ud83d\ude00"}`, "", ""},
		{"empty", ``, "parse_exception", "request body is required"},
		{"array root", `[1]`, "parse_exception", "must be a JSON object"},
		{"two values", `{} {}`, "x_content_parse_exception", "unexpected content after"},
		{"trailing comma", `{"a":1,}`, "x_content_parse_exception", "field name"},
		{"single quotes", `{'a':1}`, "x_content_parse_exception", "field name"},
		{"leading zero", `{"a":01}`, "x_content_parse_exception", "leading zeroes"},
		{"plus", `{"a":+1}`, "x_content_parse_exception", "unexpected character"},
		{"bare word", `{"a":tru}`, "x_content_parse_exception", "unrecognized token"},
		{"literal run on", `{"a":truex}`, "x_content_parse_exception", "unrecognized token"},
		{"control char", "{\"a\":\"x\ny\"}", "x_content_parse_exception", "control character"},
		{"bad escape", `{"a":"\x"}`, "x_content_parse_exception", "unrecognized character escape"},
		{"lone surrogate", `{"a":"\ud800"}`, "x_content_parse_exception", "unpaired surrogate"},
		{"invalid utf8", "{\"a\":\"\xff\"}", "x_content_parse_exception", "not valid UTF-8"},
		{"unterminated comment", `{"a":1} /*`, "x_content_parse_exception", "comment"},
		{"unterminated", `{"a":`, "x_content_parse_exception", "end-of-input"},
		{"duplicate", `{"a":1,"b":{"c":1,"c":2}}`, "illegal_argument_exception", "duplicate key [c] at [1:19]"},
		{"duplicate escaped", `{"a":1,"\u0061":2}`, "illegal_argument_exception", "duplicate key [a]"},
		{"duplicate many keys", `{"a":1,"b":1,"c":1,"d":1,"e":1,"f":1,"g":1,"h":1,"i":1,"j":1,"a":2}`, "illegal_argument_exception", "duplicate key [a]"},
		{"too deep", strings.Repeat(`{"a":`, jsMaxDepth+1) + "1" + strings.Repeat("}", jsMaxDepth+1), "x_content_parse_exception", "nesting depth"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := jsDecode([]byte(tc.body))
			if tc.errType == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			jsWantErr(t, err, tc.errType, tc.reason)
		})
	}
}

func TestJSDecodeValues(t *testing.T) {
	t.Parallel()
	src := []byte(`{"s":"a\"b","n":-1.5E+2,"o":{"k":[1,{"x":null}]}}`)
	v, err := jsDecode(src)
	if err != nil {
		t.Fatal(err)
	}
	if got := v.get("s").str; got != `a"b` {
		t.Errorf("s = %q", got)
	}
	if got := v.get("n").str; got != "-1.5E+2" {
		t.Errorf("n = %q", got)
	}
	if got := string(jsRaw(src, v.get("o"))); got != `{"k":[1,{"x":null}]}` {
		t.Errorf("raw o = %s", got)
	}
	if got := string(jsEncode(nil, v)); got != string(src) {
		t.Errorf("encode = %s", got)
	}
}

func TestJSJavaSplit(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"": "", "a": "a", "a,b": "a|b", "a,,b": "a||b", "a,": "a", ",a": "|a", ",": "", " a , b": " a | b"} {
		if got := strings.Join(jsJavaSplit(in), "|"); got != want {
			t.Errorf("jsJavaSplit(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzJSDecode checks the decoder against encoding/json: on comment-free valid UTF-8,
// whatever jsDecodeValue accepts is valid JSON, and valid JSON without repeated keys,
// deep nesting or escaped surrogates is accepted.
func FuzzJSDecode(f *testing.F) {
	for _, s := range []string{`{"a":1}`, `[1,2,{"b":[true,null]}]`, `"x\u00e9"`, `{"a":1,"a":2}`, `-0.5e-3`, `{"a":"\ud83d\ude00"}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := jsDecodeValue([]byte(s))
		if !utf8.ValidString(s) || strings.Contains(s, "/") {
			return
		}
		valid := json.Valid([]byte(s))
		if err == nil && !valid {
			t.Fatalf("jsDecodeValue accepted invalid JSON %q", s)
		}
		if err == nil {
			// Round trip: the encoding decodes to an equal value.
			enc := jsEncode(nil, v)
			var a, b any
			if json.Unmarshal([]byte(s), &a) != nil || json.Unmarshal(enc, &b) != nil {
				t.Fatalf("round trip of %q failed: %s", s, enc)
			}
			ja, _ := json.Marshal(a)
			jb, _ := json.Marshal(b)
			if !bytes.Equal(ja, jb) {
				t.Fatalf("round trip of %q gave %s", s, enc)
			}
			return
		}
		var bad *BadRequestError
		if !errors.As(err, &bad) {
			t.Fatalf("untyped error %v", err)
		}
		if valid && bad.Type == "x_content_parse_exception" && !strings.Contains(s, `\u`) && !strings.Contains(bad.Reason, "depth") && strings.TrimSpace(s) != "" {
			t.Fatalf("jsDecodeValue refused valid JSON %q: %v", s, err)
		}
	})
}
