package routes

import (
	"regexp"
	"strings"
	"testing"
)

func TestEmbeddedTableParses(t *testing.T) {
	t.Parallel()
	tb, err := parseTable(es95)
	if err != nil {
		t.Fatal(err)
	}
	rows := strings.Split(strings.TrimSuffix(es95, "\n"), "\n")[1:]
	if len(tb.routes) != 913 || len(rows) != 913 {
		t.Fatalf("%d routes from %d rows, want 913", len(tb.routes), len(rows))
	}
	most, nameOnly, also := 0, 0, 0
	for i, r := range tb.Routes() {
		f := strings.Split(rows[i], "\t")
		if r.Method != f[0] || r.Path != f[1] || r.IndexSourceText() != f[3] || r.Handler != f[4] || r.Notes != f[5] {
			t.Errorf("route %d is %+v, row is %q", i, r, rows[i])
		}
		if want := f[2]; r.Action != want && !(want == "-" && r.Action == "") {
			t.Errorf("route %d: action %q, row has %q", i, r.Action, want)
		}
		most = max(most, len(r.params))
		if r.nameOnly {
			nameOnly++
		}
		if len(r.also) > 0 {
			also++
		}
	}
	// The notes mark 71 name-only rows, 17 continuation rows ("not an IndicesRequest")
	// and 28 rows with also=, one of them alternatives.
	if nameOnly != 71+17 || also != 27 {
		t.Errorf("%d name-only rows and %d rows with further actions, want 88 and 27", nameOnly, also)
	}
	if most != maxParams {
		t.Errorf("the most parameters in a template is %d; maxParams is %d", most, maxParams)
	}
	if first, second := Default(), Default(); first != second {
		t.Error("Default builds more than one table")
	}
}

func TestRoutesIsACopy(t *testing.T) {
	t.Parallel()
	rs := Default().Routes()
	first := rs[0]
	rs[0] = nil
	if Default().Routes()[0] != first {
		t.Error("changing the slice Routes returned changed the table")
	}
}

func TestParseTableRefusesMalformedRows(t *testing.T) {
	t.Parallel()
	const ok = "GET\t/{index}/_search\tindices:data/read/search\tpath:index\tH\tapi=search"
	tests := []struct{ name, row string }{
		{"too few fields", "GET\t/_search\tindices:data/read/search\tnone\tH"},
		{"unknown method", "FETCH\t/_search\tindices:data/read/search\tnone\tH\t"},
		{"no leading slash", "GET\t_search\tindices:data/read/search\tnone\tH\t"},
		{"trailing slash", "GET\t/_search/\tindices:data/read/search\tnone\tH\t"},
		{"empty segment", "GET\t/a//b\tindices:data/read/search\tnone\tH\t"},
		{"half a parameter", "GET\t/{index/_search\tindices:data/read/search\tnone\tH\t"},
		{"bad action", "GET\t/_search\tsearch\tnone\tH\t"},
		{"empty action", "GET\t/_search\t\tnone\tH\t"},
		{"unknown index source", "GET\t/{index}/_search\tindices:data/read/search\tquery\tH\t"},
		{"index source names no parameter", "GET\t/{index}/_search\tindices:data/read/search\tpath:name\tH\t"},
		{"no handler", "GET\t/_search\tindices:data/read/search\tnone\t\t"},
		{"bad also", "GET\t/_search\tindices:data/read/search\tnone\tH\talso=x y"},
		{"too many parameters", "GET\t/{a}/{b}/{c}/{d}/{e}/{f}\tindices:data/read/search\tnone\tH\t"},
		{"duplicate route", ok},
		{"conflicting parameter names", "GET\t/{name}/_count\tindices:data/read/search\tnone\tH\t"},
		{"parameter named twice on a trie path", "GET\t/{index}/_x/{index}\tindices:data/read/search\tnone\tH\t"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := parseTable(tableHeader + "\n" + ok + "\n" + tt.row + "\n"); err == nil {
				t.Errorf("parseTable accepted %q", tt.row)
			} else if !strings.HasPrefix(err.Error(), "line 3: ") {
				t.Errorf("error %q does not name line 3", err)
			}
		})
	}
	if _, err := parseTable("method\tpath\n" + ok); err == nil {
		t.Error("parseTable accepted a bad header")
	}
	if _, err := parseTable(tableHeader + "\n" + ok + "\n"); err != nil {
		t.Errorf("parseTable refused a good table: %v", err)
	}
}

var paramPattern = regexp.MustCompile(`\{([^}]+)\}`)

// samplePath turns a template into a concrete path. Every value has the form p1-<name>,
// which no literal segment of the table has, so a literal route cannot shadow the row.
func samplePath(template string) string { return paramPattern.ReplaceAllString(template, "p1-$1") }

// TestEveryRowIsReachable matches a concrete path for every row. No row of the table is
// shadowed: each resolves to itself with sample values that are not literals.
func TestEveryRowIsReachable(t *testing.T) {
	t.Parallel()
	for _, f := range flavours {
		t.Run(f, func(t *testing.T) {
			t.Parallel()
			tb := flavourTable(t, f)
			for _, r := range tb.Routes() {
				path := samplePath(r.Path)
				m, err := tb.Match(r.Method, path)
				if err != nil {
					t.Errorf("%s %s: %v", r.Method, path, err)
					continue
				}
				if m.Route.Method != r.Method || m.Route.Path != r.Path || m.Route.Action != r.Action || m.Route != r {
					t.Errorf("%s %s: matched %s %s (%s), want %s %s (%s)", r.Method, path,
						m.Route.Method, m.Route.Path, m.Route.Action, r.Method, r.Path, r.Action)
				}
				for _, p := range r.params {
					if v, ok := m.Param(p.name); !ok || v != "p1-"+p.name {
						t.Errorf("%s %s: param %s = %q, %v", r.Method, path, p.name, v, ok)
					}
				}
			}
		})
	}
}
