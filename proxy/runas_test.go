package proxy_test

import (
	"net/http"
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

// TestRunAsDelegate checks delegate mode: esguard still decides with the effective
// user's roles, and what it grants reaches the cluster once, with esguard's own
// credentials and the effective user in the run-as header.
func TestRunAsDelegate(t *testing.T) {
	e := newEnv(t, envOptions{extraYAML: "run_as: {mode: delegate}\n"})
	for _, tc := range []struct {
		name    string
		user    string
		path    string
		headers []string
		status  int
		runAs   string // the run-as header the cluster receives; "" for none
	}{
		{"run as", "portal", "/logs-1/_search", []string{runAsHeader, "alice"}, 200, "alice"},
		{"no header: esguard's own identity", "alice", "/logs-1/_search", nil, 200, ""},
		{"the target's roles still decide here", "portal", "/secret/_search", []string{runAsHeader, "alice"}, 403, ""},
		{"refusals are local", "portal", "/logs-1/_search", []string{runAsHeader, "ops"}, 403, ""},
		{"a client cannot strip the header", "portal", "/logs-1/_search", []string{runAsHeader, "alice", "Connection", "es-security-runas-user"}, 200, "alice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.node.Reset()
			r := e.call(t, "GET", tc.path, tc.user, "", tc.headers...)
			e.checkDelegated(t, r, tc.status, tc.runAs)
		})
	}
}

// checkDelegated checks a delegate-mode answer: a refusal reached nothing, and a grant
// reached the cluster once, with esguard's credentials and the run-as header runAs
// ("" for none).
func (e *env) checkDelegated(t *testing.T, r reply, status int, runAs string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	reqs := e.node.Requests()
	if status != 200 {
		if len(reqs) != 0 {
			t.Fatal("refused request reached the cluster")
		}
		return
	}
	if len(reqs) != 1 {
		t.Fatalf("%d requests reached the cluster, want 1", len(reqs))
	}
	if got := reqs[0].Values(runAsHeader); (runAs == "" && len(got) != 0) || (runAs != "" && (len(got) != 1 || got[0] != runAs)) {
		t.Errorf("cluster received run-as %q, want %q", got, runAs)
	}
	if got := reqs[0].Get("Authorization"); got != upstreamBasic {
		t.Errorf("cluster received Authorization %q, want esguard's", got)
	}
}

// TestRunAsDelegateAll checks run_as.impersonate_authenticated: every request reaches
// the cluster as its authenticated (or run-as) user, JWT principals included.
func TestRunAsDelegateAll(t *testing.T) {
	e := jwtHSEnv(t, "run_as: {mode: delegate, impersonate_authenticated: true}\n")
	for _, tc := range []struct {
		name   string
		auth   []string
		runAs  string // client header
		status int
		want   string // run-as header at the cluster
	}{
		{"basic", []string{"Authorization", basicAuth("alice")}, "", 200, "alice"},
		{"jwt principal", []string{"Authorization", hsToken(t, "carol", "logs_reader")}, "", 200, "carol"},
		{"jwt principal runs as a file user", []string{"Authorization", hsToken(t, "portal-app", "portal")}, "alice", 200, "alice"},
		{"local roles still decide", []string{"Authorization", hsToken(t, "carol")}, "", 403, ""},
		{"a name the cluster could read differently", []string{"Authorization", hsToken(t, "j\u00f6rg", "logs_reader")}, "", 403, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.node.Reset()
			headers := tc.auth
			if tc.runAs != "" {
				headers = append(append([]string{}, headers...), runAsHeader, tc.runAs)
			}
			r := e.call(t, "GET", "/logs-1/_search", "", "", headers...)
			e.checkDelegated(t, r, tc.status, tc.want)
		})
	}
	e.call(t, "GET", "/logs-1/_search", "", "", "Authorization", hsToken(t, "j\u00f6rg", "logs_reader"))
	wantEvent(t, e.lastEvent(t, "run_as_denied"), map[string]string{"user.name": "j\u00f6rg"})
}

