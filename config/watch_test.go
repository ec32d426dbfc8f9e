package config_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/esguard/esguard/config"
)

// copyValid copies testdata/valid into a temporary directory and returns its esguard.yml.
func copyValid(t *testing.T, extra string) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{"esguard.yml", "roles.yml", "users.yml"} {
		b, err := os.ReadFile(filepath.Join("testdata/valid", f))
		if err != nil {
			t.Fatal(err)
		}
		if f == "esguard.yml" {
			b = append(b, extra...)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "esguard.yml")
}

func TestSnapshotFiles(t *testing.T) {
	path := copyValid(t, "")
	snap, ps := config.Load(path)
	if snap == nil {
		t.Fatal(ps)
	}
	dir := filepath.Dir(path)
	want := []string{path, filepath.Join(dir, "roles.yml"), filepath.Join(dir, "users.yml")}
	if !slices.Equal(snap.Files, want) {
		t.Errorf("Files = %v, want %v", snap.Files, want)
	}
}

// TestWatchReloads changes a roles file under a running watcher: a valid change is
// swapped in, a broken one keeps the last good snapshot, and the status and hook say so.
func TestWatchReloads(t *testing.T) {
	path := copyValid(t, "reload: {debounce: 50ms}\n")
	snap, ps := config.Load(path)
	if snap == nil {
		t.Fatal(ps)
	}
	store := config.NewStore(snap)
	if st := store.Status(); st.Attempted() || !st.OK {
		t.Fatalf("status before any reload: %+v", st)
	}
	var mu sync.Mutex
	var seen []config.ReloadStatus
	store.OnReload(func(st config.ReloadStatus) {
		mu.Lock()
		seen = append(seen, st)
		mu.Unlock()
	})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- store.Watch(ctx, snap.Config.Reload.DebounceOr()) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	time.Sleep(50 * time.Millisecond)
	waitFor := func(what string, ok func(config.ReloadStatus) bool) config.ReloadStatus {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			if st := store.Status(); ok(st) {
				return st
			}
		}
		t.Fatalf("%s: status %+v", what, store.Status())
		return config.ReloadStatus{}
	}
	roles := filepath.Join(filepath.Dir(path), "roles.yml")
	orig, _ := os.ReadFile(roles)
	if err := os.WriteFile(roles, append(orig, "extra_role:\n  cluster: [monitor]\n"...), 0o600); err != nil {
		t.Fatal(err)
	}
	waitFor("valid change", func(st config.ReloadStatus) bool { return st.Succeeded > 0 })
	good := store.Load()
	if good == snap || good.Roles["extra_role"] == nil {
		t.Fatal("the valid change was not swapped in")
	}
	if err := os.WriteFile(roles, []byte("logs_reader:\n  cluster: [nonsense]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	st := waitFor("broken change", func(st config.ReloadStatus) bool { return st.Failed > 0 })
	if store.Load() != good {
		t.Fatal("a broken roles file replaced the snapshot")
	}
	if st.OK || !st.Problems.HasErrors() || !strings.Contains(st.Problems[0].File, "roles.yml") {
		t.Errorf("status after a broken change: %+v", st)
	}
	// A file the configuration does not read changes nothing.
	before := store.Status()
	if err := os.WriteFile(filepath.Join(filepath.Dir(path), "audit.log"), []byte("x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	if after := store.Status(); after.Succeeded+after.Failed != before.Succeeded+before.Failed {
		t.Errorf("an unrelated file triggered a reload: %+v", after)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) < 2 || !seen[0].OK || seen[len(seen)-1].OK {
		t.Errorf("OnReload saw %+v", seen)
	}
}

func TestAuditAndReloadSettings(t *testing.T) {
	path := copyValid(t, `audit:
  events: {include: [access_denied, tampered_request], exclude: [acess_granted]}
  ignore:
    - {users: [alice]}
    - {}
reload: {debounce: -1s}
`)
	snap, ps := config.Load(path)
	if snap != nil {
		t.Fatal("invalid audit and reload settings loaded")
	}
	var out strings.Builder
	for _, p := range ps {
		out.WriteString(p.String() + "\n")
	}
	for _, want := range []string{
		"warning: audit.events.include: esguard never emits event [tampered_request]",
		"audit.events.exclude: unknown event action [acess_granted], did you mean [access_granted]?",
		"audit.ignore[1]: a policy needs at least one of users, realms, roles, indices, actions",
		"reload.debounce [-1s] must not be negative",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("missing %q in:\n%s", want, out.String())
		}
	}

	ok, ps := config.Load(copyValid(t, "audit: {events: {include: [_all], exclude: [access_granted]}, ignore: [{indices: [\"logs-*\"], users: [\"*\"]}]}\nreload: {watch: false}\n"))
	if ok == nil {
		t.Fatal(ps)
	}
	if ok.Config.Reload.Watching() || ok.Config.Reload.DebounceOr() != time.Second || len(ok.Config.Audit.Ignore) != 1 {
		t.Errorf("settings: %+v", ok.Config)
	}
}
