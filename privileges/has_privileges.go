package privileges

import (
	"slices"
	"strconv"
	"strings"
)

// The evaluation behind _security/user/_has_privileges (TransportHasPrivilegesAction,
// RBACEngine.checkPrivileges). Unlike Authorize, which decides one action, it compares
// privileges as sets of actions: a requested privilege is held when every action it
// grants is granted (an automaton subset test in Elasticsearch). See langSubset for how
// esguard decides inclusion and where it is conservative.

// IndexPrivilegesCheck is one entry of a has_privileges request's "index" list.
type IndexPrivilegesCheck struct {
	Names                  []string // index names or patterns (wildcards or /regex/); nil means the field was missing
	Privileges             []string // index privilege names or index action patterns; nil means the field was missing
	AllowRestrictedIndices bool
}

// ApplicationPrivilegesCheck is one entry of a has_privileges request's "application"
// list.
type ApplicationPrivilegesCheck struct {
	Application string   // an application name (no wildcard)
	Privileges  []string // application privilege names or application action patterns; nil means missing
	Resources   []string // resource names or patterns; nil means missing
}

// HasPrivilegesRequest is the body of a has_privileges request (PrivilegesToCheck).
type HasPrivilegesRequest struct {
	// User is the user whose privileges are checked. It only appears in error
	// messages, as Elasticsearch's "<user>/has_privileges" description
	// (HasPrivilegesRequestBuilder).
	User        string
	Cluster     []string // cluster privilege names or cluster action patterns
	Index       []IndexPrivilegesCheck
	Application []ApplicationPrivilegesCheck
}

// HasPrivilegesResult is the answer of a has_privileges request (HasPrivilegesResponse
// without the username). The maps are never nil. Index is keyed by index name or
// pattern then privilege, Application by application, resource and privilege, all as
// the request wrote them; an entry asked twice (in several index or application
// entries) is true only when every check of it is.
type HasPrivilegesResult struct {
	HasAllRequested bool
	Cluster         map[string]bool
	Index           map[string]map[string]bool
	Application     map[string]map[string]map[string]bool
}

// Exception types of HasPrivilegesError, as Elasticsearch names them in its 400 answer.
const (
	TypeParseException          = "parse_exception"                     // ElasticsearchParseException: the body's shape
	TypeIllegalArgument         = "illegal_argument_exception"          // IllegalArgumentException: unknown privileges, bad entries
	TypeActionRequestValidation = "action_request_validation_exception" // ActionRequestValidationException: PrivilegesToCheck.validate
)

// HasPrivilegesError is a has_privileges request Elasticsearch answers with 400: Type
// is the ES exception type and Reason its message, worded like ES.
type HasPrivilegesError struct {
	Type   string
	Reason string
}

// Error returns the reason.
func (e *HasPrivilegesError) Error() string { return e.Reason }

// HasPrivileges evaluates a has_privileges request against a role set's permission
// and application permission, as RBACEngine.checkPrivileges does:
//   - cluster: each entry is a cluster privilege name or a cluster action pattern
//     (ClusterPrivilegeResolver.resolve: a raw pattern stands for name + "*"); it is held
//     when its actions are a subset of the union of the role set's cluster privileges
//     (ClusterPermission.implies). manage_own_api_key, a request-aware check, is held
//     only by roles that hold it. An unknown name is an error.
//   - index: for each name or pattern and each privilege (IndicesPermission.checkResourcePrivileges)
//     the privilege's actions must be a subset of the union of the privileges of the
//     indices entries whose names contain every index the requested name can name.
//     Restricted names: when allow_restricted_indices is false they are taken out of a
//     requested pattern (a pattern that names only restricted indices is false), a
//     restricted name asked explicitly is still checked; restricted names are only
//     covered by entries with allow_restricted_indices. Failure-store privileges
//     (read_failure_store, manage_failure_store) are checked against the privileges that
//     grant the ::failures selector, all and manage-like ones against both (PR #125329).
//   - application: ApplicationPermission.checkResourcePrivileges per resource and
//     privilege (nil apps grants nothing).
//
// When p is limited by another permission (API keys), cluster and index answers are
// true only when both answer true (LimitedRole); apps carries its own limit
// (ApplicationPermission.Limit). The request is first validated like Elasticsearch
// parses and validates it; errors are *HasPrivilegesError.
func HasPrivileges(p *Permission, apps *ApplicationPermission, req HasPrivilegesRequest) (HasPrivilegesResult, error) {
	if err := validateHasPrivileges(req); err != nil {
		return HasPrivilegesResult{}, err
	}
	res, err := hasPrivilegesOne(p, req)
	if err != nil {
		return HasPrivilegesResult{}, err
	}
	for l := limitOf(p); l != nil; l = limitOf(l) {
		lr, err := hasPrivilegesOne(l, req)
		if err != nil {
			return HasPrivilegesResult{}, err
		}
		andResults(&res, lr)
	}
	for _, ap := range req.Application {
		byRes := res.Application[ap.Application]
		if byRes == nil {
			byRes = map[string]map[string]bool{}
			res.Application[ap.Application] = byRes
		}
		for _, resource := range ap.Resources {
			byPriv := byRes[resource]
			if byPriv == nil {
				byPriv = map[string]bool{}
				byRes[resource] = byPriv
			}
			for _, priv := range ap.Privileges {
				setAnd(byPriv, priv, apps.checkResourcePrivilege(ap.Application, resource, priv))
			}
		}
	}
	res.HasAllRequested = allTrue(res)
	return res, nil
}

