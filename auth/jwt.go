package auth

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// JWTRealmType is the type of JWT realms, as Elasticsearch's JwtRealmSettings.TYPE.
const JWTRealmType = "jwt"

// Defaults of JWTOptions.
const (
	// DefaultJWTClockSkew is Elasticsearch's allowed_clock_skew default.
	DefaultJWTClockSkew = 60 * time.Second
	// DefaultJWTMaxTokenSize bounds the tokens a JWT realm reads.
	DefaultJWTMaxTokenSize = 16 << 10
	// DefaultJWKSTimeout bounds one fetch of a JWK set (Elasticsearch's
	// http.connect_timeout and http.socket_timeout are 5s).
	DefaultJWKSTimeout = 5 * time.Second
	// DefaultJWKSMinRefresh is the least time between two fetches of a JWK set.
	DefaultJWKSMinRefresh = time.Minute
	// DefaultJWKSMaxAge is how long a fetched JWK set is used before it is fetched again.
	DefaultJWKSMaxAge = time.Hour
	// DefaultJWTCacheMaxEntries bounds the cache of verified tokens.
	DefaultJWTCacheMaxEntries = 10_000
	// MinHMACSecretSize is the least HMAC secret length in bytes (256 bits, what HS256
	// needs; HS384 and HS512 need 48 and 64 bytes).
	MinHMACSecretSize = 32
)

// JWTPublicKey is one PEM-encoded public key of a JWT issuer.
type JWTPublicKey struct {
	// KID is the key id tokens name in their "kid" header; empty means the key is
	// tried for every token.
	KID string
	// PEM is a "PUBLIC KEY" (RSA, ECDSA or Ed25519), "RSA PUBLIC KEY" or "CERTIFICATE"
	// PEM block.
	PEM string
}

// JWTOptions configure a JWT realm: one trusted issuer of signed JWTs (ID tokens, as
// Elasticsearch's JWT realm with token_type id_token).
type JWTOptions struct {
	// Name is the realm's name (required).
	Name string
	// Issuer is the "iss" tokens of this realm carry, compared exactly (required).
	// Tokens with another issuer are left to the next realm.
	Issuer string
	// Audiences are the accepted "aud" values; a token's audience must contain at least
	// one of them (required).
	Audiences []string
	// Algorithms are the allowed JWS algorithms (required): HS256, HS384, HS512, RS256,
	// RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA. "none" is never
	// allowed.
	Algorithms []string

	// JWKS is the content of a JWK set file: RSA, EC (P-256, P-384, P-521), OKP
	// (Ed25519) and oct (HMAC) keys.
	JWKS []byte
	// JWKSURL is an http or https URL serving the issuer's JWK set. It is fetched on
	// first use, again when it is older than JWKSMaxAge, and again when a token names an
	// unknown kid or no key verifies it, at most once per JWKSMinRefresh. A failed fetch
	// keeps the last good keys. HMAC (oct) keys served there are ignored.
	JWKSURL string
	// JWKSTimeout bounds one fetch (default DefaultJWKSTimeout).
	JWKSTimeout time.Duration
	// JWKSMinRefresh is the least time between two fetches (default
	// DefaultJWKSMinRefresh).
	JWKSMinRefresh time.Duration
	// JWKSMaxAge is how long fetched keys are used before the next token re-fetches
	// them (default DefaultJWKSMaxAge; negative: only unknown kids trigger a fetch).
	JWKSMaxAge time.Duration
	// HTTPClient fetches JWKSURL (default http.DefaultClient); set it for custom TLS.
	HTTPClient *http.Client
	// PublicKeys are PEM public keys of the issuer.
	PublicKeys []JWTPublicKey
	// HMACSecret is the shared secret for HS256/HS384/HS512: at least 32 bytes, and as
	// long as the hash of every allowed HS algorithm.
	HMACSecret []byte

	// ClaimPrincipal names the claim holding the user name (default "sub").
	ClaimPrincipal string
	// ClaimGroups names the claim holding the user's groups, a string or an array of
	// strings, given to role mapping (default "groups").
	ClaimGroups string
	// ClaimRoles names a claim whose values are role names granted as they are;
	// empty means none.
	ClaimRoles string
	// ClaimName, ClaimMail and ClaimDN name the claims holding the user's full name,
	// email address and distinguished name; empty means none.
	ClaimName, ClaimMail, ClaimDN string
	// RequiredClaims are claims every token must have. With values, the claim (a string
	// or an array of strings) must hold one of them, as Elasticsearch's
	// required_claims; with no values it must only be present. The registered claims
	// iss, sub, aud, exp, nbf and iat cannot be given values.
	RequiredClaims map[string][]string
	// ClockSkew is the tolerance for exp, nbf, iat and auth_time (default
	// DefaultJWTClockSkew).
	ClockSkew time.Duration
	// MaxTokenSize is the longest token read, in bytes (default DefaultJWTMaxTokenSize).
	MaxTokenSize int

	// Mapper maps the principal, groups and metadata to roles.
	Mapper *RoleMapper
	// Lookup, when set, delegates authorization (Elasticsearch's authorization_realms):
	// the principal is looked up there and takes that user's roles; Mapper and
	// ClaimRoles are not used, and an unknown principal fails.
	Lookup UserLookup

	// Cache bounds the cache of verified tokens (default DefaultJWTCacheMaxEntries
	// entries for DefaultCacheTTL; an entry never outlives its token's exp).
	Cache CacheOptions
	// Now returns the current time; time.Now when nil.
	Now func() time.Time
}

