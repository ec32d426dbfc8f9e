package privileges

import (
	"slices"
	"strings"
)

// Decision is the outcome of authorizing one action.
type Decision struct {
	Allowed  bool
	Action   string
	Cluster  bool     // decided as a cluster action
	Indices  []string // the expressions checked (the caller's slice, not copied)
	Denied   []string // the expressions refused (nil when allowed)
	Granting []string // privilege names that grant Action, least privileged first (only filled when denied)

	// Skippable is set on a denied index decision made with IgnoreUnavailable when
	// every refused expression is a concrete name: Elasticsearch would silently drop
	// such names (IndicesAndAliasesResolver). A caller that removes Denied from the
	// request it forwards may treat the rest as allowed; a caller that forwards the
	// request unchanged must deny.
	Skippable bool
}

// IndexOptions are the request options that change how index expressions are checked.
type IndexOptions struct {
	IncludeHidden     bool // expand_wildcards includes hidden (or all)
	IgnoreUnavailable bool // ignore_unavailable=true; see Decision.Skippable
}

// allExpression stands for an index action without indices (which means _all).
const allExpression = "_all"

// Authorize decides one action on index expressions. For a cluster action
// (IsClusterAction) the expressions are ignored. For an index action, nil or empty
// indices mean _all, and each expression (comma-separated lists are split) must be
// granted:
//   - "_all" and "*" are checked as the pattern "*";
//   - an expression with '*' or '?' is checked as a pattern (Permission.IndexPattern),
//     since esguard has no cluster metadata to expand it;
//   - "-name" after a wildcard is an exclusion: it only narrows, so it is skipped;
//     otherwise it is a plain name;
//   - what esguard cannot resolve without metadata is denied: date math ("<...>"),
//     remote "cluster:index" expressions and "::" selectors;
//   - anything else is a concrete name (Permission.Index).
//
// An action that is neither a cluster nor an index action is denied. The allowed path
// does not allocate.
func Authorize(p *Permission, action string, indices []string, opts IndexOptions) Decision {
	d := Decision{Action: action, Indices: indices}
	if IsClusterAction(action) {
		d.Cluster = true
		d.Allowed = p.Cluster(action)
		if !d.Allowed {
			d.Granting = p.Catalogue().Granting(action)
		}
		return d
	}
	if p == nil || !IsIndexAction(action) {
		d.Granting = p.Catalogue().Granting(action)
		if IsIndexAction(action) {
			d.Denied = deniedAll(indices)
		} else if len(indices) > 0 {
			d.Denied = indices
		}
		return d
	}
	e := p.entry(action)
	if !e.nameOnly {
		// Nothing is granted for this action anywhere: every expression is refused.
		d.Denied = deniedAll(indices)
		d.Granting = p.cat.Granting(action)
		return d
	}
	v := e.view
	wildcardSeen := false
	onlyNames := true
	checked := 0
	for _, expr := range indices {
		for rest := expr; rest != ""; {
			part := rest
			if i := strings.IndexByte(rest, ','); i >= 0 {
				part, rest = rest[:i], rest[i+1:]
			} else {
				rest = ""
			}
			if part == "" {
				continue
			}
			checked++
			ok := true
			concrete := false
			switch {
			case part == allExpression || part == "*":
				wildcardSeen = true
				ok = v.coversPattern("*", opts.IncludeHidden)
			case part[0] == '-' && wildcardSeen:
				continue // exclusion: narrows the wildcards before it
			case part[0] == '<' || strings.IndexByte(part, ':') >= 0:
				ok = false // date math, remote cluster or "::" selector
			case hasWildcard(part):
				wildcardSeen = true
				ok = v.coversPattern(part, opts.IncludeHidden)
			default:
				concrete = true
				ok = v.matchName(part)
			}
			if !ok {
				d.Denied = append(d.Denied, part)
				onlyNames = onlyNames && concrete
			}
		}
	}
	if checked == 0 {
		// Only empty expressions (",", ""): Elasticsearch reads that as _all.
		if v.coversPattern("*", opts.IncludeHidden) {
			d.Allowed = true
			return d
		}
		d.Denied = []string{allExpression}
	}
	if len(d.Denied) == 0 {
		d.Allowed = true
		return d
	}
	d.Skippable = opts.IgnoreUnavailable && onlyNames
	d.Granting = p.cat.Granting(action)
	return d
}

// deniedAll returns the expressions of a request refused as a whole.
func deniedAll(indices []string) []string {
	if len(indices) == 0 {
		return []string{allExpression}
	}
	return indices
}

// AuthorizeNameOnly decides a composite action (bulk, mget, msearch, search template,
// reindex, single-document writes and the others of
// RBACEngine.shouldAuthorizeIndexActionNameOnly) by its name alone: the role set must
// grant the action on at least one index (Permission.IndexAction); the items are checked
// separately. Like Elasticsearch, whose name-only refusal is
// IndexAuthorizationResult.DENIED with no denied indices, the denial names no index:
// Denied stays nil and Indices is kept for the audit trail only. A cluster action is
// decided by Permission.Cluster.
func AuthorizeNameOnly(p *Permission, action string, indices []string) Decision {
	d := Decision{Action: action, Indices: indices}
	if IsClusterAction(action) {
		d.Cluster = true
		d.Allowed = p.Cluster(action)
	} else {
		d.Allowed = p.IndexAction(action)
	}
	if !d.Allowed {
		d.Granting = p.Catalogue().Granting(action)
	}
	return d
}

