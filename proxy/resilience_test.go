package proxy_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/esguard/esguard/auth/authtest"
	"github.com/esguard/esguard/proxy/proxytest"
)

// eventually retries cond every 20ms until it holds or d has passed.
func eventually(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, d)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// send sends one request as alice and returns the status and body.
func (o *observed) send(t *testing.T, method, uri, body string) (int, string) {
	t.Helper()
	return o.sendAs(t, method, uri, "alice", body)
}

// sendAs sends one request as user, with the password user-pass (right for alice).
func (o *observed) sendAs(t *testing.T, method, uri, user, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), method, o.url+uri, strings.NewReader(body))
	req.SetBasicAuth(user, user+"-pass")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Error(err)
		return 0, ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

const writerRoles = "writer:\n  indices:\n    - names: [logs-*]\n      privileges: [read, index]\n"

// twoNodes starts esguard in front of two fake nodes with fast health checks; alice
// may read and index logs-*.
func twoNodes(t *testing.T, extra string) (o *observed, a, b *proxytest.Node) {
	t.Helper()
	a, b = proxytest.NewNode(t), proxytest.NewNode(t)
	for _, n := range []*proxytest.Node{a, b} {
		n.SetCluster(proxytest.Cluster{Indices: []proxytest.Index{{Name: "logs-1"}}})
	}
	o = newObservedUpstream(t, a.URL+", "+b.URL, "  health_check_interval: 50ms\n  health_check_timeout: 500ms\n", extra)
	// alice gets the writer role through a reload.
	write(t, o.dir, "roles.yml", readerRoles+writerRoles)
	write(t, o.dir, "users.yml", "alice:\n  password_hash: \""+authtest.Hash(t, "alice-pass")+"\"\n  roles: [writer]\n")
	if ps := o.store.Reload(); ps.HasErrors() {
		t.Fatalf("reload: %v", ps)
	}
	return o, a, b
}

// nodeUp reads the health of a node from /readyz.
func (o *observed) nodeUp(t *testing.T, url string) bool {
	t.Helper()
	_, body := o.get(t, "/readyz")
	var r struct {
		Nodes []struct {
			URL string `json:"url"`
			Up  bool   `json:"up"`
		} `json:"nodes"`
	}
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		t.Fatalf("/readyz: %v: %s", err, body)
	}
	for _, n := range r.Nodes {
		if n.URL == url {
			return n.Up
		}
	}
	t.Fatalf("/readyz does not list node %s: %s", url, body)
	return false
}

// TestHealthChecks stops one of two nodes: the health checks notice, every request
// goes to the other node (writes included, none lost), and the node gets traffic again
// once it is back.
func TestHealthChecks(t *testing.T) {
	o, a, b := twoNodes(t, "")
	eventually(t, 5*time.Second, "both nodes up", func() bool { return o.nodeUp(t, a.URL) && o.nodeUp(t, b.URL) })
	b.Stop()
	eventually(t, 5*time.Second, "the stopped node marked down", func() bool { return !o.nodeUp(t, b.URL) })
	_, metrics := o.get(t, "/metrics")
	wantMetrics(t, metrics, `esguard_upstream_node_up{node="`+b.URL+`"} 0`, `esguard_upstream_node_up{node="`+a.URL+`"} 1`)
	a.Reset()
	for i := range 20 {
		if code, body := o.send(t, "PUT", fmt.Sprintf("/logs-1/_doc/%d", i), `{"n":1}`); code != 201 {
			t.Fatalf("write %d while a node is down: %d %s", i, code, body)
		}
	}
	if a.Count() != 20 {
		t.Fatalf("%d writes reached the live node, want 20", a.Count())
	}
	if err := b.Start(); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "the node back up", func() bool { return o.nodeUp(t, b.URL) })
	a.Reset()
	b.Reset()
	for range 20 {
		if code, _ := o.send(t, "GET", "/logs-1/_search", ""); code != 200 {
			t.Fatalf("search: %d", code)
		}
	}
	if a.Count() == 0 || b.Count() == 0 || a.Count()+b.Count() != 20 {
		t.Errorf("requests per node after recovery: %d and %d", a.Count(), b.Count())
	}
}

