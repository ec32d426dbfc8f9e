package proxy_test

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// idleClientsEnv tells the test binary, run as a child, to hold idle connections open.
const idleClientsEnv = "ESGUARD_IDLE_CLIENTS"

// BenchmarkIdleConnections holds idle keep-alive client connections (1,000 and 10,000)
// open to esguard, each after one authenticated search, and reports the memory the
// proxy's process holds for them: heap and goroutine stacks (MiB), and resident set
// growth. The clients live in a child process, so that the proxy's process has only
// its own side of each connection.
func BenchmarkIdleConnections(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("conns=%d", n), func(b *testing.B) {
			e := newEnv(b, envOptions{})
			e.node.Discard()
			addr := strings.TrimPrefix(e.url, "http://")
			for b.Loop() {
				runtime.GC()
				heap0, rss0 := memNow()
				child := exec.Command(os.Args[0], "-test.run=^TestIdleClientsChild$")
				child.Env = append(os.Environ(), idleClientsEnv+"="+addr+","+strconv.Itoa(n))
				stdin, err := child.StdinPipe()
				if err != nil {
					b.Fatal(err)
				}
				out, err := child.StdoutPipe()
				if err != nil {
					b.Fatal(err)
				}
				child.Stderr = os.Stderr
				if err := child.Start(); err != nil {
					b.Fatal(err)
				}
				line, err := bufio.NewReader(out).ReadString('\n')
				if err != nil || !strings.HasPrefix(line, "ready") {
					b.Fatalf("child: %q %v", line, err)
				}
				time.Sleep(200 * time.Millisecond)
				runtime.GC()
				heap1, rss1 := memNow()
				stdin.Close()
				if err := child.Wait(); err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(heap1-heap0)/(1<<20), "heap+stack-MiB")
				b.ReportMetric(float64(rss1-rss0)/(1<<20), "rss-growth-MiB")
				b.ReportMetric(float64(heap1-heap0)/float64(n), "B/conn")
			}
		})
	}
}

// TestIdleClientsChild is the child of BenchmarkIdleConnections: it opens the
// connections, sends one search on each, reads the answers, says "ready" and keeps the
// connections until its stdin closes.
func TestIdleClientsChild(t *testing.T) {
	spec := os.Getenv(idleClientsEnv)
	if spec == "" {
		t.Skip("run by BenchmarkIdleConnections")
	}
	addr, count, _ := strings.Cut(spec, ",")
	n, _ := strconv.Atoi(count)
	conns := make([]net.Conn, 0, n)
	req := "GET /logs-1/_search HTTP/1.1\r\nHost: esguard\r\nAuthorization: Basic " + base64.StdEncoding.EncodeToString([]byte("alice:alice-pass")) + "\r\n\r\n"
	for range n {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("after %d connections: %v", len(conns), err)
		}
		if _, err := io.WriteString(c, req); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("search answered %d", resp.StatusCode)
		}
		conns = append(conns, c)
	}
	fmt.Println("ready")
	_, _ = io.Copy(io.Discard, os.Stdin)
	for _, c := range conns {
		c.Close()
	}
}

// memNow returns the heap and stack bytes in use and the resident set size.
func memNow() (heapStack, rss uint64) {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	heapStack = m.HeapInuse + m.StackInuse
	if status, err := os.ReadFile("/proc/self/status"); err == nil {
		for line := range strings.SplitSeq(string(status), "\n") {
			if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
				kb, _ := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
				rss = kb << 10
			}
		}
	}
	return heapStack, rss
}
