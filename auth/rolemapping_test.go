package auth

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"
)

// decodeRule decodes JSON as config would hand it over (numbers as float64, or as
// json.Number when useNumber is set).
func decodeRule(t testing.TB, src string, useNumber bool) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader([]byte(src)))
	if useNumber {
		dec.UseNumber()
	}
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("bad test JSON %s: %v", src, err)
	}
	return v
}

var mappedAlice = MappedUser{
	Username:  "alice",
	Groups:    []string{"Ops", "cn=Admins,ou=Groups,dc=Example,dc=com", "a*b"},
	RealmName: "corp-idp",
	DN:        "CN=Alice Smith, OU=People, DC=Example, DC=com",
	Metadata: map[string]any{
		"team":   "search",
		"level":  int64(3),
		"ratio":  0.5,
		"count":  7,
		"active": true,
		"tags":   []any{"a", "b"},
		"codes":  []string{"x1", "x2"},
		"none":   nil,
		"nested": map[string]any{"x": 1},
		"a.b":    "dotted",
	},
}

func TestRuleMatch(t *testing.T) {
	t.Parallel()
	noDN := mappedAlice
	noDN.DN = ""
	noGroups := mappedAlice
	noGroups.Groups = nil
	yes := `{"field":{"username":"alice"}}`
	no := `{"field":{"username":"bob"}}`
	tests := []struct {
		name string
		rule string
		user *MappedUser
		want bool
	}{
		{"username exact", `{"field":{"username":"alice"}}`, nil, true},
		{"username other", `{"field":{"username":"bob"}}`, nil, false},
		{"username is case sensitive", `{"field":{"username":"Alice"}}`, nil, false},
		{"username any of a list", `{"field":{"username":["bob","alice"]}}`, nil, true},
		{"username wildcard", `{"field":{"username":"al*"}}`, nil, true},
		{"username wildcard mismatch", `{"field":{"username":"bo*"}}`, nil, false},
		{"question mark alone is literal", `{"field":{"username":"a?ice"}}`, nil, false},
		{"question mark with a star is a wildcard", `{"field":{"username":"a?ic*"}}`, nil, true},
		{"match all", `{"field":{"username":"*"}}`, nil, true},
		{"regex", `{"field":{"username":"/a(l|x)i[a-e]e/"}}`, nil, true},
		{"regex must match the whole name", `{"field":{"username":"/al/"}}`, nil, false},
		{"lucene any string operator", `{"field":{"username":"/a@/"}}`, nil, true},
		{"slash alone is literal", `{"field":{"username":"/"}}`, nil, false},
		{"username null", `{"field":{"username":null}}`, nil, false},
		{"username number", `{"field":{"username":3}}`, nil, false},

		{"group ignores case", `{"field":{"groups":"ops"}}`, nil, true},
		{"group other", `{"field":{"groups":"devs"}}`, nil, false},
		{"group any of a list", `{"field":{"groups":["devs","OPS"]}}`, nil, true},
		{"group wildcard tries lower case", `{"field":{"groups":"op*"}}`, nil, true},
		{"group wildcard tries upper case", `{"field":{"groups":"OP*"}}`, nil, true},
		{"group DN equal when normalized", `{"field":{"groups":"CN=admins, OU=groups, DC=example, DC=COM"}}`, nil, true},
		{"group DN differs", `{"field":{"groups":"cn=users,ou=groups,dc=example,dc=com"}}`, nil, false},
		{"group DN subtree", `{"field":{"groups":"*,ou=groups,dc=example,dc=com"}}`, nil, true},
		{"group DN subtree with other case", `{"field":{"groups":"*,OU=Groups,DC=example,DC=com"}}`, nil, true},
		{"group DN other subtree", `{"field":{"groups":"*,ou=people,dc=example,dc=com"}}`, nil, false},
		{"group DN wildcard on the normalized form", `{"field":{"groups":"cn=admins,*"}}`, nil, true},
		{"group escaped star", `{"field":{"groups":"a\\*b"}}`, nil, true},
		{"group escaped star needs the star", `{"field":{"groups":"a\\*c*"}}`, nil, false},
		{"groups null never matches", `{"field":{"groups":null}}`, nil, false},
		{"no groups", `{"field":{"groups":"*"}}`, &noGroups, false},
		{"group number", `{"field":{"groups":1}}`, nil, false},

		{"dn normalized", `{"field":{"dn":"cn=alice smith,ou=people,dc=example,dc=com"}}`, nil, true},
		{"dn spaces collapsed", `{"field":{"dn":"cn=Alice  Smith,ou=People,dc=Example,dc=com"}}`, nil, true},
		{"dn subtree", `{"field":{"dn":"*,dc=example,dc=com"}}`, nil, true},
		{"dn regex", `{"field":{"dn":"/cn=alice.*/"}}`, nil, true},
		{"dn other", `{"field":{"dn":"cn=bob,ou=people,dc=example,dc=com"}}`, nil, false},
		{"dn null with a dn", `{"field":{"dn":null}}`, nil, false},
		{"dn null without a dn", `{"field":{"dn":null}}`, &noDN, true},
		{"dn without a dn", `{"field":{"dn":"*"}}`, &noDN, false},

		{"realm name", `{"field":{"realm.name":"corp-idp"}}`, nil, true},
		{"realm name wildcard", `{"field":{"realm.name":"corp-*"}}`, nil, true},
		{"realm name other", `{"field":{"realm.name":"file"}}`, nil, false},

		{"metadata string", `{"field":{"metadata.team":"search"}}`, nil, true},
		{"metadata string wildcard", `{"field":{"metadata.team":"sea*"}}`, nil, true},
		{"metadata int64", `{"field":{"metadata.level":3}}`, nil, true},
		{"metadata int", `{"field":{"metadata.count":7}}`, nil, true},
		{"metadata number is not a string", `{"field":{"metadata.level":"3"}}`, nil, false},
		{"metadata float compares as a double", `{"field":{"metadata.ratio":0}}`, nil, false},
		{"metadata bool", `{"field":{"metadata.active":true}}`, nil, true},
		{"metadata bool other", `{"field":{"metadata.active":false}}`, nil, false},
		{"metadata list element", `{"field":{"metadata.tags":"b"}}`, nil, true},
		{"metadata list no element", `{"field":{"metadata.tags":"c"}}`, nil, false},
		{"metadata string list element", `{"field":{"metadata.codes":"x*"}}`, nil, true},
		{"metadata null value", `{"field":{"metadata.none":null}}`, nil, true},
		{"metadata missing is null", `{"field":{"metadata.missing":null}}`, nil, true},
		{"metadata missing", `{"field":{"metadata.missing":"x"}}`, nil, false},
		{"metadata object matches nothing", `{"field":{"metadata.nested":"*"}}`, nil, false},
		{"metadata present is not null", `{"field":{"metadata.team":null}}`, nil, false},
		{"metadata key with a dot", `{"field":{"metadata.a.b":"dotted"}}`, nil, true},
		{"unknown field is null", `{"field":{"department":null}}`, nil, true},
		{"unknown field", `{"field":{"department":"x"}}`, nil, false},

		{"any empty", `{"any":[]}`, nil, false},
		{"any one", `{"any":[` + no + `,` + yes + `]}`, nil, true},
		{"any none", `{"any":[` + no + `,` + no + `]}`, nil, false},
		{"all empty", `{"all":[]}`, nil, true},
		{"all both", `{"all":[` + yes + `,` + yes + `]}`, nil, true},
		{"all one fails", `{"all":[` + yes + `,` + no + `]}`, nil, false},
		{"all except no", `{"all":[` + yes + `,{"except":` + no + `}]}`, nil, true},
		{"all except yes", `{"all":[` + yes + `,{"except":` + yes + `}]}`, nil, false},
		{"except of an any", `{"all":[{"except":{"any":[` + no + `,` + yes + `]}}]}`, nil, false},
		{"nested", `{"any":[{"all":[{"field":{"groups":"ops"}},{"except":{"field":{"metadata.active":false}}}]},` + no + `]}`, nil, true},
	}
	for _, tt := range tests {
		for _, useNumber := range []bool{false, true} {
			r, err := ParseRule(decodeRule(t, tt.rule, useNumber))
			if err != nil {
				t.Fatalf("%s: ParseRule: %v", tt.name, err)
			}
			u := mappedAlice
			if tt.user != nil {
				u = *tt.user
			}
			if got := r.Match(u); got != tt.want {
				t.Errorf("%s (useNumber %v): Match = %v; want %v", tt.name, useNumber, got, tt.want)
			}
			// The rule prints as JSON that parses back to the same rule.
			again, err := ParseRule(decodeRule(t, r.String(), useNumber))
			if err != nil || again.String() != r.String() {
				t.Errorf("%s: String %s does not round-trip: %v", tt.name, r.String(), err)
			}
		}
	}
}

