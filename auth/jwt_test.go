package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const (
	testIssuer   = "https://idp.example.com"
	testAudience = "esguard"
)

// testKeys are the signing keys of the JWT tests, generated once per test binary.
type testKeys struct {
	rsa, rsa2, rsaOther *rsa.PrivateKey
	rsaSmall            *rsa.PrivateKey // 1024 bits: below Elasticsearch's minimum
	ec256, ec384, ec521 *ecdsa.PrivateKey
	ed                  ed25519.PrivateKey
	hmac                []byte // 64 bytes: enough for HS512
}

var jwtTestKeys = sync.OnceValue(func() *testKeys {
	k := &testKeys{hmac: make([]byte, 64)}
	must := func(err error) {
		if err != nil {
			panic(err)
		}
	}
	var err error
	k.rsa, err = rsa.GenerateKey(rand.Reader, 2048)
	must(err)
	k.rsa2, err = rsa.GenerateKey(rand.Reader, 2048)
	must(err)
	k.rsaOther, err = rsa.GenerateKey(rand.Reader, 2048)
	must(err)
	k.rsaSmall, err = rsa.GenerateKey(rand.Reader, 1024)
	must(err)
	k.ec256, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(err)
	k.ec384, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	must(err)
	k.ec521, err = ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	must(err)
	_, k.ed, err = ed25519.GenerateKey(rand.Reader)
	must(err)
	_, err = rand.Read(k.hmac)
	must(err)
	return k
})

