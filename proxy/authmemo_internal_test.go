package proxy

import (
	"testing"
	"time"

	"github.com/esguard/esguard/auth"
	"github.com/esguard/esguard/config"
)

func TestAuthMemoLimits(t *testing.T) {
	snap := &config.Snapshot{}
	header := []byte("Basic YWxpY2U6YWxpY2UtcGFzcw==")
	now := time.Unix(1_800_000_000, 0)
	user := &auth.Identity{Username: "alice"}
	remembered := func(id *auth.Identity) *authMemo {
		m := &authMemo{}
		m.remember(authMemoSum(header), snap, auth.Epoch(), id, now)
		return m
	}

	if got := remembered(user).lookup(header, snap, now.Add(authMemoTTL-time.Nanosecond)); got != user {
		t.Fatalf("within the TTL: %v", got)
	}
	for name, m := range map[string]struct {
		memo   *authMemo
		header []byte
		snap   *config.Snapshot
		at     time.Time
	}{
		"TTL over":            {remembered(user), header, snap, now.Add(authMemoTTL)},
		"another header":      {remembered(user), []byte("Basic YWxpY2U6d3JvbmctcGFzcw=="), snap, now},
		"another snapshot":    {remembered(user), header, &config.Snapshot{}, now},
		"forgotten":           {func() *authMemo { m := remembered(user); m.forget(); return m }(), header, snap, now},
		"credentials expired": {remembered(&auth.Identity{Username: "alice", Expires: now.Add(time.Millisecond)}), header, snap, now.Add(time.Millisecond)},
		"cluster API key":     {remembered(&auth.Identity{Username: "alice", APIKey: &auth.APIKeyGrant{}}), header, snap, now},
	} {
		if got := m.memo.lookup(m.header, m.snap, m.at); got != nil {
			t.Errorf("%s: the memo gave %v", name, got)
		}
	}
	static := &auth.Identity{Username: "alice", APIKey: &auth.APIKeyGrant{Static: true}}
	if got := remembered(static).lookup(header, snap, now); got != static {
		t.Errorf("a static API key is not remembered: %v", got)
	}

	// Clearing any realm's cache drops every memo made before.
	m := remembered(user)
	realm, err := auth.NewFileRealm("", nil, auth.CacheOptions{})
	if err != nil {
		t.Fatal(err)
	}
	realm.ClearCache()
	if got := m.lookup(header, snap, now); got != nil {
		t.Errorf("after a cache clear: %v", got)
	}
}
