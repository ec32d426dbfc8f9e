package auth

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/esguard/esguard/privileges"
)

// MappedUser is what role mapping rules see of an authenticated user, like
// Elasticsearch's UserRoleMapper.UserData: the fields "username", "dn", "groups",
// "realm.name" and "metadata.<key>" of a rule read it.
type MappedUser struct {
	// Username is the principal's name.
	Username string
	// Groups are the groups the realm found for the user (for the JWT realm, the values
	// of the groups claim).
	Groups []string
	// RealmName is the name of the realm that authenticated the user.
	RealmName string
	// Metadata is the user's metadata; a rule on "metadata.team" reads Metadata["team"].
	Metadata map[string]any
	// DN is the user's distinguished name; empty means the user has none (the field is
	// null for rules).
	DN string
}

// RoleMapping grants Roles to every user its Rules match, like one of Elasticsearch's
// ExpressionRoleMapping (role templates are not supported).
type RoleMapping struct {
	// Name identifies the mapping in messages.
	Name string
	// Roles are the role names granted.
	Roles []string
	// Rules decide which users the mapping applies to (see ParseRule). The zero Rule
	// matches nobody.
	Rules Rule
	// Enabled mappings apply; disabled ones are ignored.
	Enabled bool
}

// RoleMapper resolves the roles of a user from a list of role mappings, like
// Elasticsearch's NativeRoleMappingStore.resolveRoles: the union of the roles of every
// enabled mapping whose rules match. A RoleMapper is immutable and safe for concurrent
// use; a nil RoleMapper maps no roles.
type RoleMapper struct {
	mappings []RoleMapping
}

// NewRoleMapper returns a mapper over the enabled mappings (disabled ones are dropped).
func NewRoleMapper(mappings []RoleMapping) *RoleMapper {
	m := &RoleMapper{}
	for _, rm := range mappings {
		if rm.Enabled {
			rm.Roles = slices.Clone(rm.Roles)
			m.mappings = append(m.mappings, rm)
		}
	}
	return m
}

// Roles returns the roles of every enabled mapping that matches u, sorted and without
// duplicates (nil when none matches).
func (m *RoleMapper) Roles(u MappedUser) []string {
	if m == nil || len(m.mappings) == 0 {
		return nil
	}
	model := newUserModel(&u)
	var roles []string
	for i := range m.mappings {
		if rm := &m.mappings[i]; rm.Rules.e != nil && rm.Rules.e.match(model) {
			roles = append(roles, rm.Roles...)
		}
	}
	slices.Sort(roles)
	return slices.Compact(roles)
}

// Rule is a compiled role mapping rule: Elasticsearch's role mapping expression
// (RoleMapperExpression). The zero Rule matches nobody. Rules are immutable and safe for
// concurrent use.
type Rule struct {
	e ruleExpr
}

// Match reports whether u satisfies the rule.
func (r Rule) Match(u MappedUser) bool {
	return r.e != nil && r.e.match(newUserModel(&u))
}

// String returns the rule as JSON, in the form ParseRule reads ("" for the zero Rule).
func (r Rule) String() string {
	if r.e == nil {
		return ""
	}
	return string(r.e.appendJSON(nil))
}

// ruleExpr is one node of a rule: any, all, except or field.
type ruleExpr interface {
	match(m *userModel) bool
	appendJSON(b []byte) []byte
}

type anyRule []ruleExpr

// match is AnyExpression.match: true when some element matches (false when empty).
func (r anyRule) match(m *userModel) bool {
	for _, e := range r {
		if e.match(m) {
			return true
		}
	}
	return false
}

func (r anyRule) appendJSON(b []byte) []byte { return appendList(b, "any", r) }

type allRule []ruleExpr

// match is AllExpression.match: true when every element matches (true when empty).
func (r allRule) match(m *userModel) bool {
	for _, e := range r {
		if !e.match(m) {
			return false
		}
	}
	return true
}

func (r allRule) appendJSON(b []byte) []byte { return appendList(b, "all", r) }

func appendList(b []byte, name string, list []ruleExpr) []byte {
	b = append(b, `{"`+name+`":[`...)
	for i, e := range list {
		if i > 0 {
			b = append(b, ',')
		}
		b = e.appendJSON(b)
	}
	return append(b, "]}"...)
}

type exceptRule struct {
	e ruleExpr
}

func (r exceptRule) match(m *userModel) bool { return !r.e.match(m) }

func (r exceptRule) appendJSON(b []byte) []byte {
	b = append(b, `{"except":`...)
	b = r.e.appendJSON(b)
	return append(b, '}')
}

