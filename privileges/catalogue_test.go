package privileges

import (
	"os"
	"slices"
	"strings"
	"testing"
)

// referenceRows reads a reference TSV independently of the package's parser.
func referenceRows(t *testing.T, path string) map[string][2][]string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string][2][]string{}
	lines := strings.Split(string(raw), "\n")
	if !strings.HasPrefix(lines[0], "privilege\taction_patterns\texcluded_patterns\tnotes") {
		t.Fatalf("%s: unexpected header %q", path, lines[0])
	}
	for _, line := range lines[1:] {
		if line == "" || line[0] == '(' {
			continue
		}
		cols := strings.SplitN(line, "\t", 4)
		if len(cols) != 4 {
			t.Fatalf("%s: bad row %q", path, line)
		}
		split := func(s string) []string {
			var out []string
			for _, p := range strings.Split(s, ",") {
				if p != "" {
					out = append(out, p)
				}
			}
			return out
		}
		rows[cols[0]] = [2][]string{split(cols[1]), split(cols[2])}
	}
	return rows
}

func TestCatalogueMatchesReference(t *testing.T) {
	c := ES9()
	for _, tc := range []struct {
		kind   Kind
		path   string
		lookup func(string) (*Privilege, bool)
		want   int
	}{
		{ClusterKind, "data/es-9.5-cluster-privileges.tsv", c.Cluster, 68},
		{IndexKind, "data/es-9.5-index-privileges.tsv", c.Index, 32},
	} {
		rows := referenceRows(t, tc.path)
		if len(rows) != tc.want {
			t.Errorf("%s reference has %d named rows, want %d", tc.kind, len(rows), tc.want)
		}
		var names []string
		for name, row := range rows {
			names = append(names, name)
			p, ok := tc.lookup(name)
			if !ok {
				t.Errorf("%s privilege [%s] missing", tc.kind, name)
				continue
			}
			if p.Name != name || p.Kind != tc.kind {
				t.Errorf("%s privilege [%s]: got name %q kind %v", tc.kind, name, p.Name, p.Kind)
			}
			if !slices.Equal(p.Patterns, row[0]) {
				t.Errorf("%s privilege [%s] patterns:\n got %q\nwant %q", tc.kind, name, p.Patterns, row[0])
			}
			if !slices.Equal(p.Excluded, row[1]) {
				t.Errorf("%s privilege [%s] excluded:\n got %q\nwant %q", tc.kind, name, p.Excluded, row[1])
			}
		}
		slices.Sort(names)
		if got := c.Names(tc.kind); !slices.Equal(got, names) {
			t.Errorf("Names(%s) = %q, want %q", tc.kind, got, names)
		}
	}
}

func TestCataloguePatternsAreLiteralOrPrefix(t *testing.T) {
	// The exact ordering universe (order.go) relies on this.
	c := ES9()
	for _, k := range []Kind{ClusterKind, IndexKind} {
		for _, name := range c.Names(k) {
			e, _ := c.entry(k, name)
			for _, p := range slices.Concat(e.p.Patterns, e.p.Excluded) {
				if hasWildcard(p) && !isPrefixGlob(p) {
					t.Errorf("%s [%s]: pattern %q", k, name, p)
				}
			}
		}
	}
}

func TestRawActionPrivileges(t *testing.T) {
	c := ES9()
	for _, tc := range []struct {
		kind Kind
		name string
		ok   bool
		want string // the single pattern
	}{
		{ClusterKind, "cluster:monitor/health", true, "cluster:monitor/health*"},
		{ClusterKind, "CLUSTER:Monitor/*", true, "cluster:monitor/**"},
		{ClusterKind, "indices:admin/template/put", true, "indices:admin/template/put*"},
		{ClusterKind, "indices:admin/index_template/*", true, "indices:admin/index_template/**"},
		{ClusterKind, "indices:data/read/search", false, ""},
		{ClusterKind, "cluster", false, ""},
		{IndexKind, "indices:data/read/search", true, "indices:data/read/search*"},
		{IndexKind, "Indices:Data/Read/*", true, "indices:data/read/**"},
		{IndexKind, "internal:transport/proxy/indices:data/read/search", true, "internal:transport/proxy/indices:data/read/search*"},
		{IndexKind, "indices:admin/template/put", true, "indices:admin/template/put*"},
		{IndexKind, "cluster:monitor/health", false, ""},
		{IndexKind, "internal:transport/handshake", false, ""},
	} {
		lookup := c.Cluster
		if tc.kind == IndexKind {
			lookup = c.Index
		}
		p, ok := lookup(tc.name)
		if ok != tc.ok {
			t.Errorf("%s(%q) ok = %v, want %v", tc.kind, tc.name, ok, tc.ok)
			continue
		}
		if ok && (len(p.Patterns) != 1 || p.Patterns[0] != tc.want || p.Kind != tc.kind) {
			t.Errorf("%s(%q) = %+v, want pattern %q", tc.kind, tc.name, p, tc.want)
		}
	}
	if p, ok := c.Cluster("MONITOR"); !ok || p.Name != "monitor" {
		t.Errorf("named cluster privileges are case-insensitive: %v %v", p, ok)
	}
	if p, ok := c.Index("Read"); !ok || p.Name != "read" {
		t.Errorf("named index privileges are case-insensitive: %v %v", p, ok)
	}
	for _, name := range []string{"(global) application.manage", "(implicit) same-user", "(raw action pattern)", "superuser", ""} {
		if _, ok := c.Cluster(name); ok {
			t.Errorf("Cluster(%q) accepted", name)
		}
		if _, ok := c.Index(name); ok {
			t.Errorf("Index(%q) accepted", name)
		}
	}
}

