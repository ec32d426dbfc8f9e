package bound

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

var (
	pathScrollIDResp = []string{"_scroll_id"}
	pathScrollIDReq  = []string{"scroll_id"}
	pathPITReq       = []string{"pit", "id"}
	pathPITResp      = []string{"pit_id"}
	pathID           = []string{"id"}
	pathCursor       = []string{"cursor"}
)

// mark replaces a value with "<path:value>".
func mark(path []string, v string) (string, error) {
	return "<" + strings.Join(path, ".") + ":" + v + ">", nil
}

func identity(_ []string, v string) (string, error) { return v, nil }

func TestRewriteStrings(t *testing.T) {
	tests := []struct {
		name  string
		body  string
		paths [][]string
		want  string // "" means unchanged
		found bool
	}{
		{
			name:  "scroll search response, id first as Elasticsearch writes it",
			body:  `{"_scroll_id":"` + esScrollID + `","took":3,"timed_out":false,"_shards":{"total":1,"successful":1,"skipped":0,"failed":0},"hits":{"total":{"value":2,"relation":"eq"},"max_score":1.0,"hits":[{"_index":"logs","_id":"1","_score":1.0,"_source":{"id":"doc","_scroll_id":"nested"}}]}}`,
			paths: [][]string{pathScrollIDResp, pathPITResp},
			want:  `{"_scroll_id":"<_scroll_id:` + esScrollID + `>","took":3,"timed_out":false,"_shards":{"total":1,"successful":1,"skipped":0,"failed":0},"hits":{"total":{"value":2,"relation":"eq"},"max_score":1.0,"hits":[{"_index":"logs","_id":"1","_score":1.0,"_source":{"id":"doc","_scroll_id":"nested"}}]}}`,
			found: true,
		},
		{
			name:  "search response with pit_id",
			body:  `{"pit_id":"` + esPITID + `","took":1,"timed_out":false,"_shards":{"total":1,"successful":1,"skipped":0,"failed":0},"hits":{"total":{"value":0,"relation":"eq"},"max_score":null,"hits":[]}}`,
			paths: [][]string{pathScrollIDResp, pathPITResp},
			want:  `{"pit_id":"<pit_id:` + esPITID + `>","took":1,"timed_out":false,"_shards":{"total":1,"successful":1,"skipped":0,"failed":0},"hits":{"total":{"value":0,"relation":"eq"},"max_score":null,"hits":[]}}`,
			found: true,
		},
		{
			name:  "open point in time response",
			body:  "{\n  \"id\" : \"" + esPITID + "\",\n  \"_shards\" : {\n    \"total\" : 1,\n    \"successful\" : 1,\n    \"skipped\" : 0,\n    \"failed\" : 0\n  }\n}\n",
			paths: [][]string{pathID},
			want:  "{\n  \"id\" : \"<id:" + esPITID + ">\",\n  \"_shards\" : {\n    \"total\" : 1,\n    \"successful\" : 1,\n    \"skipped\" : 0,\n    \"failed\" : 0\n  }\n}\n",
			found: true,
		},
		{
			name:  "async search response",
			body:  `{"id":"` + esAsyncID + `","is_partial":true,"is_running":true,"start_time_in_millis":1583945890986,"expiration_time_in_millis":1584377890986,"response":{"took":1122,"timed_out":false,"num_reduce_phases":0,"_shards":{"total":562,"successful":3,"skipped":0,"failed":0},"hits":{"total":{"value":157483,"relation":"gte"},"max_score":null,"hits":[{"_id":"x","_source":{"id":"not me"}}]}}}`,
			paths: [][]string{pathID},
			want:  `{"id":"<id:` + esAsyncID + `>","is_partial":true,"is_running":true,"start_time_in_millis":1583945890986,"expiration_time_in_millis":1584377890986,"response":{"took":1122,"timed_out":false,"num_reduce_phases":0,"_shards":{"total":562,"successful":3,"skipped":0,"failed":0},"hits":{"total":{"value":157483,"relation":"gte"},"max_score":null,"hits":[{"_id":"x","_source":{"id":"not me"}}]}}}`,
			found: true,
		},
		{
			name:  "async search response that is not stored",
			body:  `{"is_partial":false,"is_running":false,"response":{"took":5,"hits":{"hits":[]}}}`,
			paths: [][]string{pathID},
		},
		{
			name:  "SQL response",
			body:  `{"columns":[{"name":"author","type":"text"},{"name":"page_count","type":"short"}],"rows":[["Peter F. Hamilton",1056],["Vernor Vinge",335]],"cursor":"` + esCursor + `"}`,
			paths: [][]string{pathCursor, pathID},
			want:  `{"columns":[{"name":"author","type":"text"},{"name":"page_count","type":"short"}],"rows":[["Peter F. Hamilton",1056],["Vernor Vinge",335]],"cursor":"<cursor:` + esCursor + `>"}`,
			found: true,
		},
		{
			name:  "scroll request",
			body:  `{"scroll":"1m","scroll_id":"x"}`,
			paths: [][]string{pathScrollIDReq},
			want:  `{"scroll":"1m","scroll_id":"<scroll_id:x>"}`,
			found: true,
		},
		{
			name:  "clear scroll request with an array",
			body:  `{ "scroll_id" : [ "a" , "b" ] }`,
			paths: [][]string{pathScrollIDReq},
			want:  `{ "scroll_id" : [ "<scroll_id:a>" , "<scroll_id:b>" ] }`,
			found: true,
		},
		{
			name:  "clear scroll request with an empty array",
			body:  `{"scroll_id":[]}`,
			paths: [][]string{pathScrollIDReq},
		},
		{
			name:  "search request with pit",
			body:  `{"size":100,"query":{"match":{"title":"elasticsearch"}},"pit":{"id":"x","keep_alive":"1m"},"sort":[{"@timestamp":{"order":"asc"}}]}`,
			paths: [][]string{pathPITReq},
			want:  `{"size":100,"query":{"match":{"title":"elasticsearch"}},"pit":{"id":"<pit.id:x>","keep_alive":"1m"},"sort":[{"@timestamp":{"order":"asc"}}]}`,
			found: true,
		},
		{
			name:  "search request without pit",
			body:  `{"query":{"match_all":{}},"id":"not a path here"}`,
			paths: [][]string{pathPITReq},
		},
		{
			name:  "pit object without id",
			body:  `{"pit":{"keep_alive":"1m"}}`,
			paths: [][]string{pathPITReq},
		},
		{
			name:  "close point in time request",
			body:  `{"id":"x"}`,
			paths: [][]string{pathID},
			want:  `{"id":"<id:x>"}`,
			found: true,
		},
		{
			name:  "SQL request with cursor",
			body:  `{"cursor":"c","columnar":false}`,
			paths: [][]string{pathCursor},
			want:  `{"cursor":"<cursor:c>","columnar":false}`,
			found: true,
		},
		{
			name:  "several paths in one body",
			body:  `{"pit":{"id":"p"},"scroll_id":["s1"],"cursor":"c"}`,
			paths: [][]string{pathPITReq, pathScrollIDReq, pathCursor},
			want:  `{"pit":{"id":"<pit.id:p>"},"scroll_id":["<scroll_id:s1>"],"cursor":"<cursor:c>"}`,
			found: true,
		},
		{
			name:  "the same path twice",
			body:  `{"id":"x"}`,
			paths: [][]string{pathID, {"id"}},
			want:  `{"id":"<id:x>"}`,
			found: true,
		},
		{
			name:  "escaped key",
			body:  `{"scroll\u005fid":"x"}`,
			paths: [][]string{pathScrollIDReq},
			want:  `{"scroll\u005fid":"<scroll_id:x>"}`,
			found: true,
		},
		{
			name:  "escaped value decoded before and encoded after",
			body:  `{"scroll_id":"\u0041\"\\\/\n\u00e9\ud83d\ude00"}`,
			paths: [][]string{pathScrollIDReq},
			want:  `{"scroll_id":"<scroll_id:A\"\\/\né😀>"}`,
			found: true,
		},
		{
			name:  "whitespace everywhere",
			body:  " \r\n\t{ \"scroll\" :\t\"1m\" ,\n \"scroll_id\"\n:\n\"x\"\n}\n ",
			paths: [][]string{pathScrollIDReq},
			want:  " \r\n\t{ \"scroll\" :\t\"1m\" ,\n \"scroll_id\"\n:\n\"<scroll_id:x>\"\n}\n ",
			found: true,
		},
		{
			name:  "no paths",
			body:  `[1,{"a":"b"}]`,
			paths: nil,
		},
		{
			name:  "empty object",
			body:  `{}`,
			paths: [][]string{pathScrollIDReq},
		},
		{
			name:  "duplicates where no path leads are left alone",
			body:  `{"query":{"term":{"a":1,"a":2}},"scroll_id":"x"}`,
			paths: [][]string{pathScrollIDReq},
			want:  `{"query":{"term":{"a":1,"a":2}},"scroll_id":"<scroll_id:x>"}`,
			found: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, found, err := RewriteStrings([]byte(tt.body), tt.paths, mark)
			if err != nil {
				t.Fatal(err)
			}
			want := tt.want
			if want == "" {
				want = tt.body
			}
			if string(got) != want {
				t.Errorf("got  %s\nwant %s", got, want)
			}
			if found != tt.found {
				t.Errorf("found = %v, want %v", found, tt.found)
			}
			if !json.Valid(got) {
				t.Errorf("output is not valid JSON: %s", got)
			}
			same, _, err := RewriteStrings([]byte(tt.body), tt.paths, identity)
			if err != nil || string(same) != tt.body {
				t.Errorf("identity rewrite: %s, %v", same, err)
			}
		})
	}
}

