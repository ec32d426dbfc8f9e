package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

var jwkB64 = base64.RawURLEncoding.EncodeToString

// jwkOf returns the JWK of a public key (kid omitted when empty).
func jwkOf(t testing.TB, kid string, pub any) map[string]any {
	t.Helper()
	var j map[string]any
	switch pub := pub.(type) {
	case *rsa.PublicKey:
		j = map[string]any{"kty": "RSA", "n": jwkB64(pub.N.Bytes()), "e": jwkB64(big.NewInt(int64(pub.E)).Bytes())}
	case *ecdsa.PublicKey:
		pt, err := pub.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		size := (len(pt) - 1) / 2
		j = map[string]any{"kty": "EC", "crv": pub.Curve.Params().Name, "x": jwkB64(pt[1 : 1+size]), "y": jwkB64(pt[1+size:])}
	case ed25519.PublicKey:
		j = map[string]any{"kty": "OKP", "crv": "Ed25519", "x": jwkB64(pub)}
	default:
		t.Fatalf("jwkOf: %T", pub)
	}
	if kid != "" {
		j["kid"] = kid
	}
	return j
}

func jwksJSON(t testing.TB, keys ...map[string]any) []byte {
	t.Helper()
	if keys == nil {
		keys = []map[string]any{}
	}
	b, err := json.Marshal(map[string]any{"keys": keys})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func with(j map[string]any, kv ...any) map[string]any {
	out := map[string]any{}
	for k, v := range j {
		out[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(out, kv[i].(string))
		} else {
			out[kv[i].(string)] = kv[i+1]
		}
	}
	return out
}

func TestParseJWKS(t *testing.T) {
	t.Parallel()
	k := jwtTestKeys()
	rsaJWK := jwkOf(t, "r", &k.rsa.PublicKey)
	ecJWK := jwkOf(t, "e", &k.ec256.PublicKey)
	tests := []struct {
		name     string
		doc      string
		allowOct bool
		kids     []string // kids of the keys kept, in order
		err      string
	}{
		{name: "every supported type", allowOct: true, doc: string(jwksJSON(t, rsaJWK, ecJWK,
			jwkOf(t, "p384", &k.ec384.PublicKey), jwkOf(t, "p521", &k.ec521.PublicKey),
			jwkOf(t, "ed", k.ed.Public()), map[string]any{"kty": "oct", "kid": "h", "k": jwkB64(k.hmac)})),
			kids: []string{"r", "e", "p384", "p521", "ed", "h"}},
		{name: "oct keys dropped from a public set", doc: string(jwksJSON(t, rsaJWK, map[string]any{"kty": "oct", "kid": "h", "k": jwkB64(k.hmac)})),
			kids: []string{"r"}},
		{name: "use sig kept, use enc dropped", doc: string(jwksJSON(t, with(rsaJWK, "use", "sig"), with(ecJWK, "use", "enc"))), kids: []string{"r"}},
		{name: "key_ops without verify dropped", doc: string(jwksJSON(t, with(rsaJWK, "key_ops", []string{"verify"}), with(ecJWK, "key_ops", []string{"encrypt"}))),
			kids: []string{"r"}},
		{name: "unsupported alg dropped", doc: string(jwksJSON(t, with(rsaJWK, "alg", "RSA-OAEP"), with(ecJWK, "alg", "ES256"))), kids: []string{"e"}},
		{name: "unsupported types and curves skipped", doc: string(jwksJSON(t,
			map[string]any{"kty": "OKP", "crv": "X25519", "x": jwkB64(make([]byte, 32))},
			map[string]any{"kty": "EC", "crv": "secp256k1", "x": "AA", "y": "AA"},
			map[string]any{"kty": "AKP", "kid": "pq"}, rsaJWK)), kids: []string{"r"}},
		{name: "padded base64 tolerated", doc: string(jwksJSON(t, with(rsaJWK, "e", "AQAB==="))), kids: []string{"r"}},
		{name: "empty set", doc: `{"keys":[]}`},
		{name: "not JSON", doc: `{"keys":`, err: "invalid JWK set"},
		{name: "no keys array", doc: `{"key":[]}`, err: "invalid JWK set: no [keys] array"},
		{name: "keys not an array", doc: `{"keys":{}}`, err: "invalid JWK set"},
		{name: "missing kty", doc: string(jwksJSON(t, with(rsaJWK, "kty", nil))), err: "key [0] (kid [r]): missing [kty]"},
		{name: "RSA without n", doc: string(jwksJSON(t, ecJWK, with(rsaJWK, "n", nil))), err: "key [1] (kid [r]): missing [n]"},
		{name: "RSA bad exponent", doc: string(jwksJSON(t, with(rsaJWK, "e", "AQ"))), err: "invalid RSA public exponent"},
		{name: "bad base64", doc: string(jwksJSON(t, with(rsaJWK, "n", "a+b/"))), err: "[n] is not base64url"},
		{name: "EC point off the curve", doc: string(jwksJSON(t, with(ecJWK, "y", ecJWK["x"]))), err: "EC point is not on the curve"},
		{name: "EC coordinate too short", doc: string(jwksJSON(t, with(ecJWK, "x", "AAAA"))), err: "EC coordinates must be 32 bytes long"},
		{name: "Ed25519 wrong length", doc: string(jwksJSON(t, map[string]any{"kty": "OKP", "crv": "Ed25519", "x": "AAAA"})), err: "Ed25519 key must be 32 bytes long"},
		{name: "kid not a string", doc: `{"keys":[{"kty":"RSA","kid":5}]}`, err: "key [0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			set, err := parseJWKS([]byte(tt.doc), tt.allowOct)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("parseJWKS error = %v; want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var kids []string
			for _, key := range set.keys {
				kids = append(kids, key.kid)
			}
			if strings.Join(kids, ",") != strings.Join(tt.kids, ",") {
				t.Fatalf("kids = %v; want %v", kids, tt.kids)
			}
		})
	}
}

