package privileges

import (
	"maps"
	"os"
	"slices"
	"strings"
	"testing"
)

// meaning is what a documented privilege must grant and must not grant.
type meaning struct {
	kind   Kind
	name   string
	grants []string
	denies []string
}

func cm(name string, grants, denies []string) meaning {
	return meaning{ClusterKind, name, grants, denies}
}
func im(name string, grants, denies []string) meaning {
	return meaning{IndexKind, name, grants, denies}
}
func acts(actions ...string) []string { return actions }

// esCluster are the cluster privileges of the 8.x and 9.x references, with sample
// actions that hold in both.
var esCluster = []meaning{
	cm("all", acts("cluster:admin/settings/update", "cluster:admin/xpack/security/user/put", "indices:admin/template/put", "indices:admin/index_template/put"), acts("indices:data/read/search")),
	cm("cancel_task", acts("cluster:admin/tasks/cancel"), acts("cluster:monitor/tasks/lists")),
	cm("create_snapshot", acts("cluster:admin/snapshot/create", "cluster:admin/snapshot/get", "cluster:admin/snapshot/status", "cluster:admin/repository/get"), acts("cluster:admin/snapshot/delete", "cluster:admin/snapshot/restore", "cluster:admin/repository/put")),
	cm("cross_cluster_replication", acts("cluster:internal/remote_cluster/handshake", "cluster:monitor/state"), acts("cluster:monitor/health")),
	cm("cross_cluster_search", acts("cluster:internal/remote_cluster/nodes", "cluster:monitor/xpack/info"), acts("cluster:monitor/state")),
	cm("grant_api_key", acts("cluster:admin/xpack/security/api_key/grant"), acts("cluster:admin/xpack/security/api_key/create")),
	cm("manage", acts("cluster:admin/settings/update", "cluster:admin/reroute", "cluster:admin/snapshot/create", "cluster:admin/snapshot/status", "cluster:monitor/health"), acts("cluster:admin/xpack/security/user/put", "cluster:admin/xpack/security/role/put")),
	cm("manage_api_key", acts("cluster:admin/xpack/security/api_key/create", "cluster:admin/xpack/security/api_key/get", "cluster:admin/xpack/security/api_key/query", "cluster:admin/xpack/security/api_key/update", "cluster:admin/xpack/security/api_key/bulk_update", "cluster:admin/xpack/security/api_key/invalidate"), acts("cluster:admin/xpack/security/user/put")),
	cm("manage_autoscaling", acts("cluster:admin/autoscaling/put_autoscaling_policy"), acts("cluster:admin/settings/update")),
	cm("manage_ccr", acts("cluster:admin/xpack/ccr/auto_follow_pattern/put", "cluster:monitor/state", "cluster:admin/xpack/security/user/has_privileges"), acts("cluster:admin/settings/update")),
	cm("manage_data_frame_transforms", acts("cluster:admin/transform/put", "cluster:monitor/transform/get"), acts("cluster:admin/xpack/ml/job/put")),
	cm("manage_data_stream_global_retention", nil, acts("cluster:admin/data_stream/global_retention/put", "cluster:monitor/data_stream/global_retention/get")),
	cm("manage_enrich", acts("cluster:admin/xpack/enrich/put", "cluster:admin/xpack/enrich/execute", "cluster:monitor/xpack/enrich/stats"), acts("cluster:admin/ingest/pipeline/put")),
	cm("manage_ilm", acts("cluster:admin/ilm/put", "cluster:admin/ilm/start", "cluster:admin/ilm/stop"), acts("cluster:admin/slm/put")),
	cm("manage_index_templates", acts("indices:admin/template/put", "indices:admin/index_template/put", "cluster:admin/component_template/put"), acts("cluster:admin/settings/update")),
	cm("manage_inference", acts("cluster:admin/xpack/inference/put", "cluster:monitor/xpack/inference", "cluster:monitor/xpack/inference/get"), acts("cluster:admin/xpack/ml/job/put")),
	cm("manage_ingest_pipelines", acts("cluster:admin/ingest/pipeline/put", "cluster:admin/ingest/pipeline/delete"), acts("cluster:admin/logstash/pipeline/put")),
	cm("manage_logstash_pipelines", acts("cluster:admin/logstash/pipeline/put"), acts("cluster:admin/ingest/pipeline/put")),
	cm("manage_ml", acts("cluster:admin/xpack/ml/job/put", "cluster:admin/xpack/ml/datafeeds/put", "cluster:monitor/xpack/ml/job/get"), acts("cluster:admin/transform/put")),
	cm("manage_oidc", acts("cluster:admin/xpack/security/oidc/prepare", "cluster:admin/xpack/security/oidc/authenticate", "cluster:admin/xpack/security/oidc/logout"), acts("cluster:admin/xpack/security/saml/prepare")),
	cm("manage_own_api_key", acts("cluster:admin/xpack/security/api_key/create"), acts("cluster:admin/xpack/security/user/put")),
	cm("manage_pipeline", acts("cluster:admin/ingest/pipeline/put", "cluster:admin/ingest/pipeline/get"), acts("cluster:admin/logstash/pipeline/put")),
	cm("manage_rollup", acts("cluster:admin/xpack/rollup/put", "cluster:monitor/xpack/rollup/get"), acts("cluster:admin/xpack/ml/job/put")),
	cm("manage_saml", acts("cluster:admin/xpack/security/saml/prepare", "cluster:admin/xpack/security/saml/authenticate", "cluster:admin/xpack/security/token/invalidate", "cluster:admin/xpack/security/token/refresh"), acts("cluster:admin/xpack/security/token/create", "cluster:admin/xpack/security/oidc/prepare")),
	cm("manage_search_application", acts("cluster:admin/xpack/application/search_application/put"), acts("cluster:admin/xpack/query_rules/put")),
	cm("manage_search_query_rules", acts("cluster:admin/xpack/query_rules/put"), acts("cluster:admin/xpack/application/search_application/put")),
	cm("manage_search_synonyms", acts("cluster:admin/synonyms/put", "cluster:admin/synonyms_sets/get", "cluster:admin/synonym_rules/put"), acts("cluster:admin/xpack/query_rules/put")),
	cm("manage_security", acts("cluster:admin/xpack/security/user/put", "cluster:admin/xpack/security/role/put", "cluster:admin/xpack/security/realm/cache/clear", "cluster:admin/xpack/security/api_key/create"), acts("cluster:admin/xpack/security/delegate_pki", "cluster:admin/settings/update")),
	cm("manage_service_account", acts("cluster:admin/xpack/security/service_account/token/create"), acts("cluster:admin/xpack/security/user/put")),
	cm("manage_slm", acts("cluster:admin/slm/put", "cluster:admin/slm/start", "cluster:admin/ilm/start", "cluster:admin/ilm/stop", "cluster:admin/ilm/operation_mode/get"), acts("cluster:admin/ilm/put")),
	cm("manage_token", acts("cluster:admin/xpack/security/token/create", "cluster:admin/xpack/security/token/invalidate"), acts("cluster:admin/xpack/security/user/put")),
	cm("manage_transform", acts("cluster:admin/transform/put", "cluster:monitor/transform/get"), acts("cluster:admin/xpack/ml/job/put")),
	cm("manage_watcher", acts("cluster:admin/xpack/watcher/watch/put", "cluster:monitor/xpack/watcher/stats/dist"), acts("cluster:admin/xpack/ml/job/put")),
	cm("monitor", acts("cluster:monitor/health", "cluster:monitor/state", "cluster:monitor/nodes/hot_threads", "cluster:monitor/nodes/info", "cluster:monitor/nodes/stats", "cluster:monitor/stats", "cluster:monitor/task", "indices:admin/template/get"), acts("cluster:admin/settings/update", "cluster:admin/reroute", "indices:admin/template/put")),
	cm("monitor_data_stream_global_retention", nil, acts("cluster:monitor/data_stream/global_retention/get")),
	cm("monitor_enrich", acts("cluster:monitor/xpack/enrich/stats", "cluster:admin/xpack/enrich/get"), acts("cluster:admin/xpack/enrich/put")),
	cm("monitor_inference", acts("cluster:monitor/xpack/inference", "cluster:monitor/xpack/inference/get"), acts("cluster:admin/xpack/inference/put")),
	cm("monitor_ml", acts("cluster:monitor/xpack/ml/job/get"), acts("cluster:admin/xpack/ml/job/put")),
	cm("monitor_rollup", acts("cluster:monitor/xpack/rollup/get"), acts("cluster:admin/xpack/rollup/put")),
	cm("monitor_snapshot", acts("cluster:admin/snapshot/get", "cluster:admin/snapshot/status", "cluster:admin/snapshot/status[nodes]", "cluster:admin/repository/get"), acts("cluster:admin/snapshot/create")),
	cm("monitor_stats", acts("cluster:monitor/stats", "cluster:monitor/stats/remote"), acts("cluster:monitor/health")),
	cm("monitor_text_structure", acts("cluster:monitor/text_structure/find_structure"), acts("cluster:monitor/health")),
	cm("monitor_transform", acts("cluster:monitor/transform/get"), acts("cluster:admin/transform/put")),
	cm("monitor_watcher", acts("cluster:monitor/xpack/watcher/watch/get"), acts("cluster:admin/xpack/watcher/watch/put")),
	cm("read_ccr", acts("cluster:monitor/state", "cluster:admin/xpack/security/user/has_privileges"), acts("cluster:admin/xpack/ccr/auto_follow_pattern/put")),
	cm("read_ilm", acts("cluster:admin/ilm/get", "cluster:admin/ilm/operation_mode/get"), acts("cluster:admin/ilm/put", "cluster:admin/ilm/start")),
	cm("read_pipeline", acts("cluster:admin/ingest/pipeline/get", "cluster:admin/ingest/pipeline/simulate"), acts("cluster:admin/ingest/pipeline/put")),
	cm("read_slm", acts("cluster:admin/slm/get", "cluster:admin/slm/status", "cluster:admin/ilm/operation_mode/get"), acts("cluster:admin/slm/put", "cluster:admin/ilm/start")),
	cm("read_security", acts("cluster:admin/xpack/security/user/get", "cluster:admin/xpack/security/role/get", "cluster:admin/xpack/security/api_key/get", "cluster:admin/xpack/security/api_key/query", "cluster:admin/xpack/security/role_mapping/get"), acts("cluster:admin/xpack/security/user/put")),
	cm("transport_client", acts("cluster:monitor/nodes/liveness", "cluster:monitor/state"), acts("cluster:monitor/health")),
}

