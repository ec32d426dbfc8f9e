package proxy_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/esguard/esguard/auth/authtest"
	"github.com/esguard/esguard/config"
	"github.com/esguard/esguard/proxy"
	"github.com/esguard/esguard/proxy/proxytest"
	"github.com/rs/zerolog"
)

// observed is a running esguard with metrics and an admin listener.
type observed struct {
	url, admin string
	dir        string
	store      *config.Store
	srv        *proxy.Server
}

const readerRoles = "reader:\n  indices:\n    - names: [logs-*]\n      privileges: [read]\n"

// newObserved starts esguard with one user, alice (password alice-pass, role reader),
// in front of a fake node. newObservedAt takes the nodes, comma-separated.
func newObserved(t *testing.T, extraYAML string) *observed {
	t.Helper()
	return newObservedAt(t, proxytest.NewNode(t).URL, extraYAML)
}

func newObservedAt(t *testing.T, nodeURL, extraYAML string) *observed {
	t.Helper()
	return newObservedUpstream(t, nodeURL, "", extraYAML)
}

// newObservedUpstream is newObservedAt with more lines for the upstream section.
func newObservedUpstream(t *testing.T, nodeURL, upstreamYAML, extraYAML string) *observed {
	t.Helper()
	dir := t.TempDir()
	write(t, dir, "roles.yml", readerRoles)
	write(t, dir, "users.yml", "alice:\n  password_hash: \""+authtest.Hash(t, "alice-pass")+"\"\n  roles: [reader]\n")
	write(t, dir, "esguard.yml", "listen: 127.0.0.1:0\nupstream:\n  nodes: ["+nodeURL+"]\n  connect_timeout: 1s\n"+upstreamYAML+"roles: [roles.yml]\nusers: users.yml\n"+extraYAML)
	snap, ps := config.Load(filepath.Join(dir, "esguard.yml"))
	if snap == nil {
		t.Fatalf("config: %v", ps)
	}
	store := config.NewStore(snap)
	m := proxy.NewMetrics(store)
	audit := proxy.NewAudit(io.Discard)
	m.ObserveAudit(audit)
	srv, err := proxy.New(store, proxy.Options{Audit: audit, Log: zerolog.Nop(), Metrics: m})
	if err != nil {
		t.Fatal(err)
	}
	admin := proxy.NewAdmin(store)
	admin.SetMetrics(m)
	admin.SetServer(srv)
	// Readiness needs metadata; some tests have no node that answers.
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	_ = srv.RefreshMetadata(ctx)
	cancel()
	o := &observed{dir: dir, store: store, srv: srv}
	for _, s := range []interface{ Serve(net.Listener) error }{srv, admin} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		go func() { _ = s.Serve(ln) }()
		if s == any(srv) {
			o.url = "http://" + ln.Addr().String()
		} else {
			o.admin = "http://" + ln.Addr().String()
		}
	}
	t.Cleanup(func() {
		_ = admin.Shutdown(context.Background())
		_ = srv.Shutdown(context.Background())
	})
	return o
}

