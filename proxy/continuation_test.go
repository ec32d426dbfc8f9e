package proxy_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/esguard/esguard/proxy/proxytest"
)

// idAnswers makes the fake node hand out raw ids the way Elasticsearch does.
func idAnswers(r proxytest.Request) proxytest.Response {
	p := r.Path()
	switch {
	case strings.HasSuffix(p, "/_pit") && r.Method == "POST":
		return proxytest.Response{Status: 200, Body: `{"id":"RAW-PIT-ID==","_shards":{"total":1,"successful":1,"skipped":0,"failed":0}}`}
	case strings.HasPrefix(p, "/_search/scroll") && r.Method == "DELETE":
		return proxytest.Response{Status: 200, Body: `{"succeeded":true,"num_freed":1}`}
	case strings.HasSuffix(p, "/_search") || strings.HasPrefix(p, "/_search/scroll"):
		return proxytest.Response{Status: 200, Body: `{"_scroll_id":"RAW-SCROLL-ID","pit_id":"RAW-PIT-ID==","took":1,"hits":{"hits":[]}}`}
	case strings.Contains(p, "_async_search"):
		return proxytest.Response{Status: 200, Body: `{"id":"RAW-ASYNC-ID","is_running":false,"response":{"hits":{"hits":[]}}}`}
	}
	return proxytest.DefaultAnswer(r)
}

func TestContinuationIDsAreBoundToTheirOwner(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.node.Answer(idAnswers)

	r := e.call(t, "POST", "/logs-1/_search?scroll=1m", "alice", `{"query":{"match_all":{}}}`)
	if r.status != 200 {
		t.Fatalf("search: %d %s", r.status, r.body)
	}
	var sr struct {
		ScrollID string `json:"_scroll_id"`
		PitID    string `json:"pit_id"`
	}
	if err := json.Unmarshal([]byte(r.body), &sr); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(sr.ScrollID, "esg1") || strings.Contains(r.body, `"RAW-SCROLL-ID"`) || !strings.HasPrefix(sr.PitID, "esg1") {
		t.Fatalf("the client saw a raw id: %s", r.body)
	}

	// The owner continues the scroll: Elasticsearch gets its own id back.
	e.node.Reset()
	r = e.call(t, "POST", "/_search/scroll", "alice", `{"scroll":"1m","scroll_id":"`+sr.ScrollID+`"}`)
	if r.status != 200 {
		t.Fatalf("scroll: %d %s", r.status, r.body)
	}
	reqs := e.node.Requests()
	if len(reqs) != 1 || string(reqs[0].Body) != `{"scroll":"1m","scroll_id":"RAW-SCROLL-ID"}` {
		t.Fatalf("forwarded %v", reqs)
	}
	if !strings.Contains(r.body, `"_scroll_id":"esg1`) {
		t.Errorf("the next scroll id is not bound: %s", r.body)
	}

	// In the path and the query string too.
	for _, uri := range []string{"/_search/scroll/" + url.PathEscape(sr.ScrollID), "/_search/scroll?scroll_id=" + url.QueryEscape(sr.ScrollID)} {
		e.node.Reset()
		if r := e.call(t, "GET", uri, "alice", ""); r.status != 200 {
			t.Fatalf("%s: %d %s", uri, r.status, r.body)
		}
		if reqs := e.node.Requests(); len(reqs) != 1 || !strings.Contains(reqs[0].URI, "RAW-SCROLL-ID") || strings.Contains(reqs[0].URI, "esg1") {
			t.Fatalf("%s forwarded as %v", uri, reqs)
		}
	}

	// Another user with the same roles, a raw id, or a tampered id: 404, nothing forwarded.
	e.node.Reset()
	tampered := []byte(sr.ScrollID)
	tampered[10] = 'x'
	if sr.ScrollID[10] == 'x' {
		tampered[10] = 'y'
	}
	for _, c := range []struct{ user, id string }{
		{"report-bot", sr.ScrollID},
		{"alice", "RAW-SCROLL-ID"},
		{"alice", string(tampered)},
	} {
		r := e.call(t, "POST", "/_search/scroll", c.user, `{"scroll_id":"`+c.id+`"}`)
		if r.status != 404 {
			t.Errorf("%s with %s: %d %s", c.user, c.id, r.status, r.body)
			continue
		}
		if typ, _ := r.esError(t); typ != "search_context_missing_exception" {
			t.Errorf("error type %s", typ)
		}
	}
	if e.node.Count() != 0 {
		t.Fatalf("%d refused continuations reached the cluster", e.node.Count())
	}

	// A scroll id is not a PIT id.
	r = e.call(t, "POST", "/_search", "alice", `{"pit":{"id":"`+sr.ScrollID+`"}}`)
	if r.status != 404 || e.node.Count() != 0 {
		t.Fatalf("scroll id as PIT: %d %s", r.status, r.body)
	}
}