func TestParseRuleErrors(t *testing.T) {
	t.Parallel()
	const p = "failed to parse rules expression. "
	tests := []struct {
		name string
		rule any
		want string
	}{
		{"not an object", decodeRule(t, `["field"]`, false), p + "expected [rules] to be an object but found [an array] instead"},
		{"null", nil, p + "expected [rules] to be an object but found [null] instead"},
		{"empty object", decodeRule(t, `{}`, false), p + "object [rules] does not contain any fields"},
		{"two fields", decodeRule(t, `{"field":{"username":"a"},"any":[]}`, false), p + "object [rules] contains multiple fields [any, field]"},
		{"unknown operator", decodeRule(t, `{"none":[]}`, false), p + "field [none] is not recognised in object [rules]"},
		{"operator case matters", decodeRule(t, `{"ANY":[]}`, false), p + "field [ANY] is not recognised in object [rules]"},
		{"any not a list", decodeRule(t, `{"any":{"field":{"username":"a"}}}`, false), p + "field [rules.any] requires an array but found [an object]"},
		{"all element not an object", decodeRule(t, `{"all":[{"field":{"username":"a"}},"x"]}`, false),
			p + "expected [rules.all[1]] to be an object but found [a string] instead"},
		{"except at the top", decodeRule(t, `{"except":{"field":{"username":"a"}}}`, false),
			p + "field [except] is not allowed within [rules] (at [rules]); it may only be an element of [all]"},
		{"except in any", decodeRule(t, `{"any":[{"except":{"field":{"username":"a"}}}]}`, false),
			p + "field [except] is not allowed within [any] (at [rules.any[0]]); it may only be an element of [all]"},
		{"except in except", decodeRule(t, `{"all":[{"except":{"except":{"field":{"username":"a"}}}}]}`, false),
			p + "field [except] is not allowed within [except] (at [rules.all[0].except]); it may only be an element of [all]"},
		{"except in all in any", decodeRule(t, `{"any":[{"all":[{"except":{"field":{"username":"a"}}}]}]}`, false), ""},
		{"except not an object", decodeRule(t, `{"all":[{"except":"x"}]}`, false),
			p + "expected [rules.all[0].except] to be an object but found [a string] instead"},
		{"field not an object", decodeRule(t, `{"field":"username"}`, false), p + "expected [rules.field] to be an object but found [a string] instead"},
		{"field empty", decodeRule(t, `{"field":{}}`, false), p + "object [rules.field] does not contain any fields"},
		{"field two names", decodeRule(t, `{"field":{"username":"a","groups":"b"}}`, false), p + "object [rules.field] contains multiple fields [groups, username]"},
		{"field empty name", decodeRule(t, `{"field":{"":"a"}}`, false), p + "object [rules.field] has an empty field name"},
		{"field no values", decodeRule(t, `{"field":{"groups":[]}}`, false), p + "field [rules.field.groups] has no values"},
		{"field object value", decodeRule(t, `{"field":{"groups":{"a":1}}}`, false),
			p + "expected a field value for [rules.field.groups] but found [an object] instead"},
		{"field nested list", decodeRule(t, `{"field":{"groups":["a",["b"]]}}`, false),
			p + "expected a field value for [rules.field.groups[1]] but found [an array] instead"},
		{"fractional number", decodeRule(t, `{"field":{"metadata.level":1.5}}`, false), p + "field value [1.5] of [rules.field.metadata.level] is not an integer"},
		{"fractional json.Number", decodeRule(t, `{"field":{"metadata.level":[1,2.5]}}`, true),
			p + "field value [2.5] of [rules.field.metadata.level[1]] is not an integer"},
		{"unterminated regex", decodeRule(t, `{"field":{"username":"/ab*"}}`, false),
			p + "invalid pattern [/ab*]: patterns starting with '/' indicate regular expression pattern and therefore must also end with '/'." +
				" other patterns (those that do not start with '/') will be treated as simple wildcard patterns (at [rules.field.username])"},
		{"bad regex", decodeRule(t, `{"any":[{"field":{"groups":["ok","/a(b/"]}}]}`, false), "(at [rules.any[0].field.groups[1]])"},
		{"unsupported regex operator", decodeRule(t, `{"field":{"username":"/a&b/"}}`, false), "(at [rules.field.username])"},
		{"deep path", decodeRule(t, `{"all":[{"any":[{"field":{"username":"a"}},{"field":{"groups":true,"x":1}}]}]}`, false),
			p + "object [rules.all[0].any[1].field] contains multiple fields [groups, x]"},
		{"non-string map key", map[int]any{1: "x"}, p + "expected [rules] to be an object but found [a map[int]interface {}] instead"},
	}
	for _, tt := range tests {
		r, err := ParseRule(tt.rule)
		if tt.want == "" {
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%s: ParseRule succeeded with %s; want %q", tt.name, r, tt.want)
			continue
		}
		if got := err.Error(); got != tt.want && !(tt.want[0] == '(' && bytes.HasSuffix([]byte(got), []byte(tt.want))) {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, got, tt.want)
		}
	}
}