// fieldRule is FieldExpression: the named field matches any of the values.
type fieldRule struct {
	field  string
	values []fieldValue
}

func (r *fieldRule) match(m *userModel) bool {
	for i := range r.values {
		if m.test(r.field, &r.values[i]) {
			return true
		}
	}
	return false
}

func (r *fieldRule) appendJSON(b []byte) []byte {
	b = append(b, `{"field":{`...)
	b = strconv.AppendQuote(b, r.field)
	b = append(b, ':')
	if len(r.values) == 1 {
		b = r.values[0].appendJSON(b)
	} else {
		b = append(b, '[')
		for i := range r.values {
			if i > 0 {
				b = append(b, ',')
			}
			b = r.values[i].appendJSON(b)
		}
		b = append(b, ']')
	}
	return append(b, "}}"...)
}

type valueKind uint8

const (
	valueNull valueKind = iota
	valueBool
	valueNumber
	valueString
)

// fieldValue is FieldExpression.FieldValue: a null, boolean, integer or string; a
// string with a '*' or between slashes is also a pattern.
type fieldValue struct {
	kind valueKind
	b    bool
	n    int64
	s    string
	// pattern matches the string as a wildcard or /regex/ pattern; nil for a plain
	// string. It is a run_as permission because Elasticsearch compiles both with
	// Automatons.patterns, so privileges already implements exactly this language.
	pattern *privileges.Permission
}

func (v *fieldValue) matchPattern(s string) bool { return v.pattern.RunAs(s) }

func (v *fieldValue) appendJSON(b []byte) []byte {
	switch v.kind {
	case valueBool:
		return strconv.AppendBool(b, v.b)
	case valueNumber:
		return strconv.AppendInt(b, v.n, 10)
	case valueString:
		s, _ := json.Marshal(v.s) // a string always marshals
		return append(b, s...)
	}
	return append(b, "null"...)
}

// isPatternValue is FieldValue.buildAutomaton's test: Regex.isSimpleMatchPattern (the
// string has a '*'; a '?' alone does not make a pattern) or Automatons.isLuceneRegex.
func isPatternValue(s string) bool {
	return strings.Contains(s, "*") || len(s) > 1 && s[0] == '/' && s[len(s)-1] == '/'
}

// rulesErr returns a rule parse error in the words of Elasticsearch's ExpressionParser.
func rulesErr(format string, args ...any) error {
	return errors.New("failed to parse rules expression. " + fmt.Sprintf(format, args...))
}

// ParseRule builds a Rule from a decoded JSON or YAML value (maps with string keys,
// slices and scalars), with the grammar of Elasticsearch's ExpressionParser:
//
//	rule   ::= {"any": [rule, ...]} | {"all": [rule | {"except": rule}, ...]}
//	         | {"field": {NAME: value | [value, ...]}}
//	value  ::= string | integer | boolean | null
//
// Each object has exactly one field; "except" is only allowed as an element of "all".
// NAME is "username", "dn", "groups", "realm.name" or "metadata.<key>" (any other name
// reads as null, as in Elasticsearch). A string value with a '*' is a wildcard pattern
// ('*' any string, '?' one character, '\' escapes); one between slashes is a Lucene
// regular expression ("/admin-[0-9]+/"); other strings match exactly. Errors name the
// offending part by its path, for example "rules.all[1].field.groups[0]". Unlike
// Elasticsearch, which truncates them, fractional numbers are refused.
func ParseRule(v any) (Rule, error) {
	e, err := parseRuleObject(v, "rules", "rules", false)
	if err != nil {
		return Rule{}, err
	}
	return Rule{e: e}, nil
}

// parseRuleObject parses one rules object at path; name is Elasticsearch's name for it
// (the field that holds it) and except tells whether "except" may appear.
func parseRuleObject(v any, path, name string, except bool) (ruleExpr, error) {
	key, val, err := singleField(v, path)
	if err != nil {
		return nil, err
	}
	sub := path + "." + key
	switch key {
	case "any", "all":
		list, ok := asList(val)
		if !ok {
			return nil, rulesErr("field [%s] requires an array but found [%s]", sub, kindOf(val))
		}
		exprs := make([]ruleExpr, 0, len(list))
		for i, el := range list {
			e, err := parseRuleObject(el, sub+"["+strconv.Itoa(i)+"]", key, key == "all")
			if err != nil {
				return nil, err
			}
			exprs = append(exprs, e)
		}
		if key == "any" {
			return anyRule(exprs), nil
		}
		return allRule(exprs), nil
	case "except":
		if !except {
			return nil, rulesErr("field [except] is not allowed within [%s] (at [%s]); it may only be an element of [all]", name, path)
		}
		e, err := parseRuleObject(val, sub, "except", false)
		if err != nil {
			return nil, err
		}
		return exceptRule{e: e}, nil
	case "field":
		return parseFieldRule(val, sub)
	}
	return nil, rulesErr("field [%s] is not recognised in object [%s]", key, path)
}

