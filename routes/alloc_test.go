//go:build !race

package routes

import "testing"

// TestMatchDoesNotAllocate pins the hot path's allocation budget: nothing, unless a
// parameter needs percent-decoding (one string) or matching fails.
func TestMatchDoesNotAllocate(t *testing.T) {
	tb := Default()
	tests := []struct {
		method, path string
		allocs       float64
	}{
		{"GET", "/_cluster/health", 0},
		{"GET", "/logs-1,logs-2/_search?size=0", 0},
		{"PUT", "/logs/_doc/1", 0},
		{"PUT", "/_cluster", 0},
		{"GET", "/logs/_mvt/geo/1/2/3", 0},
		{"GET", "/", 0},
		{"GET", "/%3Clogs-%7Bnow%7D%3E/_search", 1},
	}
	for _, tt := range tests {
		var m Match
		got := testing.AllocsPerRun(100, func() {
			m, _ = tb.Match(tt.method, tt.path)
			_, _ = m.Param("index")
		})
		if got != tt.allocs {
			t.Errorf("Match(%s %s): %v allocations, want %v", tt.method, tt.path, got, tt.allocs)
		}
	}
	if got := testing.AllocsPerRun(100, func() { _, _ = tb.Match("GET", "/_no/such/thing/here") }); got != 0 {
		t.Errorf("unknown route: %v allocations, want 0", got)
	}
}
