package privileges

import (
	"slices"
	"strings"
	"testing"
)

func TestAuthorize(t *testing.T) {
	p := mustCompile(t,
		indexRole("logs_reader", []string{"read"}, "logs-*", "shared"),
		&RoleDescriptor{Name: "ops", Cluster: []string{"monitor"}, Indices: []IndicesPrivileges{
			{Names: []string{".kibana*"}, Privileges: []string{"read"}, AllowRestrictedIndices: true},
		}},
	)
	const search = "indices:data/read/search"
	for _, tc := range []struct {
		name    string
		action  string
		indices []string
		opts    IndexOptions
		allowed bool
		denied  []string
	}{
		{"concrete", search, []string{"logs-1"}, IndexOptions{}, true, nil},
		{"concrete denied", search, []string{"secret"}, IndexOptions{}, false, []string{"secret"}},
		{"several", search, []string{"logs-1", "shared"}, IndexOptions{}, true, nil},
		{"comma list", search, []string{"logs-1,shared"}, IndexOptions{}, true, nil},
		{"comma list denied", search, []string{"logs-1,secret,other"}, IndexOptions{}, false, []string{"secret", "other"}},
		{"empty parts", search, []string{"logs-1,,shared,"}, IndexOptions{}, true, nil},
		{"pattern", search, []string{"logs-2024*"}, IndexOptions{}, true, nil},
		{"pattern too wide", search, []string{"log*"}, IndexOptions{}, false, []string{"log*"}},
		{"exclusion after wildcard", search, []string{"logs-*", "-logs-secret"}, IndexOptions{}, true, nil},
		{"exclusion in comma list", search, []string{"logs-*,-logs-old*"}, IndexOptions{}, true, nil},
		{"exclusion never widens", search, []string{"*", "-secret"}, IndexOptions{}, false, []string{"*"}},
		{"dash name without wildcard", search, []string{"-logs-1"}, IndexOptions{}, false, []string{"-logs-1"}},
		{"_all", search, []string{"_all"}, IndexOptions{}, false, []string{"_all"}},
		{"star", search, []string{"*"}, IndexOptions{}, false, []string{"*"}},
		{"no indices means _all", search, nil, IndexOptions{}, false, []string{"_all"}},
		{"only commas mean _all", search, []string{","}, IndexOptions{}, false, []string{"_all"}},
		{"date math", search, []string{"<logs-{now/d}>"}, IndexOptions{}, false, []string{"<logs-{now/d}>"}},
		{"remote", search, []string{"remote:logs-1"}, IndexOptions{}, false, []string{"remote:logs-1"}},
		{"remote wildcard", search, []string{"*:logs-*"}, IndexOptions{}, false, []string{"*:logs-*"}},
		{"selector", search, []string{"logs-1::failures"}, IndexOptions{}, false, []string{"logs-1::failures"}},
		{"data selector", search, []string{"logs-1::data"}, IndexOptions{}, false, []string{"logs-1::data"}},
		{"restricted with allow", search, []string{".kibana_1"}, IndexOptions{}, true, nil},
		{"restricted pattern with allow", search, []string{".kibana*"}, IndexOptions{IncludeHidden: true}, true, nil},
		{"action granted nowhere", "indices:data/write/index", []string{"logs-1"}, IndexOptions{}, false, []string{"logs-1"}},
		{"cluster action ignores indices", "cluster:monitor/health", []string{"secret"}, IndexOptions{}, true, nil},
		{"cluster action denied", "cluster:admin/settings/update", nil, IndexOptions{}, false, nil},
		{"template is a cluster action", "indices:admin/template/put", []string{"logs-1"}, IndexOptions{}, false, nil},
		{"unknown action kind", "internal:transport/handshake", nil, IndexOptions{}, false, nil},
	} {
		d := Authorize(p, tc.action, tc.indices, tc.opts)
		if d.Allowed != tc.allowed || !slices.Equal(d.Denied, tc.denied) {
			t.Errorf("%s: Authorize(%s, %q) = allowed %v denied %q, want %v %q", tc.name, tc.action, tc.indices, d.Allowed, d.Denied, tc.allowed, tc.denied)
		}
		if d.Action != tc.action || !slices.Equal(d.Indices, tc.indices) {
			t.Errorf("%s: decision action/indices %q %q", tc.name, d.Action, d.Indices)
		}
		if d.Cluster != IsClusterAction(tc.action) {
			t.Errorf("%s: Cluster = %v", tc.name, d.Cluster)
		}
		if d.Allowed && (d.Granting != nil || d.Denied != nil) {
			t.Errorf("%s: allowed decision carries %q %q", tc.name, d.Granting, d.Denied)
		}
	}
}

