package privileges

import (
	_ "embed"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
)

// Migration expresses one privilege of a role in another flavour's terms. It never
// grants more than the source privilege without saying so: Privileges grant at most the
// source's actions, except those listed in Broader; actions of the source that the
// target cannot grant (they no longer exist, or cannot be written there) are in Lost.
type Migration struct {
	Kind     Kind
	From, To string // flavours
	Name     string // the source privilege, lower-cased
	Known    bool   // Name is a privilege of the source flavour

	// Privileges is what to write in the target role: a named privilege of the
	// target with the same actions, else the fewest named privileges whose union has
	// exactly those actions, else raw action patterns valid in the target.
	Privileges []string
	// Exact is true when Privileges grant exactly the source's actions that exist in
	// the target: Broader is empty.
	Exact bool
	// Broader lists what Privileges grant beyond the source privilege: action patterns
	// the source excluded (a raw pattern cannot subtract), or known actions a raw
	// privilege also matches because raw privileges match by prefix (name + "*").
	Broader []string
	// Lost lists what the source grants that Privileges do not: actions renamed away,
	// removed, or not expressible in the target. The replacement is narrower by these.
	Lost []Gap

	// Named is a replacement made of named privileges only, offered when Privileges
	// are raw action patterns; NamedBroader lists what it grants beyond the source.
	Named        []string
	NamedBroader []string

	// Note says in one sentence how the replacement compares with the source.
	Note string
}

// Gap is an action or pattern of the source privilege with no equivalent in the target.
type Gap struct {
	Pattern string
	Reason  string
}

//go:embed data/action-renames.tsv
var actionRenamesTSV string

// actionRename is one change of action names between two consecutive eras; an empty
// to means the action was removed.
type actionRename struct {
	from, to   era
	old, new   string // action names or "prefix*"
	reason     string
	removedAll bool
}

var actionRenames = sync.OnceValue(func() []actionRename {
	eras := map[string]era{"shield1": eraShield1, "shield2": eraShield2, "8": era8, "9": era9}
	var out []actionRename
	for i, line := range strings.Split(strings.TrimRight(actionRenamesTSV, "\n"), "\n") {
		if i == 0 || line == "" {
			continue
		}
		f := strings.Split(line, "\t")
		from, ok1 := eras[f[0]]
		to, ok2 := eras[f[1]]
		if len(f) != 5 || !ok1 || !ok2 || to <= from || f[2] == "" {
			panic(fmt.Sprintf("privileges: data/action-renames.tsv line %d: %q", i+1, line))
		}
		out = append(out, actionRename{from: from, to: to, old: f[2], new: f[3], reason: f[4], removedAll: f[3] == ""})
	}
	return out
})

// stem is the literal part of a literal or literal* pattern.
func stem(p string) string { return strings.TrimSuffix(p, "*") }

// within reports whether every action p matches is matched by q (both literal or
// literal*).
func within(p, q string) bool {
	if !isPrefixGlob(q) {
		return p == q
	}
	return strings.HasPrefix(stem(p), stem(q))
}

// renamePattern rewrites p, which lies within old, to the new name.
func renamePattern(p, old, new string) string {
	if !isPrefixGlob(old) {
		return new
	}
	return stem(new) + strings.TrimPrefix(p, stem(old))
}

// translate maps a pattern of era from to the action names of era to. It returns ""
// and the reason when the actions no longer exist in era to.
func translate(p string, from, to era) (string, string) {
	rows := actionRenames()
	if from < to {
		for _, r := range rows {
			if r.from < from || r.to > to || !within(p, r.old) {
				continue
			}
			if r.removedAll {
				return "", r.reason
			}
			p = renamePattern(p, r.old, r.new)
		}
		return p, ""
	}
	for i := len(rows) - 1; i >= 0; i-- {
		r := rows[i]
		if r.removedAll || r.to > from || r.from < to || !within(p, r.new) {
			continue
		}
		p = renamePattern(p, r.new, r.old)
	}
	return p, ""
}