func TestJWTKeyFits(t *testing.T) {
	t.Parallel()
	k := jwtTestKeys()
	tests := []struct {
		name string
		key  jwtKey
		fits []string // every other algorithm must not fit
	}{
		{"HMAC 256 bits", jwtKey{key: k.hmac[:32]}, []string{"HS256"}},
		{"HMAC 384 bits", jwtKey{key: k.hmac[:48]}, []string{"HS256", "HS384"}},
		{"HMAC 512 bits", jwtKey{key: k.hmac}, []string{"HS256", "HS384", "HS512"}},
		{"HMAC 255 bits", jwtKey{key: k.hmac[:31]}, nil},
		{"RSA 2048", jwtKey{key: &k.rsa.PublicKey}, []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}},
		{"RSA 1024", jwtKey{key: &k.rsaSmall.PublicKey}, nil},
		{"RSA restricted to PS384", jwtKey{key: &k.rsa.PublicKey, alg: "PS384"}, []string{"PS384"}},
		{"P-256", jwtKey{key: &k.ec256.PublicKey}, []string{"ES256"}},
		{"P-384", jwtKey{key: &k.ec384.PublicKey}, []string{"ES384"}},
		{"P-521", jwtKey{key: &k.ec521.PublicKey}, []string{"ES512"}},
		{"P-256 restricted to ES384", jwtKey{key: &k.ec256.PublicKey, alg: "ES384"}, nil},
		{"Ed25519", jwtKey{key: k.ed.Public()}, []string{"EdDSA"}},
		{"PEM text is not an HMAC key of a public key", jwtKey{key: pemOf(&k.rsa.PublicKey)}, nil},
	}
	for _, tt := range tests {
		for _, alg := range append(JWTAlgorithms(), "none", "ES256K") {
			want := false
			for _, f := range tt.fits {
				want = want || f == alg
			}
			if got := tt.key.fits(alg); got != want {
				t.Errorf("%s: fits(%s) = %v; want %v", tt.name, alg, got, want)
			}
		}
	}
}

