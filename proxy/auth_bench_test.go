package proxy_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"github.com/esguard/esguard/auth/authtest"
	"github.com/golang-jwt/jwt/v5"
)

// BenchmarkAuthenticatedSearch measures a granted search through esguard with each kind
// of credential, next to the same search by an anonymous user (no authentication work),
// so each costs out as a ratio in one run. Steady state: verified passwords, key secrets
// and tokens are cached, so no bcrypt, hash or signature check runs per request.
func BenchmarkAuthenticatedSearch(b *testing.B) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		b.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	dir := b.TempDir()
	secret := strings.Repeat("s", 32)
	write(b, dir, "corp.pem", string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})))
	write(b, dir, "api_keys.yml", `- {id: k1, owner: alice, key_hash: "`+authtest.Hash(b, "k1-secret")+`"}`+"\n")
	e := newEnv(b, envOptions{extraYAML: `api_keys: ` + dir + `/api_keys.yml
authentication:
  order: [basic, api_key, jwt, anonymous]
  anonymous: {username: guest, roles: [logs_reader]}
  jwt:
    - {name: rs, issuer: rs-issuer, audiences: [esguard], algorithms: [RS256], public_keys: [{pem_file: ` + dir + `/corp.pem}], claims: {roles: roles}}
    - {name: hs, issuer: hs-issuer, audiences: [esguard], algorithms: [HS256], hmac_secret: ` + secret + `, claims: {roles: roles}}
`})
	e.node.Discard()
	now := time.Now()
	claims := func(iss string) jwt.MapClaims {
		return jwt.MapClaims{"iss": iss, "aud": "esguard", "sub": "alice", "roles": []string{"logs_reader"}, "iat": now.Unix(), "exp": now.Add(24 * time.Hour).Unix()}
	}
	rs, err := jwt.NewWithClaims(jwt.SigningMethodRS256, claims("rs-issuer")).SignedString(key)
	if err != nil {
		b.Fatal(err)
	}
	hs, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims("hs-issuer")).SignedString([]byte(secret))
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct{ name, header string }{
		{"anonymous", ""},
		{"basic", authtest.BasicHeader("alice", "alice-pass")},
		{"apikey", authtest.APIKeyHeader("k1", "k1-secret")},
		{"jwt-rs256", authtest.BearerHeader(rs)},
		{"jwt-hs256", authtest.BearerHeader(hs)},
	} {
		b.Run(c.name, func(b *testing.B) { benchSearches(b, e.url+"/logs-1/_search", c.header) })
	}
}
