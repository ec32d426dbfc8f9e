package proxy

import (
	"bufio"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/esguard/esguard/runas"
	"github.com/valyala/fasthttp"
)

// TestCleanRequestHeadersOnlyWhatWasSent: deleting only the headers the client sent
// leaves a request exactly as deleting all of them does, for requests mixing every
// header cleanRequestHeaders removes, in any case, repeated, and named by Connection.
func TestCleanRequestHeadersOnlyWhatWasSent(t *testing.T) {
	names := append(append([]string{}, hopByHop[:]...), "Authorization", runas.Header, "X-Reason", "Cookie",
		"Content-Type", "User-Agent", "X-Opaque-Id", "Accept", "X-Custom")
	r := rand.New(rand.NewPCG(5, 5))
	mixCase := func(s string) string {
		b := []byte(s)
		for i := range b {
			if r.IntN(2) == 0 {
				b[i] = lowerASCII(b[i])
			} else if 'a' <= b[i] && b[i] <= 'z' {
				b[i] -= 'a' - 'A'
			}
		}
		return string(b)
	}
	for i := range 3000 {
		var raw strings.Builder
		raw.WriteString("GET /logs/_search HTTP/1.1\r\nHost: es\r\n")
		for range r.IntN(8) {
			name := names[r.IntN(len(names))]
			value := "v"
			switch strings.ToLower(name) {
			case "connection":
				value = []string{"close", "keep-alive", "X-Custom, Authorization", "x-opaque-id", "Upgrade,TE"}[r.IntN(5)]
			case "transfer-encoding", "content-length", "te", "trailer":
				continue // framing: the request would not parse the same way
			}
			raw.WriteString(mixCase(name) + ": " + value + "\r\n")
		}
		raw.WriteString("\r\n")
		reason := []string{"", "X-Reason"}[r.IntN(2)]
		upstream := []string{"", "Basic dXA6cHc="}[r.IntN(2)]
		runAs := []string{"", "bob"}[r.IntN(2)]

		var fast, all fasthttp.Request
		for _, req := range []*fasthttp.Request{&fast, &all} {
			if err := req.Read(bufio.NewReader(strings.NewReader(raw.String()))); err != nil {
				t.Fatalf("case %d: %v\n%s", i, err, raw.String())
			}
		}
		cleanRequestHeaders(&fast.Header, upstream, reason, runAs)
		deleteAndSet(&all.Header, sentAll, upstream, reason, runAs)
		if got, want := fast.Header.String(), all.Header.String(); got != want {
			t.Fatalf("case %d:\n%s\ncleaned to\n%s\nwant\n%s", i, raw.String(), got, want)
		}
	}
}

func TestSentHeaders(t *testing.T) {
	for _, tc := range []struct {
		raw  string
		want uint32
	}{
		{"", sentAll},
		{"Host: es\r\n\r\n", 0},
		{"host: es\r\nauthorization: x\r\n\r\n", 1 << sentAuthorization},
		{"CONNECTION: close\r\nkeep-alive: 5\r\n\r\n", 1<<sentConnection | 1<<2},
		{"Es-Security-Runas-User: bob\r\nX-Reason: r\r\n\r\n", 1<<sentRunAs | 1<<sentReason},
		{"Host: es\r\n folded\r\n\r\n", sentAll},
		{"Authorization : x\r\n\r\n", sentAll},
		{"no colon\r\n\r\n", sentAll},
		{"Host: es\n\n", 0},
	} {
		if got := sentHeaders([]byte(tc.raw), "X-Reason"); got != tc.want {
			t.Errorf("%q: %b, want %b", tc.raw, got, tc.want)
		}
	}
}