func TestAuthorizeIgnoreUnavailable(t *testing.T) {
	p := mustCompile(t, indexRole("r", []string{"read"}, "logs-*"))
	const search = "indices:data/read/search"
	d := Authorize(p, search, []string{"logs-1", "secret"}, IndexOptions{IgnoreUnavailable: true})
	if d.Allowed || !d.Skippable || !slices.Equal(d.Denied, []string{"secret"}) {
		t.Errorf("concrete names: %+v", d)
	}
	d = Authorize(p, search, []string{"logs-1", "secret"}, IndexOptions{})
	if d.Allowed || d.Skippable {
		t.Errorf("without ignore_unavailable: %+v", d)
	}
	d = Authorize(p, search, []string{"secret", "sec*"}, IndexOptions{IgnoreUnavailable: true})
	if d.Allowed || d.Skippable {
		t.Errorf("a refused wildcard is not skippable: %+v", d)
	}
}

func TestAuthorizeNameOnly(t *testing.T) {
	p := mustCompile(t, indexRole("writer", []string{"create_doc"}, "logs-*"))
	if d := AuthorizeNameOnly(p, "indices:data/write/bulk", nil); !d.Allowed {
		t.Errorf("bulk name-only: %+v", d)
	}
	// The top-level index action is granted by name although "secret" is not granted:
	// the shard-level request decides the index.
	if d := AuthorizeNameOnly(p, "indices:data/write/index", []string{"secret"}); !d.Allowed || d.Denied != nil {
		t.Errorf("index name-only: %+v", d)
	}
	d := AuthorizeNameOnly(p, "indices:data/read/msearch", nil)
	if d.Allowed || d.Denied != nil || strings.Join(d.Granting, ",") != "read,all" {
		t.Errorf("msearch name-only: %+v", d)
	}
	d = AuthorizeNameOnly(p, "indices:data/write/delete", []string{"logs-1"})
	if d.Allowed || d.Denied != nil || !slices.Equal(d.Indices, []string{"logs-1"}) {
		t.Errorf("delete name-only: %+v", d)
	}
	if got, want := d.Reason("alice", "", []string{"reader"}), "action [indices:data/write/delete] is unauthorized for user [alice] with effective roles [reader], this action is granted by the index privileges [delete,write,all]"; got != want {
		t.Errorf("name-only denial names no index (IndexAuthorizationResult.DENIED):\n got %s\nwant %s", got, want)
	}
	if d := AuthorizeNameOnly(p, "cluster:monitor/health", nil); d.Allowed || !d.Cluster {
		t.Errorf("cluster name-only: %+v", d)
	}
}