// removedWithin lists the removed actions a source privilege still grants in part
// (its pattern covers them), upgrading from era from to era to.
func removedWithin(src *catEntry, from, to era) []Gap {
	var out []Gap
	if from >= to {
		return nil
	}
	for _, r := range actionRenames() {
		if !r.removedAll || r.from < from || r.to > to {
			continue
		}
		if src.match(stem(r.old)) && !slices.ContainsFunc(src.p.Patterns, func(p string) bool { return within(p, r.old) }) {
			out = append(out, Gap{Pattern: r.old, Reason: r.reason})
		}
	}
	return out
}

// Migrate expresses the privilege name of kind k of catalogue from in catalogue to,
// for an equivalent role in another flavour. The source's action patterns are first
// translated to the target's era (data/action-renames.tsv: cluster:admin/shield/*
// became cluster:admin/xpack/security/*, indices:admin/optimize became
// indices:admin/forcemerge, warmers and percolate were removed, ...). Then, in order of
// preference: a named privilege of the target with the same actions (the same name
// first); the fewest named privileges whose union has exactly those actions; named
// privileges within the source for what they grant whole plus raw action patterns for
// the rest. A privilege the target withholds (Unavailable), a conditional one the
// target lacks, or a failures-only one the target cannot match is not replaced by raw
// patterns: it is reported in Lost.
func Migrate(from, to *Catalogue, k Kind, name string) Migration {
	m := Migration{Kind: k, From: from.Flavour(), To: to.Flavour(), Name: strings.ToLower(name)}
	lookup := from.Cluster
	if k == IndexKind {
		lookup = from.Index
	}
	p, ok := lookup(m.Name)
	if !ok {
		m.Note = fmt.Sprintf("[%s] is not a %s privilege of %s", m.Name, k, m.From)
		return m
	}
	m.Known = true
	src, named := from.entry(k, m.Name)
	if !named {
		return migrateRaw(m, p, from, to)
	}
	return migrateNamed(m, src, from, to)
}

// validIn reports whether the pattern is an action pattern of kind k in catalogue c.
func validIn(c *Catalogue, k Kind, p string) bool {
	if k == IndexKind {
		return c.IsIndexAction(stem(p)) && !c.IsClusterAction(stem(p))
	}
	return c.IsClusterAction(stem(p))
}

func migrateRaw(m Migration, p *Privilege, from, to *Catalogue) Migration {
	t, reason := translate(m.Name, from.era, to.era)
	switch {
	case t == "":
		m.Lost = []Gap{{m.Name, reason}}
	case !validIn(to, m.Kind, t):
		m.Lost = []Gap{{m.Name, fmt.Sprintf("not a %s action pattern in %s", m.Kind, m.To)}}
	default:
		m.Privileges = []string{t}
		m.Exact = true
	}
	m.Note = m.note()
	return m
}

// language is a set of actions over a finite distinguishing universe (order.go).
type language struct {
	universe []string
	bits     bitset
}

// langOf is the language of literal or literal* patterns minus excluded ones.
func langOf(u []string, patterns, excluded []string) language {
	type pat struct {
		s      string
		prefix bool
	}
	prep := func(list []string) []pat {
		out := make([]pat, len(list))
		for i, p := range list {
			out[i] = pat{stem(p), isPrefixGlob(p)}
		}
		return out
	}
	inc, exc := prep(patterns), prep(excluded)
	matches := func(list []pat, s string) bool {
		for _, p := range list {
			if p.s == s || p.prefix && strings.HasPrefix(s, p.s) {
				return true
			}
		}
		return false
	}
	b := make(bitset, (len(u)+63)/64)
	for j, s := range u {
		if matches(inc, s) && !matches(exc, s) {
			b[j/64] |= 1 << (j % 64)
		}
	}
	return language{u, b}
}

func (l language) or(o language) language {
	b := slices.Clone(l.bits)
	for i := range b {
		b[i] |= o.bits[i]
	}
	return language{l.universe, b}
}

func (l language) equal(o language) bool { return slices.Equal(l.bits, o.bits) }

