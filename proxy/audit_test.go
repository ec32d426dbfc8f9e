package proxy

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/esguard/esguard/config"
)

// TestAuditFilter checks audit.events and audit.ignore drop exactly the expected events.
func TestAuditFilter(t *testing.T) {
	events := []*auditEvent{
		{action: eventAccessGranted, user: "alice", realm: "default_file", roles: []string{"logs_reader"}, esAction: "indices:data/read/search", indices: []string{"logs-1"}, requestID: "granted-logs"},
		{action: eventAccessGranted, user: "alice", realm: "default_file", roles: []string{"logs_reader"}, esAction: "indices:data/read/search", indices: []string{"logs-1", "secret"}, requestID: "granted-mixed"},
		{action: eventAccessGranted, user: "alice", realm: "default_file", roles: []string{"logs_reader"}, esAction: "cluster:monitor/health", requestID: "granted-noindex"},
		{action: eventAccessDenied, user: "bob", realm: "default_file", roles: []string{"admin", "logs_reader"}, esAction: "indices:data/write/bulk", indices: []string{"logs-1"}, requestID: "denied-bob"},
		{action: eventAuthenticationFailed, user: "mallory", realm: "default_file", requestID: "authfail"},
		{action: eventAnonymousDenied, requestID: "anon"},
		{action: eventRunAsGranted, user: "report-bot", runBy: "portal", realm: "default_file", roles: []string{"logs_reader"}, requestID: "runas"},
	}
	for _, tc := range []struct {
		name string
		cfg  config.Audit
		want []string
	}{
		{"no filter", config.Audit{}, []string{"granted-logs", "granted-mixed", "granted-noindex", "denied-bob", "authfail", "anon", "runas"}},
		{"include", config.Audit{Events: config.AuditEvents{Include: []string{"access_denied", "authentication_failed"}}},
			[]string{"denied-bob", "authfail"}},
		{"include all, exclude", config.Audit{Events: config.AuditEvents{Include: []string{"_all"}, Exclude: []string{"access_granted", "anonymous_access_denied"}}},
			[]string{"denied-bob", "authfail", "runas"}},
		{"ignore users", config.Audit{Ignore: []config.AuditIgnore{{Users: []string{"ali*", "report-*"}}}},
			[]string{"denied-bob", "authfail", "anon"}},
		{"ignore needs every list", config.Audit{Ignore: []config.AuditIgnore{{Users: []string{"alice"}, Actions: []string{"cluster:*"}}}},
			[]string{"granted-logs", "granted-mixed", "denied-bob", "authfail", "anon", "runas"}},
		{"ignore indices when all match", config.Audit{Ignore: []config.AuditIgnore{{Indices: []string{"logs-*"}}}},
			[]string{"granted-mixed", "granted-noindex", "authfail", "anon", "runas"}},
		{"ignore roles when all match", config.Audit{Ignore: []config.AuditIgnore{{Roles: []string{"logs_reader"}}}},
			[]string{"denied-bob", "authfail", "anon"}},
		{"ignore realm, two policies", config.Audit{Ignore: []config.AuditIgnore{{Realms: []string{"default_file"}, Users: []string{"mallory"}}, {Actions: []string{"indices:data/write/*"}}}},
			[]string{"granted-logs", "granted-mixed", "granted-noindex", "anon", "runas"}},
		{"star matches a missing value", config.Audit{Ignore: []config.AuditIgnore{{Users: []string{"*"}, Indices: []string{"*"}}}},
			nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			a := NewAudit(&buf)
			a.Configure(tc.cfg)
			for _, ev := range events {
				a.write(ev)
			}
			var got []string
			for line := range bytes.SplitSeq(bytes.TrimSpace(buf.Bytes()), []byte("\n")) {
				if len(line) == 0 {
					continue
				}
				var ev map[string]any
				if err := json.Unmarshal(line, &ev); err != nil {
					t.Fatal(err)
				}
				got = append(got, ev["request.id"].(string))
			}
			if !equalStrings(got, tc.want) {
				t.Errorf("written %v, want %v", got, tc.want)
			}
		})
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestWildcardMatch(t *testing.T) {
	for _, tc := range []struct {
		pattern, s string
		want       bool
	}{
		{"*", "", true}, {"*", "x", true}, {"", "", true}, {"", "x", false},
		{"logs-*", "logs-1", true}, {"logs-*", "log", false}, {"*-prod", "a-prod", true},
		{"a*b*c", "aXbYc", true}, {"a*b*c", "aXbY", false}, {"a**", "a", true}, {"abc", "abd", false},
	} {
		if got := wildcardMatch(tc.pattern, tc.s); got != tc.want {
			t.Errorf("wildcardMatch(%q, %q) = %v", tc.pattern, tc.s, got)
		}
	}
}

// TestAuditRotation renames the audit file, reopens it, and finds later events in a
// new file at the configured path; Close flushes everything queued.
func TestAuditRotation(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	a, err := OpenAudit(path)
	if err != nil {
		t.Fatal(err)
	}
	a.write(&auditEvent{action: eventAccessGranted, requestID: "before"})
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	if err := a.Reopen(); err != nil {
		t.Fatal(err)
	}
	a.write(&auditEvent{action: eventAccessGranted, requestID: "after"})
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	a.write(&auditEvent{action: eventAccessGranted, requestID: "closed"})
	old, _ := os.ReadFile(path + ".1")
	cur, _ := os.ReadFile(path)
	if !bytes.Contains(old, []byte(`"before"`)) || bytes.Contains(old, []byte(`"after"`)) {
		t.Errorf("rotated file: %s", old)
	}
	if !bytes.Contains(cur, []byte(`"after"`)) || bytes.Contains(cur, []byte(`"before"`)) || bytes.Contains(cur, []byte(`"closed"`)) {
		t.Errorf("new file: %s", cur)
	}
	if a.Dropped() != 1 {
		t.Errorf("Dropped = %d after one write to a closed audit, want 1", a.Dropped())
	}
}

// blockingWriter blocks every write until release is closed.
type blockingWriter struct{ release chan struct{} }

func (b blockingWriter) Write(p []byte) (int, error) {
	<-b.release
	return len(p), nil
}

// TestAuditQueueFull keeps the destination stuck: writes wait a bounded time, then
// the events are dropped and counted, and nothing blocks once the destination recovers.
func TestAuditQueueFull(t *testing.T) {
	w := blockingWriter{release: make(chan struct{})}
	a := newQueuedAudit(w, "")
	a.queue.wait = 100 * time.Microsecond
	// The writer goroutine takes the pending batch (at least the first event) and
	// blocks writing it; then max more wait, and the rest are dropped.
	const limit, extra = 100, 1000
	a.queue.max = limit
	start := time.Now()
	for range limit + 1 + extra {
		a.write(&auditEvent{action: eventAccessGranted, requestID: "r"})
	}
	if d := a.Dropped(); d == 0 || d > extra {
		t.Errorf("Dropped = %d, want 1 to %d", d, extra)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("writes to a stuck destination took %v", took)
	}
	close(w.release)
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
}
