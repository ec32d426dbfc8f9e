package bodies

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func scanMultiSearchAll(t *testing.T, body string, opts MultiSearchOptions) ([]SearchItem, error) {
	t.Helper()
	var items []SearchItem
	err := ScanMultiSearchWith([]byte(body), opts, func(it SearchItem) error {
		items = append(items, it)
		return nil
	})
	return items, err
}

func TestScanMultiSearchItems(t *testing.T) {
	t.Parallel()
	type want struct {
		indices                []string
		has                    bool
		expand, unavail, noIdx string
		line                   int
		header, body           string
	}
	tests := []struct {
		name string
		body string
		opts MultiSearchOptions
		want []want
	}{
		{
			name: "index string split at commas",
			body: `{"index":"a,b*"}` + "\n{}\n",
			want: []want{{indices: []string{"a", "b*"}, has: true, line: 1, header: `{"index":"a,b*"}` + "\n", body: "{}\n"}},
		},
		{
			name: "Java split keeps inner and leading empties, drops trailing ones",
			body: `{"index":",a,,b,,"}` + "\n{}\n",
			want: []want{{indices: []string{"", "a", "", "b"}, has: true, line: 1}},
		},
		{
			name: "empty index means all indices",
			body: `{"index":""}` + "\n{}\n" + `{"indices":","}` + "\n{}\n" + `{"index":[]}` + "\n{}\n",
			want: []want{
				{indices: []string{}, has: true, line: 1},
				{indices: []string{}, has: true, line: 3},
				{indices: []string{}, has: true, line: 5},
			},
		},
		{
			name: "indices array, numbers and booleans by their Java text",
			body: `{"indices":["a,b","c",7,-0,true]}` + "\n{}\n" + `{"index":42}` + "\n{}\n",
			want: []want{
				{indices: []string{"a,b", "c", "7", "0", "true"}, has: true, line: 1},
				{indices: []string{"42"}, has: true, line: 3},
			},
		},
		{
			name: "empty and blank headers have no keys",
			body: "\n{}\n \r\n{}\n/* c */\n{}\n{}\n{}\n",
			want: []want{
				{line: 1, header: "\n", body: "{}\n"},
				{line: 3, header: " \r\n", body: "{}\n"},
				{line: 5, header: "/* c */\n", body: "{}\n"},
				{line: 7, header: "{}\n", body: "{}\n"},
			},
		},
		{
			name: "a lone scalar header has no keys",
			body: "\"logs\"\n{}\n12\n{}\nnull\n{}\ntrue\n{}\n",
			want: []want{{line: 1}, {line: 3}, {line: 5}, {line: 7}},
		},
		{
			name: "body lines are not parsed",
			body: `{"index":"a"}` + "\nnot json at all\n{}\n\n",
			want: []want{
				{indices: []string{"a"}, has: true, line: 1, body: "not json at all\n"},
				{line: 3, header: "{}\n", body: "\n"},
			},
		},
		{
			name: "indices options",
			body: `{"index":"a","expand_wildcards":["open","hidden"],"ignore_unavailable":true,"allow_no_indices":"false"}` + "\n{}\n" +
				`{"expandWildcards":"all","ignoreUnavailable":"false","allowNoIndices":true,"ignoreThrottled":false}` + "\n{}\n" +
				`{"expand_wildcards":null,"ignore_unavailable":null}` + "\n{}\n",
			want: []want{
				{indices: []string{"a"}, has: true, expand: "open,hidden", unavail: "true", noIdx: "false", line: 1},
				{expand: "all", unavail: "false", noIdx: "true", line: 3},
				{line: 5},
			},
		},
		{
			name: "every other key",
			body: `{"search_type":"dfs_query_then_fetch","searchType_":1}` + "\n{}\n",
		},
		{
			name: "accepted values of every key",
			body: `{"search_type":"query_then_fetch","ccs_minimize_roundtrips":"false","request_cache":true,` +
				`"preference":{"any":["thing"]},"routing":5,"allow_partial_search_results":"true","ignore_throttled":"true"}` + "\n{}\n" +
				`{"searchType":null,"ccsMinimizeRoundtrips":true,"requestCache":"false"}` + "\n{}\n",
			want: []want{{line: 1}, {line: 3}},
		},
		{
			name: "fleet keys",
			body: `{"index":"a","wait_for_checkpoints":[1,"2"],"wait_for_checkpoints_timeout":"1m"}` + "\n{}\n",
			opts: MultiSearchOptions{Fleet: true},
			want: []want{{indices: []string{"a"}, has: true, line: 1}},
		},
		{
			name: "cross-project keys",
			body: `{"project_routing":"_alias:x","ccs_minimize_roundtrips":"whatever"}` + "\n{}\n",
			opts: MultiSearchOptions{CrossProject: true},
			want: []want{{line: 1}},
		},
		{
			name: "carriage returns",
			body: `{"index":"a"}` + "\r\n{}\r\n",
			want: []want{{indices: []string{"a"}, has: true, line: 1, header: `{"index":"a"}` + "\r\n", body: "{}\r\n"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			items, err := scanMultiSearchAll(t, tt.body, tt.opts)
			if tt.want == nil {
				if err == nil {
					t.Fatal("want an error")
				}
				return
			}
			if err != nil {
				t.Fatalf("ScanMultiSearch: %v", err)
			}
			if len(items) != len(tt.want) {
				t.Fatalf("got %d items, want %d: %+v", len(items), len(tt.want), items)
			}
			for i, w := range tt.want {
				it := items[i]
				if !reflect.DeepEqual(it.Indices, w.indices) || it.HasIndices != w.has || it.Line != w.line ||
					it.ExpandWildcards != w.expand || it.IgnoreUnavailable != w.unavail || it.AllowNoIndices != w.noIdx {
					t.Errorf("item %d = %#v, want %#v", i, it, w)
				}
				if w.header != "" && tt.body[it.HeaderStart:it.HeaderEnd] != w.header {
					t.Errorf("item %d header = %q, want %q", i, tt.body[it.HeaderStart:it.HeaderEnd], w.header)
				}
				if w.body != "" && tt.body[it.BodyStart:it.BodyEnd] != w.body {
					t.Errorf("item %d body = %q, want %q", i, tt.body[it.BodyStart:it.BodyEnd], w.body)
				}
			}
		})
	}
}

func TestScanMultiSearchErrors(t *testing.T) {
	t.Parallel()
	const (
		iae   = "illegal_argument_exception"
		xpe   = "x_content_parse_exception"
		eof   = "x_content_e_o_f_exception"
		parse = "parse_exception"
		nfe   = "number_format_exception"
	)
	b := "\n{}\n"
	tests := []struct {
		name string
		body string
		opts MultiSearchOptions
		typ  string
		why  string
	}{
		{"empty body", "", MultiSearchOptions{}, parse, "request body or source parameter is required"},
		{"no newline at the end", `{"index":"a"}` + "\n{}", MultiSearchOptions{}, iae, "The msearch request must be terminated by a newline [\n]"},
		{"header without newline", `{"index":"a"}`, MultiSearchOptions{}, iae, "The msearch request must be terminated by a newline [\n]"},
		{"header without body line", "{}\n{}\n" + `{"index":"a"}` + "\n", MultiSearchOptions{}, iae, "Multi search header line [3] has no body line"},
		{"unknown key", `{"index":"a","size":10}` + b, MultiSearchOptions{}, iae, "key [size] is not supported in the metadata section"},
		{"types are gone", `{"type":"_doc"}` + b, MultiSearchOptions{}, iae, "key [type] is not supported in the metadata section"},
		{"fleet keys need fleet", `{"wait_for_checkpoints":[1]}` + b, MultiSearchOptions{}, iae,
			"key [wait_for_checkpoints] is not supported in the metadata section"},
		{"project routing needs cross-project", `{"project_routing":"x"}` + b, MultiSearchOptions{}, iae,
			"key [project_routing] is not supported in the metadata section"},
		// Java's HashMap iterates "four" before "one" (buckets 6 and 7).
		{"errors in HashMap order", `{"one":1,"four":4}` + b, MultiSearchOptions{}, iae, "key [four] is not supported in the metadata section"},
		{"data after the header", `{"index":"a"} {}` + b, MultiSearchOptions{}, xpe, "[1:15] Unexpected token after end of object"},
		{"array header", `["a"]` + b, MultiSearchOptions{}, xpe, "[1:2] Unexpected token after end of object"},
		{"two scalars", `"a" "b"` + b, MultiSearchOptions{}, xpe, "[1:5] Unexpected token after end of object"},
		{"duplicate key", `{"index":"a","index":"b"}` + b, MultiSearchOptions{}, xpe, "[1:14] Duplicate field 'index'"},
		{"duplicate nested key", `{"preference":{"a":1,"a":2}}` + b, MultiSearchOptions{}, xpe, "[1:22] Duplicate field 'a'"},
		{"unclosed header", `{"index":"a"` + b, MultiSearchOptions{}, eof, "[1:13] Unexpected end of file"},
		{"index and indices", `{"index":"a","indices":"b"}` + b, MultiSearchOptions{}, iae,
			"keys [indices] and [index] of the metadata section set the same option"},
		{"two spellings of expand_wildcards", `{"expand_wildcards":"open","expandWildcards":"all"}` + b, MultiSearchOptions{}, iae,
			"keys [expand_wildcards] and [expandWildcards] of the metadata section set the same option"},
		{"null index", `{"index":null}` + b, MultiSearchOptions{}, iae, "index must not be null"},
		{"null index element", `{"index":["a",null]}` + b, MultiSearchOptions{}, iae, "index must not be null"},
		{"fractional index", `{"index":1.5}` + b, MultiSearchOptions{}, iae,
			"key [index] of the metadata section must be a string or an array of strings"},
		{"object index", `{"index":{"a":1}}` + b, MultiSearchOptions{}, iae,
			"key [index] of the metadata section must be a string or an array of strings"},
		{"nested index array", `{"index":[["a"]]}` + b, MultiSearchOptions{}, iae,
			"key [index] of the metadata section must be a string or an array of strings"},
		{"bad search type", `{"search_type":"scan"}` + b, MultiSearchOptions{}, iae, "No search type for [scan]"},
		{"numeric search type", `{"searchType":1.0}` + b, MultiSearchOptions{}, iae, "No search type for [1.0]"},
		{"bad ccs_minimize_roundtrips", `{"ccs_minimize_roundtrips":"yes"}` + b, MultiSearchOptions{}, iae,
			"Failed to parse value [yes] as only [true] or [false] are allowed."},
		{"bad request_cache", `{"request_cache":1}` + b, MultiSearchOptions{}, iae, "Could not convert [request_cache] to boolean"},
		{"bad requestCache", `{"requestCache":"no"}` + b, MultiSearchOptions{}, iae, "Could not convert [requestCache] to boolean"},
		{"bad allow_partial_search_results", `{"allow_partial_search_results":"no"}` + b, MultiSearchOptions{}, iae,
			"Could not convert [null] to boolean"},
		{"bad expand_wildcards", `{"expand_wildcards":"open,foo"}` + b, MultiSearchOptions{}, iae, "No valid expand wildcard value [foo]"},
		{"expand_wildcards is case sensitive", `{"expandWildcards":["OPEN"]}` + b, MultiSearchOptions{}, iae, "No valid expand wildcard value [OPEN]"},
		{"bad ignore_unavailable", `{"ignoreUnavailable":"yes"}` + b, MultiSearchOptions{}, iae, "Could not convert [ignore_unavailable] to boolean"},
		{"bad allow_no_indices", `{"allow_no_indices":0}` + b, MultiSearchOptions{}, iae, "Could not convert [allow_no_indices] to boolean"},
		{"bad ignore_throttled", `{"ignore_throttled":[true]}` + b, MultiSearchOptions{}, iae, "Could not convert [ignore_throttled] to boolean"},
		{"expand_wildcards checked before the booleans", `{"ignore_unavailable":"x","expand_wildcards":"x"}` + b, MultiSearchOptions{}, iae,
			"No valid expand wildcard value [x]"},
		{"bad checkpoint", `{"wait_for_checkpoints":"1,x"}` + b, MultiSearchOptions{Fleet: true}, nfe, `For input string: "x"`},
		{"error on a later item", `{"index":"a"}` + b + `{"foo":1}` + b, MultiSearchOptions{}, iae,
			"key [foo] is not supported in the metadata section"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := scanMultiSearchAll(t, tt.body, tt.opts)
			var bad *BadRequestError
			if !errors.As(err, &bad) {
				t.Fatalf("err = %v, want a BadRequestError", err)
			}
			if bad.Type != tt.typ || bad.Reason != tt.why {
				t.Errorf("err = %s / %q\nwant  %s / %q", bad.Type, bad.Reason, tt.typ, tt.why)
			}
		})
	}
}

