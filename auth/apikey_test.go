package auth

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/esguard/esguard/privileges"
)

type keySource map[string]*APIKey

func (s keySource) APIKey(_ context.Context, id string) (*APIKey, error) {
	if id == "broken" {
		return nil, errors.New("cluster unavailable")
	}
	return s[id], nil
}

func mustHash(t *testing.T, secret string) string {
	t.Helper()
	h, err := HashPassword([]byte(secret), 4)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestAPIKeyRealm(t *testing.T) {
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	owners, err := NewFileRealm("", []FileUser{
		{Username: "alice", Hash: mustHash(t, "pw"), Roles: []string{"logs_reader"}, FullName: "Alice"},
	}, CacheOptions{})
	if err != nil {
		t.Fatal(err)
	}
	writer := &privileges.RoleDescriptor{Name: "writer", Indices: []privileges.IndicesPrivileges{{Names: []string{"logs-*"}, Privileges: []string{"create_doc"}}}}
	static := []*APIKey{
		{ID: "static1", Name: "ingest", Owner: "alice", Hash: mustHash(t, "s3cret"), RoleDescriptors: []*privileges.RoleDescriptor{writer}, Static: true},
		{ID: "gone", Owner: "nobody", Hash: mustHash(t, "x"), Static: true},
		{ID: "old", Owner: "alice", Hash: HashAPIKeySecret("x"), Expiration: now.Add(-time.Second), Static: true},
		{ID: "dead", Owner: "alice", Hash: HashAPIKeySecret("x"), Invalidated: true, Static: true},
	}
	dynamic := keySource{
		"dyn1":    {ID: "dyn1", Name: "d", Owner: "alice", OwnerRealm: "default_file", OwnerRealmType: "file", Hash: HashAPIKeySecret("dsecret"), LimitedBy: []string{"stale_role"}},
		"jwtkey":  {ID: "jwtkey", Owner: "carol", OwnerRealm: "corp", OwnerRealmType: "jwt", Hash: HashAPIKeySecret("j"), LimitedBy: []string{"jwt_role"}},
		"static1": {ID: "static1", Owner: "mallory", Hash: HashAPIKeySecret("s3cret")},
	}
	r, err := NewAPIKeyRealm(APIKeyRealmOptions{Static: static, Dynamic: dynamic, Owners: owners, LookupRealms: []string{"default_file"}, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, tc := range []struct {
		name, id, secret string
		wantUser         string
		wantLimited      []string
		wantKind         FailureKind
		wantReason       string
		wantErr          bool
	}{
		{name: "static", id: "static1", secret: "s3cret", wantUser: "alice", wantLimited: []string{"logs_reader"}},
		{name: "static wins over dynamic", id: "static1", secret: "s3cret", wantUser: "alice", wantLimited: []string{"logs_reader"}},
		{name: "wrong secret", id: "static1", secret: "nope", wantKind: FailureInvalid, wantReason: "invalid credentials for API key [static1]"},
		{name: "unknown id", id: "nope", secret: "x", wantKind: FailureInvalid, wantReason: "unable to find apikey with id nope"},
		{name: "expired", id: "old", secret: "x", wantKind: FailureExpired, wantReason: "api key is expired"},
		{name: "invalidated", id: "dead", secret: "x", wantKind: FailureInvalid, wantReason: "api key [dead] has been invalidated"},
		{name: "owner gone", id: "gone", secret: "x", wantKind: FailureInvalid, wantReason: "the owner [nobody] of api key [gone] no longer exists"},
		{name: "dynamic, owner's current roles", id: "dyn1", secret: "dsecret", wantUser: "alice", wantLimited: []string{"logs_reader"}},
		{name: "dynamic, owner without lookup", id: "jwtkey", secret: "j", wantUser: "carol", wantLimited: []string{"jwt_role"}},
		{name: "dynamic wrong secret", id: "dyn1", secret: "x", wantKind: FailureInvalid, wantReason: "invalid credentials for API key [dyn1]"},
		{name: "source failure", id: "broken", secret: "x", wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id, err := r.Authenticate(ctx, Credentials{Scheme: SchemeAPIKey, APIKeyID: tc.id, APIKeySecret: tc.secret})
			if tc.wantUser != "" {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				if id.Username != tc.wantUser || id.AuthType != AuthTypeAPIKey || id.RealmName != APIKeyRealmName || id.APIKeyID != tc.id || id.APIKey == nil {
					t.Fatalf("identity = %+v", id)
				}
				if !slices.Equal(id.APIKey.LimitedBy, tc.wantLimited) {
					t.Errorf("LimitedBy = %v, want %v", id.APIKey.LimitedBy, tc.wantLimited)
				}
				if len(id.Roles) != 0 {
					t.Errorf("Roles = %v, want none (an API key's privileges are its grant)", id.Roles)
				}
				return
			}
			var f *Failure
			if tc.wantErr {
				if err == nil || errors.As(err, &f) {
					t.Fatalf("err = %v, want a non-Failure error", err)
				}
				return
			}
			if !errors.As(err, &f) || f.Kind != tc.wantKind || f.Reason != tc.wantReason {
				t.Fatalf("err = %#v, want %v %q", err, tc.wantKind, tc.wantReason)
			}
		})
	}
	if _, err := r.Authenticate(ctx, Credentials{Scheme: SchemeBasic, Username: "alice", Password: "pw"}); !errors.Is(err, ErrNotHandled) {
		t.Errorf("basic credentials: err = %v, want ErrNotHandled", err)
	}
}

func TestAPIKeyRealmCacheFollowsHash(t *testing.T) {
	src := keySource{"k": {ID: "k", Owner: "svc", Hash: HashAPIKeySecret("one")}}
	r, err := NewAPIKeyRealm(APIKeyRealmOptions{Dynamic: src})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	cred := Credentials{Scheme: SchemeAPIKey, APIKeyID: "k", APIKeySecret: "one"}
	if _, err := r.Authenticate(ctx, cred); err != nil {
		t.Fatal(err)
	}
	if n := r.cache.len(); n != 1 {
		t.Fatalf("cache holds %d entries, want 1", n)
	}
	// The key is replaced by one with another secret: the cached verification of the
	// old hash must not carry over.
	src["k"] = &APIKey{ID: "k", Owner: "svc", Hash: HashAPIKeySecret("two")}
	if _, err := r.Authenticate(ctx, cred); err == nil {
		t.Fatal("old secret accepted after the key's hash changed")
	}
	// Invalidation applies to a cached secret at once.
	src["k"] = &APIKey{ID: "k", Owner: "svc", Hash: src["k"].Hash, Invalidated: true}
	if _, err := r.Authenticate(ctx, Credentials{Scheme: SchemeAPIKey, APIKeyID: "k", APIKeySecret: "two"}); err == nil {
		t.Fatal("invalidated key accepted")
	}
}

func TestAPIKeyHashes(t *testing.T) {
	h := HashAPIKeySecret("secret")
	if h == HashAPIKeySecret("secret") {
		t.Error("hashes must be salted")
	}
	if err := CheckAPIKeyHash(h); err != nil {
		t.Fatal(err)
	}
	if !checkAPIKeySecret(h, "secret") || checkAPIKeySecret(h, "secreT") {
		t.Error("{SSHA256} verification is wrong")
	}
	for _, bad := range []string{"{SSHA256}", "{SSHA256}!!", "plain", ""} {
		if CheckAPIKeyHash(bad) == nil {
			t.Errorf("CheckAPIKeyHash(%q) accepted", bad)
		}
	}
	if _, err := NewAPIKeyRealm(APIKeyRealmOptions{Static: []*APIKey{{ID: "a", Hash: h}, {ID: "a", Hash: h}, {ID: "b:c", Hash: h}, {ID: "d", Hash: "plain"}}}); err == nil {
		t.Error("duplicate ids, a ':' in an id and a plain-text hash must be refused")
	}
	if id, s := NewAPIKeyID(), NewAPIKeySecret(); len(id) != 20 || len(s) != 22 {
		t.Errorf("id %q secret %q: want 20 and 22 characters", id, s)
	}
}