// limitOf is p.LimitedBy() for a possibly nil p.
func limitOf(p *Permission) *Permission {
	if p == nil {
		return nil
	}
	return p.LimitedBy()
}

// setAnd records ok for key, AND-ed with an earlier answer (ResourcePrivileges.Builder).
func setAnd(m map[string]bool, key string, ok bool) {
	if old, seen := m[key]; seen {
		ok = ok && old
	}
	m[key] = ok
}

// andResults folds the cluster and index answers of a limiting permission into dst:
// a privilege is held only when both hold it. Both answered the same request, so they
// have the same keys.
func andResults(dst *HasPrivilegesResult, src HasPrivilegesResult) {
	for k, v := range src.Cluster {
		dst.Cluster[k] = dst.Cluster[k] && v
	}
	for name, privs := range src.Index {
		d := dst.Index[name]
		for k, v := range privs {
			d[k] = d[k] && v
		}
	}
}

func allTrue(r HasPrivilegesResult) bool {
	for _, v := range r.Cluster {
		if !v {
			return false
		}
	}
	for _, privs := range r.Index {
		for _, v := range privs {
			if !v {
				return false
			}
		}
	}
	for _, byRes := range r.Application {
		for _, privs := range byRes {
			for _, v := range privs {
				if !v {
					return false
				}
			}
		}
	}
	return true
}

// validateHasPrivileges mirrors what Elasticsearch refuses before evaluating: the
// shape checks of RoleDescriptor.parsePrivilegesToCheck and ApplicationResourcePrivileges,
// then PrivilegesToCheck.validate (all problems in one ActionRequestValidationException).
func validateHasPrivileges(req HasPrivilegesRequest) error {
	desc := req.User + "/has_privileges"
	for _, ip := range req.Index {
		switch {
		case ip.Names == nil:
			return &HasPrivilegesError{TypeParseException, "failed to parse indices privileges for role [" + desc + "]. missing required [names] field"}
		case len(ip.Names) == 0:
			return &HasPrivilegesError{TypeParseException, "failed to parse indices privileges for role [" + desc + "]. [names] cannot be an empty array"}
		case ip.Privileges == nil:
			return &HasPrivilegesError{TypeParseException, "failed to parse indices privileges for role [" + desc + "]. missing required [privileges] field"}
		}
	}
	for _, ap := range req.Application {
		switch {
		case ap.Resources == nil:
			return &HasPrivilegesError{TypeParseException, "failed to parse application privileges for role [" + desc + "]. missing required [resources] field"}
		case ap.Privileges == nil:
			return &HasPrivilegesError{TypeParseException, "failed to parse application privileges for role [" + desc + "]. missing required [privileges] field"}
		case ap.Application == "":
			return &HasPrivilegesError{TypeIllegalArgument, "application privileges must have an application name"}
		case len(ap.Privileges) == 0:
			return &HasPrivilegesError{TypeIllegalArgument, "application privileges must define at least one privilege"}
		case len(ap.Resources) == 0:
			return &HasPrivilegesError{TypeIllegalArgument, "application privileges must refer to at least one resource"}
		}
	}
	var msgs []string
	for _, ip := range req.Index {
		for _, n := range ip.Names {
			// PR #125329: selectors are refused in has_privileges index names.
			if strings.Contains(n, "::") {
				msgs = append(msgs, "may only check index privileges without selectors in index patterns ["+n+"]")
			}
		}
	}
	for _, ap := range req.Application {
		if err := validateApplicationName(ap.Application, false); err != nil {
			msgs = append(msgs, err.Error())
		}
	}
	if len(req.Cluster) == 0 && len(req.Index) == 0 && len(req.Application) == 0 {
		msgs = append(msgs, "must specify at least one privilege")
	}
	if len(msgs) > 0 {
		var b strings.Builder
		b.WriteString("Validation Failed: ")
		for i, m := range msgs {
			b.WriteString(strconv.Itoa(i + 1))
			b.WriteString(": ")
			b.WriteString(m)
			b.WriteByte(';')
		}
		return &HasPrivilegesError{TypeActionRequestValidation, b.String()}
	}
	return nil
}

