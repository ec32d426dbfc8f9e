package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/esguard/esguard/privileges"
)

// TestValidatePerFlavour validates one set of roles against every flavour: each refuses
// exactly the roles whose privilege it does not have, and says why. Shield 1.x reads the
// same roles in its own file shape (roles-shield1.yml).
func TestValidatePerFlavour(t *testing.T) {
	for _, tc := range []struct {
		flavour string
		refused []string // roles with an error
		reason  string   // a phrase of one refusal
	}{
		{"9", []string{"crud_user", "shield_admin"}, "unknown cluster privilege [manage_shield]"},
		{"8", []string{"crud_user", "esql_monitor", "shield_admin"}, "unknown cluster privilege [monitor_esql]"},
		{"serverless", []string{"crud_user", "ilm_admin", "shield_admin"}, "cluster privilege [manage_ilm] is not available on Elastic Cloud Serverless"},
		{"shield2", []string{"crud_user", "doc_creator", "esql_monitor", "ilm_admin", "shield_admin"}, "unknown index privilege [create_doc]"},
		{"shield1", []string{"doc_creator", "esql_monitor", "ilm_admin"}, "unknown index privilege [create_doc]"},
	} {
		t.Run(tc.flavour, func(t *testing.T) {
			cfg := "testdata/flavours/esguard.yml"
			if tc.flavour == "shield1" {
				cfg = "testdata/flavours/esguard-shield1.yml"
			}
			code, out, _ := runCmd(t, "", "validate", "--config", cfg, "--flavor", tc.flavour)
			if code != 1 {
				t.Fatalf("exit %d:\n%s", code, out)
			}
			role := regexp.MustCompile(`:\d+: role \[([a-z_]+)\]`)
			var refused []string
			for _, m := range role.FindAllStringSubmatch(out, -1) {
				refused = append(refused, m[1])
			}
			slices.Sort(refused)
			if !slices.Equal(slices.Compact(refused), tc.refused) {
				t.Errorf("refused roles %v, want %v:\n%s", refused, tc.refused, out)
			}
			if !strings.Contains(out, tc.reason) {
				t.Errorf("no %q in:\n%s", tc.reason, out)
			}
		})
	}
	if code, _, errOut := runCmd(t, "", "validate", "--config", "testdata/flavours/esguard.yml", "--flavor", "7"); code != 2 || !strings.Contains(errOut, "unknown flavor [7]") {
		t.Errorf("--flavor 7: exit %d, %s", code, errOut)
	}
}

// TestMigrateTo migrates Shield 1.x roles to 9 and back: the printed roles validate
// under the target flavour, renamed privileges appear under their new names, and what
// has no equivalent is listed.
func TestMigrateTo(t *testing.T) {
	code, out, errOut := runCmd(t, "", "validate", "--config", "testdata/flavours/shield1.yml", "--migrate-to", "9")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"cluster: [delegate_pki, manage_security,",                     // manage_shield
		"privileges: ['indices:data/write/*', 'indices:data/read/*', ", // crud
		"no equivalent for indices:data/read/percolate",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in the migrated roles:\n%s", want, out)
		}
	}
	if !strings.Contains(errOut, "role [searcher]: index privilege [indices:data/read/percolate] has no equivalent") {
		t.Errorf("the summary does not list the lost privilege:\n%s", errOut)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "roles.yml"), []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, flavour := range []string{"9", "8", "shield2", "shield1"} {
		code, out, errOut := runCmd(t, "", "validate", "--config", "testdata/flavours/shield1.yml", "--migrate-to", flavour)
		if code != 0 {
			t.Fatalf("to %s: exit %d: %s", flavour, code, errOut)
		}
		if err := os.WriteFile(filepath.Join(dir, "roles.yml"), []byte(out), 0o600); err != nil {
			t.Fatal(err)
		}
		cfg := "listen: 127.0.0.1:0\nupstream:\n  nodes: [http://127.0.0.1:9200]\nflavor: " + flavour + "\nroles: [roles.yml]\n"
		if err := os.WriteFile(filepath.Join(dir, "esguard.yml"), []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
		if code, vout, _ := runCmd(t, "", "validate", "--config", filepath.Join(dir, "esguard.yml")); code != 0 {
			t.Errorf("the roles migrated to %s do not validate there:\n%s\n%s", flavour, vout, out)
		}
	}
}

// TestPrivilegesCommand prints catalogues: every privilege of a flavour, one by name
// with its actions and description, and the reason a Serverless privilege is missing.
func TestPrivilegesCommand(t *testing.T) {
	code, out, _ := runCmd(t, "", "privileges", "--flavor", "shield1", "crud")
	if code != 0 || !strings.Contains(out, "indices:data/write/*, indices:data/read/*") || !strings.Contains(out, "read and write") {
		t.Errorf("privileges --flavor shield1 crud: exit %d:\n%s", code, out)
	}
	code, _, errOut := runCmd(t, "", "privileges", "--flavor", "serverless", "manage_ilm")
	if code != 1 || !strings.Contains(errOut, "not available on Elastic Cloud Serverless") {
		t.Errorf("serverless manage_ilm: exit %d: %s", code, errOut)
	}
	code, _, errOut = runCmd(t, "", "privileges", "--flavor", "9", "raed")
	if code != 1 || !strings.Contains(errOut, "did you mean [read]") {
		t.Errorf("a typo: exit %d: %s", code, errOut)
	}
	for _, flavour := range privileges.Flavours {
		code, out, _ := runCmd(t, "", "privileges", "--flavor", flavour, "--json")
		var list []struct{ Kind, Name, Description string }
		if code != 0 || json.Unmarshal([]byte(out), &list) != nil {
			t.Fatalf("%s --json: exit %d: %.200s", flavour, code, out)
		}
		cat, _ := privileges.CatalogueFor(flavour)
		if want := len(cat.Names(privileges.ClusterKind)) + len(cat.Names(privileges.IndexKind)); len(list) != want {
			t.Errorf("%s: %d privileges printed, the catalogue has %d", flavour, len(list), want)
		}
		described := 0
		for _, p := range list {
			if p.Description != "" {
				described++
			}
		}
		if described < len(list)/2 {
			t.Errorf("%s: only %d of %d privileges have a description", flavour, described, len(list))
		}
	}
}
