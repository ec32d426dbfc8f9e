package auth

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Names of Elasticsearch's file realm: its type, and the name Elasticsearch gives it
// when no realm is configured (Authentication.authentication_realm in
// GET /_security/_authenticate).
const (
	FileRealmType        = "file"
	DefaultFileRealmName = "default_file"
)

// FileUser is a user of the file realm.
type FileUser struct {
	// Username is the user's name.
	Username string
	// Hash is the password hash: bcrypt, {PBKDF2} or {PBKDF2_STRETCH} (see CheckHash).
	Hash string
	// Roles are the user's role names.
	Roles []string
	// FullName, Email and Metadata are copied into the user's Identity.
	FullName, Email string
	Metadata        map[string]any
}

// FileRealm authenticates basic credentials against a fixed set of users with password
// hashes, like Elasticsearch's FileRealm (a CachingUsernamePasswordRealm): successful
// verifications are cached per (user, password) for CacheOptions.TTL, so only the first
// request of a client pays for bcrypt. Concurrent first requests with the same
// credentials share one verification. A FileRealm is immutable apart from its cache and
// safe for concurrent use; build a new one to change users.
type FileRealm struct {
	name  string
	users map[string]*fileUser
	// dummy is verified for unknown users so that the answer takes as long as for a
	// known one (with the parameters most users' hashes have).
	dummy *hashed
	keys  *keyer
	cache *credCache[*fileUser]

	// verify and now are replaced by tests.
	verify func(h *hashed, password string) bool
	now    func() time.Time

	flights flights
}

type fileUser struct {
	id   Identity
	hash *hashed
}

var (
	_ Realm      = (*FileRealm)(nil)
	_ UserLookup = (*FileRealm)(nil)
)

// NewFileRealm returns a file realm called name (DefaultFileRealmName when empty) with
// the given users. It fails, naming every offending user, on an empty, duplicate or
// control-character user name and on a password hash CheckHash refuses.
func NewFileRealm(name string, users []FileUser, cache CacheOptions) (*FileRealm, error) {
	if name == "" {
		name = DefaultFileRealmName
	}
	r := &FileRealm{
		name:   name,
		users:  make(map[string]*fileUser, len(users)),
		keys:   newKeyer(),
		cache:  newCredCache[*fileUser](cache),
		verify: (*hashed).verify,
		now:    time.Now,
	}
	var errs []error
	counts := make(map[hashParams]int)
	for _, fu := range users {
		switch {
		case fu.Username == "":
			errs = append(errs, errors.New("auth: file realm user with an empty name"))
			continue
		case hasControl(fu.Username):
			errs = append(errs, fmt.Errorf("auth: user %q: control characters in user name", fu.Username))
			continue
		case r.users[fu.Username] != nil:
			errs = append(errs, fmt.Errorf("auth: user [%s] is defined twice", fu.Username))
			continue
		}
		h, err := parseHash(fu.Hash)
		if err != nil {
			errs = append(errs, fmt.Errorf("auth: user [%s]: %w", fu.Username, err))
			continue
		}
		counts[h.params()]++
		r.users[fu.Username] = &fileUser{hash: h, id: Identity{
			Username:  fu.Username,
			Roles:     slices.Clone(fu.Roles),
			FullName:  fu.FullName,
			Email:     fu.Email,
			Metadata:  maps.Clone(fu.Metadata),
			RealmName: name,
			RealmType: FileRealmType,
			AuthType:  AuthTypeRealm,
		}}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	r.dummy = dummyHash(commonParams(counts))
	return r, nil
}

// commonParams returns the hash parameters most users have, preferring the costlier on
// a tie (bcrypt at the default cost when there are no users).
func commonParams(counts map[hashParams]int) hashParams {
	best, bestN := hashParams{alg: algBcrypt, cost: 10}, 0
	for p, n := range counts {
		if n > bestN || n == bestN && lessParams(best, p) {
			best, bestN = p, n
		}
	}
	return best
}

func lessParams(a, b hashParams) bool {
	if a.cost != b.cost {
		return a.cost < b.cost
	}
	if a.keyLen != b.keyLen {
		return a.keyLen < b.keyLen
	}
	if a.alg != b.alg {
		return a.alg < b.alg
	}
	return a.saltN < b.saltN
}

// Name returns the realm's name.
func (r *FileRealm) Name() string { return r.name }

// Type returns "file".
func (r *FileRealm) Type() string { return FileRealmType }

// Authenticate verifies basic credentials; other schemes are ErrNotHandled. An unknown
// user still costs one hash verification (against a dummy hash) before failing, so
// response times do not reveal which users exist. Failures are *Failure with Kind
// FailureInvalid and Reason "unknown user" or "password mismatch". The returned
// Identity is shared: do not modify it.
func (r *FileRealm) Authenticate(ctx context.Context, c Credentials) (*Identity, error) {
	if c.Scheme != SchemeBasic {
		return nil, ErrNotHandled
	}
	// A NUL in the user name would make the cache key (name, 0x00, password) ambiguous;
	// no user can have one, so such a name goes down the unknown-user path.
	known := strings.IndexByte(c.Username, 0) < 0
	var k credKey
	if known {
		k = r.keys.key(c.Username, c.Password)
		if u, ok := r.cache.get(&k, r.now()); ok && u.id.Username == c.Username {
			return &u.id, nil
		}
	}
	u := r.users[c.Username]
	if u == nil || !known {
		r.verify(r.dummy, c.Password)
		return nil, &Failure{Kind: FailureInvalid, Realm: r.name, Username: c.Username, Reason: "unknown user"}
	}
	ok, err := r.verifyOnce(ctx, &k, u, c.Password)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, &Failure{Kind: FailureInvalid, Realm: r.name, Username: c.Username, Reason: "password mismatch"}
	}
	return &u.id, nil
}

// verifyOnce verifies password against u's hash, caching a success. Callers with the
// same key (same user and password) at the same time wait for the first one's result.
func (r *FileRealm) verifyOnce(ctx context.Context, k *credKey, u *fileUser, password string) (bool, error) {
	return r.flights.do(ctx, k, func() bool {
		ok := r.verify(u.hash, password)
		if ok {
			r.cache.put(k, u, r.now())
		}
		return ok
	})
}

// LookupUser returns a copy of the user's Identity (for run_as), or false.
func (r *FileRealm) LookupUser(_ context.Context, username string) (*Identity, bool) {
	u := r.users[username]
	if u == nil {
		return nil, false
	}
	id := u.id
	return &id, true
}

// CacheLen returns the number of cached verified credentials (expired ones included
// until they are evicted or replaced).
func (r *FileRealm) CacheLen() int { return r.cache.len() }

// ClearCache forgets every cached verification, like Elasticsearch's
// POST /_security/realm/{realm}/_clear_cache.
func (r *FileRealm) ClearCache() { r.cache.clear() }
