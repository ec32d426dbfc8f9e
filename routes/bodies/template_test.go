package bodies

import (
	"encoding/json"
	"strings"
	"testing"
)

// tpBody builds a search template body with a string source.
func tpBody(source string, rest string) string {
	s, _ := json.Marshal(source)
	if rest != "" {
		return `{"source":` + string(s) + `,` + rest + `}`
	}
	return `{"source":` + string(s) + `}`
}

func TestParseSearchTemplate(t *testing.T) {
	t.Parallel()
	lookup := `{"query":{"terms":{"u":{"index":"secret","id":"1","path":"p"}}}}`
	for _, tc := range []struct {
		name, body string
		stored     bool
		want       string // refs as qRefsString renders them
		errType    string
		reason     string
	}{
		{name: "stored", body: `{"id":"t1","params":{"a":1},"explain":true,"profile":"false"}`, stored: true},
		{name: "object source", body: `{"source":{"query":{"match":{"a":"{{q}}"}},"size":5},"params":{"q":"x"}}`},
		{name: "object source lookup", body: `{"source":` + lookup + `}`, want: "secret/terms_lookup"},
		{name: "string source lookup", body: tpBody(lookup, ""), want: "secret/terms_lookup"},
		{name: "inline spelling", body: `{"inline":` + lookup + `}`, want: "secret/terms_lookup"},
		{name: "tags in values", body: tpBody(`{"query":{"match":{"a":"{{q}} and {{{raw}}}"}},"size":{{size}},"from":{{from}},"track_total_hits":{{t}}}`, `"params":{"q":"x\"y","raw":"plain","size":10,"from":"20","t":true}`)},
		{name: "comment tag", body: tpBody(`{{! a note }}{"query":{"match_all":{}}}`, "")},
		{name: "tag in a lookup id", body: tpBody(`{"query":{"terms":{"u":{"index":"users","id":"{{id}}","path":"p"}}}}`, `"params":{"id":"7"}`), want: "users/terms_lookup"},
		{name: "toJson", body: tpBody(`{"query":{{#toJson}}q{{/toJson}},"size":1}`, `"params":{"q":`+lookup[9:len(lookup)-1]+`}`), want: "secret/terms_lookup"},
		{name: "toJson nested param", body: tpBody(`{"query":{"bool":{"filter":{{#toJson}}f.clauses{{/toJson}}}}}`, `"params":{"f":{"clauses":[{"term":{"a":1}}]}}`)},
		{name: "join", body: tpBody(`{"query":{"match":{"tags":"{{#join}}tags{{/join}}"}}}`, `"params":{"tags":["a","b"]}`)},
		{name: "join delimiter", body: tpBody(`{"query":{"match":{"tags":"{{#join delimiter='|'}}tags{{/join delimiter='|'}}"}}}`, `"params":{"tags":["a",1]}`)},
		{name: "url in string", body: tpBody(`{"query":{"match":{"u":"http://x/{{p}}"}}}`, "")},
		{name: "tag in comment", body: tpBody("{/* {{n}} */\"size\":1}", `"params":{"n":3}`)},

		{name: "tag names an index", body: tpBody(`{"query":{"terms":{"u":{"index":"{{ix}}","id":"1","path":"p"}}}}`, `"params":{"ix":"secret"}`), errType: "illegal_argument_exception", reason: "a mustache tag names the index"},
		{name: "tag names a runtime target", body: tpBody(`{"runtime_mappings":{"r":{"type":"lookup","target_index":"x-{{ix}}"}}}`, ""), errType: "illegal_argument_exception", reason: "a mustache tag names the index"},
		{name: "tag in a key", body: tpBody(`{"query":{"{{kind}}":{"a":1}}}`, `"params":{"kind":"match"}`), errType: "illegal_argument_exception", reason: "a mustache tag produces the key at [query."},
		{name: "tag in an object source key", body: `{"source":{"query":{"match":{"{{f}}":"x"}}}}`, errType: "illegal_argument_exception", reason: "produces the key"},
		{name: "structural string param", body: tpBody(`{"query":{"match_all":{}},"size":{{size}}}`, `"params":{"size":"1}, \"aggs\": {"}`), errType: "illegal_argument_exception", reason: "which is not a number"},
		{name: "structural object param", body: tpBody(`{"query":{{q}}}`, `"params":{"q":{"match_all":{}}}`), errType: "illegal_argument_exception", reason: "renders an object or an array"},
		{name: "structural brackets", body: tpBody(`{"query":{"percolate":{"field":"q","document":{"f":{{x}} {"terms":{"t":{"index":"secret","id":"1","path":"p"}}}}}}}`, `"params":{"x":"1}}},"}`), errType: "illegal_argument_exception", reason: "not a number"},
		{name: "unescaped breakout", body: tpBody(`{"query":{"match":{"a":"{{{v}}}"}}}`, `"params":{"v":"\"}},\"aggs\":{\"x"}`), errType: "illegal_argument_exception", reason: "renders a quote"},
		{name: "section", body: tpBody(`{{#cond}}{"size":1}{{/cond}}`, ""), errType: "illegal_argument_exception", reason: "mustache section {{#cond}}"},
		{name: "inverted section", body: tpBody(`{"size":1{{^x}},"from":1{{/x}}}`, ""), errType: "illegal_argument_exception", reason: "{{^x}}"},
		{name: "whole scope", body: tpBody(`{"query":{"match":{"a":"{{.}}"}}}`, ""), errType: "illegal_argument_exception", reason: "{{.}}"},
		{name: "extension tag", body: tpBody(`{"size":1{{?x}}}`, ""), errType: "illegal_argument_exception", reason: "{{?x}}"},
		{name: "partial", body: tpBody(`{{> other}}`, ""), errType: "illegal_argument_exception", reason: "{{> other}}"},
		{name: "delimiters", body: tpBody(`{{=<% %>=}}{"size":<%s%>}`, ""), errType: "illegal_argument_exception", reason: "{{=<% %>=}}"},
		{name: "toJson in a string", body: tpBody(`{"query":{"match":{"a":"{{#toJson}}q{{/toJson}}"}}}`, `"params":{"q":"x"}`), errType: "illegal_argument_exception", reason: "is not outside a JSON string"},
		{name: "toJson missing param", body: tpBody(`{"query":{{#toJson}}q{{/toJson}}}`, ""), errType: "illegal_argument_exception", reason: "names no param"},
		{name: "unclosed tag", body: tpBody(`{"size":{{size}`, ""), errType: "illegal_argument_exception", reason: "not closed"},
		{name: "tag after backslash", body: tpBody(`{"query":{"match":{"a":"\{{v}}"}}}`, ""), errType: "illegal_argument_exception", reason: "follows a backslash"},
		{name: "not JSON", body: tpBody(`not json`, ""), errType: "illegal_argument_exception", reason: "not one JSON object"},
		{name: "missing structural param", body: tpBody(`{"size":{{size}}}`, ""), errType: "illegal_argument_exception", reason: "not one JSON object"},
		{name: "id and source", body: `{"id":"t","source":{}}`, errType: "illegal_argument_exception", reason: "both [id] and [source]"},
		{name: "source twice", body: `{"source":{},"inline":{}}`, errType: "illegal_argument_exception", reason: "duplicate key [inline]"},
		{name: "duplicate params", body: `{"source":{},"params":{},"params":{}}`, errType: "illegal_argument_exception", reason: "duplicate key [params]"},
		{name: "no template", body: `{"params":{}}`, errType: "action_request_validation_exception", reason: "template is missing"},
		{name: "unknown field", body: `{"sauce":{}}`, errType: "x_content_parse_exception", reason: "unknown field [sauce]"},
		{name: "bad params", body: `{"source":{},"params":[]}`, errType: "x_content_parse_exception", reason: "params"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tm, err := ParseSearchTemplate([]byte(tc.body))
			if tc.errType != "" {
				jsWantErr(t, err, tc.errType, tc.reason)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tm.Stored != tc.stored || qRefsString(tm.Refs) != tc.want {
				t.Fatalf("got %+v, want stored %v refs %q", tm, tc.stored, tc.want)
			}
		})
	}
}

// FuzzParseSearchTemplate: no panic, errors are typed, and no reported index holds the
// placeholder of a mustache tag.
func FuzzParseSearchTemplate(f *testing.F) {
	for _, s := range []string{
		`{"source":{"query":{"terms":{"u":{"index":"a","id":"{{id}}","path":"p"}}}},"params":{"id":"1"}}`,
		`{"source":"{\"query\":{{#toJson}}q{{/toJson}},\"size\":{{n}}}","params":{"q":{"match_all":{}},"n":3}}`,
		`{"source":"{\"query\":{\"match\":{\"a\":\"{{{v}}} {{#join}}l{{/join}}\"}}}","params":{"v":"x","l":["a"]}}`,
		`{"id":"stored"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		tm, err := ParseSearchTemplate(body)
		if err != nil {
			if _, ok := err.(*BadRequestError); !ok {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		for _, r := range tm.Refs {
			if r.Index == "" || strings.Contains(r.Index, tpMarker) {
				t.Fatalf("ref %+v for %s", r, body)
			}
		}
	})
}