// esIndex are the index privileges of the 8.x and 9.x references.
var esIndex = []meaning{
	im("all", acts("indices:data/read/search", "indices:admin/delete", "indices:monitor/stats"), acts("cluster:monitor/health")),
	im("auto_configure", acts("indices:admin/auto_create", "indices:admin/mapping/auto_put"), acts("indices:admin/create", "indices:admin/mapping/put")),
	im("create", acts("indices:data/write/index", "indices:data/write/index:op_type/index", "indices:data/write/bulk"), acts("indices:data/write/update", "indices:data/write/delete")),
	im("create_doc", acts("indices:data/write/index:op_type/create", "indices:data/write/bulk"), acts("indices:data/write/index:op_type/index", "indices:data/write/update")),
	im("create_index", acts("indices:admin/create", "indices:admin/data_stream/create"), acts("indices:admin/delete")),
	im("cross_cluster_replication", acts("indices:data/read/xpack/ccr/shard_changes", "indices:monitor/stats"), acts("indices:data/read/search")),
	im("cross_cluster_replication_internal", acts("indices:internal/admin/ccr/restore/session/put"), acts("indices:data/read/search")),
	im("delete", acts("indices:data/write/delete", "indices:data/write/bulk"), acts("indices:data/write/index")),
	im("delete_index", acts("indices:admin/delete", "indices:admin/data_stream/delete"), acts("indices:admin/create")),
	im("index", acts("indices:data/write/index", "indices:data/write/update"), acts("indices:data/write/delete")),
	im("maintenance", acts("indices:admin/refresh", "indices:admin/flush", "indices:admin/forcemerge"), acts("indices:admin/close", "indices:data/read/search")),
	im("manage", acts("indices:admin/aliases", "indices:admin/analyze", "indices:admin/cache/clear", "indices:admin/close", "indices:admin/delete", "indices:admin/mapping/put", "indices:admin/open", "indices:admin/forcemerge", "indices:admin/refresh", "indices:admin/settings/update", "indices:admin/validate/query", "indices:monitor/stats", "indices:data/read/field_caps"), acts("indices:data/read/search", "indices:data/write/index")),
	im("manage_data_stream_lifecycle", acts("indices:admin/data_stream/lifecycle/put", "indices:admin/data_stream/lifecycle/get"), acts("indices:admin/data_stream/create")),
	im("manage_follow_index", acts("indices:admin/xpack/ccr/put_follow", "indices:admin/xpack/ccr/unfollow", "indices:admin/close"), acts("indices:admin/open")),
	im("manage_ilm", acts("indices:admin/ilm/retry", "indices:admin/ilm/remove_policy"), acts("indices:admin/delete")),
	im("manage_leader_index", acts("indices:admin/xpack/ccr/forget_follower"), acts("indices:admin/xpack/ccr/put_follow")),
	im("monitor", acts("indices:monitor/recovery", "indices:monitor/segments", "indices:monitor/stats"), acts("indices:admin/refresh")),
	im("read", acts("indices:data/read/search", "indices:data/read/get", "indices:data/read/mget", "indices:data/read/msearch", "indices:data/read/scroll", "indices:data/read/explain", "indices:data/read/tv", "indices:data/read/mtv", "indices:admin/resolve/index"), acts("indices:data/write/index", "indices:admin/get")),
	im("read_cross_cluster", acts("internal:transport/proxy/indices:data/read/search", "indices:admin/shards/search_shards", "indices:data/read/esql"), acts("indices:data/read/search")),
	im("read_failure_store", acts("indices:data/read/search", "indices:admin/resolve/index"), acts("indices:data/write/index")),
	im("view_index_metadata", acts("indices:admin/aliases/get", "indices:admin/get", "indices:admin/mappings/fields/get", "indices:admin/mappings/get", "indices:admin/shards/search_shards", "indices:admin/validate/query", "indices:monitor/settings/get", "indices:admin/ilm/explain", "indices:admin/data_stream/get", "indices:data/read/field_caps"), acts("indices:data/read/search", "indices:admin/mapping/put")),
	im("write", acts("indices:data/write/index", "indices:data/write/update", "indices:data/write/delete", "indices:data/write/bulk", "indices:data/write/delete/byquery", "indices:admin/mapping/auto_put"), acts("indices:admin/mapping/put", "indices:data/read/search")),
}

