package privileges

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func mustCompile(t testing.TB, roles ...*RoleDescriptor) *Permission {
	t.Helper()
	p, err := Compile(ES9(), roles)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func indexRole(name string, privs []string, names ...string) *RoleDescriptor {
	return &RoleDescriptor{Name: name, Indices: []IndicesPrivileges{{Names: names, Privileges: privs}}}
}

// superuser is ReservedRolesStore.SUPERUSER_ROLE_DESCRIPTOR.
var superuser = &RoleDescriptor{
	Name:    "superuser",
	Cluster: []string{"all"},
	Indices: []IndicesPrivileges{
		{Names: []string{"*"}, Privileges: []string{"all"}},
		{Names: []string{"*"}, Privileges: []string{"monitor", "read", "view_index_metadata", "read_cross_cluster"}, AllowRestrictedIndices: true},
	},
	RunAs: []string{"*"},
}

func TestNamedIndexPrivileges(t *testing.T) {
	for _, tc := range []struct {
		privs  []string
		action string
		want   bool
	}{
		{[]string{"read"}, "indices:data/read/search", true},
		{[]string{"read"}, "indices:data/read/search[phase/query]", true},
		{[]string{"read"}, "indices:admin/resolve/index", true},
		{[]string{"read"}, "indices:data/write/index", false},
		{[]string{"read"}, "indices:admin/mappings/get", false},
		{[]string{"create_doc"}, "indices:data/write/index", true},
		{[]string{"create_doc"}, "indices:data/write/index:op_type/create", true},
		{[]string{"create_doc"}, "indices:data/write/index:op_type/index", false},
		{[]string{"create_doc"}, "indices:data/write/bulk", true},
		{[]string{"create_doc"}, "indices:data/write/bulk[s]", true},
		{[]string{"create_doc"}, "indices:data/write/update", false},
		{[]string{"create"}, "indices:data/write/index:op_type/index", true},
		{[]string{"index"}, "indices:data/write/update", true},
		{[]string{"index"}, "indices:data/write/delete", false},
		{[]string{"delete"}, "indices:data/write/delete", true},
		{[]string{"write"}, "indices:data/write/delete/byquery", true},
		{[]string{"write"}, "indices:admin/mapping/auto_put", true},
		{[]string{"manage"}, "indices:admin/create", true},
		{[]string{"manage"}, "indices:admin/aliases", true},
		{[]string{"manage"}, "indices:data/read/field_caps", true},
		{[]string{"manage"}, "indices:data/read/search", false},
		{[]string{"manage"}, "indices:admin/template/put", false}, // a cluster action
		{[]string{"manage"}, "indices:admin/index_template/put", false},
		{[]string{"all"}, "indices:admin/template/put", false},
		{[]string{"all"}, "indices:data/read/search", true},
		{[]string{"view_index_metadata"}, "indices:admin/mappings/get", true},
		{[]string{"read_failure_store"}, "indices:data/read/search", false},
		{[]string{"manage_failure_store"}, "indices:admin/rollover", false},
		{[]string{"read_failure_store", "read"}, "indices:data/read/search", true},
		{[]string{"none"}, "indices:data/read/search", false},
		{[]string{"indices:data/read/search"}, "indices:data/read/search", true},
		{[]string{"indices:data/read/search"}, "indices:data/read/search[phase/query]", true},
		{[]string{"indices:data/read/search"}, "indices:data/read/get", false},
		{[]string{"indices:data/read/*"}, "indices:data/read/get", true},
		{[]string{"READ"}, "indices:data/read/get", true},
	} {
		p := mustCompile(t, indexRole("r", tc.privs, "logs-*"))
		if got := p.Index(tc.action, "logs-1"); got != tc.want {
			t.Errorf("%v Index(%s, logs-1) = %v, want %v", tc.privs, tc.action, got, tc.want)
		}
		if got := p.IndexAction(tc.action); got != tc.want {
			t.Errorf("%v IndexAction(%s) = %v, want %v", tc.privs, tc.action, got, tc.want)
		}
		if p.Index(tc.action, "metrics-1") {
			t.Errorf("%v Index(%s, metrics-1) granted outside the names", tc.privs, tc.action)
		}
	}
}

func TestMappingUpdateBWC(t *testing.T) {
	// IndicesPermission: create, create_doc, index and write also grant put-mapping on
	// indices and aliases, outside their definition.
	for _, priv := range []string{"create", "create_doc", "index", "write"} {
		p := mustCompile(t, indexRole("r", []string{priv}, "logs-*"))
		for _, action := range []string{"indices:admin/mapping/put", "indices:admin/mapping/auto_put"} {
			if !p.Index(action, "logs-1") || !p.IndexAction(action) || !p.IndexPattern(action, "logs-a*", false) {
				t.Errorf("%s does not grant %s", priv, action)
			}
			if p.Index(action, "other") {
				t.Errorf("%s grants %s outside its names", priv, action)
			}
		}
	}
	for _, priv := range []string{"read", "delete", "view_index_metadata", "indices:data/write/index"} {
		p := mustCompile(t, indexRole("r", []string{priv}, "logs-*"))
		if p.Index("indices:admin/mapping/put", "logs-1") {
			t.Errorf("%s grants put-mapping", priv)
		}
	}
}

func TestClusterPrivileges(t *testing.T) {
	for _, tc := range []struct {
		privs  []string
		action string
		want   bool
	}{
		{[]string{"monitor"}, "cluster:monitor/health", true},
		{[]string{"monitor"}, "indices:admin/template/get", true},
		{[]string{"monitor"}, "indices:admin/index_template/get", true},
		{[]string{"monitor"}, "cluster:admin/component_template/get", true},
		{[]string{"monitor"}, "indices:admin/template/put", false},
		{[]string{"monitor"}, "cluster:admin/settings/update", false},
		{[]string{"manage"}, "cluster:admin/settings/update", true},
		{[]string{"manage"}, "indices:admin/template/put", true},
		{[]string{"manage"}, "cluster:admin/xpack/security/user/put", false},
		{[]string{"manage"}, "cluster:admin/xpack/security/api_key/create", false},
		{[]string{"manage"}, "cluster:admin/xpack/security/delegate_pki", false},
		{[]string{"manage", "manage_security"}, "cluster:admin/xpack/security/user/put", true},
		{[]string{"manage_security"}, "cluster:admin/xpack/security/delegate_pki", false},
		{[]string{"all"}, "cluster:admin/xpack/security/delegate_pki", true},
		{[]string{"manage_index_templates"}, "indices:admin/template/put", true},
		{[]string{"manage_index_templates"}, "cluster:admin/component_template/put", true},
		{[]string{"manage_connector"}, "cluster:admin/xpack/connector/put", true},
		{[]string{"manage_connector"}, "cluster:admin/xpack/connector/secret/get", false},
		{[]string{"manage_inference"}, "cluster:monitor/xpack/inference", true},
		{[]string{"monitor_stats"}, "cluster:monitor/stats[n]", true},
		{[]string{"manage_data_stream_global_retention"}, "cluster:admin/data_stream/global_retention/put", false},
		{[]string{"none"}, "cluster:monitor/health", false},
		{[]string{"cluster:monitor/health"}, "cluster:monitor/health", true},
		{[]string{"cluster:monitor/*"}, "cluster:monitor/nodes/stats", true},
		{[]string{"cluster:monitor/health"}, "cluster:monitor/state", false},
		{[]string{"manage_own_api_key"}, "cluster:admin/xpack/security/api_key/create", true},
		{[]string{"manage_own_api_key"}, "cluster:admin/xpack/security/api_key/update", true},
		{[]string{"manage_own_api_key"}, "cluster:admin/xpack/security/api_key/get", false},
		{[]string{"manage_own_api_key"}, "cluster:admin/xpack/security/api_key/grant", false},
		{[]string{"manage_own_api_key"}, "cluster:admin/xpack/security/api_key/clone", false},
		{[]string{"manage_api_key"}, "cluster:admin/xpack/security/api_key/get", true},
	} {
		p := mustCompile(t, &RoleDescriptor{Name: "r", Cluster: tc.privs})
		if got := p.Cluster(tc.action); got != tc.want {
			t.Errorf("%v Cluster(%s) = %v, want %v", tc.privs, tc.action, got, tc.want)
		}
	}
	p := mustCompile(t, &RoleDescriptor{Name: "r", Cluster: []string{"manage_own_api_key"}})
	for action, want := range map[string]bool{
		"cluster:admin/xpack/security/api_key/get":        true,
		"cluster:admin/xpack/security/api_key/invalidate": true,
		"cluster:admin/xpack/security/api_key/query":      true,
		"cluster:admin/xpack/security/api_key/create":     false, // unconditional: Cluster grants it
		"cluster:admin/xpack/security/api_key/grant":      false,
	} {
		if got := p.OwnAPIKeys(action); got != want {
			t.Errorf("OwnAPIKeys(%s) = %v, want %v", action, got, want)
		}
	}
	if mustCompile(t, &RoleDescriptor{Name: "r", Cluster: []string{"manage_api_key"}}).OwnAPIKeys("cluster:admin/xpack/security/api_key/get") {
		t.Error("OwnAPIKeys without manage_own_api_key")
	}
}

func TestIndexNamePatterns(t *testing.T) {
	p := mustCompile(t,
		indexRole("a", []string{"read"}, "logs-*", "exact", "app-?-prod", "*-audit", "/metrics-[0-9]{4}/", "/(web|api)-.*/"),
		&RoleDescriptor{Name: "b", Indices: []IndicesPrivileges{
			{Names: []string{".security*", ".kibana*"}, Privileges: []string{"read"}, AllowRestrictedIndices: true},
			{Names: []string{".tasks"}, Privileges: []string{"read"}},
			{Names: []string{"*"}, Privileges: []string{"monitor"}},
		}},
	)
	const search = "indices:data/read/search"
	for name, want := range map[string]bool{
		"logs-1":            true,
		"logs-":             true,
		"logs":              false,
		"exact":             true,
		"exactly":           false,
		"app-1-prod":        true,
		"app-12-prod":       false,
		"x-audit":           true,
		"metrics-2024":      true,
		"metrics-24":        false,
		"web-1":             true,
		"api-":              true,
		"db-1":              false,
		".security":         true, // allow_restricted_indices
		".security-7":       true,
		".kibana_8.0.0":     true,
		".kibana-reporting": true,
		".tasks":            false, // restricted, and the group does not allow it
	} {
		if got := p.Index(search, name); got != want {
			t.Errorf("Index(search, %q) = %v, want %v", name, got, want)
		}
	}
	// "*" without allow_restricted_indices never matches a restricted name.
	if !p.Index("indices:monitor/stats", "anything") || p.Index("indices:monitor/stats", ".security-7") {
		t.Error("monitor on * must match ordinary names only")
	}
}

func TestSuperuserLikeRole(t *testing.T) {
	p := mustCompile(t, superuser)
	for _, tc := range []struct {
		action, index string
		want          bool
	}{
		{"indices:data/read/search", "logs", true},
		{"indices:data/write/index", "logs", true},
		{"indices:admin/delete", "logs", true},
		{"indices:data/read/search", ".security-7", true},
		{"indices:admin/mappings/get", ".security-7", true},
		{"indices:data/write/index", ".security-7", false},
		{"indices:admin/delete", ".security", false},
		{"indices:admin/delete", ".ds-.fleet-actions-results-2025.01.01-000001", false},
		{"indices:admin/delete", ".ds-logs-2025.01.01-000001", true},
	} {
		if got := p.Index(tc.action, tc.index); got != tc.want {
			t.Errorf("superuser Index(%s, %s) = %v, want %v", tc.action, tc.index, got, tc.want)
		}
	}
	if !p.Cluster("cluster:admin/xpack/security/user/put") || !p.RunAs("anyone") {
		t.Error("superuser cluster/run_as")
	}
	// A wildcard over hidden names could reach esguard's own indices, which nobody may:
	// it is never covered whole, so it is resolved against the cluster's names.
	if p.IndexPattern("indices:data/read/search", "*", true) || p.IndexPattern("indices:data/write/index", "*", true) {
		t.Error("superuser: * over hidden names must not be covered whole")
	}
	if !p.IndexPattern("indices:data/read/search", ".security*", false) || p.IndexPattern("indices:data/write/index", ".security*", false) {
		t.Error("superuser: read restricted, but not write restricted")
	}
	for _, name := range []string{".esguard-api-keys", ".esguard"} {
		if p.Index("indices:data/read/search", name) || p.Index("indices:admin/delete", name) {
			t.Errorf("superuser may reach esguard's own index %s", name)
		}
	}
	for _, pat := range []string{".*", ".e*", ".esguard*", ".esguard-api-*"} {
		if p.IndexPattern("indices:data/read/search", pat, false) {
			t.Errorf("superuser covers %s, which may name esguard's own index", pat)
		}
	}
	if !p.IndexPattern("indices:data/write/index", "*", false) {
		t.Error("superuser: write on * without hidden")
	}
}

func TestIndexPatternInclusion(t *testing.T) {
	p := mustCompile(t,
		indexRole("a", []string{"read"}, "logs-*", "app-*-prod", "exact", "/metrics-.*/", "/audit-[0-9]+/"),
		&RoleDescriptor{Name: "b", Indices: []IndicesPrivileges{
			{Names: []string{".kibana*"}, Privileges: []string{"read"}, AllowRestrictedIndices: true},
			{Names: []string{".ds-logs-*", ".my-app-*"}, Privileges: []string{"read"}},
		}},
	)
	const search = "indices:data/read/search"
	for _, tc := range []struct {
		pattern string
		hidden  bool
		want    bool
	}{
		{"logs-*", false, true},
		{"logs-2024-*", false, true},
		{"logs-*-x", false, true},
		{"logs-?", false, true},
		{"log*", false, false},
		{"*", false, false},
		{"app-*-prod", false, true},
		{"app-web*-prod", false, true},
		{"app-*", false, false},
		{"metrics-*", false, true}, // proven through the regex's wildcard form
		{"audit-*", false, false},  // /audit-[0-9]+/ cannot be proven
		{"exact", false, true},     // no wildcard: a concrete name
		{"ex*", false, false},
		{".kibana*", false, true}, // may name restricted: the allow_restricted group covers it
		{".kibana_*", true, true},
		{".ds-logs-*", false, true}, // provably outside the restricted set
		{".my-app-*", false, true},
		{".*", false, false},
	} {
		if got := p.IndexPattern(search, tc.pattern, tc.hidden); got != tc.want {
			t.Errorf("IndexPattern(search, %q, %v) = %v, want %v", tc.pattern, tc.hidden, got, tc.want)
		}
	}
	// A "*" grant without allow_restricted_indices covers "*" only when hidden
	// (system) indices are not expanded, and never ".*".
	q := mustCompile(t, indexRole("all", []string{"read"}, "*"))
	if !q.IndexPattern(search, "*", false) || q.IndexPattern(search, "*", true) || q.IndexPattern(search, ".*", false) {
		t.Error("* without allow_restricted_indices")
	}
	if !q.IndexPattern(search, ".my-app-*", false) || q.IndexPattern(search, ".sec*", false) {
		t.Error("dot patterns: provably ordinary vs maybe restricted")
	}
	r := mustCompile(t, &RoleDescriptor{Name: "r", Indices: []IndicesPrivileges{{Names: []string{"*"}, Privileges: []string{"read"}, AllowRestrictedIndices: true}}})
	if !r.IndexPattern(search, ".s*", false) || !r.IndexPattern(search, ".kibana*", true) {
		t.Error("* with allow_restricted_indices")
	}
	if r.IndexPattern(search, "*", true) || r.IndexPattern(search, ".*", false) {
		t.Error("* with allow_restricted_indices may not cover esguard's own indices")
	}
}

func TestRunAs(t *testing.T) {
	p := mustCompile(t,
		&RoleDescriptor{Name: "a", RunAs: []string{"bob", "svc-*"}},
		&RoleDescriptor{Name: "b", RunAs: []string{"/team-[a-c]/"}},
	)
	for user, want := range map[string]bool{"bob": true, "bobby": false, "svc-x": true, "team-a": true, "team-d": false, "alice": false} {
		if got := p.RunAs(user); got != want {
			t.Errorf("RunAs(%q) = %v, want %v", user, got, want)
		}
	}
	if mustCompile(t, &RoleDescriptor{Name: "none"}).RunAs("bob") {
		t.Error("no run_as")
	}
}

func TestCompileErrors(t *testing.T) {
	_, err := Compile(nil, []*RoleDescriptor{
		{Name: "r1", Cluster: []string{"monitr", "monitor"}},
		{Name: "r2", Indices: []IndicesPrivileges{{Names: []string{"/bad"}, Privileges: []string{"reed"}}}, RunAs: []string{"/a&b/"}},
		{Name: "r3", RemoteIndices: []RemoteIndicesPrivileges{{Clusters: []string{"c"}, IndicesPrivileges: IndicesPrivileges{Names: []string{"x"}, Privileges: []string{"bogus"}}}}},
	})
	if err == nil {
		t.Fatal("no error")
	}
	var unknown []*UnknownPrivilegeError
	var patterns []*PatternError
	var roles []string
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var re *RoleError
		if !errors.As(e, &re) {
			t.Fatalf("%v is not a *RoleError", e)
		}
		roles = append(roles, re.Role)
		var ue *UnknownPrivilegeError
		var pe *PatternError
		switch {
		case errors.As(e, &ue):
			unknown = append(unknown, ue)
		case errors.As(e, &pe):
			patterns = append(patterns, pe)
		}
	}
	if !slices.Equal(roles, []string{"r1", "r2", "r2", "r2", "r3"}) || len(unknown) != 3 || len(patterns) != 2 {
		t.Fatalf("errors: %v", err)
	}
	if unknown[0].Kind != ClusterKind || unknown[0].Suggestion != "monitor" || unknown[1].Suggestion != "read" {
		t.Errorf("unknown privileges: %+v %+v", unknown[0], unknown[1])
	}
	if !strings.Contains(err.Error(), "role [r1]: unknown cluster privilege [monitr]") {
		t.Errorf("message: %v", err)
	}
}