func TestParsePublicKeyPEM(t *testing.T) {
	t.Parallel()
	k := jwtTestKeys()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "idp"},
		NotBefore: jwtTestNow, NotAfter: jwtTestNow.Add(time.Hour)}
	certDER, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.ec256.PublicKey, k.ec256)
	if err != nil {
		t.Fatal(err)
	}
	enc := func(typ string, der []byte) string {
		return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
	}
	privDER, _ := x509.MarshalPKCS8PrivateKey(k.ed)
	tests := []struct {
		name, pem, err string
		want           string // key type
	}{
		{name: "RSA PKIX", pem: pemOf(&k.rsa.PublicKey), want: "*rsa.PublicKey"},
		{name: "RSA PKCS1", pem: enc("RSA PUBLIC KEY", x509.MarshalPKCS1PublicKey(&k.rsa.PublicKey)), want: "*rsa.PublicKey"},
		{name: "EC", pem: pemOf(&k.ec384.PublicKey), want: "*ecdsa.PublicKey"},
		{name: "Ed25519", pem: pemOf(k.ed.Public()), want: "ed25519.PublicKey"},
		{name: "certificate", pem: enc("CERTIFICATE", certDER), want: "*ecdsa.PublicKey"},
		{name: "private key", pem: enc("PRIVATE KEY", privDER), err: "PEM block [PRIVATE KEY] is not a public key"},
		{name: "not PEM", pem: "MIIBIjANBg", err: "no PEM block found"},
		{name: "two blocks", pem: pemOf(&k.rsa.PublicKey) + pemOf(&k.ec256.PublicKey), err: "more than one PEM block"},
		{name: "bad DER", pem: enc("PUBLIC KEY", []byte("junk")), err: "invalid public key"},
	}
	for _, tt := range tests {
		key, err := parsePublicKeyPEM(tt.pem)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: error = %v; want %q", tt.name, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if got := typeOf(key); got != tt.want {
			t.Errorf("%s: key type %s; want %s", tt.name, got, tt.want)
		}
	}
}

func typeOf(v any) string {
	switch v.(type) {
	case *rsa.PublicKey:
		return "*rsa.PublicKey"
	case *ecdsa.PublicKey:
		return "*ecdsa.PublicKey"
	case ed25519.PublicKey:
		return "ed25519.PublicKey"
	}
	return "other"
}

// jwksServer serves a JWK set that tests can change, fail, or hold.
type jwksServer struct {
	*httptest.Server
	doc    atomic.Pointer[[]byte]
	status atomic.Int32 // 0 means 200
	hits   atomic.Int64
	// entered and release, when set, hold each request until release is closed.
	entered chan struct{}
	release chan struct{}
}

