package proxy_test

import (
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
