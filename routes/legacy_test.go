package routes

import (
	"bufio"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
)

// legacyTables are the shield1 and shield2 tables with their TSV text.
var legacyTables = []struct {
	flavour, data string
	rows          int
}{
	{"shield1", es17, 340},
	{"shield2", es24, 363},
}

func TestLegacyTablesParse(t *testing.T) {
	t.Parallel()
	for _, lt := range legacyTables {
		tb, err := ForFlavour(lt.flavour)
		if err != nil {
			t.Fatal(err)
		}
		if again, _ := ForFlavour(lt.flavour); again != tb {
			t.Errorf("%s: ForFlavour builds more than one table", lt.flavour)
		}
		rows := strings.Split(strings.TrimSuffix(lt.data, "\n"), "\n")[1:]
		if len(rows) != lt.rows || len(tb.routes) != lt.rows {
			t.Errorf("%s: %d routes from %d rows, want %d", lt.flavour, len(tb.routes), len(rows), lt.rows)
		}
		for i, r := range tb.Routes() {
			f := strings.Split(rows[i], "\t")
			if r.Method != f[0] || r.Path != f[1] || r.IndexSourceText() != f[3] || r.Handler != f[4] {
				t.Errorf("%s: route %d is %+v, row is %q", lt.flavour, i, r, rows[i])
			}
			if strings.Contains(r.Path, "_doc") || strings.HasPrefix(r.Path, "/_security") || strings.HasPrefix(r.Path, "/_data_stream") {
				t.Errorf("%s: %s %s is not an endpoint of that version", lt.flavour, r.Method, r.Path)
			}
		}
	}
	if _, err := ForFlavour("shield3"); err == nil {
		t.Error("ForFlavour accepted an unknown flavour")
	}
}

// TestLegacyEveryRowIsReachable matches a concrete path for every row of both tables.
func TestLegacyEveryRowIsReachable(t *testing.T) {
	t.Parallel()
	for _, lt := range legacyTables {
		tb, _ := ForFlavour(lt.flavour)
		for _, r := range tb.Routes() {
			path := samplePath(r.Path)
			m, err := tb.Match(r.Method, path)
			if err != nil {
				t.Errorf("%s: %s %s: %v", lt.flavour, r.Method, path, err)
				continue
			}
			if m.Route != r {
				t.Errorf("%s: %s %s: matched %s %s, want %s", lt.flavour, r.Method, path, m.Route.Method, m.Route.Path, r.Path)
			}
			for _, p := range r.params {
				if v, ok := m.Param(p.name); !ok || v != "p1-"+p.name {
					t.Errorf("%s: %s %s: param %s = %q, %v", lt.flavour, r.Method, path, p.name, v, ok)
				}
			}
		}
	}
}

