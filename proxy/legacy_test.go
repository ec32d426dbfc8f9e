package proxy_test

import (
	"strings"
	"testing"

	"github.com/esguard/esguard/proxy/proxytest"
)

// shieldRoles are Shield 2.x roles: index grants index and update but not bulk, write
// grants bulk but cannot create an index, create_index can.
const shieldRoles = `
reader:
  indices:
    - names: ["logs-*"]
      privileges: [read]
writer:
  indices:
    - names: ["logs-*"]
      privileges: [write]
creator:
  indices:
    - names: ["logs-*"]
      privileges: [write, create_index]
indexer:
  indices:
    - names: ["logs-*"]
      privileges: [index]
`

// newShieldEnv is esguard with flavor shield2 in front of an Elasticsearch 2.4 node.
func newShieldEnv(t *testing.T) *env {
	t.Helper()
	return newEnv(t, envOptions{
		roles:     shieldRoles,
		users:     map[string][]string{"alice": {"reader"}, "wally": {"writer"}, "carl": {"creator"}, "ivan": {"indexer"}},
		extraYAML: "flavor: shield2\n",
		version:   "2.4.6",
	})
}

// TestShieldMetadataFromCat: a 2.x cluster has no resolve index API; esguard reads its
// names from the _cat APIs and narrows wildcards with them.
func TestShieldMetadataFromCat(t *testing.T) {
	e := newShieldEnv(t)
	if e.node.MetadataRequests() == 0 {
		t.Fatal("no metadata request reached the node")
	}
	r := e.call(t, "GET", "/_search", "alice", "")
	if r.status != 200 {
		t.Fatalf("search: %d %s", r.status, r.body)
	}
	got := e.node.Requests()
	if len(got) != 1 || got[0].Path() != "/logs-1,logs-2,logs-x/_search" {
		t.Errorf("the search reached the node as %v", got)
	}
}

