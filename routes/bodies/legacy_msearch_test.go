package bodies

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

type legacySearchWant struct {
	indices    []string
	has        bool
	expand     string
	ignore     string
	allowNo    string
	header     string
	searchBody string
}

func scanLegacySearchAll(body string, def []string, version int) ([]SearchItem, error) {
	var items []SearchItem
	err := ScanLegacyMultiSearch([]byte(body), def, version, func(it SearchItem) error {
		items = append(items, it)
		return nil
	})
	return items, err
}

func TestScanLegacyMultiSearchItems(t *testing.T) {
	t.Parallel()
	const q = `{"query":{"match_all":{}}}`
	plain := func(indices []string, has bool, header string) legacySearchWant {
		return legacySearchWant{indices, has, "open", "false", "true", header, q}
	}
	tests := []struct {
		name     string
		body     string
		def      []string
		versions []int
		want     []legacySearchWant
	}{
		{
			// rest-api-spec/test/msearch/10_basic.yaml (2.4).
			name: "basic multi-search",
			body: `{"index":"test_1"}` + "\n" + q + "\n" + `{"index":"test_2"}` + "\n" + q + "\n" +
				`{"search_type":"query_then_fetch","index":"test_1"}` + "\n" + q + "\n",
			versions: []int{1, 2},
			want: []legacySearchWant{
				plain([]string{"test_1"}, true, `{"index":"test_1"}`),
				plain([]string{"test_2"}, true, `{"index":"test_2"}`),
				plain([]string{"test_1"}, true, `{"search_type":"query_then_fetch","index":"test_1"}`),
			},
		},
		{
			name:     "index as a comma string and as an array",
			body:     `{"index":"a,b,,c,"}` + "\n" + q + "\n" + `{"indices":["a","b,c",5,true]}` + "\n" + q + "\n",
			versions: []int{1, 2},
			want: []legacySearchWant{
				plain([]string{"a", "b", "c"}, true, `{"index":"a,b,,c,"}`),
				plain([]string{"a", "b,c", "5", "true"}, true, `{"indices":["a","b,c",5,true]}`),
			},
		},
		{
			name:     "empty names mean all indices",
			body:     `{"index":""}` + "\n" + q + "\n" + `{"index":","}` + "\n" + q + "\n" + `{"index":[]}` + "\n" + q + "\n",
			def:      []string{"dflt"},
			versions: []int{1, 2},
			want: []legacySearchWant{
				plain([]string{}, true, `{"index":""}`),
				plain([]string{}, true, `{"index":","}`),
				plain([]string{}, true, `{"index":[]}`),
			},
		},
		{
			name:     "headers without index take the default indices",
			body:     "{}\n" + q + "\n\n" + q + "\n" + `{"type":"t","search_type":"count"}` + "\n" + q + "\n",
			def:      []string{"a", "b"},
			versions: []int{1, 2},
			want: []legacySearchWant{
				plain([]string{"a", "b"}, false, `{}`),
				plain([]string{"a", "b"}, false, ``),
				plain([]string{"a", "b"}, false, `{"type":"t","search_type":"count"}`),
			},
		},
		{
			name:     "only a first newline is skipped",
			body:     "\n" + `{"index":"a"}` + "\n" + q + "\n",
			versions: []int{1, 2},
			want:     []legacySearchWant{plain([]string{"a"}, true, `{"index":"a"}`)},
		},
		{
			name:     "unknown keys are ignored",
			body:     `{"index":"a","types":["t1","t2"],"preference":"_local","routing":1,"size":{"x":[1]},"ccs_minimize_roundtrips":false}` + "\n" + q + "\n",
			versions: []int{1, 2},
			want: []legacySearchWant{plain([]string{"a"}, true,
				`{"index":"a","types":["t1","t2"],"preference":"_local","routing":1,"size":{"x":[1]},"ccs_minimize_roundtrips":false}`)},
		},
		{
			name: "indices options over the strict defaults",
			body: `{"index":"a","expand_wildcards":"open,closed","ignore_unavailable":true,"allow_no_indices":false}` + "\n" + q + "\n" +
				`{"expandWildcards":["all","none","closed"],"ignoreUnavailable":"yes","allowNoIndices":"off"}` + "\n" + q + "\n" +
				`{"expand_wildcards":null,"expandWildcards":"closed","ignore_unavailable":0.5,"allow_no_indices":4294967296}` + "\n" + q + "\n" +
				`{"expand_wildcards":"","ignore_unavailable":2,"allow_no_indices":"0"}` + "\n" + q + "\n",
			def:      []string{"d"},
			versions: []int{1, 2},
			want: []legacySearchWant{
				{[]string{"a"}, true, "open,closed", "true", "false",
					`{"index":"a","expand_wildcards":"open,closed","ignore_unavailable":true,"allow_no_indices":false}`, q},
				{[]string{"d"}, false, "closed", "true", "false",
					`{"expandWildcards":["all","none","closed"],"ignoreUnavailable":"yes","allowNoIndices":"off"}`, q},
				{[]string{"d"}, false, "open", "false", "false",
					`{"expand_wildcards":null,"expandWildcards":"closed","ignore_unavailable":0.5,"allow_no_indices":4294967296}`, q},
				{[]string{"d"}, false, "none", "true", "false",
					`{"expand_wildcards":"","ignore_unavailable":2,"allow_no_indices":"0"}`, q},
			},
		},
		{
			name:     "1.x query_cache, 2.x request_cache",
			body:     `{"index":"a","query_cache":true,"request_cache":"x"}` + "\n" + q + "\n",
			versions: []int{1, 2},
			want:     []legacySearchWant{plain([]string{"a"}, true, `{"index":"a","query_cache":true,"request_cache":"x"}`)},
		},
		{
			name:     "CRLF and comments",
			body:     `{"index":"a"} // x` + "\r\n" + q + "\r\n",
			versions: []int{1, 2},
			want:     []legacySearchWant{{[]string{"a"}, true, "open", "false", "true", `{"index":"a"} // x` + "\r", q + "\r"}},
		},
	}
	for _, tt := range tests {
		for _, v := range tt.versions {
			items, err := scanLegacySearchAll(tt.body, tt.def, v)
			if err != nil {
				t.Errorf("%s (v%d): %v", tt.name, v, err)
				continue
			}
			if len(items) != len(tt.want) {
				t.Errorf("%s (v%d): %d items, want %d", tt.name, v, len(items), len(tt.want))
				continue
			}
			for i, it := range items {
				got := legacySearchWant{it.Indices, it.HasIndices, it.ExpandWildcards, it.IgnoreUnavailable,
					it.AllowNoIndices, tt.body[it.HeaderStart : it.HeaderEnd-1], tt.body[it.BodyStart : it.BodyEnd-1]}
				if !reflect.DeepEqual(got, tt.want[i]) || it.IgnoreThrottled != "" {
					t.Errorf("%s (v%d) item %d: got %+v, want %+v", tt.name, v, i, got, tt.want[i])
				}
			}
		}
	}
}

