package privileges

import (
	"fmt"
	"testing"
)

// benchRoles spreads n index patterns over roles of ten entries: half prefixes
// ("team7-logs-*"), four in ten exact names, one in ten general wildcards
// ("*-audit-7") and a /regex/ every fiftieth.
func benchRoles(n int) []*RoleDescriptor {
	var roles []*RoleDescriptor
	var cur *RoleDescriptor
	for i := range n {
		if i%10 == 0 {
			cur = &RoleDescriptor{Name: fmt.Sprintf("role%d", i/10), Cluster: []string{"monitor"}}
			roles = append(roles, cur)
		}
		var name string
		switch {
		case i%50 == 49:
			name = fmt.Sprintf("/metrics-%d-[0-9]+/", i)
		case i%10 < 5:
			name = fmt.Sprintf("team%d-logs-*", i)
		case i%10 < 9:
			name = fmt.Sprintf("idx-%d", i)
		default:
			name = fmt.Sprintf("*-audit-%d", i)
		}
		privs := []string{"read"}
		if i%3 == 0 {
			privs = []string{"read", "view_index_metadata", "write"}
		}
		cur.Indices = append(cur.Indices, IndicesPrivileges{Names: []string{name}, Privileges: privs})
	}
	return roles
}

func BenchmarkAuthorize(b *testing.B) {
	const search = "indices:data/read/search"
	for _, n := range []int{10, 200, 2000} {
		p, err := Compile(ES9(), benchRoles(n))
		if err != nil {
			b.Fatal(err)
		}
		last := (n - 1) / 10 * 10 // the last prefix pattern
		for _, tc := range []struct {
			name    string
			indices []string
		}{
			{"concrete", []string{fmt.Sprintf("team%d-logs-2024.01.01", last)}},
			{"exact", []string{fmt.Sprintf("idx-%d", last+5)}},
			{"wildcard", []string{fmt.Sprintf("team%d-logs-2024*", last)}},
			{"three", []string{fmt.Sprintf("team%d-logs-1,idx-%d", last, last+5), fmt.Sprintf("team%d-logs-*", last)}},
		} {
			if !Authorize(p, search, tc.indices, IndexOptions{}).Allowed {
				b.Fatalf("%d/%s: not allowed", n, tc.name)
			}
			b.Run(fmt.Sprintf("patterns=%d/%s", n, tc.name), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					Authorize(p, search, tc.indices, IndexOptions{})
				}
			})
		}
		b.Run(fmt.Sprintf("patterns=%d/denied", n), func(b *testing.B) {
			b.ReportAllocs()
			indices := []string{"secret"}
			for b.Loop() {
				Authorize(p, search, indices, IndexOptions{})
			}
		})
	}
}

func BenchmarkCluster(b *testing.B) {
	p, err := Compile(ES9(), benchRoles(200))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		p.Cluster("cluster:monitor/health")
	}
}

func BenchmarkCompile(b *testing.B) {
	for _, n := range []int{10, 200, 2000} {
		roles := benchRoles(n)
		b.Run(fmt.Sprintf("patterns=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Compile(ES9(), roles); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkNewCatalogue(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := newCatalogue(spec9); err != nil {
			b.Fatal(err)
		}
	}
}
