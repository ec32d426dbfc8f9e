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

// TestExpandLeavesMemo checks that expanding a wildcard over many names does not fill
// the memo of a regex-holding role set, which is kept for the names requests name.
func TestExpandLeavesMemo(t *testing.T) {
	const search = "indices:data/read/search"
	var indices []IndexMeta
	for i := range 2000 {
		indices = append(indices, IndexMeta{Name: fmt.Sprintf("logs-%d", i)})
	}
	md := NewMetadata(indices, nil, nil)
	p := mustCompile(t, indexRole("r", []string{"read"}, "/logs-1[0-9]*/", "*-audit-?", "team-*"))
	memo := p.entry(search).view.ordinary.memo
	if memo == nil {
		t.Fatal("the role set should have a memo")
	}
	req := ResolveRequest{Action: search, Expressions: []string{"*"}, Options: IndicesOptions{ExpandOpen: true}}
	res, err := Resolve(p, md, req)
	if err != nil || len(res.Indices) != 1111 {
		t.Fatalf("Resolve(*) = %d names, %v; want logs-1 and logs-1*", len(res.Indices), err)
	}
	if memo.table.Load() != nil {
		t.Error("the expansion filled the memo")
	}
	if !p.Index(search, "logs-12") || memo.table.Load() == nil {
		t.Error("a single decision should still be remembered")
	}
}
