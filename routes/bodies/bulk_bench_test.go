package bodies

import (
	"strconv"
	"strings"
	"testing"
)

// bulkBenchBody is a body of n items cycling through index, create, update and delete,
// with sources of about 500 bytes.
func bulkBenchBody(n int) []byte {
	source := `{"@timestamp":"2024-05-01T12:00:00Z","message":"` + strings.Repeat("lorem ipsum ", 42) +
		`","host":{"name":"web-01"},"status":200}`
	var b strings.Builder
	for i := 0; i < n; i++ {
		id := strconv.Itoa(i)
		index := "logs-" + strconv.Itoa(i%8)
		switch i % 4 {
		case 0:
			b.WriteString(`{"index":{"_index":"` + index + `","_id":"` + id + `"}}` + "\n" + source + "\n")
		case 1:
			b.WriteString(`{"create":{"_index":"` + index + `","_id":"` + id + `","pipeline":"enrich"}}` + "\n" + source + "\n")
		case 2:
			b.WriteString(`{"update":{"_index":"` + index + `","_id":"` + id + `","retry_on_conflict":3}}` + "\n" +
				`{"doc":` + source + `}` + "\n")
		default:
			b.WriteString(`{"delete":{"_index":"` + index + `","_id":"` + id + `"}}` + "\n")
		}
	}
	return []byte(b.String())
}

func BenchmarkScanBulk(b *testing.B) {
	body := bulkBenchBody(20000)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		n = 0
		if err := ScanBulk(body, "", func(BulkItem) error { n++; return nil }); err != nil {
			b.Fatal(err)
		}
	}
	if n != 20000 {
		b.Fatalf("%d items", n)
	}
}

// bulkLoadBody is the body of bench/run.sh's bulk scenario: n index items with ids,
// round robin over five daily indices, sources of about 200 bytes.
func bulkLoadBody(n int) []byte {
	pad := strings.Repeat("x", 96)
	var b strings.Builder
	for i := range n {
		b.WriteString(`{"index":{"_index":"logs-2026.01.0` + strconv.Itoa(i%5+1) + `","_id":"bench-` + strconv.Itoa(i) + `"}}` + "\n")
		b.WriteString(`{"@timestamp":"2026-01-01T00:00:00Z","host":"web-01","level":"info","message":"GET /api/v1/orders/` +
			strconv.Itoa(i) + ` 200","bytes":` + strconv.Itoa(1000+i) + `,"trace":"` + pad + `"}` + "\n")
	}
	return []byte(b.String())
}

// BenchmarkScanBulkLoad scans the 100 KB body of the load benchmark's bulk scenario.
func BenchmarkScanBulkLoad(b *testing.B) {
	body := bulkLoadBody(500)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		n = 0
		if err := ScanBulk(body, "", func(BulkItem) error { n++; return nil }); err != nil {
			b.Fatal(err)
		}
	}
	if n != 500 {
		b.Fatalf("%d items", n)
	}
}
