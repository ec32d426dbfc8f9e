//go:build !race

package auth

import (
	"strings"
	"testing"
)

// TestAllocations pins the allocation budget of the hot path.
func TestAllocations(t *testing.T) {
	r, _, _ := countingRealm(t, CacheOptions{})
	c := NewChain(r)
	ctx := t.Context()
	cred := basic("alice", "alice-pass")
	if _, err := c.Authenticate(ctx, cred); err != nil {
		t.Fatal(err)
	}
	long := basic("alice", strings.Repeat("p", 400)) // cache key built on the heap
	if got := testing.AllocsPerRun(100, func() {
		if _, err := c.Authenticate(ctx, cred); err != nil {
			t.Fatal(err)
		}
	}); got != 0 {
		t.Errorf("cached Chain.Authenticate: %v allocations; want 0", got)
	}
	if got := testing.AllocsPerRun(100, func() { r.keys.key(long.Username, long.Password) }); got > 1 {
		t.Errorf("cache key of a long password: %v allocations; want at most 1", got)
	}
	header := "Basic " + b64("alice:alice-pass")
	if got := testing.AllocsPerRun(100, func() {
		if _, err := ParseAuthorization(header); err != nil {
			t.Fatal(err)
		}
	}); got != 1 {
		t.Errorf("ParseAuthorization(basic): %v allocations; want 1 (the decoded string)", got)
	}
	bearer := "Bearer abc.def.ghi"
	if got := testing.AllocsPerRun(100, func() {
		if _, err := ParseAuthorization(bearer); err != nil {
			t.Fatal(err)
		}
	}); got != 0 {
		t.Errorf("ParseAuthorization(bearer): %v allocations; want 0", got)
	}
}
