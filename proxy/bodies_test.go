package proxy_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/esguard/esguard/proxy"
	"github.com/esguard/esguard/proxy/proxytest"
)

func gzipped(t testing.TB, s string) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestCompressedBulkIsReadAndForwardedDecompressed(t *testing.T) {
	e := newEnv(t, envOptions{})
	body := "{\"create\":{\"_index\":\"logs-1\"}}\n{\"a\":1}\n{\"create\":{\"_index\":\"secret\"}}\n{\"a\":2}\n"
	e.node.Answer(func(proxytest.Request) proxytest.Response {
		return proxytest.Response{Status: 200, Body: `{"took":1,"errors":false,"items":[{"create":{"_index":"logs-1","_id":"x","status":201}}]}`}
	})
	req, err := http.NewRequestWithContext(t.Context(), "POST", e.url+"/_bulk", bytes.NewReader(gzipped(t, body)))
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth("ingest", "ingest-pass")
	req.Header.Set("Content-Type", "application/x-ndjson")
	req.Header.Set("Content-Encoding", "gzip")
	r := e.send(t, req)
	if r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	reqs := e.node.Requests()
	if len(reqs) != 1 || string(reqs[0].Body) != "{\"create\":{\"_index\":\"logs-1\"}}\n{\"a\":1}\n" || reqs[0].Get("Content-Encoding") != "" {
		t.Fatalf("forwarded %+v", reqs)
	}
	var resp struct {
		Errors bool
		Items  []map[string]struct {
			Index  string `json:"_index"`
			Status int
		}
	}
	if err := json.Unmarshal([]byte(r.body), &resp); err != nil || !resp.Errors || len(resp.Items) != 2 ||
		resp.Items[0]["create"].Status != 201 || resp.Items[1]["create"].Status != 403 || resp.Items[1]["create"].Index != "secret" {
		t.Fatalf("answer %s (%v)", r.body, err)
	}

	// A compressed body that inflates beyond the body limit is refused.
	e2 := newEnv(t, envOptions{extraYAML: "limits: {max_body_size: 1000}\n"})
	big := gzipped(t, strings.Repeat("{\"create\":{\"_index\":\"logs-1\"}}\n{}\n", 200))
	req, _ = http.NewRequestWithContext(t.Context(), "POST", e2.url+"/_bulk", bytes.NewReader(big))
	req.SetBasicAuth("ingest", "ingest-pass")
	req.Header.Set("Content-Encoding", "gzip")
	if r := e2.send(t, req); r.status != 413 || e2.node.Count() != 0 {
		t.Fatalf("inflated body: %d %s", r.status, r.body)
	}
}

func TestExplainBulkItems(t *testing.T) {
	e := newEnv(t, envOptions{})
	snap := e.store.Load()
	body := "{\"create\":{\"_index\":\"logs-1\"}}\n{}\n{\"index\":{\"_index\":\"logs-1\",\"_id\":\"1\"}}\n{}\n{\"delete\":{\"_index\":\"secret\",\"_id\":\"1\"}}\n"
	ex := proxy.Explain(context.Background(), snap, proxy.ExplainRequest{User: "ingest", Method: "POST", URI: "/_bulk", Body: []byte(body)})
	if !ex.Allowed || len(ex.Items) != 3 || !ex.Items[0].Allowed || ex.Items[1].Allowed || ex.Items[2].Allowed {
		t.Fatalf("%+v", ex)
	}
	if ex.Items[1].Action != "indices:data/write/index:op_type/index" || ex.Items[2].Action != "indices:data/write/delete" || ex.Items[2].Status != 403 {
		t.Fatalf("items %+v", ex.Items)
	}
	if ex.Forwarded == nil || ex.Forwarded.Body != "{\"create\":{\"_index\":\"logs-1\"}}\n{}\n" {
		t.Fatalf("forwarded %+v", ex.Forwarded)
	}
	if e.node.Count() != 0 {
		t.Fatal("explain reached the cluster")
	}
	// Date math is resolved; wildcards stay patterns.
	ex = proxy.Explain(context.Background(), snap, proxy.ExplainRequest{User: "alice", Method: "GET", URI: "/%3Clogs-%7Bnow%2Fd%7D%3E,logs-*/_search"})
	if !ex.Allowed || len(ex.Indices) != 2 || !strings.HasPrefix(ex.Indices[0], "logs-20") || ex.Indices[1] != "logs-*" {
		t.Fatalf("%+v", ex)
	}
}

