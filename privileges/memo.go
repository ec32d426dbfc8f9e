package privileges

import (
	"hash/maphash"
	"strings"
	"sync/atomic"
)

// memoSlots is the size of a matchMemo's table: a power of two, large enough that the
// few dozen names a cluster's requests keep naming rarely share a pair of slots.
const memoSlots = 256

// memoScanned is the number of scanned members (general wildcards and regexps) from
// which a nameSet remembers outcomes; below it, scanning is as cheap as a lookup.
const memoScanned = 4

// matchMemo remembers, by name, the outcome of the scanned part of a nameSet (its
// general wildcard patterns and regexps, which cost a pattern match each), so that a
// name named again costs one hash and one string comparison. It is a fixed table of
// two-way buckets: an entry is overwritten when a third name lands on its bucket, so
// memory stays bounded whatever names arrive. Lookups take no lock and do not allocate;
// recording an outcome allocates one entry. Safe for concurrent use.
type matchMemo struct {
	seed  maphash.Seed
	table atomic.Pointer[[memoSlots]atomic.Pointer[memoEntry]] // allocated on first record
}

type memoEntry struct {
	name  string
	match bool
}

func newMatchMemo() *matchMemo { return &matchMemo{seed: maphash.MakeSeed()} }

// bucket returns the first slot of name's bucket.
func (m *matchMemo) bucket(name string) uint64 {
	return maphash.String(m.seed, name) & (memoSlots - 2)
}

// get returns the remembered outcome for name, if any.
func (m *matchMemo) get(name string) (match, ok bool) {
	t := m.table.Load()
	if t == nil {
		return false, false
	}
	i := m.bucket(name)
	if e := t[i].Load(); e != nil && e.name == name {
		return e.match, true
	}
	if e := t[i+1].Load(); e != nil && e.name == name {
		return e.match, true
	}
	return false, false
}

// put remembers the outcome for name: in a free slot of its bucket, else in place of the
// bucket's second entry, whose first entry moves there.
func (m *matchMemo) put(name string, match bool) {
	t := m.table.Load()
	if t == nil {
		t = new([memoSlots]atomic.Pointer[memoEntry])
		if !m.table.CompareAndSwap(nil, t) {
			t = m.table.Load()
		}
	}
	e := &memoEntry{name: strings.Clone(name), match: match}
	i := m.bucket(name)
	if t[i].CompareAndSwap(nil, e) {
		return
	}
	if old := t[i].Swap(e); old != nil {
		t[i+1].Store(old)
	}
}
