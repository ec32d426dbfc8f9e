package config_test

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/esguard/esguard/config"
)

var update = flag.Bool("update", false, "rewrite golden files")

// render prints problems the way `esguard validate` does, with paths relative to testdata.
func render(t *testing.T, ps config.Problems) string {
	t.Helper()
	abs, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, p := range ps {
		b.WriteString(strings.ReplaceAll(p.String(), abs+string(filepath.Separator), ""))
		b.WriteByte('\n')
	}
	return b.String()
}

func TestValidateBrokenGolden(t *testing.T) {
	snap, ps := config.Load("testdata/broken/esguard.yml")
	if snap != nil {
		t.Fatal("a configuration with errors produced a snapshot")
	}
	got := render(t, ps)
	golden := "testdata/broken/validate.golden"
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("validate output differs from %s (run with -update to accept):\n got:\n%s\nwant:\n%s", golden, got, want)
	}
	// The problems every reader of the golden file should find, independently of its text.
	for _, want := range []string{
		"broken/roles.yml:2: ", "monitr", "did you mean [monitor]",
		"broken/roles.yml:5: ", "raed", "did you mean [read]",
		"broken/roles.yml:7: warning: ", "manage_data_frame_transforms",
		"broken/roles.yml:9: ", "/logs-[0-9/",
		"broken/roles.yml:13: warning: ",
		"broken/roles.yml:19: ", "unknown field [privilege]",
		"broken/users.yml:3: ", "unknown role [readr]",
		"broken/users.yml:5: ",
		"broken/esguard.yml:7: ", "kerberos",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("validate output lacks %q", want)
		}
	}
}

func TestValidConfigs(t *testing.T) {
	for _, dir := range []string{"valid", "esrealm"} {
		t.Run(dir, func(t *testing.T) {
			snap, ps := config.Load(filepath.Join("testdata", dir, "esguard.yml"))
			if snap == nil {
				t.Fatalf("problems: %s", render(t, ps))
			}
			if ps.HasErrors() {
				t.Fatalf("errors in a loaded snapshot: %s", render(t, ps))
			}
			alice, ok := snap.Realms.Lookup(context.Background(), "alice")
			if !ok {
				t.Fatal("alice not found")
			}
			if !contains(alice.Roles, "logs_reader") {
				t.Errorf("alice roles %v", alice.Roles)
			}
			perm, err := snap.Permission(alice.Roles)
			if err != nil {
				t.Fatal(err)
			}
			if !perm.Index("indices:data/read/search", "logs-1") || perm.Index("indices:data/read/search", "secret") {
				t.Error("alice's compiled permission is wrong")
			}
			again, _ := snap.Permission(alice.Roles)
			if again != perm {
				t.Error("the permission of a role set is compiled more than once")
			}
		})
	}
}

func TestESFileRealmRoles(t *testing.T) {
	snap, ps := config.Load("testdata/esrealm/esguard.yml")
	if snap == nil {
		t.Fatal(render(t, ps))
	}
	alice, _ := snap.Realms.Lookup(context.Background(), "alice")
	if strings.Join(alice.Roles, ",") != "logs_reader,monitoring" {
		t.Errorf("alice roles %v", alice.Roles)
	}
	if !strings.Contains(render(t, ps), "esrealm/users_roles:4: warning: role [monitoring] is assigned to unknown user [ghost]") {
		t.Errorf("missing warning for an unknown user in users_roles:\n%s", render(t, ps))
	}
}

func TestReloadKeepsLastGoodSnapshot(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"esguard.yml", "roles.yml", "users.yml"} {
		b, err := os.ReadFile(filepath.Join("testdata/valid", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	snap, ps := config.Load(filepath.Join(dir, "esguard.yml"))
	if snap == nil {
		t.Fatal(render(t, ps))
	}
	store := config.NewStore(snap)
	if err := os.WriteFile(filepath.Join(dir, "roles.yml"), []byte("logs_reader:\n  cluster: [nonsense]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if ps := store.Reload(); !ps.HasErrors() {
		t.Fatal("a broken roles file reloaded without errors")
	}
	if store.Load() != snap {
		t.Fatal("a failed reload replaced the snapshot")
	}
	if err := os.WriteFile(filepath.Join(dir, "roles.yml"), []byte("logs_reader:\n  cluster: [monitor]\nadmin: {}\ningest_writer: {}\nmonitoring: {}\nportal: {}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if ps := store.Reload(); ps.HasErrors() {
		t.Fatalf("valid reload failed: %v", ps)
	}
	if store.Load() == snap {
		t.Fatal("a valid reload kept the old snapshot")
	}
}

func contains(ss []string, s string) bool {
	for _, v := range ss {
		if v == s {
			return true
		}
	}
	return false
}
