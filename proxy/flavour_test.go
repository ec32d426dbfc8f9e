package proxy_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/esguard/esguard/config"
	"github.com/esguard/esguard/proxy"
	"github.com/esguard/esguard/proxy/proxytest"
)

// TestFlavourDetection loads flavor: auto against fake nodes of several versions: the
// flavour follows the cluster's GET /, or loading fails with the reason.
func TestFlavourDetection(t *testing.T) {
	for _, tc := range []struct {
		number, buildFlavor, distribution string
		flavour, err                      string
	}{
		{number: "9.1.0", flavour: "9"},
		{number: "9.4.2", flavour: "9"},
		{number: "7.17.25", err: "no privilege model"},
		{number: "10.0.0", err: "no privilege model"},
		{number: "2.19.1", distribution: "opensearch", err: "distribution [opensearch]"},
		{number: "banana", err: "not a version number"},
	} {
		t.Run(tc.number+tc.distribution, func(t *testing.T) {
			node := proxytest.NewNode(t)
			node.SetVersion(tc.number, tc.buildFlavor)
			if tc.distribution != "" {
				node.SetMain(`{"version":{"number":"` + tc.number + `","distribution":"` + tc.distribution + `"}}`)
			}
			path := flavourConfig(t, node.URL)
			snap, problems := config.LoadWith(path, config.Options{Detect: proxy.DetectFlavour})
			if tc.err != "" {
				if snap != nil || !strings.Contains(fmt.Sprint([]config.Problem(problems)), tc.err) {
					t.Fatalf("loaded %v with problems %v, want an error containing %q", snap != nil, problems, tc.err)
				}
				return
			}
			if snap == nil {
				t.Fatalf("config: %v", problems)
			}
			if snap.Flavor != tc.flavour || snap.FlavorSource != "detected: Elasticsearch "+tc.number {
				t.Errorf("flavour %q (%s), want %q", snap.Flavor, snap.FlavorSource, tc.flavour)
			}
			if node.DetectRequests() != 1 || node.Count() != 0 {
				t.Errorf("detection requests %d, recorded requests %d", node.DetectRequests(), node.Count())
			}
		})
	}
}

// TestFlavourDetectionOnReload: a reload asks the cluster again; when the cluster does
// not answer, the flavour detected before stays in force with a warning, and /readyz
// says where the flavour came from.
func TestFlavourDetectionOnReload(t *testing.T) {
	e := newEnv(t, envOptions{detect: true, extraYAML: "flavor: auto\n"})
	if got := e.store.Load().FlavorSource; got != "detected: Elasticsearch 9.1.0" {
		t.Fatalf("flavor source %q", got)
	}
	e.node.SetVersion("9.2.1", "")
	if ps := e.store.Reload(); ps.HasErrors() {
		t.Fatalf("reload: %v", ps)
	}
	if got := e.store.Load().FlavorSource; got != "detected: Elasticsearch 9.2.1" {
		t.Errorf("after an upgrade, flavor source %q", got)
	}
	e.node.Stop()
	ps := e.store.Reload()
	if ps.HasErrors() || !strings.Contains(fmt.Sprint([]config.Problem(ps)), "keeping [9]") {
		t.Fatalf("reload with the cluster down: %v", ps)
	}
	snap := e.store.Load()
	if snap.Flavor != "9" || snap.FlavorSource != "kept: Elasticsearch 9.2.1" {
		t.Errorf("kept flavour %q (%s)", snap.Flavor, snap.FlavorSource)
	}
	body := readyzBody(t, e)
	if body["flavor"] != "9" || body["flavor_source"] != "kept: Elasticsearch 9.2.1" {
		t.Errorf("/readyz: %v", body)
	}
}

// TestFlavourConfigured: an explicit flavor asks nothing, and an unknown one is an error.
func TestFlavourConfigured(t *testing.T) {
	node := proxytest.NewNode(t)
	path := flavourConfig(t, node.URL, "flavor: 9\n")
	snap, problems := config.LoadWith(path, config.Options{Detect: proxy.DetectFlavour})
	if snap == nil || snap.Flavor != "9" || snap.FlavorSource != "configured" {
		t.Fatalf("flavor 9: %v %v", snap, problems)
	}
	if node.DetectRequests() != 0 {
		t.Errorf("an explicit flavour asked the cluster %d times", node.DetectRequests())
	}
	path = flavourConfig(t, node.URL, "flavor: 7\n")
	if snap, problems := config.Load(path); snap != nil || !strings.Contains(fmt.Sprint([]config.Problem(problems)), "flavor [7] is not supported") {
		t.Errorf("flavor 7: %v", problems)
	}
}

// flavourConfig writes a minimal configuration in front of node and returns its path.
func flavourConfig(t *testing.T, node string, extra ...string) string {
	t.Helper()
	dir := t.TempDir()
	write(t, dir, "roles.yml", testRoles)
	yml := "listen: 127.0.0.1:0\nupstream:\n  nodes: [" + node + "]\nroles: [roles.yml]\n" + strings.Join(extra, "")
	write(t, dir, "esguard.yml", yml)
	return filepath.Join(dir, "esguard.yml")
}

// readyzBody starts an admin listener for e and returns the decoded GET /readyz body.
func readyzBody(t *testing.T, e *env) map[string]any {
	t.Helper()
	_, body := getReadyz(t, e)
	var out map[string]any
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatalf("/readyz: %v: %s", err, body)
	}
	return out
}

// getReadyz starts an admin listener for e and returns the status and body of GET /readyz.
func getReadyz(t *testing.T, e *env) (int, []byte) {
	t.Helper()
	admin := proxy.NewAdmin(e.store)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = admin.Serve(ln) }()
	t.Cleanup(func() { _ = admin.Shutdown(t.Context()) })
	resp, err := http.Get("http://" + ln.Addr().String() + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}
