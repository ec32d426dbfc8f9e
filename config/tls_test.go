package config_test

import (
	"crypto/tls"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/esguard/esguard/config"
	"github.com/esguard/esguard/config/configtest"
)

// tlsFiles writes certificates for the TLS configuration tests into dir: server.crt
// and server.key (a pair), other.key (a key of another certificate), ca.crt, the client
// certificate esguard.crt and esguard.key, garbage.pem (no certificate) and the
// directory certs.
func tlsFiles(t *testing.T, dir string) {
	t.Helper()
	ca := configtest.NewCA(t, "test CA")
	ca.Server(t, "127.0.0.1").WriteFiles(t, dir, "server")
	configtest.WriteFile(t, dir, "other.key", ca.Server(t, "127.0.0.1").KeyPEM)
	configtest.WriteFile(t, dir, "ca.crt", ca.CertPEM)
	ca.Client(t, "esguard").WriteFiles(t, dir, "esguard")
	configtest.WriteFile(t, dir, "garbage.pem", []byte("not a certificate\n"))
	if err := os.Mkdir(filepath.Join(dir, "certs"), 0o700); err != nil {
		t.Fatal(err)
	}
}

// loadConfig loads an esguard.yml made of nodes, the upstream lines after them, and
// rest, and returns the snapshot and the problems with dir removed from file names.
//
//	1 listen: 127.0.0.1:0
//	2 upstream:
//	3   nodes: [nodes]
//	4 upstream lines..., then roles and users, then rest
func loadConfig(t *testing.T, dir, nodes, upstream, rest string) (*config.Snapshot, string) {
	t.Helper()
	yml := "listen: 127.0.0.1:0\nupstream:\n  nodes: [" + nodes + "]\n" + upstream + "roles: [roles.yml]\nusers: users.yml\n" + rest
	for name, content := range map[string]string{"esguard.yml": yml, "roles.yml": "r: {}\n", "users.yml": ""} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	snap, ps := config.Load(filepath.Join(dir, "esguard.yml"))
	var got strings.Builder
	for _, p := range ps {
		got.WriteString(strings.ReplaceAll(p.String(), dir+string(filepath.Separator), "") + "\n")
	}
	return snap, got.String()
}

func TestTLSConfigLoads(t *testing.T) {
	dir := t.TempDir()
	tlsFiles(t, dir)
	snap, problems := loadConfig(t, dir, "https://es1:9200, https://es2:9200",
		"  ca: ca.crt\n  cert: esguard.crt\n  key: esguard.key\n  server_name: es.internal\n",
		"tls:\n  cert: server.crt\n  key: server.key\n  client_ca: ca.crt\n  client_auth: required\n  min_version: 1.3\n")
	if snap == nil || problems != "" {
		t.Fatalf("problems:\n%s", problems)
	}
	if snap.TLSCertificate == nil || snap.TLSCertificate.Leaf == nil || snap.TLSCertificate.Leaf.Subject.CommonName != "127.0.0.1" {
		t.Errorf("listener certificate: %+v", snap.TLSCertificate)
	}
	if snap.TLSClientCAs == nil || snap.TLSClientAuth != tls.RequireAndVerifyClientCert || snap.TLSMinVersion != tls.VersionTLS13 {
		t.Errorf("client auth %v, CAs %v, min version %x", snap.TLSClientAuth, snap.TLSClientCAs, snap.TLSMinVersion)
	}
	up := snap.UpstreamTLS
	if up == nil || up.RootCAs == nil || len(up.Certificates) != 1 || up.ServerName != "es.internal" || up.MinVersion != tls.VersionTLS12 || up.InsecureSkipVerify {
		t.Fatalf("upstream TLS: %+v", up)
	}
	for _, f := range []string{"server.crt", "server.key", "ca.crt", "esguard.crt", "esguard.key"} {
		if !slices.Contains(snap.Files, filepath.Join(dir, f)) {
			t.Errorf("%s is not among the snapshot's files %v", f, snap.Files)
		}
	}

	// Defaults: TLS 1.2, no client certificates, system roots upstream.
	snap, problems = loadConfig(t, dir, "https://es1", "", "tls: {cert: server.crt, key: server.key}\n")
	if snap == nil || problems != "" {
		t.Fatalf("problems:\n%s", problems)
	}
	if snap.TLSMinVersion != tls.VersionTLS12 || snap.TLSClientAuth != tls.NoClientCert || snap.TLSClientCAs != nil {
		t.Errorf("defaults: min version %x, client auth %v", snap.TLSMinVersion, snap.TLSClientAuth)
	}
	if snap.UpstreamTLS == nil || snap.UpstreamTLS.RootCAs != nil {
		t.Errorf("upstream TLS without ca: %+v", snap.UpstreamTLS)
	}

	// http nodes: no upstream TLS at all.
	snap, problems = loadConfig(t, dir, "http://es1", "", "")
	if snap == nil || problems != "" || snap.UpstreamTLS != nil || snap.TLSCertificate != nil {
		t.Fatalf("plain configuration: %s", problems)
	}
}