func TestRewriteStringsEncodesReplacement(t *testing.T) {
	body := []byte(`{"id":"x"}`)
	repl := "q\"b\\s\n\t\x01<>&\u2028\xffé"
	got, _, err := RewriteStrings(body, [][]string{pathID}, func([]string, string) (string, error) { return repl, nil })
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":"q\"b\\s\n\t\u0001<>&\u2028\ufffdé"}`
	if string(got) != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	var v struct{ ID string }
	if err := json.Unmarshal(got, &v); err != nil {
		t.Fatal(err)
	}
	if v.ID != strings.ToValidUTF8(repl, "\ufffd") {
		t.Errorf("decoded %q", v.ID)
	}
}

func TestRewriteStringsWrapsIDs(t *testing.T) {
	b := newTestBinder(t, 0)
	resp := []byte(`{"_scroll_id":"` + esScrollID + `","took":1,"hits":{"hits":[]}}`)
	wrapped, found, err := RewriteStrings(resp, [][]string{pathScrollIDResp}, func(_ []string, id string) (string, error) {
		return b.Wrap(Scroll, alice, id), nil
	})
	if err != nil || !found {
		t.Fatal(found, err)
	}
	var r struct {
		ScrollID string `json:"_scroll_id"`
	}
	if err := json.Unmarshal(wrapped, &r); err != nil {
		t.Fatal(err)
	}
	req := []byte(`{"scroll":"1m","scroll_id":"` + r.ScrollID + `"}`)
	unwrap := func(_ []string, id string) (string, error) { return b.Unwrap(Scroll, alice, id) }
	plain, _, err := RewriteStrings(req, [][]string{pathScrollIDReq}, unwrap)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"scroll":"1m","scroll_id":"` + esScrollID + `"}`; string(plain) != want {
		t.Errorf("got %s, want %s", plain, want)
	}
	_, _, err = RewriteStrings(req, [][]string{pathScrollIDReq}, func(_ []string, id string) (string, error) {
		return b.Unwrap(Scroll, "native\x00mallory", id)
	})
	if !errors.Is(err, ErrForeign) {
		t.Errorf("another owner's scroll id: %v, want ErrForeign", err)
	}
}