// es9Only are the 9.x privileges and meanings the 8.x catalogue does not have.
var es9Only = []meaning{
	cm("clone_api_key", acts("cluster:admin/xpack/security/api_key/clone"), acts("cluster:admin/xpack/security/api_key/create")),
	cm("monitor_esql", acts("cluster:monitor/xpack/esql/stats/dist", "cluster:monitor/xpack/esql/queries/list"), acts("cluster:monitor/health", "cluster:admin/settings/update")),
	im("manage_failure_store", acts("indices:admin/rollover", "indices:monitor/stats"), acts("indices:data/read/search")),
}

var shield2Meanings = []meaning{
	cm("all", acts("cluster:admin/settings/update", "cluster:admin/shield/user/put", "indices:admin/template/put"), acts("indices:data/read/search", "indices:admin/index_template/put")),
	cm("monitor", acts("cluster:monitor/health", "cluster:monitor/state", "cluster:monitor/nodes/hot_threads", "cluster:monitor/nodes/info", "cluster:monitor/nodes/stats", "cluster:monitor/stats", "cluster:monitor/pending_tasks"), acts("cluster:admin/settings/update", "indices:admin/template/get")),
	cm("manage", acts("cluster:admin/settings/update", "cluster:admin/reroute", "cluster:admin/snapshot/create", "cluster:monitor/health", "indices:admin/template/put"), acts("cluster:admin/shield/user/put", "cluster:admin/shield/realm/cache/clear")),
	cm("manage_security", acts("cluster:admin/shield/user/put", "cluster:admin/shield/role/put", "cluster:admin/shield/realm/cache/clear"), acts("cluster:admin/settings/update")),
	cm("manage_index_templates", acts("indices:admin/template/put", "indices:admin/template/get", "indices:admin/template/delete"), acts("cluster:admin/settings/update")),
	cm("transport_client", acts("cluster:monitor/nodes/liveness", "cluster:monitor/state"), acts("cluster:monitor/health")),
	im("all", acts("indices:data/read/search", "indices:admin/delete"), acts("internal:transport/proxy/indices:data/read/search")),
	im("manage", acts("indices:admin/aliases", "indices:admin/analyze", "indices:admin/cache/clear", "indices:admin/close", "indices:admin/delete", "indices:admin/exists", "indices:admin/flush", "indices:admin/mapping/put", "indices:admin/open", "indices:admin/forcemerge", "indices:admin/refresh", "indices:admin/settings/update", "indices:admin/shards/search_shards", "indices:admin/validate/query", "indices:admin/warmers/put", "indices:monitor/stats"), acts("indices:data/read/search")),
	im("monitor", acts("indices:monitor/recovery", "indices:monitor/segments", "indices:monitor/stats"), acts("indices:admin/refresh")),
	im("view_index_metadata", acts("indices:admin/aliases/get", "indices:admin/aliases/exists", "indices:admin/get", "indices:admin/exists", "indices:admin/mappings/fields/get", "indices:admin/mappings/get", "indices:admin/shards/search_shards", "indices:admin/types/exists", "indices:admin/validate/query", "indices:monitor/settings/get"), acts("indices:data/read/search", "indices:admin/warmers/put", "indices:admin/mapping/put")),
	im("read", acts("indices:data/read/search", "indices:data/read/count", "indices:data/read/explain", "indices:data/read/get", "indices:data/read/mget", "indices:data/read/script/get", "indices:data/read/mpercolate", "indices:data/read/msearch", "indices:data/read/mtv", "indices:data/read/percolate", "indices:data/read/scroll", "indices:data/read/scroll/clear", "indices:data/read/suggest", "indices:data/read/tv"), acts("indices:data/write/index", "indices:admin/get")),
	im("index", acts("indices:data/write/index", "indices:data/write/update", "indices:admin/mapping/put"), acts("indices:data/write/delete")),
	im("create", acts("indices:data/write/index", "indices:admin/mapping/put"), acts("indices:data/write/update", "indices:data/write/delete")),
	im("delete", acts("indices:data/write/delete", "indices:data/write/delete/by_query"), acts("indices:data/write/index")),
	im("write", acts("indices:data/write/index", "indices:data/write/update", "indices:data/write/delete", "indices:data/write/bulk", "indices:data/write/script/put", "indices:data/write/script/delete", "indices:admin/mapping/put"), acts("indices:data/read/search")),
	im("delete_index", acts("indices:admin/delete"), acts("indices:admin/create")),
	im("create_index", acts("indices:admin/create"), acts("indices:admin/delete", "indices:admin/aliases")),
}