func TestMetadataKeepsTheLastGoodCopy(t *testing.T) {
	picky := `
picky:
  indices: [{names: [logs-1, logs-2], privileges: [read]}]
`
	e := newEnv(t, envOptions{roles: picky, users: map[string][]string{"pat": {"picky"}}})
	if r := e.call(t, "GET", "/logs-*/_search", "pat", ""); r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if reqs := e.node.Requests(); len(reqs) != 1 || reqs[0].URI != "/logs-1,logs-2/_search" {
		t.Fatalf("forwarded %+v", reqs)
	}
	// The cluster stops answering metadata requests: the last copy stays in use.
	e.node.FailMetadata(true)
	e.node.SetCluster(proxytest.Cluster{})
	if err := e.srv.RefreshMetadata(t.Context()); err == nil {
		t.Fatal("the refresh did not fail")
	}
	e.node.Reset()
	if r := e.call(t, "GET", "/logs-*/_search", "pat", ""); r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if reqs := e.node.Requests(); len(reqs) != 1 || reqs[0].URI != "/logs-1,logs-2/_search" {
		t.Fatalf("forwarded with the last good copy: %+v", reqs)
	}
	// Once the cluster answers again, its new names are used.
	e.node.FailMetadata(false)
	if err := e.srv.RefreshMetadata(t.Context()); err != nil {
		t.Fatal(err)
	}
	e.node.Reset()
	if r := e.call(t, "GET", "/logs-*/_search", "pat", ""); r.status != 200 || e.node.Count() != 0 {
		t.Fatalf("with no indices left: %d %s, %d forwarded", r.status, r.body, e.node.Count())
	}
}

func TestMetadataUnavailableAtStart(t *testing.T) {
	picky := `
picky:
  indices: [{names: [logs-1], privileges: [read]}]
reader:
  indices: [{names: ["logs-*"], privileges: [read]}]
`
	// Nothing listens on the upstream address: no metadata can be fetched.
	e := newEnv(t, envOptions{roles: picky, users: map[string][]string{"pat": {"picky"}, "rita": {"reader"}},
		upstream: "  nodes: [http://127.0.0.1:1]\n  connect_timeout: 200ms\n"})
	if r := e.call(t, "GET", "/logs-*/_search", "pat", ""); r.status != 503 {
		t.Fatalf("uncovered wildcard without metadata: %d %s", r.status, r.body)
	}
	// A wildcard the role covers needs no metadata; the upstream is down, so 502.
	if r := e.call(t, "GET", "/logs-*/_search", "rita", ""); r.status != 502 {
		t.Fatalf("covered wildcard without metadata: %d %s", r.status, r.body)
	}
	// An explicit unauthorized name is refused as usual.
	if r := e.call(t, "GET", "/secret/_search", "pat", ""); r.status != 403 {
		t.Fatalf("%d %s", r.status, r.body)
	}
}

func TestMetadataRefreshedAfterCreateIndex(t *testing.T) {
	roles := `
maker:
  indices: [{names: ["logs-*"], privileges: [read, create_index]}]
`
	e := newEnv(t, envOptions{roles: roles, users: map[string][]string{"mk": {"maker"}}})
	before := e.node.MetadataRequests()
	e.node.SetCluster(proxytest.Cluster{Indices: []proxytest.Index{{Name: "logs-1"}, {Name: "logs-new"}}})
	if r := e.call(t, "PUT", "/logs-new", "mk", ""); r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if e.node.MetadataRequests() <= before {
		t.Fatal("creating an index did not refresh the metadata")
	}
	if _, ok := e.srv.Metadata().Get().Lookup("logs-new"); !ok {
		t.Fatal("the new index is not in the metadata")
	}
}

func TestNarrowedListCompactedToRolePatterns(t *testing.T) {
	var cluster proxytest.Cluster
	for i := range 400 {
		cluster.Indices = append(cluster.Indices, proxytest.Index{Name: fmt.Sprintf("logs-app-2026.%03d", i)})
	}
	cluster.Indices = append(cluster.Indices, proxytest.Index{Name: "logs-db-1"}, proxytest.Index{Name: "logs-secret"})
	roles := `
apps:
  indices: [{names: ["logs-app-*", "logs-db-1"], privileges: [read]}]
narrow:
  indices: [{names: ["/logs-app-2026\\.[0-9]+/"], privileges: [read]}]
`
	e := newEnv(t, envOptions{roles: roles, users: map[string][]string{"app": {"apps"}, "rx": {"narrow"}}, cluster: cluster})
	r := e.call(t, "GET", "/logs-*/_search", "app", "")
	if r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if reqs := e.node.Requests(); len(reqs) != 1 || reqs[0].URI != "/logs-app-*,logs-db-1/_search" {
		t.Fatalf("forwarded %+v", reqs)
	}
	// A role whose pattern is a regular expression cannot be substituted: the list is
	// too long for one request line, and the request is refused, not forwarded.
	e.node.Reset()
	if r := e.call(t, "GET", "/logs-*/_search", "rx", ""); r.status != 400 || e.node.Count() != 0 {
		t.Fatalf("%d %s", r.status, r.body)
	}
}

