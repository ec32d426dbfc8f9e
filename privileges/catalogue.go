package privileges

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// Kind tells cluster privileges from index privileges.
type Kind uint8

// The two kinds of named privileges.
const (
	ClusterKind Kind = iota
	IndexKind
)

// String returns "cluster" or "index".
func (k Kind) String() string {
	if k == IndexKind {
		return "index"
	}
	return "cluster"
}

// Privilege is one named privilege with the action patterns it grants. Privileges
// returned by a Catalogue are shared: treat them as read-only.
type Privilege struct {
	Name       string
	Kind       Kind
	Patterns   []string // action patterns ('*', '?' wildcards) the privilege grants
	Excluded   []string // action patterns subtracted from Patterns
	Deprecated string   // "" or a sentence, e.g. "deprecated since 7.5, use [manage_transform]"
	Notes      string   // the reference catalogue's notes
	// Description is what the flavour's privileges reference says the privilege
	// grants (data/descriptions-*.tsv), or "" where that reference does not name it.
	Description string
}

// catEntry is a named privilege with its compiled matcher.
type catEntry struct {
	p            *Privilege
	m            actionMatcher
	failuresOnly bool // index privilege that applies only to the ::failures selector
	failures     bool // index privilege that applies to the ::failures selector (alone or with data)
	ownAPIKey    bool // manage_own_api_key (ManageOwnApiKeyClusterPrivilege)
}

func (e *catEntry) match(action string) bool { return e.m.match(action) }

// Catalogue is the set of named privileges of one Elasticsearch flavour. It is built
// once and immutable; its methods are safe for concurrent use.
type Catalogue struct {
	flavour      string
	era          era
	cluster      map[string]*catEntry
	index        map[string]*catEntry
	clusterNames []string
	indexNames   []string
	clusterOrder []*catEntry                // ClusterPrivilegeResolver.sortByAccessLevel
	indexOrder   []*catEntry                // IndexPrivilege VALUES order, data-selector privileges only
	unavailable  map[Kind]map[string]string // names the flavour refuses, with the reason

	mu       sync.Mutex
	granting atomic.Pointer[map[string][]string]
}

var es9 = sync.OnceValue(func() *Catalogue { return mustCatalogue(spec9) })

// ES9 returns the Elasticsearch 9.x catalogue (from the 9.5 source). It is built on
// first use and shared.
func ES9() *Catalogue { return es9() }

// mustCatalogue builds an embedded catalogue; the data is part of the binary and
// tested, so an error is a build defect.
func mustCatalogue(spec *catalogueSpec) *Catalogue {
	c, err := newCatalogue(spec)
	if err != nil {
		panic("privileges: embedded " + spec.flavour + " catalogue: " + err.Error())
	}
	return c
}

func newCatalogue(spec *catalogueSpec) (*Catalogue, error) {
	c := &Catalogue{flavour: spec.flavour, era: spec.era, cluster: map[string]*catEntry{}, index: map[string]*catEntry{}}
	for _, src := range []struct {
		kind Kind
		tsv  string
		into map[string]*catEntry
	}{{ClusterKind, spec.clusterTSV, c.cluster}, {IndexKind, spec.indexTSV, c.index}} {
		privs, err := parseCatalogueTSV(src.kind, src.tsv)
		if err != nil {
			return nil, err
		}
		for _, p := range privs {
			p.Deprecated = spec.deprecated[src.kind][p.Name]
			e := &catEntry{p: p, m: newActionMatcher(p.Patterns, p.Excluded)}
			e.failuresOnly = src.kind == IndexKind && strings.HasPrefix(p.Notes, "selector=failures only")
			e.failures = src.kind == IndexKind && (strings.HasPrefix(p.Notes, "selector=all") || strings.HasPrefix(p.Notes, "selector=data,failures") || e.failuresOnly)
			e.ownAPIKey = src.kind == ClusterKind && p.Name == "manage_own_api_key"
			if _, dup := src.into[p.Name]; dup {
				return nil, fmt.Errorf("duplicate %s privilege [%s]", src.kind, p.Name)
			}
			src.into[p.Name] = e
		}
	}
	if err := c.describe(spec.descriptions); err != nil {
		return nil, err
	}
	if err := c.withdraw(spec.unavailable, spec.unavailableReason); err != nil {
		return nil, err
	}
	for name := range c.cluster {
		c.clusterNames = append(c.clusterNames, name)
	}
	for name := range c.index {
		c.indexNames = append(c.indexNames, name)
	}
	slices.Sort(c.clusterNames)
	slices.Sort(c.indexNames)
	var err error
	if c.clusterOrder, err = sortCluster(c.cluster); err != nil {
		return nil, err
	}
	if c.indexOrder, err = sortIndex(c.index); err != nil {
		return nil, err
	}
	return c, nil
}