// registeredClaims are the claims Elasticsearch's required_claims refuses.
var registeredClaims = []string{"iss", "sub", "aud", "exp", "nbf", "iat"}

// JWTRealm authenticates bearer JWTs from one issuer, like Elasticsearch's JwtRealm:
// the token's header, signature and claims are validated (JwtAuthenticator), the
// principal, groups, name and mail come from claims, and roles from role mapping or
// delegated authorization. Verified tokens are cached by the SHA-256 of the token until
// the earlier of their exp and the cache TTL, so signatures are checked once per token.
// A JWTRealm is immutable apart from its caches and safe for concurrent use.
type JWTRealm struct {
	name      string
	issuer    string
	audiences []string
	algs      []string
	hmacKeys  []jwtKey // HMACSecret and oct keys of JWKS: HS* only
	pkcKeys   []jwtKey // static public keys: RS*, PS*, ES*, EdDSA only
	remote    *jwksFetcher

	claimPrincipal, claimGroups, claimRoles string
	claimName, claimMail, claimDN           string
	required                                []requiredClaim
	skew                                    time.Duration
	maxSize                                 int
	mapper                                  *RoleMapper
	lookup                                  UserLookup

	cache *credCache[*jwtEntry]
	now   func() time.Time
	// verify checks one signature; tests count its calls.
	verify func(m jwt.SigningMethod, signingString string, sig []byte, key any) error
}

type requiredClaim struct {
	name   string
	values []string
}

// jwtEntry is a cached verification: the identity and when the token expires.
type jwtEntry struct {
	id  *Identity // without roles when the realm delegates authorization
	exp time.Time
}

var _ Realm = (*JWTRealm)(nil)