// singleField returns the only field of the object v.
func singleField(v any, path string) (string, any, error) {
	m, ok := asMap(v)
	if !ok {
		return "", nil, rulesErr("expected [%s] to be an object but found [%s] instead", path, kindOf(v))
	}
	switch len(m) {
	case 0:
		return "", nil, rulesErr("object [%s] does not contain any fields", path)
	case 1:
		for k, val := range m {
			return k, val, nil
		}
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return "", nil, rulesErr("object [%s] contains multiple fields [%s]", path, strings.Join(keys, ", "))
}

func parseFieldRule(v any, path string) (ruleExpr, error) {
	field, val, err := singleField(v, path)
	if err != nil {
		return nil, err
	}
	if field == "" {
		return nil, rulesErr("object [%s] has an empty field name", path)
	}
	sub := path + "." + field
	raw, isList := asList(val)
	switch {
	case !isList:
		raw = []any{val}
	case len(raw) == 0:
		return nil, rulesErr("field [%s] has no values", sub)
	}
	r := &fieldRule{field: field, values: make([]fieldValue, 0, len(raw))}
	for i, x := range raw {
		at := sub
		if isList {
			at = sub + "[" + strconv.Itoa(i) + "]"
		}
		fv, err := parseFieldValue(x, at)
		if err != nil {
			return nil, err
		}
		r.values = append(r.values, fv)
	}
	return r, nil
}

func parseFieldValue(v any, path string) (fieldValue, error) {
	if v == nil {
		return fieldValue{kind: valueNull}, nil
	}
	if n, ok := v.(json.Number); ok {
		if i, err := n.Int64(); err == nil {
			return fieldValue{kind: valueNumber, n: i}, nil
		}
		f, err := n.Float64()
		if err != nil {
			return fieldValue{}, rulesErr("field value [%s] of [%s] is not a number", n, path)
		}
		v = f
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Bool:
		return fieldValue{kind: valueBool, b: rv.Bool()}, nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return fieldValue{kind: valueNumber, n: rv.Int()}, nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if rv.Uint() > math.MaxInt64 {
			return fieldValue{}, rulesErr("field value [%d] of [%s] is out of range", rv.Uint(), path)
		}
		return fieldValue{kind: valueNumber, n: int64(rv.Uint())}, nil
	case reflect.Float32, reflect.Float64:
		f := rv.Float()
		if f != math.Trunc(f) || f < math.MinInt64 || f >= math.MaxInt64 {
			return fieldValue{}, rulesErr("field value [%v] of [%s] is not an integer", f, path)
		}
		return fieldValue{kind: valueNumber, n: int64(f)}, nil
	case reflect.String:
		s := rv.String()
		fv := fieldValue{kind: valueString, s: s}
		if isPatternValue(s) {
			if !utf8.ValidString(s) {
				return fieldValue{}, rulesErr("invalid pattern for [%s]: not valid UTF-8", path)
			}
			p, err := privileges.Compile(nil, []*privileges.RoleDescriptor{{Name: "role_mapping", RunAs: []string{s}}})
			if err != nil {
				var pe *privileges.PatternError
				if errors.As(err, &pe) {
					return fieldValue{}, rulesErr("%s (at [%s])", pe.Error(), path)
				}
				return fieldValue{}, rulesErr("invalid pattern [%s] (at [%s]): %v", s, path, err)
			}
			fv.pattern = p
		}
		return fv, nil
	}
	return fieldValue{}, rulesErr("expected a field value for [%s] but found [%s] instead", path, kindOf(v))
}

// asMap returns v as a map with string keys, whatever its map type.
func asMap(v any) (map[string]any, bool) {
	if m, ok := v.(map[string]any); ok {
		return m, true
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Map {
		return nil, false
	}
	m := make(map[string]any, rv.Len())
	for it := rv.MapRange(); it.Next(); {
		k := it.Key()
		if k.Kind() == reflect.Interface {
			k = k.Elem()
		}
		if k.Kind() != reflect.String {
			return nil, false
		}
		m[k.String()] = it.Value().Interface()
	}
	return m, true
}

// asList returns v as a list, whatever its slice type ([]byte is not a list).
func asList(v any) ([]any, bool) {
	if l, ok := v.([]any); ok {
		return l, true
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array || rv.Type().Elem().Kind() == reflect.Uint8 {
		return nil, false
	}
	l := make([]any, rv.Len())
	for i := range l {
		l[i] = rv.Index(i).Interface()
	}
	return l, true
}

// kindOf names the JSON kind of a decoded value for messages.
func kindOf(v any) string {
	if v == nil {
		return "null"
	}
	if _, ok := v.(json.Number); ok {
		return "a number"
	}
	if _, ok := asMap(v); ok {
		return "an object"
	}
	if _, ok := asList(v); ok {
		return "an array"
	}
	switch reflect.ValueOf(v).Kind() {
	case reflect.Bool:
		return "a boolean"
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64:
		return "a number"
	}
	return fmt.Sprintf("a %T", v)
}

// userModel is a MappedUser prepared for rules (ExpressionModel): distinguished names
// are parsed once.
type userModel struct {
	u      *MappedUser
	dn     *dnString // nil when the user has no DN
	groups []dnString
}

// dnString is a string that may be a distinguished name, with its normalized form.
type dnString struct {
	s, norm string
	isDN    bool
}

func newDNString(s string) dnString {
	norm, ok := normalizeDN(s)
	return dnString{s: s, norm: norm, isDN: ok}
}

func newUserModel(u *MappedUser) *userModel {
	m := &userModel{u: u}
	if u.DN != "" {
		d := newDNString(u.DN)
		m.dn = &d
	}
	if len(u.Groups) > 0 {
		m.groups = make([]dnString, len(u.Groups))
		for i, g := range u.Groups {
			m.groups[i] = newDNString(g)
		}
	}
	return m
}

// test is ExpressionModel.test for one value: whether the field matches v. Fields the
// user does not have are null.
func (m *userModel) test(field string, v *fieldValue) bool {
	switch field {
	case "username":
		return matchValue(m.u.Username, v)
	case "realm.name":
		return matchValue(m.u.RealmName, v)
	case "dn":
		if m.dn == nil {
			return v.kind == valueNull
		}
		return m.dn.match(v)
	case "groups":
		for i := range m.groups {
			if m.groups[i].match(v) {
				return true
			}
		}
		return false
	}
	if key, ok := strings.CutPrefix(field, "metadata."); ok {
		if x, ok := m.u.Metadata[key]; ok {
			return matchValue(x, v)
		}
	}
	return v.kind == valueNull
}

// matchValue is ExpressionModel.buildPredicate: x matches v by x's type. A list
// matches when one of its elements does; maps and other types match nothing.
func matchValue(x any, v *fieldValue) bool {
	switch x := x.(type) {
	case nil:
		return v.kind == valueNull
	case string:
		if v.pattern != nil {
			return v.matchPattern(x)
		}
		return v.kind == valueString && v.s == x
	case bool:
		return v.kind == valueBool && v.b == x
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return v.kind == valueNumber && v.n == i
		}
		f, err := x.Float64()
		return err == nil && v.kind == valueNumber && float64(v.n) == f
	case []any:
		for _, el := range x {
			if matchValue(el, v) {
				return true
			}
		}
		return false
	case []string:
		for _, el := range x {
			if matchValue(el, v) {
				return true
			}
		}
		return false
	}
	rv := reflect.ValueOf(x)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.kind == valueNumber && v.n == rv.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return v.kind == valueNumber && v.n >= 0 && uint64(v.n) == rv.Uint()
	case reflect.Float32, reflect.Float64:
		// ExpressionModel.numberEquals compares as doubles when either side is one.
		return v.kind == valueNumber && float64(v.n) == rv.Float()
	case reflect.Slice, reflect.Array:
		for i := range rv.Len() {
			if matchValue(rv.Index(i).Interface(), v) {
				return true
			}
		}
	}
	return false
}

// match is UserRoleMapper.DistinguishedNamePredicate: strings compare without regard
// to case, and as distinguished names when both parse as one; a pattern is tried on the
// string, its normalized DN, and its lower- and upper-case forms, and "*,dc=example,dc=com"
// matches every DN under that subtree.
func (d *dnString) match(v *fieldValue) bool {
	if v.pattern != nil {
		if v.matchPattern(d.s) || d.isDN && v.matchPattern(d.norm) ||
			v.matchPattern(strings.ToLower(d.s)) || v.matchPattern(strings.ToUpper(d.s)) {
			return true
		}
		if !d.isDN {
			return false
		}
		if suffix, ok := strings.CutPrefix(v.s, "*,"); ok && !strings.Contains(suffix, "*") {
			if ns, ok := normalizeDN(suffix); ok {
				return strings.HasSuffix(d.norm, ","+ns) || ns == "" && d.norm != ""
			}
		}
		return false
	}
	if v.kind != valueString {
		return false
	}
	if strings.EqualFold(v.s, d.s) {
		return true
	}
	if !d.isDN {
		return false
	}
	if nv, ok := normalizeDN(v.s); ok {
		return d.norm == nv
	}
	return strings.EqualFold(v.s, d.norm)
}

// normalizeDN parses s as an LDAP distinguished name (RFC 4514: RDNs separated by ','
// or ';', attribute=value pairs joined by '+', values quoted, hex (#...) or with '\'
// escapes) and returns a normalized form: attribute names and values in lower case,
// values with their spaces trimmed and runs of spaces collapsed, multi-valued RDNs
// sorted. It approximates UnboundID's DN.toNormalizedString, which Elasticsearch uses,
// without schema-specific matching rules. The second result is false when s is not a
// DN (for example a plain group name such as "admins").
func normalizeDN(s string) (string, bool) {
	if strings.TrimSpace(s) == "" {
		return "", true
	}
	rdns, ok := splitDN(s, ",;")
	if !ok {
		return "", false
	}
	out := make([]string, 0, len(rdns))
	for _, rdn := range rdns {
		avas, ok := splitDN(rdn, "+")
		if !ok {
			return "", false
		}
		parts := make([]string, 0, len(avas))
		for _, ava := range avas {
			attr, val, found := strings.Cut(ava, "=")
			attr = strings.TrimSpace(attr)
			if !found || !validDNAttr(attr) {
				return "", false
			}
			v, ok := dnValue(val)
			if !ok {
				return "", false
			}
			parts = append(parts, strings.ToLower(attr)+"="+v)
		}
		slices.Sort(parts)
		out = append(out, strings.Join(parts, "+"))
	}
	return strings.Join(out, ","), true
}

// splitDN splits s at the separator characters outside quotes and escapes.
func splitDN(s, seps string) ([]string, bool) {
	var parts []string
	start, quoted := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			i++
			if i >= len(s) {
				return nil, false
			}
		case c == '"':
			quoted = !quoted
		case !quoted && strings.IndexByte(seps, c) >= 0:
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	if quoted {
		return nil, false
	}
	return append(parts, s[start:]), true
}

func validDNAttr(a string) bool {
	if a == "" {
		return false
	}
	if a[0] >= '0' && a[0] <= '9' { // numeric OID
		for _, p := range strings.Split(a, ".") {
			if p == "" || strings.Trim(p, "0123456789") != "" {
				return false
			}
		}
		return true
	}
	for i := 0; i < len(a); i++ {
		c := a[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && (c >= '0' && c <= '9' || c == '-')) {
			return false
		}
	}
	return true
}

// dnValue unescapes and normalizes one attribute value.
func dnValue(raw string) (string, bool) {
	raw = strings.TrimLeft(raw, " ")
	if strings.HasPrefix(raw, "#") { // BER-encoded value: compared as written
		hex := strings.TrimRight(raw[1:], " ")
		if hex == "" || len(hex)%2 != 0 || strings.Trim(strings.ToLower(hex), "0123456789abcdef") != "" {
			return "", false
		}
		return "#" + strings.ToLower(hex), true
	}
	var b strings.Builder
	quoted := strings.HasPrefix(raw, `"`)
	if quoted {
		end := strings.LastIndexByte(raw, '"')
		if end == 0 || strings.TrimRight(raw[end+1:], " ") != "" {
			return "", false
		}
		raw = raw[1:end]
	}
	lastKept := 0 // length of b up to the last character that is not a plain trailing space
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c != '\\' {
			if c == '"' && !quoted {
				return "", false
			}
			b.WriteByte(c)
			if c != ' ' || quoted {
				lastKept = b.Len()
			}
			continue
		}
		i++
		if i >= len(raw) {
			return "", false
		}
		if i+1 < len(raw) && isHex(raw[i]) && isHex(raw[i+1]) {
			n, _ := strconv.ParseUint(raw[i:i+2], 16, 8)
			b.WriteByte(byte(n))
			i++
		} else {
			b.WriteByte(raw[i])
		}
		lastKept = b.Len()
	}
	v := b.String()[:lastKept]
	if !utf8.ValidString(v) {
		return "", false
	}
	v = strings.Join(strings.Fields(strings.ToLower(v)), " ")
	return escapeDNValue(v), true
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// escapeDNValue escapes the characters RFC 4514 reserves in a value.
func escapeDNValue(v string) string {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		c := v[i]
		if strings.IndexByte(`\,+"<>;=`, c) >= 0 || c == '#' && i == 0 {
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	return b.String()
}