// hasPrivilegesOne answers the cluster and index parts of req for one permission,
// without its limit. Application maps are created empty.
func hasPrivilegesOne(p *Permission, req HasPrivilegesRequest) (HasPrivilegesResult, error) {
	cat := p.Catalogue()
	res := HasPrivilegesResult{
		Cluster:     map[string]bool{},
		Index:       map[string]map[string]bool{},
		Application: map[string]map[string]map[string]bool{},
	}
	for _, name := range req.Cluster {
		ok, err := clusterHeld(p, cat, name)
		if err != nil {
			return res, err
		}
		res.Cluster[name] = ok
	}
	for _, ip := range req.Index {
		for _, name := range ip.Names {
			byPriv := res.Index[name]
			if byPriv == nil {
				byPriv = map[string]bool{}
				res.Index[name] = byPriv
			}
			cov, err := indexCoverage(p, name, ip.AllowRestrictedIndices)
			if err != nil {
				return res, err
			}
			for _, priv := range ip.Privileges {
				if cov.empty {
					// The pattern names only restricted indices and the request does not
					// allow them: false, without resolving the privilege (ES's "safe default").
					setAnd(byPriv, priv, false)
					continue
				}
				rp, err := resolveIndexPrivilege(cat, priv)
				if err != nil {
					return res, err
				}
				setAnd(byPriv, priv, cov.holds(rp))
			}
		}
	}
	return res, nil
}

// unknownClusterPrivilege is ClusterPrivilegeResolver.resolve's message, with the
// names in ES's access-level order.
func unknownClusterPrivilege(cat *Catalogue, lower string) error {
	names := make([]string, len(cat.clusterOrder))
	for i, e := range cat.clusterOrder {
		names[i] = e.p.Name
	}
	return &HasPrivilegesError{TypeIllegalArgument, "unknown cluster privilege [" + lower + "]. a privilege must be either one of the predefined cluster privilege names [" +
		strings.Join(names, ",") + "] or a pattern over one of the available cluster actions"}
}

// unknownIndexPrivilege is IndexPrivilege.resolve's message (names sorted).
func unknownIndexPrivilege(cat *Catalogue, lower string) error {
	return &HasPrivilegesError{TypeIllegalArgument, "unknown index privilege [" + lower + "]. a privilege must be either one of the predefined fixed indices privileges [" +
		strings.Join(cat.indexNames, ",") + "] or a pattern over one of the available index actions"}
}

// clusterHeld mirrors Role.grants(ClusterPrivilegeResolver.resolve(name)).
func clusterHeld(p *Permission, cat *Catalogue, name string) (bool, error) {
	lower := strings.ToLower(name)
	var want langTerm
	if cat.IsClusterAction(lower) {
		want = langTerm{incl: []string{lower + "*"}} // RawActionPatternClusterPrivilege
	} else {
		e, ok := cat.cluster[lower]
		if !ok {
			return false, unknownClusterPrivilege(cat, lower)
		}
		if e.ownAPIKey {
			// ManageOwnClusterPermissionCheck implies only another manage-own check.
			return p != nil && p.ownAPIKey, nil
		}
		want = entryTerm(e)
	}
	if p == nil || (len(p.cluster) == 0 && len(p.clusterRaw) == 0) {
		// No action-based check at all (ClusterPermission.implies finds no check to
		// imply with), even for a privilege that grants nothing.
		return false, nil
	}
	have := make([]langTerm, 0, len(p.cluster)+len(p.clusterRaw))
	for _, e := range p.cluster {
		have = append(have, entryTerm(e))
	}
	for _, g := range p.clusterRaw {
		have = append(have, globTerm(g))
	}
	return langSubset([]langTerm{want}, have), nil
}

