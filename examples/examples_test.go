// Package examples holds runnable configurations; its test proves every one of them
// loads without errors.
package examples_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/esguard/esguard/auth"
	"github.com/esguard/esguard/auth/authtest"
	"github.com/esguard/esguard/config"
	"github.com/esguard/esguard/proxy"
	"github.com/esguard/esguard/proxy/proxytest"
	"github.com/rs/zerolog"
	"go.yaml.in/yaml/v3"
)

func TestExampleConfigsLoad(t *testing.T) {
	for _, path := range []string{"quickstart/esguard.yml", "quickstart/compose-esguard.yml", "compose/esguard.yml", "auth/esguard.yml", "runas/esguard.yml", "runas/esguard-delegate.yml"} {
		t.Run(path, func(t *testing.T) {
			snap, problems := config.Load(path)
			if snap == nil || len(problems) > 0 {
				t.Fatalf("problems: %v", problems)
			}
		})
	}
}

// TestKubernetesConfigLoads loads the esguard.yml, roles.yml and users.yml that the
// Kubernetes manifests mount.
func TestKubernetesConfigLoads(t *testing.T) {
	data := map[string]string{}
	for _, f := range []string{"kubernetes/configmap.yaml", "kubernetes/secret.yaml"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Data       map[string]string `yaml:"data"`
			StringData map[string]string `yaml:"stringData"`
		}
		if err := yaml.Unmarshal(b, &doc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for k, v := range doc.Data {
			data[k] = v
		}
		for k, v := range doc.StringData {
			data[k] = v
		}
	}
	dir := t.TempDir()
	data["esguard.yml"] = strings.Replace(data["esguard.yml"], "/etc/esguard/secret/users.yml", "users.yml", 1)
	for _, name := range []string{"esguard.yml", "roles.yml", "users.yml"} {
		if data[name] == "" {
			t.Fatalf("the manifests do not provide %s", name)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data[name]), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	snap, problems := config.Load(filepath.Join(dir, "esguard.yml"))
	if snap == nil || len(problems) > 0 {
		t.Fatalf("problems: %v", problems)
	}
}

// TestAuthExampleCredentials authenticates the credentials examples/auth documents.
func TestAuthExampleCredentials(t *testing.T) {
	snap, problems := config.Load("auth/esguard.yml")
	if snap == nil {
		t.Fatal(problems)
	}
	token, err := os.ReadFile("auth/example-token.jwt")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		header, user, realm string
		roles               []string
	}{
		{authtest.BasicHeader("alice", "reader-pass"), "alice", "default_file", []string{"logs_reader"}},
		{authtest.APIKeyHeader("ingest-key-1", "key-secret-1"), "ingest", "_es_api_key", []string{}},
		{authtest.BearerHeader(strings.TrimSpace(string(token))), "alice", "corp-idp", []string{"inventory_user", "logs_reader"}},
	} {
		cred, err := auth.ParseAuthorization(tc.header)
		if err != nil {
			t.Fatal(err)
		}
		id, err := snap.Realms.Authenticate(context.Background(), cred)
		if err != nil {
			t.Fatalf("%s: %v", tc.header, err)
		}
		if id.Username != tc.user || id.RealmName != tc.realm || !slices.Equal(id.Roles, tc.roles) {
			t.Errorf("%s: %+v", tc.realm, id)
		}
	}
}

// serveExample runs esguard with an example configuration in front of a fake node.
func serveExample(t *testing.T, path string) (url string, node *proxytest.Node) {
	t.Helper()
	snap, problems := config.Load(path)
	if snap == nil {
		t.Fatal(problems)
	}
	node = proxytest.NewNode(t)
	node.SetCluster(proxytest.Cluster{Indices: []proxytest.Index{{Name: "logs-1"}, {Name: "logs-2"}}})
	snap.Config.Upstream.Nodes = []string{node.URL}
	srv, err := proxy.New(config.NewStore(snap), proxy.Options{Audit: proxy.NewAudit(io.Discard), Log: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
	if err := srv.RefreshMetadata(t.Context()); err != nil {
		t.Fatal(err)
	}
	return "http://" + ln.Addr().String(), node
}

func get(t *testing.T, url string, headers ...string) int {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), "GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Add(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode
}

// TestRunAsExamples runs the requests examples/runas documents.
func TestRunAsExamples(t *testing.T) {
	const runAs, why = "es-security-runas-user", "X-Run-As-Reason"
	t.Run("local", func(t *testing.T) {
		url, node := serveExample(t, "runas/esguard.yml")
		reporting := authtest.BasicHeader("reporting", "reporting-pass")
		support := authtest.BasicHeader("support", "support-pass")
		for _, tc := range []struct {
			name    string
			path    string
			headers []string
			status  int
		}{
			{"reporting as alice", "/logs-*/_search?size=0", []string{"Authorization", reporting, runAs, "alice", why, "weekly report"}, 200},
			{"reporting without a reason", "/logs-*/_search?size=0", []string{"Authorization", reporting, runAs, "alice"}, 403},
			{"reporting as ops", "/logs-*/_search?size=0", []string{"Authorization", reporting, runAs, "ops", why, "x"}, 403},
			{"support as bob", "/_security/_authenticate", []string{"Authorization", support, runAs, "bob", why, "ticket 4711"}, 200},
			{"support as bob reads logs", "/logs-1/_search", []string{"Authorization", support, runAs, "bob", why, "ticket 4711"}, 200},
			{"support as ops", "/_cluster/health", []string{"Authorization", support, runAs, "ops", why, "ticket 4711"}, 403},
		} {
			node.Reset()
			if got := get(t, url+tc.path, tc.headers...); got != tc.status {
				t.Errorf("%s: status %d, want %d", tc.name, got, tc.status)
			}
			for _, r := range node.Requests() {
				if r.Get(runAs) != "" || r.Get(why) != "" {
					t.Errorf("%s: run_as headers forwarded in local mode", tc.name)
				}
			}
		}
	})
	t.Run("delegate", func(t *testing.T) {
		url, node := serveExample(t, "runas/esguard-delegate.yml")
		token, err := os.ReadFile("auth/example-token.jwt")
		if err != nil {
			t.Fatal(err)
		}
		if got := get(t, url+"/logs-*/_search?size=0", "Authorization", authtest.BearerHeader(strings.TrimSpace(string(token)))); got != 200 {
			t.Fatalf("status %d", got)
		}
		reqs := node.Requests()
		if len(reqs) != 1 || reqs[0].Get(runAs) != "alice" || reqs[0].Get("Authorization") != authtest.BasicHeader("esguard-gateway", "gateway-pass") {
			t.Fatalf("the cluster received %+v", reqs)
		}
	})
}
