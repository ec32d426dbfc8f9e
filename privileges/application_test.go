package privileges

import (
	"errors"
	"strings"
	"testing"
)

// inventoryDefs are application privilege definitions in the style of the
// Elasticsearch documentation's inventory_manager examples.
var inventoryDefs = []ApplicationPrivilegeDef{
	{Application: "inventory_manager", Name: "read", Actions: []string{"data:read/*"}},
	{Application: "inventory_manager", Name: "write", Actions: []string{"data:write/*"}},
	{Application: "inventory_manager", Name: "all", Actions: []string{"data:read/*", "data:write/*"}},
	{Application: "inventory_reports", Name: "read", Actions: []string{"report:read"}},
	{Application: "kibana-.kibana", Name: "read", Actions: []string{"login:", "ui:read/*"}},
}

func mustCompileApps(t testing.TB, defs []ApplicationPrivilegeDef, roles ...*RoleDescriptor) *ApplicationPermission {
	t.Helper()
	a, err := CompileApplications(defs, roles)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func appRole(name string, entries ...ApplicationPrivileges) *RoleDescriptor {
	return &RoleDescriptor{Name: name, Applications: entries}
}

func TestValidateApplicationPrivilegeDef(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		def  ApplicationPrivilegeDef
		want []string // substrings of the joined error, nil for valid
	}{
		{"valid", ApplicationPrivilegeDef{Application: "myapp", Name: "read", Actions: []string{"data:read/*"}}, nil},
		{"valid suffix", ApplicationPrivilegeDef{Application: "kibana-.kibana", Name: "space_read", Actions: []string{"login:", "ui/*"}}, nil},
		{"valid digits and dots", ApplicationPrivilegeDef{Application: "app1_x.y", Name: "a.b-c_9", Actions: []string{"*"}}, nil},
		{"blank application", ApplicationPrivilegeDef{Name: "read", Actions: []string{"a:b"}}, []string{"Application names cannot be blank"}},
		{"wildcard application", ApplicationPrivilegeDef{Application: "myapp*", Name: "read", Actions: []string{"a:b"}},
			[]string{"Application names may not contain '*' (found 'myapp*')"}},
		{"short prefix", ApplicationPrivilegeDef{Application: "ab", Name: "read", Actions: []string{"a:b"}},
			[]string{"An application name prefix must be at least 3 characters long (found 'ab')"}},
		{"short prefix with suffix", ApplicationPrivilegeDef{Application: "ab-cdef", Name: "read", Actions: []string{"a:b"}},
			[]string{"An application name prefix must be at least 3 characters long (found 'ab')"}},
		{"upper-case start", ApplicationPrivilegeDef{Application: "Kibana", Name: "read", Actions: []string{"a:b"}},
			[]string{"An application name prefix must match the pattern ^[a-z][A-Za-z0-9]*$ (found 'Kibana')"}},
		{"whitespace", ApplicationPrivilegeDef{Application: "my app", Name: "read", Actions: []string{"a:b"}},
			[]string{"Application names may not contain whitespace (found 'my app')"}},
		{"bad suffix", ApplicationPrivilegeDef{Application: "kibana-a/b", Name: "read", Actions: []string{"a:b"}},
			[]string{"An application name suffix may not contain any of the characters", "(found 'a/b')"}},
		{"privilege name", ApplicationPrivilegeDef{Application: "myapp", Name: "Read", Actions: []string{"a:b"}},
			[]string{"Application privilege names must match the pattern ^[a-z][a-zA-Z0-9_.-]*$ (found 'Read')"}},
		{"no action", ApplicationPrivilegeDef{Application: "myapp", Name: "read"},
			[]string{"Application privileges must have at least one action"}},
		{"action without special character", ApplicationPrivilegeDef{Application: "myapp", Name: "read", Actions: []string{"read"}},
			[]string{"The application privilege pattern [read] must contain one of [ '/' , '*' , ':' ]"}},
		{"action with space", ApplicationPrivilegeDef{Application: "myapp", Name: "read", Actions: []string{"data: read"}},
			[]string{"Application privilege names and actions must match the pattern ^\\p{Graph}*$ (found 'data: read')"}},
		{"action that is a broken regex", ApplicationPrivilegeDef{Application: "myapp", Name: "read", Actions: []string{"/admin/*"}},
			[]string{"invalid pattern [/admin/*]"}},
		{"reserved metadata", ApplicationPrivilegeDef{Application: "myapp", Name: "read", Actions: []string{"a:b"}, Metadata: map[string]any{"_x": 1, "ok": 2}},
			[]string{"metadata keys may not start with [_] (in privilege myapp read)"}},
		{"every problem", ApplicationPrivilegeDef{Application: "", Name: "", Actions: []string{"x"}},
			[]string{"Application names cannot be blank", "Application privilege names must match", "The application privilege pattern [x]"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := ValidateApplicationPrivilegeDef(tc.def)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("want error containing %q", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestValidateApplicationNameWildcard(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		wantErr string
	}{
		{"*", ""},
		{"kib*", ""},
		{"k*", ""}, // with a wildcard the 3-character minimum does not apply
		{"kibana-*", ""},
		{"kibana-.kib*", ""},
		{"ki*bana", "Application name patterns only support trailing wildcards (found 'ki*bana')"},
		{"*kibana", "Application name patterns only support trailing wildcards (found '*kibana')"},
		{"K*", "An application name prefix must match the pattern ^[a-z][A-Za-z0-9]*$ (found 'K')"},
	} {
		err := validateApplicationName(tc.name, true)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tc.wantErr {
			t.Errorf("validateApplicationName(%q, true) = %q, want %q", tc.name, got, tc.wantErr)
		}
	}
}

func TestCompileApplicationsErrors(t *testing.T) {
	t.Parallel()
	_, err := CompileApplications(
		[]ApplicationPrivilegeDef{
			{Application: "myapp", Name: "read", Actions: []string{"a:b"}},
			{Application: "myapp", Name: "read", Actions: []string{"a:c"}},
			{Application: "x", Name: "read", Actions: []string{"a:b"}},
		},
		[]*RoleDescriptor{
			appRole("short", ApplicationPrivileges{Application: "ab", Privileges: []string{"read"}, Resources: []string{"*"}}),
			appRole("noresources", ApplicationPrivileges{Application: "myapp", Privileges: []string{"read"}}),
			appRole("noprivileges", ApplicationPrivileges{Application: "myapp", Resources: []string{"*"}}),
			appRole("space", ApplicationPrivileges{Application: "myapp", Privileges: []string{"re ad"}, Resources: []string{"*"}}),
			appRole("regex", ApplicationPrivileges{Application: "myapp", Privileges: []string{"read"}, Resources: []string{"/a"}}),
		})
	if err == nil {
		t.Fatal("want errors")
	}
	for _, w := range []string{
		"application privilege [myapp:read]: defined twice",
		"application privilege [x:read]: An application name prefix must be at least 3 characters long (found 'x')",
		"role [short]: An application name prefix must be at least 3 characters long (found 'ab')",
		"role [noresources]: application privileges must refer to at least one resource",
		"role [noprivileges]: application privileges must define at least one privilege",
		"role [space]: Application privilege names and actions must match the pattern",
		"role [regex]: invalid pattern [/a]",
	} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("errors %q lack %q", err, w)
		}
	}
	var re *RoleError
	if !errors.As(err, &re) {
		t.Error("want a *RoleError among the errors")
	}
}

// appCheck is one has_privileges application question.
type appCheck struct {
	app, resource, privilege string
	want                     bool
}

func runAppChecks(t *testing.T, a *ApplicationPermission, checks []appCheck) {
	t.Helper()
	for _, c := range checks {
		if got := a.checkResourcePrivilege(c.app, c.resource, c.privilege); got != c.want {
			t.Errorf("check(%s, %s, %s) = %v, want %v", c.app, c.resource, c.privilege, got, c.want)
		}
	}
}

func TestApplicationCheckResourcePrivileges(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		roles  []*RoleDescriptor
		checks []appCheck
	}{
		{
			name: "named privilege and its actions",
			roles: []*RoleDescriptor{appRole("r", ApplicationPrivileges{
				Application: "inventory_manager", Privileges: []string{"read"}, Resources: []string{"product/*"}})},
			checks: []appCheck{
				{"inventory_manager", "product/1852563", "read", true},
				{"inventory_manager", "product/1852563", "write", false},
				{"inventory_manager", "product/1852563", "all", false},
				{"inventory_manager", "product/1852563", "data:read/inventory", true}, // an action inside read
				{"inventory_manager", "product/1852563", "data:read/*", true},
				{"inventory_manager", "product/1852563", "data:*", false},
				{"inventory_manager", "product/1852563", "data:write/inventory", false},
				{"inventory_manager", "product/*", "read", true},       // a resource pattern inside the granted one
				{"inventory_manager", "product/1*", "read", true},      // narrower
				{"inventory_manager", "product*", "read", false},       // broader
				{"inventory_manager", "*", "read", false},              // broader
				{"inventory_manager", "order/1", "read", false},        // other resource
				{"inventory_manager", "product/1", "undefined", false}, // unknown names resolve to nothing
				{"inventory_reports", "product/1", "read", false},      // other application
			},
		},
		{
			name: "privileges of one entry are united, entries with other resources are not",
			roles: []*RoleDescriptor{
				appRole("r1", ApplicationPrivileges{Application: "inventory_manager", Privileges: []string{"read"}, Resources: []string{"product/*"}}),
				appRole("r2", ApplicationPrivileges{Application: "inventory_manager", Privileges: []string{"write"}, Resources: []string{"product/*"}}),
				appRole("r3", ApplicationPrivileges{Application: "inventory_manager", Privileges: []string{"write"}, Resources: []string{"order/*", "product/*"}}),
				appRole("r4", ApplicationPrivileges{Application: "inventory_manager", Privileges: []string{"read"}, Resources: []string{"order/*"}}),
			},
			checks: []appCheck{
				// r1 and r2 have the same resources: CompositeRolesStore merges them into
				// one privilege {read, write} whose actions contain all's.
				{"inventory_manager", "product/1", "all", true},
				// On order/*, read (r4) and write (r3) come from entries with different
				// resource sets: no single entry holds all.
				{"inventory_manager", "order/1", "read", true},
				{"inventory_manager", "order/1", "write", true},
				{"inventory_manager", "order/1", "all", false},
			},
		},
		{
			name: "raw actions in roles and requests",
			roles: []*RoleDescriptor{appRole("r", ApplicationPrivileges{
				Application: "inventory_manager", Privileges: []string{"data:read/*", "data:write/product"}, Resources: []string{"*"}})},
			checks: []appCheck{
				{"inventory_manager", "x", "read", true}, // read's data:read/* is granted
				{"inventory_manager", "x", "data:read/x", true},
				{"inventory_manager", "x", "data:write/product", true},
				{"inventory_manager", "x", "data:write/order", false},
				{"inventory_manager", "x", "write", false},
			},
		},
		{
			name: "wildcard application in the role expands to the defined applications",
			roles: []*RoleDescriptor{appRole("r", ApplicationPrivileges{
				Application: "inventory*", Privileges: []string{"read"}, Resources: []string{"*"}})},
			checks: []appCheck{
				{"inventory_manager", "product/1", "read", true},
				{"inventory_manager", "product/1", "data:read/x", true},
				{"inventory_reports", "r/1", "read", true},
				{"inventory_reports", "r/1", "report:read", true},
				{"inventory_reports", "r/1", "data:read/x", false}, // inventory_reports' read is report:read
				{"inventory_manager", "product/1", "write", false},
			},
		},
		{
			name: "wildcard application matching no definition keeps its actions",
			roles: []*RoleDescriptor{appRole("r", ApplicationPrivileges{
				Application: "other*", Privileges: []string{"read", "data:*"}, Resources: []string{"*"}})},
			checks: []appCheck{
				{"otherapp", "x", "data:read", true},
				{"otherapp", "x", "read", false}, // undefined for otherapp: resolves to nothing
				{"inventory_manager", "x", "data:read/x", false},
			},
		},
		{
			name: "an action * is total and grants every privilege, even undefined ones",
			roles: []*RoleDescriptor{appRole("r", ApplicationPrivileges{
				Application: "*", Privileges: []string{"*"}, Resources: []string{"*"}})},
			checks: []appCheck{
				{"inventory_manager", "product/1", "all", true},
				{"inventory_manager", "product/*", "undefined", true},
				{"kibana-.kibana", "*", "x:y", true},
				// "*" expands to the defined applications only
				// (ApplicationPrivilege.get): an application without definitions
				// gets nothing.
				{"anyapp", "any", "x:y", false},
			},
		},
		{
			name: "an undefined privilege is held by a role naming the same undefined privilege",
			roles: []*RoleDescriptor{appRole("r", ApplicationPrivileges{
				Application: "inventory_manager", Privileges: []string{"undefined"}, Resources: []string{"*"}})},
			checks: []appCheck{
				// PermissionEntry.matchesPrivilege: the same ApplicationPrivilege (same
				// application, names and empty actions) matches.
				{"inventory_manager", "x", "undefined", true},
				{"inventory_manager", "x", "read", false},
				{"inventory_manager", "x", "other", false},
			},
		},
		{
			name: "regex resources",
			roles: []*RoleDescriptor{appRole("r", ApplicationPrivileges{
				Application: "inventory_manager", Privileges: []string{"read"}, Resources: []string{"/product\\/[0-9]+/"}})},
			checks: []appCheck{
				{"inventory_manager", "product/12", "read", true},
				{"inventory_manager", "product/x", "read", false},
				{"inventory_manager", "product/*", "read", false}, // not provable
			},
		},
		{
			name:  "no roles",
			roles: nil,
			checks: []appCheck{
				{"inventory_manager", "product/1", "read", false},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			runAppChecks(t, mustCompileApps(t, inventoryDefs, tc.roles...), tc.checks)
		})
	}
}

func TestApplicationWildcardWithoutDefinitions(t *testing.T) {
	t.Parallel()
	// With no definition matching "*", the role keeps "*" as its application pattern.
	a := mustCompileApps(t, nil, appRole("r", ApplicationPrivileges{Application: "*", Privileges: []string{"*"}, Resources: []string{"*"}}))
	runAppChecks(t, a, []appCheck{
		{"anyapp", "any", "undefined", true},
		{"anyapp", "any/*", "x:y", true},
	})
	if !a.Grants("anyapp", "x:y", "any") {
		t.Error("Grants(anyapp, x:y, any) = false, want true")
	}
}

func TestApplicationGrantsAndLimit(t *testing.T) {
	t.Parallel()
	base := mustCompileApps(t, inventoryDefs,
		appRole("r", ApplicationPrivileges{Application: "inventory_manager", Privileges: []string{"all"}, Resources: []string{"product/*"}}),
		appRole("k", ApplicationPrivileges{Application: "kibana-*", Privileges: []string{"read"}, Resources: []string{"space:default"}}))
	for _, tc := range []struct {
		app, action, resource string
		want                  bool
	}{
		{"inventory_manager", "data:read/x", "product/1", true},
		{"inventory_manager", "data:write/x", "product/1", true},
		{"inventory_manager", "data:delete/x", "product/1", false},
		{"inventory_manager", "data:read/x", "order/1", false},
		{"inventory_manager", "data:read/x", "product/*", true},
		{"inventory_reports", "data:read/x", "product/1", false},
		{"kibana-.kibana", "login:", "space:default", true},
		{"kibana-.kibana", "ui:read/dashboard", "space:default", true},
		{"kibana-.kibana", "ui:write/dashboard", "space:default", false},
		{"kibana-.kibana", "", "space:default", false},
	} {
		if got := base.Grants(tc.app, tc.action, tc.resource); got != tc.want {
			t.Errorf("Grants(%s, %s, %s) = %v, want %v", tc.app, tc.action, tc.resource, got, tc.want)
		}
	}

	by := mustCompileApps(t, inventoryDefs,
		appRole("key", ApplicationPrivileges{Application: "inventory_manager", Privileges: []string{"read"}, Resources: []string{"product/1"}}))
	limited := base.Limit(by)
	for _, tc := range []struct {
		app, action, resource string
		want                  bool
	}{
		{"inventory_manager", "data:read/x", "product/1", true},
		{"inventory_manager", "data:write/x", "product/1", false}, // the key cannot write
		{"inventory_manager", "data:read/x", "product/2", false},  // nor read product/2
		{"kibana-.kibana", "login:", "space:default", false},
	} {
		if got := limited.Grants(tc.app, tc.action, tc.resource); got != tc.want {
			t.Errorf("limited Grants(%s, %s, %s) = %v, want %v", tc.app, tc.action, tc.resource, got, tc.want)
		}
	}
	runAppChecks(t, limited, []appCheck{
		{"inventory_manager", "product/1", "read", true},
		{"inventory_manager", "product/1", "all", false},
		{"inventory_manager", "product/2", "read", false},
	})
	// The base is unchanged, and limits compose.
	if !base.Grants("inventory_manager", "data:write/x", "product/1") {
		t.Error("Limit changed its receiver")
	}
	twice := limited.Limit(mustCompileApps(t, inventoryDefs))
	if twice.Grants("inventory_manager", "data:read/x", "product/1") {
		t.Error("a limit that grants nothing must leave nothing")
	}
	if base.Limit(nil).Grants("inventory_manager", "data:read/x", "product/1") {
		t.Error("Limit(nil) must grant nothing")
	}
	var none *ApplicationPermission
	if none.Grants("inventory_manager", "data:read/x", "product/1") || none.Limit(base) != nil {
		t.Error("a nil permission grants nothing")
	}
}
