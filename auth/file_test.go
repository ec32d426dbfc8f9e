package auth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// testHash is a cheap bcrypt hash (authtest.Hash cannot be used here: it imports auth).
func testHash(t testing.TB, password string) string {
	t.Helper()
	h, err := HashPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// fakeClock is a settable clock.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// countingRealm returns a file realm with alice and bob, a fake clock and a counter of
// hash verifications.
func countingRealm(t testing.TB, opts CacheOptions) (*FileRealm, *atomic.Int64, *fakeClock) {
	t.Helper()
	r, err := NewFileRealm("file1", []FileUser{
		{Username: "alice", Hash: testHash(t, "alice-pass"), Roles: []string{"logs_reader"}, FullName: "Alice", Email: "alice@example.com", Metadata: map[string]any{"team": "ops"}},
		{Username: "bob", Hash: testHash(t, "bob-pass"), Roles: []string{"admin", "writer"}},
	}, opts)
	if err != nil {
		t.Fatal(err)
	}
	calls := new(atomic.Int64)
	r.verify = func(h *hashed, pw string) bool {
		calls.Add(1)
		return h.verify(pw)
	}
	clock := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	r.now = clock.Now
	return r, calls, clock
}

func basic(user, pass string) Credentials {
	return Credentials{Scheme: SchemeBasic, Username: user, Password: pass}
}

func wantFailure(t *testing.T, err error, kind FailureKind, user, reason string) {
	t.Helper()
	var f *Failure
	if !errors.As(err, &f) {
		t.Fatalf("error = %v; want a *Failure", err)
	}
	if f.Kind != kind || f.Username != user || f.Reason != reason {
		t.Fatalf("failure = %+v; want kind %v, user %q, reason %q", f, kind, user, reason)
	}
}

func TestFileRealmAuthenticate(t *testing.T) {
	t.Parallel()
	r, _, _ := countingRealm(t, CacheOptions{})
	ctx := t.Context()
	tests := []struct {
		name   string
		cred   Credentials
		user   string // success
		reason string // failure
		notMe  bool
	}{
		{name: "alice", cred: basic("alice", "alice-pass"), user: "alice"},
		{name: "bob", cred: basic("bob", "bob-pass"), user: "bob"},
		{name: "wrong password", cred: basic("alice", "bob-pass"), reason: "password mismatch"},
		{name: "empty password", cred: basic("alice", ""), reason: "password mismatch"},
		{name: "case-sensitive user", cred: basic("Alice", "alice-pass"), reason: "unknown user"},
		{name: "unknown user", cred: basic("mallory", "alice-pass"), reason: "unknown user"},
		{name: "nul in user", cred: basic("alice\x00", "alice-pass"), reason: "unknown user"},
		{name: "api key", cred: Credentials{Scheme: SchemeAPIKey, APIKeyID: "alice", APIKeySecret: "alice-pass"}, notMe: true},
		{name: "bearer", cred: Credentials{Scheme: SchemeBearer, Token: "t"}, notMe: true},
		{name: "none", cred: Credentials{}, notMe: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id, err := r.Authenticate(ctx, tc.cred)
			switch {
			case tc.notMe:
				if !errors.Is(err, ErrNotHandled) || id != nil {
					t.Fatalf("Authenticate = %v, %v; want ErrNotHandled", id, err)
				}
			case tc.reason != "":
				if id != nil {
					t.Fatalf("Authenticate returned %+v with a failure", id)
				}
				wantFailure(t, err, FailureInvalid, tc.cred.Username, tc.reason)
				var f *Failure
				errors.As(err, &f)
				if f.Realm != "file1" {
					t.Fatalf("failure realm = %q", f.Realm)
				}
				if strings.Contains(err.Error(), tc.cred.Password) && tc.cred.Password != "" {
					t.Fatalf("error leaks the password: %v", err)
				}
			default:
				if err != nil {
					t.Fatalf("Authenticate: %v", err)
				}
				if id.Username != tc.user || id.RealmName != "file1" || id.RealmType != "file" || id.AuthType != "realm" {
					t.Fatalf("identity = %+v", id)
				}
			}
		})
	}
	id, _ := r.Authenticate(ctx, basic("alice", "alice-pass"))
	if fmt.Sprint(id.Roles) != "[logs_reader]" || id.FullName != "Alice" || id.Email != "alice@example.com" || id.Metadata["team"] != "ops" {
		t.Fatalf("alice = %+v", id)
	}
}

