package bodies

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
)

// qRefsString renders refs as "index/kind;..." for comparison.
func qRefsString(refs []IndexRef) string {
	var parts []string
	for _, r := range refs {
		parts = append(parts, r.Index+"/"+r.Kind)
	}
	return strings.Join(parts, ";")
}

func TestQueryIndexRefs(t *testing.T) {
	t.Parallel()
	wrapped := base64.StdEncoding.EncodeToString([]byte(`{"terms":{"u":{"index":"inner","id":"1","path":"p"}}}`))
	for _, tc := range []struct {
		name, body string
		want       string // refs as qRefsString renders them
		errType    string
		reason     string
	}{
		{name: "empty", body: ``},
		{name: "match all", body: `{"query":{"match_all":{}}}`},
		{name: "terms lookup", body: `{"query":{"terms":{"user":{"index":"users","id":"1","path":"names","routing":"r"},"boost":2}}}`, want: "users/terms_lookup"},
		{name: "terms values", body: `{"query":{"terms":{"_index":["a","b"]}}}`},
		{name: "terms field called index", body: `{"query":{"terms":{"index":{"index":"lk","id":"1","path":"p"}}}}`, want: "lk/terms_lookup"},
		{name: "terms aggregation", body: `{"aggs":{"by":{"terms":{"field":"a","order":{"_count":"desc"},"include":{"partition":0,"num_partitions":4}}}}}`},
		{name: "aggregation named index", body: `{"aggs":{"index":{"terms":{"field":"_index"}}}}`},
		{name: "term on _index", body: `{"query":{"bool":{"filter":[{"term":{"_index":"logs"}},{"match":{"index":{"query":"x"}}}]}}}`},
		{name: "sort on a field called index", body: `{"sort":[{"index":"asc"},"_score",{"index2":{"order":"desc"}}]}`},
		{name: "two lookups in order", body: `{"query":{"bool":{"filter":[{"terms":{"u":{"index":"a","id":"1","path":"p"}}},{"terms":{"v":{"index":"b","id":"2","path":"p"}}},{"terms":{"w":{"index":"a","id":"3","path":"p"}}}]}}}`, want: "a/terms_lookup;b/terms_lookup"},
		{name: "more like this", body: `{"query":{"more_like_this":{"fields":["t"],"like":["text",{"_index":"other","_id":"1"},{"_id":"2"},{"doc":{"index":"a field","_index":"not DSL"}}],"unlike":{"_index":"third","doc":{"t":"x"}},"min_term_freq":1}}}`, want: "other/more_like_this;third/more_like_this"},
		{name: "percolate by id", body: `{"query":{"percolate":{"field":"q","index":"queries","id":"1","routing":"r"}}}`, want: "queries/percolate"},
		{name: "percolate documents", body: `{"query":{"percolate":{"field":"q","documents":[{"index":"a document field"},{"terms":{"f":{"index":"not DSL"}}}]}}}`},
		{name: "geo shape indexed", body: `{"query":{"geo_shape":{"loc":{"indexed_shape":{"index":"shapes-1","id":"1","path":"p"},"relation":"within"},"ignore_unmapped":true}}}`, want: "shapes-1/indexed_shape"},
		{name: "shape default index", body: `{"query":{"shape":{"loc":{"indexed_shape":{"id":"1"}}}}}`, want: "shapes/indexed_shape"},
		{name: "geo shape inline", body: `{"query":{"geo_shape":{"loc":{"shape":{"type":"point","coordinates":[1,2]}}}}}`},
		{name: "lookup runtime field", body: `{"runtime_mappings":{"x":{"type":"lookup","target_index":"ip","input_field":"a","target_field":"b","fetch_fields":["c",{"field":"d","format":"e"}]},"y":{"type":"long","script":{"source":"emit(1)","params":{"index":"param"}}}}}`, want: "ip/lookup_runtime_field"},
		{name: "composite runtime lookup", body: `{"runtime_mappings":{"c":{"type":"composite","script":"emit(x)","fields":{"l":{"type":"lookup","target_index":"inner"}}}}}`, want: "inner/lookup_runtime_field"},
		{name: "pinned docs", body: `{"query":{"pinned":{"docs":[{"_index":"a","_id":"1"}],"organic":{"terms":{"u":{"index":"org","id":"1","path":"p"}}}}}}`, want: "org/terms_lookup"},
		{name: "script params", body: `{"query":{"script":{"script":{"source":"x","params":{"index":"y","indices":["z"]}}}},"script_fields":{"index":{"script":"1"}}}`},
		{name: "wrapper", body: `{"query":{"wrapper":{"query":"` + wrapped + `"}}}`, want: "inner/terms_lookup"},
		{name: "indices boost", body: `{"indices_boost":[{"index":1.5},{"logs-*":2}]}`},
		{name: "knn filter", body: `{"knn":{"field":"v","query_vector":[1],"k":1,"num_candidates":2,"filter":{"terms":{"f":{"index":"kf","id":"1","path":"p"}}}}}`, want: "kf/terms_lookup"},
		{name: "aggregation filter", body: `{"aggs":{"f":{"filter":{"percolate":{"field":"q","index":"pq","id":"1"}},"aggs":{"s":{"significant_terms":{"field":"t","background_filter":{"terms":{"x":{"index":"bg","id":"1","path":"p"}}}}}}}}}`, want: "pq/percolate;bg/terms_lookup"},
		{name: "named filters", body: `{"aggs":{"f":{"filters":{"filters":{"index":{"term":{"a":"b"}},"term":{"percolate":{"field":"q","index":"hidden","id":"1"}}}}}}}`, want: "hidden/percolate"},
		{name: "script agg name", body: `{"aggs":{"script":{"filter":{"terms":{"f":{"index":"sa","id":"1","path":"p"}}}}}}`, want: "sa/terms_lookup"},
		{name: "sql body", body: `{"query":"SELECT 1","filter":{"terms":{"f":{"index":"sq","id":"1","path":"p"}}},"params":[{"type":"keyword","value":"x"}]}`, want: "sq/terms_lookup"},

		{name: "unknown query naming an index", body: `{"query":{"unknown_query":{"_index":"x"}}}`, errType: "illegal_argument_exception", reason: "cannot tell which index [_index] at [query.unknown_query._index]"},
		{name: "terms lookup with unknown key", body: `{"query":{"terms":{"u":{"index":"a","id":"1","path":"p","extra":1}}}}`, errType: "illegal_argument_exception", reason: "[index] at [query.terms.u.index]"},
		{name: "percolate with unknown key", body: `{"query":{"percolate":{"field":"q","index":"a","id":"1","extra":1}}}`, errType: "illegal_argument_exception", reason: "[index] at [query.percolate.index]"},
		{name: "mlt item with unknown key", body: `{"query":{"more_like_this":{"like":[{"_index":"a","_id":"1","x":1}]}}}`, errType: "illegal_argument_exception", reason: "[_index] at [query.more_like_this.like[0]._index]"},
		{name: "indexed shape with unknown key", body: `{"query":{"geo_shape":{"loc":{"indexed_shape":{"index":"a","id":"1","junk":"x"}}}}}`, errType: "illegal_argument_exception", reason: "[index] at [query.geo_shape.loc.indexed_shape.index]"},
		{name: "runtime with unknown key", body: `{"runtime_mappings":{"x":{"type":"lookup","target_index":"a","junk":1}}}`, errType: "illegal_argument_exception", reason: "[target_index] at [runtime_mappings.x.target_index]"},
		{name: "lookup index not a string", body: `{"query":{"terms":{"u":{"index":["a"],"id":"1","path":"p"}}}}`, errType: "illegal_argument_exception", reason: "must be a non-empty string"},
		{name: "indices at top", body: `{"indices":["a"],"query":{"match_all":{}}}`, errType: "illegal_argument_exception", reason: "[indices] at [indices]"},
		{name: "pinned docs with extra key", body: `{"query":{"pinned":{"docs":[{"_index":"a","_id":"1","x":"y"}]}}}`, errType: "illegal_argument_exception", reason: "[_index]"},
		{name: "bad wrapper", body: `{"query":{"wrapper":{"query":"not base64!"}}}`, errType: "illegal_argument_exception", reason: "cannot read the wrapper query"},
		{name: "duplicate key", body: `{"query":{"match_all":{}},"query":{}}`, errType: "illegal_argument_exception", reason: "duplicate key [query]"},
		{name: "duplicate lookup index", body: `{"query":{"terms":{"u":{"index":"a","index":"b","id":"1","path":"p"}}}}`, errType: "illegal_argument_exception", reason: "duplicate key [index]"},
		{name: "malformed", body: `{"query":`, errType: "x_content_parse_exception", reason: "end-of-input"},
		{name: "not an object", body: `"x"`, errType: "parse_exception", reason: "must be a JSON object"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			refs, err := QueryIndexRefs([]byte(tc.body))
			if tc.errType != "" {
				jsWantErr(t, err, tc.errType, tc.reason)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := qRefsString(refs); got != tc.want {
				t.Fatalf("refs %q, want %q", got, tc.want)
			}
		})
	}
}

