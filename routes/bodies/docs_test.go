package bodies

import (
	"errors"
	"reflect"
	"testing"
)

func TestScanDocsMultiGet(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body, def string
		want            []DocRef
	}{
		{
			name: "docs then ids in body order",
			body: `{"docs":[{"_index":"a","_id":"1"},{"_id":"2","routing":"r"}],"ids":["3","3"]}`,
			def:  "d",
			want: []DocRef{{"a", "1", 0, 0}, {"d", "2", 1, 1}, {"d", "3", 2, 2}, {"d", "3", 3, 3}},
		},
		{
			name: "ids before docs",
			body: `{"ids":["1"],"docs":[{"_index":"a","_id":"2"}]}`,
			def:  "d",
			want: []DocRef{{"d", "1", 0, 0}, {"a", "2", 1, 1}},
		},
		{
			name: "null values are ignored, scalars are their text",
			body: `{"docs":[{"_index":null,"_id":7,"unknown":null,"fields":null}],"ids":[true,1.5]}`,
			def:  "d",
			want: []DocRef{{"d", "7", 0, 0}, {"d", "true", 1, 1}, {"d", "1.5", 2, 2}},
		},
		{
			name: "every document key",
			body: `{"docs":[{"_index":"a","_id":"1","routing":"r","stored_fields":["f",1],"version":"2","version_type":"external",` +
				`"_source":{"include":["x"],"excludes":"y"}},{"_index":"b","_id":"2","stored_fields":"f","_source":["x"]},` +
				`{"_index":"c","_id":"3","_source":"false"},{"_index":"d","_id":"4","_source":"x"},{"_index":"e","_id":"5","_source":false}]}`,
			want: []DocRef{{"a", "1", 0, 0}, {"b", "2", 1, 1}, {"c", "3", 2, 2}, {"d", "4", 3, 3}, {"e", "5", 4, 4}},
		},
		{
			name: "escapes and an explicit empty index",
			body: `{"docs":[{"_index":"\u0061","_id":"\n"},{"_index":"","_id":"x"}]}`,
			want: []DocRef{{"a", "\n", 0, 0}, {"", "x", 1, 1}},
		},
		{
			name: "trailing content is not read",
			body: `{"ids":["1"]} whatever`,
			def:  "d",
			want: []DocRef{{"d", "1", 0, 0}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ScanDocs([]byte(tt.body), tt.def, false)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestScanDocsTermVectors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body, def string
		query           []string
		want            []DocRef
	}{
		{
			name: "docs first, then the distinct ids in HashSet order",
			body: `{"ids":["two","one","two","four"],"docs":[{"_id":"x"},{"_index":"b","doc":{"f":"v"}}]}`,
			def:  "d",
			want: []DocRef{{"d", "x", 0, 4}, {"b", "", 1, 5}, {"d", "four", 2, 3}, {"d", "one", 3, 1}, {"d", "two", 4, 0}},
		},
		{
			name: "a null top-level key is refused",
			body: `{"docs":[{"_id":"1"}],"parameters":{"_index":"p","fields":["f"]},"docs2":null}`,
			def:  "d",
		},
		{
			name: "parameters then docs",
			body: `{"docs":[{"_id":"1"}],"parameters":{"_index":"p","fields":["f"]},"ids":["3"]}`,
			def:  "d",
			want: []DocRef{{"d", "1", 0, 0}, {"p", "3", 1, 1}},
		},
		{
			name:  "ids of the query string come first into the set, without white space",
			body:  `{"ids":["b"]}`,
			def:   "d",
			query: []string{" a ", "b"},
			want:  []DocRef{{"d", "a", 0, -1}, {"d", "b", 1, -1}},
		},
		{
			name:  "no body",
			def:   "d",
			query: []string{"1"},
			want:  []DocRef{{"d", "1", 0, -1}},
		},
		{
			name: "every request key",
			body: `{"docs":[{"_index":"a","_id":"1","routing":"r","version":1,"version_type":"internal","fields":["f"],` +
				`"offsets":false,"positions":"true","payloads":true,"term_statistics":true,"fieldStatistics":"",` +
				`"per_field_analyzer":{"f":"standard"},"perFieldAnalyzer":"ignored","filter":{"max_num_terms":3,"min_word_length":"2"}}]}`,
			want: []DocRef{{"a", "1", 0, 0}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ScanTermVectorsDocs([]byte(tt.body), tt.def, tt.query)
			if tt.want == nil {
				if err == nil {
					t.Fatal("want an error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestScanDocsErrors(t *testing.T) {
	t.Parallel()
	const (
		iae     = "illegal_argument_exception"
		parse   = "parse_exception"
		parsing = "parsing_exception"
		xpe     = "x_content_parse_exception"
		eof     = "x_content_e_o_f_exception"
		val     = "action_request_validation_exception"
	)
	tests := []struct {
		name        string
		body, def   string
		termVectors bool
		typ, reason string
	}{
		{"mget empty body", "", "d", false, parse, "request body or source parameter is required"},
		{"mget blank body", " ", "d", false, parsing, "unexpected token [null], expected [START_OBJECT]"},
		{"mget array body", `[]`, "d", false, parsing, "unexpected token [START_ARRAY], expected [START_OBJECT]"},
		{"mget unknown array", `{"documents":[]}`, "d", false, parsing, "unknown key [documents] for a START_ARRAY, expected [docs] or [ids]"},
		{"mget docs object", `{"docs":{}}`, "d", false, parsing, "unexpected token [START_OBJECT], expected [FIELD_NAME] or [START_ARRAY]"},
		{"mget scalar key", `{"ids":["1"],"realtime":true}`, "d", false, parsing,
			"unexpected token [VALUE_BOOLEAN], expected [FIELD_NAME] or [START_ARRAY]"},
		{"mget docs element", `{"docs":["1"]}`, "d", false, iae, "docs array element should include an object"},
		{"mget ids element", `{"ids":[{"_id":"1"}]}`, "d", false, iae, "ids array element should only contain ids"},
		{"mget null id", `{"ids":[null]}`, "d", false, iae, "ids array element should only contain ids"},
		{"mget unknown field", `{"docs":[{"_id":"1","_type":"_doc"}]}`, "d", false, parse, "failed to parse multi get request. unknown field [_type]"},
		{"mget fields", `{"docs":[{"_id":"1","fields":"a"}]}`, "d", false, parsing, "Unsupported field [fields] used, expected [stored_fields] instead"},
		{"mget fields array", `{"docs":[{"_id":"1","fields":["a"]}]}`, "d", false, parsing, "Unsupported field [fields] used, expected [stored_fields] instead"},
		{"mget numeric _source", `{"docs":[{"_id":"1","_source":1}]}`, "d", false, parse, "illegal type for _source: [VALUE_NUMBER]"},
		{"mget _source key", `{"docs":[{"_id":"1","_source":{"fields":["a"]}}]}`, "d", false, iae, "Expected text at 1:32 but found FIELD_NAME"},
		{"mget _source null", `{"docs":[{"_id":"1","_source":{"includes":null}}]}`, "d", false, parse, "unexpected token while parsing source settings"},
		{"mget stored_fields object", `{"docs":[{"_id":"1","stored_fields":[{}]}]}`, "d", false, iae, "Expected text at 1:38 but found START_OBJECT"},
		{"mget version type", `{"docs":[{"_id":"1","version_type":"force"}]}`, "d", false, iae, "No version type match [force]"},
		{"mget version", `{"docs":[{"_id":"1","version":"x"}]}`, "d", false, iae, `For input string: "x"`},
		{"mget array index", `{"docs":[{"_index":["a"],"_id":"1"}]}`, "d", false, iae,
			"the value of [_index] in a document is an array or an object that Elasticsearch would not read as one"},
		// Elasticsearch's parser walks into this array and takes "secret" as the
		// document's index, then stops reading the body.
		{"mget array under another key", `{"docs":[{"_index":"public","x":[{"_index":"secret","_id":"1"}]}]}`, "d", false, iae,
			"the value of [x] in a document is an array or an object that Elasticsearch would not read as one"},
		{"mget object under another key", `{"docs":[{"_id":"1","x":{"_index":"secret"}}]}`, "d", false, iae,
			"the value of [x] in a document is an array or an object that Elasticsearch would not read as one"},
		{"mget duplicate", `{"docs":[{"_id":"1","_id":"2"}]}`, "d", false, xpe, "[1:21] Duplicate field '_id'"},
		{"mget unclosed", `{"docs":[{"_id":"1"}`, "d", false, eof, "[1:21] Unexpected end of file"},
		{"mget no documents", `{"docs":[],"ids":[]}`, "d", false, val, "Validation Failed: 1: no documents to get;"},
		{"mget missing index and id", `{"docs":[{"_index":"a","_id":"1"},{"routing":"r"}],"ids":["2"]}`, "", false, val,
			"Validation Failed: 1: index is missing for doc 1;2: id is missing for doc 1;3: index is missing for doc 2;"},

		{"mtv array body", `[]`, "d", true, parse, "no parameter named [null] and type ARRAY"},
		{"mtv scalar body", `"x"`, "d", true, iae, "the _mtermvectors request body must be a JSON object"},
		{"mtv blank body", ` `, "d", true, iae, "the _mtermvectors request body must be a JSON object"},
		{"mtv unknown array", `{"documents":[]}`, "d", true, parse, "no parameter named [documents] and type ARRAY"},
		{"mtv unknown object", `{"params":{}}`, "d", true, parse, "no parameter named [params] and type OBJECT"},
		{"mtv scalar key", `{"realtime":true}`, "d", true, parse, "_mtermvectors: Parameter [realtime] not supported"},
		{"mtv docs element", `{"docs":[1]}`, "d", true, iae, "docs array element should include an object"},
		{"mtv ids element", `{"ids":[[]]}`, "d", true, iae, "ids array element should only contain ids"},
		{"mtv unknown field", `{"docs":[{"_id":"1","x":1}]}`, "d", true, parse, "failed to parse term vectors request. unknown field [x]"},
		{"mtv id and doc", `{"docs":[{"_id":"1","doc":{}}]}`, "d", true, parse,
			"failed to parse term vectors request. either [id] or [doc] can be specified, but not both!"},
		{"mtv parameters id and doc", `{"parameters":{"_id":"1"},"docs":[{"doc":{}}]}`, "d", true, parse,
			"failed to parse term vectors request. either [id] or [doc] can be specified, but not both!"},
		{"mtv dfs", `{"docs":[{"_id":"1","dfs":true}]}`, "d", true, iae, "distributed frequencies is not supported anymore for term vectors"},
		{"mtv fields", `{"docs":[{"_id":"1","fields":"f"}]}`, "d", true, parse, "failed to parse term vectors request. field [fields] must be an array"},
		{"mtv boolean", `{"docs":[{"_id":"1","offsets":{}}]}`, "d", true, xpe, "[1:31] Current token (START_OBJECT) not of boolean type"},
		{"mtv index object", `{"docs":[{"_index":{},"_id":"1"}]}`, "d", true, iae, "Expected text at 1:20 but found START_OBJECT"},
		{"mtv filter key", `{"docs":[{"_id":"1","filter":{"max":1}}]}`, "d", true, parse,
			"failed to parse term vectors request. the field [max] is not valid for filter parameter for term vector request"},
		{"mtv filter scalar", `{"docs":[{"_id":"1","filter":1,"max_num_terms":1}]}`, "d", true, iae,
			"the value of [filter] in a document is an array or an object that Elasticsearch would not read as one"},
		{"mtv analyzer array", `{"docs":[{"_id":"1","per_field_analyzer":["_index"]}]}`, "d", true, iae,
			"the value of [per_field_analyzer] in a document is an array or an object that Elasticsearch would not read as one"},
		{"mtv analyzer type", `{"docs":[{"_id":"1","per_field_analyzer":{"f":1,"g":"a"}}]}`, "d", true, parse,
			"expecting the analyzer at [f] to be a String, but found [class java.lang.Integer] instead"},
		{"mtv no documents", `{"ids":[]}`, "d", true, val, "Validation Failed: 1: multi term vectors: no documents requested;"},
		{"mtv no index", `{"docs":[{"_id":"1"},{}]}`, "", true, val,
			"Validation Failed: 1: index is missing;2: id or doc is missing;3: at multi term vectors for doc 1;"},
		{"mtv duplicate", `{"ids":["1"],"ids":["2"]}`, "d", true, xpe, "[1:14] Duplicate field 'ids'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ScanDocs([]byte(tt.body), tt.def, tt.termVectors)
			var bad *BadRequestError
			if !errors.As(err, &bad) {
				t.Fatalf("err = %v, want a BadRequestError", err)
			}
			if bad.Type != tt.typ || bad.Reason != tt.reason {
				t.Errorf("err = %s / %q\nwant  %s / %q", bad.Type, bad.Reason, tt.typ, tt.reason)
			}
		})
	}
}

func TestFilterDocs(t *testing.T) {
	t.Parallel()
	body := `{ "docs" : [ {"_index":"a","_id":"1"} , {"_index":"b","_id":"2"},{"_id":"3"} ], "realtime_x": [1,2], "ids":["4", "5"] }` + "\n"
	tests := []struct {
		name string
		keep []int
		want string
	}{
		{"all", []int{0, 1, 2, 3, 4}, body},
		{"none", nil, `{ "docs" : [], "realtime_x": [1,2], "ids":[] }` + "\n"},
		{"first and last", []int{0, 4}, `{ "docs" : [ {"_index":"a","_id":"1"} ], "realtime_x": [1,2], "ids":[ "5"] }` + "\n"},
		{"middle", []int{1, 3}, `{ "docs" : [ {"_index":"b","_id":"2"}], "realtime_x": [1,2], "ids":["4"] }` + "\n"},
		{"last doc", []int{2}, `{ "docs" : [{"_id":"3"} ], "realtime_x": [1,2], "ids":[] }` + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			kept := map[int]bool{}
			for _, k := range tt.keep {
				kept[k] = true
			}
			got, err := FilterDocs([]byte(body), func(pos int) bool { return kept[pos] })
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
	// The positions FilterDocs passes are those of ScanDocs.
	mget := `{"ids":["1","2"],"docs":[{"_index":"x","_id":"3"}]}`
	refs, err := ScanDocs([]byte(mget), "d", false)
	if err != nil {
		t.Fatal(err)
	}
	got, err := FilterDocs([]byte(mget), func(pos int) bool { return refs[pos].Index == "x" })
	if err != nil || string(got) != `{"ids":[],"docs":[{"_index":"x","_id":"3"}]}` {
		t.Errorf("got %s, %v", got, err)
	}
	if _, err := FilterDocs([]byte(`[1]`), func(int) bool { return true }); err == nil {
		t.Error("FilterDocs of an array: want an error")
	}
	if _, err := FilterDocs([]byte(`{"docs":[1,]}`), func(int) bool { return true }); err == nil {
		t.Error("FilterDocs of malformed JSON: want an error")
	}
}