var shield1Meanings = []meaning{
	cm("all", acts("cluster:admin/snapshot/create", "cluster:admin/shield/realm/cache/clear", "indices:admin/template/put"), acts("indices:data/read/search")),
	cm("monitor", acts("cluster:monitor/health", "cluster:monitor/state", "cluster:monitor/nodes/hot_threads", "cluster:monitor/nodes/info", "cluster:monitor/nodes/stats", "cluster:monitor/stats", "cluster:monitor/task"), acts("cluster:admin/settings/update", "cluster:admin/snapshot/create")),
	cm("manage_shield", acts("cluster:admin/shield/realm/cache/clear"), acts("cluster:monitor/health", "cluster:admin/settings/update")),
	im("all", acts("indices:data/read/search", "indices:admin/delete"), nil),
	im("manage", acts("indices:admin/aliases", "indices:admin/analyze", "indices:admin/cache/clear", "indices:admin/close", "indices:admin/delete", "indices:admin/exists", "indices:admin/flush", "indices:admin/mapping/put", "indices:admin/open", "indices:admin/optimize", "indices:admin/refresh", "indices:admin/settings/update", "indices:admin/shards/search_shards", "indices:admin/validate/query", "indices:admin/warmers/put", "indices:monitor/stats"), acts("indices:data/read/search", "indices:data/write/index")),
	im("monitor", acts("indices:monitor/recovery", "indices:monitor/segments", "indices:monitor/stats"), acts("indices:admin/refresh")),
	im("data_access", acts("indices:data/read/search", "indices:data/write/index", "indices:data/write/delete"), acts("indices:admin/create", "indices:monitor/stats")),
	im("crud", acts("indices:data/read/get", "indices:data/write/delete"), acts("indices:admin/create", "indices:monitor/stats")),
	im("read", acts("indices:data/read/count", "indices:data/read/explain", "indices:data/read/get", "indices:data/read/exists", "indices:data/read/mget", "indices:data/read/script/get", "indices:data/read/mpercolate", "indices:data/read/msearch", "indices:data/read/mtv", "indices:data/read/percolate", "indices:data/read/scroll", "indices:data/read/scroll/clear", "indices:data/read/search", "indices:data/read/suggest", "indices:data/read/tv"), acts("indices:data/write/index")),
	im("search", acts("indices:data/read/search", "indices:data/read/msearch", "indices:data/read/suggest"), acts("indices:data/read/get")),
	im("get", acts("indices:data/read/get", "indices:data/read/mget"), acts("indices:data/read/search")),
	im("suggest", acts("indices:data/read/suggest"), acts("indices:data/read/search")),
	im("index", acts("indices:data/write/index", "indices:data/write/update"), acts("indices:data/write/delete", "indices:data/write/update/byquery")),
	im("create_index", acts("indices:admin/create"), acts("indices:admin/aliases")),
	im("manage_aliases", acts("indices:admin/aliases", "indices:admin/aliases/get", "indices:admin/aliases/exists"), acts("indices:admin/create")),
	im("delete", acts("indices:data/write/delete", "indices:data/write/delete/by_query"), acts("indices:data/write/index")),
	im("write", acts("indices:data/write/index", "indices:data/write/update", "indices:data/write/delete", "indices:data/write/bulk", "indices:data/write/script/put", "indices:data/write/script/delete"), acts("indices:data/read/search", "indices:admin/mapping/put")),
}