// NewJWTRealm validates o and returns the realm. It reports every problem at once:
// missing name, issuer, audiences or algorithms; unknown algorithms; HS algorithms
// without a long enough secret; public-key algorithms without a key source; keys that
// fit none of the allowed algorithms; a bad JWK set, PEM key or URL. It does no network
// I/O: a JWK set URL is fetched on first use.
func NewJWTRealm(o JWTOptions) (*JWTRealm, error) {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("auth: jwt realm [%s]: %s", o.Name, fmt.Sprintf(format, args...)))
	}
	r := &JWTRealm{
		name:           o.Name,
		issuer:         o.Issuer,
		audiences:      slices.Clone(o.Audiences),
		claimPrincipal: cmp.Or(o.ClaimPrincipal, "sub"),
		claimGroups:    cmp.Or(o.ClaimGroups, "groups"),
		claimRoles:     o.ClaimRoles,
		claimName:      o.ClaimName,
		claimMail:      o.ClaimMail,
		claimDN:        o.ClaimDN,
		skew:           o.ClockSkew,
		maxSize:        o.MaxTokenSize,
		mapper:         o.Mapper,
		lookup:         o.Lookup,
		now:            o.Now,
		verify:         func(m jwt.SigningMethod, s string, sig []byte, key any) error { return m.Verify(s, sig, key) },
	}
	if r.now == nil {
		r.now = time.Now
	}
	if o.Name == "" {
		bad("a realm name is required")
	}
	if o.Issuer == "" {
		bad("issuer is required")
	}
	if len(o.Audiences) == 0 {
		bad("at least one audience is required")
	}
	if slices.Contains(o.Audiences, "") {
		bad("audiences contain an empty value")
	}

	if len(o.Algorithms) == 0 {
		bad("at least one algorithm is required")
	}
	for _, a := range o.Algorithms {
		switch _, ok := jwsAlgs[a]; {
		case ok:
			if !slices.Contains(r.algs, a) {
				r.algs = append(r.algs, a)
			}
		case strings.EqualFold(a, "none"):
			bad("algorithm [none] (unsigned tokens) is never allowed")
		default:
			hint := ""
			for _, s := range JWTAlgorithms() {
				if strings.EqualFold(a, s) {
					hint = ", did you mean [" + s + "]?"
				}
			}
			bad("unknown algorithm [%s]; supported algorithms are [%s]%s", a, strings.Join(JWTAlgorithms(), ","), hint)
		}
	}

	switch {
	case o.ClockSkew < 0:
		bad("clock skew must not be negative")
	case o.ClockSkew == 0:
		r.skew = DefaultJWTClockSkew
	}
	switch {
	case o.MaxTokenSize < 0:
		bad("maximum token size must not be negative")
	case o.MaxTokenSize == 0:
		r.maxSize = DefaultJWTMaxTokenSize
	}

	r.loadKeys(&o, bad)

	for _, name := range slices.Sorted(maps.Keys(o.RequiredClaims)) {
		values := o.RequiredClaims[name]
		switch {
		case name == "":
			bad("required claims: empty claim name")
		case len(values) > 0 && slices.Contains(registeredClaims, name):
			bad("required claim [%s] cannot be one of [%s]", name, strings.Join(registeredClaims, ","))
		default:
			r.required = append(r.required, requiredClaim{name: name, values: slices.Clone(values)})
		}
	}

	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	cache := o.Cache
	if cache.MaxEntries == 0 {
		cache.MaxEntries = DefaultJWTCacheMaxEntries
	}
	r.cache = newCredCache[*jwtEntry](cache)
	return r, nil
}

