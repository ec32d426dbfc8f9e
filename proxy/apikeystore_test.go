package proxy

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/esguard/esguard/config"
	"github.com/esguard/esguard/proxy/proxytest"
)

// apiKeyTestClock is a settable clock for the store's cache.
type apiKeyTestClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *apiKeyTestClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *apiKeyTestClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// newTestAPIKeyStore returns a store on node n whose cache runs on the returned clock.
func newTestAPIKeyStore(t *testing.T, n *proxytest.Node, ttl time.Duration) (*apiKeyStore, *apiKeyTestClock) {
	t.Helper()
	s, err := newAPIKeyStore(config.Upstream{Nodes: []string{n.URL}}, nil, ttl)
	if err != nil {
		t.Fatal(err)
	}
	clk := &apiKeyTestClock{now: time.UnixMilli(1_700_000_000_000)}
	s.now = clk.Now
	return s, clk
}

func testAPIKeyDoc(name, hash string) *apiKeyDoc {
	exp := int64(1_800_000_000_000)
	return &apiKeyDoc{
		Name:       name,
		Hash:       hash,
		Created:    1_700_000_000_000,
		Expiration: &exp,
		RoleDescriptors: map[string]json.RawMessage{
			"reader": json.RawMessage(`{"cluster":["monitor"],"indices":[{"names":["logs-*"],"privileges":["read"],"field_security":{"grant":["*"]}}],"metadata":{"k":[1,{"x":null}]}}`),
		},
		LimitedByRoles: []string{"admin", "dev"},
		Metadata:       map[string]any{"team": "core", "nested": map[string]any{"n": 1.0}},
		Creator: apiKeyCreator{
			Principal: "ann", FullName: "Ann Example", Email: "ann@example.com",
			Realm: "file1", RealmType: "file", Metadata: map[string]any{"any": []any{"thing"}},
		},
	}
}

func TestAPIKeyStoreLifecycle(t *testing.T) {
	t.Parallel()
	n := proxytest.NewNode(t)
	s, _ := newTestAPIKeyStore(t, n, 0)
	ctx := t.Context()

	if err := s.create(ctx, "key1", testAPIKeyDoc("one", "hash1")); err != nil {
		t.Fatalf("create: %v", err)
	}
	if err := s.create(ctx, "key2", testAPIKeyDoc("two", "hash2")); err != nil {
		t.Fatalf("create: %v", err)
	}

	// Stored with Elasticsearch's field names, defaults filled in, no secret.
	var raw map[string]any
	if err := json.Unmarshal(n.Docs(apiKeyIndex)["key1"], &raw); err != nil {
		t.Fatal(err)
	}
	for field, want := range map[string]any{
		"doc_type": "api_key", "type": "rest", "name": "one", "api_key_hash": "hash1", "api_key_invalidated": false,
		"creation_time": 1.7e12, "expiration_time": 1.8e12,
	} {
		if raw[field] != want {
			t.Errorf("stored %s = %v, want %v", field, raw[field], want)
		}
	}
	if _, ok := raw["invalidation_time"]; ok {
		t.Error("invalidation_time stored for a valid key")
	}

	got, found, err := s.get(ctx, "key1")
	if err != nil || !found {
		t.Fatalf("get: %v %v", found, err)
	}
	want := testAPIKeyDoc("one", "hash1")
	want.DocType, want.Type = "api_key", "rest"
	if !reflect.DeepEqual(got, want) {
		t.Errorf("get = %+v\nwant %+v", got, want)
	}

	all, err := s.all(ctx)
	if err != nil {
		t.Fatalf("all: %v", err)
	}
	if len(all) != 2 || all[0].ID != "key1" || all[1].ID != "key2" || all[1].Doc.Name != "two" {
		t.Errorf("all = %+v", all)
	}

	at := time.UnixMilli(1_750_000_000_000)
	inv, prev, err := s.invalidate(ctx, []string{"key1", "nope", "key1", "bad/id"}, at)
	if err != nil || !slices.Equal(inv, []string{"key1"}) || len(prev) != 0 {
		t.Fatalf("invalidate = %v %v %v", inv, prev, err)
	}
	got, found, err = s.get(ctx, "key1")
	if err != nil || !found || !got.Invalidated || got.InvalidationTime == nil || *got.InvalidationTime != at.UnixMilli() {
		t.Fatalf("get after invalidate: %+v %v %v", got, found, err)
	}
	if got.Name != "one" || got.Hash != "hash1" || len(got.RoleDescriptors) != 1 {
		t.Errorf("invalidate changed other fields: %+v", got)
	}
	inv, prev, err = s.invalidate(ctx, []string{"key2", "key1"}, at)
	if err != nil || !slices.Equal(inv, []string{"key2"}) || !slices.Equal(prev, []string{"key1"}) {
		t.Errorf("second invalidate = %v %v %v", inv, prev, err)
	}
	all, err = s.all(ctx)
	if err != nil || len(all) != 2 || !all[0].Doc.Invalidated || !all[1].Doc.Invalidated {
		t.Errorf("all after invalidate = %+v %v", all, err)
	}

	// The index is hidden, with strict mappings.
	api := s.es.Indices.Get
	res, err := api([]string{apiKeyIndex}, api.WithContext(ctx), api.WithOpaqueID(apiKeysOpaqueID))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var ix map[string]struct {
		Settings struct {
			Index struct {
				Hidden             string `json:"hidden"`
				AutoExpandReplicas string `json:"auto_expand_replicas"`
			} `json:"index"`
		} `json:"settings"`
		Mappings struct {
			Dynamic string `json:"dynamic"`
		} `json:"mappings"`
	}
	if b, _ := io.ReadAll(res.Body); json.Unmarshal(b, &ix) != nil {
		t.Fatalf("GET index: %s", b)
	}
	if i := ix[apiKeyIndex]; i.Settings.Index.Hidden != "true" || i.Settings.Index.AutoExpandReplicas != "0-1" || i.Mappings.Dynamic != "strict" {
		t.Errorf("index = %+v", i)
	}
	if n.Count() != 0 {
		t.Errorf("store requests were recorded as client requests: %d", n.Count())
	}
}

