package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// algFamily is the kind of key a JWS algorithm verifies with.
type algFamily uint8

const (
	familyHMAC algFamily = iota + 1
	familyRSA
	familyECDSA
	familyEdDSA
)

// jwsAlg is one supported JWS algorithm (RFC 7518 section 3, RFC 8037 for EdDSA).
type jwsAlg struct {
	family algFamily
	// minBits is the least HMAC key size (the hash size, as nimbus's
	// MACSigner.getMinRequiredSecretLength) or RSA modulus size.
	minBits int
	// curve is the only curve an ECDSA algorithm accepts.
	curve  string
	method jwt.SigningMethod
}

// minRSABits is the least RSA modulus size, as nimbus's RSAKeyGenerator.MIN_KEY_SIZE_BITS
// that Elasticsearch's JwkValidateUtil.isMatch enforces.
const minRSABits = 2048

// jwsAlgs are the algorithms a JWT realm may allow: Elasticsearch's
// JwtRealmSettings.SUPPORTED_SIGNATURE_ALGORITHMS plus EdDSA (Ed25519).
var jwsAlgs = map[string]jwsAlg{
	"HS256": {family: familyHMAC, minBits: 256, method: jwt.SigningMethodHS256},
	"HS384": {family: familyHMAC, minBits: 384, method: jwt.SigningMethodHS384},
	"HS512": {family: familyHMAC, minBits: 512, method: jwt.SigningMethodHS512},
	"RS256": {family: familyRSA, minBits: minRSABits, method: jwt.SigningMethodRS256},
	"RS384": {family: familyRSA, minBits: minRSABits, method: jwt.SigningMethodRS384},
	"RS512": {family: familyRSA, minBits: minRSABits, method: jwt.SigningMethodRS512},
	"PS256": {family: familyRSA, minBits: minRSABits, method: jwt.SigningMethodPS256},
	"PS384": {family: familyRSA, minBits: minRSABits, method: jwt.SigningMethodPS384},
	"PS512": {family: familyRSA, minBits: minRSABits, method: jwt.SigningMethodPS512},
	"ES256": {family: familyECDSA, curve: "P-256", method: jwt.SigningMethodES256},
	"ES384": {family: familyECDSA, curve: "P-384", method: jwt.SigningMethodES384},
	"ES512": {family: familyECDSA, curve: "P-521", method: jwt.SigningMethodES512},
	"EdDSA": {family: familyEdDSA, method: jwt.SigningMethodEdDSA},
}

