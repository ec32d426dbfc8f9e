package proxy

import (
	"hash/maphash"
	"time"

	"github.com/esguard/esguard/auth"
	"github.com/esguard/esguard/config"
)

// authMemo remembers the identity that the last Authorization header verified on a
// client connection, so that the requests that follow on it with the same header skip
// parsing, hashing and the realm's cache. Clients send the same credentials on every
// request of a keep-alive connection, so nearly every request finds it.
//
// What it remembers holds only while all of these do:
//   - the configuration snapshot is the one it was verified under (a reload changes
//     users, keys, realms and role mappings);
//   - no realm cache has been cleared since (auth.Epoch: the clear-cache APIs, a JWT
//     realm's changed key set);
//   - less than authMemoTTL has passed, and the credentials have not expired (a JWT's
//     exp, an API key's expiration).
//
// API keys kept in the cluster are never remembered: the realm reads them again as the
// API key cache TTL says, so an invalidation made elsewhere applies as documented.
//
// The header itself is not kept, only two keyed 64-bit hashes of it under seeds
// chosen at start, so no secret outlives its request in this memo.
type authMemo struct {
	sum   [2]uint64
	snap  *config.Snapshot
	epoch uint64
	id    *auth.Identity
	until time.Time
}

// authMemoTTL bounds how long a connection's memo is used before the realm verifies
// the credentials again.
const authMemoTTL = time.Second

var authMemoSeeds = [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}

func authMemoSum(header []byte) [2]uint64 {
	return [2]uint64{maphash.Bytes(authMemoSeeds[0], header), maphash.Bytes(authMemoSeeds[1], header)}
}

// lookup returns the identity header verified under snap, or nil.
func (m *authMemo) lookup(header []byte, snap *config.Snapshot, now time.Time) *auth.Identity {
	if m.id == nil || m.snap != snap || m.epoch != auth.Epoch() || !now.Before(m.until) || m.sum != authMemoSum(header) {
		return nil
	}
	return m.id
}

// remember records that the header whose authMemoSum is sum verified id under snap, at
// now, with the realm caches at epoch (read before the verification began).
func (m *authMemo) remember(sum [2]uint64, snap *config.Snapshot, epoch uint64, id *auth.Identity, now time.Time) {
	if id.APIKey != nil && !id.APIKey.Static {
		m.forget() // read again from the cluster as its cache TTL says
		return
	}
	until := now.Add(authMemoTTL)
	if !id.Expires.IsZero() && id.Expires.Before(until) {
		until = id.Expires
	}
	*m = authMemo{sum: sum, snap: snap, epoch: epoch, id: id, until: until}
}

// forget drops what m remembers, after credentials on its connection failed.
func (m *authMemo) forget() { *m = authMemo{} }
