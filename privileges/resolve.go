package privileges

import (
	"regexp"
	"slices"
	"strings"
)

// IndicesOptions are a request's indices options (IndicesOptions in Elasticsearch): which
// states wildcards expand to, and how missing or unauthorized names are treated.
type IndicesOptions struct {
	ExpandOpen        bool
	ExpandClosed      bool
	ExpandHidden      bool
	IgnoreUnavailable bool
	AllowNoIndices    bool
	// IgnoreAliases makes wildcards skip aliases (requests that act on concrete indices
	// only, such as delete, open and close index).
	IgnoreAliases bool
}

// ResolveRequest is one set of index expressions to resolve for an action.
type ResolveRequest struct {
	Action      string
	Expressions []string // as written; comma-separated lists are split
	Options     IndicesOptions
	// IncludeDataStreams lets wildcards match data streams (IndicesRequest.includeDataStreams).
	IncludeDataStreams bool
	// OnlyDataStreams makes wildcards match data streams only (the data stream APIs).
	OnlyDataStreams bool
	// AllowRemote accepts "cluster:index" expressions (IndicesRequest.Replaceable.allowsRemoteIndices).
	AllowRemote bool
	// Literal treats every expression as one name, as Elasticsearch does for requests
	// that are not IndicesRequest.Replaceable (single-document reads and writes, create
	// index): no wildcard, exclusion or _all is expanded; date math is still resolved.
	Literal bool
	// DateMath resolves a date math expression ("<logs-{now/d}>") to a name; nil refuses
	// date math (the expression is denied).
	DateMath func(expr string) (string, error)
}

// Resolution is what a request may run on after resolution and authorization.
type Resolution struct {
	// Indices are the local expressions to send upstream, in order. When Narrowed is
	// false they are the request's own expressions, which may be sent unchanged.
	Indices []string
	// Remote are the authorized "cluster:index" expressions, unchanged.
	Remote []string
	// Denied are the expressions the role set does not grant: explicit names (and, without
	// metadata, wildcards that are not covered). A request with Denied must be refused.
	Denied []string
	// Narrowed reports that Indices differ from what the request wrote: wildcards or _all
	// were expanded to authorized names, date math resolved, names dropped.
	Narrowed bool
	// NoIndices reports that nothing is left and the request allows that: Elasticsearch
	// answers as for an empty set of indices (an empty search).
	NoIndices bool
	// NotFound is set when nothing is left for a wildcard (or for the whole request) and
	// allow_no_indices is false: Elasticsearch answers index_not_found_exception naming it.
	NotFound string
}

// ResolveError is an index expression Elasticsearch refuses as invalid.
type ResolveError struct {
	Type   string // exception type, e.g. illegal_argument_exception
	Reason string
}

func (e *ResolveError) Error() string { return e.Type + ": " + e.Reason }

// Resolve expands and authorizes index expressions as Elasticsearch security does
// (IndicesAndAliasesResolver and IndexAbstractionResolver.resolveIndexAbstractions):
//
//   - no expressions, or the single expression "_all", mean every visible name;
//   - a wildcard expands to the names of md that the role set grants the action on and
//     that are visible under the options (open/closed, hidden unless the wildcard and the
//     name both start with '.'; aliases unless IgnoreAliases; data streams when
//     IncludeDataStreams); a wildcard that expands to nothing fails with NotFound unless
//     AllowNoIndices;
//   - "-expr" after a wildcard removes names from what precedes it (order matters);
//   - "<...>" date math is resolved first, and may yield a wildcard;
//   - "name::failures" addresses a data stream's failure store, granted only by
//     privileges whose selector covers failures; "::data" is the default;
//   - "cluster:index" is a remote expression, authorized by remote_indices;
//   - an explicit name is kept when granted (existing or not: Elasticsearch reports a
//     missing index itself), dropped when IgnoreUnavailable, and denied otherwise. A
//     backing index is granted by its data stream's privileges. Privileges on an index do
//     not grant its aliases, and the reverse.
//
// When every expression is a plain name or a wildcard the role set fully covers, the
// request is left as written (Narrowed false): Elasticsearch would expand it to the same
// names. md may be nil (no cluster metadata): wildcards are then checked as patterns, and
// one that is not covered is denied.
func Resolve(p *Permission, md *Metadata, req ResolveRequest) (Resolution, error) {
	return resolve(p, md, req, expandWildcard)
}