func TestScanMultiSearchRangesCoverBody(t *testing.T) {
	t.Parallel()
	body := "\n{}\n" + `{"index":"a"}` + "\r\n" + `{"query":{}}` + "\n \n\n{}\n{}\n"
	items, err := scanMultiSearchAll(t, body, MultiSearchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var got strings.Builder
	for _, it := range items {
		if it.HeaderEnd != it.BodyStart || it.BodyEnd <= it.BodyStart {
			t.Fatalf("bad ranges %+v", it)
		}
		got.WriteString(body[it.HeaderStart:it.HeaderEnd] + body[it.BodyStart:it.BodyEnd])
	}
	if got.String() != body {
		t.Errorf("ranges give %q, want %q", got.String(), body)
	}
	if len(items) != 4 {
		t.Errorf("%d items, want 4", len(items))
	}
}

func TestScanMultiSearchEmpty(t *testing.T) {
	t.Parallel()
	err := ScanMultiSearch([]byte("\n"), func(SearchItem) error { return nil })
	var bad *BadRequestError
	if !errors.As(err, &bad) || bad.Reason != "Multi search header line [1] has no body line" {
		t.Errorf("err = %v", err)
	}
}

func TestMultiSearchHeader(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, header string
		indices      []string
		want         string
		wantErr      string
	}{
		{"replace index", `{"index":"a,b","preference":"_local"}`, []string{"a"}, `{"index":["a"],"preference":"_local"}`, ""},
		{"keep other bytes", `{ "routing" : "r" ,  "index" : [ "x" ] , "ignore_unavailable":true } `, []string{"x", "y"},
			`{ "routing" : "r" ,  "index":["x","y"] , "ignore_unavailable":true } `, ""},
		{"rename indices", `{"indices":["a"]}`, []string{"b"}, `{"index":["b"]}`, ""},
		{"add index first", `{"routing":"r"}`, []string{"a"}, `{"index":["a"],"routing":"r"}`, ""},
		{"empty object", `{ }`, []string{"a"}, `{"index":["a"] }`, ""},
		{"empty header", ``, []string{"a"}, `{"index":["a"]}`, ""},
		{"white space header", " \r", []string{"a"}, `{"index":["a"]}`, ""},
		{"scalar header", `"x"`, []string{"a"}, `{"index":["a"]}`, ""},
		{"escaping", `{}`, []string{"a\"b\\c\x01"}, `{"index":["a\"b\\c\u0001"]}`, ""},
		{"escaped key", `{"ind\u0065x":"z"}`, []string{"a"}, `{"index":["a"]}`, ""},
		{"no indices", `{}`, nil, "", "illegal_argument_exception: a multi search header needs at least one index"},
		{"empty name", `{}`, []string{""}, "", "illegal_argument_exception: a multi search header cannot name an empty index"},
		{"bad header", `{"index":"a","index":"b"}`, []string{"a"}, "", "x_content_parse_exception: [1:14] Duplicate field 'index'"},
		{"both spellings", `{"index":"a","indices":"b"}`, []string{"a"}, "",
			"illegal_argument_exception: keys [indices] and [index] of the metadata section set the same option"},
		{"two lines", "{}\n{}", []string{"a"}, "", "illegal_argument_exception: a multi search header is one line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := MultiSearchHeader([]byte(tt.header), tt.indices)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("err = %v, want %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got %s\nwant %s", got, tt.want)
			}
			// The result is a header that scans to the given indices.
			items, err := scanMultiSearchAll(t, string(got)+"\n{}\n", MultiSearchOptions{Fleet: true, CrossProject: true})
			if err != nil || len(items) != 1 || !reflect.DeepEqual(items[0].Indices, tt.indices) {
				t.Errorf("rescan = %+v, %v", items, err)
			}
		})
	}
}

