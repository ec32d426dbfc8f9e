package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHealthCommand(t *testing.T) {
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/readyz" {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(`{"status":"ok"}`))
	}))
	defer srv.Close()
	if code, out, errOut := runCmd(t, "", "health", "--url", srv.URL+"/readyz"); code != 0 || !strings.HasPrefix(out, "200 ") {
		t.Errorf("ready: exit %d, %q %q", code, out, errOut)
	}
	status = http.StatusServiceUnavailable
	if code, out, _ := runCmd(t, "", "health", "--url", srv.URL+"/readyz"); code != 1 || !strings.HasPrefix(out, "503 ") {
		t.Errorf("unready: exit %d, %q", code, out)
	}
	if code, _, _ := runCmd(t, "", "health", "--url", "http://127.0.0.1:1/healthz"); code != 1 {
		t.Errorf("nothing listening: exit %d", code)
	}
	if code, _, _ := runCmd(t, "", "health", "extra"); code != 2 {
		t.Errorf("bad usage: exit %d", code)
	}
}