func TestRolesAndEmptyPermission(t *testing.T) {
	p := mustCompile(t, &RoleDescriptor{Name: "b"}, &RoleDescriptor{Name: "a"}, &RoleDescriptor{Name: "b"})
	if got := p.Roles(); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("Roles() = %q", got)
	}
	if p.Cluster("cluster:monitor/health") || p.IndexAction("indices:data/read/search") || p.Index("indices:data/read/search", "x") {
		t.Error("empty roles grant something")
	}
	var nilp *Permission
	if nilp.Cluster("cluster:monitor/health") || nilp.RunAs("x") || nilp.Roles() != nil {
		t.Error("nil permission")
	}
	if d := Authorize(nil, "indices:data/read/search", []string{"x"}, IndexOptions{}); d.Allowed {
		t.Error("nil permission allowed")
	}
}

func TestDocumentOrFieldSecurity(t *testing.T) {
	if mustCompile(t, indexRole("r", []string{"read"}, "x")).DocumentOrFieldSecurity() {
		t.Error("no DLS/FLS")
	}
	p := mustCompile(t, &RoleDescriptor{Name: "r", Indices: []IndicesPrivileges{{Names: []string{"x"}, Privileges: []string{"read"}, Query: `{"term":{"a":1}}`}}})
	if !p.DocumentOrFieldSecurity() || !p.Index("indices:data/read/search", "x") {
		t.Error("DLS role")
	}
}

func TestActionCacheBound(t *testing.T) {
	p := mustCompile(t, indexRole("r", []string{"read"}, "x"))
	for i := range maxCachedActions + 10 {
		action := "indices:data/read/made-up/" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + itoa(i)
		if !p.Index(action, "x") {
			t.Fatalf("%s not granted", action)
		}
	}
	if n := len(*p.cache[selData].Load()); n > maxCachedActions {
		t.Errorf("cache grew to %d", n)
	}
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}

func TestConcurrentDecisions(t *testing.T) {
	p := mustCompile(t, superuser, indexRole("r", []string{"read"}, "logs-*"))
	actions := []string{"indices:data/read/search", "indices:data/write/index", "cluster:monitor/health", "indices:admin/create", "indices:data/read/get"}
	done := make(chan bool)
	for g := range 8 {
		go func() {
			ok := true
			for i := range 200 {
				a := actions[(g+i)%len(actions)]
				ok = ok && Authorize(p, a, []string{"logs-1"}, IndexOptions{}).Allowed
				ok = ok && p.IndexPattern(a, "logs-*", false) != IsClusterAction(a)
			}
			done <- ok
		}()
	}
	for range 8 {
		if !<-done {
			t.Error("a concurrent decision was wrong")
		}
	}
}