func newJWKSServer(t *testing.T, doc []byte) *jwksServer {
	t.Helper()
	s := &jwksServer{}
	s.set(doc)
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		if s.entered != nil {
			select {
			case s.entered <- struct{}{}:
			default:
			}
			select {
			case <-s.release:
			case <-r.Context().Done():
			}
		}
		if code := s.status.Load(); code != 0 {
			http.Error(w, "unavailable", int(code))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(*s.doc.Load())
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *jwksServer) set(doc []byte) { s.doc.Store(&doc) }

func remoteJWTOptions(s *jwksServer, clock *fakeClock) JWTOptions {
	return JWTOptions{
		Name: "remote", Issuer: testIssuer, Audiences: []string{testAudience}, Algorithms: []string{"RS256", "ES256"},
		JWKSURL: s.URL + "/jwks", HTTPClient: s.Client(), JWKSMinRefresh: time.Minute, Now: clock.Now,
	}
}

// TestJWTRealmKeyRotation serves a JWK set whose keys change: tokens of the new key
// are accepted once the set has been refetched, unknown kids refetch it at most once
// per interval, and a failing endpoint keeps the keys it served last.
func TestJWTRealmKeyRotation(t *testing.T) {
	t.Parallel()
	k := jwtTestKeys()
	clock := &fakeClock{now: jwtTestNow}
	srv := newJWKSServer(t, jwksJSON(t, jwkOf(t, "k1", &k.rsa.PublicKey)))
	r, _ := newJWTTestRealm(t, remoteJWTOptions(srv, clock))
	ctx := t.Context()
	n := 0
	token := func(key any, kid string) string {
		n++ // a new token each time, so the cache never answers
		m := jwt.SigningMethod(jwt.SigningMethodRS256)
		if _, ok := key.(*ecdsa.PrivateKey); ok {
			m = jwt.SigningMethodES256
		}
		return signJWT(t, m, key, map[string]any{"kid": kid}, claimsAt(clock.Now(), map[string]any{"jti": n}))
	}
	accept := func(step, tok string) {
		t.Helper()
		if _, err := r.Authenticate(ctx, bearer(tok)); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
	refuse := func(step, tok, reason string) {
		t.Helper()
		_, err := r.Authenticate(ctx, bearer(tok))
		wantJWTFailure(t, err, "remote", reason, tok)
	}
	hits := func(step string, want int64) {
		t.Helper()
		if got := srv.hits.Load(); got != want {
			t.Fatalf("%s: %d fetches; want %d", step, got, want)
		}
	}

	old := token(k.rsa, "k1")
	accept("first token fetches the set", old)
	hits("first token", 1)
	accept("second token uses the fetched set", token(k.rsa, "k1"))
	hits("second token", 1)

	// Rotation: k1 removed, k2 (EC) added.
	srv.set(jwksJSON(t, jwkOf(t, "k2", &k.ec256.PublicKey)))
	refuse("new kid inside the interval", token(k.ec256, "k2"), "no JWK with kid [k2] can verify an [ES256] signature")
	hits("inside the interval", 1)
	clock.Advance(time.Minute)
	accept("new kid after the interval", token(k.ec256, "k2"))
	hits("after the rotation", 2)
	refuse("cached token of the removed key", old, "no JWK with kid [k1]")
	hits("removed key inside the interval", 2)

	// A flood of unknown kids fetches at most once per interval, even concurrently.
	flood := func() {
		var wg sync.WaitGroup
		for i := range 20 {
			tok := token(k.rsaOther, "unknown-"+string(rune('a'+i)))
			wg.Go(func() {
				if _, err := r.Authenticate(ctx, bearer(tok)); err == nil {
					t.Error("a token of an unknown key was accepted")
				}
			})
		}
		wg.Wait()
	}
	flood()
	hits("flood inside the interval", 2)
	clock.Advance(time.Minute)
	flood()
	hits("flood after the interval", 3)
	flood()
	hits("second flood", 3)

	// The endpoint fails: the last good keys stay.
	srv.status.Store(http.StatusInternalServerError)
	clock.Advance(time.Minute)
	refuse("unknown kid while the endpoint fails", token(k.rsaOther, "k3"), "no JWK with kid [k3]")
	hits("failing endpoint", 4)
	accept("known key while the endpoint fails", token(k.ec256, "k2"))
	clock.Advance(2 * time.Hour) // older than JWKSMaxAge: the next token tries to refetch
	accept("known key after max age, endpoint failing", token(k.ec256, "k2"))
	hits("max age refetch", 5)

	// The endpoint recovers with a third key.
	srv.status.Store(0)
	srv.set(jwksJSON(t, jwkOf(t, "k2", &k.ec256.PublicKey), jwkOf(t, "k3", &k.rsaOther.PublicKey)))
	clock.Advance(time.Minute)
	accept("k3 after recovery", token(k.rsaOther, "k3"))
	hits("recovery", 6)
}

func TestJWTRealmJWKSUnavailable(t *testing.T) {
	t.Parallel()
	k := jwtTestKeys()
	clock := &fakeClock{now: jwtTestNow}
	srv := newJWKSServer(t, jwksJSON(t, jwkOf(t, "k1", &k.rsa.PublicKey)))
	srv.status.Store(http.StatusServiceUnavailable)
	r, _ := newJWTTestRealm(t, remoteJWTOptions(srv, clock))
	tok := signJWT(t, jwt.SigningMethodRS256, k.rsa, map[string]any{"kid": "k1"}, claimsAt(jwtTestNow, nil))

	_, err := r.Authenticate(t.Context(), bearer(tok))
	wantJWTFailure(t, err, "remote", "unable to load the JWK set: fetching JWK set: status 503", tok)
	srv.status.Store(0)
	_, err = r.Authenticate(t.Context(), bearer(tok))
	wantJWTFailure(t, err, "remote", "unable to load the JWK set", tok)
	if srv.hits.Load() != 1 {
		t.Fatalf("%d fetches inside the interval; want 1", srv.hits.Load())
	}
	clock.Advance(time.Minute)
	if _, err := r.Authenticate(t.Context(), bearer(tok)); err != nil {
		t.Fatalf("after the interval: %v", err)
	}
}

// TestJWTRealmRemoteHMAC checks that an oct key served by the JWK set URL is never
// used: anyone can read it.
func TestJWTRealmRemoteHMAC(t *testing.T) {
	t.Parallel()
	k := jwtTestKeys()
	clock := &fakeClock{now: jwtTestNow}
	public := k.hmac[32:]
	srv := newJWKSServer(t, jwksJSON(t, jwkOf(t, "k1", &k.rsa.PublicKey), map[string]any{"kty": "oct", "kid": "pub", "k": jwkB64(public)}))
	o := remoteJWTOptions(srv, clock)
	o.Algorithms = []string{"RS256", "HS256"}
	o.HMACSecret = k.hmac[:32]
	r, _ := newJWTTestRealm(t, o)
	tok := signJWT(t, jwt.SigningMethodHS256, public, map[string]any{"kid": "pub"}, claimsAt(jwtTestNow, nil))
	_, err := r.Authenticate(t.Context(), bearer(tok))
	wantJWTFailure(t, err, "remote", "JWT signature verification failed", tok)
	if srv.hits.Load() != 0 {
		t.Fatalf("an HS token fetched the JWK set %d times", srv.hits.Load())
	}
	tok = signJWT(t, jwt.SigningMethodHS256, k.hmac[:32], nil, claimsAt(jwtTestNow, nil))
	if _, err := r.Authenticate(t.Context(), bearer(tok)); err != nil {
		t.Fatal(err)
	}
}

func newTestFetcher(s *jwksServer, clock *fakeClock) *jwksFetcher {
	return &jwksFetcher{url: s.URL, client: s.Client(), timeout: 5 * time.Second, minRefresh: time.Minute, now: clock.Now}
}

func TestJWKSFetcherSingleFlight(t *testing.T) {
	t.Parallel()
	k := jwtTestKeys()
	clock := &fakeClock{now: jwtTestNow}
	srv := newJWKSServer(t, jwksJSON(t, jwkOf(t, "k1", &k.rsa.PublicKey)))
	srv.entered = make(chan struct{}, 1)
	srv.release = make(chan struct{})
	f := newTestFetcher(srv, clock)

	var wg sync.WaitGroup
	var got atomic.Int64
	for range 16 {
		wg.Go(func() {
			if s, err := f.keys(context.Background()); err == nil && len(s.keys) == 1 {
				got.Add(1)
			}
		})
	}
	<-srv.entered // one fetch is under way; the others wait for it or are rate-limited

	// A caller whose context ends while it waits gives up with the context's error.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := f.refresh(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("refresh with a cancelled context while a fetch is under way: %v", err)
	}
	close(srv.release)
	wg.Wait()
	if srv.hits.Load() != 1 || got.Load() != 16 {
		t.Fatalf("%d fetches, %d callers with keys; want 1 and 16", srv.hits.Load(), got.Load())
	}
}

func TestJWKSFetcherFailures(t *testing.T) {
	t.Parallel()
	k := jwtTestKeys()
	good := jwksJSON(t, jwkOf(t, "k1", &k.rsa.PublicKey))
	tests := []struct {
		name   string
		doc    []byte
		status int32
		err    string
	}{
		{"not found", good, http.StatusNotFound, "fetching JWK set: status 404"},
		{"not JSON", []byte("<html>"), 0, "invalid JWK set"},
		{"too large", []byte(`{"keys":[],"pad":"` + strings.Repeat("x", maxJWKSSize) + `"}`), 0, "larger than 1048576 bytes"},
		{"bad key", []byte(`{"keys":[{"kty":"RSA","kid":"k9"}]}`), 0, "missing [n]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clock := &fakeClock{now: jwtTestNow}
			srv := newJWKSServer(t, tt.doc)
			srv.status.Store(tt.status)
			f := newTestFetcher(srv, clock)
			if _, err := f.keys(t.Context()); err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("first fetch error = %v; want %q", err, tt.err)
			}
			// After a good fetch, the same failure keeps the good keys.
			srv.status.Store(0)
			srv.set(good)
			clock.Advance(time.Minute)
			s, err := f.refresh(t.Context())
			if err != nil || len(s.keys) != 1 {
				t.Fatalf("good fetch: %v, %v", s, err)
			}
			srv.status.Store(tt.status)
			srv.set(tt.doc)
			clock.Advance(time.Minute)
			s2, err := f.refresh(t.Context())
			if err != nil || s2 != s {
				t.Fatalf("failed refresh replaced the keys: %v, %v", s2, err)
			}
			if srv.hits.Load() != 3 {
				t.Fatalf("%d fetches; want 3", srv.hits.Load())
			}
		})
	}
}

func TestJWKSFetcherTimeout(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{now: jwtTestNow}
	srv := newJWKSServer(t, []byte(`{"keys":[]}`))
	srv.entered = make(chan struct{}, 1)
	srv.release = make(chan struct{})
	f := newTestFetcher(srv, clock)
	f.url += "/jwks?access_token=s3cret"
	f.timeout = 20 * time.Millisecond
	_, err := f.keys(t.Context())
	close(srv.release)
	if err == nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("fetch from a stalled server: %v; want a deadline error", err)
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("error %q shows the URL", err)
	}
}
