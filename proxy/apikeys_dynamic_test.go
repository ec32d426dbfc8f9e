package proxy_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/esguard/esguard/auth/authtest"
)

const keyRoles = `
reader:
  cluster: [manage_own_api_key]
  indices:
    - names: ["logs-*"]
      privileges: [read]
keyadmin:
  cluster: [manage_api_key]
`

// TestDynamicAPIKeys creates a key through one esguard instance and uses, lists and
// invalidates it through a second one in front of the same cluster.
func TestDynamicAPIKeys(t *testing.T) {
	users := map[string][]string{"alice": {"reader"}, "bob": {"reader"}, "admin": {"keyadmin"}}
	extra := "authentication:\n  order: [basic, api_key]\n"
	a := newEnv(t, envOptions{roles: keyRoles, users: users, extraYAML: extra, keyTTL: -1})
	b := newEnv(t, envOptions{roles: keyRoles, users: users, extraYAML: extra, keyTTL: -1, node: a.node})

	r := a.call(t, "POST", "/_security/api_key", "alice", `{"name":"ingest","expiration":"1d","role_descriptors":{"one":{"indices":[{"names":["logs-1"],"privileges":["read"]}]}},"metadata":{"team":"obs"}}`)
	if r.status != 200 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	var created struct {
		ID, Name, APIKey, Encoded string
		Expiration                int64
	}
	if err := json.Unmarshal([]byte(r.body), &created); err != nil {
		t.Fatal(err)
	}
	created.APIKey = jsonField(t, r.body, "api_key")
	if created.ID == "" || created.APIKey == "" || created.Expiration == 0 || created.Encoded != strings.TrimPrefix(authtest.APIKeyHeader(created.ID, created.APIKey), "ApiKey ") {
		t.Fatalf("create answered %s", r.body)
	}
	for id, doc := range a.node.Docs(".esguard-api-keys") {
		if strings.Contains(string(doc), created.APIKey) {
			t.Fatalf("stored document %s holds the secret: %s", id, doc)
		}
	}
	if a.node.Count() != 0 {
		t.Fatalf("the key store's requests were counted as client requests: %v", a.node.Requests())
	}

	use := func(e *env, uri string) int {
		return e.call(t, "GET", uri, "", "", "Authorization", "ApiKey "+created.Encoded).status
	}
	if got := use(b, "/logs-1/_search"); got != 200 {
		t.Errorf("the key on the second instance: %d, want 200", got)
	}
	if got := use(b, "/logs-2/_search"); got != 403 {
		t.Errorf("the key beyond its descriptors: %d, want 403", got)
	}
	if got := b.call(t, "GET", "/_security/_authenticate", "", "", "Authorization", "ApiKey "+created.Encoded); !strings.Contains(got.body, `"api_key":{"id":"`+created.ID+`","name":"ingest"}`) {
		t.Errorf("authenticate with the key: %s", got.body)
	}

	// manage_own_api_key: own keys only.
	if got := b.call(t, "GET", "/_security/api_key?owner=true", "alice", ""); got.status != 200 || !strings.Contains(got.body, created.ID) || !strings.Contains(got.body, `"username":"alice"`) {
		t.Errorf("alice lists her keys: %d %s", got.status, got.body)
	}
	if got := b.call(t, "GET", "/_security/api_key", "alice", ""); got.status != 403 {
		t.Errorf("alice lists every key: %d, want 403", got.status)
	}
	if got := b.call(t, "GET", "/_security/api_key?owner=true", "bob", ""); got.status != 200 || strings.Contains(got.body, created.ID) {
		t.Errorf("bob sees alice's key: %s", got.body)
	}
	if got := b.call(t, "POST", "/_security/_query/api_key", "bob", `{"query":{"term":{"name":"ingest"}}}`); got.status != 200 || !strings.Contains(got.body, `"total":0`) {
		t.Errorf("bob's query: %d %s", got.status, got.body)
	}
	if got := b.call(t, "DELETE", "/_security/api_key", "bob", `{"ids":["`+created.ID+`"]}`); got.status != 403 {
		t.Errorf("bob invalidates any key: %d, want 403", got.status)
	}
	if got := b.call(t, "DELETE", "/_security/api_key", "bob", `{"ids":["`+created.ID+`"],"owner":true}`); got.status != 200 || !strings.Contains(got.body, `"invalidated_api_keys":[]`) {
		t.Errorf("bob invalidates his own keys with alice's id: %d %s", got.status, got.body)
	}
	// manage_api_key: every key, queried by name and metadata.
	got := b.call(t, "POST", "/_security/_query/api_key", "admin", `{"query":{"bool":{"must":[{"prefix":{"name":"ing"}},{"term":{"metadata.team":"obs"}}]}},"sort":[{"creation":"desc"}]}`)
	if got.status != 200 || !strings.Contains(got.body, `"total":1`) || !strings.Contains(got.body, created.ID) {
		t.Errorf("admin query: %d %s", got.status, got.body)
	}

	// Invalidation through the second instance applies on the first.
	if got := b.call(t, "DELETE", "/_security/api_key", "alice", `{"ids":["`+created.ID+`"],"owner":true}`); got.status != 200 || !strings.Contains(got.body, `"invalidated_api_keys":["`+created.ID+`"]`) {
		t.Fatalf("alice invalidates her key: %d %s", got.status, got.body)
	}
	if got := use(a, "/logs-1/_search"); got != 401 {
		t.Errorf("invalidated key on the first instance: %d, want 401", got)
	}
	if got := b.call(t, "DELETE", "/_security/api_key", "admin", `{"ids":["`+created.ID+`"]}`); !strings.Contains(got.body, `"previously_invalidated_api_keys":["`+created.ID+`"]`) {
		t.Errorf("second invalidation: %s", got.body)
	}
	if n := a.node.Count(); n != 1 {
		t.Errorf("%d client requests reached the cluster, want 1 (the one granted search)", n)
	}
}