func TestFileRealmNames(t *testing.T) {
	t.Parallel()
	r, err := NewFileRealm("", nil, CacheOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Name() != DefaultFileRealmName || r.Type() != FileRealmType {
		t.Fatalf("Name, Type = %q, %q", r.Name(), r.Type())
	}
}

func TestNewFileRealmErrors(t *testing.T) {
	t.Parallel()
	good := testHash(t, "x")
	_, err := NewFileRealm("f", []FileUser{
		{Username: "ok", Hash: good},
		{Username: "plain", Hash: "changeme"},
		{Username: "sha", Hash: "{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g="},
		{Username: "", Hash: good},
		{Username: "ok", Hash: good},
		{Username: "tab\tbed", Hash: good},
		{Username: "short", Hash: "$2a$10$abc"},
	}, CacheOptions{})
	if err == nil {
		t.Fatal("NewFileRealm succeeded")
	}
	msg := err.Error()
	for _, want := range []string{"user [plain]", "user [sha]", "empty name", "user [ok] is defined twice", "control characters", "user [short]"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not mention %q", msg, want)
		}
	}
	if strings.Contains(msg, "changeme") {
		t.Errorf("error quotes a plain-text password: %q", msg)
	}
	if !errors.Is(err, ErrUnsupportedHash) || !errors.Is(err, ErrMalformedHash) {
		t.Errorf("error %v does not wrap the hash sentinels", err)
	}
}

func TestFileRealmDoesNotAliasInput(t *testing.T) {
	t.Parallel()
	users := []FileUser{{Username: "a", Hash: testHash(t, "p"), Roles: []string{"r1"}, Metadata: map[string]any{"k": "v"}}}
	r, err := NewFileRealm("f", users, CacheOptions{})
	if err != nil {
		t.Fatal(err)
	}
	users[0].Roles[0] = "changed"
	users[0].Metadata["k"] = "changed"
	id, _ := r.LookupUser(t.Context(), "a")
	if id.Roles[0] != "r1" || id.Metadata["k"] != "v" {
		t.Fatalf("realm shares its input: %+v", id)
	}
}

func TestFileRealmLookupUser(t *testing.T) {
	t.Parallel()
	r, calls, _ := countingRealm(t, CacheOptions{})
	id, ok := r.LookupUser(t.Context(), "bob")
	if !ok || id.Username != "bob" || fmt.Sprint(id.Roles) != "[admin writer]" || id.RealmName != "file1" {
		t.Fatalf("LookupUser(bob) = %+v, %v", id, ok)
	}
	auth, err := r.Authenticate(t.Context(), basic("bob", "bob-pass"))
	if err != nil {
		t.Fatal(err)
	}
	if auth == id {
		t.Fatal("LookupUser returned the shared identity (run_as compares pointers)")
	}
	if _, ok := r.LookupUser(t.Context(), "mallory"); ok {
		t.Fatal("LookupUser(mallory) found a user")
	}
	if calls.Load() != 1 {
		t.Fatalf("LookupUser verified hashes: %d calls", calls.Load())
	}
}

func TestUnknownUserPaysForAHash(t *testing.T) {
	t.Parallel()
	r, calls, _ := countingRealm(t, CacheOptions{})
	var seen *hashed
	r.verify = func(h *hashed, pw string) bool {
		calls.Add(1)
		seen = h
		return h.verify(pw)
	}
	for i := range 3 {
		_, err := r.Authenticate(t.Context(), basic("mallory", "alice-pass"))
		wantFailure(t, err, FailureInvalid, "mallory", "unknown user")
		if got := calls.Load(); got != int64(i+1) {
			t.Fatalf("after %d unknown-user attempts, %d hash verifications", i+1, got)
		}
	}
	if seen != r.dummy {
		t.Fatal("unknown user was not verified against the dummy hash")
	}
	// Same cost as the users' hashes.
	if r.dummy.alg != algBcrypt || r.dummy.cost != bcrypt.MinCost {
		t.Fatalf("dummy hash = %+v; want bcrypt at cost %d", r.dummy.params(), bcrypt.MinCost)
	}
	if r.CacheLen() != 0 {
		t.Fatalf("unknown user cached: %d entries", r.CacheLen())
	}
}