// loadKeys reads the key sources of o and checks that every allowed algorithm has a
// key. HMAC keys and public keys are kept apart so that an HS token is only ever
// checked against secrets, and other tokens only against public keys.
func (r *JWTRealm) loadKeys(o *JWTOptions, bad func(format string, args ...any)) {
	if o.HMACSecret != nil {
		if len(o.HMACSecret) < MinHMACSecretSize {
			bad("hmac_secret must be at least %d bytes (256 bits), got %d", MinHMACSecretSize, len(o.HMACSecret))
		} else {
			r.hmacKeys = append(r.hmacKeys, jwtKey{key: slices.Clone(o.HMACSecret)})
		}
		hs := false
		for _, a := range r.algs {
			if jwsAlgs[a].family != familyHMAC {
				continue
			}
			hs = true
			if need := jwsAlgs[a].minBits; len(o.HMACSecret) >= MinHMACSecretSize && len(o.HMACSecret)*8 < need {
				bad("hmac_secret of %d bits is too short for [%s], which needs at least %d bits", len(o.HMACSecret)*8, a, need)
			}
		}
		if !hs {
			bad("hmac_secret is set but no HMAC algorithm (HS256, HS384, HS512) is allowed")
		}
	}
	if len(o.JWKS) > 0 {
		set, err := parseJWKS(o.JWKS, true)
		if err != nil {
			bad("jwks: %v", err)
		} else {
			for _, k := range set.keys {
				if _, ok := k.key.([]byte); ok {
					r.hmacKeys = append(r.hmacKeys, k)
				} else {
					r.pkcKeys = append(r.pkcKeys, k)
				}
			}
		}
	}
	for i, pk := range o.PublicKeys {
		key, err := parsePublicKeyPEM(pk.PEM)
		if err != nil {
			bad("public key [%d] (kid [%s]): %v", i, pk.KID, err)
			continue
		}
		k := jwtKey{kid: pk.KID, key: key}
		if !slices.ContainsFunc(r.algs, k.fits) {
			bad("public key [%d] (kid [%s]): the %s fits none of the allowed algorithms [%s]", i, pk.KID, k.describe(), strings.Join(r.algs, ","))
			continue
		}
		r.pkcKeys = append(r.pkcKeys, k)
	}
	if o.JWKSURL != "" {
		if u, err := url.Parse(o.JWKSURL); err != nil || u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
			bad("jwks_url [%s] is not an http or https URL", o.JWKSURL)
		} else {
			r.remote = &jwksFetcher{
				url:        o.JWKSURL,
				client:     cmp.Or(o.HTTPClient, http.DefaultClient),
				timeout:    cmp.Or(o.JWKSTimeout, DefaultJWKSTimeout),
				minRefresh: cmp.Or(o.JWKSMinRefresh, DefaultJWKSMinRefresh),
				maxAge:     max(cmp.Or(o.JWKSMaxAge, DefaultJWKSMaxAge), 0),
				now:        r.now,
			}
		}
	}
	if o.JWKSTimeout < 0 || o.JWKSMinRefresh < 0 {
		bad("JWK set timeout and minimum refresh interval must not be negative")
	}
	for _, a := range r.algs {
		if jwsAlgs[a].family == familyHMAC {
			if o.HMACSecret == nil && !slices.ContainsFunc(r.hmacKeys, func(k jwtKey) bool { return k.fits(a) }) {
				bad("algorithm [%s] needs an hmac_secret (or an oct key in jwks) of at least %d bits", a, jwsAlgs[a].minBits)
			}
			continue
		}
		if r.remote == nil && !slices.ContainsFunc(r.pkcKeys, func(k jwtKey) bool { return k.fits(a) }) {
			bad("algorithm [%s] is allowed but no configured key can verify it (set jwks or public_keys)", a)
		}
	}
}

// Name returns the realm's name.
func (r *JWTRealm) Name() string { return r.name }

// Type returns "jwt".
func (r *JWTRealm) Type() string { return JWTRealmType }

// CacheLen returns the number of cached verified tokens (expired ones included until
// they are evicted or replaced).
func (r *JWTRealm) CacheLen() int { return r.cache.len() }

// ClearCache forgets every verified token, like Elasticsearch's
// POST /_security/realm/{realm}/_clear_cache.
func (r *JWTRealm) ClearCache() { r.cache.clear() }

