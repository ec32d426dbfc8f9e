package proxy_test

import (
	"encoding/json"
	"strings"
	"testing"
)

const securityRoles = `
reader:
  cluster: [monitor]
  indices:
    - names: ["logs-*"]
      privileges: [read]
  applications:
    - application: inventory
      privileges: [read]
      resources: ["product/*"]
auditor:
  cluster: [read_security]
secadmin:
  cluster: [manage_security]
`

const appPrivileges = `
inventory:
  read:
    actions: ["data:read/*"]
    metadata: {description: read the inventory}
  write:
    actions: ["data:write/*"]
`

func securityEnv(t *testing.T) *env {
	t.Helper()
	dir := t.TempDir()
	write(t, dir, "app_privileges.yml", appPrivileges)
	return newEnv(t, envOptions{
		roles:     securityRoles,
		users:     map[string][]string{"alice": {"reader"}, "audit": {"auditor"}, "sec": {"secadmin"}},
		extraYAML: "application_privileges: " + dir + "/app_privileges.yml\n",
	})
}

// TestSecurityAPIsAnsweredLocally checks that every _security endpoint is answered by
// esguard from its configuration, with the privilege Elasticsearch requires, and never
// forwarded.
func TestSecurityAPIsAnsweredLocally(t *testing.T) {
	e := securityEnv(t)
	for _, tc := range []struct {
		user, method, uri, body string
		want                    int
		contains                string
	}{
		{"alice", "GET", "/_security/role", "", 403, "is unauthorized for user [alice]"},
		{"audit", "GET", "/_security/role/reader", "", 200, `"reader":{"cluster":["monitor"],"indices":[{"names":["logs-*"],"privileges":["read"],"allow_restricted_indices":false}],"applications":[{"application":"inventory","privileges":["read"],"resources":["product/*"]}],"run_as":[],"metadata":{},"transient_metadata":{"enabled":true}}`},
		{"audit", "GET", "/_security/role/superuser", "", 200, `"_reserved":true`},
		{"audit", "GET", "/_security/role/nope", "", 404, "{}"},
		{"audit", "GET", "/_security/user", "", 200, `"alice":{"username":"alice","roles":["reader"],"full_name":null,"email":null,"metadata":{},"enabled":true}`},
		{"audit", "GET", "/_security/user/alice,nope", "", 200, `"username":"alice"`},
		{"audit", "GET", "/_security/user/nope", "", 404, "{}"},
		{"alice", "GET", "/_security/user/alice", "", 403, "read_security"},
		{"audit", "GET", "/_security/privilege", "", 200, `"inventory":{"read":{"application":"inventory","name":"read","actions":["data:read/*"],"metadata":{"description":"read the inventory"}}`},
		{"audit", "GET", "/_security/privilege/inventory/write", "", 200, `"write":{"application":"inventory","name":"write","actions":["data:write/*"]`},
		{"audit", "GET", "/_security/privilege/other", "", 404, "{}"},
		{"audit", "GET", "/_security/privilege/_builtin", "", 200, `"manage_own_api_key"`},
		{"alice", "GET", "/_security/user/_privileges", "", 200, `{"cluster":["monitor"],"global":[],"indices":[{"names":["logs-*"],"privileges":["read"],"allow_restricted_indices":false}],"applications":[{"application":"inventory","privileges":["read"],"resources":["product/*"]}],"run_as":[]}`},
		{"alice", "PUT", "/_security/role/x", `{"cluster":["all"]}`, 403, "manage_security"},
		{"sec", "PUT", "/_security/role/x", `{"cluster":["all"]}`, 400, "esguard manages roles in its configuration: edit the roles files [roles.yml]"},
		{"sec", "POST", "/_security/user/bob", `{"password":"x"}`, 400, "edit the users file [users.yml]"},
		{"sec", "PUT", "/_security/role_mapping/m", `{}`, 400, "esguard manages role mappings in its configuration"},
		{"sec", "PUT", "/_security/privilege", `{}`, 400, "edit the application privileges file [app_privileges.yml]"},
		{"sec", "POST", "/_security/oauth2/token", `{}`, 400, "is not available through esguard"},
		{"sec", "POST", "/_security/realm/default_file/_clear_cache", "", 200, `"_nodes"`},
	} {
		r := e.call(t, tc.method, tc.uri, tc.user, tc.body)
		if r.status != tc.want || !strings.Contains(r.body, tc.contains) {
			t.Errorf("%s %s %s: %d %s\nwant %d containing %s", tc.user, tc.method, tc.uri, r.status, r.body, tc.want, tc.contains)
		}
	}
	if n := e.node.Count(); n != 0 {
		t.Errorf("%d security requests reached the cluster: %v", n, e.node.Requests())
	}
}