func (l language) empty() bool {
	for _, w := range l.bits {
		if w != 0 {
			return false
		}
	}
	return true
}

func migrateNamed(m Migration, src *catEntry, from, to *Catalogue) Migration {
	k := m.Kind
	if reason, ok := to.Unavailable(k, m.Name); ok {
		// The target withholds the feature itself: no raw patterns in its place.
		m.Lost = []Gap{{m.Name, reason}}
		m.Note = m.note()
		return m
	}
	if src.ownAPIKey {
		if e, ok := to.entry(k, src.p.Name); ok && e.ownAPIKey {
			m.Privileges, m.Exact = []string{e.p.Name}, true
		} else {
			m.Lost = []Gap{{m.Name, fmt.Sprintf("a conditional privilege (own API keys only) that %s does not have", m.To)}}
		}
		m.Note = m.note()
		return m
	}
	// The source's actions in the target's names.
	var pats, excl []string
	for _, list := range []struct {
		in  []string
		out *[]string
	}{{src.p.Patterns, &pats}, {src.p.Excluded, &excl}} {
		for _, p := range list.in {
			t, reason := translate(p, from.era, to.era)
			switch {
			case t == "":
				if list.out == &pats {
					m.Lost = append(m.Lost, Gap{p, reason})
				}
			case !validIn(to, k, t):
				if list.out == &pats {
					m.Lost = append(m.Lost, Gap{p, fmt.Sprintf("not a %s action in %s", k, m.To)})
				}
			default:
				*list.out = append(*list.out, t)
			}
		}
	}
	informational := removedWithin(src, from.era, to.era)
	m.Lost = append(m.Lost, informational...)

	order := to.clusterOrder
	if k == IndexKind {
		order = to.indexOrder
		if src.failuresOnly {
			order = sortedEntries(to.index, func(e *catEntry) bool { return e.failuresOnly })
		}
	}
	var cands []*catEntry
	for _, e := range order {
		if !e.ownAPIKey {
			cands = append(cands, e)
		}
	}
	probe := &catEntry{p: &Privilege{Name: m.Name, Kind: k, Patterns: pats, Excluded: excl}, m: newActionMatcher(pats, excl)}
	u, err := catalogueUniverse(append([]*catEntry{probe}, cands...))
	if err != nil {
		m.Note = err.Error()
		return m
	}
	want := langOf(u, pats, excl)
	langs := make([]language, len(cands))
	for i, e := range cands {
		langs[i] = langOf(u, e.p.Patterns, e.p.Excluded)
	}

	// 1. One named privilege with the same actions, the same name first.
	best := -1
	for i, e := range cands {
		if langs[i].equal(want) && (best < 0 || e.p.Name == m.Name) {
			best = i
		}
	}
	if best >= 0 {
		// The target's privilege of the same meaning: the actions it no longer has
		// were retired with the era, not taken from this privilege.
		m.Lost = slices.DeleteFunc(m.Lost, func(g Gap) bool { return slices.Contains(informational, g) })
		m.Privileges, m.Exact = []string{cands[best].p.Name}, true
		m.Note = m.note()
		return m
	}
	if src.failuresOnly {
		// Raw action privileges apply to data, never to ::failures: offer a
		// failures-only privilege within the source, else nothing.
		for i := len(cands) - 1; i >= 0; i-- {
			if langs[i].bits.subsetOf(want.bits) && !langs[i].empty() {
				m.Privileges, m.Exact = []string{cands[i].p.Name}, true
				m.Lost = append(m.Lost, uncovered(pats, cands[i], fmt.Sprintf("not granted by [%s] in %s", cands[i].p.Name, m.To))...)
				break
			}
		}
		if m.Privileges == nil {
			m.Lost = append(m.Lost, Gap{m.Name, "applies to the ::failures selector only, which raw action privileges cannot express"})
		}
		m.Note = m.note()
		return m
	}

	// 2. The fewest named privileges whose union has exactly the same actions.
	if union := exactUnion(cands, langs, want); union != nil {
		m.Privileges, m.Exact = union, true
		m.Note = m.note()
		return m
	}

	// 3. Named privileges within the source for the patterns they grant whole, raw
	// action patterns for the rest, and a named-only alternative.
	var inSource []*catEntry
	covered := make([]bool, len(pats))
	patLangs := make([]language, len(pats))
	for j, p := range pats {
		patLangs[j] = langOf(u, []string{p}, nil)
	}
	greedyCover(len(cands), covered,
		func(i int) bool {
			return !langs[i].empty() && langs[i].bits.subsetOf(want.bits) && !slices.Contains(inSource, cands[i])
		},
		func(i, j int) bool { return patLangs[j].bits.subsetOf(langs[i].bits) },
		func(i int) {
			inSource = append(inSource, cands[i])
			m.Privileges = append(m.Privileges, cands[i].p.Name)
		})
	known := map[string]bool{}
	for _, e := range append([]*catEntry{probe}, cands...) {
		for _, p := range slices.Concat(e.p.Patterns, e.p.Excluded) {
			known[stem(p)] = true
		}
	}
	raw := false
	for j, p := range pats {
		if covered[j] {
			continue
		}
		raw = true
		m.Privileges = append(m.Privileges, p)
		if isPrefixGlob(p) {
			continue
		}
		for _, s := range slices.Sorted(maps.Keys(known)) {
			if s != p && strings.HasPrefix(s, p) && !probe.match(s) {
				m.Broader = append(m.Broader, s)
			}
		}
	}
	if raw {
		m.Broader = append(m.Broader, excl...)
		m.Named, m.NamedBroader = namedCover(pats, inSource, cands, langs, u, want)
	}
	m.Exact = len(m.Broader) == 0
	m.Note = m.note()
	return m
}