// TestLegacyAmbiguousPaths checks the paths where a literal segment and a {param} both
// fit, as the per-method PathTrie of 1.x and 2.x resolves them.
func TestLegacyAmbiguousPaths(t *testing.T) {
	t.Parallel()
	type want struct{ path, action, index string }
	tests := []struct {
		flavour, method, path string
		want                  want
	}{
		{"shield1", "GET", "/logs/event/1", want{"/{index}/{type}/{id}", "indices:data/read/get", "logs"}},
		{"shield1", "GET", "/logs/_mapping/event", want{"/{index}/_mapping/{type}", "indices:admin/mappings/get", "logs"}},
		{"shield1", "GET", "/logs/event/_mapping", want{"/{index}/{type}/_mapping", "indices:admin/mappings/get", "logs"}},
		{"shield1", "GET", "/logs/event/_search", want{"/{index}/{type}/_search", "indices:data/read/search", "logs"}},
		{"shield1", "GET", "/logs/_search", want{"/{index}/_search", "indices:data/read/search", "logs"}},
		{"shield1", "GET", "/logs/event", want{"/{index}/{type}", "indices:admin/get", "logs"}},
		{"shield1", "HEAD", "/logs/event", want{"/{index}/{type}", "indices:admin/types/exists", "logs"}},
		{"shield1", "HEAD", "/logs", want{"/{index}", "indices:admin/exists", "logs"}},
		{"shield1", "HEAD", "/logs/event/1", want{"/{index}/{type}/{id}", "indices:data/read/get", "logs"}},
		{"shield1", "HEAD", "/_alias/a", want{"/_alias/{name}", "indices:admin/aliases/exists", ""}},
		{"shield1", "HEAD", "/logs/_alias/a", want{"/{index}/_alias/{name}", "indices:admin/aliases/exists", "logs"}},
		{"shield1", "GET", "/_search/scroll", want{"/_search/scroll", "indices:data/read/scroll", ""}},
		// /{index}/{type}/{id} with a literal id: the document "_search" of type "t".
		{"shield1", "GET", "/logs/t/_count", want{"/{index}/{type}/_count", "indices:data/read/count", "logs"}},
		{"shield1", "POST", "/logs/_optimize", want{"/{index}/_optimize", "indices:admin/optimize", "logs"}},
		{"shield1", "DELETE", "/logs/_query", want{"/{index}/_query", "indices:data/write/delete/by_query", "logs"}},
		// The last segment "_settings" has no GET route of its own below /_cluster, so
		// the {param} node serves it: GET /{index}/{type} with index "_cluster".
		{"shield1", "GET", "/_cluster/settings", want{"/_cluster/settings", "cluster:monitor/state", ""}},
		{"shield1", "GET", "/_cluster/nodes", want{"/{index}/{type}", "indices:admin/get", "_cluster"}},
		// PUT /_cluster: the literal node has no PUT route, so {index} takes it.
		{"shield1", "PUT", "/_cluster", want{"/{index}", "indices:admin/create", "_cluster"}},
		{"shield1", "GET", "/logs/event/1/_source", want{"/{index}/{type}/{id}/_source", "indices:data/read/get", "logs"}},
		{"shield2", "POST", "/logs/_forcemerge", want{"/{index}/_forcemerge", "indices:admin/optimize", "logs"}},
		{"shield2", "POST", "/logs/_optimize", want{"/{index}/_optimize", "indices:admin/optimize", "logs"}},
		{"shield2", "GET", "/logs/_shard_stores", want{"/{index}/_shard_stores", "indices:monitor/shard_stores", "logs"}},
		{"shield2", "GET", "/logs/event/_search", want{"/{index}/{type}/_search", "indices:data/read/search", "logs"}},
		{"shield2", "GET", "/logs/_count", want{"/{index}/_count", "indices:data/read/search", "logs"}},
		{"shield2", "GET", "/_shield/user/_password", want{"/_shield/user/{username}", "cluster:admin/shield/user/get", ""}},
		{"shield2", "PUT", "/_shield/user/_password", want{"/_shield/user/_password", "cluster:admin/shield/user/change_password", ""}},
		{"shield2", "GET", "/_shield/user", want{"/_shield/user", "cluster:admin/shield/user/get", ""}},
		{"shield2", "GET", "/_license", want{"/_license", "cluster:admin/plugin/license/get", ""}},
		{"shield2", "GET", "/_scripts/groovy/s1", want{"/_scripts/{lang}/{id}", "indices:data/read/script/get", ""}},
		{"shield2", "GET", "/_search/template/t1", want{"/_search/template/{id}", "indices:data/read/script/get", ""}},
		{"shield2", "GET", "/_search/template", want{"/_search/template", "indices:data/read/search", ""}},
		{"shield2", "POST", "/_render/template", want{"/_render/template", "cluster:admin/render/template/search", ""}},
	}
	for _, tt := range tests {
		tb, _ := ForFlavour(tt.flavour)
		m, err := tb.Match(tt.method, tt.path)
		if err != nil {
			t.Errorf("%s %s %s: %v", tt.flavour, tt.method, tt.path, err)
			continue
		}
		idx, _ := m.Param("index")
		if m.Route.Path != tt.want.path || m.Route.Action != tt.want.action || idx != tt.want.index {
			t.Errorf("%s %s %s: %s %s index %q, want %s %s index %q", tt.flavour, tt.method, tt.path,
				m.Route.Path, m.Route.Action, idx, tt.want.path, tt.want.action, tt.want.index)
		}
	}
}

