package bodies

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

type legacyDocWant struct {
	index, typ, id string
	pos, elem      int
}

func legacyDocsOf(docs []LegacyDoc) []legacyDocWant {
	out := make([]legacyDocWant, len(docs))
	for i, d := range docs {
		out[i] = legacyDocWant{d.Index, d.Type, d.ID, d.Pos, d.Elem}
	}
	return out
}

func TestScanLegacyDocsMultiGet(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		body       string
		index, typ string
		want       []legacyDocWant
	}{
		{
			// rest-api-spec/test/mget/10_basic.yaml and 13_missing_metadata.yaml (2.4).
			name: "docs with and without type",
			body: `{"docs":[{"_index":"test_2","_type":"test","_id":"1"},{"_index":"test_1","_type":"none","_id":"1"},{"_index":"test_1","_id":"1"}]}`,
			want: []legacyDocWant{{"test_2", "test", "1", 0, 0}, {"test_1", "none", "1", 1, 1}, {"test_1", "", "1", 2, 2}},
		},
		{
			// rest-api-spec/test/mget/15_ids.yaml (2.4).
			name:  "ids take the default index and type",
			body:  `{"ids":[1,"2",true]}`,
			index: "test_1", typ: "test",
			want: []legacyDocWant{{"test_1", "test", "1", 0, 0}, {"test_1", "test", "2", 1, 1}, {"test_1", "test", "true", 2, 2}},
		},
		{
			// rest-api-spec/test/mget/11_default_index_type.yaml (2.4).
			name:  "default index, overridden",
			body:  `{"docs":[{"_index":"test_2","_id":"1"},{"_type":"none","_id":"1"},{"_id":"1"}],"ids":["3"]}`,
			index: "test_1", typ: "test",
			want: []legacyDocWant{{"test_2", "test", "1", 0, 0}, {"test_1", "none", "1", 1, 1}, {"test_1", "test", "1", 2, 2}, {"test_1", "test", "3", 3, 3}},
		},
		{
			// rest-api-spec/test/mget/20_fields.yaml, 30_parent.yaml, 40_routing.yaml and
			// 70_source_filtering.yaml (2.4).
			name: "every document parameter",
			body: `{"docs":[` +
				`{"_index":"test_1","_type":"test","_id":"1","fields":"foo","_source":false},` +
				`{"_index":"test_1","_type":"test","_id":"2","fields":["foo","_source"],"_source":["include.field1"]},` +
				`{"_index":"test_1","_type":"test","_id":"3","_parent":4,"routing":"5","parent":"4","_routing":"5","_source":{"include":"a","exclude":["b"]}},` +
				`{"_index":"test_1","_type":"test","_id":"4","version":2,"_version_type":"external","_source":"a.b","_source_include":"x"},` +
				`{"_index":null,"_type":null,"_id":"5","_version":"7","versionType":"force","_source":{"includes":["a"],"excludes":"b"}}` +
				`],"other":1,"docs_count":null}`,
			index: "dflt",
			want: []legacyDocWant{{"test_1", "test", "1", 0, 0}, {"test_1", "test", "2", 1, 1}, {"test_1", "test", "3", 2, 2},
				{"test_1", "test", "4", 3, 3}, {"dflt", "", "5", 4, 4}},
		},
		{
			name: "comments, escapes and a byte order mark",
			body: "\xEF\xBB\xBF{/* c */\"docs\":[{\"_index\":\"a\\u0062\",\"_id\":\"1\"}]} // end",
			want: []legacyDocWant{{"ab", "", "1", 0, 0}},
		},
	}
	for _, tt := range tests {
		for _, v := range []int{1, 2} {
			docs, err := ScanLegacyDocs([]byte(tt.body), tt.index, tt.typ, false, v)
			if err != nil {
				t.Errorf("%s (v%d): %v", tt.name, v, err)
				continue
			}
			if got := legacyDocsOf(docs); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("%s (v%d): got %+v, want %+v", tt.name, v, got, tt.want)
			}
		}
	}
}

