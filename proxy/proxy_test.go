package proxy_test

import (
	"bufio"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/esguard/esguard/proxy/proxytest"
)

func TestUnauthenticated(t *testing.T) {
	e := newEnv(t, envOptions{})
	tests := []struct {
		name   string
		user   string
		header []string
		reason string
	}{
		{name: "no credentials", reason: "missing authentication credentials for REST request [/logs-1/_search]"},
		{name: "unknown user", user: "mallory", reason: "unable to authenticate user [mallory] for REST request [/logs-1/_search]"},
		{name: "malformed basic", header: []string{"Authorization", "Basic !!!"}, reason: "invalid authentication credentials for REST request [/logs-1/_search]"},
		{name: "two authorization headers", header: []string{"Authorization", "Basic YWxpY2U6YWxpY2UtcGFzcw==", "Authorization", "Basic b3BzOm9wcy1wYXNz"}, reason: "invalid authentication credentials for REST request [/logs-1/_search]"},
		{name: "unsupported scheme", header: []string{"Authorization", "Bearer abc.def.ghi"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := e.call(t, "GET", "/logs-1/_search", tc.user, "", tc.header...)
			if r.status != 401 {
				t.Fatalf("status %d, want 401: %s", r.status, r.body)
			}
			if got := r.header.Get("WWW-Authenticate"); got != `Basic realm="security" charset="UTF-8"` {
				t.Errorf("WWW-Authenticate %q", got)
			}
			typ, reason := r.esError(t)
			if typ != "security_exception" {
				t.Errorf("type %q", typ)
			}
			if tc.reason != "" && reason != tc.reason {
				t.Errorf("reason %q, want %q", reason, tc.reason)
			}
		})
	}
	if n := e.node.Count(); n != 0 {
		t.Fatalf("%d unauthenticated requests reached the cluster", n)
	}
}

func TestWrongPassword(t *testing.T) {
	e := newEnv(t, envOptions{})
	r := e.call(t, "GET", "/logs-1/_search", "", "", "Authorization", "Basic YWxpY2U6d3Jvbmc=") // alice:wrong
	if r.status != 401 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	if _, reason := r.esError(t); reason != "unable to authenticate user [alice] for REST request [/logs-1/_search]" {
		t.Errorf("reason %q", reason)
	}
	ev := e.lastEvent(t, "authentication_failed")
	if ev["user.name"] != "alice" || ev["url.path"] != "/logs-1/_search" {
		t.Errorf("audit event %v", ev)
	}
	if strings.Contains(string(e.audit.Bytes()), "wrong") {
		t.Error("the audit trail contains the password")
	}
	if e.node.Count() != 0 {
		t.Fatal("request reached the cluster")
	}
}

func TestGrantedRequestArrivesOnceIntact(t *testing.T) {
	e := newEnv(t, envOptions{})
	body := `{"query":{"match":{"message":"a%2Cb"}}}`
	uri := "/logs-1/_search?q=a%2Cb&size=1"
	r := e.call(t, "POST", uri, "alice", body, "X-Opaque-Id", "trace-42", "X-Custom", "kept")
	if r.status != 200 || r.body != proxytest.SearchResponse {
		t.Fatalf("status %d body %s", r.status, r.body)
	}
	if got := r.header.Get("X-Opaque-Id"); got != "trace-42" {
		t.Errorf("X-Opaque-Id %q", got)
	}
	reqs := e.node.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests reached the cluster, want 1", len(reqs))
	}
	got := reqs[0]
	if got.Method != "POST" || got.URI != uri || string(got.Body) != body {
		t.Errorf("forwarded %s %s %q", got.Method, got.URI, got.Body)
	}
	if got.Get("Authorization") != "Basic ZXNndWFyZDp1cHN0cmVhbS1zZWNyZXQ=" { // esguard:upstream-secret
		t.Errorf("upstream Authorization %q", got.Get("Authorization"))
	}
	if got.Get("X-Opaque-Id") != "trace-42" || got.Get("X-Custom") != "kept" {
		t.Errorf("headers not passed through: %v", got.Header)
	}
	ev := e.lastEvent(t, "access_granted")
	want := map[string]any{"user.name": "alice", "action": "indices:data/read/search", "url.path": "/logs-1/_search",
		"request.method": "POST", "opaque_id": "trace-42", "authentication.type": "realm"}
	for k, v := range want {
		if ev[k] != v {
			t.Errorf("audit %s = %v, want %v", k, ev[k], v)
		}
	}
	if idx, _ := ev["indices"].([]any); len(idx) != 1 || idx[0] != "logs-1" {
		t.Errorf("audit indices %v", ev["indices"])
	}
	if roles, _ := ev["user.roles"].([]any); len(roles) != 1 || roles[0] != "logs_reader" {
		t.Errorf("audit roles %v", ev["user.roles"])
	}
	for _, k := range []string{"@timestamp", "origin.address", "request.id"} {
		if ev[k] == nil || ev[k] == "" {
			t.Errorf("audit event lacks %s", k)
		}
	}
}

