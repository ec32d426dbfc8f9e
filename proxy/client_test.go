package proxy_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/elastic/go-elasticsearch/v8"
)

// TestOfficialGoClient drives esguard with the official Go client, as applications do.
func TestOfficialGoClient(t *testing.T) {
	e := newEnv(t, envOptions{})
	es, err := elasticsearch.NewClient(elasticsearch.Config{
		Addresses: []string{e.url},
		Username:  "alice",
		Password:  "alice-pass",
	})
	if err != nil {
		t.Fatal(err)
	}
	res, err := es.Search(es.Search.WithIndex("logs-1"), es.Search.WithBody(strings.NewReader(`{"query":{"match_all":{}}}`)))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("search: %s", res.Status())
	}
	res, err = es.Index("logs-1", strings.NewReader(`{"a":1}`), es.Index.WithDocumentID("1"))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 403 || !res.IsError() {
		t.Fatalf("index with read privileges: %s", res.Status())
	}
	if !strings.Contains(res.String(), "security_exception") {
		t.Errorf("error body %s", res.String())
	}
	reqs := e.node.Requests()
	if len(reqs) != 1 || reqs[0].Path() != "/logs-1/_search" {
		t.Fatalf("requests at the cluster: %v", reqs)
	}
}

// TestOfficialGoClientRunAs drives delegate mode with the official Go client sending
// the run-as header on every request, as a portal does.
func TestOfficialGoClientRunAs(t *testing.T) {
	e := newEnv(t, envOptions{extraYAML: "run_as: {mode: delegate}\n"})
	es, err := elasticsearch.NewClient(elasticsearch.Config{
		Addresses: []string{e.url},
		Username:  "portal",
		Password:  "portal-pass",
		Header:    http.Header{"Es-Security-Runas-User": []string{"alice"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	res, err := es.Search(es.Search.WithIndex("logs-*"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("search as alice: %s", res.Status())
	}
	res, err = es.Search(es.Search.WithIndex("secret"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 403 {
		t.Fatalf("search of secret as alice: %s", res.Status())
	}
	reqs := e.node.Requests()
	if len(reqs) != 1 || reqs[0].Get("es-security-runas-user") != "alice" || reqs[0].Get("Authorization") != upstreamBasic {
		t.Fatalf("requests at the cluster: %+v", reqs)
	}
}
