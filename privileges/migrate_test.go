package privileges

import (
	"slices"
	"strings"
	"testing"
)

func TestMigrate(t *testing.T) {
	for _, tc := range []struct {
		from, to string
		kind     Kind
		name     string
		want     []string // Privileges
		exact    bool
		broader  []string
		lost     []string // Lost patterns
		named    []string
		note     string // substring of Note
	}{
		// The Shield examples: a renamed privilege, and crud as read and write.
		{from: "shield1", to: "shield2", kind: ClusterKind, name: "manage_shield", want: []string{"manage_security"}, exact: true, note: "same actions in shield2"},
		{from: "shield1", to: "shield2", kind: IndexKind, name: "crud", want: []string{"read", "indices:data/write/*"}, exact: true,
			lost: []string{"indices:data/read/mlt"}, named: []string{"read", "write"}, note: "named privileges [read,write] also grant [indices:admin/mapping/put]"},
		{from: "shield1", to: "shield2", kind: IndexKind, name: "manage_aliases", want: []string{"indices:admin/aliases*"}, exact: true, named: []string{"manage"}},
		{from: "shield1", to: "shield2", kind: IndexKind, name: "indices:admin/optimize", want: []string{"indices:admin/forcemerge"}, exact: true},
		{from: "shield1", to: "shield2", kind: IndexKind, name: "all", want: []string{"all"}, exact: true},
		{from: "shield1", to: "shield2", kind: IndexKind, name: "mystery", note: "not a index privilege of shield1"},
		// Shield security actions became x-pack security actions; delegate_pki is
		// outside manage_security, so the exact equivalent needs both.
		{from: "shield1", to: "9", kind: ClusterKind, name: "manage_shield", want: []string{"delegate_pki", "manage_security"}, exact: true},
		{from: "shield1", to: "9", kind: ClusterKind, name: "cluster:admin/shield/realm/cache/clear", want: []string{"cluster:admin/xpack/security/realm/cache/clear"}, exact: true},
		// Removed actions are listed, not silently dropped.
		{from: "shield1", to: "9", kind: IndexKind, name: "read", want: []string{"indices:data/read/*"}, exact: true,
			lost:  []string{"indices:data/read/mlt", "indices:data/read/percolate*", "indices:data/read/mpercolate*", "indices:data/read/exists*", "indices:data/read/count*", "indices:data/read/field_stats*", "indices:data/read/script/get*"},
			named: []string{"read"}, note: "narrower"},
		{from: "shield1", to: "9", kind: IndexKind, name: "manage", want: []string{"monitor", "indices:admin/*"}, exact: true,
			lost: []string{"indices:admin/warmers/*", "indices:admin/exists", "indices:admin/types/exists", "indices:admin/aliases/exists", "indices:admin/upgrade*", "indices:monitor/upgrade*"}, named: []string{"manage"}},
		{from: "shield1", to: "9", kind: IndexKind, name: "indices:data/read/percolate", lost: []string{"indices:data/read/percolate"}, note: "no equivalent in 9"},
		{from: "shield1", to: "9", kind: IndexKind, name: "indices:admin/warmers/put", lost: []string{"indices:admin/warmers/put"}},
		// A raw literal matches by prefix: say which known actions that adds.
		{from: "shield2", to: "9", kind: IndexKind, name: "view_index_metadata",
			want:    []string{"indices:admin/aliases/get", "indices:admin/get", "indices:admin/mappings/fields/get*", "indices:admin/mappings/get", "indices:admin/shards/search_shards", "indices:admin/validate/query*", "indices:monitor/settings/get"},
			broader: []string{"indices:admin/get/metering/stats"}, lost: []string{"indices:admin/aliases/exists", "indices:admin/exists", "indices:admin/types/exists"}, named: []string{"view_index_metadata"}, note: "broader: also grants [indices:admin/get/metering/stats]"},
		{from: "shield2", to: "9", kind: ClusterKind, name: "transport_client", want: []string{"transport_client"}, exact: true},
		{from: "shield2", to: "8", kind: ClusterKind, name: "manage_index_templates", want: []string{"indices:admin/template/*"}, exact: true, named: []string{"manage_index_templates"}},
		// Downgrades: what the old flavour cannot name is lost, exclusions it cannot
		// subtract make the replacement broader.
		{from: "9", to: "shield2", kind: ClusterKind, name: "manage", want: []string{"manage"}, exact: true, lost: []string{"indices:admin/index_template/*"}},
		{from: "9", to: "shield2", kind: ClusterKind, name: "manage_security", want: []string{"cluster:admin/shield/*"}, broader: []string{"cluster:admin/shield/delegate_pki"}, named: []string{"manage_security"}, note: "broader"},
		{from: "9", to: "shield2", kind: ClusterKind, name: "monitor", want: []string{"monitor", "indices:admin/template/get", "cluster:admin/component_template/get"}, exact: true, lost: []string{"indices:admin/index_template/get"}, named: []string{"manage"}},
		{from: "9", to: "shield2", kind: ClusterKind, name: "manage_own_api_key", lost: []string{"manage_own_api_key"}},
		{from: "9", to: "shield1", kind: IndexKind, name: "create_doc", exact: true, named: []string{"write"},
			want: []string{"indices:data/write/index", "indices:data/write/index[*", "indices:data/write/index:op_type/create", "indices:data/write/bulk*", "indices:data/write/simulate/bulk*", "indices:data/write/otlp/*", "indices:data/write/prometheus/*"}},
		// 9 and 8.
		{from: "9", to: "8", kind: IndexKind, name: "read", want: []string{"read_cross_cluster", "read", "indices:admin/inference/fields/get"}, exact: true,
			named: []string{"manage", "read", "read_cross_cluster"}, note: "named privileges [manage,read,read_cross_cluster] also grant [indices:monitor/*,indices:admin/*]"},
		{from: "9", to: "8", kind: ClusterKind, name: "monitor_esql", want: []string{"cluster:monitor/xpack/esql/*"}, exact: true, named: []string{"monitor"}},
		{from: "9", to: "8", kind: IndexKind, name: "manage_failure_store", lost: []string{"manage_failure_store"}, note: "no equivalent in 8"},
		{from: "9", to: "8", kind: IndexKind, name: "read_failure_store", want: []string{"read_failure_store"}, exact: true,
			lost: []string{"internal:transport/proxy/indices:data/read/*", "indices:admin/shards/search_shards", "indices:admin/search/search_shards", "indices:admin/resolve/cluster", "indices:admin/inference/fields/get"}},
		{from: "8", to: "9", kind: ClusterKind, name: "manage_slm", want: []string{"manage_slm"}, exact: true},
		{from: "8", to: "9", kind: IndexKind, name: "read", want: []string{"indices:data/read/*", "indices:admin/resolve/index", "indices:admin/resolve/cluster"}, exact: true, named: []string{"read"}},
		// Serverless withholds features; no raw patterns stand in for them.
		{from: "9", to: "serverless", kind: ClusterKind, name: "manage_ilm", lost: []string{"manage_ilm"}, note: "no equivalent in serverless"},
		{from: "9", to: "serverless", kind: IndexKind, name: "read", want: []string{"read"}, exact: true},
		{from: "serverless", to: "9", kind: ClusterKind, name: "manage_ilm", note: "not a cluster privilege of serverless"},
	} {
		from, _ := CatalogueFor(tc.from)
		to, _ := CatalogueFor(tc.to)
		m := Migrate(from, to, tc.kind, tc.name)
		var lost []string
		for _, g := range m.Lost {
			lost = append(lost, g.Pattern)
			if g.Reason == "" {
				t.Errorf("%s->%s [%s]: gap %q without a reason", tc.from, tc.to, tc.name, g.Pattern)
			}
		}
		if !slices.Equal(m.Privileges, tc.want) || m.Exact != tc.exact || !slices.Equal(m.Broader, tc.broader) ||
			!slices.Equal(lost, tc.lost) || !slices.Equal(m.Named, tc.named) || !strings.Contains(m.Note, tc.note) {
			t.Errorf("%s->%s %s [%s]:\n got %q exact=%v broader=%q lost=%q named=%q note %q\nwant %q exact=%v broader=%q lost=%q named=%q note ~%q",
				tc.from, tc.to, tc.kind, tc.name, m.Privileges, m.Exact, m.Broader, lost, m.Named, m.Note,
				tc.want, tc.exact, tc.broader, tc.lost, tc.named, tc.note)
		}
		if m.Known != (tc.want != nil || tc.lost != nil) {
			t.Errorf("%s->%s [%s]: Known = %v", tc.from, tc.to, tc.name, m.Known)
		}
	}
}