func TestDenied(t *testing.T) {
	e := newEnv(t, envOptions{})
	tests := []struct {
		name, user, method, uri, reason string
	}{
		{"search another index", "alice", "GET", "/secret/_search",
			"action [indices:data/read/search] is unauthorized for user [alice] with effective roles [logs_reader] on indices [secret], this action is granted by the index privileges [read,all]"},
		{"one index of a list", "alice", "GET", "/logs-1,secret/_search",
			"action [indices:data/read/search] is unauthorized for user [alice] with effective roles [logs_reader] on indices [secret], this action is granted by the index privileges [read,all]"},
		{"write with read", "alice", "PUT", "/logs-1/_doc/1",
			"action [indices:data/write/index] is unauthorized for user [alice] with effective roles [logs_reader], this action is granted by the index privileges [create_doc,create,index,write,all]"},
		{"cluster action", "alice", "PUT", "/_cluster/settings",
			"action [cluster:admin/settings/update] is unauthorized for user [alice] with effective roles [logs_reader], this action is granted by the cluster privileges [manage,all]"},
		{"overwrite with create_doc", "ingest", "PUT", "/logs-1/_doc/1",
			"action [indices:data/write/index:op_type/index] is unauthorized for user [ingest] with effective roles [ingest] on indices [logs-1], this action is granted by the index privileges [create,index,write,all]"},
		{"delete index", "alice", "DELETE", "/logs-1",
			"action [indices:admin/delete] is unauthorized for user [alice] with effective roles [logs_reader] on indices [logs-1], this action is granted by the index privileges [delete_index,manage,all]"},
		{"restricted index for admin", "ops", "POST", "/.security-7/_doc",
			""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := e.call(t, tc.method, tc.uri, tc.user, `{}`)
			if r.status != 403 {
				t.Fatalf("status %d, want 403: %s", r.status, r.body)
			}
			typ, reason := r.esError(t)
			if typ != "security_exception" {
				t.Errorf("type %q", typ)
			}
			if tc.reason != "" && reason != tc.reason {
				t.Errorf("reason\n got %s\nwant %s", reason, tc.reason)
			}
			ev := e.lastEvent(t, "access_denied")
			if ev["user.name"] != tc.user || ev["url.path"] != strings.SplitN(tc.uri, "?", 2)[0] {
				t.Errorf("audit event %v", ev)
			}
		})
	}
	if n := e.node.Count(); n != 0 {
		t.Fatalf("%d denied requests reached the cluster: %v", n, e.node.Requests())
	}
}

func TestCreateDocOpTypes(t *testing.T) {
	e := newEnv(t, envOptions{})
	for _, tc := range []struct {
		method, uri string
		want        int
	}{
		{"PUT", "/logs-1/_create/1", 201},
		{"POST", "/logs-1/_doc", 201},
		{"PUT", "/logs-1/_doc/1?op_type=create", 201},
		{"PUT", "/logs-1/_doc/1", 403},
		{"PUT", "/logs-1/_doc/1?op_type=index", 403},
		{"DELETE", "/logs-1/_doc/1", 403},
		{"POST", "/logs-1/_update/1", 403},
		{"PUT", "/other/_create/1", 403},
	} {
		e.node.Reset()
		r := e.call(t, tc.method, tc.uri, "ingest", `{"message":"hello"}`)
		if r.status != tc.want {
			t.Errorf("%s %s: status %d, want %d: %s", tc.method, tc.uri, r.status, tc.want, r.body)
		}
		forwarded := 0
		if tc.want < 400 {
			forwarded = 1
		}
		if n := e.node.Count(); n != forwarded {
			t.Errorf("%s %s: %d requests reached the cluster, want %d", tc.method, tc.uri, n, forwarded)
		}
	}
}