// pemOf returns the PKIX PEM encoding of a public key.
func pemOf(pub any) string {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		panic(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// signJWT signs claims with method and key. header entries are added to the JOSE
// header (a nil value deletes the entry, so {"typ": nil} drops "typ").
func signJWT(t testing.TB, m jwt.SigningMethod, key any, header, claims map[string]any) string {
	t.Helper()
	tok := jwt.NewWithClaims(m, jwt.MapClaims(claims))
	for k, v := range header {
		if v == nil {
			delete(tok.Header, k)
		} else {
			tok.Header[k] = v
		}
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// rawJWT encodes header and claims as they are, with sig as the signature.
func rawJWT(t testing.TB, header, claims map[string]any, sig []byte) string {
	t.Helper()
	enc := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return base64.RawURLEncoding.EncodeToString(b)
	}
	return enc(header) + "." + enc(claims) + "." + base64.RawURLEncoding.EncodeToString(sig)
}

var jwtTestNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// claimsAt returns valid claims for alice at now; extra entries are added (nil
// deletes one).
func claimsAt(now time.Time, extra map[string]any) map[string]any {
	c := map[string]any{
		"iss":    testIssuer,
		"sub":    "alice",
		"aud":    testAudience,
		"iat":    now.Unix(),
		"exp":    now.Add(time.Hour).Unix(),
		"groups": []string{"ops", "devs"},
	}
	for k, v := range extra {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	return c
}

// baseJWTOptions is an RS256 realm trusting k.rsa under kid "k1".
func baseJWTOptions(k *testKeys, clock *fakeClock) JWTOptions {
	return JWTOptions{
		Name:       "corp-idp",
		Issuer:     testIssuer,
		Audiences:  []string{testAudience},
		Algorithms: []string{"RS256"},
		PublicKeys: []JWTPublicKey{{KID: "k1", PEM: pemOf(&k.rsa.PublicKey)}},
		Now:        clock.Now,
	}
}

// newJWTTestRealm builds a realm and counts its signature verifications.
func newJWTTestRealm(t testing.TB, o JWTOptions) (*JWTRealm, *atomic.Int64) {
	t.Helper()
	r, err := NewJWTRealm(o)
	if err != nil {
		t.Fatal(err)
	}
	calls := new(atomic.Int64)
	verify := r.verify
	r.verify = func(m jwt.SigningMethod, s string, sig []byte, key any) error {
		calls.Add(1)
		return verify(m, s, sig, key)
	}
	return r, calls
}

func bearer(token string) Credentials {
	return Credentials{Scheme: SchemeBearer, Token: token}
}

// wantJWTFailure checks that err is a *Failure of the realm whose reason contains
// reason, and that the reason does not leak the token.
func wantJWTFailure(t *testing.T, err error, realm, reason, token string) {
	t.Helper()
	var f *Failure
	if !errors.As(err, &f) {
		t.Fatalf("error = %v; want a *Failure", err)
	}
	if f.Kind != FailureInvalid || f.Realm != realm || !strings.Contains(f.Reason, reason) {
		t.Fatalf("failure = %+v; want kind invalid, realm %q, reason containing %q", f, realm, reason)
	}
	if token != "" {
		for _, part := range strings.Split(token, ".") {
			if len(part) > 8 && (strings.Contains(f.Reason, part) || strings.Contains(f.Error(), part)) {
				t.Fatalf("failure %q contains part of the token", f.Error())
			}
		}
	}
}

func TestJWTRealmAuthenticate(t *testing.T) {
	t.Parallel()
	k := jwtTestKeys()
	now := jwtTestNow
	rs := func(header, extra map[string]any) func(t *testing.T) string {
		return func(t *testing.T) string {
			return signJWT(t, jwt.SigningMethodRS256, k.rsa, header, claimsAt(now, extra))
		}
	}
	kid1 := map[string]any{"kid": "k1"}

	tests := []struct {
		name    string
		opts    func(o *JWTOptions)
		cred    func(t *testing.T) Credentials
		token   func(t *testing.T) string
		notMine bool   // ErrNotHandled
		reason  string // a *Failure with this reason
		user    string // the failure's Username
		check   func(t *testing.T, id *Identity)
	}{
		{name: "valid RS256 token", token: rs(kid1, nil), check: func(t *testing.T, id *Identity) {
			if id.Username != "alice" || id.RealmName != "corp-idp" || id.RealmType != "jwt" || id.AuthType != AuthTypeRealm {
				t.Fatalf("identity = %+v", id)
			}
		}},
		{name: "no kid tries every key", token: rs(nil, nil)},
		{name: "audience array with one match", token: rs(kid1, map[string]any{"aud": []string{"other", testAudience}})},
		{name: "typ JWT in any case", token: rs(map[string]any{"typ": "jwt"}, nil)},
		{name: "no typ", token: rs(map[string]any{"typ": nil}, nil)},
		{name: "basic credentials", cred: func(*testing.T) Credentials { return basic("alice", "pw") }, notMine: true},
		{name: "api key credentials", cred: func(*testing.T) Credentials {
			return Credentials{Scheme: SchemeAPIKey, APIKeyID: "id", APIKeySecret: "s"}
		}, notMine: true},
		{name: "opaque bearer token", token: func(*testing.T) string { return "dGhpcyBpcyBub3QgYSBqd3Q" }, notMine: true},
		{name: "two parts", token: func(*testing.T) string { return "eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJ4In0" }, notMine: true},
		{name: "four parts", token: func(t *testing.T) string { return rs(kid1, nil)(t) + ".x" }, notMine: true},
		{name: "not base64url", token: func(*testing.T) string { return "a+b.c/d.e=f" }, notMine: true},
		{name: "payload not JSON", token: func(*testing.T) string {
			return "eyJhbGciOiJSUzI1NiJ9." + base64.RawURLEncoding.EncodeToString([]byte("not json")) + ".c2ln"
		}, notMine: true},
		{name: "payload a JSON array", token: func(*testing.T) string {
			return "eyJhbGciOiJSUzI1NiJ9." + base64.RawURLEncoding.EncodeToString([]byte(`["iss"]`)) + ".c2ln"
		}, notMine: true},
		{name: "other issuer", token: rs(kid1, map[string]any{"iss": "https://other.example.com"}), notMine: true},
		{name: "no issuer", token: rs(kid1, map[string]any{"iss": nil}), notMine: true},
		{name: "issuer not a string", token: rs(kid1, map[string]any{"iss": 42}), notMine: true},
		{name: "issuer differs in case", token: rs(kid1, map[string]any{"iss": strings.ToUpper(testIssuer)}), notMine: true},

		{name: "signed by another key", token: func(t *testing.T) string {
			return signJWT(t, jwt.SigningMethodRS256, k.rsaOther, kid1, claimsAt(now, nil))
		}, reason: "JWT signature verification failed", user: "alice"},
		{name: "tampered claims", token: func(t *testing.T) string {
			parts := strings.Split(rs(kid1, nil)(t), ".")
			forged := rawJWT(t, map[string]any{"alg": "RS256", "kid": "k1"}, claimsAt(now, map[string]any{"sub": "root"}), nil)
			return strings.Join([]string{parts[0], strings.Split(forged, ".")[1], parts[2]}, ".")
		}, reason: "JWT signature verification failed", user: "root"},
		{name: "alg none", token: func(t *testing.T) string {
			return rawJWT(t, map[string]any{"alg": "none", "typ": "JWT"}, claimsAt(now, nil), nil)
		}, reason: "invalid JWT algorithm [none], allowed algorithms are [RS256]"},
		{name: "alg missing", token: func(t *testing.T) string {
			return rawJWT(t, map[string]any{"typ": "JWT"}, claimsAt(now, nil), []byte("sig"))
		}, reason: "missing JWT algorithm header"},
		{name: "algorithm not allowed", token: func(t *testing.T) string {
			return signJWT(t, jwt.SigningMethodES256, k.ec256, nil, claimsAt(now, nil))
		}, reason: "invalid JWT algorithm [ES256], allowed algorithms are [RS256]"},
		{name: "HS256 signed with the public key, realm allows RS256 only", token: func(t *testing.T) string {
			return signJWT(t, jwt.SigningMethodHS256, []byte(pemOf(&k.rsa.PublicKey)), kid1, claimsAt(now, nil))
		}, reason: "invalid JWT algorithm [HS256]"},
		{name: "HS256 signed with the public key, realm allows RS256 and HS256", opts: func(o *JWTOptions) {
			o.Algorithms = []string{"RS256", "HS256"}
			o.HMACSecret = k.hmac
		}, token: func(t *testing.T) string {
			return signJWT(t, jwt.SigningMethodHS256, []byte(pemOf(&k.rsa.PublicKey)), kid1, claimsAt(now, nil))
		}, reason: "JWT signature verification failed"},
		{name: "HS256 signed with the DER public key", opts: func(o *JWTOptions) {
			o.Algorithms = []string{"RS256", "HS256"}
			o.HMACSecret = k.hmac
		}, token: func(t *testing.T) string {
			der, _ := x509.MarshalPKIXPublicKey(&k.rsa.PublicKey)
			return signJWT(t, jwt.SigningMethodHS256, der, nil, claimsAt(now, nil))
		}, reason: "JWT signature verification failed"},
		{name: "jwk header", token: rs(map[string]any{"jwk": map[string]any{"kty": "RSA"}}, nil), reason: "JWT header [jwk] is not supported"},
		{name: "jku header", token: rs(map[string]any{"jku": "https://evil.example.com/jwks"}, nil), reason: "JWT header [jku] is not supported"},
		{name: "x5u header", token: rs(map[string]any{"x5u": "https://evil.example.com/cert"}, nil), reason: "JWT header [x5u] is not supported"},
		{name: "x5c header", token: rs(map[string]any{"x5c": []string{"MIIB"}}, nil), reason: "JWT header [x5c] is not supported"},
		{name: "crit header", token: rs(map[string]any{"crit": []string{"exp"}, "exp": 1}, nil), reason: "JWT header [crit]"},
		{name: "crit header b64", token: rs(map[string]any{"crit": []string{"b64"}, "b64": false}, nil), reason: "JWT header [crit]"},
		{name: "typ other than JWT", token: rs(map[string]any{"typ": "at+jwt"}, nil), reason: "invalid jwt typ header"},
		{name: "kid not a string", token: rs(map[string]any{"kid": 7}, nil), reason: "invalid JWT header [kid]"},
		{name: "header not JSON", token: func(t *testing.T) string {
			parts := strings.Split(rs(kid1, nil)(t), ".")
			return base64.RawURLEncoding.EncodeToString([]byte("{nope")) + "." + parts[1] + "." + parts[2]
		}, reason: "failed to parse JWT header"},
		{name: "signature not base64url", token: func(t *testing.T) string {
			parts := strings.Split(rs(kid1, nil)(t), ".")
			return parts[0] + "." + parts[1] + ".A"
		}, reason: "invalid JWT signature encoding"},
		{name: "unknown kid", token: func(t *testing.T) string {
			return signJWT(t, jwt.SigningMethodRS256, k.rsa, map[string]any{"kid": "k9"}, claimsAt(now, nil))
		}, reason: "no JWK with kid [k9] can verify an [RS256] signature"},
		{name: "token too large", opts: func(o *JWTOptions) { o.MaxTokenSize = 1024 }, token: rs(kid1, map[string]any{"pad": strings.Repeat("x", 1024)}),
			reason: "JWT is larger than the maximum size of [1024] bytes"},
		{name: "token under the default limit", token: rs(kid1, map[string]any{"pad": strings.Repeat("x", 10<<10)})},
		{name: "token over the default limit", token: rs(kid1, map[string]any{"pad": strings.Repeat("x", 16<<10)}),
			reason: "JWT is larger than the maximum size of [16384] bytes"},

		{name: "exp missing", token: rs(kid1, map[string]any{"exp": nil}), reason: "missing required date claim [exp]"},
		{name: "exp past", token: rs(kid1, map[string]any{"exp": now.Add(-2 * time.Minute).Unix()}),
			reason: "date claim [exp] value [" + itoa(now.Add(-2*time.Minute).UnixMilli()) + "] must be after now [" + itoa(now.UnixMilli()) + "]"},
		{name: "exp not a number", token: rs(kid1, map[string]any{"exp": "tomorrow"}), reason: "cannot parse date claim [exp]"},
		{name: "exp fractional", token: rs(kid1, map[string]any{"exp": float64(now.Add(time.Hour).Unix()) + 0.5})},
		{name: "iat missing", token: rs(kid1, map[string]any{"iat": nil}), reason: "missing required date claim [iat]"},
		{name: "iat in the future", token: rs(kid1, map[string]any{"iat": now.Add(5 * time.Minute).Unix()}), reason: "date claim [iat]"},
		{name: "nbf in the future", token: rs(kid1, map[string]any{"nbf": now.Add(5 * time.Minute).Unix()}), reason: "date claim [nbf]"},
		{name: "nbf in the past", token: rs(kid1, map[string]any{"nbf": now.Add(-5 * time.Minute).Unix()})},
		{name: "auth_time in the future", token: rs(kid1, map[string]any{"auth_time": now.Add(5 * time.Minute).Unix()}), reason: "date claim [auth_time]"},
		{name: "audience mismatch", token: rs(kid1, map[string]any{"aud": []string{"kibana", "other"}}),
			reason: "string claim [aud] has value [kibana,other] which does not match allowed claim values [esguard]"},
		{name: "audience missing", token: rs(kid1, map[string]any{"aud": nil}), reason: "missing required string claim [aud]"},
		{name: "audience not a string", token: rs(kid1, map[string]any{"aud": 5}), reason: "missing required string claim [aud]"},
		{name: "sub missing", token: rs(kid1, map[string]any{"sub": nil}), reason: "missing required string claim [sub]"},
		{name: "principal claim missing", opts: func(o *JWTOptions) { o.ClaimPrincipal = "email" }, token: rs(kid1, nil),
			reason: "no principal found in claim [email]"},
		{name: "principal claim empty", token: rs(kid1, map[string]any{"sub": " "}), reason: "no principal found in claim [sub]"},
		{name: "principal claim a number", opts: func(o *JWTOptions) { o.ClaimPrincipal = "uid" }, token: rs(kid1, map[string]any{"uid": 7}),
			reason: "claim [uid] must be a string or an array of strings"},
		{name: "principal from an array takes the first", opts: func(o *JWTOptions) { o.ClaimPrincipal = "names" },
			token: rs(kid1, map[string]any{"names": []string{"al", "alice"}}),
			check: func(t *testing.T, id *Identity) {
				if id.Username != "al" {
					t.Fatalf("username = %q", id.Username)
				}
			}},
		{name: "groups not strings", token: rs(kid1, map[string]any{"groups": []any{"ops", 3}}),
			reason: "claim [groups] must be a string or an array of strings"},
		{name: "required claim present with an allowed value", opts: func(o *JWTOptions) {
			o.RequiredClaims = map[string][]string{"tenant": {"acme", "globex"}, "exp": nil}
		}, token: rs(kid1, map[string]any{"tenant": []string{"initech", "globex"}})},
		{name: "required claim missing", opts: func(o *JWTOptions) { o.RequiredClaims = map[string][]string{"tenant": {"acme"}} },
			token: rs(kid1, nil), reason: "missing required claim [tenant]"},
		{name: "required claim mismatched", opts: func(o *JWTOptions) { o.RequiredClaims = map[string][]string{"tenant": {"acme"}} },
			token: rs(kid1, map[string]any{"tenant": "globex"}), reason: "string claim [tenant] has value [globex] which does not match allowed claim values [acme]"},
		{name: "required claim not a string", opts: func(o *JWTOptions) { o.RequiredClaims = map[string][]string{"tenant": {"acme"}} },
			token: rs(kid1, map[string]any{"tenant": true}), reason: "missing required string claim [tenant]"},
		{name: "presence-only required claim", opts: func(o *JWTOptions) { o.RequiredClaims = map[string][]string{"jti": nil} },
			token: rs(kid1, map[string]any{"jti": 12345})},
		{name: "presence-only required claim missing", opts: func(o *JWTOptions) { o.RequiredClaims = map[string][]string{"jti": nil} },
			token: rs(kid1, nil), reason: "missing required claim [jti]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := baseJWTOptions(k, &fakeClock{now: now})
			if tt.opts != nil {
				tt.opts(&o)
			}
			r, _ := newJWTTestRealm(t, o)
			var cred Credentials
			if tt.cred != nil {
				cred = tt.cred(t)
			} else {
				cred = bearer(tt.token(t))
			}
			id, err := r.Authenticate(t.Context(), cred)
			switch {
			case tt.notMine:
				if !errors.Is(err, ErrNotHandled) || id != nil {
					t.Fatalf("Authenticate = %v, %v; want ErrNotHandled", id, err)
				}
			case tt.reason != "":
				wantJWTFailure(t, err, "corp-idp", tt.reason, cred.Token)
				if id != nil {
					t.Fatalf("identity %+v with a failure", id)
				}
				var f *Failure
				if errors.As(err, &f) && tt.user != "" && f.Username != tt.user {
					t.Fatalf("failure username = %q; want %q", f.Username, tt.user)
				}
			default:
				if err != nil || id == nil {
					t.Fatalf("Authenticate = %v, %v; want an identity", id, err)
				}
				if tt.check != nil {
					tt.check(t, id)
				}
			}
		})
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestJWTRealmAlgorithms signs a token with each supported algorithm and checks that a
// realm allowing all of them accepts it, and that a realm allowing every other
// algorithm refuses it.
func TestJWTRealmAlgorithms(t *testing.T) {
	t.Parallel()
	k := jwtTestKeys()
	clock := &fakeClock{now: jwtTestNow}
	keys := []JWTPublicKey{
		{KID: "rsa", PEM: pemOf(&k.rsa.PublicKey)},
		{KID: "p256", PEM: pemOf(&k.ec256.PublicKey)},
		{KID: "p384", PEM: pemOf(&k.ec384.PublicKey)},
		{KID: "p521", PEM: pemOf(&k.ec521.PublicKey)},
		{KID: "ed", PEM: pemOf(k.ed.Public())},
	}
	tests := []struct {
		alg string
		m   jwt.SigningMethod
		key any
		kid string
	}{
		{"HS256", jwt.SigningMethodHS256, k.hmac, ""},
		{"HS384", jwt.SigningMethodHS384, k.hmac, ""},
		{"HS512", jwt.SigningMethodHS512, k.hmac, ""},
		{"RS256", jwt.SigningMethodRS256, k.rsa, "rsa"},
		{"RS384", jwt.SigningMethodRS384, k.rsa, "rsa"},
		{"RS512", jwt.SigningMethodRS512, k.rsa, "rsa"},
		{"PS256", jwt.SigningMethodPS256, k.rsa, "rsa"},
		{"PS384", jwt.SigningMethodPS384, k.rsa, "rsa"},
		{"PS512", jwt.SigningMethodPS512, k.rsa, "rsa"},
		{"ES256", jwt.SigningMethodES256, k.ec256, "p256"},
		{"ES384", jwt.SigningMethodES384, k.ec384, "p384"},
		{"ES512", jwt.SigningMethodES512, k.ec521, "p521"},
		{"EdDSA", jwt.SigningMethodEdDSA, k.ed, "ed"},
	}
	all, _ := newJWTTestRealm(t, JWTOptions{
		Name: "all", Issuer: testIssuer, Audiences: []string{testAudience}, Algorithms: JWTAlgorithms(),
		HMACSecret: k.hmac, PublicKeys: keys, Now: clock.Now,
	})
	for _, tt := range tests {
		t.Run(tt.alg, func(t *testing.T) {
			t.Parallel()
			header := map[string]any{}
			if tt.kid != "" {
				header["kid"] = tt.kid
			}
			tok := signJWT(t, tt.m, tt.key, header, claimsAt(jwtTestNow, nil))
			if id, err := all.Authenticate(t.Context(), bearer(tok)); err != nil || id.Username != "alice" {
				t.Fatalf("Authenticate = %v, %v", id, err)
			}
			// Without a kid every key that fits the algorithm is tried.
			tok = signJWT(t, tt.m, tt.key, nil, claimsAt(jwtTestNow, map[string]any{"jti": "nokid"}))
			if _, err := all.Authenticate(t.Context(), bearer(tok)); err != nil {
				t.Fatalf("without kid: %v", err)
			}
			others := slices.DeleteFunc(JWTAlgorithms(), func(a string) bool { return a == tt.alg })
			o := JWTOptions{Name: "others", Issuer: testIssuer, Audiences: []string{testAudience}, Algorithms: others,
				HMACSecret: k.hmac, PublicKeys: keys, Now: clock.Now}
			// Drop the key only the removed algorithm can use: it would fit nothing.
			if drop := map[string]int{"ES256": 1, "ES384": 2, "ES512": 3, "EdDSA": 4}; drop[tt.alg] > 0 {
				o.PublicKeys = slices.Delete(slices.Clone(keys), drop[tt.alg], drop[tt.alg]+1)
			}
			rest, _ := newJWTTestRealm(t, o)
			_, err := rest.Authenticate(t.Context(), bearer(tok))
			wantJWTFailure(t, err, "others", "invalid JWT algorithm ["+tt.alg+"]", tok)
		})
	}
}

// TestJWTRealmKeyConfusion checks that keys only verify their own family: an HMAC
// token is never checked against a public key (even one whose kid it names), and a
// public-key token never against the HMAC secret.
func TestJWTRealmKeyConfusion(t *testing.T) {
	t.Parallel()
	k := jwtTestKeys()
	clock := &fakeClock{now: jwtTestNow}
	pubPEM := pemOf(&k.rsa.PublicKey)
	r, calls := newJWTTestRealm(t, JWTOptions{
		Name: "mixed", Issuer: testIssuer, Audiences: []string{testAudience}, Algorithms: []string{"HS256", "RS256", "ES256"},
		HMACSecret: k.hmac, PublicKeys: []JWTPublicKey{{KID: "rsa", PEM: pubPEM}, {KID: "ec", PEM: pemOf(&k.ec256.PublicKey)}},
		Now: clock.Now,
	})
	claims := claimsAt(jwtTestNow, nil)
	tests := []struct {
		name   string
		token  string
		reason string
		calls  int64
	}{
		{"HS256 with the PEM as secret and the RSA kid", signJWT(t, jwt.SigningMethodHS256, []byte(pubPEM), map[string]any{"kid": "rsa"}, claims),
			"JWT signature verification failed", 1},
		{"RS256 token naming the EC key", signJWT(t, jwt.SigningMethodRS256, k.rsa, map[string]any{"kid": "ec"}, claims),
			"no JWK with kid [ec] can verify an [RS256] signature", 0},
		{"ES256 token naming the RSA key", signJWT(t, jwt.SigningMethodES256, k.ec256, map[string]any{"kid": "rsa"}, claims),
			"no JWK with kid [rsa] can verify an [ES256] signature", 0},
		{"HS256 with the right secret", signJWT(t, jwt.SigningMethodHS256, k.hmac, map[string]any{"kid": "rsa"}, claims), "", 1},
	}
	for _, tt := range tests {
		before := calls.Load()
		_, err := r.Authenticate(t.Context(), bearer(tt.token))
		if tt.reason == "" {
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
		} else {
			wantJWTFailure(t, err, "mixed", tt.reason, tt.token)
		}
		if got := calls.Load() - before; got != tt.calls {
			t.Fatalf("%s: %d signature checks; want %d", tt.name, got, tt.calls)
		}
	}
}

func TestJWTRealmClockSkew(t *testing.T) {
	t.Parallel()
	k := jwtTestKeys()
	now := jwtTestNow
	tests := []struct {
		name  string
		skew  time.Duration
		extra map[string]any
		ok    bool
	}{
		{"exp one second inside the default skew", 0, map[string]any{"exp": now.Add(-59 * time.Second).Unix()}, true},
		{"exp exactly at the default skew", 0, map[string]any{"exp": now.Add(-60 * time.Second).Unix()}, false},
		{"exp now", 0, map[string]any{"exp": now.Unix()}, true},
		{"exp inside a 30s skew", 30 * time.Second, map[string]any{"exp": now.Add(-29 * time.Second).Unix()}, true},
		{"exp at a 30s skew", 30 * time.Second, map[string]any{"exp": now.Add(-30 * time.Second).Unix()}, false},
		{"iat one second inside the skew", 0, map[string]any{"iat": now.Add(59 * time.Second).Unix()}, true},
		{"iat exactly at the skew", 0, map[string]any{"iat": now.Add(60 * time.Second).Unix()}, false},
		{"nbf one second inside the skew", 0, map[string]any{"nbf": now.Add(59 * time.Second).Unix()}, true},
		{"nbf exactly at the skew", 0, map[string]any{"nbf": now.Add(60 * time.Second).Unix()}, false},
		{"nbf at a 1s skew", time.Second, map[string]any{"nbf": now.Add(time.Second).Unix()}, false},
		{"nbf now with a 1s skew", time.Second, map[string]any{"nbf": now.Unix()}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := baseJWTOptions(k, &fakeClock{now: now})
			o.ClockSkew = tt.skew
			r, _ := newJWTTestRealm(t, o)
			tok := signJWT(t, jwt.SigningMethodRS256, k.rsa, nil, claimsAt(now, tt.extra))
			_, err := r.Authenticate(t.Context(), bearer(tok))
			if tt.ok != (err == nil) {
				t.Fatalf("Authenticate error = %v; want ok %v", err, tt.ok)
			}
		})
	}
}

// TestJWTRealmIdentity checks the principal, name, mail, roles (claim and mapping)
// and metadata of an identity.
func TestJWTRealmIdentity(t *testing.T) {
	t.Parallel()
	k := jwtTestKeys()
	groupsRule, err := ParseRule(map[string]any{"field": map[string]any{"groups": "ops"}})
	if err != nil {
		t.Fatal(err)
	}
	metaRule, err := ParseRule(map[string]any{"all": []any{
		map[string]any{"field": map[string]any{"realm.name": "corp-idp"}},
		map[string]any{"field": map[string]any{"metadata.jwt_claim_level": 3}},
		map[string]any{"field": map[string]any{"dn": "*,ou=people,dc=example,dc=com"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	o := baseJWTOptions(k, &fakeClock{now: jwtTestNow})
	o.ClaimRoles = "es_roles"
	o.ClaimName = "name"
	o.ClaimMail = "email"
	o.ClaimDN = "dn"
	o.Mapper = NewRoleMapper([]RoleMapping{
		{Name: "ops", Roles: []string{"monitor", "logs_reader"}, Rules: groupsRule, Enabled: true},
		{Name: "level3", Roles: []string{"level3", "monitor"}, Rules: metaRule, Enabled: true},
		{Name: "off", Roles: []string{"superuser"}, Rules: groupsRule, Enabled: false},
	})
	r, _ := newJWTTestRealm(t, o)
	claims := claimsAt(jwtTestNow, map[string]any{
		"name":     "Alice Liddell",
		"email":    "alice@example.com",
		"dn":       "CN=Alice, OU=People, DC=Example, DC=com",
		"es_roles": []string{"kibana_user", "monitor"},
		"level":    3,
		"ratio":    0.5,
		"admin":    false,
		"mixed":    []any{"a", 1, true},
		"nested":   map[string]any{"a": 1},
		"deep":     []any{[]any{"x"}},
		"nothing":  nil,
	})
	tok := signJWT(t, jwt.SigningMethodRS256, k.rsa, map[string]any{"kid": "k1"}, claims)
	id, err := r.Authenticate(t.Context(), bearer(tok))
	if err != nil {
		t.Fatal(err)
	}
	if id.Username != "alice" || id.FullName != "Alice Liddell" || id.Email != "alice@example.com" {
		t.Fatalf("identity = %+v", id)
	}
	if want := []string{"kibana_user", "level3", "logs_reader", "monitor"}; !slices.Equal(id.Roles, want) {
		t.Fatalf("roles = %v; want %v", id.Roles, want)
	}
	wantMD := map[string]any{
		"jwt_token_type":     "id_token",
		"jwt_claim_iss":      testIssuer,
		"jwt_claim_sub":      "alice",
		"jwt_claim_aud":      testAudience,
		"jwt_claim_iat":      jwtTestNow.Unix(),
		"jwt_claim_exp":      jwtTestNow.Add(time.Hour).Unix(),
		"jwt_claim_groups":   []any{"ops", "devs"},
		"jwt_claim_name":     "Alice Liddell",
		"jwt_claim_email":    "alice@example.com",
		"jwt_claim_dn":       "CN=Alice, OU=People, DC=Example, DC=com",
		"jwt_claim_es_roles": []any{"kibana_user", "monitor"},
		"jwt_claim_level":    int64(3),
		"jwt_claim_ratio":    0.5,
		"jwt_claim_admin":    false,
		"jwt_claim_mixed":    []any{"a", int64(1), true},
	}
	if !reflect.DeepEqual(id.Metadata, wantMD) {
		t.Fatalf("metadata = %#v;\nwant %#v", id.Metadata, wantMD)
	}
}

// stubLookup is a UserLookup over a map that counts its calls.
type stubLookup struct {
	users map[string]*Identity
	calls atomic.Int64
}

func (s *stubLookup) LookupUser(_ context.Context, name string) (*Identity, bool) {
	s.calls.Add(1)
	id, ok := s.users[name]
	return id, ok
}

func TestJWTRealmDelegatedAuthorization(t *testing.T) {
	t.Parallel()
	k := jwtTestKeys()
	rule, _ := ParseRule(map[string]any{"field": map[string]any{"username": "*"}})
	lookup := &stubLookup{users: map[string]*Identity{
		"alice": {Username: "alice", Roles: []string{"logs_reader"}, FullName: "Alice from file", RealmName: "file1"},
	}}
	o := baseJWTOptions(k, &fakeClock{now: jwtTestNow})
	o.Lookup = lookup
	o.ClaimRoles = "es_roles"
	o.Mapper = NewRoleMapper([]RoleMapping{{Roles: []string{"superuser"}, Rules: rule, Enabled: true}})
	r, calls := newJWTTestRealm(t, o)

	tok := signJWT(t, jwt.SigningMethodRS256, k.rsa, nil, claimsAt(jwtTestNow, map[string]any{"es_roles": "superuser"}))
	for i := range 2 {
		id, err := r.Authenticate(t.Context(), bearer(tok))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(id.Roles, []string{"logs_reader"}) || id.FullName != "Alice from file" || id.RealmName != "corp-idp" {
			t.Fatalf("request %d: identity = %+v", i, id)
		}
	}
	if calls.Load() != 1 || lookup.calls.Load() != 2 {
		t.Fatalf("%d verifications and %d lookups; want 1 and 2 (looked up on every request)", calls.Load(), lookup.calls.Load())
	}
	bob := signJWT(t, jwt.SigningMethodRS256, k.rsa, nil, claimsAt(jwtTestNow, map[string]any{"sub": "bob"}))
	_, err := r.Authenticate(t.Context(), bearer(bob))
	wantJWTFailure(t, err, "corp-idp", "the principal [bob] was authenticated, but no user could be found", bob)
	if r.CacheLen() != 1 {
		t.Fatalf("cache holds %d tokens; a failed lookup must not be cached", r.CacheLen())
	}
}

// TestJWTRealmChain chains two issuers, one realm each: a token of issuer B passes
// realm A by.
func TestJWTRealmChain(t *testing.T) {
	t.Parallel()
	k := jwtTestKeys()
	clock := &fakeClock{now: jwtTestNow}
	a, callsA := newJWTTestRealm(t, baseJWTOptions(k, clock))
	b, callsB := newJWTTestRealm(t, JWTOptions{
		Name: "partner", Issuer: "https://partner.example.org", Audiences: []string{testAudience},
		Algorithms: []string{"HS256"}, HMACSecret: k.hmac, Now: clock.Now,
	})
	chain := NewChain(a, b)

	tokA := signJWT(t, jwt.SigningMethodRS256, k.rsa, nil, claimsAt(jwtTestNow, nil))
	tokB := signJWT(t, jwt.SigningMethodHS256, k.hmac, nil, claimsAt(jwtTestNow, map[string]any{"iss": "https://partner.example.org", "sub": "bob"}))
	tokC := signJWT(t, jwt.SigningMethodHS256, k.hmac, nil, claimsAt(jwtTestNow, map[string]any{"iss": "https://unknown.example.net"}))

	if _, err := a.Authenticate(t.Context(), bearer(tokB)); !errors.Is(err, ErrNotHandled) {
		t.Fatalf("realm A on B's token: %v; want ErrNotHandled", err)
	}
	id, err := chain.Authenticate(t.Context(), bearer(tokB))
	if err != nil || id.Username != "bob" || id.RealmName != "partner" {
		t.Fatalf("chain on B's token = %+v, %v", id, err)
	}
	id, err = chain.Authenticate(t.Context(), bearer(tokA))
	if err != nil || id.Username != "alice" || id.RealmName != "corp-idp" {
		t.Fatalf("chain on A's token = %+v, %v", id, err)
	}
	if callsA.Load() != 1 || callsB.Load() != 1 {
		t.Fatalf("signature checks A=%d B=%d; want 1 each", callsA.Load(), callsB.Load())
	}
	_, err = chain.Authenticate(t.Context(), bearer(tokC))
	var f *Failure
	if !errors.As(err, &f) || f.Kind != FailureInvalid || f.Reason != "no realm handles Bearer credentials" {
		t.Fatalf("chain on an unknown issuer: %v", err)
	}
	// A's failure ends the chain: B never sees a token of A's issuer.
	bad := signJWT(t, jwt.SigningMethodRS256, k.rsaOther, nil, claimsAt(jwtTestNow, nil))
	_, err = chain.Authenticate(t.Context(), bearer(bad))
	wantJWTFailure(t, err, "corp-idp", "JWT signature verification failed", bad)
}

func TestJWTRealmCache(t *testing.T) {
	t.Parallel()
	k := jwtTestKeys()
	clock := &fakeClock{now: jwtTestNow}
	o := baseJWTOptions(k, clock)
	o.Cache = CacheOptions{TTL: 10 * time.Minute}
	r, calls := newJWTTestRealm(t, o)
	tok := signJWT(t, jwt.SigningMethodRS256, k.rsa, nil, claimsAt(jwtTestNow, map[string]any{"exp": jwtTestNow.Add(15 * time.Minute).Unix()}))

	auth := func(step string, wantCalls int64, wantOK bool) {
		t.Helper()
		id, err := r.Authenticate(t.Context(), bearer(tok))
		if wantOK && (err != nil || id.Username != "alice") {
			t.Fatalf("%s: Authenticate = %v, %v", step, id, err)
		}
		if !wantOK {
			wantJWTFailure(t, err, "corp-idp", "date claim [exp]", tok)
		}
		if got := calls.Load(); got != wantCalls {
			t.Fatalf("%s: %d signature checks; want %d", step, got, wantCalls)
		}
	}
	auth("first", 1, true)
	first, _ := r.Authenticate(t.Context(), bearer(tok))
	auth("cached", 1, true)
	if second, _ := r.Authenticate(t.Context(), bearer(tok)); second != first {
		t.Fatal("a cache hit returned a new identity")
	}
	if r.CacheLen() != 1 {
		t.Fatalf("CacheLen = %d", r.CacheLen())
	}
	clock.Advance(10 * time.Minute) // TTL reached
	auth("after the TTL", 2, true)
	clock.Advance(4*time.Minute + 59*time.Second)
	auth("just before exp", 2, true)
	clock.Advance(time.Second) // exp reached: the cache lets go, the skew still accepts
	auth("at exp", 3, true)
	clock.Advance(59 * time.Second)
	auth("inside the skew", 4, true)
	clock.Advance(time.Second)
	auth("past exp and skew", 5, false)

	r.ClearCache()
	if r.CacheLen() != 0 {
		t.Fatal("ClearCache left entries")
	}

	// A different token of the same user is its own entry.
	other := signJWT(t, jwt.SigningMethodRS256, k.rsa, nil, claimsAt(clock.Now(), map[string]any{"jti": "2"}))
	before := calls.Load()
	for range 3 {
		if _, err := r.Authenticate(t.Context(), bearer(other)); err != nil {
			t.Fatal(err)
		}
	}
	if calls.Load()-before != 1 {
		t.Fatalf("%d checks for three uses of a new token; want 1", calls.Load()-before)
	}
}

func TestJWTRealmCacheDisabled(t *testing.T) {
	t.Parallel()
	k := jwtTestKeys()
	o := baseJWTOptions(k, &fakeClock{now: jwtTestNow})
	o.Cache = CacheOptions{MaxEntries: -1}
	r, calls := newJWTTestRealm(t, o)
	tok := signJWT(t, jwt.SigningMethodRS256, k.rsa, nil, claimsAt(jwtTestNow, nil))
	for range 3 {
		if _, err := r.Authenticate(t.Context(), bearer(tok)); err != nil {
			t.Fatal(err)
		}
	}
	if calls.Load() != 3 || r.CacheLen() != 0 {
		t.Fatalf("%d checks, %d cached; want 3 and 0", calls.Load(), r.CacheLen())
	}
}

func TestJWTRealmCacheBounded(t *testing.T) {
	t.Parallel()
	k := jwtTestKeys()
	o := baseJWTOptions(k, &fakeClock{now: jwtTestNow})
	o.Cache = CacheOptions{MaxEntries: 4}
	r, _ := newJWTTestRealm(t, o)
	for i := range 10 {
		tok := signJWT(t, jwt.SigningMethodRS256, k.rsa, nil, claimsAt(jwtTestNow, map[string]any{"jti": i}))
		if _, err := r.Authenticate(t.Context(), bearer(tok)); err != nil {
			t.Fatal(err)
		}
	}
	if n := r.CacheLen(); n != 4 {
		t.Fatalf("CacheLen = %d; want 4", n)
	}
}

func TestJWTRealmConcurrent(t *testing.T) {
	t.Parallel()
	k := jwtTestKeys()
	r, _ := newJWTTestRealm(t, baseJWTOptions(k, &fakeClock{now: jwtTestNow}))
	toks := make([]string, 4)
	for i := range toks {
		toks[i] = signJWT(t, jwt.SigningMethodRS256, k.rsa, nil, claimsAt(jwtTestNow, map[string]any{"jti": i}))
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				if _, err := r.Authenticate(context.Background(), bearer(toks[(g+i)%len(toks)])); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestNewJWTRealmValidation(t *testing.T) {
	t.Parallel()
	k := jwtTestKeys()
	clock := &fakeClock{now: jwtTestNow}
	ecJWKS := jwksJSON(t, jwkOf(t, "ec", &k.ec384.PublicKey))
	tests := []struct {
		name string
		opts func(o *JWTOptions)
		want []string // substrings of the error; none means valid
	}{
		{name: "valid", opts: func(*JWTOptions) {}},
		{name: "no name", opts: func(o *JWTOptions) { o.Name = "" }, want: []string{"a realm name is required"}},
		{name: "no issuer", opts: func(o *JWTOptions) { o.Issuer = "" }, want: []string{"issuer is required"}},
		{name: "no audiences", opts: func(o *JWTOptions) { o.Audiences = nil }, want: []string{"at least one audience is required"}},
		{name: "empty audience", opts: func(o *JWTOptions) { o.Audiences = []string{""} }, want: []string{"audiences contain an empty value"}},
		{name: "no algorithms", opts: func(o *JWTOptions) { o.Algorithms = nil }, want: []string{"at least one algorithm is required"}},
		{name: "alg none", opts: func(o *JWTOptions) { o.Algorithms = []string{"RS256", "none"} }, want: []string{"algorithm [none] (unsigned tokens) is never allowed"}},
		{name: "unknown algorithm", opts: func(o *JWTOptions) { o.Algorithms = []string{"RS256", "ES256K"} },
			want: []string{"unknown algorithm [ES256K]; supported algorithms are [HS256,"}},
		{name: "algorithm in the wrong case", opts: func(o *JWTOptions) { o.Algorithms = []string{"rs256"} },
			want: []string{"unknown algorithm [rs256]", "did you mean [RS256]?"}},
		{name: "HS without a secret", opts: func(o *JWTOptions) { o.Algorithms = []string{"RS256", "HS256"} },
			want: []string{"algorithm [HS256] needs an hmac_secret"}},
		{name: "short secret", opts: func(o *JWTOptions) {
			o.Algorithms = []string{"HS256"}
			o.HMACSecret = []byte("too short")
		}, want: []string{"hmac_secret must be at least 32 bytes (256 bits), got 9"}},
		{name: "secret too short for HS512", opts: func(o *JWTOptions) {
			o.Algorithms = []string{"HS256", "HS512"}
			o.HMACSecret = k.hmac[:32]
		}, want: []string{"hmac_secret of 256 bits is too short for [HS512], which needs at least 512 bits"}},
		{name: "secret without an HS algorithm", opts: func(o *JWTOptions) { o.HMACSecret = k.hmac },
			want: []string{"hmac_secret is set but no HMAC algorithm"}},
		{name: "RS without keys", opts: func(o *JWTOptions) { o.PublicKeys = nil },
			want: []string{"algorithm [RS256] is allowed but no configured key can verify it"}},
		{name: "ES256 with only a P-384 key", opts: func(o *JWTOptions) {
			o.Algorithms = []string{"ES256"}
			o.PublicKeys = []JWTPublicKey{{PEM: pemOf(&k.ec384.PublicKey)}}
		}, want: []string{"the EC key on curve P-384 fits none of the allowed algorithms [ES256]", "algorithm [ES256] is allowed but no configured key"}},
		{name: "JWKS key that fits nothing is ignored", opts: func(o *JWTOptions) {
			o.Algorithms = []string{"ES256"}
			o.PublicKeys = nil
			o.JWKS = ecJWKS
		}, want: []string{"algorithm [ES256] is allowed but no configured key can verify it"}},
		{name: "RSA key below 2048 bits", opts: func(o *JWTOptions) {
			o.PublicKeys = []JWTPublicKey{{KID: "small", PEM: pemOf(&k.rsaSmall.PublicKey)}}
		}, want: []string{"public key [0] (kid [small]): the RSA key of 1024 bits fits none of the allowed algorithms [RS256]"}},
		{name: "EC key for RS256", opts: func(o *JWTOptions) {
			o.PublicKeys = append(o.PublicKeys, JWTPublicKey{KID: "ec", PEM: pemOf(&k.ec256.PublicKey)})
		}, want: []string{"public key [1] (kid [ec]): the EC key on curve P-256 fits none of the allowed algorithms [RS256]"}},
		{name: "bad PEM", opts: func(o *JWTOptions) { o.PublicKeys = []JWTPublicKey{{KID: "x", PEM: "garbage"}} },
			want: []string{"public key [0] (kid [x]): no PEM block found"}},
		{name: "private key PEM", opts: func(o *JWTOptions) {
			der, _ := x509.MarshalPKCS8PrivateKey(k.rsa)
			o.PublicKeys = []JWTPublicKey{{PEM: string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))}}
		}, want: []string{"PEM block [PRIVATE KEY] is not a public key"}},
		{name: "bad JWKS", opts: func(o *JWTOptions) { o.JWKS = []byte(`{"keys": {}}`) }, want: []string{"jwks: invalid JWK set"}},
		{name: "JWKS URL only", opts: func(o *JWTOptions) {
			o.PublicKeys = nil
			o.JWKSURL = "https://idp.example.com/jwks"
		}},
		{name: "JWKS URL not http", opts: func(o *JWTOptions) { o.JWKSURL = "file:///etc/jwks.json" },
			want: []string{"jwks_url [file:///etc/jwks.json] is not an http or https URL"}},
		{name: "JWKS URL without host", opts: func(o *JWTOptions) { o.JWKSURL = "https:///jwks" }, want: []string{"is not an http or https URL"}},
		{name: "negative durations", opts: func(o *JWTOptions) {
			o.ClockSkew = -time.Second
			o.JWKSTimeout = -1
		}, want: []string{"clock skew must not be negative", "must not be negative"}},
		{name: "negative token size", opts: func(o *JWTOptions) { o.MaxTokenSize = -1 }, want: []string{"maximum token size must not be negative"}},
		{name: "required claim with values on exp", opts: func(o *JWTOptions) { o.RequiredClaims = map[string][]string{"exp": {"1"}} },
			want: []string{"required claim [exp] cannot be one of [iss,sub,aud,exp,nbf,iat]"}},
		{name: "required claim presence on exp", opts: func(o *JWTOptions) { o.RequiredClaims = map[string][]string{"exp": nil} }},
		{name: "required claim without a name", opts: func(o *JWTOptions) { o.RequiredClaims = map[string][]string{"": {"x"}} },
			want: []string{"required claims: empty claim name"}},
		{name: "every problem at once", opts: func(o *JWTOptions) {
			o.Issuer = ""
			o.Audiences = nil
			o.Algorithms = []string{"XS1"}
		}, want: []string{"issuer is required", "at least one audience", "unknown algorithm [XS1]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := baseJWTOptions(k, clock)
			tt.opts(&o)
			r, err := NewJWTRealm(o)
			if len(tt.want) == 0 {
				if err != nil || r == nil {
					t.Fatalf("NewJWTRealm: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("NewJWTRealm succeeded; want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Fatalf("error %q does not contain %q", err, w)
				}
			}
			if !strings.Contains(err.Error(), "auth: jwt realm [") {
				t.Fatalf("error %q does not name the realm", err)
			}
		})
	}
}

func TestJWTRealmStaticJWKS(t *testing.T) {
	t.Parallel()
	k := jwtTestKeys()
	secret := k.hmac[:48]
	doc := jwksJSON(t,
		jwkOf(t, "rsa-1", &k.rsa.PublicKey),
		jwkOf(t, "ec-1", &k.ec256.PublicKey),
		map[string]any{"kty": "oct", "kid": "hs-1", "k": base64.RawURLEncoding.EncodeToString(secret)},
		map[string]any{"kty": "RSA", "kid": "enc-1", "use": "enc", "n": jwkOf(t, "", &k.rsaOther.PublicKey)["n"], "e": "AQAB"},
	)
	r, _ := newJWTTestRealm(t, JWTOptions{
		Name: "file-jwks", Issuer: testIssuer, Audiences: []string{testAudience},
		Algorithms: []string{"RS256", "ES256", "HS256", "HS384"}, JWKS: doc, Now: (&fakeClock{now: jwtTestNow}).Now,
	})
	claims := claimsAt(jwtTestNow, nil)
	tests := []struct {
		name   string
		token  string
		reason string
	}{
		{"RS256", signJWT(t, jwt.SigningMethodRS256, k.rsa, map[string]any{"kid": "rsa-1"}, claims), ""},
		{"ES256", signJWT(t, jwt.SigningMethodES256, k.ec256, map[string]any{"kid": "ec-1"}, claims), ""},
		{"HS384 with the oct key", signJWT(t, jwt.SigningMethodHS384, secret, map[string]any{"kid": "hs-1"}, claims), ""},
		{"encryption key is not for signatures", signJWT(t, jwt.SigningMethodRS256, k.rsaOther, map[string]any{"kid": "enc-1"}, claims),
			"no JWK with kid [enc-1] can verify an [RS256] signature"},
	}
	for _, tt := range tests {
		_, err := r.Authenticate(t.Context(), bearer(tt.token))
		if tt.reason == "" && err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if tt.reason != "" {
			wantJWTFailure(t, err, "file-jwks", tt.reason, tt.token)
		}
	}
}

func BenchmarkJWTRealmCacheHit(b *testing.B) {
	k := jwtTestKeys()
	r, err := NewJWTRealm(baseJWTOptions(k, &fakeClock{now: jwtTestNow}))
	if err != nil {
		b.Fatal(err)
	}
	cred := bearer(signJWT(b, jwt.SigningMethodRS256, k.rsa, nil, claimsAt(jwtTestNow, nil)))
	ctx := context.Background()
	if _, err := r.Authenticate(ctx, cred); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Authenticate(ctx, cred); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkJWTRealmVerifyRS256(b *testing.B) {
	k := jwtTestKeys()
	o := baseJWTOptions(k, &fakeClock{now: jwtTestNow})
	o.Cache = CacheOptions{MaxEntries: -1}
	r, err := NewJWTRealm(o)
	if err != nil {
		b.Fatal(err)
	}
	cred := bearer(signJWT(b, jwt.SigningMethodRS256, k.rsa, nil, claimsAt(jwtTestNow, nil)))
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Authenticate(ctx, cred); err != nil {
			b.Fatal(err)
		}
	}
}
