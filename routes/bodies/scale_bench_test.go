package bodies

import (
	"fmt"
	"testing"
)

// BenchmarkScaleBulk scans _bulk bodies from 1 KB to 50 MB (items of about 500 bytes).
// The MB/s column should stay level: scanning is linear in the body and nothing else.
func BenchmarkScaleBulk(b *testing.B) {
	for _, size := range []int{1 << 10, 100 << 10, 1 << 20, 10 << 20, 50 << 20} {
		one := len(bulkBenchBody(4)) / 4
		n := max(1, size/one)
		body := bulkBenchBody(n)
		b.Run(fmt.Sprintf("size=%s", byteSize(len(body))), func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				items := 0
				if err := ScanBulk(body, "", func(BulkItem) error { items++; return nil }); err != nil || items != n {
					b.Fatalf("%d items of %d: %v", items, n, err)
				}
			}
		})
	}
}

func byteSize(n int) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%dMB", (n+1<<19)>>20)
	case n >= 1<<10:
		return fmt.Sprintf("%dKB", (n+1<<9)>>10)
	}
	return fmt.Sprintf("%dB", n)
}
