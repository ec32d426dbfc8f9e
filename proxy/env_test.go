package proxy_test

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/esguard/esguard/auth/authtest"
	"github.com/esguard/esguard/config"
	"github.com/esguard/esguard/proxy"
	"github.com/esguard/esguard/proxy/proxytest"
	"github.com/rs/zerolog"
)

// testRoles are the roles most proxy tests use.
const testRoles = `
logs_reader:
  cluster: [monitor]
  indices:
    - names: ["logs-*"]
      privileges: [read]
ingest:
  indices:
    - names: ["logs-*"]
      privileges: [create_doc]
admin:
  cluster: [all]
  indices:
    - names: ["*"]
      privileges: [all]
portal:
  run_as: [alice, "report-*"]
`

// defaultCluster is the fake node's metadata unless a test gives its own.
var defaultCluster = proxytest.Cluster{Indices: []proxytest.Index{
	{Name: "logs-1"}, {Name: "logs-2"}, {Name: "logs-x"}, {Name: "secret"}, {Name: "report-1"},
}}

// env is a running esguard in front of a fake Elasticsearch node.
type env struct {
	srv   *proxy.Server
	node  *proxytest.Node
	url   string
	store *config.Store
	audit *syncBuffer
	dir   string
	// client sends call's requests; nil is a plain HTTP client.
	client *http.Client
}

type envOptions struct {
	roles     string
	users     map[string][]string // user → roles; every password is "<user>-pass"
	extraYAML string              // appended to esguard.yml
	upstream  string              // upstream section body; default: the fake node
	cluster   proxytest.Cluster   // the fake node's indices, aliases and data streams
	node      *proxytest.Node     // an existing fake node to use (shared with another env)
	keyTTL    time.Duration       // proxy.Options.APIKeyCacheTTL
	tls       bool                // serve clients over TLS (extraYAML has the tls section)
	noRefresh bool                // do not fetch the cluster's metadata at start
	version   string              // the fake node's version.number ("" for 9.1.0)
	detect    bool                // load with proxy.DetectFlavour, for flavor: auto
}

func newEnv(t testing.TB, o envOptions) *env {
	t.Helper()
	if o.roles == "" {
		o.roles = testRoles
	}
	if o.users == nil {
		o.users = map[string][]string{
			"alice":      {"logs_reader"},
			"ingest":     {"ingest"},
			"ops":        {"admin"},
			"portal":     {"portal"},
			"report-bot": {"logs_reader"},
		}
	}
	node := o.node
	if node == nil {
		node = proxytest.NewNode(t)
		if o.cluster.Indices == nil && o.cluster.Aliases == nil && o.cluster.DataStreams == nil {
			o.cluster = defaultCluster
		}
		node.SetCluster(o.cluster)
	}
	if o.version != "" {
		node.SetVersion(o.version, "")
	}
	dir := t.TempDir()
	var users strings.Builder
	for name, roles := range o.users {
		users.WriteString(name + ":\n  password_hash: \"" + authtest.Hash(t, name+"-pass") + "\"\n  roles: [" + strings.Join(roles, ", ") + "]\n")
	}
	write(t, dir, "roles.yml", o.roles)
	write(t, dir, "users.yml", users.String())
	if o.upstream == "" {
		o.upstream = "  nodes: [" + node.URL + "]\n  username: esguard\n  password: upstream-secret\n"
	}
	write(t, dir, "esguard.yml", `listen: 127.0.0.1:0
upstream:
`+o.upstream+`roles: [roles.yml]
users: users.yml
`+o.extraYAML)
	var opts config.Options
	if o.detect {
		opts.Detect = proxy.DetectFlavour
	}
	snap, problems := config.LoadWith(filepath.Join(dir, "esguard.yml"), opts)
	if snap == nil {
		t.Fatalf("config: %v", problems)
	}
	store := config.NewStore(snap)
	audit := &syncBuffer{}
	srv, err := proxy.New(store, proxy.Options{Audit: proxy.NewAudit(audit), Log: zerolog.Nop(), APIKeyCacheTTL: o.keyTTL})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	scheme := "http://"
	if o.tls {
		ln, scheme = tls.NewListener(ln, proxy.TLSConfig(store)), "https://"
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Shutdown(t.Context()) })
	if !o.noRefresh && (o.upstream == "" || strings.Contains(o.upstream, node.URL)) {
		if err := srv.RefreshMetadata(t.Context()); err != nil {
			t.Fatalf("metadata: %v", err)
		}
	}
	return &env{srv: srv, node: node, url: scheme + ln.Addr().String(), store: store, audit: audit, dir: dir}
}

func write(t testing.TB, dir, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// reply is a response from esguard.
type reply struct {
	status int
	header http.Header
	body   string
}

// esError decodes an Elasticsearch-style error body.
func (r reply) esError(t *testing.T) (typ, reason string) {
	t.Helper()
	var b struct {
		Error struct {
			RootCause []struct{ Type, Reason string } `json:"root_cause"`
			Type      string                          `json:"type"`
			Reason    string                          `json:"reason"`
		} `json:"error"`
		Status int `json:"status"`
	}
	if err := json.Unmarshal([]byte(r.body), &b); err != nil {
		t.Fatalf("error body is not JSON: %v: %s", err, r.body)
	}
	if b.Status != r.status {
		t.Errorf("body status %d, HTTP status %d", b.Status, r.status)
	}
	if len(b.Error.RootCause) != 1 || b.Error.RootCause[0].Reason != b.Error.Reason {
		t.Errorf("root_cause does not repeat the error: %s", r.body)
	}
	return b.Error.Type, b.Error.Reason
}

// call sends one request. user "" sends no credentials; headers are name, value pairs.
func (e *env) call(t *testing.T, method, uri, user, body string, headers ...string) reply {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, e.url+uri, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		req.SetBasicAuth(user, user+"-pass")
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if strings.EqualFold(headers[i], "Content-Type") {
			req.Header.Set(headers[i], headers[i+1])
			continue
		}
		req.Header.Add(headers[i], headers[i+1])
	}
	return e.send(t, req)
}

func (e *env) send(t *testing.T, req *http.Request) reply {
	t.Helper()
	client := e.client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

// auditEvents returns the audit events written so far.
func (e *env) auditEvents(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range bytes.Split(bytes.TrimSpace(e.audit.Bytes()), []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		var ev map[string]any
		if err := json.Unmarshal(line, &ev); err != nil {
			t.Fatalf("audit line is not JSON: %v: %s", err, line)
		}
		out = append(out, ev)
	}
	return out
}

// lastEvent returns the last audit event with the given event.action.
func (e *env) lastEvent(t *testing.T, action string) map[string]any {
	t.Helper()
	evs := e.auditEvents(t)
	for i := len(evs) - 1; i >= 0; i-- {
		if evs[i]["event.action"] == action {
			return evs[i]
		}
	}
	t.Fatalf("no %s audit event in %v", action, evs)
	return nil
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) Bytes() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]byte(nil), s.b.Bytes()...)
}