// indexPrivilege is a resolved requested index privilege.
type indexPrivilege struct {
	lang     langTerm
	data     bool // checked against the privileges that grant the data (IndexComponentSelector.DATA)
	failures bool // checked against the privileges that grant ::failures
}

// resolveIndexPrivilege mirrors IndexPrivilege.get for one name.
func resolveIndexPrivilege(cat *Catalogue, name string) (indexPrivilege, error) {
	lower := strings.ToLower(name)
	if cat.IsIndexAction(lower) {
		return indexPrivilege{lang: langTerm{incl: []string{lower + "*"}}, data: true}, nil
	}
	e, ok := cat.index[lower]
	if !ok {
		return indexPrivilege{}, unknownIndexPrivilege(cat, lower)
	}
	return indexPrivilege{lang: entryTerm(e), data: !e.failuresOnly, failures: e.failures}, nil
}

// indexCover is what the role set grants on one requested index name or pattern: the
// union of the privileges of the groups that cover it, for data and for ::failures.
type indexCover struct {
	empty            bool // the requested pattern names nothing once restricted names are removed
	anyData, anyFail bool // some covering group grants data / failures access (ES: a non-null union)
	data, fail       []langTerm
}

func (c *indexCover) holds(rp indexPrivilege) bool {
	if rp.data && !(c.anyData && langSubset([]langTerm{rp.lang}, c.data)) {
		return false
	}
	if rp.failures && !(c.anyFail && langSubset([]langTerm{rp.lang}, c.fail)) {
		return false
	}
	return true
}

// isLuceneRegex is Automatons.isLuceneRegex.
func isLuceneRegex(s string) bool { return len(s) > 1 && s[0] == '/' && s[len(s)-1] == '/' }

// indexCoverage finds the groups that cover the requested name or pattern
// (IndicesPermission.checkResourcePrivileges). The request's language is R, minus the
// restricted names unless allowRestricted or the name is itself a restricted name
// (isConcreteRestrictedIndex: no '*', not a regex). A group covers R when R is inside
// its names, restricted names excepted unless the group allows them. Inclusion of a
// pattern is proven by one name pattern of the group (nameSet.covers); R minus the
// restricted names is known to be non-empty only from a witness name, and a request
// /regex/ without a wildcard form is never covered.
func indexCoverage(p *Permission, name string, allowRestricted bool) (indexCover, error) {
	np, err := compileNamePattern(name)
	if err != nil {
		return indexCover{}, &HasPrivilegesError{TypeIllegalArgument, err.Error()}
	}
	var c indexCover
	if np.re != nil {
		return c, nil // not provable: nothing covers it
	}
	concrete := !strings.Contains(name, "*") && !isLuceneRegex(name)
	subtract := !allowRestricted && !(concrete && IsRestricted(name))
	globs := np.globs
	if subtract {
		// Only the non-restricted part of R is checked.
		var keep []string
		nonEmpty := false
		for _, g := range globs {
			if !hasWildcard(g) {
				if !IsRestricted(g) {
					keep = append(keep, g)
					nonEmpty = true
				}
				continue
			}
			keep = append(keep, g)
			if hasUnrestrictedWitness(g) {
				nonEmpty = true
			}
		}
		if !nonEmpty {
			// Empty, or not provably non-empty: ES answers false for an empty
			// automaton; without a witness esguard answers false too.
			c.empty = true
			return c, nil
		}
		globs = keep
	}
	if p == nil {
		return c, nil
	}
	for _, g := range p.groups {
		if !groupCovers(g, globs, subtract) {
			continue
		}
		if len(g.privs) > 0 || len(g.raw) > 0 {
			c.anyData = true
			for _, e := range g.privs {
				c.data = append(c.data, entryTerm(e))
			}
			for _, r := range g.raw {
				c.data = append(c.data, globTerm(r))
			}
		}
		if len(g.failPrivs) > 0 {
			c.anyFail = true
			for _, e := range g.failPrivs {
				c.fail = append(c.fail, entryTerm(e))
			}
		}
	}
	return c, nil
}

// groupCovers reports whether every name of the requested globs is in the group's
// names. Without subtraction, a glob that may name a restricted index needs a group
// with allow_restricted_indices; with it, the restricted names are not asked about.
func groupCovers(g *indexGroup, globs []string, subtract bool) bool {
	var b nameSetBuilder
	for i := range g.names {
		b.add(&g.names[i])
	}
	names := b.build()
	for _, q := range globs {
		if !subtract && !g.allowRestricted {
			if hasWildcard(q) {
				if mayNameRestricted(q, true) {
					return false
				}
			} else if IsRestricted(q) {
				return false
			}
		}
		if !names.covers(q) {
			return false
		}
	}
	return true
}

