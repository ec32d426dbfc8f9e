package routes

import (
	"errors"
	"strings"
	"testing"
)

// flavours are the flavours with a route table.
var flavours = []string{"9", "8", "serverless"}

// rowFlavours are the flavours whose table has a route for every row of its file.
var rowFlavours = []string{"9", "8"}

func flavourTable(t testing.TB, flavour string) *Table {
	t.Helper()
	tb, err := ForFlavour(flavour)
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

func TestForFlavour(t *testing.T) {
	t.Parallel()
	for _, f := range flavours {
		if a, b := flavourTable(t, f), flavourTable(t, f); a != b {
			t.Errorf("flavour %s: two tables", f)
		}
	}
	if flavourTable(t, "9") != Default() {
		t.Error(`ForFlavour("9") is not Default()`)
	}
	if flavourTable(t, "8") == Default() || flavourTable(t, "serverless") == Default() {
		t.Error("a flavour other than 9 has the 9 table")
	}
	if _, err := ForFlavour("7"); err == nil {
		t.Error(`ForFlavour("7") gave a table`)
	}
}

// tableRows reads a table file into its rows keyed by method and path.
func tableRows(t *testing.T, data string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSuffix(data, "\n"), "\n")[1:] {
		f := strings.Split(line, "\t")
		out[f[0]+" "+f[1]] = f
	}
	return out
}

// TestES819TableParses checks that every row of the 8.19 file is a route of the table, in
// order and unchanged, with a valid action.
func TestES819TableParses(t *testing.T) {
	t.Parallel()
	rows := strings.Split(strings.TrimSuffix(es819, "\n"), "\n")
	if rows[0] != tableHeader {
		t.Fatalf("header %q", rows[0])
	}
	rs := flavourTable(t, "8").Routes()
	if len(rs) != len(rows)-1 || len(rs) != 854 {
		t.Fatalf("%d routes from %d rows, want 854", len(rs), len(rows)-1)
	}
	for i, r := range rs {
		f := strings.Split(rows[i+1], "\t")
		if r.Method != f[0] || r.Path != f[1] || r.IndexSourceText() != f[3] || r.Handler != f[4] || r.Notes != f[5] {
			t.Errorf("route %d is %+v, row is %q", i, r, rows[i+1])
		}
		if want := f[2]; r.Action != want && !(want == "-" && r.Action == "") || r.Action != "" && !validAction(r.Action) {
			t.Errorf("route %d: action %q, row has %q", i, r.Action, f[2])
		}
	}
}

// TestES819TableAgainstES95 pins the differences between the 8.19 and 9.5 files to those
// data/README.md lists: four routes only in 8.19, 63 only in 9.5, and the notes of
// _knn_search; every other row is the same.
func TestES819TableAgainstES95(t *testing.T) {
	t.Parallel()
	r8, r9 := tableRows(t, es819), tableRows(t, es95)
	only8 := map[string]bool{
		"POST /{index}/_unfreeze":                               true,
		"POST /_ml/trained_models/{model_id}/deployment/_infer": true,
		"POST /_streams/logs/_enable":                           true,
		"POST /_streams/logs/_disable":                          true,
	}
	only9 := 0
	for k, f9 := range r9 {
		f8, ok := r8[k]
		switch {
		case !ok:
			only9++
		case strings.HasSuffix(k, "/{index}/_knn_search"):
			if strings.Join(f8[:5], "\t") != strings.Join(f9[:5], "\t") || !strings.Contains(f8[5], "8.19: served without compatibility headers") {
				t.Errorf("%s: %q", k, f8)
			}
		case strings.Join(f8, "\t") != strings.Join(f9, "\t"):
			t.Errorf("%s differs:\n8.19 %q\n9.5  %q", k, f8, f9)
		}
	}
	for k, f := range r8 {
		if _, ok := r9[k]; !ok && (!only8[k] || !strings.Contains(f[5], "8.19")) {
			t.Errorf("%s is only in 8.19 without a note saying so", k)
		}
	}
	if only9 != 63 {
		t.Errorf("%d rows only in 9.5, want 63", only9)
	}
}

// TestFlavourDifferences checks known differences between the flavours' tables.
func TestFlavourDifferences(t *testing.T) {
	t.Parallel()
	tests := []struct {
		flavour, method, path string
		action                string // "" when the request has no route
		indices               []string
	}{
		// Added after 8.19.
		{"9", "GET", "/_query/queries", "cluster:monitor/xpack/esql/list_queries", nil},
		{"8", "GET", "/_query/queries", "", nil},
		{"9", "GET", "/_security/stats", "cluster:monitor/xpack/security/stats", nil},
		{"8", "GET", "/_security/stats", "", nil},
		{"9", "DELETE", "/logs/_block/write", "indices:admin/block/remove", []string{"logs"}},
		{"8", "DELETE", "/logs/_block/write", "", nil},
		{"9", "POST", "/_otlp/v1/metrics", "indices:data/write/otlp/metrics", nil},
		{"8", "POST", "/_otlp/v1/metrics", "", nil},
		{"9", "POST", "/_cat/count", "indices:data/read/search", nil},
		{"8", "POST", "/_cat/count", "", nil},
		{"9", "POST", "/_streams/other/_enable", "cluster:admin/streams/logs/toggle", nil},
		{"8", "POST", "/_streams/other/_enable", "", nil},
		// Removed in 9.0.
		{"8", "POST", "/logs/_unfreeze", "indices:admin/freeze", []string{"logs"}},
		{"9", "POST", "/logs/_unfreeze", "", nil},
		{"8", "POST", "/_ml/trained_models/m/deployment/_infer", "cluster:monitor/xpack/ml/inference/infer", nil},
		{"9", "POST", "/_ml/trained_models/m/deployment/_infer", "", nil},
		// In both.
		{"8", "POST", "/_streams/logs/_enable", "cluster:admin/streams/logs/toggle", nil},
		{"8", "GET", "/logs/_knn_search", "indices:data/read/search", []string{"logs"}},
		{"9", "GET", "/logs/_knn_search", "indices:data/read/search", []string{"logs"}},
		{"8", "GET", "/logs/_search", "indices:data/read/search", []string{"logs"}},
		{"8", "GET", "/_nodes/hot_threads", "cluster:monitor/nodes/hot_threads", nil},
	}
	for _, tt := range tests {
		m, err := flavourTable(t, tt.flavour).Match(tt.method, tt.path)
		var mna *MethodNotAllowedError
		switch {
		case tt.action == "":
			if err == nil || !errors.Is(err, ErrUnknownRoute) && !errors.As(err, &mna) {
				t.Errorf("%s: %s %s matched %s %s, want no route", tt.flavour, tt.method, tt.path, m.Route.Path, m.Route.Action)
			}
		case err != nil:
			t.Errorf("%s: %s %s: %v", tt.flavour, tt.method, tt.path, err)
		case m.Route.Action != tt.action || strings.Join(m.Indices(), ",") != strings.Join(tt.indices, ","):
			t.Errorf("%s: %s %s is %s on %v, want %s on %v", tt.flavour, tt.method, tt.path, m.Route.Action, m.Indices(), tt.action, tt.indices)
		}
	}
}