func without(ms []meaning, drop map[string]bool) []meaning {
	var out []meaning
	for _, m := range ms {
		if !drop[m.kind.String()+" "+m.name] {
			out = append(out, m)
		}
	}
	return out
}

// documented returns the "kind name" keys of the privileges with a description.
func documented(cat *Catalogue) map[string]bool {
	out := map[string]bool{}
	for _, k := range []Kind{ClusterKind, IndexKind} {
		for _, p := range cat.Privileges(k) {
			if p.Description != "" {
				out[k.String()+" "+p.Name] = true
			}
		}
	}
	return out
}

func checkMeanings(t *testing.T, cat *Catalogue, ms []meaning) {
	t.Helper()
	for _, m := range ms {
		lookup := cat.Cluster
		if m.kind == IndexKind {
			lookup = cat.Index
		}
		p, ok := lookup(m.name)
		if !ok || p.Name != m.name {
			t.Errorf("%s: %s privilege [%s] missing", cat.Flavour(), m.kind, m.name)
			continue
		}
		e, _ := cat.entry(m.kind, m.name)
		for _, action := range m.grants {
			if !e.match(action) {
				t.Errorf("%s: %s [%s] does not grant %s", cat.Flavour(), m.kind, m.name, action)
			}
		}
		for _, action := range m.denies {
			if e.match(action) {
				t.Errorf("%s: %s [%s] grants %s", cat.Flavour(), m.kind, m.name, action)
			}
		}
	}
}

