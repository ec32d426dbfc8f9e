package routes

import "testing"

var benchPaths = []struct{ method, path string }{
	{"GET", "/_cluster/health"},
	{"GET", "/logs-2026.01.01,logs-2026.01.02/_search"},
	{"PUT", "/logs/_doc/1"},
	{"PUT", "/_cluster"},
	{"GET", "/logs/_mvt/geo/1/2/3"},
	{"GET", "/%3Clogs-%7Bnow%7D%3E/_search"},
}

func BenchmarkMatch(b *testing.B) {
	tb := Default()
	for _, bp := range benchPaths {
		b.Run(bp.method+" "+bp.path, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := tb.Match(bp.method, bp.path); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkMatchParallel(b *testing.B) {
	tb := Default()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			bp := benchPaths[i%len(benchPaths)]
			if _, err := tb.Match(bp.method, bp.path); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
}