// TestServerlessTable checks the serverless table against the 9 table: the handlers
// listed in serverless-handlers.txt are handlers of the 9.5 table, and every path of a
// 9 route resolves to the same route under serverless when its handler is listed, and
// is refused as a path without a handler otherwise.
func TestServerlessTable(t *testing.T) {
	t.Parallel()
	public, err := parseHandlerList(serverlessHandlers)
	if err != nil {
		t.Fatal(err)
	}
	handlers := map[string]bool{}
	for _, r := range Default().Routes() {
		handlers[r.Handler] = true
	}
	for h := range public {
		if !handlers[h] {
			t.Errorf("%s is listed but is no handler of the 9.5 table", h)
		}
	}
	sl := flavourTable(t, "serverless")
	served := 0
	for _, r := range Default().Routes() {
		path := samplePath(r.Path)
		m, err := sl.Match(r.Method, path)
		switch {
		case public[r.Handler]:
			served++
			if err != nil || m.Route.Method != r.Method || m.Route.Path != r.Path || m.Route.Action != r.Action {
				t.Errorf("%s %s: %v %v, want the route of %s", r.Method, path, m.Route, err, r.Handler)
			}
		case !errors.Is(err, ErrUnknownRoute):
			t.Errorf("%s %s (%s): %v %v, want no handler found", r.Method, path, r.Handler, m.Route, err)
		}
	}
	if n := len(sl.Routes()); n != served || n != 465 {
		t.Errorf("%d serverless routes, %d rows with a listed handler, want 465", n, served)
	}
}

// TestServerlessRefusesInternalAPIs checks some APIs that Serverless serves and some it
// keeps internal.
func TestServerlessRefusesInternalAPIs(t *testing.T) {
	t.Parallel()
	sl := flavourTable(t, "serverless")
	tests := []struct {
		method, path, action string // action "" when refused
	}{
		{"GET", "/logs/_search", "indices:data/read/search"},
		{"POST", "/_search", "indices:data/read/search"},
		{"POST", "/logs/_bulk", "indices:data/write/bulk"},
		{"POST", "/_query/async", "indices:data/read/esql"},
		{"POST", "/_ingest/_simulate", "indices:data/write/simulate/bulk"},
		{"POST", "/_otlp/v1/logs", "indices:data/write/otlp/logs"},
		{"PUT", "/_security/role/r", "cluster:admin/xpack/security/role/put"},
		{"GET", "/_nodes/hot_threads", ""},
		{"GET", "/_nodes/n1/hot_threads", ""},
		{"GET", "/_stats", ""},
		{"GET", "/logs/_stats", ""},
		{"GET", "/_cluster/health", ""},
		{"GET", "/_inference/_services", ""},
		{"PUT", "/_ilm/policy/p", ""},
		{"GET", "/logs/_knn_search", ""},
		{"POST", "/logs/_unfreeze", ""},
	}
	for _, tt := range tests {
		m, err := sl.Match(tt.method, tt.path)
		switch {
		case tt.action == "":
			if !errors.Is(err, ErrUnknownRoute) {
				t.Errorf("%s %s: %v %v, want no handler found", tt.method, tt.path, m.Route, err)
			}
		case err != nil:
			t.Errorf("%s %s: %v", tt.method, tt.path, err)
		case m.Route.Action != tt.action:
			t.Errorf("%s %s is %s, want %s", tt.method, tt.path, m.Route.Action, tt.action)
		}
	}
}

func TestParseHandlerListRefusesMalformedLines(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, data string }{
		{"no evidence", "org.example.RestA\n"},
		{"unknown evidence", "org.example.RestA\tguess\n"},
		{"no class", "\tspec\n"},
		{"space in class", "org.example.Rest A\tspec\n"},
		{"listed twice", "org.example.RestA\tspec\norg.example.RestA\tsource\n"},
	}
	for _, tt := range tests {
		if _, err := parseHandlerList(tt.data); err == nil {
			t.Errorf("%s: no error", tt.name)
		}
	}
	got, err := parseHandlerList("# comment\n\norg.example.RestA\tspec\norg.example.RestB\tsource\n")
	if err != nil || len(got) != 2 || !got["org.example.RestA"] || !got["org.example.RestB"] {
		t.Errorf("%v, %v", got, err)
	}
}