func TestDeprecations(t *testing.T) {
	c := ES9()
	for _, tc := range []struct {
		kind Kind
		name string
		want string // substring
	}{
		{ClusterKind, "manage_data_frame_transforms", "use [manage_transform]"},
		{ClusterKind, "monitor_data_frame_transforms", "use [monitor_transform]"},
		{ClusterKind, "manage_slm", "since 8.15"},
		{ClusterKind, "read_slm", "since 8.15"},
		{ClusterKind, "manage_data_stream_global_retention", "since 8.16"},
		{ClusterKind, "monitor_data_stream_global_retention", "since 8.16"},
		{IndexKind, "read_cross_cluster", "use [read]"},
	} {
		e, ok := c.entry(tc.kind, tc.name)
		if !ok || !strings.Contains(e.p.Deprecated, tc.want) {
			t.Errorf("%s [%s] deprecated = %q, want it to mention %q", tc.kind, tc.name, e.p.Deprecated, tc.want)
		}
	}
	for _, name := range []string{"manage_transform", "monitor", "manage"} {
		if p, _ := c.Cluster(name); p.Deprecated != "" {
			t.Errorf("[%s] marked deprecated: %q", name, p.Deprecated)
		}
	}
}

func TestSuggest(t *testing.T) {
	c := ES9()
	for _, tc := range []struct {
		kind       Kind
		name, want string
	}{
		{ClusterKind, "mange", "manage"},
		{ClusterKind, "monitr", "monitor"},
		{ClusterKind, "Manage_Index_Template", "manage_index_templates"},
		{ClusterKind, "manage_transforms", "manage_transform"},
		{ClusterKind, "superuser", ""},
		{ClusterKind, "monitor", ""},
		{ClusterKind, "x", ""},
		{IndexKind, "reed", "read"},
		{IndexKind, "view_index_metdata", "view_index_metadata"},
		{IndexKind, "create-doc", "create_doc"},
		{IndexKind, "cluster_admin", ""},
	} {
		if got := c.Suggest(tc.kind, tc.name); got != tc.want {
			t.Errorf("Suggest(%s, %q) = %q, want %q", tc.kind, tc.name, got, tc.want)
		}
	}
}

func TestIsClusterAction(t *testing.T) {
	for action, want := range map[string]bool{
		"cluster:monitor/health":                true,
		"cluster:admin/xpack/security/user/get": true,
		"indices:admin/template/put":            true,
		"indices:admin/index_template/get":      true,
		"indices:admin/template":                false,
		"indices:admin/create":                  false,
		"indices:data/read/search":              false,
		"internal:transport/handshake":          false,
	} {
		if got := IsClusterAction(action); got != want {
			t.Errorf("IsClusterAction(%q) = %v", action, got)
		}
	}
}

func TestGrantingOrder(t *testing.T) {
	c := ES9()
	for action, want := range map[string]string{
		// AuthorizationServiceTests.testDenialErrorMessagesForBulkIngest and the issue.
		"indices:data/read/search":                          "read,all",
		"indices:data/write/index":                          "create_doc,create,index,write,all",
		"indices:data/write/index:op_type/create":           "create_doc,create,index,write,all",
		"indices:data/write/index:op_type/index":            "create,index,write,all",
		"indices:data/write/delete":                         "delete,write,all",
		"indices:data/write/update":                         "index,write,all",
		"indices:admin/mapping/put":                         "manage,all",
		"indices:admin/create":                              "create_index,manage,all",
		"cluster:monitor/health":                            "monitor,manage,all",
		"indices:admin/template/put":                        "manage_index_templates,manage,all",
		"indices:admin/template/get":                        "manage_index_templates,monitor,manage,all",
		"cluster:admin/xpack/security/user/get":             "read_security,manage_security,all",
		"cluster:admin/xpack/security/api_key/create":       "manage_own_api_key,manage_api_key,manage_security,all",
		"cluster:admin/xpack/security/api_key/grant":        "grant_api_key,manage_api_key,manage_security,all",
		"cluster:admin/xpack/security/delegate_pki":         "delegate_pki,all",
		"cluster:admin/xpack/connector/secret/get":          "read_connector_secrets,manage,all",
		"cluster:admin/transform/put":                       "manage_data_frame_transforms,manage_transform,manage,all",
		"indices:data/read/esql":                            "read_cross_cluster,read,all",
		"internal:transport/proxy/indices:data/read/search": "read_cross_cluster,read,all",
		"internal:transport/handshake":                      "",
		"cluster:internal/made/up":                          "manage,all",
	} {
		if got := strings.Join(c.Granting(action), ","); got != want {
			t.Errorf("Granting(%q) = [%s], want [%s]", action, got, want)
		}
	}
	// The failures-only privileges are never named for data access.
	for _, name := range c.Granting("indices:data/read/search") {
		if name == "read_failure_store" {
			t.Error("read_failure_store named as granting search")
		}
	}
}