// expander expands a wildcard against the metadata: expandWildcard, or in tests the plain
// scan it must agree with.
type expander func(p *Permission, md *Metadata, req ResolveRequest, pattern string, sel selector) []string

// resolve is Resolve with the wildcard expansion given.
func resolve(p *Permission, md *Metadata, req ResolveRequest, expandWith expander) (Resolution, error) {
	parts := splitExpressions(req.Expressions)
	expand := (req.Options.ExpandOpen || req.Options.ExpandClosed) && !req.Literal
	if req.Literal && len(parts) > 0 {
		return resolveLiteral(p, md, req, parts)
	}
	if len(parts) == 0 || (len(parts) == 1 && parts[0] == allExpression) {
		if !expand {
			return Resolution{Narrowed: true, NoIndices: true}, nil
		}
		return resolveAll(p, md, req, parts, expandWith)
	}
	if r, ok := unchanged(p, req, parts); ok {
		return r, nil
	}
	var (
		res          Resolution
		out          []string
		seen         map[string]bool // the names in out, indexed once a second add needs it
		wildcardSeen bool
	)
	// add appends the names not in out yet; the names of one call are distinct (one
	// name, or a wildcard's expansion), so the first call needs no index.
	add := func(names ...string) {
		if seen == nil {
			if len(out) == 0 {
				out = append(out, names...)
				return
			}
			seen = make(map[string]bool, len(out)+len(names))
			for _, n := range out {
				seen[n] = true
			}
		}
		for _, n := range names {
			if !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
	}
	remove := func(match func(string) bool) {
		out = slices.DeleteFunc(out, func(n string) bool {
			if match(n) {
				if seen != nil {
					delete(seen, n)
				}
				return true
			}
			return false
		})
	}
	res.Narrowed = true
	for _, part := range parts {
		minus := false
		expr := part
		if wildcardSeen && len(expr) > 1 && expr[0] == '-' {
			minus, expr = true, expr[1:]
		}
		if md == nil && minus {
			add(part) // without metadata the exclusion is left to Elasticsearch
			continue
		}
		if expr == allExpression && expand {
			expr = "*"
		}
		name, sel, err := splitSelector(expr)
		if err != nil {
			return Resolution{}, err
		}
		if cluster, index, remote := splitRemote(name); remote {
			if !req.AllowRemote {
				return Resolution{}, &ResolveError{Type: "illegal_argument_exception", Reason: "Cross-cluster calls are not supported in this context but remote indices were requested: [" + part + "]"}
			}
			if minus || strings.HasPrefix(index, "-") || p.RemoteIndex(req.Action, cluster, index, req.Options.ExpandHidden) {
				res.Remote = append(res.Remote, part)
			} else {
				res.Denied = append(res.Denied, part)
			}
			continue
		}
		if isDateMath(name) {
			if req.DateMath == nil {
				res.Denied = append(res.Denied, part)
				continue
			}
			resolved, err := req.DateMath(name)
			if err != nil {
				return Resolution{}, err
			}
			name = resolved
		}
		// Without open or closed in expand_wildcards, wildcards are not expanded: they are
		// names (IndicesOptions.expandWildcardExpressions).
		if expand && hasWildcard(name) {
			wildcardSeen = true
			if md == nil {
				if coversWithSelector(p, req.Action, name, sel, req.Options.ExpandHidden) {
					add(withSelector(name, sel))
				} else {
					res.Denied = append(res.Denied, part)
				}
				continue
			}
			matched := expandWith(p, md, req, name, sel)
			if len(matched) == 0 {
				if !req.Options.AllowNoIndices && !minus {
					res.NotFound = name
					return res, nil
				}
				continue
			}
			if minus {
				set := make(map[string]bool, len(matched))
				for _, m := range matched {
					set[m] = true
				}
				remove(func(n string) bool { return set[n] })
			} else {
				add(matched...)
			}
			continue
		}
		full := withSelector(name, sel)
		switch {
		case minus:
			remove(func(n string) bool { return n == full })
		case authorizedName(p, md, req.Action, name, sel):
			add(full)
		case req.Options.IgnoreUnavailable:
			// Elasticsearch drops a name the user may not see.
		default:
			res.Denied = append(res.Denied, full) // date math is reported resolved
		}
	}
	res.Indices = out
	if len(res.Denied) > 0 {
		return res, nil
	}
	if len(out) == 0 && len(res.Remote) == 0 {
		if !req.Options.AllowNoIndices {
			res.NotFound = "[" + strings.Join(parts, ", ") + "]"
		} else {
			res.NoIndices = true
		}
	}
	return res, nil
}

// resolveLiteral authorizes each expression as one name.
func resolveLiteral(p *Permission, md *Metadata, req ResolveRequest, parts []string) (Resolution, error) {
	var res Resolution
	for _, part := range parts {
		name := part
		if isDateMath(part) {
			if req.DateMath == nil {
				res.Denied = append(res.Denied, part)
				continue
			}
			resolved, err := req.DateMath(part)
			if err != nil {
				return Resolution{}, err
			}
			name, res.Narrowed = resolved, true
		}
		if authorizedName(p, md, req.Action, name, selData) {
			res.Indices = append(res.Indices, name)
		} else {
			res.Denied = append(res.Denied, name)
		}
	}
	if !res.Narrowed {
		res.Indices = parts
	}
	return res, nil
}

// resolveAll resolves "_all" (or no expression): every visible name the role set grants.
func resolveAll(p *Permission, md *Metadata, req ResolveRequest, parts []string, expandWith expander) (Resolution, error) {
	if p.IndexPattern(req.Action, "*", req.Options.ExpandHidden) {
		return Resolution{Indices: parts}, nil
	}
	if md == nil {
		return Resolution{Denied: []string{allExpression}}, nil
	}
	res := Resolution{Narrowed: true, Indices: expandWith(p, md, req, "*", selData)}
	if len(res.Indices) == 0 {
		if req.Options.AllowNoIndices {
			res.NoIndices = true
		} else {
			res.NotFound = allExpression
		}
	}
	return res, nil
}

// unchanged reports whether the request can go upstream as written: every expression is
// a granted plain name or a wildcard the role set covers, with no exclusion, date math,
// selector or remote cluster to interpret.
func unchanged(p *Permission, req ResolveRequest, parts []string) (Resolution, bool) {
	for _, part := range parts {
		switch {
		case part[0] == '-', part[0] == '<', strings.IndexByte(part, ':') >= 0:
			return Resolution{}, false
		case hasWildcard(part):
			if !p.IndexPattern(req.Action, part, req.Options.ExpandHidden) {
				return Resolution{}, false
			}
		case !p.Index(req.Action, part):
			return Resolution{}, false
		}
	}
	return Resolution{Indices: parts}, true
}

// expandWildcard returns the visible names of md matching the pattern that the role set
// grants the action on, sorted, with the selector suffix when one was given. It
// considers the names that start with the pattern's literal prefix, and among them only
// those grantSpans leaves when the role set's patterns bound the search; each is decided
// as authorizedName does, except that a name decided on its data is not remembered in the
// permission's memos (an expansion meets many names once each, and would only push out
// the names requests keep naming).
func expandWildcard(p *Permission, md *Metadata, req ResolveRequest, pattern string, sel selector) []string {
	lo, hi := md.prefixRange(literalPrefix(pattern))
	spans, ok := grantSpans(p, md, req.Action, sel, lo, hi)
	if !ok {
		spans = []span{{lo, hi}}
	}
	var out []string
	for _, s := range spans {
		for _, a := range md.sorted[s.lo:s.hi] {
			if !globMatch(pattern, a.Name) || !visible(a, pattern, req, sel) {
				continue
			}
			if !grantedName(p, req.Action, a.Name, a, sel, false) {
				continue
			}
			out = append(out, withSelector(a.Name, sel))
		}
	}
	return out
}

// span is the positions [lo, hi) of Metadata.sorted.
type span struct{ lo, hi int }

// grantSpans returns ascending, disjoint spans within [lo, hi) of md's sorted names
// outside which the role set grants the action on no name; ok is false when the role
// set's patterns do not bound the search to fewer names than [lo, hi). A name is granted
// only when every view of the permission (its own, and those of its limits) grants it,
// and a view grants only names its ordinary set matches (the restricted set holds a part
// of the same patterns), so any one view's ordinary set bounds the search: the one that
// leaves the fewest names is used.
func grantSpans(p *Permission, md *Metadata, action string, sel selector, lo, hi int) ([]span, bool) {
	if lo >= hi || p == nil || !IsIndexAction(action) || IsClusterAction(action) {
		return nil, true // no name, or the action is granted on none (Index is false)
	}
	var (
		best  []span
		found bool
		least = hi - lo
	)
	for v := p.entryFor(sel, action).view; v != nil; v = v.and {
		spans, n, ok := setSpans(md, v.ordinary, sel == selData, lo, hi)
		if ok && n < least {
			best, found, least = spans, true, n
		}
	}
	return best, found
}

// setSpans returns the ascending, disjoint spans within [lo, hi) of md's sorted names
// that can match the name set, and how many names they hold: for each exact name, that
// name; for each prefix, wildcard pattern or regular expression, the names that start
// with its literal prefix. With backing, the backing indices of the data streams whose
// names can match are added, since a data stream's privileges grant its backing indices.
// ok is false when the set matches everything or is larger than the names it would
// bound, so that looking its members up would cost as much as the scan.
func setSpans(md *Metadata, s *nameSet, backing bool, lo, hi int) (spans []span, n int, ok bool) {
	if s.all || len(s.exact)+len(s.prefixes)+len(s.globs)+len(s.regexes) >= hi-lo {
		return nil, 0, false
	}
	add := func(a, b int) {
		if a, b = max(a, lo), min(b, hi); a < b {
			spans = append(spans, span{a, b})
		}
	}
	addBacking := func(positions []int) {
		for _, i := range positions {
			add(i, i+1)
		}
	}
	addPrefix := func(prefix string) bool {
		a, b := md.prefixRange(prefix)
		if a <= lo && b >= hi {
			return false // the whole search
		}
		add(a, b)
		if backing {
			sa, sb := md.streamRange(prefix)
			for _, ds := range md.streams[sa:sb] {
				addBacking(ds.backing)
			}
		}
		return len(spans) <= (hi-lo)/2
	}
	for name := range s.exact {
		if i := md.position(name); i >= 0 {
			add(i, i+1)
		}
		if backing {
			addBacking(md.streamBacking(name))
		}
	}
	for _, pre := range s.prefixes {
		if !addPrefix(pre) {
			return nil, 0, false
		}
	}
	for _, g := range s.globs {
		if !addPrefix(literalPrefix(g)) {
			return nil, 0, false
		}
	}
	for _, re := range s.regexes {
		if !addPrefix(regexPrefix(re)) {
			return nil, 0, false
		}
	}
	slices.SortFunc(spans, func(x, y span) int { return x.lo - y.lo })
	merged := spans[:0]
	for _, sp := range spans {
		if k := len(merged) - 1; k >= 0 && sp.lo <= merged[k].hi {
			merged[k].hi = max(merged[k].hi, sp.hi)
			continue
		}
		merged = append(merged, sp)
	}
	for _, sp := range merged {
		n += sp.hi - sp.lo
	}
	return merged, n, true
}

// regexPrefix returns a literal that starts every name the role pattern's regexp
// matches: its literal prefix, which starts every match, when the regexp is anchored at
// the start of the name (compileLuceneRegex and wildcardRegexp anchor theirs with \A).
func regexPrefix(re *regexp.Regexp) string {
	if !strings.HasPrefix(re.String(), `\A`) {
		return ""
	}
	prefix, _ := re.LiteralPrefix()
	return prefix
}

// visible is IndexAbstractionResolver.isIndexVisible.
func visible(a *Abstraction, pattern string, req ResolveRequest, sel selector) bool {
	o := req.Options
	if ((sel == selFailures || req.OnlyDataStreams) && a.Kind != KindDataStream) || a.Failure {
		return false // failure-store indices are reached through ::failures only
	}
	implicitHidden := strings.HasPrefix(a.Name, ".") && strings.HasPrefix(pattern, ".")
	if a.Hidden && !o.ExpandHidden && !implicitHidden {
		return false
	}
	switch a.Kind {
	case KindAlias:
		return !o.IgnoreAliases
	case KindDataStream:
		return req.IncludeDataStreams
	}
	if a.Parent != "" && !req.IncludeDataStreams {
		return false
	}
	if a.Closed {
		return o.ExpandClosed
	}
	return o.ExpandOpen
}

// authorizedName reports whether the role set grants the action on one concrete name: the
// name itself, or for a backing index its data stream; for ::failures the data stream's
// failure store.
func authorizedName(p *Permission, md *Metadata, action, name string, sel selector) bool {
	var a *Abstraction
	if sel != selFailures {
		a, _ = md.Lookup(name)
	}
	return grantedName(p, action, name, a, sel, true)
}

// grantedName is authorizedName for a name whose abstraction in the metadata is a (nil
// when it has none); record says whether the permission's memos may remember outcomes.
func grantedName(p *Permission, action, name string, a *Abstraction, sel selector, record bool) bool {
	if sel == selFailures {
		return p.IndexFailures(action, name, false)
	}
	if a != nil && a.Failure {
		// A failure-store index is always its data stream's failures component
		// (IndicesPermission.IndexResource).
		return p.IndexFailures(action, name, false) || p.IndexFailures(action, a.Parent, false)
	}
	if p.index(action, name, record) {
		return true
	}
	return a != nil && a.Kind == KindIndex && a.Parent != "" && p.index(action, a.Parent, record)
}

func coversWithSelector(p *Permission, action, pattern string, sel selector, hidden bool) bool {
	if sel == selFailures {
		return p.IndexFailures(action, pattern, hidden)
	}
	return p.IndexPattern(action, pattern, hidden)
}

// splitExpressions splits comma-separated lists and drops empty items.
func splitExpressions(exprs []string) []string {
	if len(exprs) == 0 {
		return nil
	}
	if !slices.ContainsFunc(exprs, func(e string) bool { return e == "" || strings.IndexByte(e, ',') >= 0 }) {
		return exprs[:len(exprs):len(exprs)] // nothing to split or drop
	}
	var parts []string
	for _, e := range exprs {
		for part := range strings.SplitSeq(e, ",") {
			if part != "" {
				parts = append(parts, part)
			}
		}
	}
	return parts
}

// splitSelector splits "name::selector" (IndexNameExpressionResolver.SelectorResolver).
func splitSelector(expr string) (string, selector, error) {
	i := strings.Index(expr, "::")
	if i < 0 {
		return expr, selData, nil
	}
	name, s := expr[:i], expr[i+2:]
	switch s {
	case "data":
		return name, selData, nil
	case "failures":
		return name, selFailures, nil
	}
	return "", 0, &ResolveError{Type: "invalid_index_name_exception", Reason: "Invalid index name [" + expr + "], invalid usage of :: separator, [" + s + "] is not a recognized selector"}
}

func withSelector(name string, sel selector) string {
	if sel == selFailures {
		return name + "::failures"
	}
	return name
}

// splitRemote splits "cluster:index" (RemoteClusterAware.splitIndexName). Date math
// ("<...>") is never split: its time zone may hold ':'.
func splitRemote(expr string) (cluster, index string, remote bool) {
	if isDateMath(expr) {
		return "", expr, false
	}
	cluster, index, remote = strings.Cut(expr, ":")
	return cluster, index, remote
}

func isDateMath(expr string) bool {
	return len(expr) >= 2 && expr[0] == '<' && expr[len(expr)-1] == '>'
}

// Compact shortens a narrowed list of names for a request whose expressions were
// wildcards: each name that one of the role set's own wildcard patterns for the action
// matches is replaced by that pattern, when the pattern lies inside one of the request's
// wildcards (so Elasticsearch cannot expand it to anything the request did not ask for)
// and grants every name it can reach (no restricted names, no implicit hidden dot-names
// beyond the request's). It returns nil when the request has exclusions, selectors or
// remote names, or nothing can be compacted.
func Compact(p *Permission, action string, exprs, names []string, includeHidden bool) []string {
	var wildcards []string
	for _, part := range splitExpressions(exprs) {
		switch {
		case part[0] == '-', part[0] == '<', strings.Contains(part, ":"):
			return nil
		case part == allExpression:
			wildcards = append(wildcards, "*")
		case hasWildcard(part):
			wildcards = append(wildcards, part)
		}
	}
	if len(exprs) == 0 {
		wildcards = append(wildcards, "*")
	}
	if len(wildcards) == 0 || p == nil || !IsIndexAction(action) || IsClusterAction(action) {
		return nil
	}
	set := p.entry(action).view.ordinary
	var candidates []string
	for _, pre := range set.prefixes {
		candidates = append(candidates, pre+"*")
	}
	candidates = append(candidates, set.globs...)
	var chosen []string
	for _, r := range candidates {
		if mayNameRestricted(r, includeHidden) || !p.IndexPattern(action, r, includeHidden) {
			continue
		}
		for _, q := range wildcards {
			if globCovers(q, r) && (!strings.HasPrefix(r, ".") || strings.HasPrefix(q, ".")) {
				chosen = append(chosen, r)
				break
			}
		}
	}
	if len(chosen) == 0 {
		return nil
	}
	out := slices.Clone(chosen)
	for _, n := range names {
		covered := false
		for _, r := range chosen {
			if globMatch(r, n) {
				covered = true
				break
			}
		}
		if !covered {
			out = append(out, n)
		}
	}
	return out
}