// TestGrantedBulkIsForwardedUnchanged sends a _bulk whose every item is granted: it
// reaches the node once, byte for byte as sent (blank lines and carriage returns
// included), and the node's answer comes back as is.
func TestGrantedBulkIsForwardedUnchanged(t *testing.T) {
	e := newEnv(t, envOptions{})
	var body strings.Builder
	body.WriteString("\n")
	for i := range 40 {
		fmt.Fprintf(&body, "{\"create\":{\"_index\":\"logs-%d\",\"_id\":\"%d\"}}\n{\"n\":%d}\n", i%2+1, i, i)
		if i == 7 {
			body.WriteString("  \r\n{ \"create\" : { \"_index\" : \"logs-x\" } }\r\n{\"spaced\":true}\r\n")
		}
	}
	r := e.call(t, "POST", "/_bulk", "ingest", body.String(), "Content-Type", "application/x-ndjson")
	if r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	reqs := e.node.Requests()
	if len(reqs) != 1 || reqs[0].Path() != "/_bulk" {
		t.Fatalf("%d requests reached the node: %+v", len(reqs), reqs)
	}
	if string(reqs[0].Body) != body.String() {
		t.Errorf("forwarded body differs from the one sent:\n%q\nwant\n%q", reqs[0].Body, body.String())
	}
	var resp struct {
		Errors bool
		Items  []map[string]struct{ Status int }
	}
	if err := json.Unmarshal([]byte(r.body), &resp); err != nil || resp.Errors || len(resp.Items) != 41 {
		t.Fatalf("answer %s (%v)", r.body, err)
	}
}

// TestPartlyDeniedBulkIsRewritten sends _bulk bodies with refused items at the start,
// in the middle and at the end: the node receives only the granted items, in order and
// without the blank lines, and the refused ones come back as 403 items in place.
func TestPartlyDeniedBulkIsRewritten(t *testing.T) {
	e := newEnv(t, envOptions{})
	granted := func(i int) string {
		return fmt.Sprintf("{\"create\":{\"_index\":\"logs-1\",\"_id\":\"%d\"}}\n{\"n\":%d}\n", i, i)
	}
	denied := func(i int) string {
		return fmt.Sprintf("{\"create\":{\"_index\":\"secret\",\"_id\":\"%d\"}}\n{\"n\":%d}\n", i, i)
	}
	for _, tc := range []struct {
		name  string
		items []bool // true: granted
	}{
		{"refused first", []bool{false, true, true, true}},
		{"refused in the middle", []bool{true, true, false, true, false, true}},
		{"refused last", []bool{true, true, true, false}},
		{"refused between runs", []bool{true, false, false, true, true, false, true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.node.Reset()
			var body, want strings.Builder
			for i, ok := range tc.items {
				if i == 1 {
					body.WriteString("\n")
				}
				if ok {
					body.WriteString(granted(i))
					want.WriteString(granted(i))
				} else {
					body.WriteString(denied(i))
				}
			}
			r := e.call(t, "POST", "/_bulk", "ingest", body.String(), "Content-Type", "application/x-ndjson")
			if r.status != 200 {
				t.Fatalf("%d %s", r.status, r.body)
			}
			reqs := e.node.Requests()
			if len(reqs) != 1 || string(reqs[0].Body) != want.String() {
				t.Fatalf("forwarded %+v\nwant body %q", reqs, want.String())
			}
			var resp struct {
				Errors bool
				Items  []map[string]struct {
					ID     string `json:"_id"`
					Index  string `json:"_index"`
					Status int
				}
			}
			if err := json.Unmarshal([]byte(r.body), &resp); err != nil || !resp.Errors || len(resp.Items) != len(tc.items) {
				t.Fatalf("answer %s (%v)", r.body, err)
			}
			for i, ok := range tc.items {
				it := resp.Items[i]["create"]
				if wantStatus := map[bool]int{true: 201, false: 403}[ok]; it.Status != wantStatus || it.ID != fmt.Sprint(i) {
					t.Errorf("item %d = %+v, want status %d and id %d", i, it, wantStatus, i)
				}
			}
		})
	}
}