// hasUnrestrictedWitness reports whether a name matching the escape-free pattern and
// not restricted was found among a few fillings of its wildcards. false means "not
// proven", which callers treat as empty.
func hasUnrestrictedWitness(g string) bool {
	for _, fill := range [][2]string{{"", "a"}, {"a", "a"}, {"zz", "z"}, {"-0", "0"}, {"_x", "_"}} {
		w := strings.NewReplacer("*", fill[0], "?", fill[1]).Replace(g)
		if globMatch(g, w) && !IsRestricted(w) {
			return true
		}
	}
	return false
}

// Action languages and the subset test.
//
// A langTerm is one privilege's action automaton: the union of its patterns minus the
// union of its exclusions; a language is a union of terms. langSubset(a, b) decides
// a ⊆ b the way order.go orders the catalogue: when every pattern is a literal or
// "literal*" (all named privileges, and raw action patterns such as
// "indices:data/read/*"), a finite universe of strings decides inclusion exactly. It
// is built from the prefixes of the pattern stems (each also followed by a character
// no stem contains), restricted to the strings a can contain; any string behaves like
// its representative there for every pattern involved.
//
// Other patterns (a wildcard before the end, such as "indices:*/read", an escaped
// wildcard, an application /regex/) are handled conservatively, so the answer is never
// true when the inclusion does not hold:
//   - on the granted side they are dropped, except that a requested pattern may be proven
//     covered by one of them symbolically (globCovers) and a requested literal matched
//     against them; a term with such an exclusion is dropped whole;
//   - on the requested side such a pattern is replaced by its literal prefix + "*" (a
//     superset), an exclusion of that kind is ignored (a superset again), and a pattern
//     without any wildcard form is never proven covered.

// langTerm is one action automaton: incl minus excl (escape-free wildcard patterns).
type langTerm struct {
	incl, excl []string
	inclOpaque bool // some included pattern has no wildcard form (a regexp)
	exclOpaque bool // some excluded pattern has no wildcard form
}

// entryTerm is a named privilege's language.
func entryTerm(e *catEntry) langTerm {
	var t langTerm
	for _, g := range e.m.incl {
		if g.re != nil {
			t.inclOpaque = true
		} else {
			t.incl = append(t.incl, g.pat)
		}
	}
	for _, g := range e.m.excl {
		if g.re != nil {
			t.exclOpaque = true
		} else {
			t.excl = append(t.excl, g.pat)
		}
	}
	return t
}

// globTerm is a raw action pattern's language.
func globTerm(g actionGlob) langTerm {
	if g.re != nil {
		return langTerm{inclOpaque: true}
	}
	return langTerm{incl: []string{g.pat}}
}

// simpleForm returns the pattern as a literal or as "stem*" (trailing runs of '*'
// collapsed), or ok=false when it has another shape.
func simpleForm(p string) (string, bool) {
	if strings.Contains(p, universeFiller) {
		return "", false
	}
	stem := strings.TrimRight(p, "*")
	if hasWildcard(stem) {
		return "", false
	}
	if len(stem) < len(p) {
		return stem + "*", true
	}
	return p, true
}

func (t langTerm) match(s string) bool {
	in := false
	for _, p := range t.incl {
		if globMatch(p, s) {
			in = true
			break
		}
	}
	if !in {
		return false
	}
	for _, p := range t.excl {
		if globMatch(p, s) {
			return false
		}
	}
	return true
}

func matchAny(terms []langTerm, s string) bool {
	for _, t := range terms {
		if t.match(s) {
			return true
		}
	}
	return false
}