// TestTLSConfigProblems checks what the tls and upstream TLS settings refuse, with the
// line of each problem.
func TestTLSConfigProblems(t *testing.T) {
	dir := t.TempDir()
	tlsFiles(t, dir)
	listener := func(lines ...string) string {
		return "tls:\n  " + strings.Join(lines, "\n  ") + "\n"
	}
	for _, tc := range []struct {
		name     string
		nodes    string
		upstream string
		rest     string
		problem  string
	}{
		{name: "missing cert file", rest: listener("cert: missing.crt", "key: server.key"),
			problem: "esguard.yml:7: tls.cert: open missing.crt: no such file or directory"},
		{name: "cert file without certificate", rest: listener("cert: garbage.pem", "key: server.key"),
			problem: "esguard.yml:7: tls.cert: [garbage.pem] holds no PEM certificate"},
		{name: "missing key file", rest: listener("cert: server.crt", "key: missing.key"),
			problem: "esguard.yml:8: tls.key: open missing.key: no such file or directory"},
		{name: "key of another certificate", rest: listener("cert: server.crt", "key: other.key"),
			problem: "esguard.yml:8: tls.key [other.key] cannot be used with tls.cert [server.crt]: private key does not match public key"},
		{name: "cert without key", rest: listener("cert: server.crt"),
			problem: "esguard.yml:6: tls: set both cert and key"},
		{name: "min_version 1.1", rest: listener("cert: server.crt", "key: server.key", "min_version: 1.1"),
			problem: "esguard.yml:9: tls.min_version [1.1] is below 1.2, the lowest version esguard accepts"},
		{name: "min_version 1.0 quoted", rest: listener("cert: server.crt", "key: server.key", `min_version: "1.0"`),
			problem: "esguard.yml:9: tls.min_version [1.0] is below 1.2"},
		{name: "min_version unknown", rest: listener("cert: server.crt", "key: server.key", "min_version: 2"),
			problem: "esguard.yml:9: tls.min_version [2] is not one of 1.2, 1.3"},
		{name: "client_auth required without client_ca", rest: listener("cert: server.crt", "key: server.key", "client_auth: required"),
			problem: "esguard.yml:9: tls.client_auth [required] needs tls.client_ca, the CAs that sign client certificates"},
		{name: "client_auth optional without client_ca", rest: listener("cert: server.crt", "key: server.key", "client_auth: optional"),
			problem: "esguard.yml:9: tls.client_auth [optional] needs tls.client_ca"},
		{name: "client_auth unknown", rest: listener("cert: server.crt", "key: server.key", "client_ca: ca.crt", "client_auth: want"),
			problem: "esguard.yml:10: tls.client_auth [want] is not one of none, optional, required"},
		{name: "client_ca not read", rest: listener("cert: server.crt", "key: server.key", "client_ca: missing.crt", "client_auth: required"),
			problem: "esguard.yml:9: tls.client_ca: open missing.crt: no such file or directory"},
		{name: "client_ca without client_auth", rest: listener("cert: server.crt", "key: server.key", "client_ca: ca.crt"),
			problem: "esguard.yml:9: warning: tls.client_ca is set but tls.client_auth is none"},
		{name: "mixed http and https nodes", nodes: "http://es1:9200, https://es2:9200",
			problem: "esguard.yml:3: upstream.nodes: mixes http and https nodes; every node must use the same scheme"},
		{name: "upstream.ca missing", nodes: "https://es1", upstream: "  ca: missing.crt\n",
			problem: "esguard.yml:4: upstream.ca: open missing.crt: no such file or directory"},
		{name: "upstream.ca without certificate", nodes: "https://es1", upstream: "  ca: garbage.pem\n",
			problem: "esguard.yml:4: upstream.ca: [garbage.pem] holds no PEM certificate"},
		{name: "upstream.ca is a directory", nodes: "https://es1", upstream: "  ca: certs\n",
			problem: "esguard.yml:4: upstream.ca: read certs: is a directory"},
		{name: "upstream cert without key", nodes: "https://es1", upstream: "  ca: ca.crt\n  cert: esguard.crt\n",
			problem: "esguard.yml:2: upstream: set both cert and key, or neither"},
		{name: "upstream key of another certificate", nodes: "https://es1", upstream: "  cert: esguard.crt\n  key: other.key\n",
			problem: "esguard.yml:5: upstream.key [other.key] cannot be used with upstream.cert [esguard.crt]: private key does not match public key"},
		{name: "upstream server_name with a port", nodes: "https://es1", upstream: "  server_name: es1:9200\n",
			problem: "esguard.yml:4: upstream.server_name [es1:9200] is a host name, without scheme or port"},
		{name: "no way to skip verification", nodes: "https://es1", upstream: "  insecure_skip_verify: true\n",
			problem: "esguard.yml:4: field insecure_skip_verify not found in section Upstream; esguard always verifies TLS certificates"},
		{name: "upstream TLS settings with http nodes", nodes: "http://es1", upstream: "  ca: ca.crt\n",
			problem: "esguard.yml:2: warning: upstream: ca, cert, key and server_name apply to https nodes, and every node is http"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			nodes := tc.nodes
			if nodes == "" {
				nodes = "http://127.0.0.1:9200"
			}
			snap, got := loadConfig(t, dir, nodes, tc.upstream, tc.rest)
			if !strings.Contains(got, tc.problem) {
				t.Fatalf("problems lack %q:\n%s", tc.problem, got)
			}
			if warning := strings.Contains(tc.problem, "warning: "); warning != (snap != nil) {
				t.Errorf("snapshot %v for a problem that is a warning: %v", snap != nil, warning)
			}
		})
	}
}