// TestNodeFailureMidTraffic stops one of two nodes under concurrent writes and reads:
// every write gets the node's answer (and reached one node once) or a clear 502, and
// every read succeeds.
func TestNodeFailureMidTraffic(t *testing.T) {
	o, a, b := twoNodes(t, "")
	a.Reset()
	b.Reset()
	const workers, perWorker = 8, 40
	type result struct {
		id     string
		status int
		body   string
		write  bool
	}
	results := make(chan result, workers*perWorker)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for i := range perWorker {
				if i%2 == 0 {
					id := fmt.Sprintf("w%d-%d", w, i)
					code, body := o.send(t, "PUT", "/logs-1/_doc/"+id, `{"n":1}`)
					results <- result{id, code, body, true}
				} else {
					code, body := o.send(t, "POST", "/logs-1/_search", `{"query":{"match_all":{}}}`)
					results <- result{"", code, body, false}
				}
			}
		}()
	}
	close(start)
	time.Sleep(30 * time.Millisecond)
	b.Stop()
	wg.Wait()
	close(results)

	arrived := map[string]int{}
	for _, n := range []*proxytest.Node{a, b} {
		for _, r := range n.Requests() {
			if strings.HasPrefix(r.Path(), "/logs-1/_doc/") {
				arrived[strings.TrimPrefix(r.Path(), "/logs-1/_doc/")]++
			}
		}
	}
	var ok, failed int
	for r := range results {
		switch {
		case !r.write:
			if r.status != 200 {
				t.Errorf("read: %d %s", r.status, r.body)
			}
		case r.write && r.status == 201:
			ok++
			if arrived[r.id] != 1 {
				t.Errorf("write %s answered 201 but reached the nodes %d times", r.id, arrived[r.id])
			}
		case r.write && r.status == 502:
			failed++
			if !strings.Contains(r.body, "esguard_upstream_exception") || !strings.Contains(r.body, b.URL) {
				t.Errorf("write %s: 502 without naming the failed node: %s", r.id, r.body)
			}
			if arrived[r.id] > 1 {
				t.Errorf("write %s reached the nodes %d times", r.id, arrived[r.id])
			}
		default:
			t.Errorf("write %s: %d %s", r.id, r.status, r.body)
		}
	}
	t.Logf("writes: %d answered by a node, %d refused with 502", ok, failed)
}

// blackHole accepts connections and never answers, holding them in one goroutine.
func blackHole(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	})
	return "http://" + ln.Addr().String()
}

// TestHungUpstream sends rounds of concurrent searches to a node that accepts and
// never answers: each gets a 504 within the timeout, and esguard's goroutines do not
// grow from round to round.
func TestHungUpstream(t *testing.T) {
	o := newObservedUpstream(t, blackHole(t), "  timeout: 300ms\n", "")
	// One connection per request, closed after it: only esguard's own goroutines stay.
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	round := func() {
		var wg sync.WaitGroup
		for range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				req, _ := http.NewRequestWithContext(t.Context(), "GET", o.url+"/logs-1/_search", nil)
				req.SetBasicAuth("alice", "alice-pass")
				start := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
				if resp.StatusCode != 504 {
					t.Errorf("status %d, want 504", resp.StatusCode)
				}
				if d := time.Since(start); d > 3*time.Second {
					t.Errorf("504 after %v; the timeout is 300ms", d)
				}
			}()
		}
		wg.Wait()
	}
	round()
	time.Sleep(200 * time.Millisecond)
	after1 := runtime.NumGoroutine()
	for range 4 {
		round()
	}
	eventually(t, 5*time.Second, fmt.Sprintf("goroutines back to %d after five rounds", after1+3), func() bool {
		return runtime.NumGoroutine() <= after1+3
	})
}