// parseCatalogueTSV reads "privilege<TAB>action_patterns<TAB>excluded_patterns<TAB>notes"
// rows; rows whose name starts with "(" document global, implicit or raw privileges and
// are skipped.
func parseCatalogueTSV(kind Kind, tsv string) ([]*Privilege, error) {
	var out []*Privilege
	for i, line := range strings.Split(strings.TrimRight(tsv, "\n"), "\n") {
		line = strings.TrimRight(line, "\r")
		if i == 0 || line == "" || strings.HasPrefix(line, "(") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 4 {
			return nil, fmt.Errorf("%s catalogue line %d: %d columns, want 4", kind, i+1, len(f))
		}
		out = append(out, &Privilege{
			Name:     f[0],
			Kind:     kind,
			Patterns: splitPatterns(f[1]),
			Excluded: splitPatterns(f[2]),
			Notes:    f[3],
		})
	}
	return out, nil
}

func splitPatterns(s string) []string {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	var out []string
	for p := range strings.SplitSeq(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// IsClusterAction reports whether Elasticsearch authorizes action as a cluster action:
// "cluster:*", and the legacy and composable index-template actions
// "indices:admin/template/*" and "indices:admin/index_template/*"
// (ClusterPrivilegeResolver.isClusterAction).
func IsClusterAction(action string) bool {
	return strings.HasPrefix(action, "cluster:") ||
		strings.HasPrefix(action, "indices:admin/template/") ||
		strings.HasPrefix(action, "indices:admin/index_template/")
}

// IsIndexAction reports whether action is an index action pattern
// (IndexPrivilege.ACTION_MATCHER: "indices:*" and "internal:transport/proxy/indices:*").
// Template actions match too; AuthorizationService checks IsClusterAction first.
func IsIndexAction(action string) bool {
	return strings.HasPrefix(action, "indices:") ||
		strings.HasPrefix(action, "internal:transport/proxy/indices:")
}

// Cluster resolves a cluster privilege name as ClusterPrivilegeResolver.resolve does:
// the name is lower-cased; a name that is itself a cluster action pattern of the
// flavour (Catalogue.IsClusterAction) becomes a raw privilege granting name + "*"
// (RawActionPatternClusterPrivilege appends '*' unconditionally; "x*" + "*" grants the
// same as "x*"); otherwise it must be a named privilege.
func (c *Catalogue) Cluster(name string) (*Privilege, bool) {
	lower := strings.ToLower(name)
	if c.IsClusterAction(lower) {
		return &Privilege{Name: lower, Kind: ClusterKind, Patterns: []string{lower + "*"}, Notes: "raw cluster action pattern"}, true
	}
	if e, ok := c.cluster[lower]; ok {
		return e.p, true
	}
	return nil, false
}

// Index resolves an index privilege name as IndexPrivilege.resolve does: the name is
// lower-cased; a name that is itself an index action pattern of the flavour
// (Catalogue.IsIndexAction) becomes a
// raw privilege granting name + "*"; otherwise it must be a named privilege.
func (c *Catalogue) Index(name string) (*Privilege, bool) {
	lower := strings.ToLower(name)
	if c.IsIndexAction(lower) {
		return &Privilege{Name: lower, Kind: IndexKind, Patterns: []string{lower + "*"}, Notes: "raw index action pattern; selector=data"}, true
	}
	if e, ok := c.index[lower]; ok {
		return e.p, true
	}
	return nil, false
}

func (c *Catalogue) entry(k Kind, name string) (*catEntry, bool) {
	if k == IndexKind {
		e, ok := c.index[name]
		return e, ok
	}
	e, ok := c.cluster[name]
	return e, ok
}

// Names returns the named privileges of kind k, sorted. The slice is a copy.
func (c *Catalogue) Names(k Kind) []string {
	if k == IndexKind {
		return slices.Clone(c.indexNames)
	}
	return slices.Clone(c.clusterNames)
}

// Suggest returns the named privilege of kind k closest to name by edit distance, or
// "" when none is close enough to be a likely typo or name is a privilege the flavour
// refuses (Unavailable).
func (c *Catalogue) Suggest(k Kind, name string) string {
	if _, ok := c.Unavailable(k, name); ok {
		return ""
	}
	names := c.clusterNames
	if k == IndexKind {
		names = c.indexNames
	}
	return Closest(strings.ToLower(name), names)
}

// Closest returns the candidate closest to name by edit distance, or "" when none is
// close enough to be a likely typo (or name is itself a candidate). Configuration
// checks use it to suggest the name that was meant.
func Closest(name string, candidates []string) string {
	name = strings.TrimSpace(name)
	if name == "" {
		return ""
	}
	limit := max(2, len(name)/4)
	best, bestD := "", limit+1
	for _, cand := range candidates {
		if d := editDistance(name, cand); d < bestD {
			best, bestD = cand, d
		}
	}
	if best == name || bestD >= len(name) {
		return ""
	}
	return best
}

// editDistance is the optimal-string-alignment distance (insert, delete, substitute,
// transpose adjacent) between a and b.
func editDistance(a, b string) int {
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

// ownAPIKeyActions are the API key actions ManageOwnApiKeyClusterPrivilege may grant:
// unconditionally (create, update, bulk_update) or for the caller's own keys only.
var ownAPIKeyActions = map[string]bool{
	"cluster:admin/xpack/security/api_key/create":      true,
	"cluster:admin/xpack/security/api_key/update":      true,
	"cluster:admin/xpack/security/api_key/bulk_update": true,
	"cluster:admin/xpack/security/api_key/get":         false,
	"cluster:admin/xpack/security/api_key/invalidate":  false,
	"cluster:admin/xpack/security/api_key/query":       false,
}

// Granting returns the named privileges that grant action, ordered from least to most
// privileged as in Elasticsearch's denial messages: for a cluster action
// ClusterPrivilegeResolver.findPrivilegesThatGrant (manage_own_api_key included for the
// API key actions it can grant), for an index action
// IndexPrivilege.findPrivilegesThatGrant over the data-selector privileges. It returns
// nil for an action of neither kind. The result is a fresh slice.
func (c *Catalogue) Granting(action string) []string {
	if m := c.granting.Load(); m != nil {
		if g, ok := (*m)[action]; ok {
			return slices.Clone(g)
		}
	}
	g := c.computeGranting(action)
	c.mu.Lock()
	old := c.granting.Load()
	if old == nil || len(*old) < maxCachedActions {
		m := make(map[string][]string, 1+lenOf(old))
		if old != nil {
			for k, v := range *old {
				m[k] = v
			}
		}
		m[action] = g
		c.granting.Store(&m)
	}
	c.mu.Unlock()
	return slices.Clone(g)
}

func lenOf[V any](m *map[string]V) int {
	if m == nil {
		return 0
	}
	return len(*m)
}

func (c *Catalogue) computeGranting(action string) []string {
	var out []string
	switch {
	case c.IsClusterAction(action):
		for _, e := range c.clusterOrder {
			if e.ownAPIKey {
				if _, ok := ownAPIKeyActions[action]; !ok {
					continue
				}
			}
			if e.match(action) {
				out = append(out, e.p.Name)
			}
		}
	case c.IsIndexAction(action):
		for _, e := range c.indexOrder {
			if e.match(action) {
				out = append(out, e.p.Name)
			}
		}
	}
	return out
}