func TestPointInTime(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.node.Answer(idAnswers)
	r := e.call(t, "POST", "/logs-1/_pit?keep_alive=1m", "alice", "")
	var open struct{ ID string }
	if err := json.Unmarshal([]byte(r.body), &open); err != nil || r.status != 200 || !strings.HasPrefix(open.ID, "esg1") {
		t.Fatalf("open: %d %s", r.status, r.body)
	}
	e.node.Reset()
	r = e.call(t, "POST", "/_search", "alice", `{"size":1,"pit":{"id":"`+open.ID+`","keep_alive":"1m"}}`)
	if r.status != 200 {
		t.Fatalf("search: %d %s", r.status, r.body)
	}
	reqs := e.node.Requests()
	if len(reqs) != 1 || reqs[0].URI != "/_search" || string(reqs[0].Body) != `{"size":1,"pit":{"id":"RAW-PIT-ID==","keep_alive":"1m"}}` {
		t.Fatalf("forwarded %+v", reqs)
	}
	e.node.Reset()
	if r := e.call(t, "DELETE", "/_pit", "report-bot", `{"id":"`+open.ID+`"}`); r.status != 404 || e.node.Count() != 0 {
		t.Fatalf("close by another user: %d %s", r.status, r.body)
	}
	if r := e.call(t, "DELETE", "/_pit", "alice", `{"id":"`+open.ID+`"}`); r.status != 200 {
		t.Fatalf("close: %d %s", r.status, r.body)
	}
	if reqs := e.node.Requests(); len(reqs) != 1 || string(reqs[0].Body) != `{"id":"RAW-PIT-ID=="}` {
		t.Fatalf("close forwarded %+v", reqs)
	}
}

func TestAsyncSearchIDs(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.node.Answer(idAnswers)
	r := e.call(t, "POST", "/logs-1/_async_search", "alice", `{}`)
	var sub struct{ ID string }
	if err := json.Unmarshal([]byte(r.body), &sub); err != nil || r.status != 200 || !strings.HasPrefix(sub.ID, "esg1") {
		t.Fatalf("submit: %d %s", r.status, r.body)
	}
	e.node.Reset()
	if r := e.call(t, "GET", "/_async_search/"+url.PathEscape(sub.ID), "alice", ""); r.status != 200 {
		t.Fatalf("get: %d %s", r.status, r.body)
	}
	if reqs := e.node.Requests(); len(reqs) != 1 || reqs[0].URI != "/_async_search/RAW-ASYNC-ID" {
		t.Fatalf("get forwarded %+v", reqs)
	}
	e.node.Reset()
	for _, user := range []string{"report-bot", "ops"} {
		if r := e.call(t, "DELETE", "/_async_search/"+url.PathEscape(sub.ID), user, ""); r.status != 404 {
			t.Errorf("delete by %s: %d %s", user, r.status, r.body)
		}
	}
	if e.node.Count() != 0 {
		t.Fatal("another user's async id reached the cluster")
	}
}

func TestClearAllScrolls(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.node.Answer(idAnswers)
	for _, c := range []struct {
		user, method, uri, body string
	}{
		{"alice", "DELETE", "/_search/scroll/_all", ""},
		{"alice", "DELETE", "/_search/scroll", `{"scroll_id":"_all"}`},
	} {
		if r := e.call(t, c.method, c.uri, c.user, c.body); r.status != 403 {
			t.Errorf("%s %s by %s: %d %s", c.method, c.uri, c.user, r.status, r.body)
		}
	}
	if e.node.Count() != 0 {
		t.Fatal("a refused clear-all reached the cluster")
	}
	if r := e.call(t, "DELETE", "/_search/scroll/_all", "ops", ""); r.status != 200 || e.node.Count() != 1 {
		t.Fatalf("clear all by ops: %d %s", r.status, r.body)
	}
}