// TestSlowClientsAndConnectionLimit checks that a client trickling its request is cut
// off at read_timeout without holding others up, that idle keep-alive connections
// are closed at idle_timeout, and that connections beyond max_connections are refused
// with 503 while the others are served.
func TestSlowClientsAndConnectionLimit(t *testing.T) {
	// Each part has a server of its own, so no connection of one counts in another.
	start := func(t *testing.T) (*observed, string) {
		o := newObserved(t, "limits:\n  read_timeout: 400ms\n  idle_timeout: 300ms\n  max_connections: 4\n")
		return o, strings.TrimPrefix(o.url, "http://")
	}
	t.Run("slowloris", func(t *testing.T) {
		o, addr := start(t)
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		start := time.Now()
		closed := make(chan string, 1)
		go func() {
			b, _ := io.ReadAll(c)
			closed <- string(b)
		}()
		_, _ = c.Write([]byte("GET /logs-1/_search HTTP/1.1\r\nHost: x\r\n"))
		for i := 0; ; i++ {
			select {
			case answer := <-closed:
				if d := time.Since(start); d > 3*time.Second {
					t.Errorf("slow client cut off after %v; read_timeout is 400ms", d)
				}
				if answer != "" && !strings.Contains(answer, "408") {
					t.Errorf("answer to a slow client: %q", answer)
				}
				return
			case <-time.After(100 * time.Millisecond):
			}
			if _, err := fmt.Fprintf(c, "X-Slow-%d: y\r\n", i); err != nil {
				return // closed by esguard
			}
			if i == 3 {
				if code := o.status(t, "/logs-1/_search", "alice", "alice-pass"); code != 200 {
					t.Errorf("another client while one is slow: %d", code)
				}
			}
			if time.Since(start) > 5*time.Second {
				t.Fatal("the slow client was never cut off")
			}
		}
	})
	t.Run("idle keep-alive", func(t *testing.T) {
		_, addr := start(t)
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_, _ = c.Write([]byte("GET /logs-1/_search HTTP/1.1\r\nHost: x\r\nAuthorization: Basic YWxpY2U6YWxpY2UtcGFzcw==\r\n\r\n"))
		br := bufio.NewReader(c)
		resp, err := http.ReadResponse(br, nil)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("first request: %v %v", resp, err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		start := time.Now()
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := br.ReadByte(); err == nil {
			t.Fatal("esguard sent bytes on an idle connection")
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("idle connection closed after %v; idle_timeout is 300ms", d)
		}
	})
	t.Run("max_connections", func(t *testing.T) {
		o, addr := start(t)
		var held []net.Conn
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		// Four connections that send a request line and then nothing occupy the limit.
		for range 4 {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = c.Write([]byte("GET /logs-1/_search HTTP/1.1\r\n"))
			held = append(held, c)
		}
		time.Sleep(50 * time.Millisecond)
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
		_, _ = c.Write([]byte("GET /logs-1/_search HTTP/1.1\r\nHost: x\r\n\r\n"))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("a connection beyond the limit: %v", err)
		}
		resp.Body.Close()
		if resp.StatusCode != 503 {
			t.Errorf("a connection beyond the limit: %d, want 503", resp.StatusCode)
		}
		for _, h := range held {
			h.Close()
		}
		held = nil
		eventually(t, 3*time.Second, "served again once connections are released", func() bool {
			// Until the server has seen the connections close, a new one may still be
			// refused: that is an error here, not a failure.
			req, _ := http.NewRequestWithContext(t.Context(), "GET", o.url+"/logs-1/_search", nil)
			req.SetBasicAuth("alice", "alice-pass")
			resp, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Do(req)
			if err != nil {
				return false
			}
			resp.Body.Close()
			return resp.StatusCode == 200
		})
	})
}

// TestHealthChecksTLS checks that the health checks speak TLS to https nodes: the node
// stays up while it answers, goes down when it stops and comes back after.
func TestHealthChecksTLS(t *testing.T) {
	s := newUpstreamTLSSetup(t)
	node := s.node(t, true)
	o := newObservedUpstream(t, node.URL, "  ca: "+strconv.Quote(s.caFile)+"\n  cert: "+strconv.Quote(s.clientCrt)+"\n  key: "+strconv.Quote(s.clientKey)+
		"\n  health_check_interval: 50ms\n", "")
	time.Sleep(300 * time.Millisecond) // several checks
	if !o.nodeUp(t, node.URL) {
		t.Fatal("an https node that answers was marked down")
	}
	node.Stop()
	eventually(t, 5*time.Second, "the stopped node marked down", func() bool { return !o.nodeUp(t, node.URL) })
	if err := node.Start(); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "the node back up", func() bool { return o.nodeUp(t, node.URL) })
	if code := o.status(t, "/logs-1/_search", "alice", "alice-pass"); code != 200 {
		t.Errorf("search after the node came back: %d", code)
	}
}
