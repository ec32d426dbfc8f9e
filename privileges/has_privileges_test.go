package privileges

import (
	"errors"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// TestHasPrivilegesDocumentedExample reproduces the example of Elasticsearch's has
// privileges API documentation (security-api-has-privileges): user rdeniro holds the
// monitor cluster privilege, read on suppliers, products and inventory, and no
// inventory_manager privilege on product/1852563.
func TestHasPrivilegesDocumentedExample(t *testing.T) {
	t.Parallel()
	roles := []*RoleDescriptor{{
		Name:    "inventory_reader",
		Cluster: []string{"monitor"},
		Indices: []IndicesPrivileges{{Names: []string{"suppliers", "products", "inventory"}, Privileges: []string{"read"}}},
		Applications: []ApplicationPrivileges{{
			Application: "inventory_manager", Privileges: []string{"read"}, Resources: []string{"product/1853*"},
		}},
	}}
	p := mustCompile(t, roles...)
	apps := mustCompileApps(t, inventoryDefs, roles...)
	got, err := HasPrivileges(p, apps, HasPrivilegesRequest{
		User:    "rdeniro",
		Cluster: []string{"monitor", "manage"},
		Index: []IndexPrivilegesCheck{
			{Names: []string{"suppliers", "products"}, Privileges: []string{"read"}},
			{Names: []string{"inventory"}, Privileges: []string{"read", "write"}},
		},
		Application: []ApplicationPrivilegesCheck{{
			Application: "inventory_manager", Privileges: []string{"read", "data:write/inventory"}, Resources: []string{"product/1852563"},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := HasPrivilegesResult{
		HasAllRequested: false,
		Cluster:         map[string]bool{"monitor": true, "manage": false},
		Index: map[string]map[string]bool{
			"suppliers": {"read": true},
			"products":  {"read": true},
			"inventory": {"read": true, "write": false},
		},
		Application: map[string]map[string]map[string]bool{
			"inventory_manager": {"product/1852563": {"read": false, "data:write/inventory": false}},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

func TestHasPrivilegesCluster(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		role  []string
		check map[string]bool
	}{
		{"all", []string{"all"}, map[string]bool{
			"all": true, "manage": true, "monitor": true, "manage_security": true, "read_security": true,
			"delegate_pki": true, "manage_api_key": true, "none": true, "manage_data_stream_global_retention": true,
			"cluster:admin/xpack/security/user/get": true, "cluster:*": true, "indices:admin/template/put": true,
			// manage_own_api_key is a request-aware check that only another
			// manage_own_api_key implies (ManageOwnClusterPermissionCheck).
			"manage_own_api_key": false,
		}},
		{"manage", []string{"manage"}, map[string]bool{
			"manage": true, "monitor": true, "manage_ilm": true, "manage_index_templates": true,
			"all": false, "manage_security": false, "manage_api_key": false, "read_security": false,
			"cluster:admin/xpack/security/user/get": false, "cluster:admin/xpack/security/*": false,
			"cluster:admin/ilm/*": true,
		}},
		{"monitor", []string{"monitor"}, map[string]bool{
			"monitor": true, "MONITOR": true, "manage": false, "monitor_ml": true, "monitor_snapshot": false,
			"cluster:monitor/health": true, "cluster:monitor/*": true, "cluster:*": false,
			// A raw name stands for name + "*"; monitor grants the literal action only.
			"indices:admin/template/get": false, "indices:admin/template/put": false,
		}},
		{"raw cluster:monitor/*", []string{"cluster:monitor/*"}, map[string]bool{
			// monitor also grants template GET actions.
			"monitor": false, "monitor_ml": true, "cluster:monitor/health": true, "cluster:monitor/xpack/ml/x": true,
		}},
		{"manage_security minus delegate_pki", []string{"manage_security"}, map[string]bool{
			"manage_security": true, "manage_api_key": true, "manage_token": true, "read_security": true,
			"delegate_pki": false, "cluster:admin/xpack/security/delegate_pki": false,
		}},
		{"union covers all but the exclusion", []string{"manage", "manage_security"}, map[string]bool{
			"all": false, "manage_api_key": true, "monitor": true, "delegate_pki": false,
		}},
		{"union covers all", []string{"manage", "manage_security", "delegate_pki"}, map[string]bool{
			"all": true, "cluster:*": true,
		}},
		{"literal actions do not cover the raw pattern", []string{"create_snapshot"}, map[string]bool{
			"create_snapshot": true,
			// A raw name stands for name + "*": create_snapshot grants the literal
			// action only.
			"cluster:admin/snapshot/create": false,
			"cluster:admin/snapshot/status": true, // create_snapshot has status*
		}},
		{"manage_own_api_key", []string{"manage_own_api_key"}, map[string]bool{
			"manage_own_api_key": true, "manage_api_key": false,
			"none": false, // no action-based check at all
		}},
		{"none", []string{"none"}, map[string]bool{
			"none": true, "manage_data_stream_global_retention": true, "monitor": false,
		}},
		{"no cluster privilege", nil, map[string]bool{
			"none": false, "monitor": false, "cluster:monitor/health": false,
		}},
		{"complex raw pattern", []string{"cluster:*/health"}, map[string]bool{
			"cluster:monitor/health": true,  // proven by the pattern itself
			"cluster:*/health/x":     true,  // likewise
			"cluster:monitor/state":  false, // not granted
			"cluster:*/h":            false, // broader
			"monitor":                false,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := mustCompile(t, &RoleDescriptor{Name: "r", Cluster: tc.role})
			req := HasPrivilegesRequest{}
			for name := range tc.check {
				req.Cluster = append(req.Cluster, name)
			}
			got, err := HasPrivileges(p, nil, req)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.Cluster, tc.check) {
				for name, want := range tc.check {
					if got.Cluster[name] != want {
						t.Errorf("cluster %q = %v, want %v", name, got.Cluster[name], want)
					}
				}
			}
			all := true
			for _, v := range tc.check {
				all = all && v
			}
			if got.HasAllRequested != all {
				t.Errorf("HasAllRequested = %v, want %v", got.HasAllRequested, all)
			}
		})
	}
}

// indexCase is one has_privileges index question.
type indexCase struct {
	names           []string
	allowRestricted bool
	privileges      map[string]bool // the same answer for every name
}

func TestHasPrivilegesIndex(t *testing.T) {
	t.Parallel()
	group := func(allow bool, privs []string, names ...string) IndicesPrivileges {
		return IndicesPrivileges{Names: names, Privileges: privs, AllowRestrictedIndices: allow}
	}
	for _, tc := range []struct {
		name   string
		groups []IndicesPrivileges
		cases  []indexCase
	}{
		{
			name:   "all covers every named privilege",
			groups: []IndicesPrivileges{group(false, []string{"all"}, "logs-*")},
			cases: []indexCase{
				{names: []string{"logs-*", "logs-1", "logs-2024.*"}, privileges: map[string]bool{
					"read": true, "write": true, "monitor": true, "manage": true, "all": true, "none": true,
					"read_failure_store": true, "manage_failure_store": true,
					"indices:data/read/search": true, "indices:*": true,
				}},
				{names: []string{"metrics-1", "logs*", "*"}, privileges: map[string]bool{"read": false, "none": false}},
			},
		},
		{
			name:   "read does not cover all",
			groups: []IndicesPrivileges{group(false, []string{"read"}, "logs-*")},
			cases: []indexCase{{names: []string{"logs-1"}, privileges: map[string]bool{
				"read": true, "READ": true, "read_cross_cluster": true, "indices:data/read/search": true, "indices:data/read/*": true,
				"all": false, "write": false, "view_index_metadata": false, "monitor": false, "indices:data/*": false,
				"read_failure_store": false,
			}}},
		},
		{
			name:   "a raw action pattern is not the named privilege",
			groups: []IndicesPrivileges{group(false, []string{"indices:data/read/*"}, "logs-*")},
			cases: []indexCase{{names: []string{"logs-1"}, privileges: map[string]bool{
				// read also grants resolve index/cluster, search_shards and more.
				"read": false, "indices:data/read/search": true, "indices:data/read/*": true,
			}}},
		},
		{
			name: "privileges of several covering groups are united",
			groups: []IndicesPrivileges{
				group(false, []string{"indices:data/read/*"}, "logs-*"),
				group(false, []string{"indices:admin/resolve/*", "indices:admin/inference/*", "indices:admin/shards/*",
					"indices:admin/search/*", "internal:transport/proxy/indices:data/read/*"}, "logs-*", "metrics-*"),
			},
			cases: []indexCase{
				{names: []string{"logs-1", "logs-*"}, privileges: map[string]bool{"read": true, "write": false}},
				{names: []string{"metrics-1"}, privileges: map[string]bool{"read": false}},
			},
		},
		{
			name: "only groups whose names contain the requested pattern count",
			groups: []IndicesPrivileges{
				group(false, []string{"read"}, "logs-1"),
				group(false, []string{"write"}, "logs-*"),
			},
			cases: []indexCase{
				{names: []string{"logs-1"}, privileges: map[string]bool{"read": true, "write": true}},
				{names: []string{"logs-*", "logs-1*"}, privileges: map[string]bool{"read": false, "write": true}},
			},
		},
		{
			name:   "a pattern inside the granted pattern",
			groups: []IndicesPrivileges{group(false, []string{"read"}, "logs-*", "/metrics-[0-9]+/")},
			cases: []indexCase{
				{names: []string{"logs-*", "logs-a?", "logs-1", "/logs-[0-9]/"}, privileges: map[string]bool{"read": true}},
				{names: []string{"logs*", "log?-1", "*", "metrics-*"}, privileges: map[string]bool{"read": false}},
				{names: []string{"metrics-12"}, privileges: map[string]bool{"read": true}},
				{names: []string{"/logs-[^a]/"}, privileges: map[string]bool{"read": false}}, // no wildcard form: not provable
			},
		},
		{
			name:   "the role's logs-1 does not cover logs-*",
			groups: []IndicesPrivileges{group(false, []string{"read"}, "logs-1")},
			cases: []indexCase{
				{names: []string{"logs-*"}, privileges: map[string]bool{"read": false}},
				{names: []string{"logs-1"}, privileges: map[string]bool{"read": true}},
			},
		},
		{
			name:   "* without allow_restricted_indices",
			groups: []IndicesPrivileges{group(false, []string{"read"}, "*")},
			cases: []indexCase{
				// Restricted names are taken out of the requested pattern.
				{names: []string{"*", ".kib*", ".security*", "logs-*"}, privileges: map[string]bool{"read": true}},
				// With allow_restricted_indices the pattern keeps them: not covered.
				{names: []string{"*", ".kib*", ".security*"}, allowRestricted: true, privileges: map[string]bool{"read": false}},
				{names: []string{"logs-*"}, allowRestricted: true, privileges: map[string]bool{"read": true}},
				// A restricted name asked explicitly is checked whatever the flag.
				{names: []string{".security-7", ".kibana_1"}, privileges: map[string]bool{"read": false}},
				{names: []string{".security-7"}, allowRestricted: true, privileges: map[string]bool{"read": false}},
				// A pattern that names only restricted indices is false.
				{names: []string{".security-7*", ".kibana_*"}, privileges: map[string]bool{"read": false, "none": false}},
			},
		},
		{
			name: "* with allow_restricted_indices",
			groups: []IndicesPrivileges{
				group(false, []string{"all"}, "*"),
				group(true, []string{"read"}, "*"),
			},
			cases: []indexCase{
				{names: []string{"*", ".security*"}, allowRestricted: true, privileges: map[string]bool{"read": true, "all": false}},
				{names: []string{".security-7"}, privileges: map[string]bool{"read": true, "write": false}},
				{names: []string{".security-7"}, allowRestricted: true, privileges: map[string]bool{"read": true, "write": false}},
				{names: []string{"*"}, privileges: map[string]bool{"read": true, "all": true}},
				// Even an entry with allow_restricted_indices cannot make an empty pattern true.
				{names: []string{".security-7*"}, privileges: map[string]bool{"read": false}},
				{names: []string{".security-7*"}, allowRestricted: true, privileges: map[string]bool{"read": true, "all": false}},
			},
		},
		{
			name:   "failure store privileges",
			groups: []IndicesPrivileges{group(false, []string{"read_failure_store"}, "logs")},
			cases: []indexCase{{names: []string{"logs"}, privileges: map[string]bool{
				// PR #125329's example.
				"read_failure_store": true, "read": false, "indices:data/read/*": false,
				"manage_failure_store": false,
			}}},
		},
		{
			name:   "manage grants data and failures",
			groups: []IndicesPrivileges{group(false, []string{"manage"}, "logs")},
			cases: []indexCase{{names: []string{"logs"}, privileges: map[string]bool{
				"manage": true, "manage_failure_store": true, "monitor": true, "read_failure_store": false,
				"manage_data_stream_lifecycle": true,
			}}},
		},
		{
			name:   "manage_failure_store grants no data access",
			groups: []IndicesPrivileges{group(false, []string{"manage_failure_store"}, "logs")},
			cases: []indexCase{{names: []string{"logs"}, privileges: map[string]bool{
				"manage_failure_store": true, "manage": false, "monitor": false, "none": false,
			}}},
		},
		{
			name:   "raw index actions with a wildcard inside",
			groups: []IndicesPrivileges{group(false, []string{"indices:data/*/search"}, "logs")},
			cases: []indexCase{{names: []string{"logs"}, privileges: map[string]bool{
				"indices:data/read/search": true, // proven by the role's pattern itself
				"indices:data/read/get":    false,
				"read":                     false,
			}}},
		},
		{
			name:   "no indices",
			groups: nil,
			cases: []indexCase{{names: []string{"logs", "*"}, privileges: map[string]bool{
				"none": false, "read": false,
			}}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := mustCompile(t, &RoleDescriptor{Name: "r", Indices: tc.groups})
			for _, c := range tc.cases {
				var privs []string
				for name := range c.privileges {
					privs = append(privs, name)
				}
				got, err := HasPrivileges(p, nil, HasPrivilegesRequest{Index: []IndexPrivilegesCheck{
					{Names: c.names, Privileges: privs, AllowRestrictedIndices: c.allowRestricted},
				}})
				if err != nil {
					t.Fatal(err)
				}
				for _, n := range c.names {
					for priv, want := range c.privileges {
						if g, ok := got.Index[n][priv]; !ok || g != want {
							t.Errorf("index %q (allow_restricted=%v) %q = %v (present %v), want %v", n, c.allowRestricted, priv, g, ok, want)
						}
					}
				}
			}
		})
	}
}

func TestHasPrivilegesMergesAndNilPermission(t *testing.T) {
	t.Parallel()
	p := mustCompile(t, &RoleDescriptor{Name: "r", Indices: []IndicesPrivileges{
		{Names: []string{"*"}, Privileges: []string{"read"}},
	}})
	// The same index in two entries: true only when both checks are.
	got, err := HasPrivileges(p, nil, HasPrivilegesRequest{Index: []IndexPrivilegesCheck{
		{Names: []string{"logs", ".security-7"}, Privileges: []string{"read"}},
		{Names: []string{"logs", "*"}, Privileges: []string{"read"}, AllowRestrictedIndices: true},
		{Names: []string{"other"}, Privileges: []string{}}, // no privilege: nothing to answer
	}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]bool{
		"logs":        {"read": true},
		".security-7": {"read": false},
		"*":           {"read": false},
		"other":       {},
	}
	if !reflect.DeepEqual(got.Index, want) || got.HasAllRequested {
		t.Errorf("got %v (all=%v), want %v (all=false)", got.Index, got.HasAllRequested, want)
	}

	got, err = HasPrivileges(nil, nil, HasPrivilegesRequest{
		Cluster:     []string{"none"},
		Index:       []IndexPrivilegesCheck{{Names: []string{"a"}, Privileges: []string{"none"}}},
		Application: []ApplicationPrivilegesCheck{{Application: "myapp", Privileges: []string{"read"}, Resources: []string{"x"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.HasAllRequested || got.Cluster["none"] || got.Index["a"]["none"] || got.Application["myapp"]["x"]["read"] {
		t.Errorf("nil permission granted something: %+v", got)
	}

	got, err = HasPrivileges(p, nil, HasPrivilegesRequest{Index: []IndexPrivilegesCheck{{Names: []string{"logs"}, Privileges: []string{"read"}}}})
	if err != nil || !got.HasAllRequested || got.Cluster == nil || got.Application == nil {
		t.Errorf("got %+v, %v; want all requested and non-nil maps", got, err)
	}
}

func TestHasPrivilegesApplicationMerge(t *testing.T) {
	t.Parallel()
	roles := []*RoleDescriptor{appRole("r", ApplicationPrivileges{
		Application: "inventory_manager", Privileges: []string{"read"}, Resources: []string{"product/*"}})}
	apps := mustCompileApps(t, inventoryDefs, roles...)
	got, err := HasPrivileges(mustCompile(t, roles...), apps, HasPrivilegesRequest{Application: []ApplicationPrivilegesCheck{
		{Application: "inventory_manager", Privileges: []string{"read", "write"}, Resources: []string{"product/1", "order/1"}},
		{Application: "inventory_manager", Privileges: []string{"read"}, Resources: []string{"product/2"}},
		{Application: "inventory_reports", Privileges: []string{"read"}, Resources: []string{"r"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]map[string]bool{
		"inventory_manager": {
			"product/1": {"read": true, "write": false},
			"order/1":   {"read": false, "write": false},
			"product/2": {"read": true},
		},
		"inventory_reports": {"r": {"read": false}},
	}
	if !reflect.DeepEqual(got.Application, want) {
		t.Errorf("got %v\nwant %v", got.Application, want)
	}

	limited := apps.Limit(mustCompileApps(t, inventoryDefs, appRole("key", ApplicationPrivileges{
		Application: "inventory_manager", Privileges: []string{"read"}, Resources: []string{"product/1"}})))
	got, err = HasPrivileges(nil, limited, HasPrivilegesRequest{Application: []ApplicationPrivilegesCheck{
		{Application: "inventory_manager", Privileges: []string{"read"}, Resources: []string{"product/1", "product/2"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if w := map[string]bool{"read": true}; !reflect.DeepEqual(got.Application["inventory_manager"]["product/1"], w) {
		t.Errorf("limited product/1 = %v, want %v", got.Application["inventory_manager"]["product/1"], w)
	}
	if got.Application["inventory_manager"]["product/2"]["read"] {
		t.Error("limited product/2 read = true, want false")
	}
}

func TestAndResults(t *testing.T) {
	t.Parallel()
	dst := HasPrivilegesResult{
		Cluster: map[string]bool{"monitor": true, "manage": true, "all": false},
		Index:   map[string]map[string]bool{"logs": {"read": true, "write": true}},
	}
	andResults(&dst, HasPrivilegesResult{
		Cluster: map[string]bool{"monitor": true, "manage": false, "all": true},
		Index:   map[string]map[string]bool{"logs": {"read": false, "write": true}},
	})
	want := HasPrivilegesResult{
		Cluster: map[string]bool{"monitor": true, "manage": false, "all": false},
		Index:   map[string]map[string]bool{"logs": {"read": false, "write": true}},
	}
	if !reflect.DeepEqual(dst, want) {
		t.Errorf("got %+v, want %+v", dst, want)
	}
}

func TestHasPrivilegesErrors(t *testing.T) {
	t.Parallel()
	p := mustCompile(t, &RoleDescriptor{Name: "r", Cluster: []string{"all"}})
	for _, tc := range []struct {
		name       string
		req        HasPrivilegesRequest
		wantType   string
		wantReason string // exact, or a prefix when it ends with "…"
	}{
		{"nothing", HasPrivilegesRequest{}, TypeActionRequestValidation, "Validation Failed: 1: must specify at least one privilege;"},
		{"unknown cluster privilege", HasPrivilegesRequest{Cluster: []string{"monitor", "Manage_Everything"}}, TypeIllegalArgument,
			"unknown cluster privilege [manage_everything]. a privilege must be either one of the predefined cluster privilege names […"},
		{"unknown index privilege", HasPrivilegesRequest{Index: []IndexPrivilegesCheck{{Names: []string{"a"}, Privileges: []string{"read", "Reed"}}}}, TypeIllegalArgument,
			"unknown index privilege [reed]. a privilege must be either one of the predefined fixed indices privileges [all,auto_configure,create,…"},
		{"missing names", HasPrivilegesRequest{User: "bob", Index: []IndexPrivilegesCheck{{Privileges: []string{"read"}}}}, TypeParseException,
			"failed to parse indices privileges for role [bob/has_privileges]. missing required [names] field"},
		{"empty names", HasPrivilegesRequest{User: "bob", Index: []IndexPrivilegesCheck{{Names: []string{}, Privileges: []string{"read"}}}}, TypeParseException,
			"failed to parse indices privileges for role [bob/has_privileges]. [names] cannot be an empty array"},
		{"missing index privileges", HasPrivilegesRequest{User: "bob", Index: []IndexPrivilegesCheck{{Names: []string{"a"}}}}, TypeParseException,
			"failed to parse indices privileges for role [bob/has_privileges]. missing required [privileges] field"},
		{"missing resources", HasPrivilegesRequest{User: "bob", Application: []ApplicationPrivilegesCheck{{Application: "myapp", Privileges: []string{"read"}}}}, TypeParseException,
			"failed to parse application privileges for role [bob/has_privileges]. missing required [resources] field"},
		{"missing application privileges", HasPrivilegesRequest{User: "bob", Application: []ApplicationPrivilegesCheck{{Application: "myapp", Resources: []string{"x"}}}}, TypeParseException,
			"failed to parse application privileges for role [bob/has_privileges]. missing required [privileges] field"},
		{"no application name", HasPrivilegesRequest{Application: []ApplicationPrivilegesCheck{{Privileges: []string{"read"}, Resources: []string{"x"}}}}, TypeIllegalArgument,
			"application privileges must have an application name"},
		{"empty application privileges", HasPrivilegesRequest{Application: []ApplicationPrivilegesCheck{{Application: "myapp", Privileges: []string{}, Resources: []string{"x"}}}}, TypeIllegalArgument,
			"application privileges must define at least one privilege"},
		{"empty resources", HasPrivilegesRequest{Application: []ApplicationPrivilegesCheck{{Application: "myapp", Privileges: []string{"read"}, Resources: []string{}}}}, TypeIllegalArgument,
			"application privileges must refer to at least one resource"},
		{"wildcard application", HasPrivilegesRequest{Application: []ApplicationPrivilegesCheck{
			{Application: "inventory*", Privileges: []string{"read"}, Resources: []string{"x"}},
			{Application: "ab", Privileges: []string{"read"}, Resources: []string{"x"}},
		}}, TypeActionRequestValidation,
			"Validation Failed: 1: Application names may not contain '*' (found 'inventory*');2: An application name prefix must be at least 3 characters long (found 'ab');"},
		{"selector", HasPrivilegesRequest{Index: []IndexPrivilegesCheck{{Names: []string{"logs::failures"}, Privileges: []string{"read"}}}}, TypeActionRequestValidation,
			"Validation Failed: 1: may only check index privileges without selectors in index patterns [logs::failures];"},
		{"bad regex", HasPrivilegesRequest{Index: []IndexPrivilegesCheck{{Names: []string{"/logs"}, Privileges: []string{"read"}}}}, TypeIllegalArgument,
			"invalid pattern [/logs]: …"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := HasPrivileges(p, nil, tc.req)
			var he *HasPrivilegesError
			if !errors.As(err, &he) {
				t.Fatalf("error = %v, want *HasPrivilegesError", err)
			}
			if he.Type != tc.wantType {
				t.Errorf("type = %q, want %q", he.Type, tc.wantType)
			}
			if prefix, ok := strings.CutSuffix(tc.wantReason, "…"); ok {
				if !strings.HasPrefix(he.Reason, prefix) {
					t.Errorf("reason = %q, want prefix %q", he.Reason, prefix)
				}
			} else if he.Reason != tc.wantReason {
				t.Errorf("reason = %q, want %q", he.Reason, tc.wantReason)
			}
		})
	}
}

func TestHasPrivilegesUnknownPrivilegeMessages(t *testing.T) {
	t.Parallel()
	_, err := HasPrivileges(nil, nil, HasPrivilegesRequest{Cluster: []string{"x"}})
	msg := err.Error()
	// ClusterPrivilegeResolver lists its names least privileged first: all comes last.
	if !strings.HasSuffix(msg, ",all] or a pattern over one of the available cluster actions") ||
		!strings.Contains(msg, "manage_own_api_key") || !strings.Contains(msg, ",none,") && !strings.Contains(msg, "[none,") {
		t.Errorf("unexpected cluster message %q", msg)
	}
	_, err = HasPrivileges(nil, nil, HasPrivilegesRequest{Index: []IndexPrivilegesCheck{{Names: []string{"a"}, Privileges: []string{"x"}}}})
	want := "unknown index privilege [x]. a privilege must be either one of the predefined fixed indices privileges [" +
		strings.Join(ES9().Names(IndexKind), ",") + "] or a pattern over one of the available index actions"
	if err == nil || err.Error() != want {
		t.Errorf("index message = %v, want %q", err, want)
	}
	// A pattern that names only restricted indices answers false without resolving the
	// privilege, like IndicesPermission.checkResourcePrivileges.
	got, err := HasPrivileges(nil, nil, HasPrivilegesRequest{Index: []IndexPrivilegesCheck{{Names: []string{".security-7*"}, Privileges: []string{"x"}}}})
	if err != nil || got.Index[".security-7*"]["x"] {
		t.Errorf("got %v, %v; want false and no error", got.Index, err)
	}
}

func TestLangSubset(t *testing.T) {
	t.Parallel()
	term := func(incl ...string) langTerm { return langTerm{incl: incl} }
	minus := func(t langTerm, excl ...string) langTerm { t.excl = excl; return t }
	for _, tc := range []struct {
		name string
		a, b []langTerm
		want bool
	}{
		{"literal in prefix", []langTerm{term("a/b")}, []langTerm{term("a/*")}, true},
		{"prefix in literal", []langTerm{term("a/*")}, []langTerm{term("a/b")}, false},
		{"prefix equals", []langTerm{term("a/**")}, []langTerm{term("a/*")}, true},
		{"union of literal and a '?' pattern (true, not proven)", []langTerm{term("a*")}, []langTerm{term("a"), term("a?*")}, false},
		{"union of prefixes and literals", []langTerm{term("a*")}, []langTerm{minus(term("a*"), "ab*", "ac"), term("ab*"), term("ac")}, true},
		{"union of prefixes does not cover the stem", []langTerm{term("a*")}, []langTerm{term("ab*", "ac*")}, false},
		{"exclusion removes", []langTerm{term("a/*")}, []langTerm{minus(term("a/*"), "a/x*")}, false},
		{"excluded part granted elsewhere", []langTerm{term("a/*")}, []langTerm{minus(term("a/*"), "a/x*"), term("a/x")}, false},
		{"excluded part granted elsewhere, all of it", []langTerm{term("a/*")}, []langTerm{minus(term("a/*"), "a/x*"), term("a/x*")}, true},
		{"requested exclusion", []langTerm{minus(term("a/*"), "a/x*")}, []langTerm{minus(term("a/*"), "a/x/*")}, true},
		{"empty request", []langTerm{{}}, []langTerm{term("a")}, true},
		{"empty grant", []langTerm{term("a")}, nil, false},
		{"opaque request", []langTerm{{inclOpaque: true}}, []langTerm{term("*")}, false},
		{"opaque exclusion drops the term", []langTerm{term("a")}, []langTerm{{incl: []string{"*"}, exclOpaque: true}}, false},
		{"complex grant covers complex request", []langTerm{term("x/*/y")}, []langTerm{term("x/*")}, true},
		{"complex grant covers literal", []langTerm{term("x/a/y")}, []langTerm{term("x/*/y")}, true},
		{"complex grant does not cover prefix", []langTerm{term("x/*")}, []langTerm{term("x/*/y")}, false},
		{"complex grant with '?'", []langTerm{term("x/ab")}, []langTerm{term("x/a?")}, true},
		{"complex request approximated by its prefix", []langTerm{term("x/*/y")}, []langTerm{term("x/a*"), term("x/b*")}, false},
	} {
		if got := langSubset(tc.a, tc.b); got != tc.want {
			t.Errorf("%s: langSubset = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestLangSubsetAgainstEnumeration checks langSubset on random small languages
// against enumerating every string over the alphabet up to a length that decides
// inclusion: exact agreement for literal and literal* patterns, and never a true the
// enumeration refutes for other patterns.
func TestLangSubsetAgainstEnumeration(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	const maxLen = 5 // stems are at most 3 long: length 4 strings represent all longer ones
	var all []string
	var grow func(string)
	grow = func(s string) {
		all = append(all, s)
		if len(s) < maxLen {
			for _, c := range "abc" {
				grow(s + string(c))
			}
		}
	}
	grow("")
	pattern := func(simple bool) string {
		var b strings.Builder
		n := rng.IntN(4)
		for range n {
			if !simple && rng.IntN(4) == 0 {
				b.WriteString([]string{"*", "?"}[rng.IntN(2)])
			} else {
				b.WriteByte("ab"[rng.IntN(2)])
			}
		}
		if rng.IntN(2) == 0 {
			b.WriteByte('*')
		}
		return b.String()
	}
	lang := func(simple bool) []langTerm {
		var out []langTerm
		for range 1 + rng.IntN(3) {
			var tm langTerm
			for range 1 + rng.IntN(2) {
				tm.incl = append(tm.incl, pattern(simple))
			}
			if rng.IntN(3) == 0 {
				tm.excl = append(tm.excl, pattern(simple))
			}
			out = append(out, tm)
		}
		return out
	}
	enumerated := func(a, b []langTerm) bool {
		for _, s := range all {
			if matchAny(a, s) && !matchAny(b, s) {
				return false
			}
		}
		return true
	}
	for i := range 20000 {
		simple := i%2 == 0
		a, b := lang(simple), lang(simple)
		got, want := langSubset(a, b), enumerated(a, b)
		if simple && got != want {
			t.Fatalf("simple: langSubset(%v, %v) = %v, enumeration says %v", a, b, got, want)
		}
		if !simple && got && !want {
			t.Fatalf("complex: langSubset(%v, %v) = true, enumeration refutes it", a, b)
		}
	}
}

func BenchmarkHasPrivileges(b *testing.B) {
	p := mustCompile(b, superuser, &RoleDescriptor{Name: "r", Cluster: []string{"manage", "manage_security"}, Indices: []IndicesPrivileges{
		{Names: []string{"logs-*"}, Privileges: []string{"read", "view_index_metadata"}},
	}})
	req := HasPrivilegesRequest{
		Cluster: []string{"all", "monitor", "manage_security", "cluster:monitor/health"},
		Index: []IndexPrivilegesCheck{
			{Names: []string{"logs-*", "*", ".security-7"}, Privileges: []string{"read", "all", "write", "manage"}},
		},
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := HasPrivileges(p, nil, req); err != nil {
			b.Fatal(err)
		}
	}
}