func TestAPIKeyStoreSharedBetweenInstances(t *testing.T) {
	t.Parallel()
	n := proxytest.NewNode(t)
	ttl := time.Second
	s1, _ := newTestAPIKeyStore(t, n, ttl)
	s2, clk2 := newTestAPIKeyStore(t, n, ttl)
	ctx := t.Context()

	// s2 caches "no such key" before s1 creates it.
	if _, found, err := s2.get(ctx, "shared"); err != nil || found {
		t.Fatalf("get before create: %v %v", found, err)
	}
	if err := s1.create(ctx, "shared", testAPIKeyDoc("shared", "h")); err != nil {
		t.Fatal(err)
	}
	if _, found, _ := s2.get(ctx, "shared"); found {
		t.Error("negative cache entry ignored before its TTL")
	}
	clk2.Advance(ttl)
	if d, found, err := s2.get(ctx, "shared"); err != nil || !found || d.Invalidated {
		t.Fatalf("s2 get after TTL: %+v %v %v", d, found, err)
	}

	// An invalidation through s1 reaches s2 after s2's TTL.
	if inv, _, err := s1.invalidate(ctx, []string{"shared"}, time.Now()); err != nil || len(inv) != 1 {
		t.Fatalf("invalidate: %v %v", inv, err)
	}
	if d, _, _ := s2.get(ctx, "shared"); d.Invalidated {
		t.Error("s2 did not serve its cached copy")
	}
	clk2.Advance(ttl / 2)
	if d, _, _ := s2.get(ctx, "shared"); d.Invalidated {
		t.Error("s2 cache entry expired early")
	}
	clk2.Advance(ttl / 2)
	if d, _, err := s2.get(ctx, "shared"); err != nil || !d.Invalidated {
		t.Errorf("s2 after TTL: %+v %v", d, err)
	}

	// ... and at once when s2 evicts it. s2 also creates keys in the index s1 made.
	if err := s2.create(ctx, "other", testAPIKeyDoc("other", "h2")); err != nil {
		t.Fatal(err)
	}
	if d, _, _ := s2.get(ctx, "other"); d.Invalidated {
		t.Fatal("new key invalidated")
	}
	if _, _, err := s1.invalidate(ctx, []string{"other"}, time.Now()); err != nil {
		t.Fatal(err)
	}
	s2.evict("other")
	if d, _, err := s2.get(ctx, "other"); err != nil || !d.Invalidated {
		t.Errorf("s2 after evict: %+v %v", d, err)
	}
	if all, err := s1.all(ctx); err != nil || len(all) != 2 {
		t.Errorf("s1 all = %+v %v", all, err)
	}
}

