package auth

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// stubRealm handles one scheme with fixed results.
type stubRealm struct {
	name   string
	scheme Scheme
	id     *Identity
	err    error
	users  map[string]*Identity
	calls  int
}

func (s *stubRealm) Name() string { return s.name }
func (s *stubRealm) Type() string { return "stub" }
func (s *stubRealm) Authenticate(_ context.Context, c Credentials) (*Identity, error) {
	s.calls++
	if c.Scheme != s.scheme {
		return nil, ErrNotHandled
	}
	return s.id, s.err
}

type lookupRealm struct {
	stubRealm
}

func (l *lookupRealm) LookupUser(_ context.Context, name string) (*Identity, bool) {
	id, ok := l.users[name]
	return id, ok
}

func TestChainAuthenticate(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	alice := &Identity{Username: "alice"}
	key := &Identity{Username: "svc", AuthType: AuthTypeAPIKey}
	refuse := &Failure{Kind: FailureInvalid, Realm: "first", Username: "alice", Reason: "password mismatch"}
	boom := errors.New("backend down")

	tests := []struct {
		name       string
		realms     []*stubRealm
		cred       Credentials
		want       *Identity
		wantErr    error
		kind       FailureKind
		user       string
		wantCalled []int
	}{
		{
			name:   "first realm accepts",
			realms: []*stubRealm{{name: "first", scheme: SchemeBasic, id: alice}, {name: "second", scheme: SchemeBasic, id: key}},
			cred:   basic("alice", "p"), want: alice, wantCalled: []int{1, 0},
		},
		{
			name:   "not handled goes to the next realm",
			realms: []*stubRealm{{name: "basic", scheme: SchemeBasic, id: alice}, {name: "keys", scheme: SchemeAPIKey, id: key}},
			cred:   Credentials{Scheme: SchemeAPIKey, APIKeyID: "k", APIKeySecret: "s"}, want: key, wantCalled: []int{1, 1},
		},
		{
			name:   "a refusal ends the chain",
			realms: []*stubRealm{{name: "first", scheme: SchemeBasic, err: refuse}, {name: "second", scheme: SchemeBasic, id: alice}},
			cred:   basic("alice", "p"), wantErr: refuse, wantCalled: []int{1, 0},
		},
		{
			name:   "an internal error ends the chain",
			realms: []*stubRealm{{name: "first", scheme: SchemeBasic, err: boom}, {name: "second", scheme: SchemeBasic, id: alice}},
			cred:   basic("alice", "p"), wantErr: boom, wantCalled: []int{1, 0},
		},
		{
			name:   "nobody handles basic",
			realms: []*stubRealm{{name: "keys", scheme: SchemeAPIKey, id: key}},
			cred:   basic("alice", "p"), kind: FailureInvalid, user: "alice", wantCalled: []int{1},
		},
		{
			name:   "nobody handles bearer",
			realms: []*stubRealm{{name: "basic", scheme: SchemeBasic, id: alice}},
			cred:   Credentials{Scheme: SchemeBearer, Token: "t"}, kind: FailureInvalid, wantCalled: []int{1},
		},
		{
			name: "no realms", cred: basic("alice", "p"), kind: FailureInvalid, user: "alice",
		},
		{
			name:   "no credentials",
			realms: []*stubRealm{{name: "basic", scheme: SchemeNone, id: alice}},
			cred:   Credentials{}, kind: FailureMissing, wantCalled: []int{0},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			realms := make([]Realm, len(tc.realms))
			for i, r := range tc.realms {
				realms[i] = r
			}
			id, err := NewChain(realms...).Authenticate(ctx, tc.cred)
			switch {
			case tc.want != nil:
				if err != nil || id != tc.want {
					t.Fatalf("Authenticate = %v, %v; want %v", id, err, tc.want)
				}
			case tc.wantErr != nil:
				if !errors.Is(err, tc.wantErr) || id != nil {
					t.Fatalf("Authenticate = %v, %v; want %v", id, err, tc.wantErr)
				}
			default:
				var f *Failure
				if !errors.As(err, &f) || f.Kind != tc.kind || f.Username != tc.user || id != nil {
					t.Fatalf("Authenticate = %v, %#v; want failure %v for %q", id, err, tc.kind, tc.user)
				}
			}
			for i, want := range tc.wantCalled {
				if tc.realms[i].calls != want {
					t.Errorf("realm %s called %d times; want %d", tc.realms[i].name, tc.realms[i].calls, want)
				}
			}
		})
	}
}

func TestChainRealmWithoutResult(t *testing.T) {
	t.Parallel()
	_, err := NewChain(&stubRealm{name: "bad", scheme: SchemeBasic}).Authenticate(t.Context(), basic("a", "b"))
	var f *Failure
	if err == nil || errors.As(err, &f) || !strings.Contains(err.Error(), "[bad]") {
		t.Fatalf("Authenticate = %v; want an internal error naming the realm", err)
	}
}