// langSubset reports whether the union a is contained in the union b (see above).
func langSubset(a, b []langTerm) bool {
	// The requested side, over-approximated to simple patterns.
	req := make([]langTerm, 0, len(a))
	for _, t := range a {
		if t.inclOpaque {
			return false
		}
		var nt langTerm
		for _, p := range t.incl {
			s, ok := simpleForm(p)
			if !ok {
				s = literalPrefix(p) + "*"
			}
			nt.incl = append(nt.incl, s)
		}
		for _, p := range t.excl {
			if s, ok := simpleForm(p); ok {
				nt.excl = append(nt.excl, s)
			}
		}
		req = append(req, nt)
	}
	// The granted side, under-approximated: simple patterns only.
	var simple, complexTerms []langTerm
	for _, t := range b {
		if t.exclOpaque {
			continue
		}
		var st langTerm
		allSimple := true
		for _, p := range t.excl {
			s, ok := simpleForm(p)
			if !ok {
				allSimple = false
				break
			}
			st.excl = append(st.excl, s)
		}
		if !allSimple {
			continue // dropping an exclusion would enlarge the term
		}
		for _, p := range t.incl {
			if s, ok := simpleForm(p); ok {
				st.incl = append(st.incl, s)
			} else if len(t.excl) == 0 {
				complexTerms = append(complexTerms, langTerm{incl: []string{p}})
			}
		}
		if len(st.incl) > 0 {
			simple = append(simple, st)
		}
	}
	if coveredOneByOne(req, simple) {
		return true
	}
	if refuted(a, b) {
		return false
	}
	if universeSubset(req, simple) {
		return true
	}
	// Pattern by pattern, with the granted patterns that are not simple.
	if len(complexTerms) == 0 {
		return false
	}
	for _, t := range a {
		if len(t.excl) > 0 {
			return false
		}
		for _, p := range t.incl {
			s, ok := simpleForm(p)
			if !ok {
				s = literalPrefix(p) + "*"
			}
			if universeSubset([]langTerm{{incl: []string{s}}}, simple) {
				continue
			}
			if !hasWildcard(p) && (matchAny(simple, p) || matchAny(complexTerms, p)) {
				continue
			}
			if slices.ContainsFunc(complexTerms, func(c langTerm) bool { return globCovers(c.incl[0], p) }) {
				continue
			}
			return false
		}
	}
	return true
}

// coveredOneByOne is a fast proof of a ⊆ b for simple terms: every included pattern of
// a lies inside one simple pattern of a term of b without exclusions.
func coveredOneByOne(a, b []langTerm) bool {
	for _, t := range a {
		for _, p := range t.incl {
			stem, prefix := strings.CutSuffix(p, "*")
			if !slices.ContainsFunc(b, func(bt langTerm) bool {
				if len(bt.excl) > 0 {
					return false
				}
				for _, q := range bt.incl {
					if qs, ok := strings.CutSuffix(q, "*"); ok {
						if strings.HasPrefix(stem, qs) {
							return true
						}
					} else if !prefix && q == p {
						return true
					}
				}
				return false
			}) {
				return false
			}
		}
	}
	return true
}

// refuted is a fast disproof of a ⊆ b: the literal prefix of an included pattern of a,
// alone or followed by a character no pattern contains, is in a but not in b. It gives
// up when b has a part without wildcard form.
func refuted(a, b []langTerm) bool {
	for _, t := range b {
		if t.inclOpaque || t.exclOpaque {
			return false
		}
	}
	for _, t := range a {
		for _, p := range t.incl {
			lit := literalPrefix(p)
			for _, w := range [2]string{lit, lit + universeFiller} {
				if matchAny(a, w) && !matchAny(b, w) {
					return true
				}
			}
		}
	}
	return false
}

// universeSubset decides a ⊆ b exactly for terms made of simple patterns (literals and
// "stem*").
func universeSubset(a, b []langTerm) bool {
	var prefixes []string // stems of a's "stem*" patterns: the regions a covers
	var set []string      // stem prefixes; each also stands for itself + universeFiller
	addPrefixes := func(stem string, keep func(string) bool) {
		for i := 0; i <= len(stem); i++ {
			if w := stem[:i]; keep == nil || keep(w) {
				set = append(set, w)
			}
		}
	}
	for _, t := range a {
		for _, p := range t.incl {
			stem := strings.TrimSuffix(p, "*")
			addPrefixes(stem, nil)
			if len(stem) < len(p) {
				prefixes = append(prefixes, stem)
			}
		}
		for _, p := range t.excl {
			addPrefixes(strings.TrimSuffix(p, "*"), nil)
		}
	}
	inRegion := func(w string) bool {
		for _, pre := range prefixes {
			if strings.HasPrefix(w, pre) {
				return true
			}
		}
		return false
	}
	if len(prefixes) > 0 {
		for _, t := range b {
			for _, list := range [][]string{t.incl, t.excl} {
				for _, p := range list {
					addPrefixes(strings.TrimSuffix(p, "*"), inRegion)
				}
			}
		}
	}
	slices.Sort(set)
	for _, w := range slices.Compact(set) {
		for _, u := range [2]string{w, w + universeFiller} {
			if matchAny(a, u) && !matchAny(b, u) {
				return false
			}
		}
	}
	return true
}