func TestScanLegacyMultiSearchErrors(t *testing.T) {
	t.Parallel()
	const q = "{}\n"
	tests := []struct {
		name     string
		body     string
		versions []int
		etype    string
		reason   string
	}{
		{"empty body", "", []int{1, 2}, "parse_exception", "Failed to derive xcontent"},
		{"2.x: no object first", `"x"` + "\n{}\n", []int{2}, "parse_exception", "Failed to derive xcontent"},
		{"smile", ":)\n\x05", []int{1, 2}, "illegal_argument_exception", "SMILE"},
		{"no body line", `{"index":"a"}` + "\n", []int{1, 2}, "illegal_argument_exception", "Multi search header line [1] has no body line"},
		{"no final newline", `{"index":"a"}` + "\n{}", []int{1, 2}, "illegal_argument_exception", "terminated by a newline"},
		{"header not terminated", `{"index":"a"}`, []int{1, 2}, "illegal_argument_exception", "terminated by a newline"},
		{"array header", "{}\n" + q + `["index","a"]` + "\n" + q, []int{1, 2}, "illegal_argument_exception", "Multi search header line [3]: esguard refuses a header that is not a JSON object"},
		{"scalar header", "{}\n" + q + `"a"` + "\n" + q, []int{1, 2}, "illegal_argument_exception", "not a JSON object"},
		{"second object", `{"index":"a"} {"index":"b"}` + "\n" + q, []int{1, 2}, "illegal_argument_exception", "content after the header object"},
		{"index and indices", `{"index":"a","indices":"b"}` + "\n" + q, []int{1, 2}, "illegal_argument_exception", "keys [index] and [indices] set the same parameter"},
		{"type and types", `{"type":"a","types":"b"}` + "\n" + q, []int{1, 2}, "illegal_argument_exception", "keys [type] and [types]"},
		{"2.x request cache spellings", `{"request_cache":true,"requestCache":false}` + "\n" + q, []int{2}, "illegal_argument_exception", "set the same parameter"},
		{"duplicate key", `{"index":"a","index":"b"}` + "\n" + q, []int{1, 2}, "x_content_parse_exception", "Duplicate field 'index'"},
		{"unquoted key", `{index:"a"}` + "\n" + q, []int{1, 2}, "x_content_parse_exception", ""},
		{"null index", `{"index":null}` + "\n" + q, []int{1, 2}, "illegal_argument_exception", "[index] must not be null"},
		{"null element", `{"index":["a",null]}` + "\n" + q, []int{1, 2}, "illegal_argument_exception", "[index][1] must not be null"},
		{"object index", `{"index":{"a":"b"}}` + "\n" + q, []int{1, 2}, "illegal_argument_exception", "must be a string or an array of strings"},
		{"fraction index", `{"index":1.5}` + "\n" + q, []int{1, 2}, "illegal_argument_exception", "must be a string or an array of strings"},
		{"nested array", `{"indices":[["a"]]}` + "\n" + q, []int{1, 2}, "illegal_argument_exception", "must be a string or an array of strings"},
		{"empty name in array", `{"index":["a",""]}` + "\n" + q, []int{1, 2}, "illegal_argument_exception", "empty index name"},
		{"null type", `{"types":null}` + "\n" + q, []int{1, 2}, "illegal_argument_exception", "[types] must not be null"},
		{"1.x null query_cache", `{"query_cache":null}` + "\n" + q, []int{1}, "illegal_argument_exception", "[query_cache] must not be null"},
		{"2.x null request_cache", `{"requestCache":null}` + "\n" + q, []int{2}, "illegal_argument_exception", "[requestCache] must not be null"},
		{"expand wildcards hidden", `{"expand_wildcards":"open,hidden"}` + "\n" + q, []int{1, 2}, "illegal_argument_exception", "No valid expand wildcard value [hidden]"},
		{"expand wildcards null element", `{"expand_wildcards":["open",null]}` + "\n" + q, []int{1, 2}, "illegal_argument_exception", "No valid expand wildcard value [null]"},
		{"1.x: no searches", "//{\n", []int{1}, "illegal_argument_exception", "Multi search header line [1] has no body line"},
		{"only a newline", "\n", []int{1, 2}, "parse_exception", "Failed to derive xcontent"},
		{"unsupported version", `{}` + "\n" + q, []int{7}, "illegal_argument_exception", "1.x and 2.x only"},
	}
	for _, tt := range tests {
		for _, v := range tt.versions {
			_, err := scanLegacySearchAll(tt.body, nil, v)
			var bre *BadRequestError
			if !errors.As(err, &bre) {
				t.Errorf("%s (v%d): got %v, want a BadRequestError", tt.name, v, err)
				continue
			}
			if bre.Type != tt.etype || !strings.Contains(bre.Reason, tt.reason) {
				t.Errorf("%s (v%d): got %s: %s, want %s: ...%s...", tt.name, v, bre.Type, bre.Reason, tt.etype, tt.reason)
			}
		}
	}
}

