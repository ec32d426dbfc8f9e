package proxy_test

import (
	"strings"
	"testing"
	"time"

	"github.com/esguard/esguard/auth/authtest"
	"github.com/golang-jwt/jwt/v5"
)

const runAsHeader = "es-security-runas-user"

// upstreamBasic is the Authorization header esguard sends the fake node in newEnv.
const upstreamBasic = "Basic ZXNndWFyZDp1cHN0cmVhbS1zZWNyZXQ=" // esguard:upstream-secret

// wantEvent checks fields of an audit event; a want of "" means the field is absent.
func wantEvent(t *testing.T, ev map[string]any, want map[string]string) {
	t.Helper()
	for k, v := range want {
		got, ok := ev[k]
		if v == "" {
			if ok {
				t.Errorf("audit field %s = %v, want it absent (event %v)", k, got, ev)
			}
			continue
		}
		if s, _ := got.(string); s != v {
			t.Errorf("audit field %s = %v, want %s (event %v)", k, got, v, ev)
		}
	}
}

func TestRunAs(t *testing.T) {
	e := newEnv(t, envOptions{})
	t.Run("granted", func(t *testing.T) {
		e.node.Reset()
		r := e.call(t, "GET", "/logs-1/_search", "portal", "", runAsHeader, "alice")
		if r.status != 200 {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
		reqs := e.node.Requests()
		if len(reqs) != 1 {
			t.Fatalf("%d requests reached the cluster, want 1", len(reqs))
		}
		if got := reqs[0].Values(runAsHeader); len(got) != 0 {
			t.Errorf("run-as header forwarded in local mode: %q", got)
		}
		if got := reqs[0].Get("Authorization"); got != upstreamBasic {
			t.Errorf("forwarded Authorization %q, want esguard's own", got)
		}
		wantEvent(t, e.lastEvent(t, "access_granted"), map[string]string{
			"user.name": "alice", "user.realm": "default_file", "user.run_by.name": "portal", "user.run_by.realm": "default_file",
		})
		wantEvent(t, e.lastEvent(t, "run_as_granted"), map[string]string{
			"user.name": "portal", "user.realm": "default_file", "user.run_as.name": "alice", "user.run_as.realm": "default_file",
			"action": "indices:data/read/search", "run_as.reason": "",
		})
	})
	t.Run("target's roles decide", func(t *testing.T) {
		e.node.Reset()
		r := e.call(t, "GET", "/secret/_search", "portal", "", runAsHeader, "alice")
		if r.status != 403 {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
		want := "action [indices:data/read/search] is unauthorized for user [portal] run as [alice] with effective roles [logs_reader] on indices [secret], this action is granted by the index privileges [read,all]"
		if _, reason := r.esError(t); reason != want {
			t.Errorf("reason\n got %s\nwant %s", reason, want)
		}
		if e.node.Count() != 0 {
			t.Fatal("denied request reached the cluster")
		}
		wantEvent(t, e.lastEvent(t, "access_denied"), map[string]string{"user.name": "alice", "user.run_by.name": "portal"})
	})
	t.Run("the caller's own roles do not add", func(t *testing.T) {
		// ops may read everything and run as alice; as alice it reads only logs-*.
		e.node.Reset()
		r := e.call(t, "GET", "/secret/_search", "ops", "", runAsHeader, "report-bot")
		if r.status != 403 || e.node.Count() != 0 {
			t.Fatalf("status %d, %d forwarded: %s", r.status, e.node.Count(), r.body)
		}
	})
	t.Run("authenticate reports both users", func(t *testing.T) {
		r := e.call(t, "GET", "/_security/_authenticate", "portal", "", runAsHeader, "report-bot")
		if r.status != 200 {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
		for _, want := range []string{`"username":"report-bot"`, `"roles":["logs_reader"]`, `"authentication_realm":{"name":"default_file","type":"file"}`, `"lookup_realm":{"name":"default_file","type":"file"}`, `"authentication_type":"realm"`} {
			if !strings.Contains(r.body, want) {
				t.Errorf("body %s lacks %s", r.body, want)
			}
		}
	})
	denied := "action [indices:data/read/search] is unauthorized for user [portal] with effective roles [portal], because user [portal] is unauthorized to run as [%s]"
	for _, tc := range []struct {
		name    string
		user    string
		headers []string
		status  int
		reason  string
	}{
		{"outside the patterns", "portal", []string{runAsHeader, "ops"}, 403, strings.Replace(denied, "%s", "ops", 1)},
		{"nonexistent user", "portal", []string{runAsHeader, "report-nobody"}, 403, strings.Replace(denied, "%s", "report-nobody", 1)},
		{"a pattern is a literal name", "portal", []string{runAsHeader, "report-*"}, 403, strings.Replace(denied, "%s", "report-*", 1)},
		{"empty header", "portal", []string{runAsHeader, ""}, 401, "unable to authenticate user [portal] for REST request [/logs-1/_search]"},
		{"two headers", "portal", []string{runAsHeader, "alice", runAsHeader, "alice"}, 400, "multiple values for single-valued header [es-security-runas-user]."},
		{"conflicting headers", "portal", []string{runAsHeader, "alice", runAsHeader, "report-bot"}, 400, "multiple values for single-valued header [es-security-runas-user]."},
		{"a list", "portal", []string{runAsHeader, "alice,report-bot"}, 400, ""},
		{"not ASCII", "portal", []string{runAsHeader, "al\u00efce"}, 400, ""},
		{"without run_as privilege", "alice", []string{runAsHeader, "report-bot"}, 403,
			"action [indices:data/read/search] is unauthorized for user [alice] with effective roles [logs_reader], because user [alice] is unauthorized to run as [report-bot]"},
		{"bad credentials come first", "mallory", []string{runAsHeader, "alice"}, 401, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.node.Reset()
			r := e.call(t, "GET", "/logs-1/_search", tc.user, "", tc.headers...)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			if _, reason := r.esError(t); tc.reason != "" && reason != tc.reason {
				t.Errorf("reason\n got %s\nwant %s", reason, tc.reason)
			}
			if e.node.Count() != 0 {
				t.Fatal("refused run_as request reached the cluster")
			}
		})
	}
	t.Run("run_as_denied event", func(t *testing.T) {
		e.call(t, "GET", "/logs-1/_search", "alice", "", runAsHeader, "report-bot")
		wantEvent(t, e.lastEvent(t, "run_as_denied"), map[string]string{
			"user.name": "alice", "user.realm": "default_file", "user.run_as.name": "report-bot", "user.run_as.realm": "",
			"action": "indices:data/read/search", "reason": "no role of the caller grants run_as on the target",
		})
		e.call(t, "GET", "/logs-1/_search", "portal", "", runAsHeader, "report-nobody")
		wantEvent(t, e.lastEvent(t, "run_as_denied"), map[string]string{
			"user.name": "portal", "user.run_as.name": "report-nobody", "reason": "no realm that can look users up knows the target",
		})
	})
}

func TestRunAsAnonymousRefused(t *testing.T) {
	e := newEnv(t, envOptions{extraYAML: `authentication:
  order: [basic, anonymous]
  anonymous: {username: guest, roles: [portal, logs_reader]}
`})
	r := e.call(t, "GET", "/logs-1/_search", "", "", runAsHeader, "alice")
	if r.status != 403 || e.node.Count() != 0 {
		t.Fatalf("anonymous run_as: status %d, %d forwarded: %s", r.status, e.node.Count(), r.body)
	}
	wantEvent(t, e.lastEvent(t, "run_as_denied"), map[string]string{"user.name": "guest", "reason": "the anonymous user cannot run as another user"})
	if r := e.call(t, "GET", "/logs-1/_search", "", ""); r.status != 200 {
		t.Fatalf("anonymous without run_as: status %d: %s", r.status, r.body)
	}
}

// TestRunAsAPIKey checks that an API key runs as others when its role descriptors
// and its owner's roles both allow it.
func TestRunAsAPIKey(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "api_keys.yml", `
- id: portal-key
  owner: portal
  key_hash: "`+authtest.Hash(t, "portal-secret")+`"
  role_descriptors:
    impersonate:
      run_as: ["*"]
- id: narrow-key
  owner: portal
  key_hash: "`+authtest.Hash(t, "narrow-secret")+`"
  role_descriptors:
    impersonate:
      run_as: [report-bot]
- id: plain-key
  owner: portal
  key_hash: "`+authtest.Hash(t, "plain-secret")+`"
  role_descriptors:
    reader:
      indices: [{names: ["*"], privileges: [read]}]
`)
	e := newEnv(t, envOptions{extraYAML: "authentication:\n  order: [basic, api_key]\napi_keys: " + dir + "/api_keys.yml\n"})
	for _, tc := range []struct {
		name, id, secret, target string
		status                   int
	}{
		{"allowed by key and owner", "portal-key", "portal-secret", "alice", 200},
		{"owner may not", "portal-key", "portal-secret", "ops", 403},
		{"key may not", "narrow-key", "narrow-secret", "alice", 403},
		{"key allows, owner allows", "narrow-key", "narrow-secret", "report-bot", 200},
		{"key without run_as", "plain-key", "plain-secret", "alice", 403},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.node.Reset()
			r := e.call(t, "GET", "/logs-1/_search", "", "", "Authorization", authtest.APIKeyHeader(tc.id, tc.secret), runAsHeader, tc.target)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			if want := map[bool]int{true: 1, false: 0}[tc.status == 200]; e.node.Count() != want {
				t.Fatalf("%d requests reached the cluster, want %d", e.node.Count(), want)
			}
			if tc.status == 403 {
				if _, reason := r.esError(t); !strings.Contains(reason, "API key id ["+tc.id+"] of user [portal]") || !strings.Contains(reason, "unauthorized to run as ["+tc.target+"]") {
					t.Errorf("reason %s", reason)
				}
			}
		})
	}
	r := e.call(t, "GET", "/_security/_authenticate", "", "", "Authorization", authtest.APIKeyHeader("portal-key", "portal-secret"), runAsHeader, "alice")
	if r.status != 200 || !strings.Contains(r.body, `"username":"alice"`) || !strings.Contains(r.body, `"authentication_type":"api_key"`) || strings.Contains(r.body, `"api_key"`+":{") {
		t.Errorf("_authenticate as alice through a key: %d %s", r.status, r.body)
	}
}

