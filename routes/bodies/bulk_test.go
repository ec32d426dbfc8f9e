package bodies

import (
	"errors"
	"strings"
	"testing"
)

type bulkWant struct {
	op              BulkOp
	index, id, pipe string
	line            int
	text            string // body[Start:End]
}

func scanBulkAll(t *testing.T, body, def string) ([]BulkItem, error) {
	t.Helper()
	var items []BulkItem
	err := ScanBulk([]byte(body), def, func(it BulkItem) error {
		items = append(items, it)
		return nil
	})
	return items, err
}

func TestScanBulkItems(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
		def  string
		want []bulkWant
	}{
		{
			name: "every operation",
			body: `{"index":{"_index":"a","_id":"1"}}` + "\n" + `{"f":1}` + "\n" +
				`{"create":{"_index":"b","_id":"2"}}` + "\n" + `{"f":2}` + "\n" +
				`{"update":{"_index":"c","_id":"3"}}` + "\n" + `{"doc":{"f":3}}` + "\n" +
				`{"delete":{"_index":"d","_id":"4"}}` + "\n",
			want: []bulkWant{
				{OpIndex, "a", "1", "", 1, `{"index":{"_index":"a","_id":"1"}}` + "\n" + `{"f":1}` + "\n"},
				{OpCreate, "b", "2", "", 3, `{"create":{"_index":"b","_id":"2"}}` + "\n" + `{"f":2}` + "\n"},
				{OpUpdate, "c", "3", "", 5, `{"update":{"_index":"c","_id":"3"}}` + "\n" + `{"doc":{"f":3}}` + "\n"},
				{OpDelete, "d", "4", "", 7, `{"delete":{"_index":"d","_id":"4"}}` + "\n"},
			},
		},
		{
			name: "default index and auto id",
			body: `{"index":{}}` + "\n{}\n" + `{"delete":{"_id":"x"}}` + "\n",
			def:  "logs",
			want: []bulkWant{
				{OpIndex, "logs", "", "", 1, `{"index":{}}` + "\n{}\n"},
				{OpDelete, "logs", "x", "", 3, `{"delete":{"_id":"x"}}` + "\n"},
			},
		},
		{
			name: "no index anywhere",
			body: `{"index":{"_id":"1"}}` + "\n{}\n",
			want: []bulkWant{{OpIndex, "", "1", "", 1, `{"index":{"_id":"1"}}` + "\n{}\n"}},
		},
		{
			name: "op_type create on index is create",
			body: `{"index":{"op_type":"create"}}` + "\n{}\n",
			want: []bulkWant{{OpCreate, "", "", "", 1, `{"index":{"op_type":"create"}}` + "\n{}\n"}},
		},
		{
			name: "op_type other than create on index stays index",
			body: `{"index":{"op_type":"bogus"}}` + "\n{}\n" + `{"index":{"op_type":"CREATE"}}` + "\n{}\n",
			want: []bulkWant{
				{OpIndex, "", "", "", 1, `{"index":{"op_type":"bogus"}}` + "\n{}\n"},
				{OpIndex, "", "", "", 3, `{"index":{"op_type":"CREATE"}}` + "\n{}\n"},
			},
		},
		{
			name: "op_type index on create stays create",
			body: `{"create":{"op_type":"index"}}` + "\n{}\n",
			want: []bulkWant{{OpCreate, "", "", "", 1, `{"create":{"op_type":"index"}}` + "\n{}\n"}},
		},
		{
			name: "null _index falls back to the default",
			body: `{"index":{"_index":null,"_id":null}}` + "\n{}\n",
			def:  "d",
			want: []bulkWant{{OpIndex, "d", "", "", 1, `{"index":{"_index":null,"_id":null}}` + "\n{}\n"}},
		},
		{
			name: "scalar _index is its text",
			body: `{"index":{"_index":5,"_id":1.50}}` + "\n{}\n" + `{"index":{"_index":true}}` + "\n{}\n",
			want: []bulkWant{
				{OpIndex, "5", "1.50", "", 1, `{"index":{"_index":5,"_id":1.50}}` + "\n{}\n"},
				{OpIndex, "true", "", "", 3, `{"index":{"_index":true}}` + "\n{}\n"},
			},
		},
		{
			name: "escapes are decoded",
			body: `{"index":{"\u005findex":"a\u002ab","_id":"\ud83d\ude00"}}` + "\n{}\n",
			want: []bulkWant{{OpIndex, "a*b", "\U0001F600", "", 1, `{"index":{"\u005findex":"a\u002ab","_id":"\ud83d\ude00"}}` + "\n{}\n"}},
		},
		{
			name: "pipeline",
			body: `{"index":{"pipeline":"p1"}}` + "\n{}\n" + `{"update":{"_id":"1","pipeline":"p2"}}` + "\n{}\n",
			want: []bulkWant{
				{OpIndex, "", "", "p1", 1, `{"index":{"pipeline":"p1"}}` + "\n{}\n"},
				{OpUpdate, "", "1", "p2", 3, `{"update":{"_id":"1","pipeline":"p2"}}` + "\n{}\n"},
			},
		},
		{
			name: "blank, white space and comment lines are skipped but counted",
			body: "\n  \t\r\n/* c */ // d\n" + `{"delete":{"_id":"1"}}` + "\n\n" + `{"delete":{"_id":"2"}}` + "\n",
			want: []bulkWant{
				{OpDelete, "", "1", "", 4, `{"delete":{"_id":"1"}}` + "\n"},
				{OpDelete, "", "2", "", 6, `{"delete":{"_id":"2"}}` + "\n"},
			},
		},
		{
			name: "carriage returns",
			body: `{"index":{"_index":"a"}}` + "\r\n{}\r\n" + `{"delete":{"_id":"1"}}` + "\r\n",
			want: []bulkWant{
				{OpIndex, "a", "", "", 1, `{"index":{"_index":"a"}}` + "\r\n{}\r\n"},
				{OpDelete, "", "1", "", 3, `{"delete":{"_id":"1"}}` + "\r\n"},
			},
		},
		{
			name: "byte order mark and comments in an action line",
			body: "\xEF\xBB\xBF" + `{"index":/*x*/{"_index":"a"}} // trailing` + "\n{}\n",
			want: []bulkWant{{OpIndex, "a", "", "", 1, "\xEF\xBB\xBF" + `{"index":/*x*/{"_index":"a"}} // trailing` + "\n{}\n"}},
		},
		{
			name: "the line after an action is its source, whatever it holds",
			body: `{"index":{}}` + "\n\n" + `{"index":{}}` + "\n" + `{"delete":{}}` + "\n",
			want: []bulkWant{
				{OpIndex, "", "", "", 1, `{"index":{}}` + "\n\n"},
				{OpIndex, "", "", "", 3, `{"index":{}}` + "\n" + `{"delete":{}}` + "\n"},
			},
		},
		{
			name: "every accepted parameter",
			body: `{"index":{"_index":"a","_id":"1","routing":"r","if_seq_no":1,"if_primary_term":"2","version":3,` +
				`"version_type":"external_gte","pipeline":"p","op_type":"index","require_alias":"true",` +
				`"require_data_stream":false,"list_executed_pipelines":"","_source":{"includes":["a"],"exclude":"b"},` +
				`"dynamic_templates":{"f":"t","g":1},"retry_on_conflict":"3"}}` + "\n{}\n",
			want: []bulkWant{{OpIndex, "a", "1", "p", 1, ""}},
		},
		{
			name: "_source as a boolean or a string, null parameters ignored",
			body: `{"update":{"_id":"1","_source":true,"unknown":null,"_type":null}}` + "\n{}\n" +
				`{"update":{"_id":"2","_source":"f","version":-3,"version_type":"internal","dynamic_templates":{}}}` + "\n{}\n",
			want: []bulkWant{{OpUpdate, "", "1", "", 1, ""}, {OpUpdate, "", "2", "", 3, ""}},
		},
		{
			name: "numbers that Jackson coerces",
			body: `{"index":{"version":1.9e3,"if_seq_no":"1.5","if_primary_term":"12e1","retry_on_conflict":2.5}}` + "\n{}\n" +
				`{"update":{"_id":"1","version":-3.7,"retry_on_conflict":" 4 "}}` + "\n{}\n",
			want: []bulkWant{{OpIndex, "", "", "", 1, ""}, {OpUpdate, "", "1", "", 3, ""}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			items, err := scanBulkAll(t, tt.body, tt.def)
			if err != nil {
				t.Fatalf("ScanBulk: %v", err)
			}
			if len(items) != len(tt.want) {
				t.Fatalf("got %d items, want %d: %+v", len(items), len(tt.want), items)
			}
			for i, w := range tt.want {
				it := items[i]
				if it.Op != w.op || it.Index != w.index || it.ID != w.id || it.Pipeline != w.pipe || it.Line != w.line {
					t.Errorf("item %d = %+v, want %+v", i, it, w)
				}
				if w.text != "" && tt.body[it.Start:it.End] != w.text {
					t.Errorf("item %d range = %q, want %q", i, tt.body[it.Start:it.End], w.text)
				}
			}
		})
	}
}