// uncovered lists the patterns a privilege does not fully grant.
func uncovered(pats []string, e *catEntry, reason string) []Gap {
	var out []Gap
	for _, p := range pats {
		u, err := catalogueUniverse([]*catEntry{e, {p: &Privilege{Patterns: []string{p}}}})
		if err != nil || !langOf(u, []string{p}, nil).bits.subsetOf(langOf(u, e.p.Patterns, e.p.Excluded).bits) {
			out = append(out, Gap{p, reason})
		}
	}
	return out
}

// exactUnion returns the fewest candidates (at least two) whose languages are inSource
// want and together equal it, or nil. Candidates are tried in catalogue order.
func exactUnion(cands []*catEntry, langs []language, want language) []string {
	var sub []int
	for i := range cands {
		if !langs[i].empty() && langs[i].bits.subsetOf(want.bits) {
			sub = append(sub, i)
		}
	}
	// Keep the maximal ones: a privilege inSource another adds nothing to a union.
	var maximal []int
	for _, i := range sub {
		dominated := false
		for _, j := range sub {
			if i != j && langs[i].bits.subsetOf(langs[j].bits) && (!langs[j].bits.subsetOf(langs[i].bits) || j < i) {
				dominated = true
				break
			}
		}
		if !dominated {
			maximal = append(maximal, i)
		}
	}
	if len(maximal) < 2 || len(maximal) > 16 {
		return nil
	}
	for size := 2; size <= len(maximal); size++ {
		var found []string
		combinations(len(maximal), size, func(pick []int) bool {
			acc := language{want.universe, make(bitset, len(want.bits))}
			for _, p := range pick {
				acc = acc.or(langs[maximal[p]])
			}
			if !acc.equal(want) {
				return true
			}
			for _, p := range pick {
				found = append(found, cands[maximal[p]].p.Name)
			}
			return false
		})
		if found != nil {
			slices.Sort(found)
			return found
		}
	}
	return nil
}

// combinations calls f with each size-subset of 0..n-1 in lexicographic order until f
// returns false.
func combinations(n, size int, f func([]int) bool) {
	pick := make([]int, size)
	var rec func(start, depth int) bool
	rec = func(start, depth int) bool {
		if depth == size {
			return f(pick)
		}
		for i := start; i <= n-(size-depth); i++ {
			pick[depth] = i
			if !rec(i+1, depth+1) {
				return false
			}
		}
		return true
	}
	rec(0, 0)
}

