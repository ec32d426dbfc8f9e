package bodies

import (
	"strconv"
	"strings"
	"testing"
)

// legacyBulkBenchBody is a body of n items cycling through index, create, update and
// delete with the _type of the 1.x and 2.x era, with sources of about 500 bytes.
func legacyBulkBenchBody(n int) []byte {
	source := `{"@timestamp":"2016-05-01T12:00:00Z","message":"` + strings.Repeat("lorem ipsum ", 42) +
		`","host":{"name":"web-01"},"status":200}`
	var b strings.Builder
	for i := 0; i < n; i++ {
		id := strconv.Itoa(i)
		meta := `"_index":"logs-` + strconv.Itoa(i%8) + `","_type":"event","_id":"` + id + `"`
		switch i % 4 {
		case 0:
			b.WriteString(`{"index":{` + meta + `}}` + "\n" + source + "\n")
		case 1:
			b.WriteString(`{"create":{` + meta + `,"_routing":"r1"}}` + "\n" + source + "\n")
		case 2:
			b.WriteString(`{"update":{` + meta + `,"_retry_on_conflict":3}}` + "\n" + `{"doc":` + source + `}` + "\n")
		default:
			b.WriteString(`{"delete":{` + meta + `}}` + "\n")
		}
	}
	return []byte(b.String())
}

func BenchmarkScanLegacyBulk(b *testing.B) {
	body := legacyBulkBenchBody(20000)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		n = 0
		if err := ScanLegacyBulk(body, "", "", 2, func(LegacyBulkItem) error { n++; return nil }); err != nil {
			b.Fatal(err)
		}
	}
	if n != 20000 {
		b.Fatalf("%d items", n)
	}
}
