package proxy_test

import (
	"bufio"
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/esguard/esguard/auth/authtest"
)

// oneConn sends requests to esguard over a single keep-alive connection.
type oneConn struct {
	c  net.Conn
	br *bufio.Reader
}

func dialOne(t *testing.T, e *env) *oneConn {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(e.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &oneConn{c: c, br: bufio.NewReader(c)}
}

// get sends GET uri with the Authorization header (none when "") and returns the
// status; the connection must stay open.
func (o *oneConn) get(t *testing.T, uri, authorization string) int {
	t.Helper()
	req := "GET " + uri + " HTTP/1.1\r\nHost: esguard\r\n"
	if authorization != "" {
		req += "Authorization: " + authorization + "\r\n"
	}
	if err := o.c.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(o.c, req+"\r\n"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(o.br, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.Close {
		t.Fatalf("%s: esguard closed the connection", uri)
	}
	return resp.StatusCode
}

func basic(user, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
}

// TestAuthMemoFollowsTheHeader sends different credentials, one after the other, over
// one connection: each request is decided by its own header, whatever the one before
// it verified.
func TestAuthMemoFollowsTheHeader(t *testing.T) {
	e := newEnv(t, envOptions{})
	o := dialOne(t, e)
	steps := []struct {
		auth string
		want int
		user string // the user of the audit event, for a granted request
	}{
		{basic("alice", "alice-pass"), 200, "alice"},
		{basic("alice", "alice-pass"), 200, "alice"},
		{basic("alice", "wrong-pass"), 401, ""},
		{basic("alice", "alice-pass"), 200, "alice"},
		{basic("ingest", "ingest-pass"), 403, ""}, // ingest may not read logs-1
		{basic("report-bot", "report-bot-pass"), 200, "report-bot"},
		{"", 401, ""},
		{basic("alice", "alice-pass") + "x", 401, ""},
		{basic("alice", "alice-pass"), 200, "alice"},
	}
	for i, s := range steps {
		e.node.Reset()
		if got := o.get(t, "/logs-1/_search", s.auth); got != s.want {
			t.Fatalf("step %d (%q): status %d, want %d", i, s.auth, got, s.want)
		}
		if want := map[bool]int{true: 1, false: 0}[s.want == 200]; e.node.Count() != want {
			t.Fatalf("step %d: %d requests reached the node, want %d", i, e.node.Count(), want)
		}
		if s.user != "" {
			if ev := e.lastEvent(t, "access_granted"); ev["user.name"] != s.user {
				t.Fatalf("step %d: granted to %v, want %s", i, ev["user.name"], s.user)
			}
		}
	}
}

// TestAuthMemoDroppedOnReload changes alice's password while her connection stays
// open: the old password stops working on it at once.
func TestAuthMemoDroppedOnReload(t *testing.T) {
	e := newEnv(t, envOptions{})
	o := dialOne(t, e)
	if got := o.get(t, "/logs-1/_search", basic("alice", "alice-pass")); got != 200 {
		t.Fatalf("before the reload: %d", got)
	}
	write(t, e.dir, "users.yml", "alice:\n  password_hash: \""+authtest.Hash(t, "new-pass")+"\"\n  roles: [logs_reader]\n")
	if ps := e.store.Reload(); ps.HasErrors() {
		t.Fatalf("reload: %v", ps)
	}
	e.node.Reset()
	if got := o.get(t, "/logs-1/_search", basic("alice", "alice-pass")); got != 401 {
		t.Fatalf("old password after the reload: %d, want 401", got)
	}
	if got := o.get(t, "/logs-1/_search", basic("alice", "new-pass")); got != 200 {
		t.Fatalf("new password after the reload: %d, want 200", got)
	}
	if e.node.Count() != 1 {
		t.Fatalf("%d requests reached the node, want 1", e.node.Count())
	}
}
