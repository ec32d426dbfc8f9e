package bodies

import (
	"slices"
	"testing"
)

func TestParseReindex(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, body string
		want       Reindex
		query      string // SourceQuery
		refs       string // SourceRefs as qRefsString renders them
		errType    string
		reason     string
	}{
		{
			name: "plain",
			body: `{"source":{"index":"a,b"},"dest":{"index":"c"}}`,
			want: Reindex{Source: []string{"a", "b"}, Dest: "c"},
		},
		{
			name:  "array, query, op type, pipeline, script",
			body:  `{"conflicts":"proceed","max_docs":10,"source":{"index":["a,b","c"],"query":{"term":{"x":1}},"size":100,"_source":["f"]},"dest":{"index":"d","op_type":"create","pipeline":"p","routing":"=cat","version_type":"external"},"script":{"source":"ctx._index = 'x'"}}`,
			want:  Reindex{Source: []string{"a,b", "c"}, Dest: "d", DestOpType: "create", Pipeline: "p", Script: true},
			query: `{"term":{"x":1}}`,
		},
		{
			name:  "remote",
			body:  `{"source":{"remote":{"host":"http://h:9200","username":"u"},"index":"r","query":{"match_all":{}}},"dest":{"index":"d"}}`,
			want:  Reindex{Source: []string{"r"}, Dest: "d", Remote: true},
			query: `{"match_all":{}}`,
		},
		{
			name:  "source search reads other indices",
			body:  `{"source":{"index":"a","query":{"terms":{"u":{"index":"lk","id":"1","path":"p"}}},"runtime_mappings":{"r":{"type":"lookup","target_index":"rt"}}},"dest":{"index":"d"}}`,
			want:  Reindex{Source: []string{"a"}, Dest: "d"},
			query: `{"terms":{"u":{"index":"lk","id":"1","path":"p"}}}`,
			refs:  "lk/terms_lookup;rt/lookup_runtime_field",
		},
		{name: "no source index", body: `{"source":{},"dest":{"index":"d"}}`, errType: "action_request_validation_exception", reason: "use _all if you really want to copy from all existing indexes"},
		{name: "empty source index", body: `{"source":{"index":","},"dest":{"index":"d"}}`, errType: "action_request_validation_exception", reason: "use _all"},
		{name: "empty source array", body: `{"source":{"index":[]},"dest":{"index":"d"}}`, errType: "action_request_validation_exception", reason: "use _all"},
		{name: "no dest", body: `{"source":{"index":"a"}}`, errType: "action_request_validation_exception", reason: "index is missing"},
		{name: "empty element", body: `{"source":{"index":"a,,b"},"dest":{"index":"d"}}`, errType: "illegal_argument_exception", reason: "empty index name"},
		{name: "index not a string", body: `{"source":{"index":1},"dest":{"index":"d"}}`, errType: "illegal_argument_exception", reason: "Expected [index] to be a list or a string"},
		{name: "array of numbers", body: `{"source":{"index":[1]},"dest":{"index":"d"}}`, errType: "x_content_parse_exception", reason: "must hold strings"},
		{name: "unknown top key", body: `{"source":{"index":"a"},"dest":{"index":"d"},"target":"x"}`, errType: "x_content_parse_exception", reason: "unknown field [target]"},
		{name: "unknown dest key", body: `{"source":{"index":"a"},"dest":{"index":"d","indices":"e"}}`, errType: "x_content_parse_exception", reason: "[dest] unknown field [indices]"},
		{name: "duplicate source index", body: `{"source":{"index":"a","index":"secret"},"dest":{"index":"d"}}`, errType: "illegal_argument_exception", reason: "duplicate key [index]"},
		{name: "duplicate dest", body: `{"source":{"index":"a"},"dest":{"index":"d"},"dest":{"index":"e"}}`, errType: "illegal_argument_exception", reason: "duplicate key [dest]"},
		{name: "source query reads an unknown index key", body: `{"source":{"index":"a","query":{"x":{"index":"y"}}},"dest":{"index":"d"}}`, errType: "illegal_argument_exception", reason: "[index] at [source.query.x.index]"},
		{name: "not JSON", body: `{"source":`, errType: "x_content_parse_exception", reason: "end-of-input"},
		{name: "empty", body: ``, errType: "parse_exception", reason: "request body is required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, err := ParseReindex([]byte(tc.body))
			if tc.errType != "" {
				jsWantErr(t, err, tc.errType, tc.reason)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(r.SourceQuery) != tc.query || qRefsString(r.SourceRefs) != tc.refs {
				t.Fatalf("query %s refs %q, want %s %q", r.SourceQuery, qRefsString(r.SourceRefs), tc.query, tc.refs)
			}
			r.SourceQuery, r.SourceRefs = nil, nil
			if !slices.Equal(r.Source, tc.want.Source) || r.Dest != tc.want.Dest || r.DestOpType != tc.want.DestOpType ||
				r.Remote != tc.want.Remote || r.Pipeline != tc.want.Pipeline || r.Script != tc.want.Script {
				t.Fatalf("got %+v, want %+v", r, tc.want)
			}
		})
	}
}
