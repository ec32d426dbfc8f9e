package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/esguard/esguard/auth/authtest"
	"github.com/esguard/esguard/proxy/proxytest"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestServe runs `esguard serve` in-process: it serves a granted request, reopens the
// audit file on SIGUSR1 after rotation, and exits cleanly when asked to stop.
func TestServe(t *testing.T) {
	node := proxytest.NewNode(t)
	dir := t.TempDir()
	files := map[string]string{
		"roles.yml": "reader:\n  indices:\n    - names: [logs-*]\n      privileges: [read]\n",
		"users.yml": "alice:\n  password_hash: \"" + authtest.Hash(t, "pw") + "\"\n  roles: [reader]\n",
		"esguard.yml": "listen: 127.0.0.1:0\nupstream:\n  nodes: [" + node.URL + "]\n  connect_timeout: 1s\n" +
			"roles: [roles.yml]\nusers: users.yml\naudit: {file: audit.log}\nlog: {level: debug}\nshutdown_timeout: 5s\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var stderr lockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--config", filepath.Join(dir, "esguard.yml")}, strings.NewReader(""), io.Discard, &stderr)
	}()

	addr := waitForListen(t, &stderr)
	search := func() {
		t.Helper()
		req, _ := http.NewRequestWithContext(t.Context(), "GET", "http://"+addr+"/logs-1/_search", nil)
		req.SetBasicAuth("alice", "pw")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
	}
	search()
	audit := filepath.Join(dir, "audit.log")
	if err := os.Rename(audit, audit+".1"); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		search()
		if b, err := os.ReadFile(audit); err == nil && bytes.Contains(b, []byte(`"access_granted"`)) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no audit event in the reopened file")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if b, _ := os.ReadFile(audit + ".1"); !bytes.Contains(b, []byte(`"access_granted"`)) {
		t.Error("the rotated file lost the first event")
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop")
	}
	if !strings.Contains(stderr.String(), `"level":"debug"`) && !strings.Contains(stderr.String(), `"level":"info"`) {
		t.Errorf("no structured log: %s", stderr.String())
	}
}

// waitForListen reads the startup log line for the address esguard listens on.
func waitForListen(t *testing.T, stderr *lockedBuffer) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		sc := bufio.NewScanner(strings.NewReader(stderr.String()))
		for sc.Scan() {
			var line struct {
				Message string `json:"message"`
				Listen  string `json:"listen"`
			}
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Message == "esguard started" {
				return line.Listen
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("esguard did not start: %s", stderr.String())
	return ""
}