func TestDummyHashFollowsTheUsers(t *testing.T) {
	t.Parallel()
	pb := esPBKDF2(false, "p", []byte("0123456789abcdef"), 1000, 32)
	pb2 := esPBKDF2(false, "q", []byte("fedcba9876543210"), 1000, 32)
	r, err := NewFileRealm("f", []FileUser{
		{Username: "a", Hash: testHash(t, "p")},
		{Username: "b", Hash: pb},
		{Username: "c", Hash: pb2},
	}, CacheOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := hashParams{alg: algPBKDF2, cost: 1000, saltN: 16, keyLen: 32}
	if got := r.dummy.params(); got != want {
		t.Fatalf("dummy params = %+v; want %+v", got, want)
	}
	// No users: bcrypt at the default cost.
	r, _ = NewFileRealm("f", nil, CacheOptions{})
	if r.dummy.alg != algBcrypt || r.dummy.cost != bcrypt.DefaultCost {
		t.Fatalf("dummy without users = %+v", r.dummy.params())
	}
}

func TestCacheHitSkipsVerification(t *testing.T) {
	t.Parallel()
	r, calls, _ := countingRealm(t, CacheOptions{})
	ctx := t.Context()
	first, err := r.Authenticate(ctx, basic("alice", "alice-pass"))
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		id, err := r.Authenticate(ctx, basic("alice", "alice-pass"))
		if err != nil {
			t.Fatal(err)
		}
		if id != first {
			t.Fatal("cache hit returned a different identity")
		}
	}
	if got := calls.Load(); got != 1 {
		t.Fatalf("6 authentications made %d hash verifications; want 1", got)
	}
	if r.CacheLen() != 1 {
		t.Fatalf("CacheLen = %d; want 1", r.CacheLen())
	}
}

func TestCacheIsPerPassword(t *testing.T) {
	t.Parallel()
	r, calls, _ := countingRealm(t, CacheOptions{})
	ctx := t.Context()
	if _, err := r.Authenticate(ctx, basic("alice", "alice-pass")); err != nil {
		t.Fatal(err)
	}
	// A wrong password after a cached success is verified, and fails.
	for _, pw := range []string{"alice-pas", "alice-pass ", "ALICE-PASS", ""} {
		_, err := r.Authenticate(ctx, basic("alice", pw))
		wantFailure(t, err, FailureInvalid, "alice", "password mismatch")
	}
	if got := calls.Load(); got != 5 {
		t.Fatalf("%d hash verifications; want 5", got)
	}
	// Another user with alice's password does not hit alice's entry.
	_, err := r.Authenticate(ctx, basic("bob", "alice-pass"))
	wantFailure(t, err, FailureInvalid, "bob", "password mismatch")
	// Failures are not cached, and the success still is.
	if r.CacheLen() != 1 {
		t.Fatalf("CacheLen = %d; want 1", r.CacheLen())
	}
	if _, err := r.Authenticate(ctx, basic("alice", "alice-pass")); err != nil {
		t.Fatal(err)
	}
	if got := calls.Load(); got != 6 {
		t.Fatalf("%d hash verifications; want 6", got)
	}
}

func TestCacheExpiry(t *testing.T) {
	t.Parallel()
	r, calls, clock := countingRealm(t, CacheOptions{TTL: time.Minute})
	ctx := t.Context()
	auth := func() {
		t.Helper()
		if _, err := r.Authenticate(ctx, basic("alice", "alice-pass")); err != nil {
			t.Fatal(err)
		}
	}
	auth()
	clock.Advance(59 * time.Second)
	auth()
	if got := calls.Load(); got != 1 {
		t.Fatalf("before the TTL: %d verifications; want 1", got)
	}
	clock.Advance(time.Second)
	auth()
	if got := calls.Load(); got != 2 {
		t.Fatalf("at the TTL: %d verifications; want 2", got)
	}
	// Re-verified: cached again, from now on.
	clock.Advance(30 * time.Second)
	auth()
	if got := calls.Load(); got != 2 {
		t.Fatalf("after re-verification: %d verifications; want 2", got)
	}
	if r.CacheLen() != 1 {
		t.Fatalf("CacheLen = %d; want 1", r.CacheLen())
	}
}

