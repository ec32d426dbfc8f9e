package proxy_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/esguard/esguard/auth/authtest"
	"github.com/esguard/esguard/proxy/proxytest"
)

// staticKeysEnv runs esguard with basic and API key realms and the static keys of
// api_keys.yml: full (alice's own privileges), narrow (ops limited to reading logs-1),
// old (expired), dead (invalidated).
func staticKeysEnv(t *testing.T) *env {
	t.Helper()
	dir := t.TempDir()
	write(t, dir, "api_keys.yml", `
- id: full
  name: alice-all
  owner: alice
  key_hash: "`+authtest.Hash(t, "full-secret")+`"
- id: narrow
  name: ops-narrow
  owner: ops
  key_hash: "`+authtest.Hash(t, "narrow-secret")+`"
  role_descriptors:
    reader:
      indices:
        - names: [logs-1]
          privileges: [read]
- id: old
  owner: alice
  key_hash: "`+authtest.Hash(t, "old-secret")+`"
  expiration: 2001-01-01T00:00:00Z
- id: dead
  owner: alice
  key_hash: "`+authtest.Hash(t, "dead-secret")+`"
  invalidated: true
`)
	return newEnv(t, envOptions{extraYAML: "authentication:\n  order: [basic, api_key]\napi_keys: " + dir + "/api_keys.yml\n"})
}

func (e *env) callKey(t *testing.T, method, uri, id, secret, body string) reply {
	t.Helper()
	return e.call(t, method, uri, "", body, "Authorization", authtest.APIKeyHeader(id, secret))
}

func TestStaticAPIKeys(t *testing.T) {
	e := staticKeysEnv(t)

	// The same user reaches the same decision with a password and with a key that
	// carries the user's own privileges.
	for _, tc := range []struct {
		method, uri, body string
		want              int
	}{
		{"GET", "/logs-1/_search", "", 200},
		{"GET", "/secret/_search", "", 403},
		{"GET", "/_cluster/health", "", 200},
		{"PUT", "/_cluster/settings", `{"persistent":{}}`, 403},
		{"PUT", "/logs-1/_doc/1", `{"a":1}`, 403},
	} {
		e.node.Reset()
		basic := e.call(t, tc.method, tc.uri, "alice", tc.body)
		key := e.callKey(t, tc.method, tc.uri, "full", "full-secret", tc.body)
		if basic.status != tc.want || key.status != tc.want {
			t.Errorf("%s: basic %d, api key %d, want %d", tc.uri, basic.status, key.status, tc.want)
		}
		if want := map[int]int{200: 2, 403: 0}[tc.want]; e.node.Count() != want {
			t.Errorf("%s: %d requests reached the cluster, want %d", tc.uri, e.node.Count(), want)
		}
		for _, r := range e.node.Requests() {
			if got := r.Get("Authorization"); got != authtest.BasicHeader("esguard", "upstream-secret") {
				t.Errorf("%s: forwarded with Authorization %q, want esguard's own credentials", tc.uri, got)
			}
		}
	}
	r := e.callKey(t, "GET", "/secret/_search", "full", "full-secret", "")
	if _, reason := r.esError(t); !strings.Contains(reason, "is unauthorized for API key id [full] of user [alice] on indices [secret]") {
		t.Errorf("denial reason %q does not name the key and its owner", reason)
	}

	// A key's role descriptors are limited by its owner: ops may do anything, the key
	// only read logs-1.
	e.node.Reset()
	for _, tc := range []struct {
		method, uri, body string
		want              int
	}{
		{"GET", "/logs-1/_search", "", 200},
		{"GET", "/logs-2/_search", "", 403},
		{"PUT", "/logs-1/_doc/1", `{"a":1}`, 403},
		{"GET", "/_cluster/health", "", 403},
	} {
		if got := e.callKey(t, tc.method, tc.uri, "narrow", "narrow-secret", tc.body); got.status != tc.want {
			t.Errorf("narrow key %s %s: %d, want %d: %s", tc.method, tc.uri, got.status, tc.want, got.body)
		}
	}
	if e.node.Count() != 1 {
		t.Errorf("%d requests reached the cluster, want 1", e.node.Count())
	}
	// A wildcard is narrowed to what both the key and its owner grant.
	e.node.Reset()
	if got := e.callKey(t, "GET", "/logs-*/_search", "narrow", "narrow-secret", ""); got.status != 200 {
		t.Fatalf("narrow key logs-*: %d %s", got.status, got.body)
	}
	if reqs := e.node.Requests(); len(reqs) != 1 || reqs[0].Path() != "/logs-1/_search" {
		t.Errorf("forwarded %v, want /logs-1/_search only", reqs)
	}

	// Refused keys: 401, nothing forwarded, every scheme offered.
	e.node.Reset()
	for _, tc := range []struct{ id, secret string }{{"full", "wrong"}, {"nope", "x"}, {"old", "old-secret"}, {"dead", "dead-secret"}} {
		got := e.callKey(t, "GET", "/logs-1/_search", tc.id, tc.secret, "")
		if got.status != 401 {
			t.Errorf("key %s: %d, want 401", tc.id, got.status)
		}
		if h := strings.Join(got.header.Values("WWW-Authenticate"), "|"); !strings.Contains(h, "Basic") || !strings.Contains(h, "ApiKey") {
			t.Errorf("key %s: WWW-Authenticate %q, want Basic and ApiKey", tc.id, h)
		}
	}
	if e.node.Count() != 0 {
		t.Errorf("refused keys reached the cluster %d times", e.node.Count())
	}
	if ev := e.lastEvent(t, "authentication_failed"); ev["user.name"] != "dead" {
		t.Errorf("authentication_failed event %v, want the key id", ev)
	}
}

