package proxytest

import (
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// call sends one API key store request to the node and decodes the JSON answer (nil
// when the body is empty).
func call(t *testing.T, n *Node, method, path, body string) (int, map[string]any) {
	t.Helper()
	return callAs(t, n, APIKeysOpaqueID, method, path, body)
}

func callAs(t *testing.T, n *Node, opaqueID, method, path, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, n.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Opaque-Id", opaqueID)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if res.Header.Get("X-Elastic-Product") != "Elasticsearch" {
		t.Errorf("%s %s: no X-Elastic-Product header", method, path)
	}
	if len(b) == 0 {
		return res.StatusCode, nil
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s %s: %v: %s", method, path, err, b)
	}
	return res.StatusCode, m
}

// at walks a decoded JSON value along keys and array indices ("hits.hits.0._id").
func at(v any, path string) any {
	for p := range strings.SplitSeq(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			v = x[p]
		case []any:
			i := 0
			for _, c := range p {
				i = i*10 + int(c-'0')
			}
			if i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

// wantError checks Elasticsearch's error shape: status, error.type and the same type as
// the first root cause.
func wantError(t *testing.T, status int, m map[string]any, wantStatus int, wantType string) {
	t.Helper()
	if status != wantStatus || at(m, "error.type") != wantType || at(m, "error.root_cause.0.type") != wantType ||
		at(m, "status") != float64(wantStatus) || at(m, "error.reason") == nil {
		t.Fatalf("got %d %v, want %d %s", status, m, wantStatus, wantType)
	}
}

const strictIndex = `{
  "settings": {"index": {"hidden": true, "number_of_shards": 1, "auto_expand_replicas": "0-1"}},
  "mappings": {
    "dynamic": "strict",
    "properties": {
      "doc_type": {"type": "keyword"},
      "name": {"type": "keyword"},
      "n": {"type": "long"},
      "roles": {"type": "keyword"},
      "blob": {"type": "object", "enabled": false},
      "flat": {"type": "flattened"},
      "creator": {"properties": {"principal": {"type": "keyword"}, "realm": {"type": "keyword"}}}
    }
  }
}`

func TestDocsIndexLifecycle(t *testing.T) {
	t.Parallel()
	n := NewNode(t)
	n.SetCluster(Cluster{Indices: []Index{{Name: "logs"}}})

	if st, _ := call(t, n, "HEAD", "/.keys", ""); st != 404 {
		t.Fatalf("HEAD missing index: %d", st)
	}
	st, m := call(t, n, "PUT", "/.keys", strictIndex)
	if st != 200 || m["acknowledged"] != true || m["shards_acknowledged"] != true || m["index"] != ".keys" {
		t.Fatalf("create index: %d %v", st, m)
	}
	st, m = call(t, n, "PUT", "/.keys", strictIndex)
	wantError(t, st, m, 400, "resource_already_exists_exception")
	if at(m, "error.index") != ".keys" || !strings.HasPrefix(at(m, "error.reason").(string), "index [.keys/") {
		t.Errorf("already exists: %v", m)
	}
	if st, m := call(t, n, "HEAD", "/.keys", ""); st != 200 || m != nil {
		t.Errorf("HEAD: %d %v", st, m)
	}
	st, m = call(t, n, "GET", "/.keys", "")
	if ix := m[".keys"]; st != 200 || at(ix, "settings.index.hidden") != "true" || at(ix, "settings.index.auto_expand_replicas") != "0-1" ||
		at(ix, "settings.index.number_of_shards") != "1" || at(ix, "mappings.dynamic") != "strict" {
		t.Errorf("GET index: %d %v", st, m)
	}
	st, m = call(t, n, "PUT", "/Bad", "")
	wantError(t, st, m, 400, "invalid_index_name_exception")

	// The store's indices join the cluster metadata: hidden ones only for expand_wildcards=all.
	names := func(expand string) []string {
		_, m := callAs(t, n, MetadataOpaqueID, "GET", "/_resolve/index/*?expand_wildcards="+expand, "")
		var out []string
		for _, ix := range at(m, "indices").([]any) {
			attrs := at(ix, "attributes").([]any)
			out = append(out, at(ix, "name").(string)+":"+attrs[len(attrs)-1].(string))
		}
		return out
	}
	if got, want := names("all"), []string{"logs:open", ".keys:hidden"}; !slices.Equal(got, want) {
		t.Errorf("resolve all = %v, want %v", got, want)
	}
	if got, want := names("open,closed"), []string{"logs:open"}; !slices.Equal(got, want) {
		t.Errorf("resolve open = %v, want %v", got, want)
	}

	if st, m := call(t, n, "DELETE", "/.keys", ""); st != 200 || m["acknowledged"] != true {
		t.Errorf("delete index: %d %v", st, m)
	}
	st, m = call(t, n, "GET", "/.keys/_doc/1", "")
	wantError(t, st, m, 404, "index_not_found_exception")
	if at(m, "error").(map[string]any)["resource.id"] != ".keys" || at(m, "error.reason") != "no such index [.keys]" {
		t.Errorf("index not found: %v", m)
	}

	if n.Count() != 0 || len(n.Requests()) != 0 {
		t.Errorf("store requests were recorded: %d", n.Count())
	}
	if got := n.APIKeyRequests(); got != 8 {
		t.Errorf("APIKeyRequests = %d, want 8", got)
	}
	if n.Docs(".keys") != nil {
		t.Errorf("Docs of a deleted index is not nil")
	}
}

func TestDocsWrites(t *testing.T) {
	t.Parallel()
	n := NewNode(t)
	if st, m := call(t, n, "PUT", "/.keys", strictIndex); st != 200 {
		t.Fatalf("create index: %d %v", st, m)
	}

	st, m := call(t, n, "PUT", "/.keys/_create/a?refresh=wait_for", `{"name":"one","n":1,"creator":{"principal":"ann"}}`)
	if st != 201 || m["result"] != "created" || m["_id"] != "a" || m["_index"] != ".keys" || m["_version"] != 1.0 ||
		m["_seq_no"] != 0.0 || m["_primary_term"] != 1.0 || at(m, "_shards.successful") != 1.0 {
		t.Fatalf("create: %d %v", st, m)
	}
	for _, req := range [][2]string{{"PUT", "/.keys/_create/a"}, {"POST", "/.keys/_create/a"}, {"PUT", "/.keys/_doc/a?op_type=create"}} {
		st, m := call(t, n, req[0], req[1], `{"name":"again"}`)
		wantError(t, st, m, 409, "version_conflict_engine_exception")
		if want := "[a]: version conflict, document already exists (current version [1])"; at(m, "error.reason") != want {
			t.Errorf("%s %s: reason %v", req[0], req[1], at(m, "error.reason"))
		}
	}
	st, m = call(t, n, "POST", "/.keys/_create/b?refresh=true", `{"name":"two"}`)
	if st != 201 || m["_seq_no"] != 1.0 || m["forced_refresh"] != true {
		t.Fatalf("second create: %d %v", st, m)
	}

	st, m = call(t, n, "GET", "/.keys/_doc/a", "")
	if st != 200 || m["found"] != true || m["_seq_no"] != 0.0 || m["_primary_term"] != 1.0 || at(m, "_source.name") != "one" ||
		at(m, "_source.creator.principal") != "ann" {
		t.Fatalf("get: %d %v", st, m)
	}
	st, m = call(t, n, "GET", "/.keys/_doc/zzz", "")
	if st != 404 || m["found"] != false || m["_id"] != "zzz" || m["error"] != nil {
		t.Fatalf("get missing: %d %v", st, m)
	}

	// Partial update: objects merge, other values replace.
	st, m = call(t, n, "POST", "/.keys/_update/a?if_seq_no=0&if_primary_term=1&refresh=wait_for", `{"doc":{"n":2,"creator":{"realm":"file"}}}`)
	if st != 200 || m["result"] != "updated" || m["_seq_no"] != 2.0 || m["_version"] != 2.0 {
		t.Fatalf("update: %d %v", st, m)
	}
	var got map[string]any
	if err := json.Unmarshal(n.Docs(".keys")["a"], &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"name": "one", "n": 2.0, "creator": map[string]any{"principal": "ann", "realm": "file"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("merged = %v, want %v", got, want)
	}
	st, m = call(t, n, "POST", "/.keys/_update/a?if_seq_no=0&if_primary_term=1", `{"doc":{"n":3}}`)
	wantError(t, st, m, 409, "version_conflict_engine_exception")
	if want := "[a]: version conflict, required seqNo [0], primary term [1]. current document has seqNo [2] and primary term [1]"; at(m, "error.reason") != want {
		t.Errorf("update conflict reason: %v", at(m, "error.reason"))
	}
	st, m = call(t, n, "POST", "/.keys/_update/a", `{"doc":{"n":2}}`)
	if st != 200 || m["result"] != "noop" || m["_seq_no"] != 2.0 {
		t.Errorf("noop update: %d %v", st, m)
	}
	st, m = call(t, n, "POST", "/.keys/_update/zzz", `{"doc":{"n":2}}`)
	wantError(t, st, m, 404, "document_missing_exception")
	st, m = call(t, n, "POST", "/.keys/_update/a", `{"n":2}`)
	wantError(t, st, m, 400, "x_content_parse_exception")
	st, m = call(t, n, "POST", "/.keys/_update/c", `{"doc":{"name":"three"},"doc_as_upsert":true}`)
	if st != 201 || m["result"] != "created" {
		t.Errorf("upsert: %d %v", st, m)
	}

	// Strict mappings refuse unmapped fields, at the top and inside objects, but not
	// inside disabled objects or flattened fields.
	for _, body := range []string{`{"nope":1}`, `{"creator":{"nope":"x"}}`} {
		st, m := call(t, n, "PUT", "/.keys/_create/s", body)
		wantError(t, st, m, 400, "strict_dynamic_mapping_exception")
	}
	st, m = call(t, n, "POST", "/.keys/_update/a", `{"doc":{"nope":1}}`)
	wantError(t, st, m, 400, "strict_dynamic_mapping_exception")
	if st, m := call(t, n, "PUT", "/.keys/_create/s", `{"blob":{"any":{"thing":1}},"flat":{"x":{"y":"z"}},"n":null}`); st != 201 {
		t.Errorf("disabled and flattened fields: %d %v", st, m)
	}
	st, m = call(t, n, "PUT", "/.keys/_create/s2", `[1]`)
	wantError(t, st, m, 400, "document_parsing_exception")

	// Writes to a missing index create it, visible and with dynamic mappings.
	if st, m := call(t, n, "PUT", "/auto/_doc/1?op_type=create", `{"anything":true}`); st != 201 || m["result"] != "created" {
		t.Fatalf("auto-create: %d %v", st, m)
	}
	if st, _ := call(t, n, "HEAD", "/auto", ""); st != 200 {
		t.Errorf("auto-created index missing: %d", st)
	}
	st, m = call(t, n, "PUT", "/auto/_doc/1", `{"anything":false}`)
	if st != 200 || m["result"] != "updated" || m["_version"] != 2.0 {
		t.Errorf("index over: %d %v", st, m)
	}
	st, m = call(t, n, "DELETE", "/auto/_doc/1", "")
	if st != 200 || m["result"] != "deleted" {
		t.Errorf("delete: %d %v", st, m)
	}
	st, m = call(t, n, "DELETE", "/auto/_doc/1", "")
	if st != 404 || m["result"] != "not_found" {
		t.Errorf("delete again: %d %v", st, m)
	}

	st, m = call(t, n, "GET", "/.keys/_update/a", "")
	if st != 405 || !strings.Contains(m["error"].(string), "allowed: [POST]") {
		t.Errorf("wrong method: %d %v", st, m)
	}
	st, m = call(t, n, "PUT", "/.keys/_create/x?refresh=soon", `{}`)
	wantError(t, st, m, 400, "illegal_argument_exception")

	docs := n.Docs(".keys")
	if got := slices.Sorted(func(yield func(string) bool) {
		for k := range docs {
			if !yield(k) {
				return
			}
		}
	}); !slices.Equal(got, []string{"a", "b", "c", "s"}) {
		t.Errorf("Docs ids = %v", got)
	}
	docs["a"] = nil // a copy
	if n.Docs(".keys")["a"] == nil {
		t.Error("Docs returned the store's own map")
	}
}

func TestDocsSearch(t *testing.T) {
	t.Parallel()
	n := NewNode(t)
	st, m := call(t, n, "POST", "/.keys/_search", `{"query":{"match_all":{}}}`)
	wantError(t, st, m, 404, "index_not_found_exception")

	call(t, n, "PUT", "/.keys", strictIndex)
	for _, d := range []struct{ id, body string }{
		{"k1", `{"doc_type":"api_key","name":"a","roles":["r1","r2"],"creator":{"principal":"ann"}}`},
		{"k2", `{"doc_type":"api_key","name":"b","roles":["r2"],"creator":{"principal":"bob"}}`},
		{"k3", `{"doc_type":"other","name":"c","n":7}`},
	} {
		if st, m := call(t, n, "PUT", "/.keys/_create/"+d.id+"?refresh=wait_for", d.body); st != 201 {
			t.Fatalf("create %s: %d %v", d.id, st, m)
		}
	}
	// Not refreshed: GET sees it, search does not until _refresh.
	call(t, n, "PUT", "/.keys/_create/k4", `{"doc_type":"api_key","name":"d"}`)

	ids := func(m map[string]any) []string {
		var out []string
		for _, h := range at(m, "hits.hits").([]any) {
			out = append(out, at(h, "_id").(string))
		}
		return out
	}
	tests := []struct {
		name, body string
		want       []string
		total      float64
	}{
		{"match_all", `{"query":{"match_all":{}}}`, []string{"k1", "k2", "k3"}, 3},
		{"no body query", `{}`, []string{"k1", "k2", "k3"}, 3},
		{"term", `{"query":{"term":{"doc_type":"api_key"}}}`, []string{"k1", "k2"}, 2},
		{"term value object", `{"query":{"term":{"name":{"value":"b"}}}}`, []string{"k2"}, 1},
		{"term on array", `{"query":{"term":{"roles":"r1"}}}`, []string{"k1"}, 1},
		{"term on number", `{"query":{"term":{"n":7}}}`, []string{"k3"}, 1},
		{"term dotted", `{"query":{"term":{"creator.principal":"bob"}}}`, []string{"k2"}, 1},
		{"terms", `{"query":{"terms":{"name":["a","c","x"]}}}`, []string{"k1", "k3"}, 2},
		{"ids", `{"query":{"ids":{"values":["k3","k2"]}}}`, []string{"k2", "k3"}, 2},
		{"bool", `{"query":{"bool":{"filter":[{"term":{"doc_type":"api_key"}}],"must_not":{"term":{"name":"a"}}}}}`, []string{"k2"}, 1},
		{"bool should", `{"query":{"bool":{"should":[{"term":{"name":"a"}},{"term":{"name":"c"}}]}}}`, []string{"k1", "k3"}, 2},
		{"size", `{"size":1,"query":{"match_all":{}}}`, []string{"k1"}, 3},
		{"from", `{"from":1,"size":1}`, []string{"k2"}, 3},
		{"no match", `{"query":{"term":{"name":"zzz"}}}`, nil, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st, m := call(t, n, "POST", "/.keys/_search", tc.body)
			if st != 200 || !slices.Equal(ids(m), tc.want) || at(m, "hits.total.value") != tc.total ||
				at(m, "hits.total.relation") != "eq" || m["timed_out"] != false || at(m, "_shards.failed") != 0.0 {
				t.Errorf("got %d %v, want ids %v total %v", st, m, tc.want, tc.total)
			}
		})
	}

	st, m = call(t, n, "POST", "/.keys/_search", `{"query":{"ids":{"values":["k1"]}},"seq_no_primary_term":true}`)
	if st != 200 || at(m, "hits.hits.0._seq_no") != 0.0 || at(m, "hits.hits.0._primary_term") != 1.0 ||
		at(m, "hits.hits.0._source.name") != "a" || at(m, "hits.hits.0._index") != ".keys" {
		t.Errorf("seq_no_primary_term: %d %v", st, m)
	}
	if _, m := call(t, n, "POST", "/.keys/_search", `{"query":{"match_all":{}}}`); at(m, "hits.hits.0._seq_no") != nil {
		t.Errorf("_seq_no without seq_no_primary_term: %v", m)
	}
	if _, m := call(t, n, "POST", "/.keys/_search", `{"track_total_hits":1}`); at(m, "hits.total.value") != 1.0 || at(m, "hits.total.relation") != "gte" {
		t.Errorf("track_total_hits 1: %v", m)
	}

	if st, m := call(t, n, "POST", "/.keys/_refresh", ""); st != 200 || at(m, "_shards.failed") != 0.0 {
		t.Fatalf("refresh: %d %v", st, m)
	}
	if _, m := call(t, n, "POST", "/.keys/_search", `{"size":10000}`); !slices.Equal(ids(m), []string{"k1", "k2", "k3", "k4"}) {
		t.Errorf("after refresh: %v", ids(m))
	}

	for _, tc := range []struct{ name, body, typ string }{
		{"window", `{"size":10001}`, "illegal_argument_exception"},
		{"unknown query", `{"query":{"match":{"name":"a"}}}`, "parsing_exception"},
		{"unknown key", `{"sort":["name"]}`, "parsing_exception"},
	} {
		st, m := call(t, n, "POST", "/.keys/_search", tc.body)
		t.Run(tc.name, func(t *testing.T) { wantError(t, st, m, 400, tc.typ) })
	}
}

func TestDocsFailAPIKeys(t *testing.T) {
	t.Parallel()
	n := NewNode(t)
	n.FailAPIKeys(true)
	st, m := call(t, n, "GET", "/.keys/_doc/a", "")
	wantError(t, st, m, 503, "unavailable_shards_exception")
	n.FailAPIKeys(false)
	if st, _ := call(t, n, "GET", "/.keys/_doc/a", ""); st != 404 {
		t.Errorf("after FailAPIKeys(false): %d", st)
	}
	if n.APIKeyRequests() != 2 || n.Count() != 0 {
		t.Errorf("APIKeyRequests = %d, Count = %d", n.APIKeyRequests(), n.Count())
	}
	// Other requests still reach the recording handler.
	if st, _ := callAs(t, n, "client", "GET", "/.keys/_doc/a", ""); st != 200 || n.Count() != 1 {
		t.Errorf("client request: %d, Count = %d", st, n.Count())
	}
}
