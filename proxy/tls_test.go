package proxy_test

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/esguard/esguard/config/configtest"
	"github.com/esguard/esguard/proxy/proxytest"
)

// tlsClient is an HTTPS client that trusts pool and, when asked for a client
// certificate, presents cert even if the server names other CAs. Without keepAlive every
// request opens a new connection, so every request is a handshake.
func tlsClient(pool *x509.CertPool, keepAlive bool, cert ...tls.Certificate) *http.Client {
	conf := &tls.Config{RootCAs: pool}
	if len(cert) > 0 {
		conf.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &cert[0], nil }
	}
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig:   conf,
		DisableKeepAlives: !keepAlive,
	}}
}

// listenerTLSYAML is a tls section for the given files, then more lines under it.
func listenerTLSYAML(certFile, keyFile string, more ...string) string {
	s := "tls:\n  cert: " + strconv.Quote(certFile) + "\n  key: " + strconv.Quote(keyFile) + "\n"
	for _, m := range more {
		s += "  " + m + "\n"
	}
	return s
}

// host is the host:port of an env's URL.
func (e *env) host() string {
	_, h, _ := strings.Cut(e.url, "://")
	return h
}

// peerSerial opens a new TLS connection to e and returns the serial number of the
// certificate it presented.
func peerSerial(t *testing.T, e *env, pool *x509.CertPool) *big.Int {
	t.Helper()
	conn, err := tls.Dial("tcp", e.host(), &tls.Config{RootCAs: pool})
	if err != nil {
		t.Fatalf("handshake: %v", err)
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0].SerialNumber
}

func TestListenerTLS(t *testing.T) {
	ca := configtest.NewCA(t, "esguard test CA")
	dir := t.TempDir()
	crt, key := ca.Server(t, "127.0.0.1").WriteFiles(t, dir, "server")
	e := newEnv(t, envOptions{tls: true, extraYAML: listenerTLSYAML(crt, key)})
	e.client = tlsClient(ca.Pool(), false)

	if r := e.call(t, "GET", "/logs-1/_search", "alice", ""); r.status != 200 || e.node.Count() != 1 {
		t.Fatalf("search over TLS: %d %s (node saw %d requests)", r.status, r.body, e.node.Count())
	}

	plain := &http.Client{Timeout: 5 * time.Second}
	if resp, err := plain.Get("http://" + e.host() + "/logs-1/_search"); err == nil {
		resp.Body.Close()
		t.Errorf("plain HTTP on the TLS port was answered: %d", resp.StatusCode)
	}

	old, err := tls.Dial("tcp", e.host(), &tls.Config{RootCAs: ca.Pool(), MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11})
	if err == nil {
		old.Close()
		t.Error("a TLS 1.1 client was accepted")
	} else if !strings.Contains(err.Error(), "protocol version") {
		t.Errorf("TLS 1.1 client: %v, want a protocol version alert", err)
	}

	if _, err := tlsClient(configtest.NewCA(t, "another CA").Pool(), false).Get(e.url + "/"); err == nil {
		t.Error("a client that does not trust the certificate's CA completed a request")
	}
	if n := e.node.Count(); n != 1 {
		t.Errorf("refused connections reached the node: %d requests", n)
	}
}

func TestListenerTLSMinVersion13(t *testing.T) {
	ca := configtest.NewCA(t, "esguard test CA")
	crt, key := ca.Server(t, "127.0.0.1").WriteFiles(t, t.TempDir(), "server")
	e := newEnv(t, envOptions{tls: true, extraYAML: listenerTLSYAML(crt, key, `min_version: "1.3"`)})

	if conn, err := tls.Dial("tcp", e.host(), &tls.Config{RootCAs: ca.Pool(), MaxVersion: tls.VersionTLS12}); err == nil {
		conn.Close()
		t.Error("a TLS 1.2 client was accepted with min_version 1.3")
	}
	conn, err := tls.Dial("tcp", e.host(), &tls.Config{RootCAs: ca.Pool()})
	if err != nil {
		t.Fatalf("TLS 1.3 client: %v", err)
	}
	defer conn.Close()
	if v := conn.ConnectionState().Version; v != tls.VersionTLS13 {
		t.Errorf("negotiated version %x", v)
	}
}