func TestJavaHashOrder(t *testing.T) {
	t.Parallel()
	tests := []struct {
		keys []string
		want []string
	}{
		// Outputs of new HashSet<>() after adding the keys in order.
		{[]string{"one", "two", "three", "four", "five"}, []string{"four", "one", "two", "three", "five"}},
		{[]string{"apple", "banana", "cherry"}, []string{"banana", "apple", "cherry"}},
		{[]string{"b", "a"}, []string{"a", "b"}},
		{[]string{"q", "a", "b", "q"}, []string{"q", "a", "b"}},
		// 13 one-letter keys pass the threshold of 12 and double the table to 32
		// buckets, which separates "a" (97) from "q" (113).
		{strings.Split("q,a,b,c,d,e,f,g,h,i,j,k,l", ","), strings.Split("a,b,c,d,e,f,g,h,i,j,k,l,q", ",")},
		// U+1F600 hashes as its surrogate pair (1772899) and shares bucket 8 with "x".
		{[]string{"\U0001F600", "x"}, []string{"\U0001F600", "x"}},
	}
	for _, tt := range tests {
		order, ok := ndJavaHashOrder(tt.keys)
		if !ok {
			t.Fatalf("%q: not ok", tt.keys)
		}
		got := make([]string, len(order))
		for i, k := range order {
			got[i] = tt.keys[k]
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("order of %q = %q, want %q", tt.keys, got, tt.want)
		}
	}
	if h := ndJavaStringHash("\U0001F600"); h != 1772899 {
		t.Errorf("hash of U+1F600 = %d, want 1772899", h)
	}
	// "Aa" and "BB" share a String.hashCode, so do all their concatenations: 2^4 keys
	// in one bucket turn it into a tree once the table has 64 buckets.
	var colliding []string
	for i := 0; i < 16; i++ {
		k := ""
		for bit := 0; bit < 4; bit++ {
			if i&(1<<bit) != 0 {
				k += "Aa"
			} else {
				k += "BB"
			}
		}
		colliding = append(colliding, k)
	}
	if _, ok := ndJavaHashOrder(colliding); ok {
		t.Error("colliding keys: want not ok")
	}
}

func TestJavaDoubleString(t *testing.T) {
	t.Parallel()
	for f, want := range map[float64]string{
		1: "1.0", 1.5: "1.5", 100: "100.0", 1e7: "1.0E7", 9999999: "9999999.0", 0.001: "0.001",
		0.0001: "1.0E-4", 1.25e-5: "1.25E-5", -2.5e10: "-2.5E10", 123456.789: "123456.789",
	} {
		if got := ndJavaDoubleString(f); got != want {
			t.Errorf("%v: got %q, want %q", f, got, want)
		}
	}
}