// Actor describes who was refused, for the denial sentence
// (AuthorizationDenialMessages.Default.successfulAuthenticationDescription).
type Actor struct {
	User           string   // authenticated principal (the API key owner for an API key)
	RunAs          string   // effective user when running as another user, else ""
	Roles          []string // effective roles of the effective user
	Assigned       []string // optional: roles assigned to the effective user; those not in Roles are reported as not found
	APIKeyID       string   // set when authenticated with an API key
	ServiceAccount bool     // set when authenticated as a service account
}

// Reason renders Elasticsearch's denial sentence for the decision
// (AuthorizationDenialMessages.Default.actionDenied), for example
//
//	action [indices:data/read/search] is unauthorized for user [alice] with effective roles [logs_reader] on indices [secret], this action is granted by the index privileges [read,all]
//
// With runAs != "" the user part reads "user [alice] run as [bob]" and roles are the
// effective user's. It returns "" for an allowed decision.
func (d Decision) Reason(user, runAs string, roles []string) string {
	return d.ReasonFor(Actor{User: user, RunAs: runAs, Roles: roles})
}

// ReasonFor is Reason for any kind of authenticated subject.
func (d Decision) ReasonFor(a Actor) string {
	if d.Allowed {
		return ""
	}
	var b strings.Builder
	b.WriteString("action [")
	b.WriteString(d.Action)
	b.WriteString("] is unauthorized for ")
	writeUser(&b, a)
	if a.RunAs != "" {
		b.WriteString(" run as [")
		b.WriteString(a.RunAs)
		b.WriteByte(']')
	}
	if a.RunAs != "" || (a.APIKeyID == "" && !a.ServiceAccount) {
		writeRoles(&b, a.Roles, a.Assigned)
	}
	if !d.Cluster && len(d.Denied) > 0 && IsIndexAction(d.Action) {
		writeIndices(&b, d.Denied)
	}
	if len(d.Granting) > 0 {
		if d.Cluster {
			b.WriteString(", this action is granted by the cluster privileges [")
		} else {
			b.WriteString(", this action is granted by the index privileges [")
		}
		b.WriteString(strings.Join(d.Granting, ","))
		b.WriteByte(']')
	}
	return b.String()
}

// ShieldReason renders the denial sentence of Shield 1.x and 2.x
// (InternalAuthorizationService.denial), which names neither roles nor indices:
//
//	action [indices:data/read/search] is unauthorized for user [alice]
//
// With a.RunAs the user part reads "user [alice] run as [bob]".
func (d Decision) ShieldReason(a Actor) string {
	if d.Allowed {
		return ""
	}
	s := "action [" + d.Action + "] is unauthorized for user [" + a.User + "]"
	if a.RunAs != "" {
		s += " run as [" + a.RunAs + "]"
	}
	return s
}

// RunAsDenied renders Elasticsearch's sentence for a refused run_as
// (AuthorizationDenialMessages.Default.runAsDenied), for example
//
//	action [indices:data/read/search] is unauthorized for user [alice] with effective roles [admin], because user [alice] is unauthorized to run as [bob]
//
// a.Roles are the authenticated user's roles and a.RunAs the requested user.
func RunAsDenied(action string, a Actor) string {
	var b strings.Builder
	b.WriteString("action [")
	b.WriteString(action)
	b.WriteString("] is unauthorized for ")
	writeUser(&b, a)
	if a.APIKeyID == "" && !a.ServiceAccount {
		writeRoles(&b, a.Roles, a.Assigned)
	}
	b.WriteString(", because ")
	writeUser(&b, a)
	b.WriteString(" is unauthorized to run as [")
	b.WriteString(a.RunAs)
	b.WriteByte(']')
	return b.String()
}

// writeUser is authenticatedUserDescription.
func writeUser(b *strings.Builder, a Actor) {
	if a.APIKeyID != "" {
		b.WriteString("API key id [")
		b.WriteString(a.APIKeyID)
		b.WriteString("] of ")
	}
	if a.ServiceAccount {
		b.WriteString("service account [")
	} else {
		b.WriteString("user [")
	}
	b.WriteString(a.User)
	b.WriteByte(']')
}

// writeRoles is rolesDescription: effective roles sorted, then assigned roles that
// were not found.
func writeRoles(b *strings.Builder, roles, assigned []string) {
	eff := slices.Sorted(slices.Values(roles))
	b.WriteString(" with effective roles [")
	b.WriteString(strings.Join(eff, ","))
	b.WriteByte(']')
	var missing []string
	for _, r := range assigned {
		if !slices.Contains(eff, r) && !slices.Contains(missing, r) {
			missing = append(missing, r)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		b.WriteString(" (assigned roles [")
		b.WriteString(strings.Join(missing, ","))
		b.WriteString("] were not found)")
	}
}

// writeIndices is IndexAuthorizationResult.getFailureDescription: denied names split
// into regular and restricted ones (duplicates dropped, request order kept).
func writeIndices(b *strings.Builder, denied []string) {
	var regular, restricted []string
	for _, d := range denied {
		if slices.Contains(regular, d) || slices.Contains(restricted, d) {
			continue
		}
		if IsRestricted(d) {
			restricted = append(restricted, d)
		} else {
			regular = append(regular, d)
		}
	}
	if len(regular) > 0 {
		b.WriteString(" on indices [")
		b.WriteString(strings.Join(regular, ","))
		b.WriteByte(']')
	}
	if len(restricted) > 0 {
		if len(regular) > 0 {
			b.WriteString(" and")
		} else {
			b.WriteString(" on")
		}
		b.WriteString(" restricted indices [")
		b.WriteString(strings.Join(restricted, ","))
		b.WriteByte(']')
	}
}