// TestRunAsPolicy checks the governance options: a required reason, per-impersonator
// targets and deny lists, and intersecting with the impersonator's own privileges.
func TestRunAsPolicy(t *testing.T) {
	roles := testRoles + `
support:
  run_as: ["*"]
  indices:
    - names: ["logs-1"]
      privileges: [read]
`
	users := map[string][]string{
		"alice": {"logs_reader"}, "ops": {"admin"}, "portal": {"portal"}, "report-bot": {"logs_reader"},
		"sup-1": {"support"}, "sup-admin": {"support", "admin"},
	}
	e := newEnv(t, envOptions{roles: roles, users: users, extraYAML: `run_as:
  reason_header: X-Run-As-Reason
  impersonators:
    - users: [portal]
      targets: ["report-*"]
    - roles: [support]
      deny: [ops]
    - users: [sup-1]
      intersect: true
`})
	const why = "X-Run-As-Reason"
	for _, tc := range []struct {
		name    string
		user    string
		path    string
		headers []string
		status  int
		reason  string // part of the error reason
		audit   string // part of the run_as_denied audit reason
	}{
		{"granted with a reason", "portal", "/logs-1/_search", []string{runAsHeader, "report-bot", why, "ticket 42"}, 200, "", ""},
		{"no reason", "portal", "/logs-1/_search", []string{runAsHeader, "report-bot"}, 403, "needs a reason in the [X-Run-As-Reason] header", "needs a reason"},
		{"two reasons", "portal", "/logs-1/_search", []string{runAsHeader, "report-bot", why, "a", why, "b"}, 403, "must be sent once", "must be sent once"},
		{"outside the rule's targets", "portal", "/logs-1/_search", []string{runAsHeader, "alice", why, "x"}, 403, "unauthorized to run as [alice]", "not among the targets of run_as.impersonators[0]"},
		{"deny list", "sup-admin", "/logs-1/_search", []string{runAsHeader, "ops", why, "x"}, 403, "unauthorized to run as [ops]", "deny list of run_as.impersonators[1]"},
		{"deny list by role", "sup-1", "/logs-1/_search", []string{runAsHeader, "ops", why, "x"}, 403, "unauthorized to run as [ops]", "deny list"},
		{"intersect: both grant", "sup-1", "/logs-1/_search", []string{runAsHeader, "alice", why, "x"}, 200, "", ""},
		{"intersect: only the target grants", "sup-1", "/logs-2/_search", []string{runAsHeader, "alice", why, "x"}, 403, "on indices [logs-2]", ""},
		{"no intersect rule: the target's roles alone", "sup-admin", "/logs-2/_search", []string{runAsHeader, "alice", why, "x"}, 200, "", ""},
		{"no run_as: no reason needed", "alice", "/logs-1/_search", nil, 200, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.node.Reset()
			r := e.call(t, "GET", tc.path, tc.user, "", tc.headers...)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			if tc.status != 200 {
				if _, reason := r.esError(t); !strings.Contains(reason, tc.reason) {
					t.Errorf("reason %q lacks %q", reason, tc.reason)
				}
				if e.node.Count() != 0 {
					t.Fatal("refused request reached the cluster")
				}
				if tc.audit != "" {
					wantEvent(t, e.lastEvent(t, "run_as_denied"), map[string]string{"user.name": tc.user})
					if got, _ := e.lastEvent(t, "run_as_denied")["reason"].(string); !strings.Contains(got, tc.audit) {
						t.Errorf("audit reason %q lacks %q", got, tc.audit)
					}
				}
				return
			}
			reqs := e.node.Requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests reached the cluster, want 1", len(reqs))
			}
			if got := reqs[0].Get(why); got != "" {
				t.Errorf("reason header forwarded: %q", got)
			}
		})
	}
	e.call(t, "GET", "/logs-1/_search", "portal", "", runAsHeader, "report-bot", why, "ticket 42")
	wantEvent(t, e.lastEvent(t, "run_as_granted"), map[string]string{"user.name": "portal", "user.run_as.name": "report-bot", "run_as.reason": "ticket 42"})
	wantEvent(t, e.lastEvent(t, "access_granted"), map[string]string{"user.name": "report-bot", "user.run_by.name": "portal", "run_as.reason": "ticket 42"})

	// _has_privileges under an intersecting rule answers for the intersection.
	r := e.call(t, "POST", "/_security/user/_has_privileges", "sup-1", `{"index":[{"names":["logs-1","logs-2"],"privileges":["read"]}]}`, runAsHeader, "alice", why, "x")
	if r.status != 200 || !strings.Contains(r.body, `"logs-1":{"read":true}`) || !strings.Contains(r.body, `"logs-2":{"read":false}`) {
		t.Errorf("_has_privileges under intersect: %d %s", r.status, r.body)
	}
}

func basicAuth(user string) string {
	req, _ := http.NewRequest("GET", "http://x/", nil)
	req.SetBasicAuth(user, user+"-pass")
	return req.Header.Get("Authorization")
}
