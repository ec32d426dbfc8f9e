package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/esguard/esguard/privileges"
)

// loadRolesAs reads a roles file with the catalogue of a flavour and returns the valid
// roles by name, the invalid role names and the problems as FILE:LINE: message lines
// with FILE relative to testdata.
func loadRolesAs(t *testing.T, flavour, path string) (map[string]*privileges.RoleDescriptor, []string, []string) {
	t.Helper()
	cat, err := privileges.CatalogueFor(flavour)
	if err != nil {
		t.Fatal(err)
	}
	var ps Problems
	valid, invalid := loadRoles(path, cat, &ps)
	ps.Sort()
	roles := map[string]*privileges.RoleDescriptor{}
	for _, r := range valid {
		roles[r.desc.Name] = r.desc
	}
	var lines []string
	for _, p := range ps {
		lines = append(lines, strings.TrimPrefix(p.String(), "testdata/"))
	}
	return roles, invalid, lines
}

func idx(names, privs []string) privileges.IndicesPrivileges {
	return privileges.IndicesPrivileges{Names: names, Privileges: privs}
}

func l(s ...string) []string { return s }

// TestShieldRolesDocumented loads each era's documented roles files and compares the
// role descriptors with what that era's parser made of them.
func TestShieldRolesDocumented(t *testing.T) {
	docs := map[string]*privileges.RoleDescriptor{
		"admin":       {Name: "admin", Cluster: l("all"), Indices: []privileges.IndicesPrivileges{idx(l("*"), l("all"))}},
		"power_user":  {Name: "power_user", Cluster: l("monitor"), Indices: []privileges.IndicesPrivileges{idx(l("*"), l("all"))}},
		"user":        {Name: "user", Indices: []privileges.IndicesPrivileges{idx(l("*"), l("read"))}},
		"events_user": {Name: "events_user", Indices: []privileges.IndicesPrivileges{idx(l("events_*"), l("read"))}},
	}
	with := func(extra map[string]*privileges.RoleDescriptor) map[string]*privileges.RoleDescriptor {
		out := map[string]*privileges.RoleDescriptor{}
		for k, v := range docs {
			out[k] = v
		}
		for k, v := range extra {
			out[k] = v
		}
		return out
	}
	for _, tc := range []struct {
		flavour, file string
		want          map[string]*privileges.RoleDescriptor
		warnings      []string
	}{
		{"shield1", "shield1.yml", with(map[string]*privileges.RoleDescriptor{
			"role1": {Name: "role1", Cluster: l("ALL"), Indices: []privileges.IndicesPrivileges{
				idx(l("idx1", "idx2"), l("READ")), idx(l("idx3"), l("crud"))}},
			"role2": {Name: "role2", Cluster: l("ALL", "MONITOR")},
			"role3": {Name: "role3", Indices: []privileges.IndicesPrivileges{idx(l("/.*_.*/"), l("READ", "WRITE"))}},
			"mixed": {Name: "mixed", Cluster: l("monitor"), Indices: []privileges.IndicesPrivileges{
				idx(l("events_*"), l("read", "get")), idx(l("logs-a", "logs-b"), l("crud")), idx(l("audit-*"), l("search"))}},
		}), nil},
		{"shield2", "shield2-20.yml", with(map[string]*privileges.RoleDescriptor{
			"run_as_role": {Name: "run_as_role", RunAs: l("jacknich", "rdeniro")},
			"customer_care": {Name: "customer_care", Indices: []privileges.IndicesPrivileges{
				idx(l("events_*"), l("read"))}},
			"shield1_shape": {Name: "shield1_shape", Cluster: l("monitor", "manage_index_templates"), Indices: []privileges.IndicesPrivileges{
				idx(l("logs-a", "logs-b"), l("read", "write")), idx(l("events_*"), l("read", "index"))}, RunAs: l("bob")},
		}), []string{
			"shield/shield2-20.yml:38: warning: role [customer_care]: fields and query are not enforced by esguard: this indices entry grants nothing",
			"shield/shield2-20.yml:44: warning: role [customer_care]: fields and query are not enforced by esguard: this indices entry grants nothing",
		}},
		{"shield2", "shield2-23.yml", with(map[string]*privileges.RoleDescriptor{
			"fls_dls": {Name: "fls_dls", Cluster: l("monitor"), Indices: []privileges.IndicesPrivileges{
				idx(l("logs-a", "logs-b"), l("read", "view_index_metadata"))}, RunAs: l("bob", "/svc-.*/")},
		}), []string{
			"shield/shield2-23.yml:41: warning: role [fls_dls]: fields and query are not enforced by esguard: this indices entry grants nothing",
			"shield/shield2-23.yml:44: warning: role [fls_dls]: fields and query are not enforced by esguard: this indices entry grants nothing",
		}},
	} {
		t.Run(tc.flavour+"/"+tc.file, func(t *testing.T) {
			got, invalid, problems := loadRolesAs(t, tc.flavour, filepath.Join("testdata", "shield", tc.file))
			if len(invalid) > 0 || !reflect.DeepEqual(problems, tc.warnings) {
				t.Fatalf("invalid roles %v, problems:\n%s\nwant:\n%s", invalid, strings.Join(problems, "\n"), strings.Join(tc.warnings, "\n"))
			}
			for name, want := range tc.want {
				if !reflect.DeepEqual(got[name], want) {
					t.Errorf("role [%s]:\n got %+v\nwant %+v", name, got[name], want)
				}
			}
			if len(got) != len(tc.want) {
				t.Errorf("%d roles, want %d", len(got), len(tc.want))
			}
		})
	}
}