func TestListenerTLSClientAuth(t *testing.T) {
	ca := configtest.NewCA(t, "esguard test CA")
	clients := configtest.NewCA(t, "client CA")
	dir := t.TempDir()
	crt, key := ca.Server(t, "127.0.0.1").WriteFiles(t, dir, "server")
	clientCA := configtest.WriteFile(t, dir, "clients.crt", clients.CertPEM)
	valid := clients.Client(t, "alice-laptop").TLS(t)
	stranger := configtest.NewCA(t, "stranger CA").Client(t, "mallory").TLS(t)

	for _, tc := range []struct {
		mode                       string
		noCert, validCert, badCert bool // whether the request succeeds
	}{
		{mode: "required", noCert: false, validCert: true, badCert: false},
		{mode: "optional", noCert: true, validCert: true, badCert: false},
		{mode: "none", noCert: true, validCert: true, badCert: true},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			e := newEnv(t, envOptions{tls: true, extraYAML: listenerTLSYAML(crt, key,
				"client_ca: "+strconv.Quote(clientCA), "client_auth: "+tc.mode)})
			for _, c := range []struct {
				name  string
				certs []tls.Certificate
				ok    bool
			}{
				{"no client certificate", nil, tc.noCert},
				{"a certificate of the client CA", []tls.Certificate{valid}, tc.validCert},
				{"a certificate of another CA", []tls.Certificate{stranger}, tc.badCert},
			} {
				before := e.node.Count()
				e.client = tlsClient(ca.Pool(), false, c.certs...)
				req, err := http.NewRequestWithContext(t.Context(), "GET", e.url+"/logs-1/_search", nil)
				if err != nil {
					t.Fatal(err)
				}
				req.SetBasicAuth("alice", "alice-pass")
				resp, err := e.client.Do(req)
				switch {
				case c.ok && err != nil:
					t.Errorf("%s: %v", c.name, err)
				case c.ok && resp.StatusCode != 200:
					t.Errorf("%s: status %d", c.name, resp.StatusCode)
				case !c.ok && err == nil:
					t.Errorf("%s: the request was answered (%d), want a failed handshake", c.name, resp.StatusCode)
				case !c.ok && e.node.Count() != before:
					t.Errorf("%s: a refused connection reached the node", c.name)
				}
				if resp != nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			}
		})
	}
}