// TestShieldDecisions: Shield 2.x semantics through the proxy, each request either
// refused without reaching the node or forwarded once.
func TestShieldDecisions(t *testing.T) {
	e := newShieldEnv(t)
	for _, tc := range []struct {
		name, user, method, uri, body string
		status                        int
		reason                        string // a refusal's reason, exactly
		forwarded                     string // the path that reached the node ("" when refused)
	}{
		{name: "search with a type", user: "alice", method: "GET", uri: "/logs-1/event/_search", status: 200, forwarded: "/logs-1/event/_search"},
		{name: "search refused", user: "alice", method: "GET", uri: "/secret/_search", status: 403,
			reason: "action [indices:data/read/search] is unauthorized for user [alice]"},
		{name: "a 2.x get", user: "alice", method: "GET", uri: "/logs-1/_doc/1", status: 200, forwarded: "/logs-1/_doc/1"},
		{name: "index into an existing index", user: "ivan", method: "PUT", uri: "/logs-1/event/1", body: `{"a":1}`, status: 200, forwarded: "/logs-1/event/1"},
		{name: "index creating its index needs create_index", user: "wally", method: "PUT", uri: "/logs-new/event/1", body: `{"a":1}`, status: 403,
			reason: "action [indices:admin/create] is unauthorized for user [wally]"},
		{name: "index creating its index", user: "carl", method: "PUT", uri: "/logs-new/event/1", body: `{"a":1}`, status: 200, forwarded: "/logs-new/event/1"},
		{name: "update", user: "ivan", method: "POST", uri: "/logs-1/event/1/_update", body: `{"doc":{"a":2}}`, status: 200, forwarded: "/logs-1/event/1/_update"},
		{name: "optimize needs manage", user: "carl", method: "POST", uri: "/logs-1/_optimize", status: 403,
			reason: "action [indices:admin/optimize] is unauthorized for user [carl]"},
		{name: "a 9.x security path names an index to 2.x", user: "alice", method: "GET", uri: "/_security/_authenticate", status: 403,
			reason: "action [indices:admin/get] is unauthorized for user [alice]"},
		{name: "no data streams in 2.x", user: "carl", method: "PUT", uri: "/_data_stream/logs-x", status: 400},
		{name: "msearch all or nothing", user: "alice", method: "POST", uri: "/_msearch",
			body: "{\"index\":\"logs-1\"}\n{}\n{\"index\":\"secret\"}\n{}\n", status: 403,
			reason: "action [indices:data/read/msearch] is unauthorized for user [alice]"},
		{name: "msearch with types", user: "alice", method: "POST", uri: "/_msearch",
			body: "{\"index\":\"logs-1\",\"type\":\"event\"}\n{}\n", status: 200, forwarded: "/_msearch"},
		{name: "mpercolate refused", user: "alice", method: "POST", uri: "/_mpercolate",
			body: "{\"percolate\":{\"index\":\"logs-1\",\"type\":\"event\"}}\n{\"doc\":{}}\n{\"percolate\":{\"index\":\"secret\",\"type\":\"event\"}}\n{\"doc\":{}}\n", status: 403,
			reason: "action [indices:data/read/mpercolate] is unauthorized for user [alice]"},
		{name: "mpercolate", user: "alice", method: "POST", uri: "/_mpercolate",
			body: "{\"percolate\":{\"index\":\"logs-1\",\"type\":\"event\"}}\n{\"doc\":{}}\n", status: 200, forwarded: "/_mpercolate"},
		{name: "mpercolate does not narrow", user: "alice", method: "POST", uri: "/_mpercolate",
			body: "{\"percolate\":{\"index\":\"*\",\"type\":\"event\"}}\n{\"doc\":{}}\n", status: 403},
		{name: "bulk", user: "wally", method: "POST", uri: "/_bulk",
			body:   "{\"index\":{\"_index\":\"logs-1\",\"_type\":\"event\",\"_id\":\"1\"}}\n{\"a\":1}\n{\"delete\":{\"_index\":\"logs-2\",\"_type\":\"event\",\"_id\":\"2\"}}\n",
			status: 200, forwarded: "/_bulk"},
		{name: "bulk all or nothing", user: "wally", method: "POST", uri: "/_bulk",
			body:   "{\"index\":{\"_index\":\"logs-1\",\"_type\":\"event\"}}\n{\"a\":1}\n{\"index\":{\"_index\":\"secret\",\"_type\":\"event\"}}\n{\"a\":1}\n",
			status: 403, reason: "action [indices:data/write/bulk] is unauthorized for user [wally]"},
		{name: "index does not grant bulk", user: "ivan", method: "POST", uri: "/logs-1/event/_bulk",
			body: "{\"index\":{}}\n{\"a\":1}\n", status: 403, reason: "action [indices:data/write/bulk] is unauthorized for user [ivan]"},
		{name: "bulk creating an index needs create_index", user: "wally", method: "POST", uri: "/_bulk",
			body:   "{\"create\":{\"_index\":\"logs-new\",\"_type\":\"event\"}}\n{\"a\":1}\n",
			status: 403, reason: "action [indices:admin/create] is unauthorized for user [wally]"},
		{name: "bulk creating an index", user: "carl", method: "POST", uri: "/logs-new/_bulk",
			body: "{\"create\":{\"_type\":\"event\"}}\n{\"a\":1}\n", status: 200, forwarded: "/logs-new/_bulk"},
		{name: "bulk without a type", user: "wally", method: "POST", uri: "/_bulk",
			body: "{\"index\":{\"_index\":\"logs-1\"}}\n{\"a\":1}\n", status: 400},
		{name: "mget", user: "alice", method: "POST", uri: "/_mget",
			body: `{"docs":[{"_index":"logs-1","_type":"event","_id":"1"},{"_index":"logs-2","_type":"event","_id":"2"}]}`, status: 200, forwarded: "/_mget"},
		{name: "mget all or nothing", user: "alice", method: "POST", uri: "/logs-1/event/_mget",
			body: `{"docs":[{"_id":"1"},{"_index":"secret","_id":"2"}]}`, status: 403,
			reason: "action [indices:data/read/mget] is unauthorized for user [alice]"},
		{name: "a default index in the query", user: "alice", method: "POST", uri: "/_msearch?index=secret",
			body: "{}\n{}\n", status: 400},
		{name: "delete by query reads its query", user: "carl", method: "DELETE", uri: "/logs-1/_query",
			body: `{"query":{"terms":{"user":{"index":"secret","type":"u","id":"1","path":"names"}}}}`, status: 403},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.node.Reset()
			r := e.call(t, tc.method, tc.uri, tc.user, tc.body)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			got := e.node.Requests()
			if tc.forwarded == "" {
				if len(got) != 0 {
					t.Errorf("a refused request reached the node: %v", got)
				}
				if tc.reason != "" {
					if _, reason := r.esError(t); reason != tc.reason {
						t.Errorf("reason %q, want %q", reason, tc.reason)
					}
				}
				return
			}
			if len(got) != 1 || got[0].Path() != tc.forwarded || string(got[0].Body) != tc.body {
				t.Errorf("reached the node as %v, want %s once with the body unchanged", got, tc.forwarded)
			}
		})
	}
}

