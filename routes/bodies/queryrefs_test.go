package bodies

import (
	"strings"
	"testing"
)

func TestQueryIndexRefs(t *testing.T) {
	for _, c := range []struct {
		body string
		want string // "index/action/kind;..." or "error: text"
	}{
		{`{"query":{"match_all":{}}}`, ""},
		{`{"query":{"terms":{"user":{"index":"users","id":"1","path":"names"}}}}`, "users/indices:data/read/get/terms_lookup"},
		{`{"query":{"terms":{"user":["a","b"]}}}`, ""},
		{`{"aggs":{"x":{"terms":{"field":"a"}}}}`, ""},
		{`{"query":{"more_like_this":{"fields":["a"],"like":["text",{"_index":"other","_id":"1"},{"doc":{"index":"not a ref"}}]}}}`, "other/indices:data/read/mtv/more_like_this"},
		{`{"query":{"percolate":{"field":"q","index":"queries","id":"1"}}}`, "queries/indices:data/read/get/percolate"},
		{`{"query":{"percolate":{"field":"q","document":{"index":"a document field"}}}}`, ""},
		{`{"query":{"geo_shape":{"loc":{"indexed_shape":{"index":"shapes-1","id":"1"}}}}}`, "shapes-1/indices:data/read/get/indexed_shape"},
		{`{"query":{"shape":{"loc":{"indexed_shape":{"id":"1"}}}}}`, "shapes/indices:data/read/get/indexed_shape"},
		{`{"runtime_mappings":{"x":{"type":"lookup","target_index":"ip","input_field":"a","target_field":"b","fetch_fields":["c"]}}}`, "ip/indices:data/read/search/lookup_runtime_field"},
		{`{"query":{"pinned":{"docs":[{"_index":"a","_id":"1"}],"organic":{"match_all":{}}}}}`, ""},
		{`{"query":{"script":{"script":{"source":"x","params":{"index":"y"}}}}}`, ""},
		{`{"query":{"bool":{"filter":[{"terms":{"u":{"index":"a","id":"1","path":"p"}}},{"terms":{"v":{"index":"b","id":"2","path":"p"}}}]}}}`, "a/indices:data/read/get/terms_lookup;b/indices:data/read/get/terms_lookup"},
		{`{"query":{"term":{"index":"x"}}}`, "error: cannot tell which index [index] at [query.term.index]"},
		{`{"query":{"unknown_query":{"_index":"x"}}}`, "error: cannot tell"},
		{`{"query":{"match_all":{}},"query":{}}`, "error: Duplicate field 'query'"},
		{`{"query":`, "error: not valid JSON"},
	} {
		refs, err := QueryIndexRefs([]byte(c.body))
		var got []string
		for _, r := range refs {
			got = append(got, r.Index+"/"+r.Action+"/"+r.Kind)
		}
		if msg, isErr := strings.CutPrefix(c.want, "error: "); isErr {
			if err == nil || !strings.Contains(err.Error(), msg) {
				t.Errorf("%s: %v %v, want error %q", c.body, got, err, msg)
			}
			continue
		}
		if err != nil || strings.Join(got, ";") != c.want {
			t.Errorf("%s: %q %v, want %q", c.body, got, err, c.want)
		}
	}
}