// status sends GET uri as user with password pass ("" for no credentials).
func (o *observed) status(t *testing.T, uri, user, pass string) int {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), "GET", o.url+uri, nil)
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Error(err)
		return 0
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func (o *observed) get(t *testing.T, path string) (int, string) {
	t.Helper()
	resp, err := http.Get(o.admin + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// readyz decodes /readyz.
func (o *observed) readyz(t *testing.T) (code int, r struct {
	Status         string   `json:"status"`
	LastReload     string   `json:"last_reload"`
	ReloadProblems []string `json:"reload_problems"`
}) {
	t.Helper()
	code, body := o.get(t, "/readyz")
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		t.Fatalf("/readyz: %v: %s", err, body)
	}
	return code, r
}

func wantMetrics(t *testing.T, text string, lines ...string) {
	t.Helper()
	have := map[string]bool{}
	for l := range strings.SplitSeq(text, "\n") {
		have[l] = true
	}
	for _, l := range lines {
		if !have[l] {
			t.Errorf("/metrics lacks %q", l)
		}
	}
}

// TestMetricsCountRequests sends a known sequence of requests and reloads and reads
// the exact counters back from /metrics.
func TestMetricsCountRequests(t *testing.T) {
	o := newObserved(t, "reload: {watch: false}\n")
	for range 3 {
		if s := o.status(t, "/logs-1/_search", "alice", "alice-pass"); s != 200 {
			t.Fatalf("granted search: %d", s)
		}
	}
	for range 2 {
		if s := o.status(t, "/secret/_search", "alice", "alice-pass"); s != 403 {
			t.Fatalf("denied search: %d", s)
		}
	}
	for range 2 {
		if s := o.status(t, "/logs-1/_search", "alice", "wrong"); s != 401 {
			t.Fatalf("wrong password: %d", s)
		}
	}
	if s := o.status(t, "/_cluster/health", "", ""); s != 401 {
		t.Fatalf("no credentials: %d", s)
	}
	if s := o.status(t, "/_no_such_endpoint/x/y", "alice", "alice-pass"); s != 400 {
		t.Fatalf("unknown route: %d", s)
	}
	if ps := o.store.Reload(); ps.HasErrors() {
		t.Fatal(ps)
	}
	write(t, o.dir, "roles.yml", "reader: {cluster: [nonsense]}\n")
	if ps := o.store.Reload(); !ps.HasErrors() {
		t.Fatal("a broken roles file reloaded")
	}
	code, text := o.get(t, "/metrics")
	if code != 200 {
		t.Fatalf("/metrics: %d", code)
	}
	wantMetrics(t, text,
		`esguard_requests_total{action_family="indices:data/read",decision="granted",status="200"} 3`,
		`esguard_requests_total{action_family="indices:data/read",decision="denied",status="403"} 2`,
		`esguard_requests_total{action_family="none",decision="unauthenticated",status="401"} 3`,
		`esguard_requests_total{action_family="none",decision="failed",status="400"} 1`,
		`esguard_request_duration_seconds_count{decision="granted"} 3`,
		`esguard_authorization_duration_seconds_count 5`,
		`esguard_upstream_duration_seconds_count 3`,
		`esguard_authentication_failures_total{realm="default_file"} 2`,
		`esguard_authentication_failures_total{realm="none"} 1`,
		`esguard_config_reloads_total{result="success"} 1`,
		`esguard_config_reloads_total{result="failure"} 1`,
		`esguard_config_last_reload_success 0`,
		`esguard_auth_cache_entries 0`, // the reload built a new realm with an empty cache
		`esguard_audit_events_dropped_total 0`,
	)
	for _, name := range []string{"esguard_permission_cache_requests_total{result=\"hit\"}", "go_goroutines", "process_open_fds"} {
		if !strings.Contains(text, name) {
			t.Errorf("/metrics lacks %s", name)
		}
	}
	if strings.Contains(text, "esguard_upstream_errors_total{") {
		t.Error("upstream errors counted without any")
	}
}

// TestReloadUnderTraffic reloads while clients send requests, once through the file
// watcher and once with Store.Reload: a valid change grants a new index, a broken file
// keeps the last good snapshot, and every response is the old or the new decision.
func TestReloadUnderTraffic(t *testing.T) {
	for _, tc := range []struct {
		name  string
		extra string
		watch bool
	}{
		{"watcher", "reload: {debounce: 50ms}\n", true},
		{"direct", "reload: {watch: false}\n", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := newObserved(t, tc.extra)
			if tc.watch {
				ctx, cancel := context.WithCancel(t.Context())
				done := make(chan error, 1)
				go func() { done <- o.store.Watch(ctx, 50*time.Millisecond) }()
				t.Cleanup(func() {
					cancel()
					if err := <-done; err != nil {
						t.Error(err)
					}
				})
				time.Sleep(50 * time.Millisecond) // let the watcher start
			}
			reload := func(roles string, failed bool) {
				t.Helper()
				before := o.store.Status()
				// Written aside and renamed, as editors and config management do.
				write(t, o.dir, "roles.yml.new", roles)
				if err := os.Rename(filepath.Join(o.dir, "roles.yml.new"), filepath.Join(o.dir, "roles.yml")); err != nil {
					t.Fatal(err)
				}
				if !tc.watch {
					o.store.Reload()
				}
				deadline := time.Now().Add(5 * time.Second)
				for {
					st := o.store.Status()
					if (failed && st.Failed > before.Failed) || (!failed && st.Succeeded > before.Succeeded) {
						return
					}
					if time.Now().After(deadline) {
						t.Fatalf("no reload seen: %+v", st)
					}
					time.Sleep(10 * time.Millisecond)
				}
			}

			var stop atomic.Bool
			var mu sync.Mutex
			seen := map[int]int{}
			var wg sync.WaitGroup
			for range 4 {
				wg.Go(func() {
					for !stop.Load() {
						s := o.status(t, "/metrics-1/_search", "alice", "alice-pass")
						mu.Lock()
						seen[s]++
						mu.Unlock()
					}
				})
			}
			time.Sleep(30 * time.Millisecond)
			if s := o.status(t, "/metrics-1/_search", "alice", "alice-pass"); s != 403 {
				t.Fatalf("before the reload: %d", s)
			}
			reload(readerRoles+"    - names: [metrics-*]\n      privileges: [read]\n", false)
			if s := o.status(t, "/metrics-1/_search", "alice", "alice-pass"); s != 200 {
				t.Fatalf("after a valid reload: %d", s)
			}
			good := o.store.Load()
			reload("reader:\n  indices:\n    - names: [metrics-*]\n      privileges: [no_such_privilege]\n", true)
			if o.store.Load() != good {
				t.Fatal("a broken roles file replaced the snapshot")
			}
			if s := o.status(t, "/metrics-1/_search", "alice", "alice-pass"); s != 200 {
				t.Fatalf("after a failed reload: %d", s)
			}
			time.Sleep(30 * time.Millisecond)
			stop.Store(true)
			wg.Wait()
			for s, n := range seen {
				if s != 200 && s != 403 {
					t.Errorf("%d responses with status %d during reloads", n, s)
				}
			}
			if seen[200] == 0 || seen[403] == 0 {
				t.Errorf("traffic did not see both decisions: %v", seen)
			}

			code, r := o.readyz(t)
			if code != 200 || r.Status != "ok" || r.LastReload != "failed" || len(r.ReloadProblems) == 0 ||
				!strings.Contains(r.ReloadProblems[0], "roles.yml:") {
				t.Errorf("/readyz after a failed reload: %d %+v", code, r)
			}
			_, text := o.get(t, "/metrics")
			wantMetrics(t, text, `esguard_config_last_reload_success 0`)
			if !strings.Contains(text, `esguard_config_reloads_total{result="failure"}`) ||
				strings.Contains(text, `esguard_config_reloads_total{result="failure"} 0`) {
				t.Error("the failed reload is not counted")
			}
			if !tc.watch {
				wantMetrics(t, text, `esguard_config_reloads_total{result="success"} 1`, `esguard_config_reloads_total{result="failure"} 1`)
			}
		})
	}
}

// TestMetricsUpstreamErrors counts a failed upstream round trip.
func TestMetricsUpstreamErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String()
	ln.Close()
	o := newObservedAt(t, dead, "")
	if s := o.status(t, "/logs-1/_search", "alice", "alice-pass"); s != 502 {
		t.Fatalf("dead upstream: %d", s)
	}
	_, text := o.get(t, "/metrics")
	wantMetrics(t, text, `esguard_requests_total{action_family="indices:data/read",decision="failed",status="502"} 1`)
	wantMetrics(t, text, `esguard_upstream_errors_total{node="`+dead+`"} 1`)
}