// greedyCover picks candidates by the greedy set-cover rule: while a usable candidate
// covers a target not covered yet, the one covering most of them (the first of equals)
// is passed to pick, and the targets it covers are marked in covered.
func greedyCover(cands int, covered []bool, usable func(i int) bool, covers func(i, j int) bool, pick func(i int)) {
	for {
		best, bestN := -1, 0
		for i := range cands {
			if !usable(i) {
				continue
			}
			n := 0
			for j := range covered {
				if !covered[j] && covers(i, j) {
					n++
				}
			}
			if n > bestN {
				best, bestN = i, n
			}
		}
		if best < 0 {
			return
		}
		pick(best)
		for j := range covered {
			covered[j] = covered[j] || covers(best, j)
		}
	}
}

// namedCover chooses named privileges that together grant every source pattern:
// those already chosen (inSource the source), then greedily the one that grants whole the
// most patterns still uncovered. It reports the patterns of the new picks that grant
// more than want.
func namedCover(pats []string, chosen []*catEntry, cands []*catEntry, langs []language, u []string, want language) (names, broader []string) {
	patLang := make(map[string]language, len(pats))
	for _, p := range pats {
		patLang[p] = langOf(u, []string{p}, nil)
	}
	candLang := make(map[*catEntry]language, len(cands))
	for i, e := range cands {
		candLang[e] = langs[i]
	}
	covers := func(e *catEntry, p string) bool { return patLang[p].bits.subsetOf(candLang[e].bits) }
	picked := slices.Clone(chosen)
	done := make([]bool, len(pats))
	for j, p := range pats {
		done[j] = slices.ContainsFunc(picked, func(e *catEntry) bool { return covers(e, p) })
	}
	greedyCover(len(cands), done,
		func(int) bool { return true },
		func(i, j int) bool { return covers(cands[i], pats[j]) },
		func(i int) { picked = append(picked, cands[i]) })
	if slices.Contains(done, false) {
		return nil, nil
	}
	// Drop picks another pick already grants.
	var keep []*catEntry
	for i, e := range picked {
		li := candLang[e]
		redundant := false
		for j, o := range picked {
			lj := candLang[o]
			if i != j && li.bits.subsetOf(lj.bits) && (j < i || !lj.bits.subsetOf(li.bits)) {
				redundant = true
				break
			}
		}
		if !redundant {
			keep = append(keep, e)
		}
	}
	slices.SortFunc(keep, func(a, b *catEntry) int { return strings.Compare(a.p.Name, b.p.Name) })
	for _, e := range keep {
		names = append(names, e.p.Name)
		for _, p := range e.p.Patterns {
			if !langOf(u, []string{p}, e.p.Excluded).bits.subsetOf(want.bits) && !slices.Contains(broader, p) {
				broader = append(broader, p)
			}
		}
	}
	return names, broader
}

func (m Migration) note() string {
	if len(m.Privileges) == 0 {
		return fmt.Sprintf("no equivalent in %s", m.To)
	}
	var parts []string
	if len(m.Broader) > 0 {
		parts = append(parts, fmt.Sprintf("broader: also grants [%s]", strings.Join(m.Broader, ",")))
	}
	if len(m.Lost) > 0 {
		var gone []string
		for _, g := range m.Lost {
			gone = append(gone, g.Pattern)
		}
		parts = append(parts, fmt.Sprintf("narrower: [%s] have no equivalent in %s", strings.Join(gone, ","), m.To))
	}
	if len(parts) == 0 {
		parts = append(parts, "same actions in "+m.To)
	}
	if len(m.Named) > 0 {
		named := fmt.Sprintf("named privileges [%s]", strings.Join(m.Named, ","))
		if len(m.NamedBroader) > 0 {
			named += fmt.Sprintf(" also grant [%s]", strings.Join(m.NamedBroader, ","))
		}
		parts = append(parts, named)
	}
	return strings.Join(parts, "; ")
}
