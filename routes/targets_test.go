package routes

import (
	"errors"
	"reflect"
	"testing"
)

func query(kv ...string) func(string) (string, bool) {
	return func(key string) (string, bool) {
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i] == key {
				return kv[i+1], true
			}
		}
		return "", false
	}
}

func TestTargets(t *testing.T) {
	t.Parallel()
	const (
		index  = "indices:data/write/index"
		create = "indices:data/write/index:op_type/create"
		over   = "indices:data/write/index:op_type/index"
	)
	ab := []string{"a", "b"}
	tests := []struct {
		name, method, path string
		query              func(string) (string, bool)
		want               []Target
	}{
		{"cluster action", "GET", "/_cluster/health", nil, []Target{{Action: "cluster:monitor/health"}}},
		{"cluster action with an index in the path", "GET", "/_cluster/health/a,b", nil, []Target{{Action: "cluster:monitor/health"}}},
		{"legacy template action is a cluster action", "PUT", "/_template/t1", nil, []Target{{Action: "indices:admin/template/put"}}},
		{"index template action is a cluster action", "PUT", "/_index_template/t1", nil, []Target{{Action: "indices:admin/index_template/put"}}},
		{"index action with a comma list", "GET", "/a,b/_search", nil, []Target{{Action: "indices:data/read/search", Indices: ab}}},
		{"index action without indices", "GET", "/_search", nil, []Target{{Action: "indices:data/read/search"}}},
		{"path:name", "DELETE", "/_data_stream/ds-1", nil, []Target{{Action: "indices:admin/data_stream/delete", Indices: []string{"ds-1"}}}},
		{"create index fall-through", "PUT", "/_cluster", nil, []Target{{Action: "indices:admin/create", Indices: []string{"_cluster"}}}},
		{"no action", "GET", "/_cat", nil, []Target{}},
		{"PUT _doc is index", "PUT", "/a/_doc/1", nil, []Target{{index, ab[:1], true}, {Action: over, Indices: ab[:1]}}},
		{"POST _doc with id is index", "POST", "/a/_doc/1", nil, []Target{{index, ab[:1], true}, {Action: over, Indices: ab[:1]}}},
		{"op_type=create on _doc", "PUT", "/a/_doc/1", query("op_type", "create"), []Target{{index, ab[:1], true}, {Action: create, Indices: ab[:1]}}},
		{"op_type ignores case", "PUT", "/a/_doc/1", query("op_type", "CrEaTe"), []Target{{index, ab[:1], true}, {Action: create, Indices: ab[:1]}}},
		{"op_type=index on _doc", "PUT", "/a/_doc/1", query("op_type", "index"), []Target{{index, ab[:1], true}, {Action: over, Indices: ab[:1]}}},
		{"POST _doc without id is create", "POST", "/a/_doc", nil, []Target{{index, ab[:1], true}, {Action: create, Indices: ab[:1]}}},
		{"POST _doc without id honours op_type=index", "POST", "/a/_doc", query("op_type", "index"), []Target{{index, ab[:1], true}, {Action: over, Indices: ab[:1]}}},
		{"_create is create", "PUT", "/a/_create/1", nil, []Target{{index, ab[:1], true}, {Action: create, Indices: ab[:1]}}},
		{"_create with op_type=create", "POST", "/a/_create/1", query("op_type", "CREATE"), []Target{{index, ab[:1], true}, {Action: create, Indices: ab[:1]}}},
		{"delete checks the name, then the index", "DELETE", "/a/_doc/1", nil,
			[]Target{{"indices:data/write/delete", ab[:1], true}, {Action: "indices:data/write/delete", Indices: ab[:1]}}},
		{"update is checked on the index", "POST", "/a/_update/1", nil, []Target{{Action: "indices:data/write/update", Indices: ab[:1]}}},
		{"search template runs a search", "GET", "/a,b/_search/template", nil,
			[]Target{{"indices:data/read/search/template", ab, true}, {Action: "indices:data/read/search", Indices: ab}}},
		{"search template without indices", "GET", "/_search/template", nil, []Target{{"indices:data/read/search/template", nil, true}}},
		{"also= actions follow", "GET", "/_cat/segments/a,b", nil,
			[]Target{{Action: "cluster:monitor/state"}, {Action: "indices:monitor/segments", Indices: ab}}},
		{"also= index action without indices", "GET", "/_cat/shards", nil,
			[]Target{{Action: "cluster:monitor/state"}, {Action: "indices:monitor/stats"}}},
		{"also= alternatives are not targets", "POST", "/_security/oauth2/token", nil, []Target{{Action: "cluster:admin/xpack/security/token/create"}}},
	}
	tb := Default()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m, err := tb.Match(tt.method, tt.path)
			if err != nil {
				t.Fatal(err)
			}
			got, err := m.Targets(tt.query)
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Targets() = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestTargetsErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, method, path string
		query              func(string) (string, bool)
		body               bool   // ErrBodyTargets
		reason             string // a *BadRequestError with this reason
	}{
		{name: "body route", method: "POST", path: "/_reindex", body: true},
		{name: "path and body route", method: "POST", path: "/a/_bulk", body: true},
		{name: "msearch", method: "GET", path: "/_msearch", body: true},
		{name: "bad op_type", method: "PUT", path: "/a/_doc/1", query: query("op_type", "upsert"),
			reason: "opType must be 'create' or 'index', found: [upsert]"},
		{name: "empty op_type", method: "POST", path: "/a/_doc", query: query("op_type", ""),
			reason: "opType must be 'create' or 'index', found: []"},
		{name: "op_type=index on _create", method: "PUT", path: "/a/_create/1", query: query("op_type", "index"),
			reason: "opType must be 'create', found: [index]"},
		{name: "dotted i is not i", method: "PUT", path: "/a/_doc/1", query: query("op_type", "İndex"),
			reason: "opType must be 'create' or 'index', found: [İndex]"},
	}
	tb := Default()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m, err := tb.Match(tt.method, tt.path)
			if err != nil {
				t.Fatal(err)
			}
			got, err := m.Targets(tt.query)
			if got != nil {
				t.Errorf("Targets() = %+v with error %v", got, err)
			}
			var bad *BadRequestError
			switch {
			case tt.body:
				if !errors.Is(err, ErrBodyTargets) {
					t.Errorf("err = %v, want ErrBodyTargets", err)
				}
			case !errors.As(err, &bad) || bad.Type != "illegal_argument_exception" || bad.Reason != tt.reason:
				t.Errorf("err = %#v, want BadRequestError %q", err, tt.reason)
			}
		})
	}
}