func TestListenerTLSReload(t *testing.T) {
	ca := configtest.NewCA(t, "esguard test CA")
	dir := t.TempDir()
	first := ca.Server(t, "127.0.0.1")
	crt, key := first.WriteFiles(t, dir, "server")
	e := newEnv(t, envOptions{tls: true, extraYAML: listenerTLSYAML(crt, key)})
	e.client = tlsClient(ca.Pool(), false)
	srv := e.srv

	// A keep-alive connection made before the reload.
	keep := tlsClient(ca.Pool(), true)
	get := func(c *http.Client) *big.Int {
		t.Helper()
		req, err := http.NewRequestWithContext(t.Context(), "GET", e.url+"/logs-1/_search", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.SetBasicAuth("alice", "alice-pass")
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		_, _ = io.Copy(io.Discard, resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("search: %d", resp.StatusCode)
		}
		return resp.TLS.PeerCertificates[0].SerialNumber
	}
	if got := get(keep); got.Cmp(first.Leaf.SerialNumber) != 0 {
		t.Fatalf("serial %v, want the first certificate's %v", got, first.Leaf.SerialNumber)
	}

	second := ca.Server(t, "127.0.0.1")
	second.WriteFiles(t, dir, "server")
	if ps := e.store.Reload(); ps.HasErrors() {
		t.Fatalf("reload: %v", ps)
	}
	if got := peerSerial(t, e, ca.Pool()); got.Cmp(second.Leaf.SerialNumber) != 0 {
		t.Fatalf("a new connection after the reload got serial %v, want the second certificate's %v", got, second.Leaf.SerialNumber)
	}
	if got := get(e.client); got.Cmp(second.Leaf.SerialNumber) != 0 {
		t.Errorf("request after the reload: serial %v", got)
	}
	if got := get(keep); got.Cmp(first.Leaf.SerialNumber) != 0 {
		t.Errorf("the connection made before the reload was replaced (serial %v): the server restarted", got)
	}
	if e.srv != srv {
		t.Fatal("the server was replaced")
	}

	// A key that does not match the certificate: the reload fails and the second
	// certificate stays in use.
	configtest.WriteFile(t, dir, "server.key", ca.Server(t, "127.0.0.1").KeyPEM)
	if ps := e.store.Reload(); !ps.HasErrors() {
		t.Fatal("a mismatched key reloaded")
	}
	if got := peerSerial(t, e, ca.Pool()); got.Cmp(second.Leaf.SerialNumber) != 0 {
		t.Errorf("after a failed reload: serial %v, want the second certificate's", got)
	}

	// Removing the tls section does not turn the listener into plain HTTP before a
	// restart: the last certificate stays in use.
	second.WriteFiles(t, dir, "server")
	yml := filepath.Join(e.dir, "esguard.yml")
	b, err := os.ReadFile(yml)
	if err != nil {
		t.Fatal(err)
	}
	plain, _, _ := strings.Cut(string(b), "tls:\n")
	write(t, e.dir, "esguard.yml", plain)
	if ps := e.store.Reload(); ps.HasErrors() {
		t.Fatalf("reload without tls: %v", ps)
	}
	if e.store.Load().TLSCertificate != nil {
		t.Fatal("the tls section is still loaded")
	}
	if got := peerSerial(t, e, ca.Pool()); got.Cmp(second.Leaf.SerialNumber) != 0 {
		t.Errorf("after removing tls: serial %v, want the second certificate's", got)
	}
}

// upstreamTLSSetup is a CA with the files of an https node and of esguard's client
// certificate.
type upstreamTLSSetup struct {
	ca                           *configtest.CA
	caFile, clientCrt, clientKey string
	server                       tls.Certificate
}

func newUpstreamTLSSetup(t *testing.T) upstreamTLSSetup {
	ca := configtest.NewCA(t, "cluster CA")
	dir := t.TempDir()
	s := upstreamTLSSetup{ca: ca, caFile: configtest.WriteFile(t, dir, "ca.crt", ca.CertPEM), server: ca.Server(t, "127.0.0.1", "es-node.test").TLS(t)}
	s.clientCrt, s.clientKey = ca.Client(t, "esguard").WriteFiles(t, dir, "esguard")
	return s
}

// node starts an https fake node, which asks for a client certificate of the CA when
// clientAuth is set.
func (s upstreamTLSSetup) node(t *testing.T, clientAuth bool) *proxytest.Node {
	conf := &tls.Config{Certificates: []tls.Certificate{s.server}, MinVersion: tls.VersionTLS12}
	if clientAuth {
		conf.ClientAuth, conf.ClientCAs = tls.RequireAndVerifyClientCert, s.ca.Pool()
	}
	n := proxytest.NewTLSNode(t, conf)
	n.SetCluster(defaultCluster)
	return n
}

// readyz starts an admin listener for e and returns the status of GET /readyz.
func readyz(t *testing.T, e *env) int {
	t.Helper()
	code, _ := getReadyz(t, e)
	return code
}

func TestUpstreamTLS(t *testing.T) {
	s := newUpstreamTLSSetup(t)
	ca := "  ca: " + strconv.Quote(s.caFile) + "\n"
	for _, tc := range []struct {
		name       string
		clientAuth bool   // the node requires a client certificate
		upstream   string // upstream lines after nodes and credentials
		fail       string // part of the 502 reason; "" when requests must pass
	}{
		{name: "ca", upstream: ca},
		{name: "server name", upstream: ca + "  server_name: es-node.test\n"},
		{name: "client certificate", clientAuth: true,
			upstream: ca + "  cert: " + strconv.Quote(s.clientCrt) + "\n  key: " + strconv.Quote(s.clientKey) + "\n"},
		{name: "system roots", upstream: "",
			fail: "TLS handshake failed: x509: certificate signed by unknown authority"},
		{name: "server name mismatch", upstream: ca + "  server_name: other.test\n",
			fail: "TLS handshake failed: x509: certificate is valid for es-node.test, not other.test"},
		{name: "no client certificate", clientAuth: true, upstream: ca,
			fail: "TLS handshake failed: the node refused it: tls: certificate required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			node := s.node(t, tc.clientAuth)
			e := newEnv(t, envOptions{node: node, noRefresh: true,
				upstream: "  nodes: [" + node.URL + "]\n  username: esguard\n  password: upstream-secret\n" + tc.upstream})
			refreshErr := e.srv.RefreshMetadata(t.Context())
			r := e.call(t, "GET", "/logs-1/_search", "alice", "")
			if tc.fail == "" {
				if refreshErr != nil || e.srv.Metadata().Get() == nil {
					t.Fatalf("metadata refresh: %v", refreshErr)
				}
				if r.status != 200 || node.Count() != 1 {
					t.Fatalf("search: %d %s (node saw %d requests)", r.status, r.body, node.Count())
				}
				if got := node.Requests()[0].Get("Authorization"); got == "" {
					t.Error("esguard's credentials did not reach the node")
				}
				if code := readyz(t, e); code != 200 {
					t.Errorf("/readyz: %d", code)
				}
				return
			}
			// Refresh may return nil when it waited on the background loop's fetch, so
			// the cache itself tells whether any fetch got through.
			if md := e.srv.Metadata().Get(); md != nil {
				t.Errorf("metadata was fetched (refresh error: %v)", refreshErr)
			}
			if r.status != 502 {
				t.Fatalf("search: %d %s, want 502", r.status, r.body)
			}
			typ, reason := r.esError(t)
			if typ != "esguard_upstream_exception" || !strings.Contains(reason, "upstream node ["+node.URL+"] failed") || !strings.Contains(reason, tc.fail) {
				t.Errorf("502 body: %s\nwant the node and %q", r.body, tc.fail)
			}
			if strings.Contains(r.body, "upstream-secret") {
				t.Error("the error shows the upstream password")
			}
			if n := node.Count(); n != 0 {
				t.Errorf("the node's handler saw %d requests", n)
			}
			if code := readyz(t, e); code != 503 {
				t.Errorf("/readyz: %d, want 503", code)
			}
		})
	}
}

// TestUpstreamTLSPlainNode points an https node URL at a node that speaks plain HTTP.
func TestUpstreamTLSPlainNode(t *testing.T) {
	node := proxytest.NewNode(t)
	url := strings.Replace(node.URL, "http://", "https://", 1)
	e := newEnv(t, envOptions{node: node, noRefresh: true, upstream: "  nodes: [" + url + "]\n"})
	r := e.call(t, "GET", "/logs-1/_search", "alice", "")
	if _, reason := r.esError(t); r.status != 502 || !strings.Contains(reason, "upstream node ["+url+"] failed: TLS handshake failed: the node did not answer in TLS") {
		t.Errorf("search: %d %s", r.status, r.body)
	}
	if n := node.Count(); n != 0 {
		t.Errorf("the node's handler saw %d requests", n)
	}
}