// JWTAlgorithms returns the names of the JWS algorithms a JWT realm supports.
func JWTAlgorithms() []string {
	return []string{"HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
}

// jwtKey is one verification key: an *rsa.PublicKey, *ecdsa.PublicKey,
// ed25519.PublicKey or (HMAC) []byte. Keys of one type can only ever verify algorithms
// of the matching family, so a public key is never used as an HMAC secret.
type jwtKey struct {
	kid string
	alg string // the key's own "alg" restriction; "" when it has none
	key any
}

// fits reports whether the key can verify alg, as Elasticsearch's
// JwkValidateUtil.isMatch: the key type matches the algorithm's family, HMAC keys are
// at least as long as the hash, RSA keys have at least 2048 bits, and EC keys are on the
// algorithm's curve. A key with its own "alg" only verifies that algorithm.
func (k *jwtKey) fits(alg string) bool {
	a, ok := jwsAlgs[alg]
	if !ok || k.alg != "" && k.alg != alg {
		return false
	}
	switch key := k.key.(type) {
	case []byte:
		return a.family == familyHMAC && len(key)*8 >= a.minBits
	case *rsa.PublicKey:
		// JwkValidateUtil.computeBitLengthRsa rounds up to whole bytes.
		return a.family == familyRSA && (key.N.BitLen()+7)/8*8 >= a.minBits
	case *ecdsa.PublicKey:
		return a.family == familyECDSA && key.Curve.Params().Name == a.curve
	case ed25519.PublicKey:
		return a.family == familyEdDSA && len(key) == ed25519.PublicKeySize
	}
	return false
}

// describe names the key for configuration errors.
func (k *jwtKey) describe() string {
	switch key := k.key.(type) {
	case []byte:
		return fmt.Sprintf("HMAC key of %d bits", len(key)*8)
	case *rsa.PublicKey:
		return fmt.Sprintf("RSA key of %d bits", key.N.BitLen())
	case *ecdsa.PublicKey:
		return "EC key on curve " + key.Curve.Params().Name
	case ed25519.PublicKey:
		return "Ed25519 key"
	}
	return fmt.Sprintf("%T key", k.key)
}

// keySet is an immutable set of keys read from one JWKS document.
type keySet struct {
	keys []jwtKey
	// sum is the SHA-256 of the document, to tell whether a reload changed it (as
	// Elasticsearch's JwkSetLoader.ContentAndJwksAlgs).
	sum [sha256.Size]byte
	// fetched is when the document was fetched (zero for static content).
	fetched time.Time
}

// rawJWK is one JSON Web Key (RFC 7517 section 4, RFC 7518 section 6, RFC 8037).
type rawJWK struct {
	Kty    string   `json:"kty"`
	Use    string   `json:"use"`
	KeyOps []string `json:"key_ops"`
	Alg    string   `json:"alg"`
	Kid    string   `json:"kid"`
	Crv    string   `json:"crv"`
	X      string   `json:"x"`
	Y      string   `json:"y"`
	N      string   `json:"n"`
	E      string   `json:"e"`
	K      string   `json:"k"`
}

// parseJWKS parses a JWK Set (RFC 7517 section 5). Like Elasticsearch's
// JwkValidateUtil.filterJwksAndAlgorithms it skips keys that cannot verify signatures
// (a "use" other than "sig", "key_ops" without "verify", an "alg" esguard does not
// support) and, like nimbus's JWKSet.parse, keys of unsupported types or curves. oct
// (HMAC) keys are kept only when allowOct is set: a key set fetched from a URL is
// public, so a symmetric key in it would let anyone sign tokens. A malformed key of a
// supported type fails the whole set.
func parseJWKS(data []byte, allowOct bool) (*keySet, error) {
	var doc struct {
		Keys *[]json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("invalid JWK set: %w", err)
	}
	if doc.Keys == nil {
		return nil, errors.New("invalid JWK set: no [keys] array")
	}
	set := &keySet{sum: sha256.Sum256(data)}
	for i, raw := range *doc.Keys {
		var j rawJWK
		if err := json.Unmarshal(raw, &j); err != nil {
			return nil, fmt.Errorf("invalid JWK set: key [%d]: %w", i, err)
		}
		k, ok, err := j.key(allowOct)
		if err != nil {
			return nil, fmt.Errorf("invalid JWK set: key [%d] (kid [%s]): %w", i, j.Kid, err)
		}
		if ok {
			set.keys = append(set.keys, k)
		}
	}
	return set, nil
}

// key decodes the JWK; ok is false for keys parseJWKS skips.
func (j *rawJWK) key(allowOct bool) (k jwtKey, ok bool, err error) {
	if j.Use != "" && j.Use != "sig" {
		return jwtKey{}, false, nil
	}
	if j.KeyOps != nil && !slices.Contains(j.KeyOps, "verify") {
		return jwtKey{}, false, nil
	}
	if _, known := jwsAlgs[j.Alg]; j.Alg != "" && !known {
		return jwtKey{}, false, nil
	}
	k = jwtKey{kid: j.Kid, alg: j.Alg}
	switch j.Kty {
	case "RSA":
		n, err := jwkBytes("n", j.N)
		if err != nil {
			return jwtKey{}, false, err
		}
		e, err := jwkBytes("e", j.E)
		if err != nil {
			return jwtKey{}, false, err
		}
		exp := new(big.Int).SetBytes(e)
		if !exp.IsInt64() || exp.Int64() < 3 || exp.Int64() > 1<<31-1 || exp.Bit(0) == 0 {
			return jwtKey{}, false, errors.New("invalid RSA public exponent")
		}
		mod := new(big.Int).SetBytes(n)
		if mod.Sign() == 0 {
			return jwtKey{}, false, errors.New("invalid RSA modulus")
		}
		k.key = &rsa.PublicKey{N: mod, E: int(exp.Int64())}
	case "EC":
		var curve elliptic.Curve
		switch j.Crv {
		case "P-256":
			curve = elliptic.P256()
		case "P-384":
			curve = elliptic.P384()
		case "P-521":
			curve = elliptic.P521()
		default:
			return jwtKey{}, false, nil // secp256k1 and others are not supported
		}
		size := (curve.Params().BitSize + 7) / 8
		x, err := jwkBytes("x", j.X)
		if err != nil {
			return jwtKey{}, false, err
		}
		y, err := jwkBytes("y", j.Y)
		if err != nil {
			return jwtKey{}, false, err
		}
		if len(x) != size || len(y) != size {
			return jwtKey{}, false, fmt.Errorf("EC coordinates must be %d bytes long", size)
		}
		pub, err := ecdsa.ParseUncompressedPublicKey(curve, append(append([]byte{4}, x...), y...))
		if err != nil {
			return jwtKey{}, false, errors.New("EC point is not on the curve")
		}
		k.key = pub
	case "OKP":
		if j.Crv != "Ed25519" {
			return jwtKey{}, false, nil // X25519, Ed448 and others are not supported
		}
		x, err := jwkBytes("x", j.X)
		if err != nil {
			return jwtKey{}, false, err
		}
		if len(x) != ed25519.PublicKeySize {
			return jwtKey{}, false, fmt.Errorf("Ed25519 key must be %d bytes long", ed25519.PublicKeySize)
		}
		k.key = ed25519.PublicKey(x)
	case "oct":
		if !allowOct {
			return jwtKey{}, false, nil
		}
		secret, err := jwkBytes("k", j.K)
		if err != nil {
			return jwtKey{}, false, err
		}
		k.key = secret
	case "":
		return jwtKey{}, false, errors.New("missing [kty]")
	default:
		return jwtKey{}, false, nil
	}
	return k, true, nil
}

// jwkBytes decodes a base64url member of a JWK (padding tolerated).
func jwkBytes(name, v string) ([]byte, error) {
	if v == "" {
		return nil, fmt.Errorf("missing [%s]", name)
	}
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(v, "="))
	if err != nil {
		return nil, fmt.Errorf("[%s] is not base64url", name)
	}
	return b, nil
}