// Authenticate verifies a bearer JWT. Other schemes, bearer tokens that are not JWTs and
// JWTs of another issuer are ErrNotHandled. Any other problem is a *Failure with Kind
// FailureInvalid, the realm's name, the claimed principal when there is one, and a
// reason worded like Elasticsearch's validators that never contains the token. The
// returned Identity is shared: do not modify it.
func (r *JWTRealm) Authenticate(ctx context.Context, c Credentials) (*Identity, error) {
	if c.Scheme != SchemeBearer {
		return nil, ErrNotHandled
	}
	now := r.now()
	key := credKey(sha256.Sum256([]byte(c.Token)))
	if e, ok := r.cache.get(&key, now); ok && now.Before(e.exp) {
		return r.authorize(ctx, e.id)
	}
	t, ok := splitJWT(c.Token)
	if !ok || t.issuer != r.issuer {
		return nil, ErrNotHandled
	}
	principal, _ := firstClaimString(t.claims, r.claimPrincipal)
	fail := func(reason string) (*Identity, error) {
		return nil, &Failure{Kind: FailureInvalid, Realm: r.name, Username: clip(principal), Reason: reason}
	}
	// The size limit applies once the issuer is known, so that each realm of a chain
	// only refuses its own tokens; the proxy's header size limit bounds what the
	// issuer lookup reads.
	if len(c.Token) > r.maxSize {
		return fail(fmt.Sprintf("JWT is larger than the maximum size of [%d] bytes", r.maxSize))
	}
	alg, kid, reason := r.checkHeader(t.header)
	if reason != "" {
		return fail(reason)
	}
	reason, err := r.checkSignature(ctx, &t, alg, kid)
	if err != nil {
		return nil, err
	}
	if reason != "" {
		return fail(reason)
	}
	exp, reason := r.checkClaims(t.claims, now)
	if reason != "" {
		return fail(reason)
	}
	id, reason := r.identity(t.claims)
	if reason != "" {
		return fail(reason)
	}
	id.Expires = exp
	out, err := r.authorize(ctx, id)
	if err == nil {
		r.cache.put(&key, &jwtEntry{id: id, exp: exp}, now)
	}
	return out, err
}

// authorize returns id, or with delegated authorization a copy holding the roles of
// the looked-up user (looked up on every request, as Elasticsearch's
// DelegatedAuthorizationSupport.resolve runs on cache hits too).
func (r *JWTRealm) authorize(ctx context.Context, id *Identity) (*Identity, error) {
	if r.lookup == nil {
		return id, nil
	}
	u, ok := r.lookup.LookupUser(ctx, id.Username)
	if !ok {
		return nil, &Failure{Kind: FailureInvalid, Realm: r.name, Username: id.Username,
			Reason: "the principal [" + id.Username + "] was authenticated, but no user could be found by the authorization realm"}
	}
	out := *id
	out.Roles = u.Roles
	out.FullName = cmp.Or(out.FullName, u.FullName)
	out.Email = cmp.Or(out.Email, u.Email)
	return &out, nil
}

// parsedJWT is a token split into its parts, with its claims decoded (not verified).
type parsedJWT struct {
	header, signature string // base64url
	signingInput      string // header.payload
	claims            map[string]any
	issuer            string
}

// splitJWT splits a compact JWS (RFC 7515 section 7.1) and decodes its claims. It fails
// on anything that is not three base64url parts whose payload is a JSON object with a
// string "iss": such a bearer token is not a JWT this realm could handle.
func splitJWT(tok string) (parsedJWT, bool) {
	h, rest, ok1 := strings.Cut(tok, ".")
	p, s, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 || h == "" || p == "" || !isBase64URL(h) || !isBase64URL(p) || !isBase64URL(s) {
		return parsedJWT{}, false
	}
	claims, err := decodeJSONObject(p)
	if err != nil {
		return parsedJWT{}, false
	}
	iss, _ := claims["iss"].(string)
	if iss == "" {
		return parsedJWT{}, false
	}
	return parsedJWT{header: h, signature: s, signingInput: tok[:len(h)+1+len(p)], claims: claims, issuer: iss}, true
}

