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