// TestMigrateNeverWidensSilently: for every privilege of every flavour and every
// target, the replacement grants nothing beyond the source unless Broader says so.
func TestMigrateNeverWidensSilently(t *testing.T) {
	for _, ff := range Flavours {
		for _, tf := range Flavours {
			t.Run(ff+"->"+tf, func(t *testing.T) {
				t.Parallel()
				from, _ := CatalogueFor(ff)
				to, _ := CatalogueFor(tf)
				for _, k := range []Kind{ClusterKind, IndexKind} {
					lookup := to.Cluster
					if k == IndexKind {
						lookup = to.Index
					}
					for _, name := range from.Names(k) {
						m := Migrate(from, to, k, name)
						if !m.Known {
							t.Errorf("[%s] unknown", name)
							continue
						}
						if ff == tf && (!slices.Equal(m.Privileges, []string{name}) || !m.Exact) {
							t.Errorf("[%s] = %q", name, m.Privileges)
						}
						if len(m.Broader) > 0 && (m.Exact || !strings.Contains(m.Note, "broader")) {
							t.Errorf("[%s]: broader %q not noted: %q", name, m.Broader, m.Note)
						}
						if len(m.Lost) > 0 && len(m.Privileges) > 0 && !strings.Contains(m.Note, "narrower") {
							t.Errorf("[%s]: lost %v not noted: %q", name, m.Lost, m.Note)
						}
						for _, p := range m.Privileges {
							if _, ok := lookup(p); !ok {
								t.Errorf("[%s]: %q is not a %s privilege of %s", name, p, k, tf)
							}
						}
					}
				}
			})
		}
	}
}
