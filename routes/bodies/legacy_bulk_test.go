package bodies

import (
	"errors"
	"strings"
	"testing"
)

type legacyBulkWant struct {
	op             BulkOp
	index, typ, id string
	line           int
	text           string // body[Start:End]
}

func scanLegacyBulkAll(body, index, typ string, version int) ([]LegacyBulkItem, error) {
	var items []LegacyBulkItem
	err := ScanLegacyBulk([]byte(body), index, typ, version, func(it LegacyBulkItem) error {
		items = append(items, it)
		return nil
	})
	return items, err
}

func TestScanLegacyBulkItems(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		body     string
		index    string
		typ      string
		versions []int
		want     []legacyBulkWant
	}{
		{
			// rest-api-spec/test/bulk/10_basic.yaml (2.4), as NDJSON.
			name: "array of objects",
			body: `{"index":{"_index":"test_index","_type":"test_type","_id":"test_id"}}` + "\n" +
				`{"f1":"v1","f2":42}` + "\n" +
				`{"index":{"_index":"test_index","_type":"test_type","_id":"test_id2"}}` + "\n" +
				`{"f1":"v2","f2":47}` + "\n",
			versions: []int{1, 2},
			want: []legacyBulkWant{
				{OpIndex, "test_index", "test_type", "test_id", 1,
					`{"index":{"_index":"test_index","_type":"test_type","_id":"test_id"}}` + "\n" + `{"f1":"v1","f2":42}` + "\n"},
				{OpIndex, "test_index", "test_type", "test_id2", 3,
					`{"index":{"_index":"test_index","_type":"test_type","_id":"test_id2"}}` + "\n" + `{"f1":"v2","f2":47}` + "\n"},
			},
		},
		{
			// rest-api-spec/test/bulk/40_fields.yaml (2.4).
			name: "update with fields",
			body: `{ "update": { "_index": "test_index", "_type": "test_type", "_id": "test_id_1", "fields": ["_source"] } }` + "\n" +
				`{ "doc": { "foo": "baz" } }` + "\n" +
				`{ "update": { "_index": "test_index", "_type": "test_type", "_id": "test_id_2" } }` + "\n" +
				`{ "fields": ["_source"], "doc": { "foo": "quux" } }` + "\n",
			versions: []int{2},
			want: []legacyBulkWant{
				{OpUpdate, "test_index", "test_type", "test_id_1", 1,
					`{ "update": { "_index": "test_index", "_type": "test_type", "_id": "test_id_1", "fields": ["_source"] } }` + "\n" +
						`{ "doc": { "foo": "baz" } }` + "\n"},
				{OpUpdate, "test_index", "test_type", "test_id_2", 3,
					`{ "update": { "_index": "test_index", "_type": "test_type", "_id": "test_id_2" } }` + "\n" +
						`{ "fields": ["_source"], "doc": { "foo": "quux" } }` + "\n"},
			},
		},
		{
			name:     "defaults from the path",
			body:     `{"update":{"_id":"test_id_3"}}` + "\n" + `{"doc":{"foo":"garply"}}` + "\n" + `{"delete":{"_id":"9","_type":"other"}}` + "\n",
			index:    "test_index",
			typ:      "test_type",
			versions: []int{1, 2},
			want: []legacyBulkWant{
				{OpUpdate, "test_index", "test_type", "test_id_3", 1, `{"update":{"_id":"test_id_3"}}` + "\n" + `{"doc":{"foo":"garply"}}` + "\n"},
				{OpDelete, "test_index", "other", "9", 3, `{"delete":{"_id":"9","_type":"other"}}` + "\n"},
			},
		},
		{
			name:     "every operation and every parameter",
			body:     `{"index":{"_index":"a","_type":"t","_id":"1","_routing":"r","parent":"p","_timestamp":"2015-01-01","ttl":"1d","_version":3,"version_type":"external"}}` + "\n{}\n" + `{"create":{"_index":"b","_type":"t","routing":"r","_parent":"p","timestamp":1,"_ttl":1000,"version":"4","_versionType":"external_gte"}}` + "\n{}\n" + `{"update":{"_index":"c","_type":"t","_id":"3","_retry_on_conflict":3,"versionType":"force"}}` + "\n" + `{"doc":{}}` + "\n" + `{"delete":{"_index":"d","_type":"t","_id":"4","_version_type":"internal","_retryOnConflict":"2"}}` + "\n",
			versions: []int{1, 2},
			want: []legacyBulkWant{
				{OpIndex, "a", "t", "1", 1, `{"index":{"_index":"a","_type":"t","_id":"1","_routing":"r","parent":"p","_timestamp":"2015-01-01","ttl":"1d","_version":3,"version_type":"external"}}` + "\n{}\n"},
				{OpCreate, "b", "t", "", 3, `{"create":{"_index":"b","_type":"t","routing":"r","_parent":"p","timestamp":1,"_ttl":1000,"version":"4","_versionType":"external_gte"}}` + "\n{}\n"},
				{OpUpdate, "c", "t", "3", 5, `{"update":{"_index":"c","_type":"t","_id":"3","_retry_on_conflict":3,"versionType":"force"}}` + "\n" + `{"doc":{}}` + "\n"},
				{OpDelete, "d", "t", "4", 7, `{"delete":{"_index":"d","_type":"t","_id":"4","_version_type":"internal","_retryOnConflict":"2"}}` + "\n"},
			},
		},
		{
			name:     "op_type create turns index into create; the later spelling wins",
			body:     `{"index":{"_index":"a","_type":"t","op_type":"create"}}` + "\n{}\n" + `{"index":{"_index":"a","_type":"t","opType":"create","op_type":"index"}}` + "\n{}\n" + `{"index":{"_index":"a","_type":"t","op_type":"index","opType":"create"}}` + "\n{}\n" + `{"create":{"_index":"a","_type":"t","op_type":"index"}}` + "\n{}\n",
			versions: []int{1, 2},
			want: []legacyBulkWant{
				{OpCreate, "a", "t", "", 1, `{"index":{"_index":"a","_type":"t","op_type":"create"}}` + "\n{}\n"},
				{OpIndex, "a", "t", "", 3, `{"index":{"_index":"a","_type":"t","opType":"create","op_type":"index"}}` + "\n{}\n"},
				{OpCreate, "a", "t", "", 5, `{"index":{"_index":"a","_type":"t","op_type":"index","opType":"create"}}` + "\n{}\n"},
				{OpCreate, "a", "t", "", 7, `{"create":{"_index":"a","_type":"t","op_type":"index"}}` + "\n{}\n"},
			},
		},
		{
			name:     "null values are ignored, even of unknown keys",
			body:     `{"index":{"_index":null,"_type":null,"_id":null,"foo":null}}` + "\n{}\n",
			index:    "dflt",
			typ:      "dt",
			versions: []int{1, 2},
			want:     []legacyBulkWant{{OpIndex, "dflt", "dt", "", 1, `{"index":{"_index":null,"_type":null,"_id":null,"foo":null}}` + "\n{}\n"}},
		},
		{
			name:     "numbers and booleans are read as written",
			body:     `{"index":{"_index":5,"_type":true,"_id":1.50}}` + "\n{}\n",
			versions: []int{1, 2},
			want:     []legacyBulkWant{{OpIndex, "5", "true", "1.50", 1, `{"index":{"_index":5,"_type":true,"_id":1.50}}` + "\n{}\n"}},
		},
		{
			name:     "empty, blank and comment lines are skipped but counted",
			body:     "\n  \r\n" + `{"delete":{"_index":"a","_type":"t","_id":"1"}}` + "\n" + `/* note */ // more` + "\n" + `{"index":{"_index":"b","_type":"t"}}` + "\n\n",
			versions: []int{1, 2},
			want: []legacyBulkWant{
				{OpDelete, "a", "t", "1", 3, `{"delete":{"_index":"a","_type":"t","_id":"1"}}` + "\n"},
				{OpIndex, "b", "t", "", 5, `{"index":{"_index":"b","_type":"t"}}` + "\n\n"},
			},
		},
		{
			name:     "a source line is not parsed",
			body:     `{"index":{"_index":"a","_type":"t"}}` + "\n" + `{"index":{"_index":"secret"}}` + "\n",
			versions: []int{1, 2},
			want:     []legacyBulkWant{{OpIndex, "a", "t", "", 1, `{"index":{"_index":"a","_type":"t"}}` + "\n" + `{"index":{"_index":"secret"}}` + "\n"}},
		},
		{
			name:     "escaped key and CRLF",
			body:     `{"index":{"\u005findex":"a","_type":"t"}}` + "\r\n{}\r\n",
			versions: []int{1, 2},
			want:     []legacyBulkWant{{OpIndex, "a", "t", "", 1, `{"index":{"\u005findex":"a","_type":"t"}}` + "\r\n{}\r\n"}},
		},
		{
			name:     "1.x finds JSON anywhere in the first 20 bytes",
			body:     "/*x*/" + `{"delete":{"_index":"a","_type":"t","_id":"1"}}` + "\n",
			versions: []int{1},
			want:     []legacyBulkWant{{OpDelete, "a", "t", "1", 1, "/*x*/" + `{"delete":{"_index":"a","_type":"t","_id":"1"}}` + "\n"}},
		},
		{
			name:     "2.x skips a byte order mark and white space",
			body:     "\xEF\xBB\xBF \n" + `{"delete":{"_index":"a","_type":"t","_id":"1"}}` + "\n",
			versions: []int{2},
			want:     []legacyBulkWant{{OpDelete, "a", "t", "1", 2, `{"delete":{"_index":"a","_type":"t","_id":"1"}}` + "\n"}},
		},
	}
	for _, tt := range tests {
		for _, v := range tt.versions {
			items, err := scanLegacyBulkAll(tt.body, tt.index, tt.typ, v)
			if err != nil {
				t.Errorf("%s (v%d): %v", tt.name, v, err)
				continue
			}
			if len(items) != len(tt.want) {
				t.Errorf("%s (v%d): %d items, want %d: %+v", tt.name, v, len(items), len(tt.want), items)
				continue
			}
			for i, it := range items {
				w := tt.want[i]
				got := legacyBulkWant{it.Op, it.Index, it.Type, it.ID, it.Line, tt.body[it.Start:it.End]}
				if got != w {
					t.Errorf("%s (v%d) item %d: got %+v, want %+v", tt.name, v, i, got, w)
				}
			}
		}
	}
}

