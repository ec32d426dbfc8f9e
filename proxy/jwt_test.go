package proxy_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// jwtEnv runs esguard with basic, API key and two JWT realms: corp (RS256, a PEM key,
// roles from role mapping on groups) and svc (HS256, roles of the users file by lookup).
func jwtEnv(t *testing.T) (*env, *rsa.PrivateKey) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write(t, dir, "corp.pem", string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})))
	write(t, dir, "svc.secret", strings.Repeat("s", 32)+"\n")
	write(t, dir, "api_keys.yml", "[]\n")
	return newEnv(t, envOptions{extraYAML: `authentication:
  order: [basic, api_key, jwt]
  jwt:
    - name: corp
      issuer: https://idp.example.com
      audiences: [esguard]
      algorithms: [RS256]
      public_keys: [{kid: k1, pem_file: ` + dir + `/corp.pem}]
      claims: {principal: sub, groups: groups}
    - name: svc
      issuer: svc-issuer
      audiences: [esguard]
      algorithms: [HS256]
      hmac_secret_file: ` + dir + `/svc.secret
      lookup_users: true
role_mapping:
  - name: readers
    roles: [logs_reader]
    groups: [logs-readers]
  - roles: [ingest]
    rules: {all: [{field: {realm.name: corp}}, {field: {metadata.jwt_claim_team: ingest}}]}
`}), key
}

func signRS(t *testing.T, key *rsa.PrivateKey, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	tok.Header["kid"] = "k1"
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func signHS(t *testing.T, secret string, claims jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestJWTThroughProxy(t *testing.T) {
	e, key := jwtEnv(t)
	now := time.Now()
	corp := func(sub string, groups []string, extra map[string]any) string {
		c := jwt.MapClaims{"iss": "https://idp.example.com", "aud": "esguard", "sub": sub, "groups": groups, "exp": now.Add(time.Hour).Unix(), "iat": now.Unix()}
		for k, v := range extra {
			c[k] = v
		}
		return signRS(t, key, c)
	}
	bearer := func(tok string) []string { return []string{"Authorization", "Bearer " + tok} }

	// The same user reaches the same decisions with a password and with a token whose
	// groups map to the same role.
	aliceTok := corp("alice", []string{"logs-readers"}, nil)
	svcTok := signHS(t, strings.Repeat("s", 32), jwt.MapClaims{"iss": "svc-issuer", "aud": "esguard", "sub": "alice", "exp": now.Add(time.Hour).Unix(), "iat": now.Unix()})
	for _, tc := range []struct {
		method, uri, body string
		want              int
	}{
		{"GET", "/logs-1/_search", "", 200},
		{"GET", "/secret/_search", "", 403},
		{"PUT", "/logs-1/_doc/1", `{"a":1}`, 403},
	} {
		basic := e.call(t, tc.method, tc.uri, "alice", tc.body).status
		rs := e.call(t, tc.method, tc.uri, "", tc.body, bearer(aliceTok)...).status
		hs := e.call(t, tc.method, tc.uri, "", tc.body, bearer(svcTok)...).status
		if basic != tc.want || rs != tc.want || hs != tc.want {
			t.Errorf("%s %s: basic %d, RS256 %d, HS256 (lookup) %d, want %d", tc.method, tc.uri, basic, rs, hs, tc.want)
		}
	}
	r := e.call(t, "GET", "/_security/_authenticate", "", "", bearer(aliceTok)...)
	if !strings.Contains(r.body, `"username":"alice"`) || !strings.Contains(r.body, `"authentication_realm":{"name":"corp","type":"jwt"}`) || !strings.Contains(r.body, `"roles":["logs_reader"]`) {
		t.Errorf("authenticate with a JWT: %s", r.body)
	}
	// Role mapping on a claim: team=ingest in realm corp grants ingest.
	ingestTok := corp("carol", nil, map[string]any{"team": "ingest"})
	if got := e.call(t, "PUT", "/logs-1/_create/1", "", `{"a":1}`, bearer(ingestTok)...).status; got != 201 {
		t.Errorf("mapped by claim: %d, want 201", got)
	}
	// A token without a mapped role authenticates but may do nothing.
	if got := e.call(t, "GET", "/logs-1/_search", "", "", bearer(corp("dave", []string{"other"}, nil))...).status; got != 403 {
		t.Errorf("unmapped user: %d, want 403", got)
	}

	e.node.Reset()
	bad := []struct{ name, tok string }{
		{"expired", corp("alice", []string{"logs-readers"}, map[string]any{"exp": now.Add(-time.Hour).Unix()})},
		{"wrong audience", corp("alice", []string{"logs-readers"}, map[string]any{"aud": "other"})},
		{"unknown issuer", signHS(t, strings.Repeat("s", 32), jwt.MapClaims{"iss": "elsewhere", "aud": "esguard", "sub": "alice", "exp": now.Add(time.Hour).Unix(), "iat": now.Unix()})},
		{"HS256 with the RSA issuer", signHS(t, strings.Repeat("s", 32), jwt.MapClaims{"iss": "https://idp.example.com", "aud": "esguard", "sub": "alice", "exp": now.Add(time.Hour).Unix(), "iat": now.Unix()})},
		{"lookup of an unknown user", signHS(t, strings.Repeat("s", 32), jwt.MapClaims{"iss": "svc-issuer", "aud": "esguard", "sub": "nobody", "exp": now.Add(time.Hour).Unix(), "iat": now.Unix()})},
		{"tampered", aliceTok[:len(aliceTok)-4] + "AAAA"},
		{"not a JWT", "opaque-token"},
	}
	for _, b := range bad {
		got := e.call(t, "GET", "/logs-1/_search", "", "", bearer(b.tok)...)
		if got.status != 401 {
			t.Errorf("%s: %d, want 401", b.name, got.status)
		}
		if h := strings.Join(got.header.Values("WWW-Authenticate"), "|"); !strings.Contains(h, "Bearer") || !strings.Contains(h, "ApiKey") || !strings.Contains(h, "Basic") {
			t.Errorf("%s: WWW-Authenticate %q", b.name, h)
		}
	}
	if e.node.Count() != 0 {
		t.Errorf("refused tokens reached the cluster %d times", e.node.Count())
	}
}