// TestTargetsForEveryRow checks the shape of every row's targets: a target per action,
// cluster actions without indices, name-only checks first and only where noted.
func TestTargetsForEveryRow(t *testing.T) {
	t.Parallel()
	for _, f := range flavours {
		t.Run(f, func(t *testing.T) {
			t.Parallel()
			tb := flavourTable(t, f)
			for _, r := range tb.Routes() {
				m, err := tb.Match(r.Method, samplePath(r.Path))
				if err != nil {
					t.Fatal(err)
				}
				ts, err := m.Targets(nil)
				switch {
				case r.Action == "":
					if err != nil || ts == nil || len(ts) != 0 {
						t.Errorf("%s %s: %v, %v; want no targets", r.Method, r.Path, ts, err)
					}
					continue
				case r.Source == SourceBody || r.Source == SourcePathAndBody:
					if !errors.Is(err, ErrBodyTargets) {
						t.Errorf("%s %s: %v, want ErrBodyTargets", r.Method, r.Path, err)
					}
					continue
				case err != nil:
					t.Errorf("%s %s: %v", r.Method, r.Path, err)
					continue
				}
				if ts[0].Action != r.Action || ts[0].NameOnly != r.nameOnly {
					t.Errorf("%s %s: first target %+v", r.Method, r.Path, ts[0])
				}
				for _, tg := range ts {
					if isClusterAction(tg.Action) && tg.Indices != nil {
						t.Errorf("%s %s: cluster target %+v has indices", r.Method, r.Path, tg)
					}
				}
			}
		})
	}
}
