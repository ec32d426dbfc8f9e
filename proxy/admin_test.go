package proxy_test

import (
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/esguard/esguard/proxy"
)

func TestAdminEndpoints(t *testing.T) {
	e := newEnv(t, envOptions{})
	admin := proxy.NewAdmin(e.store)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = admin.Serve(ln) }()
	t.Cleanup(func() { _ = admin.Shutdown(t.Context()) })
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := http.Get("http://" + ln.Addr().String() + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/healthz"); code != 200 || !strings.Contains(body, `"ok"`) {
		t.Errorf("/healthz: %d %s", code, body)
	}
	if code, body := get("/readyz"); code != 200 || !strings.Contains(body, e.node.URL) {
		t.Errorf("/readyz with a reachable upstream: %d %s", code, body)
	}
	if got := e.node.Requests(); len(got) != 1 || got[0].Path() != "/" || got[0].Get("Authorization") == "" {
		t.Errorf("readiness probe at the cluster: %v", got)
	}
	if code, _ := get("/logs-1/_search"); code != 404 {
		t.Errorf("the admin port serves client paths: %d", code)
	}

	down := newEnv(t, envOptions{upstream: "  nodes: [http://127.0.0.1:1]\n"})
	if code := readyz(t, down); code != 503 {
		t.Errorf("/readyz with an unreachable upstream: %d", code)
	}
}