func TestAuthenticateWithAPIKey(t *testing.T) {
	e := staticKeysEnv(t)
	r := e.callKey(t, "GET", "/_security/_authenticate", "narrow", "narrow-secret", "")
	if r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	var got struct {
		Username            string
		Roles               []string
		AuthenticationRealm struct{ Name, Type string } `json:"authentication_realm"`
		LookupRealm         struct{ Name, Type string } `json:"lookup_realm"`
		AuthenticationType  string                      `json:"authentication_type"`
		APIKey              struct{ ID, Name string }   `json:"api_key"`
	}
	if err := json.Unmarshal([]byte(r.body), &got); err != nil {
		t.Fatal(err)
	}
	if got.Username != "ops" || len(got.Roles) != 0 || got.AuthenticationRealm.Name != "_es_api_key" || got.LookupRealm.Type != "_es_api_key" ||
		got.AuthenticationType != "api_key" || got.APIKey.ID != "narrow" || got.APIKey.Name != "ops-narrow" {
		t.Errorf("authenticate = %s", r.body)
	}
	if e.node.Count() != 0 {
		t.Error("_authenticate reached the cluster")
	}
}

// TestReservedIndexUnreachable checks that esguard's own API key index is out of every
// client's reach, superusers included, whether named, matched by a wildcard or written
// through a body.
func TestReservedIndexUnreachable(t *testing.T) {
	e := newEnv(t, envOptions{
		users: map[string][]string{"root": {"superuser"}},
		cluster: proxytest.Cluster{Indices: []proxytest.Index{
			{Name: "logs-1"}, {Name: ".esguard-api-keys", Hidden: true}, {Name: ".security-7", Hidden: true, System: true},
		}},
	})
	for _, tc := range []struct {
		method, uri, body string
		want              int
		forwarded         string
	}{
		{"GET", "/.esguard-api-keys/_search", "", 403, ""},
		{"GET", "/.esguard-api-keys/_doc/k1", "", 403, ""},
		{"DELETE", "/.esguard-api-keys", "", 403, ""},
		{"PUT", "/.esguard-api-keys/_settings", `{"index.hidden":false}`, 403, ""},
		{"GET", "/*/_search?expand_wildcards=all", "", 200, "/.security-7,logs-1/_search"},
		{"GET", "/.e*/_search", "", 200, ""},
		{"GET", "/_cat/indices?expand_wildcards=all", "", 200, "/_cat/indices/.security-7,logs-1"},
		{"POST", "/_bulk", "{\"index\":{\"_index\":\".esguard-api-keys\",\"_id\":\"x\"}}\n{\"api_key_hash\":\"h\"}\n", 200, ""},
	} {
		e.node.Reset()
		got := e.call(t, tc.method, tc.uri, "root", tc.body)
		if got.status != tc.want {
			t.Errorf("%s %s: %d, want %d: %s", tc.method, tc.uri, got.status, tc.want, got.body)
		}
		reqs := e.node.Requests()
		switch {
		case tc.forwarded == "" && len(reqs) > 0:
			t.Errorf("%s %s: forwarded %s, want nothing", tc.method, tc.uri, reqs[0].URI)
		case tc.forwarded != "" && (len(reqs) != 1 || reqs[0].Path() != tc.forwarded):
			t.Errorf("%s %s: forwarded %v, want %s", tc.method, tc.uri, reqs, tc.forwarded)
		}
	}
}

func TestReservedOpaqueIDRefused(t *testing.T) {
	e := newEnv(t, envOptions{})
	for _, id := range []string{"esguard-apikeys", "esguard-metadata", "esguard-x"} {
		r := e.call(t, "GET", "/logs-1/_search", "alice", "", "X-Opaque-Id", id)
		if r.status != 400 || !strings.Contains(r.body, "reserved for esguard's own requests") {
			t.Errorf("X-Opaque-Id %s: %d %s", id, r.status, r.body)
		}
	}
	if r := e.call(t, "GET", "/logs-1/_search", "alice", "", "X-Opaque-Id", "my-esguard-app"); r.status != 200 {
		t.Errorf("an ordinary opaque id: %d", r.status)
	}
	if e.node.Count() != 1 || e.node.APIKeyRequests() != 0 {
		t.Errorf("%d requests reached the cluster, want 1", e.node.Count())
	}
}