func TestRefusedWithoutForwarding(t *testing.T) {
	e := newEnv(t, envOptions{})
	tests := []struct {
		name, method, uri, body string
		status                  int
		typ, reason             string
	}{
		{name: "unknown path", method: "GET", uri: "/_nonexistent/endpoint/x/y/z", status: 400,
			reason: "no handler found for uri [/_nonexistent/endpoint/x/y/z] and method [GET]"},
		{name: "wrong method", method: "DELETE", uri: "/_cluster/health", status: 405},
		{name: "encoded slash", method: "GET", uri: "/logs-1%2F..%2Fsecret/_search", status: 400},
		{name: "dot segment", method: "GET", uri: "/logs-1/../secret/_search", status: 400},
		{name: "semicolon query", method: "GET", uri: "/logs-1/_search?q=a;size=1", status: 400},
		{name: "repeated parameter", method: "PUT", uri: "/logs-1/_doc/1?op_type=create&op_type=index", status: 400,
			reason: "contains the parameter [op_type] more than once"},
		{name: "repeated parameter among many", method: "GET", uri: "/logs-1/_search?" + manyParams(15) + "&p3=x", status: 400,
			reason: "contains the parameter [p3] more than once"},
		{name: "repeated parameter among very many", method: "GET", uri: "/logs-1/_search?" + manyParams(30) + "&p29=x", status: 400,
			reason: "contains the parameter [p29] more than once"},
		{name: "bad op_type", method: "PUT", uri: "/logs-1/_doc/1?op_type=upsert", status: 400},
		{name: "bulk body not inspected", method: "POST", uri: "/_bulk", body: `{"index":{"_index":"secret"}}` + "\n{}\n", status: 403},
		{name: "bulk with path index", method: "POST", uri: "/logs-1/_bulk", body: `{"index":{"_index":"secret"}}` + "\n{}\n", status: 403},
		{name: "msearch of another index", method: "POST", uri: "/_msearch", body: `{"index":"secret"}` + "\n{}\n", status: 200},
		{name: "reindex", method: "POST", uri: "/_reindex", body: `{"source":{"index":"secret"},"dest":{"index":"logs-x"}}`, status: 403},
		{name: "malformed date math", method: "GET", uri: "/%3Clogs-%7Bnow%2Fq%7D%3E/_search", status: 400},
		{name: "date math naming another index", method: "GET", uri: "/%3Csecret-%7Bnow%2Fd%7D%3E/_search", status: 403},
		{name: "remote index", method: "GET", uri: "/remote:logs-1/_search", status: 403},
		{name: "terms lookup into another index", method: "POST", uri: "/logs-1/_search",
			body: `{"query":{"terms":{"user":{"index":"secret","id":"1","path":"name"}}}}`, status: 403},
		{name: "more_like_this on another index", method: "POST", uri: "/logs-1/_count",
			body: `{"query":{"more_like_this":{"fields":["a"],"like":[{"_index":"secret","_id":"1"}]}}}`, status: 403},
		{name: "lookup runtime field", method: "POST", uri: "/logs-1/_search",
			body: `{"runtime_mappings":{"x":{"type":"lookup","target_index":"secret","input_field":"a","target_field":"b","fetch_fields":["c"]}}}`, status: 403},
		{name: "malformed query body", method: "POST", uri: "/logs-1/_search", body: `{"query":`, status: 400},
		{name: "query body in the source parameter", method: "GET", uri: "/logs-1/_search?source=%7B%7D&source_content_type=application/json", status: 400},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := e.call(t, tc.method, tc.uri, "alice", tc.body)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			if tc.reason != "" && !strings.Contains(r.body, tc.reason) {
				t.Errorf("body %s lacks %q", r.body, tc.reason)
			}
		})
	}
	if n := e.node.Count(); n != 0 {
		t.Fatalf("%d refused requests reached the cluster: %v", n, e.node.Requests())
	}
}

// manyParams is n distinct query parameters p0=v&p1=v&...
func manyParams(n int) string {
	ps := make([]string, n)
	for i := range ps {
		ps[i] = "p" + strconv.Itoa(i) + "=v"
	}
	return strings.Join(ps, "&")
}

