package config

import (
	"encoding/base64"
	"sync/atomic"
)

// Store holds the snapshot in force. Requests Load it once and keep that snapshot for
// their whole life; Reload swaps in a new one only when it loads without errors.
type Store struct {
	path string
	cur  atomic.Pointer[Snapshot]
}

// NewStore wraps a loaded snapshot.
func NewStore(s *Snapshot) *Store {
	st := &Store{path: s.Path}
	st.cur.Store(s)
	return st
}

// Load returns the snapshot in force.
func (st *Store) Load() *Snapshot { return st.cur.Load() }

// Reload loads the configuration again. On any error the current snapshot stays in
// force and the problems are returned.
func (st *Store) Reload() Problems {
	s, ps := Load(st.path)
	if s != nil {
		st.cur.Store(s)
	}
	return ps
}

func basicToken(user, pass string) string {
	return base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
}