// TestScanMultiSearchWithMisreadsLegacy shows why legacy bodies need their own scanner:
// the current rules refuse the headers of 1.x and 2.x clients or pair their lines
// differently.
func TestScanMultiSearchWithMisreadsLegacy(t *testing.T) {
	t.Parallel()
	const q = `{"query":{"match_all":{}}}`
	for _, body := range []string{
		`{"index":"a","type":"t"}` + "\n" + q + "\n",
		`{"index":"a","types":["t"]}` + "\n" + q + "\n",
		`{"index":"a","query_cache":true}` + "\n" + q + "\n",
	} {
		if err := ScanMultiSearchWith([]byte(body), MultiSearchOptions{}, func(SearchItem) error { return nil }); err == nil {
			t.Errorf("ScanMultiSearchWith accepted %q", body)
		}
		if _, err := scanLegacySearchAll(body, nil, 2); err != nil {
			t.Errorf("ScanLegacyMultiSearch refused %q: %v", body, err)
		}
	}
	// A leading empty line: 1.x and 2.x skip it, the current rules read it as a header
	// without keys and the real header as its body.
	body := "\n" + `{"index":"a"}` + "\n" + q + "\n"
	var cur []SearchItem
	_ = ScanMultiSearchWith([]byte(body), MultiSearchOptions{}, func(it SearchItem) error { cur = append(cur, it); return nil })
	legacy, err := scanLegacySearchAll(body, nil, 2)
	if err != nil || len(legacy) != 1 || !legacy[0].HasIndices || legacy[0].Indices[0] != "a" {
		t.Fatalf("legacy: %+v, %v", legacy, err)
	}
	if len(cur) == 1 && cur[0].HasIndices {
		t.Fatalf("the current rules read the legacy pairing: %+v", cur)
	}
}