func TestHasPrivilegesThroughProxy(t *testing.T) {
	e := securityEnv(t)
	r := e.call(t, "POST", "/_security/user/_has_privileges", "alice", `{
		"cluster": ["monitor", "manage"],
		"index": [{"names": ["logs-1", "logs-*", "secret"], "privileges": ["read", "write"]}],
		"application": [{"application": "inventory", "privileges": ["read", "write"], "resources": ["product/1", "order/1"]}]
	}`)
	if r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(r.body), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"username":          "alice",
		"has_all_requested": false,
		"cluster":           map[string]any{"monitor": true, "manage": false},
		"index": map[string]any{
			"logs-1": map[string]any{"read": true, "write": false},
			"logs-*": map[string]any{"read": true, "write": false},
			"secret": map[string]any{"read": false, "write": false},
		},
		"application": map[string]any{"inventory": map[string]any{
			"product/1": map[string]any{"read": true, "write": false},
			"order/1":   map[string]any{"read": false, "write": false},
		}},
	}
	gb, _ := json.Marshal(got)
	wb, _ := json.Marshal(want)
	if string(gb) != string(wb) {
		t.Errorf("has_privileges\n got %s\nwant %s", gb, wb)
	}
	for _, tc := range []struct {
		uri, body string
		want      int
		contains  string
	}{
		{"/_security/user/audit/_has_privileges", `{"cluster":["monitor"]}`, 400, "users may only check the privileges of their own account"},
		{"/_security/user/alice/_has_privileges", `{"cluster":["monitor"]}`, 200, `"has_all_requested":true`},
		{"/_security/user/_has_privileges", `{"cluster":["monitr"]}`, 400, "monitr"},
		{"/_security/user/_has_privileges", `{"clusters":["monitor"]}`, 400, "parse_exception"},
	} {
		r := e.call(t, "POST", tc.uri, "alice", tc.body)
		if r.status != tc.want || !strings.Contains(r.body, tc.contains) {
			t.Errorf("%s %s: %d %s", tc.uri, tc.body, r.status, r.body)
		}
	}
	if e.node.Count() != 0 {
		t.Error("has_privileges reached the cluster")
	}
}

// TestHasPrivilegesDocumentedExample sends the request of Elasticsearch's has_privileges
// API documentation as user rdeniro and expects the documented answer.
func TestHasPrivilegesDocumentedExample(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "app_privileges.yml", `
inventory_manager:
  read: {actions: ["data:read/*"]}
  write: {actions: ["data:write/*"]}
`)
	e := newEnv(t, envOptions{
		roles: `
inventory_reader:
  cluster: [monitor]
  indices:
    - names: [suppliers, products, inventory]
      privileges: [read]
  applications:
    - application: inventory_manager
      privileges: [read]
      resources: ["product/1853*"]
`,
		users:     map[string][]string{"rdeniro": {"inventory_reader"}},
		extraYAML: "application_privileges: " + dir + "/app_privileges.yml\n",
	})
	r := e.call(t, "GET", "/_security/user/_has_privileges", "rdeniro", `{
  "cluster": [ "monitor", "manage" ],
  "index" : [
    { "names": [ "suppliers", "products" ], "privileges": [ "read" ] },
    { "names": [ "inventory" ], "privileges" : [ "read", "write" ] }
  ],
  "application": [
    { "application": "inventory_manager", "privileges" : [ "read", "data:write/inventory" ], "resources" : [ "product/1852563" ] }
  ]
}`)
	documented := `{
  "username": "rdeniro",
  "has_all_requested" : false,
  "cluster" : { "monitor" : true, "manage" : false },
  "index" : {
    "suppliers" : { "read" : true },
    "products" : { "read" : true },
    "inventory" : { "read" : true, "write" : false }
  },
  "application" : {
    "inventory_manager" : { "product/1852563" : { "read": false, "data:write/inventory": false } }
  }
}`
	var got, want any
	if err := json.Unmarshal([]byte(r.body), &got); err != nil {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if err := json.Unmarshal([]byte(documented), &want); err != nil {
		t.Fatal(err)
	}
	gb, _ := json.Marshal(got)
	wb, _ := json.Marshal(want)
	if r.status != 200 || string(gb) != string(wb) {
		t.Errorf("%d\n got %s\nwant %s", r.status, gb, wb)
	}
}
