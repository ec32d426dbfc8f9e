package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/esguard/esguard/privileges"
)

// Names of Elasticsearch's API key realm, as GET /_security/_authenticate reports them.
const (
	APIKeyRealmName = "_es_api_key"
	APIKeyRealmType = "_es_api_key"
)

// APIKey is one API key: a static key from the API keys file or a key created through
// the API and stored in the cluster.
type APIKey struct {
	// ID is the public half of the credential.
	ID string
	// Name is the key's descriptive name.
	Name string
	// Owner is the user the key belongs to; the key acts as this user.
	Owner string
	// OwnerRealm and OwnerRealmType name the realm that authenticated the key's creator.
	OwnerRealm, OwnerRealmType string
	// Hash is the hash of the secret half: bcrypt, {PBKDF2}, {PBKDF2_STRETCH} or
	// {SSHA256} (HashAPIKeySecret).
	Hash string
	// Created is when the key was created; zero for static keys without a date.
	Created time.Time
	// Expiration is when the key stops working; zero means never.
	Expiration time.Time
	// Invalidated keys never authenticate.
	Invalidated bool
	// RoleDescriptors are the key's own roles; empty means the owner's privileges.
	RoleDescriptors []*privileges.RoleDescriptor
	// LimitedBy are the owner's role names when the key was created. They limit the key
	// when its owner cannot be looked up (a user of a realm without lookup); otherwise
	// the owner's current roles do.
	LimitedBy []string
	// Metadata is arbitrary key metadata.
	Metadata map[string]any
	// Static marks keys of the API keys file.
	Static bool
}

// Expired reports whether the key has expired at now.
func (k *APIKey) Expired(now time.Time) bool {
	return !k.Expiration.IsZero() && !now.Before(k.Expiration)
}

// APIKeySource finds API keys by id. APIKey returns nil and no error for an unknown id,
// and an error when it could not tell (the cluster holding the keys is unreachable).
type APIKeySource interface {
	APIKey(ctx context.Context, id string) (*APIKey, error)
}

// APIKeyRealmOptions configure an APIKeyRealm.
type APIKeyRealmOptions struct {
	// Static are the keys of the API keys file; they take precedence over Dynamic.
	Static []*APIKey
	// Dynamic finds keys created through the API; nil when there are none.
	Dynamic APIKeySource
	// Owners looks owners up for their current roles. An owner of a lookup realm who
	// no longer exists makes the key fail.
	Owners UserLookup
	// LookupRealms are the names of the realms Owners can look users up in.
	LookupRealms []string
	// Cache bounds the cache of verified secrets.
	Cache CacheOptions
	// Now returns the current time; time.Now when nil.
	Now func() time.Time
}

// APIKeyRealm authenticates "ApiKey base64(id:key)" credentials, like Elasticsearch's
// ApiKeyService: the id names the key, the secret must match its hash, and the key must
// be neither expired nor invalidated. Verified secrets are cached (keyed by an HMAC of
// id and secret, holding the hash they matched), so bcrypt runs once per client; the
// key itself is fetched on every request, so invalidation and expiry apply at once.
type APIKeyRealm struct {
	static  map[string]*APIKey
	dynamic APIKeySource
	owners  UserLookup
	lookup  map[string]bool
	keys    *keyer
	cache   *credCache[string]
	now     func() time.Time

	flights flights
}

var _ Realm = (*APIKeyRealm)(nil)

