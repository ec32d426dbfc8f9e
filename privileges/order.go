package privileges

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Ordering of granting privileges in denial messages.
//
// Elasticsearch sorts named privileges by how they relate as automata:
//   - cluster (ClusterPrivilegeResolver.sortByAccessLevel): by the number of other
//     privileges each one implies, ascending, then by name; a privilege implies another
//     when its action automaton contains the other's (ClusterPermission.implies), and
//     the request-aware manage_own_api_key implies only itself;
//   - index (Privilege.sortByAccessLevel): by the number of other privileges each one
//     is a subset of, descending, then by name, over the data-selector privileges (the
//     failures-only ones are sorted apart and never named for data access).
//
// Every catalogue pattern is either a literal action name or "literal*". For such
// languages, a finite universe decides inclusion exactly: all prefixes of all pattern
// literals, each also followed by a character no literal contains. Any action name
// behaves like one of these strings (take its longest prefix that is a prefix of some
// literal w; every literal is a prefix of the name, or equal to it, exactly when it is
// for the representative), so A ⊆ B over the universe iff A ⊆ B over all strings.

const universeFiller = "\x00"

// catalogueUniverse returns the distinguishing strings of the entries' patterns.
func catalogueUniverse(entries []*catEntry) ([]string, error) {
	set := map[string]struct{}{}
	for _, e := range entries {
		for _, list := range [][]string{e.p.Patterns, e.p.Excluded} {
			for _, p := range list {
				stem := p
				if isPrefixGlob(p) {
					stem = p[:len(p)-1]
				}
				if hasWildcard(stem) || strings.ContainsAny(stem, `\`+universeFiller) {
					return nil, fmt.Errorf("%s privilege [%s]: pattern %q is neither a literal nor literal*", e.p.Kind, e.p.Name, p)
				}
				for i := 0; i <= len(stem); i++ {
					set[stem[:i]] = struct{}{}
					set[stem[:i]+universeFiller] = struct{}{}
				}
			}
		}
	}
	u := make([]string, 0, len(set))
	for s := range set {
		u = append(u, s)
	}
	slices.Sort(u)
	return u, nil
}

type bitset []uint64

func (b bitset) subsetOf(o bitset) bool {
	for i := range b {
		if b[i]&^o[i] != 0 {
			return false
		}
	}
	return true
}

// languages returns, for each entry, the universe strings its matcher accepts.
func languages(entries []*catEntry) ([]bitset, error) {
	u, err := catalogueUniverse(entries)
	if err != nil {
		return nil, err
	}
	out := make([]bitset, len(entries))
	for i, e := range entries {
		b := make(bitset, (len(u)+63)/64)
		for j, s := range u {
			if e.match(s) {
				b[j/64] |= 1 << (j % 64)
			}
		}
		out[i] = b
	}
	return out, nil
}

func sortedEntries(m map[string]*catEntry, keep func(*catEntry) bool) []*catEntry {
	var out []*catEntry
	for _, e := range m {
		if keep(e) {
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(a, b *catEntry) int { return cmp.Compare(a.p.Name, b.p.Name) })
	return out
}

// sortCluster mirrors ClusterPrivilegeResolver.sortByAccessLevel.
func sortCluster(m map[string]*catEntry) ([]*catEntry, error) {
	entries := sortedEntries(m, func(*catEntry) bool { return true })
	langs, err := languages(entries)
	if err != nil {
		return nil, err
	}
	implies := make([]int, len(entries))
	for i, p := range entries {
		if p.ownAPIKey {
			continue // ManageOwnClusterPermissionCheck.doImplies: only another manage-own check
		}
		for j, q := range entries {
			if i != j && !q.ownAPIKey && langs[j].subsetOf(langs[i]) {
				implies[i]++
			}
		}
	}
	return orderBy(entries, implies, false), nil
}

// sortIndex mirrors Privilege.sortByAccessLevel over the data-selector privileges.
func sortIndex(m map[string]*catEntry) ([]*catEntry, error) {
	entries := sortedEntries(m, func(e *catEntry) bool { return !e.failuresOnly })
	langs, err := languages(entries)
	if err != nil {
		return nil, err
	}
	subsetOf := make([]int, len(entries))
	for i := range entries {
		for j := range entries {
			if i != j && langs[i].subsetOf(langs[j]) {
				subsetOf[i]++
			}
		}
	}
	return orderBy(entries, subsetOf, true), nil
}

func orderBy(entries []*catEntry, count []int, descending bool) []*catEntry {
	idx := make([]int, len(entries))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		c := cmp.Compare(count[a], count[b])
		if descending {
			c = -c
		}
		if c != 0 {
			return c
		}
		return cmp.Compare(entries[a].p.Name, entries[b].p.Name)
	})
	out := make([]*catEntry, len(entries))
	for i, j := range idx {
		out[i] = entries[j]
	}
	return out
}