func TestRewriteStringsBigResponse(t *testing.T) {
	body, id := bigSearchResponse(20000)
	paths := [][]string{pathScrollIDResp, pathPITResp}
	got, found, err := RewriteStrings(body, paths, func(_ []string, v string) (string, error) {
		if v != id {
			return "", fmt.Errorf("unexpected value %q", v)
		}
		return "wrapped", nil
	})
	if err != nil || !found {
		t.Fatal(found, err)
	}
	want := bytes.Replace(body, []byte(`"_scroll_id":"`+id+`"`), []byte(`"_scroll_id":"wrapped"`), 1)
	if !bytes.Equal(got, want) {
		t.Fatal("big response changed outside the scroll id")
	}

	// Values are skipped, not decoded: allocations do not grow with the hits.
	allocs := testing.AllocsPerRun(5, func() {
		if _, _, err := RewriteStrings(body, paths, identity); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 20 {
		t.Errorf("%v allocations for an unchanged big response", allocs)
	}
}

// bigSearchResponse returns a search response with n hits and the scroll id at
// the end, after the hits.
func bigSearchResponse(n int) ([]byte, string) {
	var b bytes.Buffer
	b.WriteString(`{"took":12,"timed_out":false,"_shards":{"total":5,"successful":5,"skipped":0,"failed":0},"hits":{"total":{"value":`)
	fmt.Fprint(&b, n)
	b.WriteString(`,"relation":"eq"},"max_score":1.0,"hits":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"_index":"logs-%d","_id":"%d","_score":1.0,"_source":{"id":"doc %d","_scroll_id":"in a document","message":"caf\u00e9 \"quoted\" \\ text","tags":["a","b"],"n":-1.5e3,"ok":true,"none":null,"pit":{"id":"x"}}}`, i%7, i, i)
	}
	b.WriteString(`]},"_scroll_id":"` + esScrollID + `"}`)
	return b.Bytes(), esScrollID
}

func BenchmarkRewriteStringsBigResponse(b *testing.B) {
	body, _ := bigSearchResponse(20000)
	paths := [][]string{pathScrollIDResp, pathPITResp}
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, _, err := RewriteStrings(body, paths, func([]string, string) (string, error) { return "wrapped", nil }); err != nil {
			b.Fatal(err)
		}
	}
}