func TestQueryIndexRefsActions(t *testing.T) {
	t.Parallel()
	body := `{"query":{"bool":{"should":[
		{"terms":{"a":{"index":"t","id":"1","path":"p"}}},
		{"more_like_this":{"like":[{"_index":"m","_id":"1"}]}},
		{"percolate":{"field":"q","index":"p","id":"1"}},
		{"geo_shape":{"l":{"indexed_shape":{"id":"1"}}}}]}},
		"runtime_mappings":{"r":{"type":"lookup","target_index":"l"}}}`
	refs, err := QueryIndexRefs([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	want := []IndexRef{
		{"t", "indices:data/read/get", "terms_lookup"},
		{"m", "indices:data/read/mtv", "more_like_this"},
		{"p", "indices:data/read/get", "percolate"},
		{"shapes", "indices:data/read/get", "indexed_shape"},
		{"l", "indices:data/read/search", "lookup_runtime_field"},
	}
	if len(refs) != len(want) {
		t.Fatalf("refs %+v", refs)
	}
	for i := range want {
		if refs[i] != want[i] {
			t.Errorf("ref %d = %+v, want %+v", i, refs[i], want[i])
		}
	}
}

// qStrings collects every string of a JSON value decoded by encoding/json, keys
// included, and the strings inside base64 wrapper queries.
func qStrings(v any, out map[string]bool) {
	switch x := v.(type) {
	case string:
		out[x] = true
		if raw, err := base64.StdEncoding.DecodeString(x); err == nil {
			var inner any
			if json.Unmarshal(raw, &inner) == nil {
				qStrings(inner, out)
			}
		}
	case []any:
		for _, e := range x {
			qStrings(e, out)
		}
	case map[string]any:
		for k, e := range x {
			out[k] = true
			qStrings(e, out)
		}
	}
}

// FuzzQueryIndexRefs: no panic, errors are typed, and every reported index is a string
// of the body (or the default shape index).
func FuzzQueryIndexRefs(f *testing.F) {
	for _, s := range []string{
		`{"query":{"terms":{"u":{"index":"a","id":"1","path":"p"}}}}`,
		`{"query":{"more_like_this":{"like":[{"_index":"m","_id":"1"}]}}}`,
		`{"query":{"percolate":{"field":"q","index":"p","id":"1","document":{"index":1}}}}`,
		`{"query":{"geo_shape":{"l":{"indexed_shape":{"id":"1"}}}}}`,
		`{"runtime_mappings":{"r":{"type":"lookup","target_index":"l"}}}`,
		`{"query":{"wrapper":{"query":"eyJ0ZXJtcyI6eyJ1Ijp7ImluZGV4IjoidyIsImlkIjoiMSIsInBhdGgiOiJwIn19fQ=="}}}`,
		`{"aggs":{"a":{"filters":{"filters":{"x":{"term":{"index":"y"}}}}}}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		refs, err := QueryIndexRefs(body)
		if err != nil {
			if _, ok := err.(*BadRequestError); !ok {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		var v any
		strs := map[string]bool{}
		if json.Unmarshal(body, &v) == nil {
			qStrings(v, strs)
		}
		for _, r := range refs {
			if r.Index == "" || r.Action == "" || r.Kind == "" {
				t.Fatalf("incomplete ref %+v", r)
			}
			if r.Index != qDefaultShapeIndex && !strs[r.Index] && !strings.Contains(string(body), r.Index) {
				t.Fatalf("ref %+v is not a string of %s", r, body)
			}
		}
	})
}