// TestMalformedRequestLines sends bytes no well-behaved client would, over a raw connection.
func TestMalformedRequestLines(t *testing.T) {
	e := newEnv(t, envOptions{})
	auth := "Authorization: Basic YWxpY2U6YWxpY2UtcGFzcw==\r\n" // alice:alice-pass
	for _, tc := range []struct {
		name, request string
		status        int
	}{
		{"malformed escape", "GET /logs-%zz/_search HTTP/1.1\r\nHost: x\r\n" + auth + "\r\n", 400},
		{"truncated escape", "GET /logs-1%2/_search HTTP/1.1\r\nHost: x\r\n" + auth + "\r\n", 400},
		{"absolute form", "GET http://127.0.0.1:9200/logs-1/_search HTTP/1.1\r\nHost: x\r\n" + auth + "\r\n", 400},
		{"raw non-ASCII", "GET /logs-\xff/_search HTTP/1.1\r\nHost: x\r\n" + auth + "\r\n", 400},
		{"fragment", "GET /logs-1/_search#x HTTP/1.1\r\nHost: x\r\n" + auth + "\r\n", 400},
		{"request line too long", "GET /logs-1/_search?q=" + strings.Repeat("a", 5000) + " HTTP/1.1\r\nHost: x\r\n" + auth + "\r\n", 400},
		{"headers too large", "GET /logs-1/_search HTTP/1.1\r\nHost: x\r\n" + auth + "X-Big: " + strings.Repeat("b", 20000) + "\r\n\r\n", 431},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status := rawStatus(t, e.url, tc.request)
			if status != tc.status {
				t.Errorf("status %d, want %d", status, tc.status)
			}
		})
	}
	if n := e.node.Count(); n != 0 {
		t.Fatalf("%d malformed requests reached the cluster: %v", n, e.node.Requests())
	}
}

