package privileges

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// Application privileges, as Elasticsearch's ApplicationPrivilege,
// ApplicationPrivilegeDescriptor and ApplicationPermission define them. They grant no
// Elasticsearch action: applications such as Kibana define their own privileges (a
// name and the application action patterns it stands for) and ask
// _security/user/_has_privileges whether a user holds them on their own resources.

// ApplicationPrivilegeDef is one application privilege definition
// (ApplicationPrivilegeDescriptor), as PUT _security/privilege stores it: the privilege
// Name of Application grants the application action patterns Actions. The config
// package fills it; ValidateApplicationPrivilegeDef checks it.
type ApplicationPrivilegeDef struct {
	Application string
	Name        string
	Actions     []string       // application action patterns ('*' and '?' wildcards, or /regex/)
	Metadata    map[string]any // free-form; keys starting with '_' are reserved
}

var (
	// validApplicationPrefix is ApplicationPrivilege.VALID_APPLICATION_PREFIX.
	validApplicationPrefix = regexp.MustCompile(`^[a-z][A-Za-z0-9]*$`)
	// validPrivilegeName is ApplicationPrivilege.VALID_NAME: a privilege name, as
	// opposed to an action pattern.
	validPrivilegeName = regexp.MustCompile(`^[a-z][a-zA-Z0-9_.-]*$`)
	// validNameOrAction is ApplicationPrivilege.VALID_NAME_OR_ACTION: Java's
	// \p{Graph}, printable ASCII without space.
	validNameOrAction = regexp.MustCompile(`^[\x21-\x7e]*$`)
)

// invalidFilenameChars is Strings.INVALID_FILENAME_CHARS in the order a Java HashSet of
// these Characters iterates them, as ES prints it in its message.
const invalidFilenameChars = ` "*\<|,>/?`

// isJavaWhitespace reports whether r is in Java's [\v\h] (vertical or horizontal
// whitespace), ApplicationPrivilege.WHITESPACE.
func isJavaWhitespace(r rune) bool {
	switch r {
	case ' ', '\t', '\u00a0', '\u1680', '\u180e', '\u202f', '\u205f', '\u3000',
		'\n', '\x0b', '\f', '\r', '\u0085', '\u2028', '\u2029':
		return true
	}
	return r >= '\u2000' && r <= '\u200a'
}

// validateApplicationName mirrors ApplicationPrivilege.validateApplicationName
// (wildcard=false) and validateApplicationNameOrWildcard (wildcard=true): a prefix of
// at least 3 ASCII letters or digits starting with a lower-case letter, optionally
// followed by '-' or '_' and a suffix of valid file name characters; with wildcard, "*"
// or a name ending with '*' (then the prefix may be shorter). The messages are ES's.
func validateApplicationName(app string, wildcard bool) error {
	if app == "" {
		return errors.New("Application names cannot be blank")
	}
	asterisk := strings.IndexByte(app, '*')
	if asterisk >= 0 {
		if !wildcard {
			return fmt.Errorf("Application names may not contain '*' (found '%s')", app)
		}
		if app == "*" {
			return nil
		}
		if asterisk != len(app)-1 {
			return fmt.Errorf("Application name patterns only support trailing wildcards (found '%s')", app)
		}
	}
	if strings.IndexFunc(app, isJavaWhitespace) >= 0 {
		return fmt.Errorf("Application names may not contain whitespace (found '%s')", app)
	}
	prefix, suffix, hasSuffix := app, "", false
	if i := strings.IndexAny(app, "_-"); i >= 0 {
		prefix, suffix, hasSuffix = app[:i], app[i+1:], true
	}
	prefix = strings.TrimSuffix(prefix, "*")
	if !validApplicationPrefix.MatchString(prefix) {
		return fmt.Errorf("An application name prefix must match the pattern %s (found '%s')", validApplicationPrefix, prefix)
	}
	if len(prefix) < 3 && asterisk < 0 {
		return fmt.Errorf("An application name prefix must be at least 3 characters long (found '%s')", prefix)
	}
	if hasSuffix {
		if wildcard {
			suffix = strings.TrimSuffix(suffix, "*")
		}
		if strings.ContainsAny(suffix, invalidFilenameChars) {
			return fmt.Errorf("An application name suffix may not contain any of the characters '%s' (found '%s')", invalidFilenameChars, suffix)
		}
	}
	return nil
}

// validatePrivilegeOrActionName mirrors ApplicationPrivilege.validatePrivilegeOrActionName.
func validatePrivilegeOrActionName(name string) error {
	if !validNameOrAction.MatchString(name) {
		return fmt.Errorf("Application privilege names and actions must match the pattern ^\\p{Graph}*$ (found '%s')", name)
	}
	return nil
}