// TestFlavourMeanings proves, for each flavour, that every privilege its reference
// names exists with the documented meaning, and that the table covers exactly the
// documented privileges.
func TestFlavourMeanings(t *testing.T) {
	es9 := slices.Concat(esCluster, esIndex, es9Only)
	unavailable := map[string]bool{}
	srv, _ := CatalogueFor("serverless")
	for k, names := range srv.unavailable {
		for name := range names {
			unavailable[k.String()+" "+name] = true
		}
	}
	for _, tc := range []struct {
		flavour string
		table   []meaning
	}{
		{"9", es9},
		{"serverless", without(es9, unavailable)},
		{"8", slices.Concat(esCluster, esIndex)},
		{"shield2", shield2Meanings},
		{"shield1", shield1Meanings},
	} {
		cat, err := CatalogueFor(tc.flavour)
		if err != nil {
			t.Fatal(err)
		}
		checkMeanings(t, cat, tc.table)
		want := documented(cat)
		got := map[string]bool{}
		for _, m := range tc.table {
			got[m.kind.String()+" "+m.name] = true
		}
		if !maps.Equal(got, want) {
			t.Errorf("%s: table covers %v,\nreference documents %v", tc.flavour, slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)))
		}
	}
}

func TestFlavourDifferences(t *testing.T) {
	es8, _ := CatalogueFor("8")
	sh2, _ := CatalogueFor("shield2")
	sh1, _ := CatalogueFor("shield1")
	for _, tc := range []struct {
		cat  *Catalogue
		kind Kind
		name string
	}{
		{es8, ClusterKind, "monitor_esql"},
		{es8, ClusterKind, "clone_api_key"},
		{es8, IndexKind, "manage_failure_store"},
		{es8, IndexKind, "manage_view"},
		{sh2, IndexKind, "create_doc"},
		{sh2, IndexKind, "crud"},
		{sh2, ClusterKind, "manage_shield"},
		{sh2, IndexKind, "read_cross_cluster"},
		{sh1, ClusterKind, "manage"},
		{sh1, ClusterKind, "manage_security"},
		{sh1, IndexKind, "create"},
		{sh1, IndexKind, "view_index_metadata"},
	} {
		lookup := tc.cat.Cluster
		if tc.kind == IndexKind {
			lookup = tc.cat.Index
		}
		if _, ok := lookup(tc.name); ok {
			t.Errorf("%s knows %s privilege [%s]", tc.cat.Flavour(), tc.kind, tc.name)
		}
		if _, ok := tc.cat.Unavailable(tc.kind, tc.name); ok {
			t.Errorf("%s: [%s] reported unavailable rather than unknown", tc.cat.Flavour(), tc.name)
		}
	}
	// 8.x read_failure_store exists and applies to the ::failures selector only.
	if e, ok := es8.entry(IndexKind, "read_failure_store"); !ok || !e.failuresOnly {
		t.Error("8: read_failure_store missing or not failures-only")
	}
	// Patterns that changed after 8.x.
	for _, tc := range []struct {
		flavour, name, action string
		want                  bool
	}{
		{"9", "read", "indices:admin/shards/search_shards", true},
		{"8", "read", "indices:admin/shards/search_shards", false},
		{"9", "read", "internal:transport/proxy/indices:data/read/search", true},
		{"8", "read", "internal:transport/proxy/indices:data/read/search", false},
		{"9", "create", "indices:data/write/otlp/logs", true},
		{"8", "create", "indices:data/write/otlp/logs", false},
		{"shield2", "index", "indices:data/write/update/x", true},
		{"shield1", "index", "indices:data/write/update/x", false},
		{"shield2", "write", "indices:admin/mapping/put", true},
		{"shield1", "write", "indices:admin/mapping/put", false},
	} {
		cat, _ := CatalogueFor(tc.flavour)
		e, _ := cat.entry(IndexKind, tc.name)
		if got := e.match(tc.action); got != tc.want {
			t.Errorf("%s: [%s] grants %s = %v, want %v", tc.flavour, tc.name, tc.action, got, tc.want)
		}
	}
}