// TestParseRuleGoValues accepts what YAML decoders and Go literals produce: ints,
// typed slices and maps.
func TestParseRuleGoValues(t *testing.T) {
	t.Parallel()
	r, err := ParseRule(map[string]any{"all": []map[string]any{
		{"field": map[string]any{"groups": []string{"devs", "ops"}}},
		{"field": map[string]any{"metadata.level": 3}},
		{"field": map[string]any{"metadata.count": uint8(7)}},
		{"except": map[any]any{"field": map[string]any{"metadata.active": false}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if !r.Match(mappedAlice) {
		t.Fatalf("rule %s does not match alice", r)
	}
	want := `{"all":[{"field":{"groups":["devs","ops"]}},{"field":{"metadata.level":3}},{"field":{"metadata.count":7}},{"except":{"field":{"metadata.active":false}}}]}`
	if r.String() != want {
		t.Fatalf("String = %s\nwant %s", r, want)
	}
}

func TestRoleMapper(t *testing.T) {
	t.Parallel()
	rule := func(src string) Rule {
		r, err := ParseRule(decodeRule(t, src, false))
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	roles := []string{"logs_reader", "monitor"}
	m := NewRoleMapper([]RoleMapping{
		{Name: "ops", Roles: roles, Rules: rule(`{"field":{"groups":"ops"}}`), Enabled: true},
		{Name: "everyone", Roles: []string{"monitor", "kibana_user"}, Rules: rule(`{"field":{"username":"*"}}`), Enabled: true},
		{Name: "disabled", Roles: []string{"superuser"}, Rules: rule(`{"field":{"username":"*"}}`), Enabled: false},
		{Name: "no rules", Roles: []string{"superuser"}, Enabled: true},
		{Name: "devs", Roles: []string{"dev"}, Rules: rule(`{"field":{"groups":"devs"}}`), Enabled: true},
	})
	roles[0] = "changed" // the mapper keeps its own copy
	if got, want := m.Roles(mappedAlice), []string{"kibana_user", "logs_reader", "monitor"}; !slices.Equal(got, want) {
		t.Fatalf("Roles(alice) = %v; want %v", got, want)
	}
	if got, want := m.Roles(MappedUser{Username: "bob", Groups: []string{"devs"}}), []string{"dev", "kibana_user", "monitor"}; !slices.Equal(got, want) {
		t.Fatalf("Roles(bob) = %v; want %v", got, want)
	}
	var none *RoleMapper
	if got := none.Roles(mappedAlice); got != nil {
		t.Fatalf("nil mapper Roles = %v", got)
	}
	if got := NewRoleMapper(nil).Roles(mappedAlice); got != nil {
		t.Fatalf("empty mapper Roles = %v", got)
	}
	var zero Rule
	if zero.Match(mappedAlice) || zero.String() != "" {
		t.Fatal("the zero Rule matched or printed")
	}
}

func TestNormalizeDN(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"CN=Alice, OU=People, DC=Example, DC=com", "cn=alice,ou=people,dc=example,dc=com", true},
		{"cn=alice;dc=example", "cn=alice,dc=example", true},
		{"cn=a  b ,dc=x", "cn=a b,dc=x", true},
		{"uid=b+cn=a,dc=x", "cn=a+uid=b,dc=x", true},
		{`cn=Smith\, John,dc=x`, `cn=smith\, john,dc=x`, true},
		{`cn="Smith, John",dc=x`, `cn=smith\, john,dc=x`, true},
		{`cn=\41lice`, "cn=alice", true},
		{"cn=#04024869", "cn=#04024869", true},
		{"2.5.4.3=alice", "2.5.4.3=alice", true},
		{"", "", true},
		{"admins", "", false},
		{"cn=a,admins", "", false},
		{"=a", "", false},
		{"c n=a", "", false},
		{`cn=a\`, "", false},
		{`cn="a`, "", false},
		{"cn=#0", "", false},
	}
	for _, tt := range tests {
		got, ok := normalizeDN(tt.in)
		if ok != tt.ok || got != tt.want {
			t.Errorf("normalizeDN(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}