func TestCacheDefaults(t *testing.T) {
	t.Parallel()
	c := newCredCache[*fileUser](CacheOptions{})
	if c.ttl != DefaultCacheTTL || len(c.shards)*c.shards[0].max != DefaultCacheMaxEntries {
		t.Fatalf("defaults: ttl %v, %d shards of %d", c.ttl, len(c.shards), c.shards[0].max)
	}
	if newCredCache[*fileUser](CacheOptions{MaxEntries: -1}) != nil || newCredCache[*fileUser](CacheOptions{TTL: -1}) != nil {
		t.Fatal("negative options do not turn the cache off")
	}
	for _, max := range []int{1, 7, 1023, 1024, 1025, 5000} {
		c := newCredCache[*fileUser](CacheOptions{MaxEntries: max})
		total := 0
		for i := range c.shards {
			total += c.shards[i].max
			if c.shards[i].max < 1 {
				t.Fatalf("MaxEntries %d: empty shard", max)
			}
		}
		if total > max {
			t.Fatalf("MaxEntries %d: shards hold %d", max, total)
		}
	}
}

func TestCacheDisabled(t *testing.T) {
	t.Parallel()
	r, calls, _ := countingRealm(t, CacheOptions{TTL: -1})
	for range 3 {
		if _, err := r.Authenticate(t.Context(), basic("alice", "alice-pass")); err != nil {
			t.Fatal(err)
		}
	}
	if calls.Load() != 3 || r.CacheLen() != 0 {
		t.Fatalf("disabled cache: %d verifications, %d entries", calls.Load(), r.CacheLen())
	}
	r.ClearCache() // no-op
}

func TestCacheBounded(t *testing.T) {
	t.Parallel()
	const n = 20
	users := make([]FileUser, n)
	for i := range users {
		users[i] = FileUser{Username: fmt.Sprintf("u%02d", i), Hash: testHash(t, fmt.Sprintf("p%02d", i))}
	}
	r, err := NewFileRealm("f", users, CacheOptions{MaxEntries: 5})
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	r.verify = func(h *hashed, pw string) bool { calls++; return h.verify(pw) }
	ctx := t.Context()
	for i := range n {
		if _, err := r.Authenticate(ctx, basic(users[i].Username, fmt.Sprintf("p%02d", i))); err != nil {
			t.Fatal(err)
		}
		if got, want := r.CacheLen(), min(i+1, 5); got != want {
			t.Fatalf("after %d users: CacheLen = %d; want %d", i+1, got, want)
		}
	}
	// The five newest are cached, the oldest were evicted.
	calls = 0
	for i := n - 5; i < n; i++ {
		if _, err := r.Authenticate(ctx, basic(users[i].Username, fmt.Sprintf("p%02d", i))); err != nil {
			t.Fatal(err)
		}
	}
	if calls != 0 {
		t.Fatalf("newest entries: %d verifications; want 0", calls)
	}
	if _, err := r.Authenticate(ctx, basic("u00", "p00")); err != nil {
		t.Fatal(err)
	}
	if calls != 1 {
		t.Fatalf("evicted entry: %d verifications; want 1", calls)
	}
	if r.CacheLen() != 5 {
		t.Fatalf("CacheLen = %d; want 5", r.CacheLen())
	}
	r.ClearCache()
	if r.CacheLen() != 0 {
		t.Fatalf("after ClearCache: %d entries", r.CacheLen())
	}
}