// TestLegacyRefusesOtherVersionsRoutes: routes of other versions are not matched.
func TestLegacyRefusesOtherVersionsRoutes(t *testing.T) {
	t.Parallel()
	tests := []struct{ flavour, method, path string }{
		{"shield1", "POST", "/_data_stream/logs"},
		{"shield1", "GET", "/_security/user"},
		{"shield1", "GET", "/_security/_authenticate"},
		{"shield1", "POST", "/logs/_forcemerge"},
		{"shield1", "GET", "/logs/_shard_stores"},
		{"shield1", "GET", "/_shield/authenticate"},
		{"shield1", "GET", "/_license"},
		{"shield2", "GET", "/logs/_mlt"},
		{"shield2", "GET", "/logs/_status"},
		{"shield2", "GET", "/_licenses"},
		{"shield2", "POST", "/_cluster/nodes/_shutdown"},
		{"9", "POST", "/logs/_optimize"},
		{"9", "GET", "/logs/_percolate"},
		{"9", "GET", "/_shield/authenticate"},
	}
	for _, tt := range tests {
		tb, _ := ForFlavour(tt.flavour)
		m, err := tb.Match(tt.method, tt.path)
		if err == nil && tt.flavour != "9" && strings.HasPrefix(m.Route.Path, "/{index}") {
			continue // served as a document or index route, as Elasticsearch serves it
		}
		var mna *MethodNotAllowedError
		if err == nil || !(errors.Is(err, ErrUnknownRoute) || errors.As(err, &mna)) {
			t.Errorf("%s: %s %s matched %v, %v", tt.flavour, tt.method, tt.path, m.Route, err)
		}
	}
	// The _doc routes of later versions: /{index}/_doc/1 is the document "1" of type _doc
	// in 1.x and 2.x, not a route of its own.
	for _, f := range []string{"shield1", "shield2"} {
		tb, _ := ForFlavour(f)
		m, err := tb.Match("PUT", "/logs/_doc/1")
		if err != nil || m.Route.Path != "/{index}/{type}/{id}" {
			t.Errorf("%s: PUT /logs/_doc/1 matched %v, %v", f, m.Route, err)
		}
		if _, err := tb.Match("POST", "/logs/_create/1"); err == nil {
			if m, _ := tb.Match("POST", "/logs/_create/1"); m.Route.Path != "/{index}/{type}/{id}" {
				t.Errorf("%s: POST /logs/_create/1 matched %s", f, m.Route.Path)
			}
		}
		if _, err := tb.Match("GET", "/_data_stream"); err == nil {
			if m, _ := tb.Match("GET", "/_data_stream"); m.Route.Path != "/{index}" {
				t.Errorf("%s: GET /_data_stream matched %s", f, m.Route.Path)
			}
		}
	}
}

func TestLegacyRoutingRules(t *testing.T) {
	t.Parallel()
	tb, _ := ForFlavour("shield1")
	// No 405: a path without a route for the method is 400 (no handler found).
	if _, err := tb.Match("DELETE", "/a/b/c/d"); !errors.Is(err, ErrUnknownRoute) {
		t.Errorf("DELETE /a/b/c/d: %v, want ErrUnknownRoute", err)
	}
	// The DELETE trie has a literal _search node (DELETE /_search/scroll) without a
	// route of its own, so DELETE /_search deletes the index "_search".
	if m, err := tb.Match("DELETE", "/_search"); err != nil || m.Route.Path != "/{index}" || m.Route.Action != "indices:admin/delete" {
		t.Errorf("DELETE /_search: %v, %v", m.Route, err)
	}
	if _, err := tb.Match("OPTIONS", "/_search"); err == nil {
		t.Error("OPTIONS /_search matched")
	}
	// Empty segments are dropped.
	for _, p := range []string{"//logs///_search/", "/logs/_search//", "logs/_search"} {
		m, err := tb.Match("GET", p)
		if err != nil || m.Route.Path != "/{index}/_search" || m.Indices()[0] != "logs" {
			t.Errorf("GET %s: %v, %v", p, m.Route, err)
		}
	}
	if m, err := tb.Match("GET", "//"); err != nil || m.Route.Path != "/" {
		t.Errorf("GET //: %v, %v", m.Route, err)
	}
	// A method that Elasticsearch 1.x does not know is served as GET.
	for _, meth := range []string{"PATCH", "get", "TRACE", "FOO"} {
		m, err := tb.Match(meth, "/logs/_search")
		if err != nil || m.Route.Method != "GET" || m.Route.Path != "/{index}/_search" {
			t.Errorf("%s /logs/_search: %v, %v", meth, m.Route, err)
		}
	}
	// '+' in a parameter is a space; %2B is '+'.
	m, err := tb.Match("GET", "/a+b,c%2Bd/_search")
	if err != nil || !slices.Equal(m.Indices(), []string{"a b", "c+d"}) {
		t.Errorf("GET /a+b,c%%2Bd/_search: indices %q, %v", m.Indices(), err)
	}
	// Malformed escapes and encoded slashes are refused as for 9.
	var bad *BadPathError
	for _, p := range []string{"/a%zz/_search", "/a%2Fb/t/1"} {
		if _, err := tb.Match("GET", p); !errors.As(err, &bad) {
			t.Errorf("GET %s: %v, want *BadPathError", p, err)
		}
	}
}