// TestShieldRolesBroken checks the problems of malformed Shield roles files, line by
// line, and that every role with an error is refused as a whole.
func TestShieldRolesBroken(t *testing.T) {
	for _, tc := range []struct {
		flavour, file string
		invalid       []string
		problems      []string
	}{
		{"shield1", "shield1-broken.yml",
			[]string{"unknown_privilege", "with_run_as", "list_form", "verbose_form", "later_fields", "null_cluster", "bad_value", "empty_name", "indices_string"},
			[]string{
				"shield/shield1-broken.yml:2: role [unknown_privilege]: unknown cluster privilege [monitr], did you mean [monitor]?",
				"shield/shield1-broken.yml:4: role [unknown_privilege]: unknown index privilege [raed], did you mean [read]?",
				"shield/shield1-broken.yml:7: role [with_run_as]: run_as: expected a string or a list of strings, found a mapping",
				"shield/shield1-broken.yml:10: role [list_form]: indices: Shield 1.x role files map index patterns to privileges ('logs-*': read) (flavor shield1); the list of names and privileges came with Shield 2.3",
				"shield/shield1-broken.yml:15: role [verbose_form]: indices [logs-*]: Shield 1.x index privileges are a string or a list of strings (flavor shield1); privileges, fields and query under an index pattern came with Shield 2.0",
				"shield/shield1-broken.yml:20: role [later_fields]: field [metadata] does not exist in Shield 1.x role files (flavor shield1); its roles have only [cluster, indices, run_as]",
				"shield/shield1-broken.yml:21: role [later_fields]: field [description] does not exist in Shield 1.x role files (flavor shield1); its roles have only [cluster, indices, run_as]",
				"shield/shield1-broken.yml:23: role [null_cluster]: cluster: expected a string or a list of strings, found nothing",
				"shield/shield1-broken.yml:26: role [bad_value]: indices [logs-*]: Shield 1.x index privileges are a string or a list of strings (flavor shield1); privileges, fields and query under an index pattern came with Shield 2.0",
				"shield/shield1-broken.yml:27: role [bad_value]: indices [other-*]: expected a string or a list of strings, found nothing",
				"shield/shield1-broken.yml:30: role [empty_name]: invalid index name pattern [] in [,logs-*]: empty pattern",
				"shield/shield1-broken.yml:31: role [empty_name]: invalid index name pattern [/logs-[0-9/] in [/logs-[0-9/]: ",
				"shield/shield1-broken.yml:33: role [indices_string]: indices: expected a mapping of index patterns to privileges, found \"logs-*\"",
				"shield/shield1-broken.yml:34: invalid role name [-bad-name]: Shield 1.x role names are 1 to 30 characters, a letter or _ first, then letters, digits, _, @, -, . or $ (flavor shield1)",
				"shield/shield1-broken.yml:36: invalid role name [a_role_name_longer_than_thirty_chars]: Shield 1.x role names are 1 to 30 characters, a letter or _ first, then letters, digits, _, @, -, . or $ (flavor shield1)",
			}},
		{"shield2", "shield2-broken.yml",
			[]string{"later_entry_fields", "later_role_fields", "missing", "unsplit", "verbose_unknown", "typo", "bad_run_as", "bad_query"},
			[]string{
				"shield/shield2-broken.yml:5: role [later_entry_fields]: field [field_security] does not exist in Shield 2.x indices entries (flavor shield2); field level security is [fields: [field, …]] there",
				"shield/shield2-broken.yml:8: role [later_entry_fields]: field [allow_restricted_indices] does not exist in Shield 2.x indices entries (flavor shield2); Shield 2.x has no restricted indices",
				"shield/shield2-broken.yml:11: role [later_role_fields]: field [remote_indices] does not exist in Shield 2.x role files (flavor shield2); its roles have only [cluster, indices, run_as]",
				"shield/shield2-broken.yml:15: role [later_role_fields]: field [applications] does not exist in Shield 2.x role files (flavor shield2); its roles have only [cluster, indices, run_as]",
				"shield/shield2-broken.yml:16: role [later_role_fields]: field [global] does not exist in Shield 2.x role files (flavor shield2); its roles have only [cluster, indices, run_as]",
				"shield/shield2-broken.yml:17: role [later_role_fields]: field [description] does not exist in Shield 2.x role files (flavor shield2); its roles have only [cluster, indices, run_as]",
				"shield/shield2-broken.yml:20: role [missing]: indices entry without [names]",
				"shield/shield2-broken.yml:21: role [missing]: indices entry without [privileges]",
				"shield/shield2-broken.yml:22: role [missing]: names: expected a string or a non-empty list of strings, found an empty list",
				"shield/shield2-broken.yml:25: role [unsplit]: unknown cluster privilege [monitor, manage]",
				"shield/shield2-broken.yml:28: role [unsplit]: unknown index privilege [read, write]",
				"shield/shield2-broken.yml:33: role [verbose_unknown]: indices [logs-*]: field [field_security] does not exist under an index pattern in Shield 2.x role files (flavor shield2); field level security is [fields: [field, …]] there",
				"shield/shield2-broken.yml:36: role [typo]: indices entry without [privileges]",
				"shield/shield2-broken.yml:37: role [typo]: field [privilege] does not exist in Shield 2.x indices entries (flavor shield2), did you mean [privileges]?",
				"shield/shield2-broken.yml:38: role [typo]: field [runas] does not exist in Shield 2.x role files (flavor shield2), did you mean [run_as]?",
				"shield/shield2-broken.yml:40: role [bad_run_as]: run_as: expected a string or a list of strings, found a mapping",
				"shield/shield2-broken.yml:45: role [bad_query]: query: expected a string or a mapping, found a list",
			}},
	} {
		t.Run(tc.flavour, func(t *testing.T) {
			got, invalid, problems := loadRolesAs(t, tc.flavour, filepath.Join("testdata", "shield", tc.file))
			if !reflect.DeepEqual(invalid, tc.invalid) {
				t.Errorf("invalid roles %v, want %v", invalid, tc.invalid)
			}
			if len(got) != 0 {
				t.Errorf("roles loaded from a file where every role is broken: %v", got)
			}
			if len(problems) != len(tc.problems) {
				t.Errorf("%d problems, want %d:\n%s", len(problems), len(tc.problems), strings.Join(problems, "\n"))
			}
			for i := range min(len(problems), len(tc.problems)) {
				if !strings.HasPrefix(problems[i], tc.problems[i]) {
					t.Errorf("problem %d:\n got %s\nwant %s", i, problems[i], tc.problems[i])
				}
			}
		})
	}
}