func TestCacheBoundedSharded(t *testing.T) {
	t.Parallel()
	c := newCredCache[*fileUser](CacheOptions{MaxEntries: 2000, TTL: time.Hour})
	u := &fileUser{id: Identity{Username: "u"}}
	keys := newKeyer()
	now := time.Now()
	for i := range 10000 {
		k := keys.key("u", fmt.Sprint(i))
		c.put(&k, u, now)
	}
	if got := c.len(); got > 2000 || got < 1900 {
		t.Fatalf("len = %d; want at most 2000 and close to it", got)
	}
	k := keys.key("u", "9999")
	if got, ok := c.get(&k, now); !ok || got != u {
		t.Fatal("newest entry missing")
	}
	k = keys.key("u", "0")
	if _, ok := c.get(&k, now); ok {
		t.Fatal("oldest entry still present")
	}
}

func TestConcurrentFirstRequestsShareOneVerification(t *testing.T) {
	t.Parallel()
	r, calls, _ := countingRealm(t, CacheOptions{})
	release := make(chan struct{})
	started := make(chan struct{}, 1)
	r.verify = func(h *hashed, pw string) bool {
		calls.Add(1)
		select {
		case started <- struct{}{}:
		default:
		}
		<-release
		return h.verify(pw)
	}
	const n = 8
	var wg sync.WaitGroup
	errs := make(chan error, n)
	ctx := t.Context()
	for range n {
		wg.Go(func() {
			_, err := r.Authenticate(ctx, basic("alice", "alice-pass"))
			errs <- err
		})
	}
	<-started
	// Wait until every goroutine is either verifying or waiting for the verification.
	deadline := time.Now().Add(5 * time.Second)
	for {
		r.flights.mu.Lock()
		v := r.flights.inflight[r.keys.key("alice", "alice-pass")]
		r.flights.mu.Unlock()
		if v != nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond)
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := calls.Load(); got > 2 {
		t.Fatalf("%d concurrent first requests made %d verifications", n, got)
	}
	if len(r.flights.inflight) != 0 {
		t.Fatalf("inflight map not emptied: %d", len(r.flights.inflight))
	}
}

func TestWaiterHonoursContext(t *testing.T) {
	t.Parallel()
	r, _, _ := countingRealm(t, CacheOptions{})
	release := make(chan struct{})
	entered := make(chan struct{})
	r.verify = func(h *hashed, pw string) bool {
		close(entered)
		<-release
		return h.verify(pw)
	}
	done := make(chan error, 1)
	go func() {
		_, err := r.Authenticate(context.Background(), basic("alice", "alice-pass"))
		done <- err
	}()
	<-entered
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := r.Authenticate(ctx, basic("alice", "alice-pass")); !errors.Is(err, context.Canceled) {
		t.Fatalf("waiting with a cancelled context = %v; want context.Canceled", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestFileRealmConcurrent(t *testing.T) {
	t.Parallel()
	r, _, _ := countingRealm(t, CacheOptions{MaxEntries: 3, TTL: time.Hour})
	ctx := t.Context()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				user, pass := "alice", "alice-pass"
				if (g+i)%2 == 0 {
					user, pass = "bob", "bob-pass"
				}
				if i%10 == 0 {
					pass += "-wrong"
				}
				id, err := r.Authenticate(ctx, basic(user, pass))
				if i%10 == 0 {
					if err == nil {
						t.Error("wrong password accepted")
					}
					continue
				}
				if err != nil || id.Username != user {
					t.Errorf("Authenticate(%s) = %v, %v", user, id, err)
				}
				if i%25 == 0 {
					r.ClearCache()
				}
				_ = r.CacheLen()
			}
		})
	}
	wg.Wait()
}

func TestKeyerIsHMACSHA256(t *testing.T) {
	t.Parallel()
	k := newKeyer()
	secret := k.secret
	for _, tc := range []struct{ u, p string }{
		{"alice", "alice-pass"}, {"", ""}, {"a", strings.Repeat("x", 1000)}, {"ü", "\x00"},
	} {
		m := hmac.New(sha256.New, secret)
		m.Write([]byte(tc.u + "\x00" + tc.p))
		if got := k.key(tc.u, tc.p); !hmac.Equal(got[:], m.Sum(nil)) {
			t.Fatalf("key(%q, %q) is not HMAC-SHA256", tc.u, tc.p)
		}
	}
	if k2 := newKeyer(); k2.key("a", "b") == k.key("a", "b") {
		t.Fatal("two keyers share a secret")
	}
}
