package privileges

import (
	"fmt"
	"sync"
	"testing"
)

// TestMatchMemoKeepsDecisions asks a regexp-holding role set about many more names than
// the memo holds, from several goroutines and more than once: every answer must be the
// one the patterns give, whatever the memo evicted.
func TestMatchMemoKeepsDecisions(t *testing.T) {
	p := mustCompile(t, indexRole("r", []string{"write"}, "/logs-[0-9]+/", "*-audit-?", "/(web|api)-[a-z]+/", "exact", "team-*"))
	const action = "indices:data/write/index:op_type/index"
	names := make([]string, 0, 4*memoSlots)
	for i := range memoSlots {
		names = append(names, fmt.Sprintf("logs-%d", i), fmt.Sprintf("logs-%dx", i), fmt.Sprintf("web-%c", 'a'+i%26), fmt.Sprintf("x%d-audit-1", i))
	}
	want := func(n string) bool {
		var np [5]namePattern
		for i, src := range []string{"/logs-[0-9]+/", "*-audit-?", "/(web|api)-[a-z]+/", "exact", "team-*"} {
			np[i], _ = compileNamePattern(src)
			if np[i].match(n) {
				return true
			}
		}
		return false
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for round := range 3 {
				for i := range names {
					n := names[(i+g*97+round*31)%len(names)]
					if got := p.Index(action, n); got != want(n) {
						t.Errorf("Index(%q) = %v, want %v", n, got, !got)
						return
					}
				}
			}
		})
	}
	wg.Wait()
}
