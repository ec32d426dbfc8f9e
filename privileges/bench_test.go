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
			// A name only the last /regex/ grants (none below 50 patterns).
			{"regex", []string{fmt.Sprintf("metrics-%d-2024", n/50*50-1)}},
		} {
			if tc.name == "regex" && n < 50 {
				continue
			}
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

// BenchmarkIndexBulkItems decides the items of bench/run.sh's bulk scenario: 500 index
// items round robin over five daily indices, granted by one of ten write /regex/ entries
// among 200 patterns. One op is one item.
func BenchmarkIndexBulkItems(b *testing.B) {
	roles := benchRoles(200)
	for i, r := range roles[:10] {
		re := fmt.Sprintf("/tmp-%02d-[0-9]+/", i)
		if i == 5 {
			re = `/logs-2026\.0[1-4]\.[0-9]{2}/`
		}
		r.Indices = append(r.Indices, IndicesPrivileges{Names: []string{re}, Privileges: []string{"write"}})
	}
	p, err := Compile(ES9(), roles)
	if err != nil {
		b.Fatal(err)
	}
	const action = "indices:data/write/index:op_type/index"
	names := []string{"logs-2026.01.01", "logs-2026.01.02", "logs-2026.01.03", "logs-2026.01.04", "logs-2026.01.05"}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if !p.Index(action, names[i%len(names)]) {
			b.Fatal("not granted")
		}
		i++
	}
}