func TestParseSearchTemplate(t *testing.T) {
	for _, c := range []struct {
		body   string
		stored bool
		refs   int
		err    string
	}{
		{`{"id":"t1","params":{"a":1}}`, true, 0, ""},
		{`{"source":{"query":{"match":{"a":"{{q}}"}}},"params":{"q":"x"}}`, false, 0, ""},
		{`{"source":{"query":{"terms":{"u":{"index":"secret","id":"1","path":"p"}}}}}`, false, 1, ""},
		{`{"source":"{\"query\":{\"match\":{\"a\":\"{{q}}\"}},\"size\":{{size}}}"}`, false, 0, ""},
		{`{"source":"{\"query\":{\"terms\":{\"u\":{\"index\":\"secret\",\"id\":\"1\",\"path\":\"p\"}}}}"}`, false, 1, ""},
		{`{"source":"{\"query\":{\"terms\":{\"u\":{\"index\":\"{{ix}}\",\"id\":\"1\",\"path\":\"p\"}}}}"}`, false, 0, "a tag names an index"},
		{`{"source":"{\"query\":{\"{{kind}}\":{\"a\":1}}}"}`, false, 0, "a tag produces a key"},
		{`{"source":"{\"query\":{{#toJson}}q{{/toJson}}}"}`, false, 0, ""},
		{`{"source":"{{#cond}}{\"a\":1}{{/cond}}"}`, false, 0, "a mustache section"},
		{`{"source":"not json"}`, false, 0, "not JSON"},
		{`{"sauce":{}}`, false, 0, "unknown field"},
	} {
		tm, err := ParseSearchTemplate([]byte(c.body))
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: %+v %v, want error %q", c.body, tm, err, c.err)
			}
			continue
		}
		if err != nil || tm.Stored != c.stored || len(tm.Refs) != c.refs {
			t.Errorf("%s: %+v %v", c.body, tm, err)
		}
	}
}

func TestReindexAndAliases(t *testing.T) {
	r, err := ParseReindex([]byte(`{"source":{"index":["a","b,c"],"query":{"match_all":{}}},"dest":{"index":"d","op_type":"create"}}`))
	if err != nil || strings.Join(r.Source, ",") != "a,b,c" || r.Dest != "d" || r.DestOpType != "create" || string(r.SourceQuery) != `{"match_all":{}}` || r.Remote {
		t.Fatalf("%+v %v", r, err)
	}
	if r, err := ParseReindex([]byte(`{"source":{"index":"a","remote":{"host":"h"}},"dest":{"index":"d"}}`)); err != nil || !r.Remote {
		t.Fatalf("remote: %+v %v", r, err)
	}
	for _, bad := range []string{`{"source":{"index":"a","index":"b"},"dest":{"index":"d"}}`, `{"dest":{"index":"d"}}`, `{"source":{"index":1},"dest":{"index":"d"}}`} {
		if _, err := ParseReindex([]byte(bad)); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	acts, err := ParseAliasActions([]byte(`{"actions":[{"add":{"index":"a","aliases":["x","y"]}},{"remove":{"indices":["b"],"alias":"z"}},{"remove_index":{"index":"c"}}]}`))
	if err != nil || len(acts) != 3 || acts[0].Kind != AliasAdd || strings.Join(acts[0].Aliases, ",") != "x,y" || acts[2].Kind != AliasRemoveIndex {
		t.Fatalf("%+v %v", acts, err)
	}
	for _, bad := range []string{`{"actions":[{"rename":{"index":"a","alias":"b"}}]}`, `{"actions":[{"add":{"index":"a"}}]}`, `{"actions":[{"add":{"index":"a","alias":"b","index":"c"}}]}`} {
		if _, err := ParseAliasActions([]byte(bad)); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	if ix, al, err := ParsePutAlias([]byte(`{"index":"i","alias":"a","filter":{}}`)); err != nil || ix != "i" || al != "a" {
		t.Fatalf("put alias: %s %s %v", ix, al, err)
	}
	if names, err := CreateIndexAliases([]byte(`{"settings":{},"aliases":{"a":{},"b":{"filter":{}}}}`)); err != nil || strings.Join(names, ",") != "a,b" {
		t.Fatalf("create aliases: %v %v", names, err)
	}
}

func FuzzQueryIndexRefs(f *testing.F) {
	for _, s := range []string{`{"query":{"terms":{"u":{"index":"a","id":"1"}}}}`, `{"query":{"more_like_this":{"like":[{"_index":"b"}]}}}`, `{"runtime_mappings":{"x":{"type":"lookup","target_index":"c"}}}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		refs, err := QueryIndexRefs([]byte(body))
		if err != nil {
			return
		}
		for _, r := range refs {
			if r.Index != defaultShapeIndex && !strings.Contains(body, r.Index) && !strings.Contains(body, `\`) {
				t.Fatalf("%q reported for %s", r.Index, body)
			}
		}
	})
}
