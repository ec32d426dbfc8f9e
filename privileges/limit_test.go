package privileges

import (
	"slices"
	"testing"
)

// TestLimit checks LimitedRole semantics: a limited permission grants an action on a
// name only when both the permission and its limit grant it.
func TestLimit(t *testing.T) {
	key := mustCompile(t, &RoleDescriptor{
		Name:    "key",
		Cluster: []string{"monitor", "manage_own_api_key"},
		Indices: []IndicesPrivileges{{Names: []string{"logs-*"}, Privileges: []string{"read", "write"}}},
		RunAs:   []string{"svc-*"},
	})
	owner := mustCompile(t,
		&RoleDescriptor{Name: "reader", Cluster: []string{"all"}, Indices: []IndicesPrivileges{
			{Names: []string{"logs-1", "metrics-*"}, Privileges: []string{"read"}},
		}, RunAs: []string{"svc-a"}},
	)
	p := key.Limit(owner)

	for _, tc := range []struct {
		action, index string
		want          bool
	}{
		{"indices:data/read/search", "logs-1", true},
		{"indices:data/read/search", "logs-2", false},    // the owner may not
		{"indices:data/read/search", "metrics-1", false}, // the key may not
		{"indices:data/write/index", "logs-1", false},    // the owner may not write
	} {
		if got := p.Index(tc.action, tc.index); got != tc.want {
			t.Errorf("Index(%s, %s) = %v, want %v", tc.action, tc.index, got, tc.want)
		}
	}
	if p.IndexPattern("indices:data/read/search", "logs-*", false) {
		t.Error("logs-* is covered by the key but not by its owner")
	}
	if !p.IndexAction("indices:data/read/search") || p.IndexAction("indices:data/write/index") {
		t.Error("IndexAction must hold only where both grant the action on some name")
	}
	if !p.Cluster("cluster:monitor/health") || p.Cluster("cluster:admin/settings/update") {
		t.Error("cluster grants must be the intersection")
	}
	if !p.RunAs("svc-a") || p.RunAs("svc-b") || p.RunAs("bob") {
		t.Error("run_as must be the intersection")
	}
	if p.OwnAPIKeys("cluster:admin/xpack/security/api_key/get") {
		t.Error("the owner lacks manage_own_api_key")
	}
	if got := p.Roles(); !slices.Equal(got, []string{"key"}) {
		t.Errorf("Roles() = %v, want the key's roles", got)
	}
	if p.LimitedBy() != owner || key.LimitedBy() != nil {
		t.Error("LimitedBy must report the limit")
	}
	if d := Authorize(p, "indices:data/read/search", []string{"logs-1", "logs-2"}, IndexOptions{}); d.Allowed || !slices.Equal(d.Denied, []string{"logs-2"}) {
		t.Errorf("Authorize = %+v, want logs-2 denied", d)
	}

	md := NewMetadata([]IndexMeta{{Name: "logs-1"}, {Name: "logs-2"}, {Name: "metrics-1"}}, nil, nil)
	res, err := Resolve(p, md, ResolveRequest{Action: "indices:data/read/search", Expressions: []string{"*"}, Options: IndicesOptions{ExpandOpen: true, AllowNoIndices: true, IgnoreUnavailable: true}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Indices, []string{"logs-1"}) {
		t.Errorf("Resolve(*) = %v, want [logs-1]", res.Indices)
	}

	none := key.Limit(nil)
	if none.Index("indices:data/read/search", "logs-1") || none.Cluster("cluster:monitor/health") || none.RunAs("svc-a") {
		t.Error("a permission limited by nothing grants nothing")
	}
}

// TestHasPrivilegesLimited checks that has_privileges answers for an API key are the
// intersection of the key's and its owner's.
func TestHasPrivilegesLimited(t *testing.T) {
	key := mustCompile(t, &RoleDescriptor{Name: "key", Cluster: []string{"all"}, Indices: []IndicesPrivileges{{Names: []string{"*"}, Privileges: []string{"all"}}}})
	owner := mustCompile(t, &RoleDescriptor{Name: "owner", Cluster: []string{"monitor"}, Indices: []IndicesPrivileges{{Names: []string{"logs-*"}, Privileges: []string{"read"}}}})
	res, err := HasPrivileges(key.Limit(owner), nil, HasPrivilegesRequest{
		Cluster: []string{"monitor", "manage"},
		Index:   []IndexPrivilegesCheck{{Names: []string{"logs-1", "other"}, Privileges: []string{"read", "write"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.HasAllRequested || !res.Cluster["monitor"] || res.Cluster["manage"] ||
		!res.Index["logs-1"]["read"] || res.Index["logs-1"]["write"] || res.Index["other"]["read"] {
		t.Errorf("limited has_privileges = %+v", res)
	}
}

// TestLimitTwice checks that limiting a limited permission keeps both limits: an API
// key (limited by its owner) whose grants are further limited by another role set.
func TestLimitTwice(t *testing.T) {
	key := mustCompile(t, &RoleDescriptor{Name: "key", Cluster: []string{"all"}, Indices: []IndicesPrivileges{{Names: []string{"*"}, Privileges: []string{"all"}}}, RunAs: []string{"*"}})
	owner := mustCompile(t, &RoleDescriptor{Name: "owner", Cluster: []string{"monitor"}, Indices: []IndicesPrivileges{{Names: []string{"logs-*", "metrics-*"}, Privileges: []string{"read"}}}, RunAs: []string{"a", "b"}})
	other := mustCompile(t, &RoleDescriptor{Name: "other", Cluster: []string{"all"}, Indices: []IndicesPrivileges{{Names: []string{"logs-*", "secret"}, Privileges: []string{"all"}}}, RunAs: []string{"b", "c"}})
	p := key.Limit(owner).Limit(other)
	for _, tc := range []struct {
		index string
		want  bool
	}{{"logs-1", true}, {"metrics-1", false}, {"secret", false}, {"other", false}} {
		if got := p.Index("indices:data/read/search", tc.index); got != tc.want {
			t.Errorf("Index(search, %s) = %v, want %v", tc.index, got, tc.want)
		}
	}
	if p.Cluster("cluster:admin/settings/update") || !p.Cluster("cluster:monitor/health") {
		t.Error("cluster grants must be the intersection of all three")
	}
	if p.RunAs("a") || !p.RunAs("b") || p.RunAs("c") {
		t.Error("run_as must be the intersection of all three")
	}
	res, err := HasPrivileges(p, nil, HasPrivilegesRequest{Index: []IndexPrivilegesCheck{{Names: []string{"logs-1", "metrics-1"}, Privileges: []string{"read"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Index["logs-1"]["read"] || res.Index["metrics-1"]["read"] {
		t.Errorf("has_privileges = %+v", res.Index)
	}
}

// TestNameMatcher checks CompileNames: wildcards, regexes, exact names, and refusals.
func TestNameMatcher(t *testing.T) {
	m, err := CompileNames([]string{"report-*", "/cust-[0-9]+/", "alice"})
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]bool{"report-1": true, "report-": true, "cust-42": true, "cust-x": false, "alice": true, "alice2": false, "": false} {
		if got := m.Match(name); got != want {
			t.Errorf("Match(%q) = %v, want %v", name, got, want)
		}
	}
	var none *NameMatcher
	if none.Match("x") {
		t.Error("a nil matcher matches nothing")
	}
	if _, err := CompileNames([]string{"/unclosed"}); err == nil {
		t.Error("an unclosed regex must be refused")
	}
}