func TestLegacyQueryParameterIndices(t *testing.T) {
	t.Parallel()
	tb, _ := ForFlavour("shield1")
	q := func(kv ...string) func(string) (string, bool) {
		return func(k string) (string, bool) {
			for i := 0; i < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1], true
				}
			}
			return "", false
		}
	}
	m, _ := tb.Match("GET", "/_search")
	ts, err := m.Targets(q("index", "secret,other"))
	if err != nil || len(ts) != 1 || !slices.Equal(ts[0].Indices, []string{"secret", "other"}) {
		t.Errorf("GET /_search?index=secret,other: %+v, %v", ts, err)
	}
	if ts, _ := m.Targets(q()); len(ts) != 1 || ts[0].Indices != nil {
		t.Errorf("GET /_search: %+v", ts)
	}
	// The path's {index} overrides the query's.
	m, _ = tb.Match("GET", "/logs/_search")
	if ts, _ := m.Targets(q("index", "secret")); len(ts) != 1 || !slices.Equal(ts[0].Indices, []string{"logs"}) {
		t.Errorf("GET /logs/_search?index=secret: %+v", ts)
	}
	// DELETE / deletes the indices of ?index= (all of them without it).
	m, _ = tb.Match("DELETE", "/")
	if ts, _ := m.Targets(q("index", "x")); len(ts) != 1 || ts[0].Action != "indices:admin/delete" || !slices.Equal(ts[0].Indices, []string{"x"}) {
		t.Errorf("DELETE /?index=x: %+v", ts)
	}
	// percolate_index sends an existing-document percolation to other indices: refused.
	m, _ = tb.Match("GET", "/logs/event/1/_percolate")
	var br *BadRequestError
	if _, err := m.Targets(q("percolate_index", "secret")); !errors.As(err, &br) {
		t.Errorf("percolate_index: %v, want *BadRequestError", err)
	}
	ts, err = m.Targets(q())
	if err != nil || len(ts) != 2 || ts[0].Action != "indices:data/read/percolate" || ts[1].Action != "indices:data/read/get" ||
		!slices.Equal(ts[0].Indices, []string{"logs"}) || !slices.Equal(ts[1].Indices, []string{"logs"}) {
		t.Errorf("GET /logs/event/1/_percolate: %+v, %v", ts, err)
	}
	// Cluster routes do not read ?index=.
	m, _ = tb.Match("GET", "/_cluster/health")
	if ts, _ := m.Targets(q("index", "x")); len(ts) != 1 || ts[0].Indices != nil {
		t.Errorf("GET /_cluster/health?index=x: %+v", ts)
	}
}

// readActions reads a testdata list of action names.
func readActions(t *testing.T, name string) []string {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" && !strings.HasPrefix(line, "#") {
			out = append(out, line)
		}
	}
	return out
}

// tableActions is every action a route of the table runs: its action and its also=.
func tableActions(tb *Table) map[string]bool {
	acts := map[string]bool{}
	for _, r := range tb.routes {
		acts[r.Action] = true
		for _, a := range r.also {
			acts[a] = true
		}
	}
	return acts
}

// TestLegacyActionsHaveRoutes: every action of the Shield 1.x list (seed 001) maps from
// at least one REST route of the shield1 table, and every public action of 2.4 with the
// Shield 2.x and license actions from one of the shield2 table.
func TestLegacyActionsHaveRoutes(t *testing.T) {
	t.Parallel()
	// The seed's list has two actions that came with Elasticsearch 2.0: neither
	// RenderSearchTemplateAction nor IndicesShardStoresAction is in the 1.7 source. The
	// render template routes are kept in the 1.7 table (a cluster action: a 1.7 node
	// reads the path as an invalid index name); a shard stores route is not, since
	// narrowing its indices would send a 1.7 node a get index request.
	notIn17 := map[string]bool{"indices:monitor/shard_stores": true}
	t1, _ := ForFlavour("shield1")
	t2, _ := ForFlavour("shield2")
	a1, a2 := tableActions(t1), tableActions(t2)
	seed := readActions(t, "shield1-actions.txt")
	if len(seed) != 82 {
		t.Errorf("%d actions in shield1-actions.txt, want the 82 of the seed", len(seed))
	}
	for _, a := range seed {
		switch {
		case notIn17[a]:
			if a1[a] || !a2[a] {
				t.Errorf("%s: in the 1.7 table %v, in the 2.4 table %v; want only 2.4", a, a1[a], a2[a])
			}
		case !a1[a]:
			t.Errorf("shield1: no route for %s", a)
		}
	}
	for _, a := range readActions(t, "shield2-actions.txt") {
		if !a2[a] {
			t.Errorf("shield2: no route for %s", a)
		}
	}
}