func TestNineOneAdditionsAndDeprecations(t *testing.T) {
	c9 := ES9()
	for _, name := range []string{"monitor_esql"} {
		if p, ok := c9.Cluster(name); !ok || !strings.Contains(p.Description, "ES|QL") {
			t.Errorf("9: [%s] = %+v", name, p)
		}
	}
	for _, name := range []string{"read_failure_store", "manage_failure_store"} {
		e, ok := c9.entry(IndexKind, name)
		if !ok || !e.failuresOnly || !strings.Contains(e.p.Description, "failure store") {
			t.Errorf("9: [%s] missing, not failures-only or undescribed", name)
		}
	}
	for _, name := range []string{"manage_data_stream_global_retention", "monitor_data_stream_global_retention"} {
		p, _ := c9.Cluster(name)
		if len(p.Patterns) != 0 || !strings.Contains(p.Deprecated, "no effect") || p.Description != "This privilege has no effect." {
			t.Errorf("9: [%s] = %+v", name, p)
		}
	}
	dft, _ := c9.Cluster("manage_data_frame_transforms")
	tr, _ := c9.Cluster("manage_transform")
	if !slices.Equal(dft.Patterns, tr.Patterns) || !strings.Contains(dft.Deprecated, "[manage_transform]") {
		t.Errorf("manage_data_frame_transforms = %+v", dft)
	}
	for _, name := range []string{"manage_slm", "read_slm"} {
		p, _ := c9.Cluster(name)
		if !strings.Contains(p.Deprecated, "8.15") || !strings.Contains(p.Description, "index lifecycle management") {
			t.Errorf("9: [%s] deprecation %q, description %q", name, p.Deprecated, p.Description)
		}
	}
}

func TestServerlessUnavailable(t *testing.T) {
	srv, _ := CatalogueFor("serverless")
	// The 9.x reference marks 25 cluster and 7 index privileges unavailable.
	want := map[Kind][]string{
		ClusterKind: {"clone_api_key", "create_snapshot", "cross_cluster_replication", "cross_cluster_search", "grant_api_key",
			"manage_autoscaling", "manage_ccr", "manage_data_frame_transforms", "manage_ilm", "manage_oidc", "manage_rollup",
			"manage_saml", "manage_service_account", "manage_slm", "manage_token", "manage_watcher", "monitor_rollup",
			"monitor_snapshot", "monitor_stats", "monitor_text_structure", "monitor_watcher", "read_ccr", "read_ilm", "read_slm",
			"transport_client"},
		IndexKind: {"create_index", "cross_cluster_replication", "cross_cluster_replication_internal", "manage_follow_index",
			"manage_ilm", "manage_leader_index", "read_cross_cluster"},
	}
	for k, names := range want {
		if got := slices.Sorted(maps.Keys(srv.unavailable[k])); !slices.Equal(got, names) {
			t.Errorf("serverless unavailable %s = %q, want %q", k, got, names)
		}
		lookup := srv.Cluster
		if k == IndexKind {
			lookup = srv.Index
		}
		for _, name := range names {
			if _, ok := lookup(name); ok {
				t.Errorf("serverless accepts %s [%s]", k, name)
			}
			if reason, ok := srv.Unavailable(k, strings.ToUpper(name)); !ok || reason != "not available on Elastic Cloud Serverless" {
				t.Errorf("Unavailable(%s, %s) = %q, %v", k, name, reason, ok)
			}
			if s := srv.Suggest(k, name); s != "" {
				t.Errorf("Suggest(%s, %s) = %q", k, name, s)
			}
			if slices.Contains(srv.Names(k), name) {
				t.Errorf("Names(%s) lists [%s]", k, name)
			}
			if _, ok := ES9().entry(k, name); !ok {
				t.Errorf("9 lacks %s [%s]", k, name)
			}
		}
	}
	if _, ok := srv.Unavailable(ClusterKind, "manage"); ok {
		t.Error("manage reported unavailable")
	}
	_, err := Compile(srv, []*RoleDescriptor{{Name: "r", Cluster: []string{"manage_ilm"}, Indices: []IndicesPrivileges{{Names: []string{"*"}, Privileges: []string{"read", "create_index"}}}}})
	if err == nil || !strings.Contains(err.Error(), "[manage_ilm]") || !strings.Contains(err.Error(), "[create_index]") {
		t.Errorf("Compile on serverless: %v", err)
	}
	if _, err := Compile(srv, []*RoleDescriptor{{Name: "r", Cluster: []string{"monitor", "monitor_esql"}, Indices: []IndicesPrivileges{{Names: []string{"*"}, Privileges: []string{"read", "manage_failure_store"}}}}}); err != nil {
		t.Errorf("Compile on serverless: %v", err)
	}
}