func TestRewriteStringsErrors(t *testing.T) {
	tests := []struct {
		name  string
		body  string
		paths [][]string
		want  error
	}{
		{"duplicate path key", `{"scroll_id":"a","scroll_id":"b"}`, [][]string{pathScrollIDReq}, ErrDuplicateKey},
		{"duplicate path key escaped", `{"scroll_id":"a","scroll\u005fid":"b"}`, [][]string{pathScrollIDReq}, ErrDuplicateKey},
		{"duplicate other key at the top level", `{"scroll":"1m","scroll":"2m","scroll_id":"a"}`, [][]string{pathScrollIDReq}, ErrDuplicateKey},
		{"duplicate intermediate key", `{"pit":{"id":"a"},"pit":{"id":"b"}}`, [][]string{pathPITReq}, ErrDuplicateKey},
		{"duplicate key in an object along a path", `{"pit":{"id":"a","id":"b"}}`, [][]string{pathPITReq}, ErrDuplicateKey},
		{"duplicate after the value", `{"id":"a","x":1,"id":"a"}`, [][]string{pathID}, ErrDuplicateKey},
		{"number", `{"scroll_id":1}`, [][]string{pathScrollIDReq}, ErrType},
		{"null", `{"scroll_id":null}`, [][]string{pathScrollIDReq}, ErrType},
		{"boolean", `{"scroll_id":true}`, [][]string{pathScrollIDReq}, ErrType},
		{"object", `{"scroll_id":{"id":"x"}}`, [][]string{pathScrollIDReq}, ErrType},
		{"number in an array", `{"scroll_id":["a",1]}`, [][]string{pathScrollIDReq}, ErrType},
		{"nested array", `{"scroll_id":[["a"]]}`, [][]string{pathScrollIDReq}, ErrType},
		{"intermediate string", `{"pit":"x"}`, [][]string{pathPITReq}, ErrType},
		{"intermediate null", `{"pit":null}`, [][]string{pathPITReq}, ErrType},
		{"intermediate array", `{"pit":[{"id":"x"}]}`, [][]string{pathPITReq}, ErrType},
		{"top level array", `["x"]`, [][]string{pathScrollIDReq}, ErrType},
		{"top level string", `"x"`, [][]string{pathScrollIDReq}, ErrType},
		{"conflicting paths", `{"pit":"x"}`, [][]string{{"pit"}, pathPITReq}, ErrType},
		{"empty body", ``, [][]string{pathScrollIDReq}, ErrSyntax},
		{"spaces only", " \n", [][]string{pathScrollIDReq}, ErrSyntax},
		{"truncated", `{"scroll_id":"abc`, [][]string{pathScrollIDReq}, ErrSyntax},
		{"truncated after the value", `{"scroll_id":"abc"`, [][]string{pathScrollIDReq}, ErrSyntax},
		{"trailing data", `{"scroll_id":"abc"} {}`, [][]string{pathScrollIDReq}, ErrSyntax},
		{"trailing comma", `{"scroll_id":"abc",}`, [][]string{pathScrollIDReq}, ErrSyntax},
		{"single quotes", `{'scroll_id':'abc'}`, [][]string{pathScrollIDReq}, ErrSyntax},
		{"bad escape", `{"scroll_id":"\x"}`, [][]string{pathScrollIDReq}, ErrSyntax},
		{"short unicode escape", `{"scroll_id":"\u12"}`, [][]string{pathScrollIDReq}, ErrSyntax},
		{"control character", "{\"scroll_id\":\"a\nb\"}", [][]string{pathScrollIDReq}, ErrSyntax},
		{"bad literal elsewhere", `{"a":nul,"scroll_id":"x"}`, [][]string{pathScrollIDReq}, ErrSyntax},
		{"bad number elsewhere", `{"a":01,"scroll_id":"x"}`, [][]string{pathScrollIDReq}, ErrSyntax},
		{"bad number exponent", `{"a":1e,"scroll_id":"x"}`, [][]string{pathScrollIDReq}, ErrSyntax},
		{"bad nested value", `{"scroll_id":"x","hits":{"hits":[1,]}}`, [][]string{pathScrollIDReq}, ErrSyntax},
		{"missing colon", `{"scroll_id" "x"}`, [][]string{pathScrollIDReq}, ErrSyntax},
		{"unquoted key", `{scroll_id:"x"}`, [][]string{pathScrollIDReq}, ErrSyntax},
		{"bad array separator", `{"scroll_id":["a" "b"]}`, [][]string{pathScrollIDReq}, ErrSyntax},
		{"invalid value no paths", `{"a":x}`, nil, ErrSyntax},
		{"too deep", `{"a":` + strings.Repeat("[", maxDepth) + strings.Repeat("]", maxDepth) + `}`, [][]string{pathScrollIDReq}, ErrSyntax},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			called := false
			got, found, err := RewriteStrings([]byte(tt.body), tt.paths, func(p []string, v string) (string, error) {
				called = true
				return mark(p, v)
			})
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if got != nil || found {
				t.Errorf("on error got %q, %v", got, found)
			}
			if tt.want == ErrSyntax && json.Valid([]byte(tt.body)) {
				t.Errorf("syntax error for valid JSON")
			}
			_ = called
		})
	}
}

