package privileges

import (
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// RoleError is a problem in one role found by Compile.
type RoleError struct {
	Role string
	Err  error
}

// Error returns "role [name]: " and the problem.
func (e *RoleError) Error() string { return "role [" + e.Role + "]: " + e.Err.Error() }

// Unwrap returns the underlying problem (*UnknownPrivilegeError or *PatternError).
func (e *RoleError) Unwrap() error { return e.Err }

// UnknownPrivilegeError reports a privilege name that is neither a named privilege nor
// an action pattern of its kind.
type UnknownPrivilegeError struct {
	Kind       Kind
	Name       string
	Suggestion string // the closest named privilege, or ""
}

// Error words the problem like ClusterPrivilegeResolver.resolve and IndexPrivilege.resolve
// (without the list of names).
func (e *UnknownPrivilegeError) Error() string {
	if e.Kind == IndexKind {
		return "unknown index privilege [" + e.Name + "]. a privilege must be either one of the predefined fixed indices privileges" +
			" or a pattern over one of the available index actions"
	}
	return "unknown cluster privilege [" + e.Name + "]. a privilege must be either one of the predefined cluster privilege names" +
		" or a pattern over one of the available cluster actions"
}

// bwcMappingPrivileges grant put-mapping on indices and aliases outside their
// definition (IndicesPermission.PRIVILEGE_NAME_SET_BWC_ALLOW_MAPPING_UPDATE).
var bwcMappingPrivileges = map[string]bool{"create": true, "create_doc": true, "index": true, "write": true}

// isMappingUpdateAction mirrors IndicesPermission.isMappingUpdateAction.
func isMappingUpdateAction(action string) bool {
	return action == "indices:admin/mapping/put" || action == "indices:admin/mapping/auto_put"
}

// indexGroup is one compiled indices entry (IndicesPermission.Group).
type indexGroup struct {
	privs           []*catEntry  // named data-selector privileges
	failPrivs       []*catEntry  // named privileges that apply to the ::failures selector
	raw             []actionGlob // raw index action patterns (name + "*")
	bwc             bool         // holds create, create_doc, index or write
	names           []namePattern
	allowRestricted bool
}

// grantsFailures reports whether the group grants action on the ::failures component of
// data streams (IndexComponentSelector.FAILURES): only all, manage, manage_data_stream_lifecycle,
// read_failure_store and manage_failure_store do; raw action patterns never do.
func (g *indexGroup) grantsFailures(action string) bool {
	for _, e := range g.failPrivs {
		if e.match(action) {
			return true
		}
	}
	return false
}

func (g *indexGroup) grants(action string) bool {
	for _, e := range g.privs {
		if e.match(action) {
			return true
		}
	}
	for _, r := range g.raw {
		if r.match(action) {
			return true
		}
	}
	return false
}

// maxCachedActions bounds the per-permission action cache; actions come from the
// route table, so the bound is only reached by abuse, and then decisions stay correct
// but allocate.
const maxCachedActions = 4096

// Permission is the compiled, immutable union of a role set: cluster privileges,
// index groups and run_as patterns. Its methods are safe for concurrent use; deciding a
// cached action does not allocate.
type Permission struct {
	cat        *Catalogue
	roles      []string
	cluster    []*catEntry
	clusterRaw []actionGlob
	ownAPIKey  bool
	groups     []*indexGroup
	remote     []*remoteGroup
	runAs      *nameSet
	dlsFls     bool
	limit      *Permission // every grant must also be granted here (API keys); nil when none

	mu      sync.Mutex
	cache   [2]atomic.Pointer[map[string]*actionEntry] // by selector: data, failures
	views   map[string]*indexView                      // shared by actions granted by the same groups
	limited map[[2]*indexView]*indexView               // own view and limit's view, intersected
}

// selector is the data stream component an index action applies to.
type selector uint8

const (
	selData     selector = iota // the data (the default, and ::data)
	selFailures                 // the failure store (::failures)
)

// remoteGroup is one compiled remote_indices entry.
type remoteGroup struct {
	clusters *nameSet
	names    *nameSet
	group    *indexGroup
}

// actionEntry is everything a Permission knows about one action.
type actionEntry struct {
	cluster  bool       // granted as a cluster action
	nameOnly bool       // some group grants it on some index (IndicesPermission.check)
	view     *indexView // names on which it is granted
}

// indexView holds the names granted for an action: ordinary names come from every
// granting group, restricted names only from groups with allow_restricted_indices.
type indexView struct {
	ordinary   *nameSet
	restricted *nameSet
	and        *indexView // a name must also be granted here (a limited permission); nil when none
}

var emptyView = &indexView{ordinary: &nameSet{}, restricted: &nameSet{}}

// Compile builds the Permission of a role set (the union of its roles, as
// Elasticsearch's Role.Builder does). It reports every unknown privilege and bad
// pattern, each as a *RoleError, joined with errors.Join. Field- and document-level
// security, application privileges and global (configurable) privileges are kept out
// of the decision: see DocumentOrFieldSecurity. A nil catalogue means ES9().
func Compile(c *Catalogue, roles []*RoleDescriptor) (*Permission, error) {
	if c == nil {
		c = ES9()
	}
	p := &Permission{cat: c, views: map[string]*indexView{}}
	var errs []error
	seenCluster := map[string]bool{}
	var runAs nameSetBuilder
	for _, r := range roles {
		if r == nil {
			continue
		}
		fail := func(err error) { errs = append(errs, &RoleError{Role: r.Name, Err: err}) }
		p.roles = append(p.roles, r.Name)
		for _, name := range r.Cluster {
			lower := strings.ToLower(name)
			if c.IsClusterAction(lower) {
				p.clusterRaw = append(p.clusterRaw, newActionGlob(lower+"*"))
				continue
			}
			e, ok := c.cluster[lower]
			if !ok {
				fail(&UnknownPrivilegeError{Kind: ClusterKind, Name: name, Suggestion: c.Suggest(ClusterKind, name)})
				continue
			}
			if e.ownAPIKey {
				p.ownAPIKey = true
			} else if !seenCluster[lower] {
				seenCluster[lower] = true
				p.cluster = append(p.cluster, e)
			}
		}
		for i := range r.Indices {
			g, gerrs := compileGroup(c, &r.Indices[i])
			for _, err := range gerrs {
				fail(err)
			}
			if g != nil {
				p.groups = append(p.groups, g)
			}
			if r.Indices[i].Query != "" || r.Indices[i].FieldSecurity != nil {
				p.dlsFls = true
			}
		}
		for i := range r.RemoteIndices {
			ri := &r.RemoteIndices[i]
			g, gerrs := compileGroup(c, &ri.IndicesPrivileges)
			for _, err := range gerrs {
				fail(err)
			}
			var clusters nameSetBuilder
			for _, cl := range ri.Clusters {
				np, err := compileNamePattern(cl)
				if err != nil {
					fail(err)
					continue
				}
				clusters.add(&np)
			}
			if g != nil {
				var names nameSetBuilder
				for j := range g.names {
					names.add(&g.names[j])
				}
				p.remote = append(p.remote, &remoteGroup{clusters: clusters.build(), names: names.build(), group: g})
			}
		}
		for _, u := range r.RunAs {
			np, err := compileNamePattern(u)
			if err != nil {
				fail(err)
				continue
			}
			runAs.add(&np)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	slices.Sort(p.roles)
	p.roles = slices.Compact(p.roles)
	p.runAs = runAs.build()
	return p, nil
}

// compileGroup compiles one indices entry; it returns nil when the entry can grant
// nothing (no names, or only privileges that never apply to data).
func compileGroup(c *Catalogue, ip *IndicesPrivileges) (*indexGroup, []error) {
	var errs []error
	g := &indexGroup{allowRestricted: ip.AllowRestrictedIndices}
	for _, name := range ip.Privileges {
		lower := strings.ToLower(name)
		if c.IsIndexAction(lower) {
			g.raw = append(g.raw, newActionGlob(lower+"*"))
			continue
		}
		e, ok := c.index[lower]
		if !ok {
			errs = append(errs, &UnknownPrivilegeError{Kind: IndexKind, Name: name, Suggestion: c.Suggest(IndexKind, name)})
			continue
		}
		if c.era >= era8 && bwcMappingPrivileges[lower] {
			g.bwc = true
		}
		// read_failure_store and manage_failure_store apply only to the ::failures
		// selector (IndexPrivilege.resolveBySelectorAccess keeps them in a separate
		// FAILURES-only privilege); they grant nothing on data.
		if !e.failuresOnly {
			g.privs = append(g.privs, e)
		}
		if e.failures {
			g.failPrivs = append(g.failPrivs, e)
		}
	}
	for _, n := range ip.Names {
		np, err := compileNamePattern(n)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		g.names = append(g.names, np)
	}
	if len(g.names) == 0 || (len(g.privs) == 0 && len(g.raw) == 0 && len(g.failPrivs) == 0 && !g.bwc) {
		return nil, errs
	}
	return g, errs
}

// entry returns the cached decision data of action on data, computing it on first use.
func (p *Permission) entry(action string) *actionEntry { return p.entryFor(selData, action) }

// entryFor returns the cached decision data of action on the selected component.
func (p *Permission) entryFor(sel selector, action string) *actionEntry {
	if m := p.cache[sel].Load(); m != nil {
		if e, ok := (*m)[action]; ok {
			return e
		}
	}
	return p.slowEntry(sel, action)
}

func (p *Permission) slowEntry(sel selector, action string) *actionEntry {
	p.mu.Lock()
	defer p.mu.Unlock()
	old := p.cache[sel].Load()
	if old != nil {
		if e, ok := (*old)[action]; ok {
			return e
		}
	}
	e := p.computeEntry(sel, action)
	if lenOf(old) < maxCachedActions {
		m := make(map[string]*actionEntry, lenOf(old)+1)
		if old != nil {
			for k, v := range *old {
				m[k] = v
			}
		}
		m[action] = e
		p.cache[sel].Store(&m)
	}
	return e
}

// computeEntry evaluates action against the role set and, for a limited permission,
// intersects the result with the limit's; p.mu is held.
func (p *Permission) computeEntry(sel selector, action string) *actionEntry {
	e := p.computeOwnEntry(sel, action)
	if p.limit == nil {
		return e
	}
	le := p.limit.entryFor(sel, action)
	out := &actionEntry{cluster: e.cluster && le.cluster, nameOnly: e.nameOnly && le.nameOnly, view: emptyView}
	if out.nameOnly {
		k := [2]*indexView{e.view, le.view}
		v, ok := p.limited[k]
		if !ok {
			v = &indexView{ordinary: e.view.ordinary, restricted: e.view.restricted, and: le.view}
			if p.limited == nil {
				p.limited = map[[2]*indexView]*indexView{}
			}
			p.limited[k] = v
		}
		out.view = v
	}
	return out
}

// computeOwnEntry evaluates action against the role set alone; p.mu is held.
func (p *Permission) computeOwnEntry(sel selector, action string) *actionEntry {
	e := &actionEntry{view: emptyView}
	for _, c := range p.cluster {
		if c.match(action) {
			e.cluster = true
			break
		}
	}
	if !e.cluster {
		for _, r := range p.clusterRaw {
			if r.match(action) {
				e.cluster = true
				break
			}
		}
	}
	if !e.cluster && p.ownAPIKey && ownAPIKeyActions[action] {
		e.cluster = true
	}
	if !IsIndexAction(action) || IsClusterAction(action) {
		return e
	}
	mapping := isMappingUpdateAction(action)
	sig := make([]byte, 1+(len(p.groups)+7)/8)
	sig[0] = byte(sel)
	for i, g := range p.groups {
		var ok bool
		if sel == selFailures {
			ok = g.grantsFailures(action)
		} else {
			// Mapping updates are also granted by the BWC ingest privileges, on indices
			// and aliases (IndicesPermission.buildIndexMatcherPredicateForAction and check).
			ok = g.grants(action) || (mapping && g.bwc)
		}
		if ok {
			sig[1+i/8] |= 1 << (i % 8)
			e.nameOnly = true
		}
	}
	if !e.nameOnly {
		return e
	}
	key := string(sig)
	if v, ok := p.views[key]; ok {
		e.view = v
		return e
	}
	var ord, res nameSetBuilder
	for i, g := range p.groups {
		if sig[1+i/8]&(1<<(i%8)) == 0 {
			continue
		}
		for j := range g.names {
			ord.add(&g.names[j])
			if g.allowRestricted {
				res.add(&g.names[j])
			}
		}
	}
	v := &indexView{ordinary: ord.build(), restricted: res.build()}
	p.views[key] = v
	e.view = v
	return e
}

// Roles returns the names of the roles the permission was compiled from, sorted.
func (p *Permission) Roles() []string {
	if p == nil {
		return nil
	}
	return slices.Clone(p.roles)
}

// Catalogue returns the catalogue the permission was compiled with.
func (p *Permission) Catalogue() *Catalogue {
	if p == nil {
		return ES9()
	}
	return p.cat
}

// Cluster reports whether the role set grants the cluster action (ClusterPermission.check
// without a request). manage_own_api_key counts only for the API key actions it grants
// whatever the request (create, update, bulk_update); see OwnAPIKeys for the others.
func (p *Permission) Cluster(action string) bool {
	if p == nil {
		return false
	}
	return p.entry(action).cluster
}

// OwnAPIKeys reports whether the role set holds manage_own_api_key and action is one of
// the API key actions that privilege grants only for the caller's own keys (get,
// invalidate, query). The caller may then allow the request when it is limited to the
// caller's own keys (ManageOwnApiKeyClusterPrivilege: owner=true, or the caller's
// username and realm, or the calling API key's own id; for query, a filter on the
// current user; never with_limited_by from an API key).
func (p *Permission) OwnAPIKeys(action string) bool {
	if p == nil || !p.ownAPIKey || (p.limit != nil && !p.limit.OwnAPIKeys(action)) {
		return false
	}
	unconditional, ok := ownAPIKeyActions[action]
	return ok && !unconditional
}

// IndexAction reports whether the role set grants the index action on at least one
// index, without looking at names (IndicesPermission.check: the top-level check of
// composite actions such as bulk, mget and msearch). Template actions are cluster
// actions and never index actions.
func (p *Permission) IndexAction(action string) bool {
	if p == nil || !IsIndexAction(action) || IsClusterAction(action) {
		return false
	}
	return p.entry(action).nameOnly
}

// Index reports whether the role set grants the index action on the concrete index,
// alias or data stream name. A restricted name (IsRestricted) is granted only by groups
// with allow_restricted_indices.
//
// The put-mapping BWC grant of create, create_doc, index and write applies to indices
// and aliases, not data streams; without cluster metadata esguard cannot tell a data
// stream name from an index name, so the caller must check data streams itself when it
// knows them.
func (p *Permission) Index(action, index string) bool {
	return p.index(action, index, true)
}

// index is Index; record says whether the memos may remember the outcome.
func (p *Permission) index(action, index string, record bool) bool {
	if p == nil || !IsIndexAction(action) || IsClusterAction(action) {
		return false
	}
	return p.entry(action).view.decideName(index, record)
}

// IndexPattern reports whether every index the wildcard pattern could name is granted
// for action. It is a sound inclusion check that answers false when it cannot prove
// inclusion: the pattern must fall inside one granted pattern ("*", a prefix such as
// "logs-*", another wildcard pattern, or a /regex/ with a wildcard form). When the
// pattern could name a restricted index (it starts with '.' and can reach a system
// name, or it starts with a wildcard and includeHidden is set, which is what
// expand_wildcards=hidden or all does), only groups with allow_restricted_indices count.
// A pattern without wildcards is checked as a concrete name (Index).
func (p *Permission) IndexPattern(action, pattern string, includeHidden bool) bool {
	if p == nil || !IsIndexAction(action) || IsClusterAction(action) {
		return false
	}
	return p.entry(action).view.coversPattern(pattern, includeHidden)
}

// IndexFailures reports whether the role set grants the index action on the ::failures
// component of the data stream (or on every data stream the wildcard pattern can name):
// only privileges whose selector includes failures count (all, manage,
// manage_data_stream_lifecycle, read_failure_store, manage_failure_store).
func (p *Permission) IndexFailures(action, name string, includeHidden bool) bool {
	if p == nil || !IsIndexAction(action) || IsClusterAction(action) {
		return false
	}
	return p.entryFor(selFailures, action).view.coversPattern(name, includeHidden)
}

// RemoteIndex reports whether the role set's remote_indices grant the index action on
// the index expression (a name or wildcard pattern) of the remote cluster (an alias or a
// wildcard pattern of aliases): one entry must cover both, and a name or pattern that can
// reach a restricted index needs allow_restricted_indices.
func (p *Permission) RemoteIndex(action, cluster, expr string, includeHidden bool) bool {
	if p == nil || !IsIndexAction(action) || IsClusterAction(action) {
		return false
	}
	if p.limit != nil && !p.limit.RemoteIndex(action, cluster, expr, includeHidden) {
		return false
	}
	restricted := IsRestricted(expr) || (hasWildcard(expr) && mayNameRestricted(expr, includeHidden))
	for _, rg := range p.remote {
		if !rg.group.grants(action) || (restricted && !rg.group.allowRestricted) {
			continue
		}
		if rg.clusters.covers(cluster) && rg.names.covers(expr) {
			return true
		}
	}
	return false
}

// RunAs reports whether the role set may run as user (the run_as patterns of every
// role, wildcards and /regex/ like index names).
func (p *Permission) RunAs(user string) bool {
	if p == nil {
		return false
	}
	return p.runAs.match(user) && (p.limit == nil || p.limit.RunAs(user))
}

// DocumentOrFieldSecurity reports whether some indices entry of the role set carries a
// query (document-level security) or field_security (field-level security). esguard
// grants such entries like Elasticsearch grants the action, but it does not filter
// documents or fields; callers should warn, or refuse such roles when the upstream
// cluster does not enforce them.
func (p *Permission) DocumentOrFieldSecurity() bool {
	return p != nil && (p.dlsFls || p.limit.DocumentOrFieldSecurity())
}

// Limit returns the permission of p limited by by: an action is granted on a name only
// when both grant it, as Elasticsearch's LimitedRole does for an API key (its own role
// descriptors, limited by its owner's roles). A nil by grants nothing, so neither does
// the result. Roles still names p's roles. Limiting an already limited permission
// keeps both limits.
func (p *Permission) Limit(by *Permission) *Permission {
	if p == nil {
		return nil
	}
	if by == nil {
		by = &Permission{cat: p.cat, runAs: (&nameSetBuilder{}).build(), views: map[string]*indexView{}}
	}
	if p.limit != nil {
		by = p.limit.Limit(by)
	}
	return &Permission{
		cat: p.cat, roles: p.roles, cluster: p.cluster, clusterRaw: p.clusterRaw, ownAPIKey: p.ownAPIKey,
		groups: p.groups, remote: p.remote, runAs: p.runAs, dlsFls: p.dlsFls,
		limit: by, views: map[string]*indexView{},
	}
}

// LimitedBy returns the permission p is limited by, nil when none.
func (p *Permission) LimitedBy() *Permission {
	if p == nil {
		return nil
	}
	return p.limit
}

func (v *indexView) matchName(index string) bool { return v.decideName(index, true) }

// decideName is matchName; record says whether the memos may remember the outcome.
func (v *indexView) decideName(index string, record bool) bool {
	if IsReserved(index) {
		return false
	}
	var ok bool
	if IsRestricted(index) {
		ok = v.restricted.decide(index, record)
	} else {
		ok = v.ordinary.decide(index, record)
	}
	return ok && (v.and == nil || v.and.decideName(index, record))
}

func (v *indexView) coversPattern(pattern string, includeHidden bool) bool {
	if !hasWildcard(pattern) {
		return v.matchName(pattern)
	}
	if mayNameReserved(pattern, includeHidden) {
		return false
	}
	var ok bool
	if mayNameRestricted(pattern, includeHidden) {
		ok = v.restricted.covers(pattern)
	} else {
		ok = v.ordinary.covers(pattern)
	}
	return ok && (v.and == nil || v.and.coversPattern(pattern, includeHidden))
}