func TestReason(t *testing.T) {
	p := mustCompile(t, indexRole("logs_reader", []string{"read"}, "logs-*"))
	roles := p.Roles()
	for _, tc := range []struct {
		name  string
		d     Decision
		user  string
		runAs string
		roles []string
		want  string
	}{
		{
			"index", Authorize(p, "indices:data/read/search", []string{"secret"}, IndexOptions{}), "alice", "", roles,
			"action [indices:data/read/search] is unauthorized for user [alice] with effective roles [logs_reader] on indices [secret], this action is granted by the index privileges [read,all]",
		},
		{
			"run as", Authorize(p, "indices:data/read/search", []string{"secret"}, IndexOptions{}), "alice", "bob", roles,
			"action [indices:data/read/search] is unauthorized for user [alice] run as [bob] with effective roles [logs_reader] on indices [secret], this action is granted by the index privileges [read,all]",
		},
		{
			"cluster", Authorize(p, "cluster:monitor/health", nil, IndexOptions{}), "alice", "", roles,
			"action [cluster:monitor/health] is unauthorized for user [alice] with effective roles [logs_reader], this action is granted by the cluster privileges [monitor,manage,all]",
		},
		{
			"empty roles", Authorize(nil, "cluster:monitor/main", nil, IndexOptions{}), "anon", "", nil,
			"action [cluster:monitor/main] is unauthorized for user [anon] with effective roles [], this action is granted by the cluster privileges [monitor,manage,all]",
		},
		{
			"roles sorted", Authorize(nil, "cluster:monitor/main", nil, IndexOptions{}), "u", "", []string{"zeta", "alpha"},
			"action [cluster:monitor/main] is unauthorized for user [u] with effective roles [alpha,zeta], this action is granted by the cluster privileges [monitor,manage,all]",
		},
		{
			"no named privilege", Authorize(p, "internal:transport/handshake", nil, IndexOptions{}), "alice", "", roles,
			"action [internal:transport/handshake] is unauthorized for user [alice] with effective roles [logs_reader]",
		},
		{
			"bulk item", Authorize(p, "indices:data/write/index:op_type/index", []string{"logs-1"}, IndexOptions{}), "alice", "", roles,
			"action [indices:data/write/index:op_type/index] is unauthorized for user [alice] with effective roles [logs_reader] on indices [logs-1], this action is granted by the index privileges [create,index,write,all]",
		},
		{
			"restricted", Authorize(p, "indices:data/read/search", []string{"other", ".security-7", "other"}, IndexOptions{}), "alice", "", roles,
			"action [indices:data/read/search] is unauthorized for user [alice] with effective roles [logs_reader] on indices [other] and restricted indices [.security-7], this action is granted by the index privileges [read,all]",
		},
		{
			"only restricted", Authorize(p, "indices:data/read/search", []string{".security"}, IndexOptions{}), "alice", "", roles,
			"action [indices:data/read/search] is unauthorized for user [alice] with effective roles [logs_reader] on restricted indices [.security], this action is granted by the index privileges [read,all]",
		},
		{
			"composite without indices", AuthorizeNameOnly(p, "indices:data/write/bulk", nil), "alice", "", roles,
			"action [indices:data/write/bulk] is unauthorized for user [alice] with effective roles [logs_reader], this action is granted by the index privileges [create_doc,create,delete,index,write,all]",
		},
		{
			"allowed", Authorize(p, "indices:data/read/search", []string{"logs-1"}, IndexOptions{}), "alice", "", roles, "",
		},
	} {
		if got := tc.d.Reason(tc.user, tc.runAs, tc.roles); got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, got, tc.want)
		}
	}
}

func TestReasonFor(t *testing.T) {
	d := Authorize(nil, "cluster:monitor/health", nil, IndexOptions{})
	for _, tc := range []struct {
		a    Actor
		want string
	}{
		{Actor{User: "alice", Roles: []string{"r1"}, Assigned: []string{"r1", "gone", "also_gone"}},
			"action [cluster:monitor/health] is unauthorized for user [alice] with effective roles [r1] (assigned roles [also_gone,gone] were not found), this action is granted by the cluster privileges [monitor,manage,all]"},
		{Actor{User: "alice", APIKeyID: "k1"},
			"action [cluster:monitor/health] is unauthorized for API key id [k1] of user [alice], this action is granted by the cluster privileges [monitor,manage,all]"},
		{Actor{User: "elastic/fleet-server", ServiceAccount: true},
			"action [cluster:monitor/health] is unauthorized for service account [elastic/fleet-server], this action is granted by the cluster privileges [monitor,manage,all]"},
	} {
		if got := d.ReasonFor(tc.a); got != tc.want {
			t.Errorf("\n got %s\nwant %s", got, tc.want)
		}
	}
	got := RunAsDenied("indices:data/read/search", Actor{User: "alice", RunAs: "bob", Roles: []string{"admin"}})
	want := "action [indices:data/read/search] is unauthorized for user [alice] with effective roles [admin], because user [alice] is unauthorized to run as [bob]"
	if got != want {
		t.Errorf("RunAsDenied:\n got %s\nwant %s", got, want)
	}
}