// TestShieldShapesByFlavour checks that each shape is read only by the flavours whose
// era had it: the Shield mapping form is refused by 8, 9 and serverless as before, and
// the 9.x list form with its later fields is refused by shield1 and shield2.
func TestShieldShapesByFlavour(t *testing.T) {
	files := map[string]string{
		"shield1 mapping": "r:\n  cluster: all\n  indices:\n    'events_*': [read]\n",
		"shield2 verbose": "r:\n  indices:\n    'events_*':\n      privileges: read\n",
		"2.3 list":        "r:\n  cluster: [monitor]\n  indices:\n    - names: [events_*]\n      privileges: [read]\n",
		"9.x list":        "r:\n  indices:\n    - names: [events_*]\n      privileges: [read]\n      allow_restricted_indices: false\n  description: x\n",
	}
	loads := map[string]map[string]bool{
		"shield1 mapping": {"shield1": true, "shield2": true},
		"shield2 verbose": {"shield2": true},
		"2.3 list":        {"shield2": true, "8": true, "9": true, "serverless": true},
		"9.x list":        {"8": true, "9": true, "serverless": true},
	}
	dir := t.TempDir()
	for shape, body := range files {
		path := filepath.Join(dir, strings.ReplaceAll(shape, " ", "_")+".yml")
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, flavour := range privileges.Flavours {
			t.Run(shape+"/"+flavour, func(t *testing.T) {
				got, _, problems := loadRolesAs(t, flavour, path)
				if ok := got["r"] != nil; ok != loads[shape][flavour] {
					t.Errorf("loaded %v, want %v; problems:\n%s", ok, loads[shape][flavour], strings.Join(problems, "\n"))
				}
				if loads[shape][flavour] && !reflect.DeepEqual(got["r"].Indices, []privileges.IndicesPrivileges{idx(l("events_*"), l("read"))}) {
					t.Errorf("indices %+v", got["r"].Indices)
				}
			})
		}
	}
}