// hsSecret signs the tokens of jwtHSEnv's realm.
const hsSecret = "0123456789abcdef0123456789abcdef"

// jwtHSEnv runs esguard with basic auth and an HS256 JWT realm "idp" whose tokens
// carry their roles in a roles claim. extra is appended to esguard.yml.
func jwtHSEnv(t *testing.T, extra string) *env {
	t.Helper()
	dir := t.TempDir()
	write(t, dir, "idp.secret", hsSecret+"\n")
	return newEnv(t, envOptions{roles: testRoles + "impersonator:\n  run_as: [\"*\"]\n", extraYAML: `authentication:
  order: [basic, jwt]
  jwt:
    - name: idp
      issuer: idp
      audiences: [esguard]
      algorithms: [HS256]
      hmac_secret_file: ` + dir + `/idp.secret
      claims: {principal: sub, roles: roles}
` + extra})
}

func hsToken(t *testing.T, sub string, roles ...string) string {
	t.Helper()
	return "Bearer " + signHS(t, hsSecret, jwt.MapClaims{"iss": "idp", "aud": "esguard", "sub": sub, "roles": roles,
		"iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix()})
}

// TestRunAsJWT checks that a JWT principal runs as a file user when its roles allow
// it, and that a principal known only from tokens is no run_as target.
func TestRunAsJWT(t *testing.T) {
	e := jwtHSEnv(t, "")
	for _, tc := range []struct {
		name, sub, target string
		roles             []string
		status            int
	}{
		{"roles allow", "portal-app", "alice", []string{"portal"}, 200},
		{"outside the patterns", "portal-app", "ops", []string{"portal"}, 403},
		{"roles without run_as", "carol", "alice", []string{"logs_reader"}, 403},
		{"a token-only principal is no target", "x", "portal-app", []string{"impersonator"}, 403},
		{"any file user", "x", "report-bot", []string{"impersonator"}, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.node.Reset()
			r := e.call(t, "GET", "/logs-1/_search", "", "", "Authorization", hsToken(t, tc.sub, tc.roles...), runAsHeader, tc.target)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			if want := map[bool]int{true: 1, false: 0}[tc.status == 200]; e.node.Count() != want {
				t.Fatalf("%d requests reached the cluster, want %d", e.node.Count(), want)
			}
			if tc.status == 200 {
				wantEvent(t, e.lastEvent(t, "access_granted"), map[string]string{
					"user.name": tc.target, "user.realm": "default_file", "user.run_by.name": tc.sub, "user.run_by.realm": "idp", "authentication.type": "realm",
				})
			}
		})
	}
	r := e.call(t, "GET", "/_security/_authenticate", "", "", "Authorization", hsToken(t, "portal-app", "portal"), runAsHeader, "alice")
	for _, want := range []string{`"username":"alice"`, `"authentication_realm":{"name":"idp","type":"jwt"}`, `"lookup_realm":{"name":"default_file","type":"file"}`} {
		if !strings.Contains(r.body, want) {
			t.Errorf("_authenticate %d %s lacks %s", r.status, r.body, want)
		}
	}
}