// TestShieldFlavourDetected: flavor auto in front of a 1.x or 2.x node picks the Shield
// flavour of that version.
func TestShieldFlavourDetected(t *testing.T) {
	for version, flavour := range map[string]string{"1.7.5": "shield1", "2.4.6": "shield2"} {
		node := proxytest.NewNode(t)
		node.SetVersion(version, "")
		e := newEnv(t, envOptions{node: node, roles: shieldRolesFor(flavour), users: map[string][]string{"alice": {"reader"}},
			extraYAML: "flavor: auto\n", detect: true, noRefresh: true})
		if got := e.store.Load().Flavor; got != flavour {
			t.Errorf("%s: flavour %s, want %s", version, got, flavour)
		}
	}
}

// shieldRolesFor returns a reader role in the roles file format of a flavour.
func shieldRolesFor(flavour string) string {
	if flavour == "shield1" {
		return "reader:\n  indices:\n    'logs-*': read\n"
	}
	return strings.TrimPrefix(shieldRoles, "\n")
}

// TestShield1: Shield 1.x roles in that era's file shape, with its privileges and a raw
// action privilege, in front of an Elasticsearch 1.7 node.
func TestShield1(t *testing.T) {
	e := newEnv(t, envOptions{
		roles: `
searcher:
  indices:
    'logs-*': search
actions:
  indices:
    'logs-1, logs-2': [indices:data/read/get, indices:admin/optimize]
crud:
  cluster: monitor
  indices:
    'logs-*': crud
`,
		users:     map[string][]string{"sam": {"searcher"}, "ana": {"actions"}, "cris": {"crud"}},
		extraYAML: "flavor: shield1\n",
		version:   "1.7.5",
	})
	for _, tc := range []struct {
		user, method, uri, body string
		status                  int
	}{
		{"sam", "GET", "/logs-1/_search", "", 200},
		{"sam", "GET", "/logs-1/event/1", "", 403},              // search does not grant get
		{"sam", "GET", "/logs-1/_suggest", "", 200},             // but grants suggest
		{"ana", "GET", "/logs-1/event/1", "", 200},              // a raw action privilege
		{"ana", "POST", "/logs-2/_optimize", "", 200},           // 1.x's optimize
		{"ana", "POST", "/logs-x/_optimize", "", 403},           // not a name of the role
		{"ana", "POST", "/logs-1/_forcemerge", "", 403},         // to 1.x, a document of type _forcemerge
		{"cris", "GET", "/_cluster/health", "", 200},            // monitor
		{"cris", "POST", "/logs-1/event", `{"a":1}`, 200},       // crud writes
		{"cris", "DELETE", "/logs-1", "", 403},                  // but does not delete indices
		{"cris", "POST", "/logs-1/event/_percolate", "{}", 200}, // crud reads (percolate)
	} {
		e.node.Reset()
		r := e.call(t, tc.method, tc.uri, tc.user, tc.body)
		if r.status != tc.status {
			t.Errorf("%s %s %s: status %d, want %d: %s", tc.user, tc.method, tc.uri, r.status, tc.status, r.body)
			continue
		}
		if n := e.node.Count(); (tc.status == 200) != (n == 1) {
			t.Errorf("%s %s %s: %d requests reached the node", tc.user, tc.method, tc.uri, n)
		}
	}
}
