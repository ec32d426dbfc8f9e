package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"hash"
	"sync"
	"sync/atomic"
	"time"
)

// Cache defaults, as Elasticsearch's CachingUsernamePasswordRealmSettings
// (cache.max_users and cache.ttl).
const (
	DefaultCacheMaxEntries = 100_000
	DefaultCacheTTL        = 20 * time.Minute
)

// CacheOptions bound a realm's cache of verified credentials. Zero fields take the
// defaults; a negative MaxEntries or TTL turns the cache off (every request pays for a
// hash verification), like Elasticsearch's cache.ttl of 0.
type CacheOptions struct {
	// MaxEntries is the most (user, password) pairs kept; the oldest entries are evicted
	// first. Default DefaultCacheMaxEntries.
	MaxEntries int
	// TTL is how long a verified pair stays valid after it was verified (expire after
	// write). Default DefaultCacheTTL.
	TTL time.Duration
}

// credKey is the cache key of a (user name, password) pair: HMAC-SHA256 under a random
// per-realm key, so neither the password nor an unsalted hash of it is ever stored.
type credKey [sha256.Size]byte

// keyer computes credKeys. It pools HMAC states: crypto/hmac's Reset restores the
// precomputed inner and outer pad states, which halves the SHA-256 work of a key, and
// the pooled scratch buffer keeps the hot path free of allocations.
type keyer struct {
	secret []byte
	pool   sync.Pool
}

type macState struct {
	mac hash.Hash
	buf []byte
	sum credKey
}

// maxPooledBuf bounds the scratch buffer kept in the pool.
const maxPooledBuf = 1024

func newKeyer() *keyer {
	k := &keyer{secret: make([]byte, sha256.Size)}
	_, _ = rand.Read(k.secret) // crypto/rand.Read never fails
	k.pool.New = func() any { return &macState{mac: hmac.New(sha256.New, k.secret)} }
	return k
}

// key returns HMAC-SHA256(secret, username || 0x00 || password).
func (k *keyer) key(username, password string) credKey {
	m := k.pool.Get().(*macState)
	m.buf = append(append(append(m.buf[:0], username...), 0), password...)
	m.mac.Write(m.buf)
	m.mac.Sum(m.sum[:0])
	out := m.sum
	// Reset after use (a new state is ready to use): it also overwrites the message
	// bytes the inner digest still buffers.
	m.mac.Reset()
	clear(m.buf)
	if cap(m.buf) > maxPooledBuf {
		m.buf = nil
	}
	k.pool.Put(m)
	return out
}

// credCache maps credKeys to what they verified (a user, an API key hash). It is split
// into shards, each a map into a ring of slots: entries are evicted oldest first, which
// with a fixed TTL is also the order in which they expire.
type credCache[V any] struct {
	ttl    time.Duration
	mask   uint8
	shards []cacheShard[V]
}

type cacheShard[V any] struct {
	mu    sync.RWMutex
	index map[credKey]int32
	slots []cacheSlot[V]
	max   int
	head  int
	_     [64]byte // keep shards' locks on separate cache lines
}

type cacheSlot[V any] struct {
	key     credKey
	val     V
	expires time.Time
	used    bool
}

// newCredCache returns nil when o turns the cache off.
func newCredCache[V any](o CacheOptions) *credCache[V] {
	if o.MaxEntries < 0 || o.TTL < 0 {
		return nil
	}
	if o.MaxEntries == 0 {
		o.MaxEntries = DefaultCacheMaxEntries
	}
	if o.TTL == 0 {
		o.TTL = DefaultCacheTTL
	}
	n := 1
	if o.MaxEntries >= 1024 {
		n = 16
	}
	c := &credCache[V]{ttl: o.TTL, mask: uint8(n - 1), shards: make([]cacheShard[V], n)}
	for i := range c.shards {
		c.shards[i].index = make(map[credKey]int32)
		c.shards[i].max = o.MaxEntries / n
	}
	return c
}

func (c *credCache[V]) shard(k *credKey) *cacheShard[V] {
	return &c.shards[k[0]&c.mask]
}

// get returns what k verified, if the entry is present and unexpired.
func (c *credCache[V]) get(k *credKey, now time.Time) (V, bool) {
	var v V
	if c == nil {
		return v, false
	}
	s := c.shard(k)
	found := false
	s.mu.RLock()
	if i, ok := s.index[*k]; ok {
		if sl := &s.slots[i]; now.Before(sl.expires) {
			v, found = sl.val, true
		}
	}
	s.mu.RUnlock()
	return v, found
}

// put records that k verified v at now, evicting the oldest entry of a full shard.
func (c *credCache[V]) put(k *credKey, v V, now time.Time) {
	if c == nil {
		return
	}
	s := c.shard(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	if i, ok := s.index[*k]; ok {
		s.slots[i] = cacheSlot[V]{}
		delete(s.index, *k)
	}
	var i int
	if len(s.slots) < s.max {
		s.slots = append(s.slots, cacheSlot[V]{})
		i = len(s.slots) - 1
	} else {
		i = s.head
		s.head = (s.head + 1) % s.max
		if s.slots[i].used {
			delete(s.index, s.slots[i].key)
		}
	}
	s.slots[i] = cacheSlot[V]{key: *k, val: v, expires: now.Add(c.ttl), used: true}
	s.index[*k] = int32(i)
}

func (c *credCache[V]) len() int {
	if c == nil {
		return 0
	}
	n := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.RLock()
		n += len(s.index)
		s.mu.RUnlock()
	}
	return n
}

// epoch counts the clears of every realm's cache (Epoch).
var epoch atomic.Uint64

// Epoch changes each time a realm's cache of verified credentials is cleared (through
// ClearCache, or by a JWT realm whose key set changed). Whoever remembers a verified
// identity outside the realms reads it before authenticating, and drops what it
// remembered once it has changed.
func Epoch() uint64 { return epoch.Load() }

func (c *credCache[V]) clear() {
	if c == nil {
		return
	}
	defer epoch.Add(1) // after the entries are gone: nothing verified before stays valid
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		clear(s.index)
		clear(s.slots)
		s.slots = s.slots[:0]
		s.head = 0
		s.mu.Unlock()
	}
}

// flights lets concurrent first requests with the same credentials share one hash
// verification (bcrypt or PBKDF2 runs are costly): the first caller runs it, the others
// wait for its result. The zero value is ready to use.
type flights struct {
	mu       sync.Mutex
	inflight map[credKey]*verification
}

// verification is one run that concurrent requests with the same credentials wait for.
type verification struct {
	done chan struct{}
	ok   bool
}

// do runs check once for concurrent callers with the same key and returns its result,
// or ctx's error when a waiting caller gives up.
func (f *flights) do(ctx context.Context, k *credKey, check func() bool) (bool, error) {
	f.mu.Lock()
	if v := f.inflight[*k]; v != nil {
		f.mu.Unlock()
		select {
		case <-v.done:
			return v.ok, nil
		case <-ctx.Done():
			return false, ctx.Err()
		}
	}
	if f.inflight == nil {
		f.inflight = map[credKey]*verification{}
	}
	v := &verification{done: make(chan struct{})}
	f.inflight[*k] = v
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		delete(f.inflight, *k)
		f.mu.Unlock()
		close(v.done)
	}()
	v.ok = check()
	return v.ok, nil
}
