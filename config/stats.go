package config

import (
	"path/filepath"
	"sync/atomic"
)

// Counters of Snapshot.Permission's cache, over every snapshot of the process.
var permissionHits, permissionMisses atomic.Uint64

// PermissionCacheStats returns how many Snapshot.Permission calls found the compiled
// permission cached (hits) and how many compiled it (misses), since the process started.
func PermissionCacheStats() (hits, misses uint64) {
	return permissionHits.Load(), permissionMisses.Load()
}

// absPath returns p made absolute, or p when that fails.
func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}