func isBase64URL(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

var jwtEncoding = base64.RawURLEncoding.Strict()

// decodeJSONObject decodes a base64url JSON object, with numbers as json.Number.
func decodeJSONObject(seg string) (map[string]any, error) {
	b, err := jwtEncoding.DecodeString(seg)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	if m == nil {
		return nil, errors.New("not a JSON object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the JSON object")
	}
	return m, nil
}

// refusedHeaders name keys or key locations a token may not bring along: esguard only
// trusts the keys it is configured with, so a header pointing elsewhere is an attack.
var refusedHeaders = []string{"jwk", "jku", "x5u", "x5c"}

// checkHeader validates the JOSE header (JwtTypeValidator, JwtAlgorithmValidator, and
// RFC 7515's rule that a "crit" extension the recipient does not understand makes the
// token invalid; esguard understands none). It returns the algorithm and key id.
func (r *JWTRealm) checkHeader(seg string) (alg, kid, reason string) {
	h, err := decodeJSONObject(seg)
	if err != nil {
		return "", "", "failed to parse JWT header"
	}
	if typ, ok := h["typ"]; ok && typ != nil {
		if s, ok := typ.(string); !ok || !strings.EqualFold(s, "JWT") {
			return "", "", "invalid jwt typ header"
		}
	}
	alg, ok := h["alg"].(string)
	if !ok || alg == "" {
		return "", "", "missing JWT algorithm header"
	}
	if !slices.Contains(r.algs, alg) {
		return "", "", fmt.Sprintf("invalid JWT algorithm [%s], allowed algorithms are [%s]", clip(alg), strings.Join(r.algs, ","))
	}
	if _, ok := h["crit"]; ok {
		return "", "", "JWT header [crit] names extensions that are not supported"
	}
	for _, name := range refusedHeaders {
		if _, ok := h[name]; ok {
			return "", "", "JWT header [" + name + "] is not supported"
		}
	}
	if v, ok := h["kid"]; ok && v != nil {
		if kid, ok = v.(string); !ok {
			return "", "", "invalid JWT header [kid]"
		}
	}
	return alg, kid, ""
}

// checkSignature verifies the signature with the keys that may verify alg (as
// JwtSignatureValidator.validateSignature: keys with the token's kid or with no kid,
// with no "alg" or the token's, and of the right type and strength). HS algorithms only
// use the HMAC secrets; the others only public keys. When no key verifies it and keys
// come from a URL, the key set is reloaded (rate-limited) and, if it changed, the
// verification cache is cleared and the signature tried again, like
// PkcJwtSignatureValidator. The error is only ever ctx's.
func (r *JWTRealm) checkSignature(ctx context.Context, t *parsedJWT, alg, kid string) (string, error) {
	sig, err := jwtEncoding.DecodeString(t.signature)
	if err != nil {
		return "invalid JWT signature encoding", nil
	}
	a := jwsAlgs[alg]
	if a.family == familyHMAC {
		ok, tried := r.tryKeys(a.method, alg, kid, t.signingInput, sig, r.hmacKeys, nil)
		return signatureReason(ok, tried, alg, kid), nil
	}
	var set *keySet
	var setErr error
	if r.remote != nil {
		if set, setErr = r.remote.keys(ctx); setErr != nil && ctx.Err() != nil {
			return "", ctx.Err()
		}
	}
	ok, tried := r.tryKeys(a.method, alg, kid, t.signingInput, sig, r.pkcKeys, set)
	if ok || r.remote == nil {
		return signatureReason(ok, tried, alg, kid), nil
	}
	fresh, err := r.remote.refresh(ctx)
	if err != nil && ctx.Err() != nil {
		return "", ctx.Err()
	}
	if fresh != nil && (set == nil || fresh.sum != set.sum) {
		r.cache.clear()
		ok, tried = r.tryKeys(a.method, alg, kid, t.signingInput, sig, r.pkcKeys, fresh)
	}
	if fresh == nil && !ok && tried == 0 {
		if err == nil {
			err = setErr
		}
		return "unable to load the JWK set: " + err.Error(), nil
	}
	return signatureReason(ok, tried, alg, kid), nil
}

// tryKeys verifies the signature with every key of static and set that fits; it
// reports success and how many keys it tried.
func (r *JWTRealm) tryKeys(m jwt.SigningMethod, alg, kid, input string, sig []byte, static []jwtKey, set *keySet) (bool, int) {
	tried := 0
	try := func(keys []jwtKey) bool {
		for i := range keys {
			k := &keys[i]
			if kid != "" && k.kid != "" && k.kid != kid || !k.fits(alg) {
				continue
			}
			tried++
			if r.verify(m, input, sig, k.key) == nil {
				return true
			}
		}
		return false
	}
	if try(static) {
		return true, tried
	}
	if set != nil && try(set.keys) {
		return true, tried
	}
	return false, tried
}

func signatureReason(ok bool, tried int, alg, kid string) string {
	switch {
	case ok:
		return ""
	case tried > 0:
		return "JWT signature verification failed"
	case kid != "":
		return fmt.Sprintf("no JWK with kid [%s] can verify an [%s] signature", clip(kid), alg)
	}
	return fmt.Sprintf("signature verification was not attempted since there are not any JWKs available for algorithm [%s]", alg)
}

// checkClaims validates the claims of a verified token in the order of
// JwtAuthenticator's ID token validators: sub, aud, iat, exp, nbf, auth_time, then the
// required claims. It returns the expiry time.
func (r *JWTRealm) checkClaims(claims map[string]any, now time.Time) (time.Time, string) {
	if _, ok := claims["sub"].(string); !ok {
		return time.Time{}, "missing required string claim [sub]"
	}
	aud, ok := claimStrings(claims["aud"])
	if !ok || len(aud) == 0 {
		return time.Time{}, "missing required string claim [aud]"
	}
	if !slices.ContainsFunc(aud, func(a string) bool { return slices.Contains(r.audiences, a) }) {
		return time.Time{}, mismatch("aud", aud, r.audiences)
	}
	var exp time.Time
	for _, c := range []struct {
		name     string
		after    bool // the date must be after now (minus skew), else before now (plus skew)
		optional bool
	}{{"iat", false, false}, {"exp", true, false}, {"nbf", false, true}, {"auth_time", false, true}} {
		v, present := claims[c.name]
		if !present || v == nil {
			if c.optional {
				continue
			}
			return time.Time{}, "missing required date claim [" + c.name + "]"
		}
		d, ok := numericDate(v)
		if !ok {
			return time.Time{}, "cannot parse date claim [" + c.name + "]"
		}
		// JwtDateClaimValidator: exp must be after now-skew; the others before now+skew.
		if c.after && !d.After(now.Add(-r.skew)) || !c.after && !d.Before(now.Add(r.skew)) {
			rel := "before"
			if c.after {
				rel = "after"
			}
			return time.Time{}, fmt.Sprintf("date claim [%s] value [%d] must be %s now [%d]", c.name, d.UnixMilli(), rel, now.UnixMilli())
		}
		if c.name == "exp" {
			exp = d
		}
	}
	for _, rc := range r.required {
		v, present := claims[rc.name]
		if !present || v == nil {
			return time.Time{}, "missing required claim [" + rc.name + "]"
		}
		if len(rc.values) == 0 {
			continue
		}
		vals, ok := claimStrings(v)
		if !ok || len(vals) == 0 {
			return time.Time{}, "missing required string claim [" + rc.name + "]"
		}
		if !slices.ContainsFunc(vals, func(s string) bool { return slices.Contains(rc.values, s) }) {
			return time.Time{}, mismatch(rc.name, vals, rc.values)
		}
	}
	return exp, ""
}

// mismatch is JwtStringClaimValidator's message.
func mismatch(claim string, values, allowed []string) string {
	clipped := make([]string, len(values))
	for i, v := range values {
		clipped[i] = clip(v)
	}
	return fmt.Sprintf("string claim [%s] has value [%s] which does not match allowed claim values [%s]",
		claim, clip(strings.Join(clipped, ",")), strings.Join(allowed, ","))
}

// numericDate reads a NumericDate (RFC 7519 section 2): seconds since the epoch,
// truncated to whole seconds as nimbus's JWTClaimsSet.getDateClaim does.
func numericDate(v any) (time.Time, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return time.Time{}, false
	}
	if i, err := n.Int64(); err == nil {
		return time.Unix(i, 0), true
	}
	f, err := n.Float64()
	if err != nil || math.IsNaN(f) || math.Abs(f) > 1e15 {
		return time.Time{}, false
	}
	return time.Unix(int64(f), 0), true
}

