//go:build !race

package privileges

import "testing"

// The allowed path must not allocate: the proxy decides every request with it.
func TestAllowedPathDoesNotAllocate(t *testing.T) {
	p := mustCompile(t,
		indexRole("a", []string{"read", "view_index_metadata"}, "logs-*", "exact", "app-?-prod", "/metrics-[0-9]+/", "/(web|api)-.*/"),
		&RoleDescriptor{Name: "b", Cluster: []string{"monitor"}, RunAs: []string{"svc-*", "/team-[a-c]/"}, Indices: []IndicesPrivileges{
			{Names: []string{".kibana*"}, Privileges: []string{"read"}, AllowRestrictedIndices: true},
		}},
	)
	const search = "indices:data/read/search"
	concrete := []string{"logs-1", "exact", "app-1-prod", "metrics-2024", "web-1", ".kibana_1"}
	patterns := []string{"logs-*", "logs-2024*,-logs-2024-old", "api-*"}
	cases := map[string]func() bool{
		"Authorize concrete": func() bool { return Authorize(p, search, concrete, IndexOptions{}).Allowed },
		"Authorize patterns": func() bool { return Authorize(p, search, patterns, IndexOptions{IncludeHidden: true}).Allowed },
		"Authorize cluster":  func() bool { return Authorize(p, "cluster:monitor/health", concrete, IndexOptions{}).Allowed },
		"AuthorizeNameOnly":  func() bool { return AuthorizeNameOnly(p, "indices:data/read/msearch", nil).Allowed },
		"Cluster":            func() bool { return p.Cluster("cluster:monitor/nodes/stats") },
		"Index":              func() bool { return p.Index(search, "metrics-1") },
		"IndexPattern":       func() bool { return p.IndexPattern(search, ".kibana_*", true) },
		"IndexAction":        func() bool { return p.IndexAction(search) },
		"RunAs":              func() bool { return p.RunAs("team-b") && p.RunAs("svc-x") },
	}
	for name, f := range cases {
		if !f() {
			t.Fatalf("%s: not allowed", name)
		}
		if n := testing.AllocsPerRun(100, func() { f() }); n != 0 {
			t.Errorf("%s: %v allocations per run", name, n)
		}
	}
}