// TestShield1ActionPrivileges: every action name of the Shield 1.x action-level
// privilege list is accepted as a raw privilege of its kind and grants itself.
func TestShield1ActionPrivileges(t *testing.T) {
	raw, err := os.ReadFile("testdata/shield1-action-privileges.tsv")
	if err != nil {
		t.Fatal(err)
	}
	sh1, _ := CatalogueFor("shield1")
	n := map[Kind]int{}
	var role RoleDescriptor
	role.Name = "actions"
	var indexPrivs []string
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n")[1:] {
		kind, action, _ := strings.Cut(line, "\t")
		k := ClusterKind
		lookup := sh1.Cluster
		if kind == "index" {
			k, lookup = IndexKind, sh1.Index
			indexPrivs = append(indexPrivs, action)
		} else {
			role.Cluster = append(role.Cluster, action)
		}
		n[k]++
		p, ok := lookup(action)
		if !ok || len(p.Patterns) != 1 || p.Patterns[0] != action+"*" {
			t.Errorf("shield1 %s privilege [%s] = %+v, %v", k, action, p, ok)
		}
	}
	if n[ClusterKind] != 26 || n[IndexKind] != 56 {
		t.Errorf("list has %d cluster and %d index actions, want 26 and 56", n[ClusterKind], n[IndexKind])
	}
	role.Indices = []IndicesPrivileges{{Names: []string{"logs"}, Privileges: indexPrivs}}
	p, err := Compile(sh1, []*RoleDescriptor{&role})
	if err != nil {
		t.Fatal(err)
	}
	for _, action := range role.Cluster {
		if !p.Cluster(action) {
			t.Errorf("role does not grant cluster action %s", action)
		}
	}
	for _, action := range indexPrivs {
		if !sh1.IsClusterAction(action) && !p.Index(action, "logs") {
			t.Errorf("role does not grant index action %s on logs", action)
		}
	}
	// The era's raw rules: no composable templates, no proxied index actions.
	for _, tc := range []struct {
		kind Kind
		name string
	}{
		{ClusterKind, "indices:admin/index_template/put"},
		{IndexKind, "internal:transport/proxy/indices:data/read/search"},
	} {
		for _, f := range []string{"shield1", "shield2"} {
			cat, _ := CatalogueFor(f)
			lookup := cat.Cluster
			if tc.kind == IndexKind {
				lookup = cat.Index
			}
			if _, ok := lookup(tc.name); ok {
				t.Errorf("%s accepts %s [%s]", f, tc.kind, tc.name)
			}
		}
	}
}

func TestDescriptionsEveryFlavour(t *testing.T) {
	for _, tc := range []struct {
		flavour, kind, name, want string
	}{
		{"9", "index", "create_doc", "does not grant the permission to update or overwrite"},
		{"serverless", "cluster", "monitor_esql", "ES|QL"},
		{"8", "cluster", "manage_slm", "Deprecated since 8.15"},
		{"8", "index", "read_failure_store", "failure store"},
		{"shield2", "cluster", "manage_security", "CRUD operations on users and roles"},
		{"shield1", "index", "crud", "read and write"},
		{"shield1", "cluster", "manage_shield", "realm caches"},
	} {
		cat, _ := CatalogueFor(tc.flavour)
		lookup := cat.Cluster
		if tc.kind == "index" {
			lookup = cat.Index
		}
		p, ok := lookup(tc.name)
		if !ok || !strings.Contains(p.Description, tc.want) {
			t.Errorf("%s %s [%s] description %q, want it to mention %q", tc.flavour, tc.kind, tc.name, p.Description, tc.want)
		}
	}
}

func TestGrantingEveryFlavour(t *testing.T) {
	for _, tc := range []struct {
		flavour, action, want string
	}{
		{"8", "indices:data/read/search", "read,all"},
		{"8", "indices:data/write/index:op_type/create", "create_doc,create,index,write,all"},
		{"8", "cluster:monitor/health", "monitor,manage,all"},
		{"serverless", "indices:data/read/search", "read,all"},
		{"serverless", "cluster:admin/ilm/put", "manage,all"},
		{"serverless", "indices:admin/create", "manage,all"},
		{"shield2", "indices:data/read/search", "read,all"},
		{"shield2", "indices:data/write/index", "create,index,write,all"},
		{"shield2", "indices:admin/get", "view_index_metadata,manage,all"},
		{"shield2", "cluster:monitor/state", "transport_client,monitor,manage,all"},
		{"shield2", "cluster:admin/shield/user/put", "manage_security,all"},
		{"shield2", "indices:admin/template/put", "manage_index_templates,manage,all"},
		{"shield1", "indices:data/read/search", "search,read,crud,data_access,all"},
		{"shield1", "indices:data/read/get", "get,read,crud,data_access,all"},
		{"shield1", "indices:admin/aliases", "manage_aliases,manage,all"},
		{"shield1", "cluster:admin/shield/realm/cache/clear", "manage_shield,all"},
		{"shield1", "internal:transport/proxy/indices:data/read/search", ""},
	} {
		cat, _ := CatalogueFor(tc.flavour)
		if got := strings.Join(cat.Granting(tc.action), ","); got != tc.want {
			t.Errorf("%s: Granting(%q) = [%s], want [%s]", tc.flavour, tc.action, got, tc.want)
		}
	}
}