// NewAPIKeyRealm builds the realm; it fails, naming the key, on a duplicate or empty id
// or an unusable hash.
func NewAPIKeyRealm(o APIKeyRealmOptions) (*APIKeyRealm, error) {
	r := &APIKeyRealm{
		static:  map[string]*APIKey{},
		dynamic: o.Dynamic,
		owners:  o.Owners,
		lookup:  map[string]bool{},
		keys:    newKeyer(),
		cache:   newCredCache[string](o.Cache),
		now:     o.Now,
	}
	if r.now == nil {
		r.now = time.Now
	}
	for _, n := range o.LookupRealms {
		r.lookup[n] = true
	}
	var errs []error
	for _, k := range o.Static {
		switch {
		case k.ID == "" || strings.ContainsAny(k.ID, ":\x00"):
			errs = append(errs, fmt.Errorf("api key [%s]: the id must be non-empty and contain no ':'", k.ID))
			continue
		case r.static[k.ID] != nil:
			errs = append(errs, fmt.Errorf("api key [%s]: duplicate id", k.ID))
			continue
		}
		if err := CheckAPIKeyHash(k.Hash); err != nil {
			errs = append(errs, fmt.Errorf("api key [%s]: %w", k.ID, err))
			continue
		}
		r.static[k.ID] = k
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return r, nil
}

// Name returns "_es_api_key".
func (r *APIKeyRealm) Name() string { return APIKeyRealmName }

// Type returns "_es_api_key".
func (r *APIKeyRealm) Type() string { return APIKeyRealmType }

// Authenticate verifies ApiKey credentials; other schemes are ErrNotHandled. Failures
// are *Failure with Elasticsearch's ApiKeyService reasons; an error finding the key is
// returned as is (the request must be refused, not granted).
func (r *APIKeyRealm) Authenticate(ctx context.Context, c Credentials) (*Identity, error) {
	if c.Scheme != SchemeAPIKey {
		return nil, ErrNotHandled
	}
	key, err := r.find(ctx, c.APIKeyID)
	if err != nil {
		return nil, fmt.Errorf("auth: api key [%s]: %w", c.APIKeyID, err)
	}
	fail := func(kind FailureKind, reason string) (*Identity, error) {
		return nil, &Failure{Kind: kind, Realm: APIKeyRealmName, Username: c.APIKeyID, Reason: reason}
	}
	if key == nil {
		// Key ids are not secret, so an unknown one fails at once, without a dummy hash
		// to verify (which would let anyone make esguard run bcrypt at will).
		return fail(FailureInvalid, "unable to find apikey with id "+c.APIKeyID)
	}
	ok, err := r.verify(ctx, key, c)
	if err != nil {
		return nil, err
	}
	switch {
	case !ok:
		return fail(FailureInvalid, "invalid credentials for API key ["+key.ID+"]")
	case key.Invalidated:
		return fail(FailureInvalid, "api key ["+key.ID+"] has been invalidated")
	case key.Expired(r.now()):
		return fail(FailureExpired, "api key is expired")
	}
	id := &Identity{
		Username:   key.Owner,
		Roles:      []string{},
		RealmName:  APIKeyRealmName,
		RealmType:  APIKeyRealmType,
		AuthType:   AuthTypeAPIKey,
		APIKeyID:   key.ID,
		APIKeyName: key.Name,
		Metadata:   map[string]any{},
		Expires:    key.Expiration,
		APIKey: &APIKeyGrant{
			RoleDescriptors: key.RoleDescriptors,
			LimitedBy:       key.LimitedBy,
			OwnerRealm:      key.OwnerRealm,
			OwnerRealmType:  key.OwnerRealmType,
			Static:          key.Static,
		},
	}
	if r.owners != nil && (key.Static || r.lookup[key.OwnerRealm]) {
		owner, found := r.owners.LookupUser(ctx, key.Owner)
		if !found {
			return fail(FailureInvalid, "the owner ["+key.Owner+"] of api key ["+key.ID+"] no longer exists")
		}
		id.APIKey.LimitedBy = owner.Roles
		id.FullName, id.Email = owner.FullName, owner.Email
	}
	return id, nil
}

func (r *APIKeyRealm) find(ctx context.Context, id string) (*APIKey, error) {
	if k := r.static[id]; k != nil {
		return k, nil
	}
	if r.dynamic == nil {
		return nil, nil
	}
	return r.dynamic.APIKey(ctx, id)
}

// verify checks the secret against the key's hash, through the cache of verified
// secrets; concurrent first requests with the same credentials share one check.
func (r *APIKeyRealm) verify(ctx context.Context, key *APIKey, c Credentials) (bool, error) {
	k := r.keys.key(c.APIKeyID, c.APIKeySecret)
	if h, ok := r.cache.get(&k, r.now()); ok && h == key.Hash {
		return true, nil
	}
	return r.flights.do(ctx, &k, func() bool {
		ok := checkAPIKeySecret(key.Hash, c.APIKeySecret)
		if ok {
			r.cache.put(&k, key.Hash, r.now())
		}
		return ok
	})
}

// ClearCache forgets every verified secret.
func (r *APIKeyRealm) ClearCache() { r.cache.clear() }

// ssha256Prefix marks Elasticsearch's salted SHA-256 hash, the format of API key
// secrets created through the API: the secrets are random, so a fast hash is enough.
const ssha256Prefix = "{SSHA256}"

// ssha256SaltLen is the salt length of {SSHA256} hashes.
const ssha256SaltLen = 8

// HashAPIKeySecret returns the {SSHA256} hash of a secret: a random salt followed by
// SHA-256(salt || secret), base64-encoded.
func HashAPIKeySecret(secret string) string {
	buf := make([]byte, ssha256SaltLen, ssha256SaltLen+sha256.Size)
	_, _ = rand.Read(buf)
	sum := sha256.Sum256(append(buf[:ssha256SaltLen:ssha256SaltLen], secret...))
	return ssha256Prefix + base64.StdEncoding.EncodeToString(append(buf, sum[:]...))
}

// NewAPIKeySecret returns a new random secret, 16 bytes encoded like Elasticsearch's
// (URL-safe base64 without padding).
func NewAPIKeySecret() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// NewAPIKeyID returns a new random key id, 20 characters like Elasticsearch's.
func NewAPIKeyID() string {
	var b [15]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// CheckAPIKeyHash reports whether hash is a format an API key hash may have: any
// password hash CheckHash accepts, or {SSHA256}.
func CheckAPIKeyHash(hash string) error {
	if strings.HasPrefix(hash, ssha256Prefix) {
		if _, _, ok := parseSSHA256(hash); !ok {
			return fmt.Errorf("%w: malformed {SSHA256} hash", ErrMalformedHash)
		}
		return nil
	}
	return CheckHash(hash)
}

func parseSSHA256(hash string) (salt, sum []byte, ok bool) {
	raw, err := base64.StdEncoding.DecodeString(hash[len(ssha256Prefix):])
	if err != nil || len(raw) != ssha256SaltLen+sha256.Size {
		return nil, nil, false
	}
	return raw[:ssha256SaltLen], raw[ssha256SaltLen:], true
}

func checkAPIKeySecret(hash, secret string) bool {
	if strings.HasPrefix(hash, ssha256Prefix) {
		salt, want, ok := parseSSHA256(hash)
		if !ok {
			return false
		}
		got := sha256.Sum256(append(salt[:len(salt):len(salt)], secret...))
		return subtle.ConstantTimeCompare(got[:], want) == 1
	}
	h, err := parseHash(hash)
	if err != nil {
		return false
	}
	return h.verify(secret)
}

// APIKeySourceVar is an APIKeySource whose backing source is set after the realm is
// built: the configuration builds realms, and the proxy connects them to the keys
// stored in the cluster once it can reach it. Until Set, it knows no keys. It is safe
// for concurrent use.
type APIKeySourceVar struct {
	src atomic.Pointer[APIKeySource]
}

// Set makes v answer from src.
func (v *APIKeySourceVar) Set(src APIKeySource) { v.src.Store(&src) }

// APIKey answers from the source set, or knows no key when none is.
func (v *APIKeySourceVar) APIKey(ctx context.Context, id string) (*APIKey, error) {
	if v == nil {
		return nil, nil
	}
	p := v.src.Load()
	if p == nil || *p == nil {
		return nil, nil
	}
	return (*p).APIKey(ctx, id)
}