func TestScanLegacyDocsTermVectors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		body       string
		index, typ string
		queryIDs   []string
		versions   []int
		want       []legacyDocWant
	}{
		{
			// rest-api-spec/test/mtermvectors/10_basic.yaml (2.4).
			name:     "basic",
			body:     `{"docs":[{"_index":"testidx","_type":"testtype","_id":"testing_document"}]}`,
			versions: []int{1, 2},
			want:     []legacyDocWant{{"testidx", "testtype", "testing_document", 0, 0}},
		},
		{
			name:     "index from the path",
			body:     `{"docs":[{"_type":"testtype","_id":"testing_document"}]}`,
			index:    "testidx",
			versions: []int{1, 2},
			want:     []legacyDocWant{{"testidx", "testtype", "testing_document", 0, 0}},
		},
		{
			name:  "parameters change the template of later documents and of the ids",
			body:  `{"docs":[{"_id":"1"}],"parameters":{"_index":"p","_type":"pt","fields":["f"],"offsets":"true","term_statistics":true},"ids":["b","a"]}`,
			index: "i", typ: "t",
			versions: []int{1, 2},
			want:     []legacyDocWant{{"i", "t", "1", 0, 0}, {"p", "pt", "a", 1, 2}, {"p", "pt", "b", 2, 1}},
		},
		{
			name:     "ids without white space from the query, duplicates dropped, in HashSet order",
			body:     `{"ids":["x y","c"]}`,
			index:    "i",
			typ:      "t",
			queryIDs: []string{" c", "d"},
			versions: []int{1, 2},
			want:     []legacyDocWant{{"i", "t", "x y", 0, 0}, {"i", "t", "c", 1, -1}, {"i", "t", "d", 2, -1}},
		},
		{
			name:     "empty body with query ids",
			body:     ``,
			index:    "i",
			typ:      "t",
			queryIDs: []string{"1"},
			versions: []int{1, 2},
			want:     []legacyDocWant{{"i", "t", "1", 0, -1}},
		},
		{
			name:     "an artificial document and the template's id",
			body:     `{"parameters":{"_id":"7"},"docs":[{"_index":"a","_type":"t"},{"_index":"b","_type":"t","_id":8,"positions":false,"per_field_analyzer":{"f":"keyword"},"routing":"r"}]}`,
			versions: []int{1, 2},
			want:     []legacyDocWant{{"a", "t", "7", 0, 0}, {"b", "t", "8", 1, 1}},
		},
		{
			name:     "artificial documents",
			body:     `{"docs":[{"_index":"a","_type":"t","doc":{"text":"x"}},{"_index":"a","_type":"t","doc":{"_index":"secret"},"_routing":"r","perFieldAnalyzer":"x"}]}`,
			versions: []int{1, 2},
			want:     []legacyDocWant{{"a", "t", "", 0, 0}, {"a", "t", "", 1, 1}},
		},
		{
			name:     "2.x keys",
			body:     `{"docs":[{"_index":"a","_type":"t","_id":"1","dfs":true,"filter":{"max_num_terms":3,"min_word_length":"2"},"version":1,"version_type":"external"}]}`,
			versions: []int{2},
			want:     []legacyDocWant{{"a", "t", "1", 0, 0}},
		},
	}
	for _, tt := range tests {
		for _, v := range tt.versions {
			docs, err := ScanLegacyTermVectorsDocs([]byte(tt.body), tt.index, tt.typ, v, tt.queryIDs)
			if err != nil {
				t.Errorf("%s (v%d): %v", tt.name, v, err)
				continue
			}
			if got := legacyDocsOf(docs); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("%s (v%d): got %+v, want %+v", tt.name, v, got, tt.want)
			}
		}
	}
	// ScanLegacyDocs with termVectors is the same without query ids.
	docs, err := ScanLegacyDocs([]byte(`{"ids":["1"]}`), "i", "t", true, 2)
	if err != nil || len(docs) != 1 || docs[0].Index != "i" || docs[0].Type != "t" {
		t.Fatalf("got %+v, %v", docs, err)
	}
}

func TestScanLegacyDocsErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		body       string
		index, typ string
		tv         bool
		versions   []int
		etype      string
		reason     string
	}{
		// _mget
		{"mget: empty body", ``, "", "", false, []int{1, 2}, "parse_exception", "Failed to derive xcontent"},
		{"mget: cbor", "\xa1\x64docs", "", "", false, []int{1, 2}, "illegal_argument_exception", "CBOR"},
		{"mget: array body", `[{"docs":[]}]`, "", "", false, []int{1}, "illegal_argument_exception", "not a JSON object"},
		{"mget: no documents", `{}`, "", "", false, []int{1, 2}, "action_request_validation_exception", "Validation Failed: 1: no documents to get;"},
		{"mget: empty ids", `{"ids":[]}`, "i", "", false, []int{1, 2}, "action_request_validation_exception", "no documents to get"},
		{"mget: missing metadata", `{"docs":[{"_index":"test_1","_type":"test"},{"_type":"test","_id":1}]}`, "", "", false, []int{1, 2},
			"action_request_validation_exception", "Validation Failed: 1: id is missing for doc 0;2: index is missing for doc 1;"},
		{"mget: ids without index", `{"ids":["1"]}`, "", "", false, []int{1, 2}, "action_request_validation_exception", "index is missing for doc 0"},
		{"mget: docs element", `{"docs":["1"]}`, "", "", false, []int{1, 2}, "illegal_argument_exception", "docs array element should include an object"},
		{"mget: ids element", `{"ids":[["1"]]}`, "i", "", false, []int{1, 2}, "illegal_argument_exception", "ids array element should only contain ids"},
		{"mget: null id", `{"ids":[null]}`, "i", "", false, []int{1, 2}, "illegal_argument_exception", "ids array element should only contain ids"},
		{"mget: unknown top-level array", `{"doc":[{"_index":"x"}],"docs":[{"_id":"1"}]}`, "i", "", false, []int{1, 2}, "illegal_argument_exception", "the value of [doc]"},
		{"mget: unknown top-level object", `{"x":{"docs":[{"_index":"a","_id":"1"}]}}`, "", "", false, []int{1, 2}, "illegal_argument_exception", "the value of [x]"},
		{"mget: nested index", `{"docs":[{"_id":"1","foo":[{"_index":"other"}]}]}`, "i", "", false, []int{1, 2}, "illegal_argument_exception", "the value of [foo]"},
		{"mget: object in fields", `{"docs":[{"_id":"1","fields":[["a"],{"_index":"other"}]}]}`, "i", "", false, []int{1, 2}, "illegal_argument_exception", "[fields] must hold strings"},
		{"mget: object index", `{"docs":[{"_id":"1","_index":{"a":1}}]}`, "i", "", false, []int{1, 2}, "illegal_argument_exception", "the value of [_index]"},
		{"mget: empty index", `{"docs":[{"_id":"1","_index":""}]}`, "i", "", false, []int{1, 2}, "illegal_argument_exception", "empty index name"},
		{"mget: duplicate index", `{"docs":[{"_id":"1","_index":"a","_index":"b"}]}`, "", "", false, []int{1, 2}, "x_content_parse_exception", "Duplicate field '_index'"},
		{"mget: content after", `{"docs":[{"_id":"1","_index":"a"}]} {"docs":[]}`, "", "", false, []int{1, 2}, "illegal_argument_exception", "content after"},
		{"mget: source key 1.x", `{"docs":[{"_id":"1","_index":"a","_source":{"fields":["x"]}}]}`, "", "", false, []int{1}, "parse_exception", "Source definition may not contain fields"},
		{"mget: source key 2.x", `{"docs":[{"_id":"1","_index":"a","_source":{"fields":["x"]}}]}`, "", "", false, []int{2}, "parse_exception", "source definition may not contain [fields]"},
		{"mget: source token", `{"docs":[{"_id":"1","_index":"a","_source":{"include":{"a":1}}}]}`, "", "", false, []int{1, 2}, "parse_exception", "unexpected token while parsing source settings"},
		{"mget: source number", `{"docs":[{"_id":"1","_index":"a","_source":1}]}`, "", "", false, []int{1, 2}, "parse_exception", "illegal type for _source"},
		{"mget: version type", `{"docs":[{"_id":"1","_index":"a","version_type":"x"}]}`, "", "", false, []int{1, 2}, "illegal_argument_exception", "No version type match [x]"},
		{"mget: version", `{"docs":[{"_id":"1","_index":"a","version":"x"}]}`, "", "", false, []int{1, 2}, "number_format_exception", "For input string"},
		{"mget: unsupported version", `{"ids":["1"]}`, "i", "", false, []int{3}, "illegal_argument_exception", "1.x and 2.x only"},
		// _mtermvectors
		{"mtv: no documents", `{}`, "i", "t", true, []int{1, 2}, "action_request_validation_exception", "Validation Failed: 1: multi term vectors: no documents requested;"},
		{"mtv: empty body", ``, "i", "t", true, []int{1, 2}, "action_request_validation_exception", "no documents requested"},
		{"mtv: missing type", `{"docs":[{"_index":"a","_id":"1"}]}`, "", "", true, []int{1, 2}, "action_request_validation_exception",
			"Validation Failed: 1: type is missing;2: at multi term vectors for doc 0;"},
		{"mtv: last invalid document", `{"docs":[{"_id":"1"},{"_index":"a","_type":"t"}]}`, "", "", true, []int{1, 2}, "action_request_validation_exception",
			"Validation Failed: 1: id or doc is missing;2: at multi term vectors for doc 1;"},
		{"mtv: array body 1.x", `[{"docs":[]}]`, "", "", true, []int{1}, "parse_exception", "No parameter named nulland type ARRAY"},
		{"mtv: scalar body", `{"a":1} "x"`, "", "", true, []int{1}, "parse_exception", "_mtermvectors: Parameter anot supported"},
		{"mtv: scalar parameter 2.x", `{"a":1}`, "", "", true, []int{2}, "parse_exception", "_mtermvectors: Parameter [a] not supported"},
		{"mtv: unknown array 2.x", `{"doc":[]}`, "", "", true, []int{2}, "parse_exception", "no parameter named [doc] and type ARRAY"},
		{"mtv: unknown object 1.x", `{"docs":{}}`, "", "", true, []int{1}, "parse_exception", "No parameter named docsand type OBJECT"},
		{"mtv: docs element", `{"docs":[1]}`, "", "", true, []int{1, 2}, "illegal_argument_exception", "docs array element should include an object"},
		{"mtv: ids element", `{"ids":[{}]}`, "", "", true, []int{1, 2}, "illegal_argument_exception", "ids array element should only contain ids"},
		{"mtv: unknown field 1.x", `{"docs":[{"_index":"a","_type":"t","_id":"1","dfs":true}]}`, "", "", true, []int{1}, "parse_exception", "The parameter dfs is not valid for term vector request!"},
		{"mtv: unknown field 2.x", `{"docs":[{"_index":"a","_type":"t","_id":"1","_parent":"p"}]}`, "", "", true, []int{2}, "parse_exception", "failed to parse term vectors request. unknown field [_parent]"},
		{"mtv: fields not an array 1.x", `{"docs":[{"_index":"a","_type":"t","_id":"1","fields":"f"}]}`, "", "", true, []int{1}, "parse_exception", "The parameter fields must be given as an array!"},
		{"mtv: fields not an array 2.x", `{"docs":[{"_index":"a","_type":"t","_id":"1","fields":"f"}]}`, "", "", true, []int{2}, "parse_exception", "field [fields] must be an array"},
		{"mtv: id and doc 1.x", `{"docs":[{"_index":"a","_type":"t","doc":{},"_id":"1"}]}`, "", "", true, []int{1}, "parse_exception", `Either "id" or "doc" can be specified, but not both!`},
		{"mtv: template id and doc 2.x", `{"parameters":{"_id":"1"},"docs":[{"_index":"a","_type":"t","doc":{}}]}`, "", "", true, []int{2}, "parse_exception", "either [id] or [doc] can be specified, but not both!"},
		{"mtv: null index", `{"docs":[{"_index":null,"_type":"t","_id":"1"}]}`, "i", "", true, []int{1, 2}, "illegal_argument_exception", "[_index] that is not a string"},
		{"mtv: object index", `{"docs":[{"_index":{"_index":"x"},"_type":"t","_id":"1"}]}`, "i", "", true, []int{1, 2}, "illegal_argument_exception", "[_index] that is not a string"},
		{"mtv: empty index", `{"docs":[{"_index":"","_type":"t","_id":"1"}]}`, "i", "", true, []int{1, 2}, "illegal_argument_exception", "empty index name"},
		{"mtv: per field analyzer array", `{"docs":[{"_index":"a","_type":"t","_id":"1","per_field_analyzer":[{"_index":"x"}]}]}`, "", "", true, []int{1, 2}, "illegal_argument_exception", "the value of [per_field_analyzer]"},
		{"mtv: per field analyzer value", `{"docs":[{"_index":"a","_type":"t","_id":"1","per_field_analyzer":{"f":1}}]}`, "", "", true, []int{1, 2}, "illegal_argument_exception", "must map field names to analyzer names"},
		{"mtv: filter scalar", `{"docs":[{"_index":"a","_type":"t","_id":"1","filter":1}]}`, "", "", true, []int{2}, "illegal_argument_exception", "the value of [filter]"},
		{"mtv: filter key", `{"docs":[{"_index":"a","_type":"t","_id":"1","filter":{"_index":"x"}}]}`, "", "", true, []int{2}, "parse_exception", "the field [_index] is not valid for filter parameter"},
		{"mtv: boolean flag object", `{"docs":[{"_index":"a","_type":"t","_id":"1","offsets":{"_index":"x"}}]}`, "", "", true, []int{1, 2}, "illegal_argument_exception", "[offsets] that is not a string"},
		{"mtv: content after", `{"ids":["1"]}{}`, "i", "t", true, []int{1, 2}, "illegal_argument_exception", "content after"},
	}
	for _, tt := range tests {
		for _, v := range tt.versions {
			_, err := ScanLegacyDocs([]byte(tt.body), tt.index, tt.typ, tt.tv, v)
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

// TestScanLegacyDocsFilterDocs checks that the Elem of the legacy documents is the
// element position that FilterDocs counts.
func TestScanLegacyDocsFilterDocs(t *testing.T) {
	t.Parallel()
	body := []byte(`{"docs":[{"_index":"a","_type":"t","_id":"1"},{"_index":"b","_type":"t","_id":"2"}],"ids":["3"]}`)
	docs, err := ScanLegacyDocs(body, "c", "t", false, 1)
	if err != nil {
		t.Fatal(err)
	}
	out, err := FilterDocs(body, func(elem int) bool { return docs[elem].Index != "b" })
	if err != nil {
		t.Fatal(err)
	}
	kept, err := ScanLegacyDocs(out, "c", "t", false, 1)
	if err != nil {
		t.Fatal(err)
	}
	if got := legacyDocsOf(kept); !reflect.DeepEqual(got, []legacyDocWant{{"a", "t", "1", 0, 0}, {"c", "t", "3", 1, 1}}) {
		t.Fatalf("got %+v from %s", got, out)
	}
}