// identity builds the Identity of a verified token: principal, name, mail, roles and
// metadata (JwtRealm.processValidatedJwt).
func (r *JWTRealm) identity(claims map[string]any) (*Identity, string) {
	var vals [6][]string
	for i, name := range []string{r.claimPrincipal, r.claimGroups, r.claimRoles, r.claimName, r.claimMail, r.claimDN} {
		if name == "" {
			continue
		}
		v, ok := claimStrings(claims[name])
		if !ok {
			return nil, "claim [" + name + "] must be a string or an array of strings"
		}
		vals[i] = v
	}
	first := func(v []string) string {
		if len(v) == 0 {
			return ""
		}
		return v[0]
	}
	principal := first(vals[0])
	if strings.TrimSpace(principal) == "" {
		return nil, "no principal found in claim [" + r.claimPrincipal + "]"
	}
	md := jwtMetadata(claims)
	id := &Identity{
		Username:  principal,
		FullName:  first(vals[3]),
		Email:     first(vals[4]),
		Metadata:  md,
		RealmName: r.name,
		RealmType: JWTRealmType,
		AuthType:  AuthTypeRealm,
	}
	if r.lookup == nil {
		roles := slices.Clone(vals[2])
		roles = append(roles, r.mapper.Roles(MappedUser{
			Username:  principal,
			Groups:    vals[1],
			RealmName: r.name,
			Metadata:  md,
			DN:        first(vals[5]),
		})...)
		slices.Sort(roles)
		id.Roles = slices.Compact(roles)
	}
	return id, ""
}