func rawStatus(t *testing.T, baseURL, request string) int {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(baseURL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := conn.Write([]byte(request)); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestUnreadableQueryBodies refuses query bodies esguard cannot read to look for
// index names.
func TestUnreadableQueryBodies(t *testing.T) {
	e := newEnv(t, envOptions{})
	for _, tc := range []struct {
		name    string
		headers []string
	}{
		{"CBOR", []string{"Content-Type", "application/cbor"}},
		{"SMILE", []string{"Content-Type", "application/smile"}},
		{"gzip", []string{"Content-Encoding", "gzip"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.call(t, "POST", "/logs-1/_search", "alice", `{"query":{"match_all":{}}}`, tc.headers...)
			if r.status != 400 {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
		})
	}
	if e.node.Count() != 0 {
		t.Fatal("an unreadable query body reached the cluster")
	}
}

func TestHeaderHygiene(t *testing.T) {
	e := newEnv(t, envOptions{})
	r := e.call(t, "GET", "/logs-1/_search", "alice", "",
		"Connection", "Authorization, X-Drop-Me",
		"X-Drop-Me", "1",
		"Keep-Alive", "timeout=5",
		"Proxy-Authorization", "Basic c2VjcmV0",
		"Upgrade", "h2c",
		"X-Kept", "yes")
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	got := e.node.Requests()[0]
	if v := got.Values("Authorization"); len(v) != 1 || v[0] != "Basic ZXNndWFyZDp1cHN0cmVhbS1zZWNyZXQ=" {
		t.Errorf("upstream Authorization %v: a client Connection header must not strip esguard's credentials", v)
	}
	for _, h := range []string{"X-Drop-Me", "Keep-Alive", "Proxy-Authorization", "Upgrade", "es-security-runas-user"} {
		if v := got.Get(h); v != "" {
			t.Errorf("%s forwarded: %q", h, v)
		}
	}
	if got.Get("X-Kept") != "yes" {
		t.Error("an ordinary header was dropped")
	}
}

// TestResponseHeaderHygiene has the node answer with hop-by-hop headers in lower case,
// as Elasticsearch writes its header names, and in other cases: none reaches the client.
func TestResponseHeaderHygiene(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.node.Answer(func(r proxytest.Request) proxytest.Response {
		resp := proxytest.DefaultAnswer(r)
		resp.Header = map[string]string{
			"keep-alive":         "timeout=5",
			"proxy-authenticate": "Basic",
			"UPGRADE":            "h2c",
			"connection":         "X-Node-Private",
			"x-node-private":     "1",
			"x-kept":             "yes",
		}
		return resp
	})
	r := e.call(t, "GET", "/logs-1/_search", "alice", "")
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	for _, h := range []string{"Keep-Alive", "Proxy-Authenticate", "Upgrade", "X-Node-Private"} {
		if v := r.header.Values(h); len(v) > 0 {
			t.Errorf("%s reached the client: %q", h, v)
		}
	}
	if r.header.Get("X-Kept") != "yes" {
		t.Errorf("an ordinary header was dropped: %v", r.header)
	}
}

func TestAuthenticateAnsweredLocally(t *testing.T) {
	e := newEnv(t, envOptions{})
	r := e.call(t, "GET", "/_security/_authenticate", "alice", "")
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	for _, want := range []string{`"username":"alice"`, `"roles":["logs_reader"]`, `"authentication_realm":{"name":"default_file","type":"file"}`, `"lookup_realm":{"name":"default_file","type":"file"}`, `"authentication_type":"realm"`, `"enabled":true`} {
		if !strings.Contains(r.body, want) {
			t.Errorf("body %s lacks %s", r.body, want)
		}
	}
	if e.node.Count() != 0 {
		t.Fatal("_authenticate reached the cluster")
	}
}

func TestAnonymous(t *testing.T) {
	e := newEnv(t, envOptions{extraYAML: `authentication:
  order: [basic, anonymous]
  anonymous: {username: guest, roles: [logs_reader]}
`})
	r := e.call(t, "GET", "/logs-1/_search", "", "")
	if r.status != 200 {
		t.Fatalf("anonymous search: status %d: %s", r.status, r.body)
	}
	r = e.call(t, "GET", "/secret/_search", "", "")
	if r.status != 403 || !strings.Contains(r.body, "user [guest]") {
		t.Fatalf("anonymous denied search: status %d: %s", r.status, r.body)
	}
	r = e.call(t, "GET", "/logs-1/_search", "alice", "", "Authorization", "Basic YWxpY2U6d3Jvbmc=")
	if r.status != 401 {
		t.Fatalf("bad credentials must not fall back to anonymous: status %d", r.status)
	}
	if e.node.Count() != 1 {
		t.Fatalf("%d requests reached the cluster, want 1", e.node.Count())
	}
}

func TestUpstreamUnreachable(t *testing.T) {
	e := newEnv(t, envOptions{upstream: "  nodes: [http://127.0.0.1:1]\n"})
	r := e.call(t, "GET", "/logs-1/_search", "alice", "")
	if r.status != 502 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	typ, reason := r.esError(t)
	if typ != "esguard_upstream_exception" || !strings.Contains(reason, "http://127.0.0.1:1") {
		t.Errorf("type %q reason %q", typ, reason)
	}
}

func TestUpstreamTimeout(t *testing.T) {
	e := newEnv(t, envOptions{})
	e2 := newEnv(t, envOptions{upstream: "  nodes: [" + e.node.URL + "]\n  timeout: 200ms\n"})
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	e.node.Answer(func(proxytest.Request) proxytest.Response {
		select {
		case <-release:
		case <-time.After(5 * time.Second):
		}
		return proxytest.Response{Status: 200, Body: "{}"}
	})
	start := time.Now()
	r := e2.call(t, "GET", "/logs-1/_search", "alice", "")
	if r.status != 504 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("504 after %v; the upstream timeout is 200ms", d)
	}
}

func TestLargeResponseStreamsIntact(t *testing.T) {
	e := newEnv(t, envOptions{})
	big := `{"hits":"` + strings.Repeat("0123456789abcdef", 1<<16) + `"}`
	e.node.Answer(func(proxytest.Request) proxytest.Response { return proxytest.Response{Status: 200, Body: big} })
	for range 3 {
		r := e.call(t, "GET", "/logs-1/_search", "alice", "")
		if r.status != 200 || r.body != big {
			t.Fatalf("status %d, body of %d bytes, want %d", r.status, len(r.body), len(big))
		}
	}
}

func TestRequestBodyLimit(t *testing.T) {
	e := newEnv(t, envOptions{extraYAML: "limits:\n  max_body_size: 1024\n"})
	r := e.call(t, "POST", "/logs-1/_search", "alice", `{"q":"`+strings.Repeat("x", 4096)+`"}`)
	if r.status != 413 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	if e.node.Count() != 0 {
		t.Fatal("oversized request reached the cluster")
	}
}

// TestNoSmuggling sends pipelined and ambiguously framed requests over one raw
// connection: only the granted request may reach the cluster, once, and nothing hidden
// in its framing may reach it as a request of its own.
func TestNoSmuggling(t *testing.T) {
	e := newEnv(t, envOptions{})
	auth := "Authorization: Basic YWxpY2U6YWxpY2UtcGFzcw==\r\n" // alice:alice-pass
	hidden := "DELETE /secret HTTP/1.1\r\nHost: x\r\n" + auth + "\r\n"
	for _, tc := range []struct {
		name, raw string
		want      []int
	}{
		{"pipelined", "GET /logs-1/_search HTTP/1.1\r\nHost: x\r\n" + auth + "\r\n" + hidden, []int{200, 403}},
		{"content-length and chunked", "POST /logs-1/_search HTTP/1.1\r\nHost: x\r\n" + auth +
			"Content-Type: application/json\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n" + hidden, []int{200, 403}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.node.Reset()
			conn, err := net.Dial("tcp", strings.TrimPrefix(e.url, "http://"))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
			if _, err := conn.Write([]byte(tc.raw)); err != nil {
				t.Fatal(err)
			}
			r := bufio.NewReader(conn)
			var statuses []int
			for range 2 {
				resp, err := http.ReadResponse(r, nil)
				if err != nil {
					break
				}
				resp.Body.Close()
				statuses = append(statuses, resp.StatusCode)
			}
			for _, req := range e.node.Requests() {
				if req.Method != "GET" && req.Method != "POST" || req.Path() != "/logs-1/_search" {
					t.Errorf("%s %s reached the cluster", req.Method, req.URI)
				}
				if strings.Contains(string(req.Body), "DELETE") {
					t.Errorf("a hidden request travelled in a forwarded body: %q", req.Body)
				}
			}
			if e.node.Count() > 1 {
				t.Errorf("%d requests reached the cluster, want at most 1 (statuses %v)", e.node.Count(), statuses)
			}
			if !slices.Equal(statuses, tc.want) {
				t.Errorf("statuses %v, want %v", statuses, tc.want)
			}
		})
	}
}

// TestRetryOnlyIdempotent points esguard at a dead node and a live one: a search that
// cannot reach the dead node is sent to the live one; a write is never sent twice.
func TestRetryOnlyIdempotent(t *testing.T) {
	live := proxytest.NewNode(t)
	live.SetCluster(defaultCluster)
	nodes := "  nodes: [http://127.0.0.1:1, " + live.URL + "]\n  connect_timeout: 1s\n"
	for _, tc := range []struct {
		name, method, uri, user string
		status, atLive          int
	}{
		{"GET search", "GET", "/logs-1/_search", "alice", 200, 1},
		{"POST search", "POST", "/logs-1/_search", "alice", 200, 1},
		{"create", "PUT", "/logs-1/_create/1", "ingest", 502, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			live.Reset()
			e := newEnv(t, envOptions{upstream: nodes}) // a new env: its first request goes to the dead node
			if err := e.srv.RefreshMetadata(t.Context()); err != nil {
				t.Fatal(err)
			}
			r := e.call(t, tc.method, tc.uri, tc.user, `{}`)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			if n := live.Count(); n != tc.atLive {
				t.Errorf("%d requests at the live node, want %d", n, tc.atLive)
			}
		})
	}
}

// TestManyDistinctParameters: only a repeated parameter is refused, however many there are.
func TestManyDistinctParameters(t *testing.T) {
	e := newEnv(t, envOptions{})
	for _, n := range []int{1, 16, 17, 40} {
		if r := e.call(t, "GET", "/logs-1/_search?"+manyParams(n), "alice", ""); r.status != 200 {
			t.Errorf("%d parameters: status %d %s", n, r.status, r.body)
		}
	}
	if n := e.node.Count(); n != 4 {
		t.Errorf("the node saw %d searches, want 4", n)
	}
}
