package privileges

import (
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// PatternError reports an index-name or run_as pattern Elasticsearch (or esguard)
// cannot compile.
type PatternError struct {
	Pattern string
	Reason  string
}

// Error returns "invalid pattern [p]: reason".
func (e *PatternError) Error() string {
	return "invalid pattern [" + e.Pattern + "]: " + e.Reason
}

// namePattern is one compiled index-name or run_as pattern: either a union of
// escape-free wildcard patterns with the same language, or a Go regexp.
type namePattern struct {
	src   string
	globs []string       // when re is nil
	re    *regexp.Regexp // wildcard with escaped '*'/'?', or a regex with no small wildcard form
}

// ValidatePattern checks one index-name or run_as pattern from a role, as
// Automatons.pattern reads it: a wildcard pattern ('*' any string, '?' one character,
// '\' escapes the next character), or a Lucene regular expression between slashes
// ("/logs-[0-9]+/"). Wildcard patterns are always valid; a regular expression must end
// with '/' and parse (see the grammar in regex.go; '&', '~' and '<...>' are refused).
func ValidatePattern(p string) error {
	_, err := compileNamePattern(p)
	return err
}

func compileNamePattern(p string) (namePattern, error) {
	if !utf8.ValidString(p) {
		return namePattern{}, &PatternError{Pattern: p, Reason: "not valid UTF-8"}
	}
	if strings.HasPrefix(p, "/") {
		if len(p) == 1 || !strings.HasSuffix(p, "/") {
			return namePattern{}, &PatternError{Pattern: p, Reason: "patterns starting with '/' indicate regular expression pattern and therefore must also end with '/'." +
				" other patterns (those that do not start with '/') will be treated as simple wildcard patterns"}
		}
		re, globs, ok, err := compileLuceneRegex(p[1 : len(p)-1])
		if err != nil {
			return namePattern{}, &PatternError{Pattern: p, Reason: err.Error()}
		}
		if ok {
			return namePattern{src: p, globs: globs}, nil
		}
		return namePattern{src: p, re: re}, nil
	}
	if u, ok := unescapeWildcard(p); ok {
		return namePattern{src: p, globs: []string{u}}, nil
	}
	return namePattern{src: p, re: wildcardRegexp(p)}, nil
}

// match reports whether name is in the pattern's language (used by tests and compile).
func (np *namePattern) match(name string) bool {
	if np.re != nil {
		return np.re.MatchString(name)
	}
	for _, g := range np.globs {
		if globMatch(g, name) {
			return true
		}
	}
	return false
}

// nameSet is the union of many name patterns, split for speed: "match everything",
// exact names (a map), prefixes ("logs-*", a sorted prefix-free list searched in
// O(log n)), other wildcard patterns and regexps (scanned, their outcomes remembered by
// name in a bounded memo when there are several or a regexp). Its patterns are immutable
// once built; its methods do not allocate, except to remember a name seen for the first
// time.
type nameSet struct {
	all      bool
	exact    map[string]struct{}
	prefixes []string
	globs    []string
	regexes  []*regexp.Regexp
	memo     *matchMemo // outcomes of globs and regexes by name; nil when they are few
}

type nameSetBuilder struct {
	all      bool
	exact    map[string]struct{}
	prefixes []string
	globs    []string
	regexes  []*regexp.Regexp
}

func (b *nameSetBuilder) add(np *namePattern) {
	if b.all {
		return
	}
	if np.re != nil {
		b.regexes = append(b.regexes, np.re)
		return
	}
	for _, g := range np.globs {
		switch {
		case matchesAll(g):
			b.all = true
			return
		case !hasWildcard(g):
			if b.exact == nil {
				b.exact = map[string]struct{}{}
			}
			b.exact[g] = struct{}{}
		case isPrefixGlob(g):
			b.prefixes = append(b.prefixes, g[:len(g)-1])
		default:
			b.globs = append(b.globs, g)
		}
	}
}

func (b *nameSetBuilder) build() *nameSet {
	if b.all {
		return &nameSet{all: true}
	}
	s := &nameSet{exact: b.exact}
	// Sorted and prefix-free: a prefix covered by a shorter one is redundant. In a
	// prefix-free sorted list, the only candidate prefix of a name is the greatest
	// element not above it.
	p := slices.Clone(b.prefixes)
	slices.Sort(p)
	p = slices.Compact(p)
	for _, x := range p {
		if n := len(s.prefixes); n > 0 && strings.HasPrefix(x, s.prefixes[n-1]) {
			continue
		}
		s.prefixes = append(s.prefixes, x)
	}
	s.globs = slices.Compact(slices.Sorted(slices.Values(b.globs)))
	s.regexes = slices.Clone(b.regexes)
	if len(s.regexes) > 0 || len(s.globs) >= memoScanned {
		s.memo = newMatchMemo()
	}
	return s
}

// hasPrefixOf reports whether some prefix in the set is a prefix of name.
func (s *nameSet) hasPrefixOf(name string) bool {
	i, found := slices.BinarySearch(s.prefixes, name)
	if found {
		return true
	}
	return i > 0 && strings.HasPrefix(name, s.prefixes[i-1])
}

// match reports whether a concrete name is in the set, remembering the outcome of a
// scan in the memo.
func (s *nameSet) match(name string) bool { return s.decide(name, true) }

// decide reports whether a concrete name is in the set; record says whether the
// outcome of a scan is remembered in the memo (a wildcard expansion, which considers
// many names once each, reads the memo but does not fill it).
func (s *nameSet) decide(name string, record bool) bool {
	if s.all {
		return true
	}
	if _, ok := s.exact[name]; ok {
		return true
	}
	if len(s.prefixes) > 0 && s.hasPrefixOf(name) {
		return true
	}
	if s.memo == nil {
		return s.scan(name)
	}
	if ok, known := s.memo.get(name); known {
		return ok
	}
	ok := s.scan(name)
	if record {
		s.memo.put(name, ok)
	}
	return ok
}

// scan matches name against the general wildcard patterns and the regexps.
func (s *nameSet) scan(name string) bool {
	for _, g := range s.globs {
		if globMatch(g, name) {
			return true
		}
	}
	for _, re := range s.regexes {
		if re.MatchString(name) {
			return true
		}
	}
	return false
}

// covers reports whether every name the wildcard request pattern can match is in the
// set, as far as can be proven by inclusion in one member: "*", a prefix, or a wildcard
// pattern (regexps with no wildcard form cannot be proven). A request without
// wildcards is a concrete name.
func (s *nameSet) covers(req string) bool {
	if s.all {
		return true
	}
	if !hasWildcard(req) {
		return s.match(req)
	}
	if len(s.prefixes) > 0 && s.hasPrefixOf(literalPrefix(req)) {
		return true
	}
	for _, g := range s.globs {
		if globCovers(g, req) {
			return true
		}
	}
	return false
}

// NameMatcher is a compiled union of name patterns in the role syntax (wildcards and
// /regex/), for names that are not indices: users, realms, run_as targets. The zero
// value and nil match nothing. It is immutable and safe for concurrent use.
type NameMatcher struct {
	set *nameSet
}

// CompileNames compiles patterns into one NameMatcher. It fails on the first pattern
// ValidatePattern refuses.
func CompileNames(patterns []string) (*NameMatcher, error) {
	var b nameSetBuilder
	for _, p := range patterns {
		np, err := compileNamePattern(p)
		if err != nil {
			return nil, err
		}
		b.add(&np)
	}
	return &NameMatcher{set: b.build()}, nil
}

// Match reports whether name matches one of the patterns.
func (m *NameMatcher) Match(name string) bool {
	return m != nil && m.set != nil && m.set.match(name)
}