func TestScanBulkErrors(t *testing.T) {
	t.Parallel()
	const (
		iae   = "illegal_argument_exception"
		xpe   = "x_content_parse_exception"
		eof   = "x_content_e_o_f_exception"
		parse = "parse_exception"
		nfe   = "number_format_exception"
		val   = "action_request_validation_exception"
	)
	src := "\n{}\n"
	tests := []struct {
		name, body, typ, reason string
	}{
		{"empty body", "", parse, "request body is required"},
		{"only blank lines", "\n \n", val, "Validation Failed: 1: no requests added;"},
		{"last source line without newline", `{"index":{}}` + "\n{}", iae, `The bulk request must be terminated by a newline [\n]`},
		{"last action line without newline", `{"delete":{}}`, iae, `The bulk request must be terminated by a newline [\n]`},
		{"missing source line", `{"delete":{}}` + "\n" + `{"update":{"_id":"1"}}` + "\n", iae,
			"Action/metadata line [2] has no source line: the update action requires one"},
		{"array action line", "[]\n", iae, "Malformed action/metadata line [1], expected START_OBJECT but found [START_ARRAY]"},
		{"string action line", "\"index\"\n", iae, "Malformed action/metadata line [1], expected START_OBJECT but found [VALUE_STRING]"},
		{"empty object", "{}\n", iae, "Malformed action/metadata line [1], expected FIELD_NAME but found [END_OBJECT]"},
		{"unknown action", `{"upsert":{}}` + src, iae,
			"Malformed action/metadata line [1], expected field [create], [delete], [index] or [update] but found [upsert]"},
		{"action is case sensitive", `{"Index":{}}` + src, iae,
			"Malformed action/metadata line [1], expected field [create], [delete], [index] or [update] but found [Index]"},
		{"null parameters", `{"index":null}` + src, iae,
			"Malformed action/metadata line [1], expected START_OBJECT or END_OBJECT but found [VALUE_NULL]"},
		{"string parameters", `{"index":"a"}` + src, iae,
			"Malformed action/metadata line [1], expected START_OBJECT or END_OBJECT but found [VALUE_STRING]"},
		{"unknown parameter", `{"index":{"foo":1}}` + src, iae, "Action/metadata line [1] contains an unknown parameter [foo]"},
		{"_type is refused", `{"index":{"_type":"_doc"}}` + src, iae, "Action/metadata line [1] contains an unknown parameter [_type]"},
		{"dynamic_templates as a value", `{"index":{"dynamic_templates":"x"}}` + src, iae,
			"Action/metadata line [1] contains an unknown parameter [dynamic_templates]"},
		{"line numbers count source lines", `{"index":{}}` + src + "\n" + `{"index":{"Routing":"r"}}` + src, iae,
			"Action/metadata line [4] contains an unknown parameter [Routing]"},
		{"array parameter", `{"index":{"_index":["a"]}}` + src, iae,
			"Malformed action/metadata line [1], expected a simple value for field [_index] but found [START_ARRAY]"},
		{"object parameter", `{"index":{"_index":{"a":1}}}` + src, iae,
			"Malformed action/metadata line [1], expected a simple value for field [_index] but found [START_OBJECT]"},
		{"_source array", `{"index":{"_source":["a"]}}` + src, iae,
			"Malformed action/metadata line [1], expected a simple value for field [_source] but found [START_ARRAY]"},
		{"two actions", `{"index":{},"delete":{}}` + src, iae, "Malformed action/metadata line [1], expected END_OBJECT but found [FIELD_NAME]"},
		{"data after the object", `{"index":{}} {}` + src, iae, "Malformed action/metadata line [1], unexpected data after the closing brace"},
		{"number after the object", `{"delete":{}} 1` + "\n", iae, "Malformed action/metadata line [1], unexpected data after the closing brace"},
		{"unclosed action", `{"index":{}` + src, eof, "[1:12] Unexpected end of file"},
		{"unclosed string", `{"index":{"_index":"a}}` + src, eof, "[1:24] Unexpected end of file"},
		{"duplicate parameter", `{"index":{"_index":"a","_index":"b"}}` + src, xpe, "[1:24] Duplicate field '_index'"},
		{"duplicate parameter through an escape", `{"index":{"_id":"a","\u005fid":"b"}}` + src, xpe, "[1:21] Duplicate field '_id'"},
		{"duplicate action", `{"index":{},"index":{}}` + src, xpe, "[1:13] Duplicate field 'index'"},
		{"duplicate in dynamic_templates", `{"index":{"dynamic_templates":{"a":"x","a":"y"}}}` + src, xpe, "[1:40] Duplicate field 'a'"},
		{"bare word", `{"index":{"_index":abc}}` + src, xpe,
			"[1:20] Unrecognized token 'abc': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')"},
		{"single quotes", `{'index':{}}` + src, xpe,
			"[1:2] Unexpected character (''' (code 39)): was expecting double-quote to start field name"},
		{"trailing comma", `{"index":{"_id":"1",}}` + src, xpe,
			"[1:21] Unexpected character ('}' (code 125)): was expecting double-quote to start field name"},
		{"missing colon", `{"index" {}}` + src, xpe,
			"[1:10] Unexpected character ('{' (code 123)): was expecting a colon to separate field name and value"},
		{"leading zero", `{"index":{"version":01}}` + src, xpe, "[1:22] Invalid numeric value: Leading zeroes not allowed"},
		{"control character in a string", "{\"index\":{\"_index\":\"a\tb\"}}" + src, xpe,
			"[1:22] Illegal unquoted character ((CTRL-CHAR, code 9)): has to be escaped using backslash to be included in string value"},
		{"bad escape", `{"index":{"_index":"a\x"}}` + src, xpe, "[1:23] Unrecognized character escape 'x' (code 120)"},
		{"invalid UTF-8", "{\"index\":{\"_index\":\"\xff\"}}" + src, xpe, "[1:21] Invalid UTF-8 start byte 0xff"},
		{"unpaired surrogate", `{"index":{"_index":"\ud800"}}` + src, xpe, "[1:20] Invalid string value: unpaired UTF-16 surrogate"},
		{"bad comment", `{"index":{}} /x` + src, xpe, "[1:15] Unexpected character ('x' (code 120)): was expecting either '*' or '/' for a comment"},
		{"unclosed comment", `{"index":{}} /* x` + src, eof, "[1:18] Unexpected end of file"},
		{"NUL between tokens", "{\"index\":\x00{}}" + src, xpe,
			`[1:10] Illegal character ((CTRL-CHAR, code 0)): only regular white space (\r, \n, \t) is allowed between tokens`},
		{"versioned update", `{"update":{"_id":"1","version":2}}` + src, iae,
			"Update requests do not support versioning. Please use `if_seq_no` and `if_primary_term` instead"},
		{"external update", `{"update":{"_id":"1","version_type":"external"}}` + src, iae,
			"Update requests do not support versioning. Please use `if_seq_no` and `if_primary_term` instead"},
		{"update requiring a data stream", `{"update":{"_id":"1","require_data_stream":"true"}}` + src, iae,
			"Update requests do not support the `require_data_stream` flag, as data streams do not support update operations"},
		{"update with dynamic templates", `{"delete":{}}` + "\n" + `{"update":{"dynamic_templates":{"a":"b"}}}` + src, iae,
			"Update request in line [2] does not accept dynamic_templates"},
		{"delete with dynamic templates", `{"delete":{"dynamic_templates":{"a":"b"}}}` + "\n", iae,
			"Delete request in line [1] does not accept dynamic_templates"},
		{"unknown version type", `{"index":{"version_type":"force"}}` + src, iae, "No version type match [force]"},
		{"version not a number", `{"index":{"version":"abc"}}` + src, iae, `For input string: "abc"`},
		{"version out of range as a string", `{"index":{"version":"1e30"}}` + src, iae, "Value [1e30] is out of range for a long"},
		{"version with a huge exponent", `{"index":{"version":"0e-99"}}` + src, iae, ""},
		{"version out of range as a number", `{"index":{"version":99999999999999999999}}` + src, xpe,
			"[1:21] Numeric value (99999999999999999999) out of range of long (-9223372036854775808 - 9223372036854775807)"},
		{"version as a boolean", `{"index":{"version":true}}` + src, xpe,
			"[1:21] Current token (VALUE_TRUE) not numeric, can not use numeric value accessors"},
		{"retry_on_conflict not a number", `{"update":{"retry_on_conflict":"abc"}}` + src, nfe, `For input string: "abc"`},
		{"retry_on_conflict empty", `{"update":{"retry_on_conflict":""}}` + src, nfe, "empty String"},
		{"retry_on_conflict out of range", `{"update":{"retry_on_conflict":"3e10"}}` + src, iae, "Value [3e10] is out of range for an integer"},
		{"retry_on_conflict number out of range", `{"update":{"retry_on_conflict":3000000000}}` + src, xpe,
			"[1:32] Numeric value (3000000000) out of range of int (-2147483648 - 2147483647)"},
		{"boolean parameter as a word", `{"index":{"require_alias":"yes"}}` + src, iae,
			"Failed to parse value [yes] as only [true] or [false] are allowed."},
		{"boolean parameter as a number", `{"index":{"list_executed_pipelines":1}}` + src, xpe,
			"[1:37] Current token (VALUE_NUMBER_INT) not of boolean type"},
		{"_source as a number", `{"index":{"_source":1}}` + src, parse, "could not parse bulk request body"},
		{"_source with an unknown key", `{"index":{"_source":{"fields":["a"]}}}` + src, parse, "could not parse bulk request body"},
		{"_source with a number in its list", `{"index":{"_source":{"includes":[1]}}}` + src, parse, "could not parse bulk request body"},
		{"dynamic_templates holding an object", `{"index":{"dynamic_templates":{"a":{}}}}` + src, iae, "Expected text at 1:36 but found START_OBJECT"},
		{"dynamic_templates holding null", `{"index":{"dynamic_templates":{"a":null}}}` + src, iae, "Expected text at 1:36 but found VALUE_NULL"},
		{"an error in a later line wins only if the earlier lines are good", `{"index":{"x":1}}` + "\n" + `{"index":{"y":1}}` + "\n", iae,
			"Action/metadata line [1] contains an unknown parameter [x]"},
		{"the first problem of a line wins", `{"index":{"foo":1,"_index":}}` + src, iae,
			"Action/metadata line [1] contains an unknown parameter [foo]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := scanBulkAll(t, tt.body, "")
			if tt.reason == "" {
				// Accepted: the exponent makes the scale exceed 19, so the value is 0.
				if err != nil {
					t.Fatalf("ScanBulk: %v, want no error", err)
				}
				return
			}
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

func TestScanBulkVisitError(t *testing.T) {
	t.Parallel()
	stop := errors.New("stop")
	n := 0
	body := `{"delete":{"_id":"1"}}` + "\n" + `{"delete":{"_id":"2"}}` + "\n"
	err := ScanBulk([]byte(body), "", func(BulkItem) error {
		n++
		return stop
	})
	if !errors.Is(err, stop) || n != 1 {
		t.Fatalf("err = %v after %d visits, want stop after 1", err, n)
	}
}

// TestScanBulkRangesCoverBody checks that the items' ranges, in order, are the body
// without the action-position lines that hold no token.
func TestScanBulkRangesCoverBody(t *testing.T) {
	t.Parallel()
	lines := []string{
		"", `{"index":{"_index":"a"}}`, `{"f":1}`, "  ", `{"delete":{"_id":"1"}}`, "/* */",
		`{"create":{}}`, "", `{"update":{"_id":"2"}}`, `{"doc":{}}`, "\r", `{"delete":{"_id":"3"}}` + "\r",
	}
	skipped := map[int]bool{0: true, 3: true, 5: true, 10: true}
	body := strings.Join(lines, "\n") + "\n"
	var want strings.Builder
	for i, l := range lines {
		if !skipped[i] {
			want.WriteString(l + "\n")
		}
	}
	items, err := scanBulkAll(t, body, "")
	if err != nil {
		t.Fatal(err)
	}
	var got strings.Builder
	prev := 0
	for _, it := range items {
		if it.Start < prev || it.End <= it.Start {
			t.Fatalf("range [%d,%d) after %d", it.Start, it.End, prev)
		}
		got.WriteString(body[it.Start:it.End])
		prev = it.End
	}
	if got.String() != want.String() {
		t.Errorf("ranges give %q\nwant %q", got.String(), want.String())
	}
}

func TestBulkOpString(t *testing.T) {
	t.Parallel()
	for op, want := range map[BulkOp]string{OpIndex: "index", OpCreate: "create", OpUpdate: "update", OpDelete: "delete", 9: "BulkOp(9)"} {
		if got := op.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", op, got, want)
		}
	}
}

func TestScanBulkInternsIndexNames(t *testing.T) {
	body := strings.Repeat(`{"index":{"_index":"shared","pipeline":"p"}}`+"\n{}\n", 50)
	allocs := testing.AllocsPerRun(20, func() {
		_ = ScanBulk([]byte(body), "", func(BulkItem) error { return nil })
	})
	// The scanner, its lexer buffers and one string per distinct name; nothing per item.
	if allocs > 12 {
		t.Errorf("ScanBulk allocated %.0f times for 50 items without ids", allocs)
	}
}