// claimStrings reads a claim as ClaimParser does: absent or null is no value, a string
// one value, an array of strings its values; anything else is refused.
func claimStrings(v any) ([]string, bool) {
	switch v := v.(type) {
	case nil:
		return nil, true
	case string:
		return []string{v}, true
	case []any:
		out := make([]string, 0, len(v))
		for _, x := range v {
			s, ok := x.(string)
			if !ok {
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	}
	return nil, false
}

// firstClaimString returns the first value of a string claim, if any.
func firstClaimString(claims map[string]any, name string) (string, bool) {
	v, ok := claimStrings(claims[name])
	if !ok || len(v) == 0 {
		return "", false
	}
	return v[0], true
}

// jwtMetadata is JwtRealm.buildUserMetadata with populate_user_metadata on:
// "jwt_token_type" and a "jwt_claim_<name>" entry for each claim that is a string,
// boolean, number, or array of those. Numbers become int64 when integral, else float64.
func jwtMetadata(claims map[string]any) map[string]any {
	md := make(map[string]any, len(claims)+1)
	md["jwt_token_type"] = "id_token"
	for k, v := range claims {
		if x, ok := metadataValue(v, true); ok {
			md["jwt_claim_"+k] = x
		}
	}
	return md
}

func metadataValue(v any, list bool) (any, bool) {
	switch v := v.(type) {
	case string, bool:
		return v, true
	case json.Number:
		if i, err := v.Int64(); err == nil {
			return i, true
		}
		f, err := v.Float64()
		return f, err == nil
	case []any:
		if !list {
			return nil, false
		}
		out := make([]any, len(v))
		for i, x := range v {
			y, ok := metadataValue(x, false)
			if !ok {
				return nil, false
			}
			out[i] = y
		}
		return out, true
	}
	return nil, false
}

// maxReasonValue bounds token-supplied text quoted in a failure reason.
const maxReasonValue = 128

// clip shortens token-supplied text for a failure reason.
func clip(s string) string {
	if len(s) <= maxReasonValue {
		return s
	}
	cut := maxReasonValue
	for cut > 0 && s[cut]&0xC0 == 0x80 { // do not split a UTF-8 sequence
		cut--
	}
	return s[:cut] + "...(" + strconv.Itoa(len(s)) + " bytes)"
}
