package proxy_test

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/esguard/esguard/proxy/proxytest"
)

// TestResponseBodiesArriveWhole sends searches whose answers alternate between sizes
// on both sides of the limit under which esguard reads a body whole before sending it
// (1 MiB), over one keep-alive connection: each arrives byte for byte, with its
// length, and none carries bytes of an earlier one.
func TestResponseBodiesArriveWhole(t *testing.T) {
	e := newEnv(t, envOptions{})
	sizes := []int{65536, 10, 1 << 20, 0, 3<<20 + 7, 65536, 1000, 1<<20 + 1, 5}
	next := make(chan string, len(sizes))
	e.node.Answer(func(proxytest.Request) proxytest.Response {
		return proxytest.Response{Status: 200, Body: <-next, Header: map[string]string{"Content-Type": "application/json"}}
	})
	e.client = &http.Client{Transport: &http.Transport{MaxConnsPerHost: 1}}
	for i, size := range sizes {
		want := body(i, size)
		next <- want
		r := e.call(t, "GET", "/logs-1/_search", "alice", "")
		if r.status != 200 {
			t.Fatalf("size %d: status %d %s", size, r.status, r.body)
		}
		if r.body != want {
			t.Fatalf("size %d: got %d bytes, want %d (first difference at %d)", size, len(r.body), size, firstDifference(r.body, want))
		}
		if cl := r.header.Get("Content-Length"); cl != fmt.Sprint(size) {
			t.Errorf("size %d: Content-Length %q", size, cl)
		}
	}
	if n := e.node.Count(); n != len(sizes) {
		t.Errorf("the node saw %d requests, want %d", n, len(sizes))
	}
}

// body is size bytes that differ from one request to the next.
func body(seed, size int) string {
	var b strings.Builder
	b.Grow(size)
	for i := range size {
		b.WriteByte(byte('a' + (seed*7+i/13)%26))
	}
	return b.String()
}

func firstDifference(a, b string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// TestTruncatedResponseIsNotPassedOn: a node that promises a body and closes its
// connection half way through answers a 502, never a 200 with part of the body, and
// the next answer arrives whole.
func TestTruncatedResponseIsNotPassedOn(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var searches atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func(c net.Conn) {
				defer c.Close()
				r := bufio.NewReader(c)
				first := ""
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					if first == "" {
						first = line
					}
					if line == "\r\n" {
						break
					}
				}
				// esguard's own requests (GET /) may come first; the first search is cut.
				if strings.Contains(first, "/_search") && searches.Add(1) == 1 {
					fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n%s", strings.Repeat("x", 1200))
					return
				}
				fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n%s", strings.Repeat("y", 5000))
			}(c)
		}
	}()
	e := newEnv(t, envOptions{upstream: "  nodes: [http://" + ln.Addr().String() + "]\n", noRefresh: true})
	r := e.call(t, "GET", "/logs-1/_search", "alice", "")
	if r.status != 502 || strings.Contains(r.body, "xxxx") {
		t.Fatalf("status %d, body %q; want a 502 without the partial body", r.status, r.body)
	}
	if typ, reason := r.esError(t); typ == "" || !strings.Contains(reason, "upstream node") {
		t.Errorf("error %s: %s", typ, reason)
	}
	// The next answer is whole, and nothing of the broken one is left in it.
	r = e.call(t, "GET", "/logs-1/_search", "alice", "")
	if r.status != 200 || r.body != strings.Repeat("y", 5000) {
		t.Fatalf("after the broken answer: status %d, %d bytes: %.40q", r.status, len(r.body), r.body)
	}
}