func TestAPIKeyStoreConcurrentInvalidate(t *testing.T) {
	t.Parallel()
	n := proxytest.NewNode(t)
	s1, _ := newTestAPIKeyStore(t, n, 0)
	s2, _ := newTestAPIKeyStore(t, n, 0)
	ctx := t.Context()
	if err := s1.create(ctx, "k", testAPIKeyDoc("k", "h")); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	results := make([][2][]string, 2)
	for i, s := range []*apiKeyStore{s1, s2} {
		wg.Go(func() {
			inv, prev, err := s.invalidate(ctx, []string{"k"}, time.Now())
			if err != nil {
				t.Error(err)
			}
			results[i] = [2][]string{inv, prev}
		})
	}
	wg.Wait()
	inv := len(results[0][0]) + len(results[1][0])
	prev := len(results[0][1]) + len(results[1][1])
	if inv != 1 || prev != 1 {
		t.Errorf("invalidated by both or neither: %v", results)
	}
}

func TestAPIKeyStoreConflict(t *testing.T) {
	t.Parallel()
	n := proxytest.NewNode(t)
	s, _ := newTestAPIKeyStore(t, n, 0)
	ctx := t.Context()
	if err := s.create(ctx, "dup", testAPIKeyDoc("a", "h1")); err != nil {
		t.Fatal(err)
	}
	err := s.create(ctx, "dup", testAPIKeyDoc("b", "h2"))
	if !errors.Is(err, errAPIKeyExists) {
		t.Fatalf("duplicate create: %v", err)
	}
	if se, ok := errors.AsType[*apiKeyStoreError](err); !ok || se.Status != 409 || se.Type != "version_conflict_engine_exception" {
		t.Errorf("duplicate create error: %#v", err)
	}
	// The same document again (a retry whose first answer was lost) is no conflict.
	if err := s.create(ctx, "dup", testAPIKeyDoc("a", "h1")); err != nil {
		t.Errorf("repeated create: %v", err)
	}
	if d, _, _ := s.get(ctx, "dup"); d.Name != "a" {
		t.Errorf("conflicting create replaced the key: %+v", d)
	}
}

func TestAPIKeyStoreClusterFailure(t *testing.T) {
	t.Parallel()
	n := proxytest.NewNode(t)
	s, _ := newTestAPIKeyStore(t, n, 0)
	ctx := t.Context()
	if err := s.create(ctx, "cached", testAPIKeyDoc("c", "h")); err != nil {
		t.Fatal(err)
	}
	if _, found, err := s.get(ctx, "cached"); err != nil || !found {
		t.Fatal(found, err)
	}

	n.FailAPIKeys(true)
	_, found, err := s.get(ctx, "other")
	if se, ok := errors.AsType[*apiKeyStoreError](err); !ok || found || se.Status != 503 || se.Type != "unavailable_shards_exception" {
		t.Errorf("get: %v %v", found, err)
	}
	if err := s.create(ctx, "new", testAPIKeyDoc("n", "h")); err == nil || errors.Is(err, errAPIKeyExists) {
		t.Errorf("create: %v", err)
	}
	if keys, err := s.all(ctx); err == nil {
		t.Errorf("all: %v", keys)
	}
	if _, _, err := s.invalidate(ctx, []string{"cached"}, time.Now()); err == nil {
		t.Error("invalidate: no error")
	}
	// A key read before the failure stays usable until its TTL, unless invalidate evicted it.
	if _, _, err := s.get(ctx, "cached"); err == nil {
		t.Error("get of an evicted key during the failure: no error")
	}
	n.FailAPIKeys(false)
	if _, found, err := s.get(ctx, "cached"); err != nil || !found {
		t.Errorf("after recovery: %v %v", found, err)
	}

	// No cluster at all.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	down, err := newAPIKeyStore(config.Upstream{Nodes: []string{"http://" + addr}}, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, found, err := down.get(ctx, "x"); err == nil || found {
		t.Errorf("unreachable get: %v %v", found, err)
	}
	if err := down.create(ctx, "x", testAPIKeyDoc("x", "h")); err == nil {
		t.Error("unreachable create: no error")
	}
}

