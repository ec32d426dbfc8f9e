package config

import (
	"encoding/base64"
	"sync"
	"sync/atomic"
	"time"
)

// Store holds the snapshot in force. Requests Load it once and keep that snapshot for
// their whole life; Reload swaps in a new one only when it loads without errors, so a
// request never sees a half-built configuration.
type Store struct {
	path string
	cur  atomic.Pointer[Snapshot]

	mu     sync.Mutex // serialises reloads and guards hooks
	hooks  []func(ReloadStatus)
	status atomic.Pointer[ReloadStatus]
}

// ReloadStatus describes the last reload attempt and counts all of them.
type ReloadStatus struct {
	// Time is when the last reload finished; zero when none was attempted.
	Time time.Time
	// OK reports whether the last reload swapped in a new snapshot.
	OK bool
	// Problems are the problems of the last reload: errors when it failed, warnings otherwise.
	Problems Problems
	// Succeeded and Failed count reloads since the store was created.
	Succeeded, Failed uint64
}

// Attempted reports whether any reload was attempted.
func (r ReloadStatus) Attempted() bool { return !r.Time.IsZero() }

// NewStore wraps a loaded snapshot.
func NewStore(s *Snapshot) *Store {
	st := &Store{path: s.Path}
	st.cur.Store(s)
	st.status.Store(&ReloadStatus{OK: true})
	return st
}

// Load returns the snapshot in force.
func (st *Store) Load() *Snapshot { return st.cur.Load() }

// Status returns the outcome of the last reload and the reload counters.
func (st *Store) Status() ReloadStatus { return *st.status.Load() }

// OnReload registers f, called after every reload attempt (successful or not) with its
// status. Hooks run one at a time, in the reloading goroutine, after the swap.
func (st *Store) OnReload(f func(ReloadStatus)) {
	st.mu.Lock()
	st.hooks = append(st.hooks, f)
	st.mu.Unlock()
}

// Reload loads the configuration again. The new snapshot is built and validated
// completely before it is swapped in; on any error the current snapshot stays in force
// and the problems are returned. Concurrent reloads run one after the other.
func (st *Store) Reload() Problems {
	st.mu.Lock()
	defer st.mu.Unlock()
	prev := st.Load()
	s, ps := loadShared(st.path, prev.DynamicAPIKeys, prev.opts, prev)
	next := *st.status.Load()
	next.Time, next.OK, next.Problems = time.Now(), s != nil, ps
	if s != nil {
		st.cur.Store(s)
		next.Succeeded++
	} else {
		next.Failed++
	}
	st.status.Store(&next)
	for _, f := range st.hooks {
		f(next)
	}
	return ps
}

func basicToken(user, pass string) string {
	return base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
}
