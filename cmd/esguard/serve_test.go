package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/esguard/esguard/auth/authtest"
	"github.com/esguard/esguard/config/configtest"
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
	srv := startServe(t, dir, files)
	stderr := &srv.stderr

	addr := waitForLog(t, stderr, "esguard started", "listen")
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
	srv.stop(t)
	if !strings.Contains(stderr.String(), `"level":"debug"`) && !strings.Contains(stderr.String(), `"level":"info"`) {
		t.Errorf("no structured log: %s", stderr.String())
	}
}

// serving is `esguard serve` running in-process.
type serving struct {
	stderr lockedBuffer
	cancel context.CancelFunc
	done   chan int
}

// startServe writes files into dir and runs `esguard serve` on dir/esguard.yml.
func startServe(t *testing.T, dir string, files map[string]string) *serving {
	t.Helper()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(t.Context())
	t.Cleanup(cancel)
	s := &serving{cancel: cancel, done: make(chan int, 1)}
	go func() {
		s.done <- run(ctx, []string{"serve", "--config", filepath.Join(dir, "esguard.yml")}, strings.NewReader(""), io.Discard, &s.stderr)
	}()
	return s
}

// stop asks serve to stop and expects a clean exit.
func (s *serving) stop(t *testing.T) {
	t.Helper()
	s.cancel()
	select {
	case code := <-s.done:
		if code != 0 {
			t.Fatalf("exit %d: %s", code, s.stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop")
	}
}

// TestServeReloadOnSIGHUP changes the roles file, sends SIGHUP, and finds the new grant
// in force, the reload counted on /metrics and reported by /readyz.
func TestServeReloadOnSIGHUP(t *testing.T) {
	node := proxytest.NewNode(t)
	dir := t.TempDir()
	free, err := net.Listen("tcp", "127.0.0.1:0") // listen and admin_listen must differ
	if err != nil {
		t.Fatal(err)
	}
	adminAddr := free.Addr().String()
	free.Close()
	const roles = "reader:\n  indices:\n    - names: [logs-*]\n      privileges: [read]\n"
	files := map[string]string{
		"roles.yml": roles,
		"users.yml": "alice:\n  password_hash: \"" + authtest.Hash(t, "pw") + "\"\n  roles: [reader]\n",
		"esguard.yml": "listen: 127.0.0.1:0\nadmin_listen: " + adminAddr + "\nupstream:\n  nodes: [" + node.URL + "]\n" +
			"roles: [roles.yml]\nusers: users.yml\nreload: {watch: false}\nshutdown_timeout: 5s\n",
	}
	srv := startServe(t, dir, files)
	stderr := &srv.stderr
	addr := waitForLog(t, stderr, "esguard started", "listen")
	admin := waitForLog(t, stderr, "admin listener started", "admin_listen")
	search := func() int {
		t.Helper()
		req, _ := http.NewRequestWithContext(t.Context(), "GET", "http://"+addr+"/metrics-1/_search", nil)
		req.SetBasicAuth("alice", "pw")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if s := search(); s != 403 {
		t.Fatalf("before the reload: %d", s)
	}
	grant := roles + "    - names: [metrics-*]\n      privileges: [read]\n"
	if err := os.WriteFile(filepath.Join(dir, "roles.yml"), []byte(grant), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); search() != 200; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the reloaded grant is not in force: %s", stderr.String())
		}
	}
	get := func(path string) string {
		t.Helper()
		resp, err := http.Get("http://" + admin + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	if m := get("/metrics"); !strings.Contains(m, `esguard_config_reloads_total{result="success"} 1`) ||
		!strings.Contains(m, `esguard_requests_total{action_family="indices:data/read",decision="granted",status="200"} 1`) {
		t.Errorf("/metrics after the reload:\n%s", m)
	}
	if r := get("/readyz"); !strings.Contains(r, `"last_reload":"ok"`) {
		t.Errorf("/readyz after the reload: %s", r)
	}
	if !strings.Contains(stderr.String(), `"component":"config"`) || !strings.Contains(stderr.String(), "configuration reloaded") {
		t.Errorf("the reload is not logged: %s", stderr.String())
	}
	srv.stop(t)
}

// waitForLog returns the string field of the first log line with message msg.
func waitForLog(t *testing.T, stderr *lockedBuffer, msg, field string) string {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		sc := bufio.NewScanner(strings.NewReader(stderr.String()))
		for sc.Scan() {
			var line map[string]any
			if json.Unmarshal(sc.Bytes(), &line) == nil && line["message"] == msg {
				if v, ok := line[field].(string); ok {
					return v
				}
			}
		}
	}
	t.Fatalf("no %q log line: %s", msg, stderr.String())
	return ""
}

// TestServeTLS runs `esguard serve` with TLS on both sides: clients connect over TLS,
// esguard reaches an https node with the cluster's CA, the admin listener stays plain,
// and a renewed certificate written over the old files is served without a restart.
func TestServeTLS(t *testing.T) {
	clusterCA := configtest.NewCA(t, "cluster CA")
	node := proxytest.NewTLSNode(t, &tls.Config{Certificates: []tls.Certificate{clusterCA.Server(t, "127.0.0.1").TLS(t)}})
	dir := t.TempDir()
	ca := configtest.NewCA(t, "esguard CA")
	first := ca.Server(t, "127.0.0.1")
	first.WriteFiles(t, dir, "server")
	configtest.WriteFile(t, dir, "cluster-ca.crt", clusterCA.CertPEM)
	free, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	adminAddr := free.Addr().String()
	free.Close()
	files := map[string]string{
		"roles.yml": "reader:\n  indices:\n    - names: [logs-*]\n      privileges: [read]\n",
		"users.yml": "alice:\n  password_hash: \"" + authtest.Hash(t, "pw") + "\"\n  roles: [reader]\n",
		"esguard.yml": "listen: 127.0.0.1:0\nadmin_listen: " + adminAddr + "\ntls: {cert: server.crt, key: server.key}\n" +
			"upstream:\n  nodes: [" + node.URL + "]\n  ca: cluster-ca.crt\n" +
			"roles: [roles.yml]\nusers: users.yml\nreload: {watch: true, debounce: 50ms}\nshutdown_timeout: 5s\n",
	}
	srv := startServe(t, dir, files)
	addr := waitForLog(t, &srv.stderr, "esguard started", "listen")
	admin := waitForLog(t, &srv.stderr, "admin listener started", "admin_listen")

	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: ca.Pool()}, DisableKeepAlives: true}}
	search := func() *big.Int {
		t.Helper()
		req, _ := http.NewRequestWithContext(t.Context(), "GET", "https://"+addr+"/logs-1/_search", nil)
		req.SetBasicAuth("alice", "pw")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("status %d: %s", resp.StatusCode, srv.stderr.String())
		}
		return resp.TLS.PeerCertificates[0].SerialNumber
	}
	if got := search(); got.Cmp(first.Leaf.SerialNumber) != 0 || node.Count() != 1 {
		t.Fatalf("serial %v, node requests %d", got, node.Count())
	}
	resp, err := http.Get("http://" + admin + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("/readyz on the plain admin listener: %d", resp.StatusCode)
	}

	second := ca.Server(t, "127.0.0.1")
	second.WriteFiles(t, dir, "server")
	for deadline := time.Now().Add(5 * time.Second); search().Cmp(second.Leaf.SerialNumber) != 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the renewed certificate is not served: %s", srv.stderr.String())
		}
	}
	srv.stop(t)
}