func TestAPIKeyStoreCache(t *testing.T) {
	t.Parallel()
	n := proxytest.NewNode(t)
	s, clk := newTestAPIKeyStore(t, n, time.Second)
	ctx := t.Context()
	if err := s.create(ctx, "k", testAPIKeyDoc("k", "h")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		id       string
		advance  time.Duration
		requests int
		found    bool
	}{
		{"first read", "k", 0, 1, true},
		{"cache hit", "k", 0, 0, true},
		{"still fresh", "k", 999 * time.Millisecond, 0, true},
		{"expired", "k", time.Millisecond, 1, true},
		{"unknown", "nope", 0, 1, false},
		{"negative hit", "nope", 0, 0, false},
		{"malformed id", "a/../../_search", 0, 0, false},
	}
	for _, tc := range tests {
		clk.Advance(tc.advance)
		before := n.APIKeyRequests()
		_, found, err := s.get(ctx, tc.id)
		if got := n.APIKeyRequests() - before; err != nil || found != tc.found || got != tc.requests {
			t.Errorf("%s: found %v err %v, %d requests; want found %v, %d requests", tc.name, found, err, got, tc.found, tc.requests)
		}
	}

	// A negative TTL disables the cache.
	nc, _ := newTestAPIKeyStore(t, n, -1)
	for range 2 {
		before := n.APIKeyRequests()
		if _, _, err := nc.get(ctx, "k"); err != nil || n.APIKeyRequests() != before+1 {
			t.Errorf("uncached get: %v, %d requests", err, n.APIKeyRequests()-before)
		}
	}
}

func TestAPIKeyStoreCacheBounds(t *testing.T) {
	t.Parallel()
	s := &apiKeyStore{ttl: time.Second, cache: map[string]apiKeyCacheEntry{}, max: 10}
	clk := &apiKeyTestClock{now: time.Unix(1000, 0)}
	s.now = clk.Now
	doc := &apiKeyDoc{Name: "x"}
	for i := range 10 {
		s.remember(fmt.Sprint("pos", i), doc, s.gen)
	}
	// Unknown ids do not push out real keys.
	for i := range 50 {
		s.remember(fmt.Sprint("neg", i), nil, s.gen)
	}
	if len(s.cache) != 10 {
		t.Fatalf("cache holds %d entries", len(s.cache))
	}
	for k := range s.cache {
		if s.cache[k].doc == nil {
			t.Errorf("negative entry %s displaced a key", k)
		}
	}
	// Real keys make room by dropping arbitrary entries.
	s.remember("pos-new", doc, s.gen)
	if _, ok := s.cache["pos-new"]; !ok || len(s.cache) > 10 {
		t.Errorf("after a new key: %d entries, new present %v", len(s.cache), ok)
	}
	// Expired entries go first.
	clk.Advance(2 * time.Second)
	s.remember("neg-late", nil, s.gen)
	if _, ok := s.cache["neg-late"]; !ok || len(s.cache) != 1 {
		t.Errorf("after expiry: %d entries, new present %v", len(s.cache), ok)
	}

	// A read that began before an eviction is not cached.
	gen := s.gen
	s.evict("stale")
	s.remember("stale", doc, gen)
	if _, ok := s.cache["stale"]; ok {
		t.Error("stale read cached after evict")
	}
}

func TestAPIKeyStoreMissingIndex(t *testing.T) {
	t.Parallel()
	n := proxytest.NewNode(t)
	s, _ := newTestAPIKeyStore(t, n, 0)
	ctx := t.Context()
	if d, found, err := s.get(ctx, "k"); d != nil || found || err != nil {
		t.Errorf("get = %v %v %v", d, found, err)
	}
	if keys, err := s.all(ctx); keys != nil || err != nil {
		t.Errorf("all = %v %v", keys, err)
	}
	if inv, prev, err := s.invalidate(ctx, []string{"k"}, time.Now()); inv != nil || prev != nil || err != nil {
		t.Errorf("invalidate = %v %v %v", inv, prev, err)
	}
	if n.Docs(apiKeyIndex) != nil {
		t.Error("reads created the index")
	}
	if err := s.create(ctx, "bad id", testAPIKeyDoc("x", "h")); err == nil {
		t.Error("create with a malformed id: no error")
	}
}

func TestAPIKeyStoreConcurrentUse(t *testing.T) {
	t.Parallel()
	n := proxytest.NewNode(t)
	s, _ := newTestAPIKeyStore(t, n, 0)
	ctx := t.Context()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			id := fmt.Sprint("k", i%4)
			if err := s.create(ctx, id, testAPIKeyDoc(id, id)); err != nil {
				t.Error(err)
			}
			for range 20 {
				if _, found, err := s.get(ctx, id); err != nil || !found {
					t.Error(found, err)
				}
				s.evict(fmt.Sprint("k", (i+1)%4))
			}
		})
	}
	wg.Wait()
	if keys, err := s.all(ctx); err != nil || len(keys) != 4 {
		t.Errorf("all = %v %v", keys, err)
	}
}
