package routes

import (
	"errors"
	"slices"
	"testing"
)

func TestMatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, method, path string
		route              string // "METHOD template"
		params             []Param
	}{
		{"literal beats param", "GET", "/_search", "GET /_search", nil},
		{"literal beats param below a param", "GET", "/logs/_search", "GET /{index}/_search", []Param{{"index", "logs"}}},
		{"literal data stream stats", "GET", "/_data_stream/_stats", "GET /_data_stream/_stats", nil},
		{"param beside a literal", "GET", "/_data_stream/logs", "GET /_data_stream/{name}", []Param{{"name", "logs"}}},
		{"PUT /_cluster falls through to create index", "PUT", "/_cluster", "PUT /{index}", []Param{{"index", "_cluster"}}},
		{"root", "GET", "/", "GET /", nil},
		{"date math with an escaped slash", "GET", "/%3Clogs-%7Bnow%2Fd%7D%3E,b/_search", "GET /{index}/_search", []Param{{"index", "<logs-{now/d}>,b"}}},
		{"empty path is the root", "HEAD", "", "HEAD /", nil},
		{"query string ignored", "GET", "/logs/_search?q=a/b", "GET /{index}/_search", []Param{{"index", "logs"}}},
		{"trailing slash ignored", "GET", "/_cluster/health/", "GET /_cluster/health", nil},
		{"empty first segment is an index", "GET", "//_search", "GET /{index}/_search", []Param{{"index", ""}}},
		{"comma list", "GET", "/a,b/_count", "GET /{index}/_count", []Param{{"index", "a,b"}}},
		{"params decoded once", "GET", "/a%2525/_doc/%C3%A9", "GET /{index}/_doc/{id}", []Param{{"index", "a%25"}, {"id", "é"}}},
		{"plus is not a space", "GET", "/a+b/_search", "GET /{index}/_search", []Param{{"index", "a+b"}}},
		{"date math", "GET", "/%3Clogs-%7Bnow%7D%3E/_search", "GET /{index}/_search", []Param{{"index", "<logs-{now}>"}}},
		// Literal segments are compared raw: an encoded _search is an index name.
		{"encoded literal is not the literal", "GET", "/_sear%63h", "GET /{index}", []Param{{"index", "_search"}}},
		{"encoded literal is a param value", "GET", "/_nodes/st%61ts", "GET /_nodes/{nodeId}", []Param{{"nodeId", "stats"}}},
		{"star finds the param child", "GET", "/*/_search", "GET /{index}/_search", []Param{{"index", "*"}}},
		{"different names at different places", "GET", "/logs/_alias/a1", "GET /{index}/_alias/{name}", []Param{{"index", "logs"}, {"name", "a1"}}},
		{"five params", "GET", "/logs/_mvt/geo/1/2/3", "GET /{index}/_mvt/{field}/{z}/{x}/{y}",
			[]Param{{"index", "logs"}, {"field", "geo"}, {"z", "1"}, {"x", "2"}, {"y", "3"}}},
	}
	tb := Default()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m, err := tb.Match(tt.method, tt.path)
			if err != nil {
				t.Fatalf("Match(%s %q): %v", tt.method, tt.path, err)
			}
			if got := m.Route.Method + " " + m.Route.Path; got != tt.route {
				t.Errorf("Match(%s %q) = %s, want %s", tt.method, tt.path, got, tt.route)
			}
			if got := m.Params(); !slices.Equal(got, tt.params) {
				t.Errorf("params = %q, want %q", got, tt.params)
			}
		})
	}
}

func TestMatchErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, method, path string
		allowed            []string // a *MethodNotAllowedError with these methods
		unknown            bool     // ErrUnknownRoute
		bad                string   // a *BadPathError with this reason
	}{
		{name: "method not allowed", method: "DELETE", path: "/_search", allowed: []string{"GET", "POST"}},
		{name: "HEAD is not derived from GET", method: "HEAD", path: "/logs/_search", allowed: []string{"GET", "POST"}},
		{name: "PATCH is not routed", method: "PATCH", path: "/", allowed: []string{"DELETE", "GET", "HEAD"}},
		{name: "OPTIONS is not answered", method: "OPTIONS", path: "/_search", allowed: []string{"GET", "POST"}},
		{name: "OPTIONS on an unknown path", method: "OPTIONS", path: "/_no/such/thing/here", allowed: nil},
		{name: "methods are case-sensitive", method: "get", path: "/_search", allowed: []string{"GET", "POST"}},
		{name: "unknown method, unknown path", method: "BREW", path: "/_no/such/thing/here", allowed: nil},
		{name: "unknown path", method: "GET", path: "/_no/such/thing/here", unknown: true},
		{name: "encoded literal is not the literal", method: "GET", path: "/logs/_sear%63h", unknown: true},
		{name: "valid method unknown path", method: "PATCH", path: "/_no/such/thing/here", unknown: true},
		{name: "too deep", method: "GET", path: "/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r", unknown: true},
		{name: "encoded slash", method: "GET", path: "/a%2Fb/_search", bad: "encoded '/' (%2F) is only accepted inside a date math index name: [a/b]"},
		{name: "encoded slash lower case", method: "GET", path: "/x/_doc/a%2fb", bad: "encoded '/' (%2F) is only accepted inside a date math index name: [a/b]"},
		{name: "encoded slash in date math and a name", method: "GET", path: "/%3Clogs-%7Bnow%2Fd%7D%3E,a%2Fb/_search", bad: "encoded '/' (%2F) is only accepted inside a date math index name: [<logs-{now/d}>,a/b]"},
		{name: "lone percent", method: "GET", path: "/a%/_search", bad: "unterminated escape sequence at end of string: a%"},
		{name: "half an escape", method: "GET", path: "/a%4/_search", bad: "partial escape sequence at end of string: a%4"},
		{name: "not hex", method: "GET", path: "/%zz/_search", bad: "invalid escape sequence `%zz' at index 0 of: %zz"},
		{name: "not UTF-8", method: "GET", path: "/%C3/_search", bad: "path segment is not valid UTF-8 once decoded: %C3"},
		{name: "malformed in a literal position", method: "GET", path: "/_cluster/%zz", bad: "invalid escape sequence `%zz' at index 0 of: %zz"},
		{name: "raw non-ASCII", method: "GET", path: "/é/_search", bad: "character 0xc3 at index 1 must be percent-encoded"},
		{name: "raw space", method: "GET", path: "/a b", bad: "character 0x20 at index 2 must be percent-encoded"},
	}
	tb := Default()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m, err := tb.Match(tt.method, tt.path)
			if m.Route != nil {
				t.Errorf("Match returned route %s %s with error %v", m.Route.Method, m.Route.Path, err)
			}
			var mna *MethodNotAllowedError
			var bad *BadPathError
			switch {
			case tt.unknown:
				if !errors.Is(err, ErrUnknownRoute) {
					t.Errorf("err = %v, want ErrUnknownRoute", err)
				}
			case tt.bad != "":
				if !errors.As(err, &bad) || bad.Reason != tt.bad || bad.Path != tt.path {
					t.Errorf("err = %#v, want BadPathError %q", err, tt.bad)
				}
			default:
				if !errors.As(err, &mna) || !slices.Equal(mna.Allowed, tt.allowed) || mna.Method != tt.method || mna.Path != tt.path {
					t.Errorf("err = %#v, want MethodNotAllowedError allowed %q", err, tt.allowed)
				}
			}
		})
	}
}

func TestMethodNotAllowedErrorText(t *testing.T) {
	t.Parallel()
	_, err := Default().Match("DELETE", "/_search")
	if want := "Incorrect HTTP method for uri [/_search] and method [DELETE], allowed: [GET, POST]"; err == nil || err.Error() != want {
		t.Errorf("err = %v, want %s", err, want)
	}
}

func TestIndices(t *testing.T) {
	t.Parallel()
	tests := []struct {
		method, path string
		want         []string
	}{
		{"GET", "/a,b/_search", []string{"a", "b"}},
		{"GET", "/a,,b/_search", []string{"a", "", "b"}}, // String.split keeps inner empties
		{"GET", "/,a/_search", []string{"", "a"}},
		{"GET", "/a,b,/_search", []string{"a", "b"}}, // and drops trailing ones
		{"GET", "/,/_search", nil},
		{"GET", "//_search", nil},
		{"GET", "/a%2Cb/_search", []string{"a", "b"}}, // split after decoding, as Elasticsearch does
		{"GET", "/-a,*/_search", []string{"-a", "*"}},
		{"GET", "/_search", nil},                           // SourceNone
		{"POST", "/_reindex", nil},                         // SourceBody
		{"POST", "/a,b/_bulk", []string{"a", "b"}},         // SourcePathAndBody
		{"GET", "/_data_stream/ds-*", []string{"ds-*"}},    // path:name
		{"POST", "/_create_from/src/dst", []string{"src"}}, // path:source
		{"GET", "/_cat/segments/a,b", []string{"a", "b"}},  // path:index on a cluster action
		{"GET", "/logs/_alias/a1", []string{"logs"}},       // the index, not the alias
		{"PUT", "/_cluster", []string{"_cluster"}},         // create index fall-through
		{"GET", "/%3Clogs-%7Bnow%7D%3E/_search", []string{"<logs-{now}>"}},
	}
	tb := Default()
	for _, tt := range tests {
		m, err := tb.Match(tt.method, tt.path)
		if err != nil {
			t.Errorf("%s %s: %v", tt.method, tt.path, err)
			continue
		}
		if got := m.Indices(); !slices.Equal(got, tt.want) || (got == nil) != (tt.want == nil) {
			t.Errorf("%s %s: Indices() = %q, want %q", tt.method, tt.path, got, tt.want)
		}
	}
	var zero Match
	if zero.Indices() != nil || len(zero.Params()) != 0 {
		t.Error("zero Match has indices or params")
	}
	if _, ok := zero.Param("index"); ok {
		t.Error("zero Match has a param")
	}
}