func TestRewriteStringsDepthLimit(t *testing.T) {
	ok := `{"a":` + strings.Repeat("[", maxDepth-1) + strings.Repeat("]", maxDepth-1) + `,"id":"x"}`
	if !json.Valid([]byte(ok)) {
		t.Fatal("test body should be valid")
	}
	if _, _, err := RewriteStrings([]byte(ok), [][]string{pathID}, mark); err != nil {
		t.Fatal(err)
	}
}

func TestRewriteStringsEmptyPath(t *testing.T) {
	if _, _, err := RewriteStrings([]byte(`{}`), [][]string{{}}, mark); err == nil {
		t.Fatal("empty path accepted")
	}
}

func TestRewriteStringsCallbackError(t *testing.T) {
	boom := errors.New("boom")
	_, found, err := RewriteStrings([]byte(`{"scroll_id":["a","b"]}`), [][]string{pathScrollIDReq}, func(_ []string, v string) (string, error) {
		if v == "b" {
			return "", boom
		}
		return v + "!", nil
	})
	if !errors.Is(err, boom) || found {
		t.Fatalf("err = %v, found = %v", err, found)
	}
}

func TestRewriteStringsPassesPath(t *testing.T) {
	paths := [][]string{pathPITReq, pathScrollIDReq}
	var seen [][]string
	_, _, err := RewriteStrings([]byte(`{"scroll_id":"s","pit":{"id":"p"}}`), paths, func(p []string, v string) (string, error) {
		seen = append(seen, p)
		return v, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := [][]string{pathScrollIDReq, pathPITReq}; !reflect.DeepEqual(seen, want) {
		t.Errorf("paths seen %v, want %v", seen, want)
	}
	if &seen[0][0] != &pathScrollIDReq[0] {
		t.Error("f did not receive the caller's path slice")
	}
}

var fuzzPaths = [][]string{
	{"_scroll_id"}, {"scroll_id"}, {"pit", "id"}, {"pit_id"}, {"id"}, {"cursor"}, {"a", "b", "c"}, {"é"},
}

func FuzzRewriteStrings(f *testing.F) {
	seeds := []string{
		`{"scroll":"1m","scroll_id":"x"}`,
		`{"scroll_id":["a","b"]}`,
		`{"pit":{"id":"x","keep_alive":"1m"},"query":{"match_all":{}}}`,
		`{"id":"` + esPITID + `","_shards":{"total":1}}`,
		`{"columns":[{"name":"a","type":"text"}],"rows":[["x"]],"cursor":"` + esCursor + `"}`,
		`{"scroll\u005fid":"\u0041\"\\","a":{"b":{"c":["\ud83d\ude00"]}}}`,
		`{"scroll_id":"a","scroll_id":"b"}`,
		`{"scroll_id":1}`,
		`{"a":{"b":{"c":null}}}`,
		`{"é":"\xff\xfe"}`,
		`[1,2.5e-3,true,false,null,"x",{}]`,
		`{"a":-0.0E+1}`,
		`{"id":"x"} x`,
		`{"id":"x`,
		``,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	body, _ := bigSearchResponse(3)
	f.Add(body)
	transform := func(v string) string { return "<\"\\\n\u2028" + v + ">" }
	f.Fuzz(func(t *testing.T, in []byte) {
		orig := bytes.Clone(in)
		valid := json.Valid(in)

		// Identity: the output is the input, byte for byte.
		out, _, err := RewriteStrings(in, fuzzPaths, identity)
		if !bytes.Equal(in, orig) {
			t.Fatal("RewriteStrings modified its input")
		}
		checkErr(t, in, valid, err)
		if err == nil && !bytes.Equal(out, in) {
			t.Fatalf("identity rewrite changed %q into %q", in, out)
		}

		// A real change: the output decodes to the input with the values at
		// the paths transformed.
		calls := 0
		out2, found, err2 := RewriteStrings(in, fuzzPaths, func(_ []string, v string) (string, error) {
			calls++
			return transform(v), nil
		})
		if (err == nil) != (err2 == nil) {
			t.Fatalf("identity error %v, transform error %v", err, err2)
		}
		checkErr(t, in, valid, err2)
		if err2 != nil {
			return
		}
		if found != (calls > 0) {
			t.Fatalf("found = %v after %d calls", found, calls)
		}
		if !json.Valid(out2) {
			t.Fatalf("output is not valid JSON: %q", out2)
		}
		want := decodeAny(t, in)
		n := 0
		for _, p := range fuzzPaths {
			n += transformAt(want, p, transform)
		}
		if n != calls {
			t.Fatalf("%d values at the paths, f called %d times", n, calls)
		}
		if got := decodeAny(t, out2); !reflect.DeepEqual(got, want) {
			t.Fatalf("rewrite of %q\ngot  %#v\nwant %#v", in, got, want)
		}
	})
}

func checkErr(t *testing.T, in []byte, valid bool, err error) {
	t.Helper()
	switch {
	case !valid && err == nil:
		t.Fatalf("invalid JSON %q accepted", in)
	case valid && errors.Is(err, ErrSyntax):
		t.Fatalf("syntax error for valid JSON %q: %v", in, err)
	case err != nil && !errors.Is(err, ErrSyntax) && !errors.Is(err, ErrType) && !errors.Is(err, ErrDuplicateKey):
		t.Fatalf("unexpected error %v", err)
	}
}

func decodeAny(t *testing.T, b []byte) any {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatalf("decoding %q: %v", b, err)
	}
	return v
}

// transformAt applies tf to the string or strings at path in v and returns how
// many it changed.
func transformAt(v any, path []string, tf func(string) string) int {
	m, ok := v.(map[string]any)
	if !ok {
		return 0
	}
	x, ok := m[path[0]]
	if !ok {
		return 0
	}
	if len(path) > 1 {
		return transformAt(x, path[1:], tf)
	}
	switch x := x.(type) {
	case string:
		m[path[0]] = tf(x)
		return 1
	case []any:
		for i, e := range x {
			x[i] = tf(e.(string))
		}
		return len(x)
	}
	panic(fmt.Sprintf("unexpected %T at a path after a successful rewrite", x))
}