// parsePublicKeyPEM parses one PEM block: a "PUBLIC KEY" (PKIX: RSA, ECDSA or Ed25519),
// an "RSA PUBLIC KEY" (PKCS #1) or a "CERTIFICATE" (its public key).
func parsePublicKeyPEM(s string) (any, error) {
	block, rest := pem.Decode([]byte(s))
	if block == nil {
		return nil, errors.New("no PEM block found")
	}
	if strings.TrimSpace(string(rest)) != "" {
		return nil, errors.New("more than one PEM block")
	}
	var key any
	var err error
	switch block.Type {
	case "PUBLIC KEY":
		key, err = x509.ParsePKIXPublicKey(block.Bytes)
	case "RSA PUBLIC KEY":
		key, err = x509.ParsePKCS1PublicKey(block.Bytes)
	case "CERTIFICATE":
		var cert *x509.Certificate
		if cert, err = x509.ParseCertificate(block.Bytes); err == nil {
			key = cert.PublicKey
		}
	default:
		return nil, fmt.Errorf("PEM block [%s] is not a public key", block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("invalid %s: %w", strings.ToLower(block.Type), err)
	}
	switch key.(type) {
	case *rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey:
		return key, nil
	}
	return nil, fmt.Errorf("unsupported public key type %T", key)
}

// maxJWKSSize bounds a fetched JWK set.
const maxJWKSSize = 1 << 20

// jwksFetcher loads a JWK set from a URL on demand; it has no goroutine of its own.
// The first use fetches it; later, keys older than maxAge are refreshed on use, and
// refresh (called when a token names an unknown kid or no key verifies it) fetches it
// again, at most once per minRefresh, with concurrent callers sharing one fetch. A
// failed fetch keeps the last good set. It is safe for concurrent use.
type jwksFetcher struct {
	url        string
	client     *http.Client
	timeout    time.Duration
	minRefresh time.Duration
	maxAge     time.Duration // 0: never refresh by age
	now        func() time.Time

	set atomic.Pointer[keySet]

	mu        sync.Mutex
	attempted time.Time  // start of the last fetch; zero before the first
	inflight  *jwksFetch // the fetch under way, if any
	lastErr   error      // why the last fetch failed; nil after a success
}

// jwksFetch is one fetch that concurrent callers wait for.
type jwksFetch struct {
	done chan struct{}
	err  error
}

// keys returns the current key set, fetching it first when there is none yet or when it
// is older than maxAge. It returns an error only when no key set could ever be loaded.
func (f *jwksFetcher) keys(ctx context.Context) (*keySet, error) {
	s := f.set.Load()
	if s != nil && (f.maxAge <= 0 || f.now().Sub(s.fetched) < f.maxAge) {
		return s, nil
	}
	return f.refresh(ctx)
}

// refresh fetches the key set again unless a fetch started less than minRefresh ago,
// and returns the key set in force afterwards (the previous one when the fetch failed
// or was not allowed). It returns an error only when there is no key set at all, or
// when ctx ends while waiting for another caller's fetch.
func (f *jwksFetcher) refresh(ctx context.Context) (*keySet, error) {
	f.mu.Lock()
	if call := f.inflight; call != nil {
		f.mu.Unlock()
		select {
		case <-call.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		return f.current(call.err)
	}
	now := f.now()
	if !f.attempted.IsZero() && now.Sub(f.attempted) < f.minRefresh {
		err := f.lastErr
		f.mu.Unlock()
		return f.current(err)
	}
	f.attempted = now
	call := &jwksFetch{done: make(chan struct{})}
	f.inflight = call
	f.mu.Unlock()

	s, err := f.fetch(ctx)
	f.mu.Lock()
	if err == nil {
		f.set.Store(s)
	}
	f.lastErr = err
	f.inflight = nil
	f.mu.Unlock()
	call.err = err
	close(call.done)
	return f.current(err)
}

// current returns the key set in force, or err (or a generic error) when there is none.
func (f *jwksFetcher) current(err error) (*keySet, error) {
	if s := f.set.Load(); s != nil {
		return s, nil
	}
	if err == nil {
		err = errors.New("the JWK set has not been loaded")
	}
	return nil, err
}

// fetch downloads and parses the key set. It is bounded by f.timeout and not cut short
// when the request that triggered it is cancelled, since other callers share it.
func (f *jwksFetcher) fetch(ctx context.Context) (*keySet, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), f.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.url, nil)
	if err != nil {
		return nil, fmt.Errorf("fetching JWK set: %w", err)
	}
	req.Header.Set("Accept", "application/jwk-set+json, application/json")
	resp, err := f.client.Do(req)
	if err != nil {
		// Drop the *url.Error wrapper: failure reasons are logged, and a URL may carry a
		// credential in its query.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("fetching JWK set: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetching JWK set: status %d", resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKSSize+1))
	if err != nil {
		return nil, fmt.Errorf("fetching JWK set: %w", err)
	}
	if len(body) > maxJWKSSize {
		return nil, fmt.Errorf("fetching JWK set: larger than %d bytes", maxJWKSSize)
	}
	s, err := parseJWKS(body, false)
	if err != nil {
		return nil, err
	}
	s.fetched = f.now()
	return s, nil
}