// TestCreateAPIKeyRefusals covers the creation rules: a name is required, a derived key
// (created with an API key) must have empty role descriptors, and creating needs a
// privilege.
func TestCreateAPIKeyRefusals(t *testing.T) {
	users := map[string][]string{"alice": {"reader"}, "nokeys": {}}
	e := newEnv(t, envOptions{roles: keyRoles + "none: {}\n", users: map[string][]string{"alice": users["alice"], "nokeys": {"none"}}, extraYAML: "authentication:\n  order: [basic, api_key]\n", keyTTL: -1})
	for _, tc := range []struct {
		user, body string
		want       int
		reason     string
	}{
		{"alice", `{}`, 400, "api key name is required"},
		{"alice", `{"name":"_x"}`, 400, "may not begin with an underscore"},
		{"alice", `{"name":"x","expiration":"forever"}`, 400, "as a time value"},
		{"alice", `{"name":"x","role_descriptors":{"r":{"cluster":["monitr"]}}}`, 400, "unknown cluster privilege [monitr]"},
		{"alice", `{"name":"x","unknown":1}`, 400, "unknown field"},
		{"nokeys", `{"name":"x"}`, 403, "is unauthorized for user [nokeys]"},
	} {
		r := e.call(t, "POST", "/_security/api_key", tc.user, tc.body)
		if r.status != tc.want || !strings.Contains(r.body, tc.reason) {
			t.Errorf("%s %s: %d %s, want %d with %q", tc.user, tc.body, r.status, r.body, tc.want, tc.reason)
		}
	}
	r := e.call(t, "POST", "/_security/api_key", "alice", `{"name":"parent"}`)
	if r.status != 200 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	auth := "ApiKey " + jsonField(t, r.body, "encoded")
	for _, body := range []string{`{"name":"child"}`, `{"name":"child","role_descriptors":{"r":{"indices":[{"names":["logs-1"],"privileges":["read"]}]}}}`} {
		if got := e.call(t, "POST", "/_security/api_key", "", body, "Authorization", auth); got.status != 400 || !strings.Contains(got.body, "creating derived api keys requires an explicit role descriptor that is empty") {
			t.Errorf("derived key %s: %d %s", body, got.status, got.body)
		}
	}
	child := e.call(t, "POST", "/_security/api_key", "", `{"name":"child","role_descriptors":{"r":{}}}`, "Authorization", auth)
	if child.status != 200 {
		t.Fatalf("derived key with an empty descriptor: %d %s", child.status, child.body)
	}
	if got := e.call(t, "GET", "/logs-1/_search", "", "", "Authorization", "ApiKey "+jsonField(t, child.body, "encoded")); got.status != 403 {
		t.Errorf("a key with an empty role descriptor may do nothing: %d", got.status)
	}
	if e.node.Count() != 0 {
		t.Errorf("%d requests reached the cluster", e.node.Count())
	}
}

func jsonField(t *testing.T, body, field string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatal(err)
	}
	s, _ := m[field].(string)
	return s
}

// TestAPIKeyStoreDownRefuses checks that a key that cannot be read from the cluster is
// refused with 503, never granted.
func TestAPIKeyStoreDownRefuses(t *testing.T) {
	e := newEnv(t, envOptions{roles: keyRoles, users: map[string][]string{"alice": {"reader"}}, extraYAML: "authentication:\n  order: [basic, api_key]\n", keyTTL: -1})
	r := e.call(t, "POST", "/_security/api_key", "alice", `{"name":"k"}`)
	if r.status != 200 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	e.node.FailAPIKeys(true)
	got := e.call(t, "GET", "/logs-1/_search", "", "", "Authorization", "ApiKey "+jsonField(t, r.body, "encoded"))
	if got.status != 503 || e.node.Count() != 0 {
		t.Errorf("key store down: %d %s, %d forwarded", got.status, got.body, e.node.Count())
	}
	if got := e.call(t, "POST", "/_security/api_key", "alice", `{"name":"k2"}`); got.status != 503 {
		t.Errorf("create with the store down: %d %s", got.status, got.body)
	}
	e.node.FailAPIKeys(false)
	if got := e.call(t, "GET", "/logs-1/_search", "", "", "Authorization", "ApiKey "+jsonField(t, r.body, "encoded")); got.status != 200 {
		t.Errorf("key store back: %d", got.status)
	}
}