// ValidateApplicationPrivilegeDef checks a definition the way PutPrivilegesRequest.validate
// does and returns every problem, joined with errors.Join, in ES's words: the
// application name (no wildcard), the privilege name (^[a-z][a-zA-Z0-9_.-]*$), at least
// one action, every action printable ASCII without spaces and containing '/', '*' or
// ':' (what tells an action from a privilege name), and no metadata key starting with
// '_'. esguard also refuses an action that does not compile as a pattern (such as
// "/admin/*", which Automatons.pattern reads as an unterminated regex and refuses when
// a role uses it). It returns nil for a valid definition.
func ValidateApplicationPrivilegeDef(d ApplicationPrivilegeDef) error {
	var errs []error
	if err := validateApplicationName(d.Application, false); err != nil {
		errs = append(errs, err)
	}
	if !validPrivilegeName.MatchString(d.Name) {
		errs = append(errs, fmt.Errorf("Application privilege names must match the pattern %s (found '%s')", validPrivilegeName, d.Name))
	}
	if len(d.Actions) == 0 {
		errs = append(errs, errors.New("Application privileges must have at least one action"))
	}
	for _, a := range d.Actions {
		if err := validatePrivilegeOrActionName(a); err != nil {
			errs = append(errs, err)
		}
		if !strings.ContainsAny(a, "/*:") {
			errs = append(errs, fmt.Errorf("The application privilege pattern [%s] must contain one of [ '/' , '*' , ':' ]", a))
		}
		if _, err := compileNamePattern(a); err != nil {
			errs = append(errs, err)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(d.Metadata)) {
		if strings.HasPrefix(k, "_") {
			errs = append(errs, fmt.Errorf("metadata keys may not start with [_] (in privilege %s %s)", d.Application, d.Name))
			break
		}
	}
	return errors.Join(errs...)
}

// ApplicationPermission is the compiled application privileges of a role set
// (ApplicationPermission), together with the definitions it was compiled against (which
// has_privileges uses to resolve the privilege names it is asked about). It is
// immutable and safe for concurrent use. A nil *ApplicationPermission grants nothing.
type ApplicationPermission struct {
	defs    map[string]map[string][]string // application → privilege name → actions
	entries []*appEntry
	limit   *ApplicationPermission // every grant must also be granted by limit (nil: no limit)
}

// appEntry is one ApplicationPermission.PermissionEntry: an ApplicationPrivilege (an
// application, a set of privilege names and the action patterns they resolved to) and
// the union of the resource patterns it is granted on.
type appEntry struct {
	app       string      // application name, or pattern when no definition matched it
	appMatch  namePattern // Automatons.predicate(app)
	names     []string    // sorted privilege names as the role wrote them
	patterns  []string    // sorted action patterns
	actions   []namePattern
	lang      langTerm // the actions as a language, for subset tests
	total     bool     // an action pattern matches every string
	resources []string
	resSet    *nameSet
}

// appPrivilege is a resolved ApplicationPrivilege.
type appPrivilege struct {
	app      string
	names    []string // sorted, deduplicated
	patterns []string // sorted, deduplicated
}

// CompileApplications builds the ApplicationPermission of a role set from the
// application privilege definitions and each role's "applications" entries, as
// CompositeRolesStore and Role.Builder do:
//   - entries of all roles with the same application and the same set of resources are
//     merged (their privilege names are united) before resolution;
//   - an application that is a wildcard pattern ("*", "app*") stands for every defined
//     application it matches, each resolved on its own; when it matches none it is kept
//     as a pattern, with only its action patterns;
//   - a privilege written like a privilege name (^[a-z][a-zA-Z0-9_.-]*$) resolves to the
//     actions of that application's definition of it, and to nothing when the
//     application does not define it (ES resolves unknown names to empty privileges,
//     which grant nothing); anything else is an action pattern (ApplicationPrivilege.resolve);
//   - resources are patterns like index names (wildcards or /regex/).
//
// It reports every invalid definition and role entry (names checked with
// validateApplicationNameOrWildcard and validatePrivilegeOrActionName, ES's own
// wording; entries without privileges or resources), joined with errors.Join; role
// problems are *RoleError.
func CompileApplications(defs []ApplicationPrivilegeDef, roles []*RoleDescriptor) (*ApplicationPermission, error) {
	a := &ApplicationPermission{defs: map[string]map[string][]string{}}
	var errs []error
	for _, d := range defs {
		if err := ValidateApplicationPrivilegeDef(d); err != nil {
			errs = append(errs, fmt.Errorf("application privilege [%s:%s]: %w", d.Application, d.Name, err))
			continue
		}
		byName := a.defs[d.Application]
		if byName == nil {
			byName = map[string][]string{}
			a.defs[d.Application] = byName
		}
		if _, dup := byName[d.Name]; dup {
			errs = append(errs, fmt.Errorf("application privilege [%s:%s]: defined twice", d.Application, d.Name))
			continue
		}
		byName[d.Name] = slices.Clone(d.Actions)
	}

	// CompositeRolesStore.buildRoleFromDescriptors: (application, resource set) → names.
	type collated struct {
		app       string
		resources []string
		names     []string
	}
	var order []string
	merged := map[string]*collated{}
	for _, r := range roles {
		if r == nil {
			continue
		}
		for _, ap := range r.Applications {
			fail := func(err error) { errs = append(errs, &RoleError{Role: r.Name, Err: err}) }
			bad := false
			if err := validateApplicationName(ap.Application, true); err != nil {
				fail(err)
				bad = true
			}
			if len(ap.Privileges) == 0 {
				fail(errors.New("application privileges must define at least one privilege"))
				bad = true
			}
			if len(ap.Resources) == 0 {
				fail(errors.New("application privileges must refer to at least one resource"))
				bad = true
			}
			for _, p := range ap.Privileges {
				if err := validatePrivilegeOrActionName(p); err != nil {
					fail(err)
					bad = true
				} else if !validPrivilegeName.MatchString(p) {
					if _, err := compileNamePattern(p); err != nil {
						fail(err)
						bad = true
					}
				}
			}
			for _, res := range ap.Resources {
				if _, err := compileNamePattern(res); err != nil {
					fail(err)
					bad = true
				}
			}
			if bad {
				continue
			}
			res := sortedSet(ap.Resources)
			key := ap.Application + "\x00" + strings.Join(res, "\x00")
			c, ok := merged[key]
			if !ok {
				c = &collated{app: ap.Application, resources: res}
				merged[key] = c
				order = append(order, key)
			}
			c.names = append(c.names, ap.Privileges...)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}

	byKey := map[string]*appEntry{}
	for _, key := range order {
		c := merged[key]
		for _, priv := range a.resolveRole(c.app, sortedSet(c.names)) {
			ek := priv.app + "\x00" + strings.Join(priv.names, "\x00") + "\x01" + strings.Join(priv.patterns, "\x00")
			e, ok := byKey[ek]
			if !ok {
				e = newAppEntry(priv)
				byKey[ek] = e
				a.entries = append(a.entries, e)
			}
			e.resources = append(e.resources, c.resources...)
		}
	}
	for _, e := range a.entries {
		e.resources = sortedSet(e.resources)
		var b nameSetBuilder
		for _, res := range e.resources {
			np, _ := compileNamePattern(res) // validated above
			b.add(&np)
		}
		e.resSet = b.build()
	}
	return a, nil
}

// resolveRole is ApplicationPrivilege.get for a role entry: a wildcard application
// expands to the defined applications it matches.
func (a *ApplicationPermission) resolveRole(app string, names []string) []appPrivilege {
	if !strings.Contains(app, "*") {
		return []appPrivilege{a.resolve(app, names, a.defs[app])}
	}
	pat, _ := compileNamePattern(app)
	var out []appPrivilege
	for _, defined := range slices.Sorted(maps.Keys(a.defs)) {
		if pat.match(defined) {
			out = append(out, a.resolve(defined, names, a.defs[defined]))
		}
	}
	if len(out) == 0 {
		out = append(out, a.resolve(app, names, nil))
	}
	return out
}

// resolve is ApplicationPrivilege.resolve: privilege names take the actions of their
// definition (nothing when undefined); other names are action patterns themselves.
func (a *ApplicationPermission) resolve(app string, names []string, lookup map[string][]string) appPrivilege {
	var patterns []string
	for _, n := range names {
		if validPrivilegeName.MatchString(n) {
			patterns = append(patterns, lookup[n]...)
		} else {
			patterns = append(patterns, n)
		}
	}
	return appPrivilege{app: app, names: names, patterns: sortedSet(patterns)}
}

func newAppEntry(p appPrivilege) *appEntry {
	e := &appEntry{app: p.app, names: p.names, patterns: p.patterns}
	e.appMatch, _ = compileNamePattern(p.app)
	e.lang, e.actions = appLang(p.patterns)
	for _, np := range e.actions {
		if np.re == nil && slices.ContainsFunc(np.globs, matchesAll) {
			e.total = true
		}
	}
	return e
}

// appLang compiles application action patterns (Automatons.patterns) into matchers and
// a language term; a pattern that does not compile or has no wildcard form makes the
// term opaque.
func appLang(patterns []string) (langTerm, []namePattern) {
	var t langTerm
	var nps []namePattern
	for _, p := range patterns {
		np, err := compileNamePattern(p)
		if err != nil {
			t.inclOpaque = true
			continue
		}
		nps = append(nps, np)
		if np.re != nil {
			t.inclOpaque = true
			continue
		}
		t.incl = append(t.incl, np.globs...)
	}
	return t, nps
}

func sortedSet(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return slices.Compact(out)
}

// empty reports whether the entry's action language is empty (Operations.isEmpty).
func (e *appEntry) empty() bool { return len(e.lang.incl) == 0 && !e.lang.inclOpaque }

// matchesPrivilege mirrors PermissionEntry.matchesPrivilege: the same privilege; or the
// entry's application matches and its actions are every action or (both non-empty)
// contain the requested ones.
func (e *appEntry) matchesPrivilege(p appPrivilege, lang langTerm) bool {
	if e.app == p.app && slices.Equal(e.names, p.names) && slices.Equal(e.patterns, p.patterns) {
		return true
	}
	if !e.appMatch.match(p.app) {
		return false
	}
	if e.total {
		return true
	}
	reqEmpty := len(lang.incl) == 0 && !lang.inclOpaque
	return !e.empty() && !reqEmpty && langSubset([]langTerm{lang}, []langTerm{e.lang})
}

// coversResource reports whether the entry's resources contain every resource the
// requested resource (a name or pattern) can name (Automatons.subsetOf). A pattern is
// proven covered by one resource pattern (nameSet.covers); a request /regex/ without a
// wildcard form is never proven.
func (e *appEntry) coversResource(resource string) bool {
	if e.resSet.all {
		return true
	}
	np, err := compileNamePattern(resource)
	if err != nil || np.re != nil {
		return false
	}
	for _, g := range np.globs {
		if !e.resSet.covers(g) {
			return false
		}
	}
	return true
}

// Grants reports whether the permission grants the application action (a concrete
// action name) on the resource (ApplicationPermission.grants with the privilege made
// of that one action): some entry's application matches, one of its action patterns
// matches the action, and its resources cover the resource. A wildcard resource is
// covered only when one resource pattern provably contains it. When the permission is
// limited (Limit), the limit must grant it too.
func (a *ApplicationPermission) Grants(application, action, resource string) bool {
	if a == nil || action == "" {
		return false
	}
	granted := false
	for _, e := range a.entries {
		if !e.appMatch.match(application) {
			continue
		}
		if !e.total && !slices.ContainsFunc(e.actions, func(np namePattern) bool { return np.match(action) }) {
			continue
		}
		if e.coversResource(resource) {
			granted = true
			break
		}
	}
	return granted && (a.limit == nil || a.limit.Grants(application, action, resource))
}

// Limit returns the permission that grants only what both a and by grant, the
// application part of an API key's role (LimitedRole): Grants and has_privileges ask
// both and answer true only when both do. A nil by grants nothing, so the result grants
// nothing; a nil a gives nil.
func (a *ApplicationPermission) Limit(by *ApplicationPermission) *ApplicationPermission {
	if a == nil {
		return nil
	}
	if by == nil {
		by = &ApplicationPermission{}
	}
	out := *a
	if a.limit == nil {
		out.limit = by
	} else {
		out.limit = a.limit.Limit(by)
	}
	return &out
}

// resolveRequest is ApplicationPrivilege.get for a has_privileges request: the
// application is a name (never a pattern) and name one privilege name or action pattern.
func (a *ApplicationPermission) resolveRequest(app, name string) appPrivilege {
	return a.resolve(app, []string{name}, a.defs[app])
}

// checkResourcePrivilege mirrors ApplicationPermission.checkResourcePrivileges for one
// resource and one privilege name (or action pattern): true when one entry both
// matches the requested privilege (matchesPrivilege) and covers the resource. A
// limited permission must also pass its limit's check with the limit's definitions.
//
// Like Elasticsearch, one entry must do it alone: privileges granted by different
// role entries (with different resource sets) are not united.
func (a *ApplicationPermission) checkResourcePrivilege(app, resource, name string) bool {
	if a == nil {
		return false
	}
	p := a.resolveRequest(app, name)
	lang, _ := appLang(p.patterns)
	granted := false
	for _, e := range a.entries {
		if e.matchesPrivilege(p, lang) && e.coversResource(resource) {
			granted = true
			break
		}
	}
	return granted && (a.limit == nil || a.limit.checkResourcePrivilege(app, resource, name))
}
