package privileges

import (
	"fmt"
	"runtime"
	"testing"
)

// The scaling benchmarks show how decisions grow with the role set and with the
// cluster's metadata. Compare the ns/op of one size with the next: a flat line means
// the cost does not depend on the size.

// BenchmarkScaleRoles decides a search on one concrete index as the role set grows
// from 10 to 10,000 index patterns, after compilation. compiled-KiB is the heap the
// compiled permission holds.
func BenchmarkScaleRoles(b *testing.B) {
	const search = "indices:data/read/search"
	for _, n := range []int{10, 100, 1000, 10000} {
		roles := benchRoles(n)
		var p *Permission
		kib := heapGrowth(func() {
			var err error
			if p, err = Compile(ES9(), roles); err != nil {
				b.Fatal(err)
			}
		}) / 1024
		last := (n - 1) / 10 * 10
		granted := []string{fmt.Sprintf("team%d-logs-2024.01.01", last)}
		denied := []string{"secret"}
		if !Authorize(p, search, granted, IndexOptions{}).Allowed || Authorize(p, search, denied, IndexOptions{}).Allowed {
			b.Fatalf("patterns=%d: wrong decisions", n)
		}
		for _, tc := range []struct {
			name    string
			indices []string
		}{{"granted", granted}, {"denied", denied}} {
			b.Run(fmt.Sprintf("patterns=%d/%s", n, tc.name), func(b *testing.B) {
				b.ReportAllocs()
				b.ReportMetric(float64(kib), "compiled-KiB")
				for b.Loop() {
					Authorize(p, search, tc.indices, IndexOptions{})
				}
			})
		}
	}
}

// BenchmarkScaleMetadata resolves wildcards against clusters of 100 to 100,000 indices
// (one alias per ten indices) for a user granted one team's indices: "team-7-*" names
// that team's indices directly, "*" narrows every name to them.
func BenchmarkScaleMetadata(b *testing.B) {
	const search = "indices:data/read/search"
	p, err := Compile(ES9(), []*RoleDescriptor{{Name: "team7", Indices: []IndicesPrivileges{
		{Names: []string{"team-7-*"}, Privileges: []string{"read"}},
	}}})
	if err != nil {
		b.Fatal(err)
	}
	opts := IndicesOptions{ExpandOpen: true, AllowNoIndices: true}
	for _, n := range []int{100, 1000, 10000, 100000} {
		md := scaleMetadata(n)
		for _, expr := range []string{"team-7-*", "*"} {
			req := ResolveRequest{Action: search, Expressions: []string{expr}, Options: opts, IncludeDataStreams: true}
			res, err := Resolve(p, md, req)
			if err != nil || len(res.Denied) > 0 || len(res.Indices) == 0 {
				b.Fatalf("indices=%d %s: %v %+v", n, expr, err, res)
			}
			b.Run(fmt.Sprintf("indices=%d/%s", n, expr), func(b *testing.B) {
				b.ReportAllocs()
				b.ReportMetric(float64(len(res.Indices)), "names")
				for b.Loop() {
					if _, err := Resolve(p, md, req); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// scaleMetadata is a cluster of n indices spread over 100 teams, with an alias per ten
// indices.
func scaleMetadata(n int) *Metadata {
	indices := make([]IndexMeta, n)
	var aliases []AliasMeta
	for i := range indices {
		name := fmt.Sprintf("team-%d-logs-%06d", i%100, i)
		indices[i] = IndexMeta{Name: name}
		if i%10 == 0 {
			alias := fmt.Sprintf("team-%d-alias-%06d", i%100, i)
			indices[i].Aliases = []string{alias}
			aliases = append(aliases, AliasMeta{Name: alias, Indices: []string{name}})
		}
	}
	return NewMetadata(indices, aliases, nil)
}

// heapGrowth returns how many bytes of heap f leaves allocated.
func heapGrowth(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.GC()
	runtime.ReadMemStats(&after)
	if after.HeapAlloc < before.HeapAlloc {
		return 0
	}
	return after.HeapAlloc - before.HeapAlloc
}