func TestScanLegacyBulkErrors(t *testing.T) {
	t.Parallel()
	const src = "{}\n"
	const del1 = `{"delete":{"_index":"a","_type":"t","_id":"1"}}` + "\n"
	tests := []struct {
		name     string
		body     string
		index    string
		typ      string
		versions []int
		etype    string // exception type
		reason   string // substring of the reason
	}{
		{"empty body", "", "", "", []int{1, 2}, "parse_exception", "Failed to derive xcontent"},
		{"only newlines", "\n\n", "", "", []int{1, 2}, "parse_exception", "Failed to derive xcontent"},
		{"2.x: comment before the first object", "//x\n" + `{"delete":{"_index":"a","_type":"t","_id":"1"}}` + "\n", "", "", []int{2}, "parse_exception", "Failed to derive xcontent"},
		{"1.x: no brace in the first 20 bytes", "                    " + `{"delete":{}}` + "\n", "", "", []int{1}, "parse_exception", "Failed to derive xcontent"},
		{"smile", ":)\n\x00", "", "", []int{1, 2}, "illegal_argument_exception", "SMILE"},
		{"yaml", "---\nindex: {}\n", "", "", []int{1, 2}, "illegal_argument_exception", "YAML"},
		{"cbor", "\xbf\x65index", "", "", []int{1, 2}, "illegal_argument_exception", "CBOR"},
		{"cbor map", "\xa1\x65index", "", "", []int{1, 2}, "illegal_argument_exception", "CBOR"},
		{"no items", "\n{\n", "", "", []int{1, 2}, "x_content_e_o_f_exception", "Unexpected end of file"},
		{"blank lines only", "{}\n", "", "", []int{1, 2}, "illegal_argument_exception", "expected an action name but found [END_OBJECT]"},
		{"missing final newline", `{"delete":{"_index":"a","_type":"t","_id":"1"}}`, "", "", []int{1, 2}, "illegal_argument_exception", "terminated by a newline"},
		{"source without newline", `{"index":{"_index":"a","_type":"t"}}` + "\n{}", "", "", []int{1, 2}, "illegal_argument_exception", "terminated by a newline"},
		{"no source line", `{"index":{"_index":"a","_type":"t"}}` + "\n", "", "", []int{1, 2}, "illegal_argument_exception", "Action/metadata line [1] has no source line"},
		{"array action line", del1 + `["index"]` + "\n" + src, "", "", []int{1, 2}, "illegal_argument_exception", "Malformed action/metadata line [2], expected START_OBJECT but found [START_ARRAY]"},
		{"string action line", del1 + `"index"` + "\n" + src, "", "", []int{1, 2}, "illegal_argument_exception", "Malformed action/metadata line [2], expected START_OBJECT"},
		{"2.x: array body", `["index"]` + "\n" + src, "", "", []int{2}, "parse_exception", "Failed to derive xcontent"},
		{"1.x: no items", "//{\n\n", "", "", []int{1}, "action_request_validation_exception", "Validation Failed: 1: no requests added;"},
		{"unknown action", `{"upsert":{"_index":"a"}}` + "\n" + src, "", "", []int{1, 2}, "illegal_argument_exception", "unknown action [upsert]"},
		{"action null", `{"index":null}` + "\n" + src, "", "", []int{1, 2}, "illegal_argument_exception", "expected START_OBJECT or END_OBJECT but found [VALUE_NULL]"},
		{"action string", `{"index":"a"}` + "\n" + src, "", "", []int{1, 2}, "illegal_argument_exception", "but found [VALUE_STRING]"},
		{"second action", `{"index":{"_index":"a","_type":"t"},"delete":{"_index":"b"}}` + "\n" + src, "", "", []int{1, 2}, "illegal_argument_exception", "more than one key"},
		{"unclosed action line", `{"index":{"_index":"a","_type":"t"}` + "\n" + src, "", "", []int{1, 2}, "x_content_e_o_f_exception", "Unexpected end of file"},
		{"content after the object", `{"index":{"_index":"a","_type":"t"}} {"delete":{}}` + "\n" + src, "", "", []int{1, 2}, "illegal_argument_exception", "content after the action object"},
		{"unknown parameter", `{"index":{"_index":"a","_type":"t","pipeline":"p"}}` + "\n" + src, "", "", []int{1, 2}, "illegal_argument_exception", "Action/metadata line [1] contains an unknown parameter [pipeline]"},
		{"retry_on_conflict without underscore", `{"update":{"_index":"a","_type":"t","_id":"1","retry_on_conflict":3}}` + "\n" + src, "", "", []int{1, 2}, "illegal_argument_exception", "unknown parameter [retry_on_conflict]"},
		{"1.x: fields is unknown", `{"update":{"_index":"a","_type":"t","_id":"1","fields":"_source"}}` + "\n" + src, "", "", []int{1}, "illegal_argument_exception", "unknown parameter [fields]"},
		{"1.x: fields array", `{"update":{"_index":"a","_type":"t","_id":"1","fields":["_source"]}}` + "\n" + src, "", "", []int{1}, "illegal_argument_exception", "expected a simple value for field [fields] but found [START_ARRAY]"},
		{"2.x: fields simple value", `{"update":{"_index":"a","_type":"t","_id":"1","fields":"_source"}}` + "\n" + src, "", "", []int{2}, "illegal_argument_exception", "contains a simple value for parameter [fields] while a list is expected"},
		{"2.x: fields of objects", `{"update":{"_index":"a","_type":"t","_id":"1","fields":[{"_index":"b"}]}}` + "\n" + src, "", "", []int{2}, "illegal_argument_exception", "must hold strings"},
		{"object value", `{"index":{"_index":{"name":"a"},"_type":"t"}}` + "\n" + src, "", "", []int{1, 2}, "illegal_argument_exception", "expected a simple value for field [_index] but found [START_OBJECT]"},
		{"array index", `{"index":{"_index":["a","b"],"_type":"t"}}` + "\n" + src, "", "", []int{1, 2}, "illegal_argument_exception", "expected a simple value for field [_index] but found [START_ARRAY]"},
		{"duplicate _index", `{"index":{"_index":"a","_index":"b","_type":"t"}}` + "\n" + src, "", "", []int{1, 2}, "x_content_parse_exception", "Duplicate field '_index'"},
		{"unquoted key", `{"index":{_index:"a","_type":"t"}}` + "\n" + src, "", "", []int{1, 2}, "x_content_parse_exception", ""},
		{"empty index", `{"index":{"_index":"","_type":"t"}}` + "\n" + src, "", "", []int{1, 2}, "illegal_argument_exception", "empty index name"},
		{"index missing", `{"index":{"_type":"t"}}` + "\n" + src, "", "", []int{1, 2}, "action_request_validation_exception", "Validation Failed: 1: index is missing;"},
		{"type missing", `{"index":{"_index":"a"}}` + "\n" + src, "", "", []int{1, 2}, "action_request_validation_exception", "Validation Failed: 1: type is missing;"},
		{"delete without anything", `{"delete":{}}` + "\n", "", "", []int{1, 2}, "action_request_validation_exception", "Validation Failed: 1: index is missing;2: type is missing;3: id is missing;"},
		{"update without id", `{"update":{}}` + "\n" + src, "i", "t", []int{1, 2}, "action_request_validation_exception", "Validation Failed: 1: id is missing;"},
		{"null index and no default", `{"index":{"_index":null,"_type":"t"}}` + "\n" + src, "", "", []int{1, 2}, "action_request_validation_exception", "index is missing"},
		{"version type", `{"index":{"_index":"a","_type":"t","version_type":"externalgt"}}` + "\n" + src, "", "", []int{1, 2}, "illegal_argument_exception", "No version type match [externalgt]"},
		{"version string", `{"index":{"_index":"a","_type":"t","version":"x"}}` + "\n" + src, "", "", []int{1, 2}, "number_format_exception", `For input string: "x"`},
		{"version boolean", `{"index":{"_index":"a","_type":"t","_version":true}}` + "\n" + src, "", "", []int{1, 2}, "json_parse_exception", "Current token (VALUE_TRUE) not numeric"},
		{"version too large", `{"index":{"_index":"a","_type":"t","_version":9223372036854775808}}` + "\n" + src, "", "", []int{1, 2}, "json_parse_exception", "out of range of long"},
		{"retry too large", `{"update":{"_index":"a","_type":"t","_id":"1","_retry_on_conflict":2147483648}}` + "\n" + src, "", "", []int{1, 2}, "json_parse_exception", "out of range of int"},
		{"invalid UTF-8", `{"index":{"_index":"a\xff","_type":"t"}}` + "\n" + src, "", "", []int{1, 2}, "x_content_parse_exception", ""},
		{"unsupported version", `{"delete":{"_index":"a","_type":"t","_id":"1"}}` + "\n", "", "", []int{0, 5}, "illegal_argument_exception", "1.x and 2.x only"},
	}
	for _, tt := range tests {
		for _, v := range tt.versions {
			_, err := scanLegacyBulkAll(tt.body, tt.index, tt.typ, v)
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

func TestScanLegacyBulkVisitError(t *testing.T) {
	t.Parallel()
	stop := errors.New("stop")
	body := `{"delete":{"_index":"a","_type":"t","_id":"1"}}` + "\n" + `{"delete":{"_index":"b","_type":"t","_id":"2"}}` + "\n"
	n := 0
	err := ScanLegacyBulk([]byte(body), "", "", 2, func(LegacyBulkItem) error { n++; return stop })
	if err != stop || n != 1 {
		t.Fatalf("got %v after %d items", err, n)
	}
}