func TestChainWithFileRealm(t *testing.T) {
	t.Parallel()
	fr, _, _ := countingRealm(t, CacheOptions{})
	keys := &stubRealm{name: "keys", scheme: SchemeAPIKey, id: &Identity{Username: "svc"}}
	c := NewChain(fr, keys)
	ctx := t.Context()
	if id, err := c.Authenticate(ctx, basic("alice", "alice-pass")); err != nil || id.Username != "alice" {
		t.Fatalf("alice: %v, %v", id, err)
	}
	if id, err := c.Authenticate(ctx, Credentials{Scheme: SchemeAPIKey, APIKeyID: "k"}); err != nil || id.Username != "svc" {
		t.Fatalf("api key: %v, %v", id, err)
	}
	_, err := c.Authenticate(ctx, basic("alice", "nope"))
	wantFailure(t, err, FailureInvalid, "alice", "password mismatch")
}

func TestChainLookup(t *testing.T) {
	t.Parallel()
	bob1, bob2, carol := &Identity{Username: "bob", RealmName: "one"}, &Identity{Username: "bob", RealmName: "two"}, &Identity{Username: "carol"}
	c := NewChain(
		&stubRealm{name: "nolookup", users: map[string]*Identity{"bob": {Username: "bob"}}},
		&lookupRealm{stubRealm{name: "one", users: map[string]*Identity{"bob": bob1}}},
		&lookupRealm{stubRealm{name: "two", users: map[string]*Identity{"bob": bob2, "carol": carol}}},
	)
	ctx := t.Context()
	if id, ok := c.Lookup(ctx, "bob"); !ok || id != bob1 {
		t.Fatalf("Lookup(bob) = %v, %v; want the first lookup realm's", id, ok)
	}
	if id, ok := c.Lookup(ctx, "carol"); !ok || id != carol {
		t.Fatalf("Lookup(carol) = %v, %v", id, ok)
	}
	if _, ok := c.Lookup(ctx, "dave"); ok {
		t.Fatal("Lookup(dave) found a user")
	}
}

func TestChainRealmsAndNil(t *testing.T) {
	t.Parallel()
	a, b := &stubRealm{name: "a"}, &stubRealm{name: "b"}
	in := []Realm{a, b}
	c := NewChain(in...)
	in[0] = b
	got := c.Realms()
	if len(got) != 2 || got[0] != a || got[1] != b {
		t.Fatalf("Realms = %v", got)
	}
	got[0] = nil
	if c.Realms()[0] != a {
		t.Fatal("Realms returned the chain's own slice")
	}
	var nilChain *Chain
	if nilChain.Realms() != nil {
		t.Fatal("nil chain has realms")
	}
	if _, ok := nilChain.Lookup(t.Context(), "a"); ok {
		t.Fatal("nil chain found a user")
	}
	_, err := nilChain.Authenticate(t.Context(), basic("a", "b"))
	var f *Failure
	if !errors.As(err, &f) || f.Kind != FailureInvalid {
		t.Fatalf("nil chain: %v", err)
	}
}

func TestFailureError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		f    Failure
		want string
	}{
		{Failure{Kind: FailureMissing, Reason: "no credentials"}, "auth: missing authentication credentials: no credentials"},
		{Failure{Kind: FailureMalformed, Reason: reasonBasicEncoding}, "auth: malformed authentication credentials: invalid basic authentication header encoding"},
		{Failure{Kind: FailureInvalid, Realm: "file1", Username: "alice", Reason: "password mismatch"}, "auth: invalid authentication credentials for user [alice] in realm [file1]: password mismatch"},
		{Failure{Kind: FailureExpired, Realm: "keys", Username: "k1"}, "auth: expired authentication credentials for user [k1] in realm [keys]"},
		{Failure{Kind: FailureThrottled}, "auth: authentication throttled"},
	}
	for _, tc := range tests {
		if got := tc.f.Error(); got != tc.want {
			t.Errorf("Error() = %q; want %q", got, tc.want)
		}
	}
	for k, want := range map[FailureKind]string{FailureMissing: "missing", FailureMalformed: "malformed", FailureInvalid: "invalid", FailureExpired: "expired", FailureThrottled: "throttled", 99: "unknown"} {
		if got := k.String(); got != want {
			t.Errorf("FailureKind(%d).String() = %q; want %q", k, got, want)
		}
	}
}

// TestFailuresNeverCarryThePassword runs every failing path with a recognisable
// password and checks the error text.
func TestFailuresNeverCarryThePassword(t *testing.T) {
	t.Parallel()
	const secret = "S3cr3t-Zebra"
	fr, _, _ := countingRealm(t, CacheOptions{})
	c := NewChain(fr)
	ctx := t.Context()
	var errs []error
	for _, cred := range []Credentials{
		basic("alice", secret), basic("mallory", secret), basic(secret, secret+"x"),
		{Scheme: SchemeAPIKey, APIKeyID: "id", APIKeySecret: secret},
		{Scheme: SchemeBearer, Token: secret},
	} {
		_, err := c.Authenticate(ctx, cred)
		errs = append(errs, err)
	}
	for _, h := range []string{"Basic " + b64(":"+secret), "Basic " + b64("a\x01:"+secret), "Bearer " + secret + " x"} {
		_, err := ParseAuthorization(h)
		errs = append(errs, err)
	}
	for _, err := range errs {
		if err == nil {
			t.Fatal("a failing path succeeded")
		}
		msg := strings.ReplaceAll(err.Error(), "user ["+secret+"]", "")
		if strings.Contains(msg, secret) {
			t.Fatalf("error carries the password: %v", err)
		}
	}
}
