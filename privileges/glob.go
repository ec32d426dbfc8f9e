package privileges

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// Wildcard patterns, as Automatons.wildcard reads them: '*' matches any string
// (including '/'), '?' matches one code point, '\' makes the next character literal
// (a trailing '\' is itself literal). The functions here work on patterns without
// escapes; a pattern with escapes is compiled to a Go regexp instead (wildcardRegexp).

// hasWildcard reports whether s contains '*' or '?'.
func hasWildcard(s string) bool {
	return strings.ContainsAny(s, "*?")
}

// literalPrefix returns s up to its first '*' or '?'.
func literalPrefix(s string) string {
	if i := strings.IndexAny(s, "*?"); i >= 0 {
		return s[:i]
	}
	return s
}

// isPrefixGlob reports whether the escape-free pattern is "literal*" with no other
// wildcard; "*" alone counts (prefix "").
func isPrefixGlob(p string) bool {
	n := len(p)
	return n > 0 && p[n-1] == '*' && !hasWildcard(p[:n-1])
}

// matchesAll reports whether the escape-free pattern is made of '*' only.
func matchesAll(p string) bool {
	if p == "" {
		return false
	}
	for i := 0; i < len(p); i++ {
		if p[i] != '*' {
			return false
		}
	}
	return true
}

// globMatch reports whether name matches the escape-free wildcard pattern pat. It is
// the classic linear matcher that backtracks to the last '*' only, which is exact for
// '*'/'?' patterns, and it does not allocate.
func globMatch(pat, name string) bool {
	px, nx := 0, 0
	starPx, starNx := -1, 0
	for px < len(pat) || nx < len(name) {
		if px < len(pat) {
			switch c := pat[px]; c {
			case '*':
				starPx, starNx = px, nx
				px++
				continue
			case '?':
				if nx < len(name) {
					_, size := utf8.DecodeRuneInString(name[nx:])
					px++
					nx += size
					continue
				}
			default:
				if nx < len(name) && name[nx] == c {
					px++
					nx++
					continue
				}
			}
		}
		if starPx >= 0 && starNx < len(name) {
			_, size := utf8.DecodeRuneInString(name[starNx:])
			starNx += size
			px, nx = starPx+1, starNx
			continue
		}
		return false
	}
	return true
}

// globCovers reports whether every string matched by the request pattern req is also
// matched by the granted pattern g (both escape-free). It matches req symbolically: a
// '*' of req can only be absorbed by a '*' of g, a '?' of req by a '?' or '*' of g,
// and a literal of req by the same literal, '?' or '*'. A symbolic match proves
// inclusion; the converse does not always hold (for example "?*" is not found inside
// "*?"), so false means "not proven", which is the safe answer. It does not allocate.
func globCovers(g, req string) bool {
	gx, rx := 0, 0
	starGx, starRx := -1, 0
	for gx < len(g) || rx < len(req) {
		if gx < len(g) {
			switch c := g[gx]; c {
			case '*':
				starGx, starRx = gx, rx
				gx++
				continue
			case '?':
				if rx < len(req) && req[rx] != '*' {
					rx += tokenSize(req, rx)
					gx++
					continue
				}
			default:
				if rx < len(req) && req[rx] == c {
					gx++
					rx++
					continue
				}
			}
		}
		if starGx >= 0 && starRx < len(req) {
			starRx += tokenSize(req, starRx)
			gx, rx = starGx+1, starRx
			continue
		}
		return false
	}
	return true
}

// tokenSize is the length of the request-pattern token at i: one byte for a wildcard,
// one code point otherwise.
func tokenSize(s string, i int) int {
	if s[i] == '*' || s[i] == '?' {
		return 1
	}
	_, size := utf8.DecodeRuneInString(s[i:])
	return size
}

// unescapeWildcard removes Automatons.wildcard escapes. ok is false when an escaped
// character is '*' or '?', which an escape-free pattern cannot express.
func unescapeWildcard(p string) (string, bool) {
	if !strings.Contains(p, `\`) {
		return p, true
	}
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c == '\\' && i+1 < len(p) {
			i++
			if p[i] == '*' || p[i] == '?' {
				return "", false
			}
			b.WriteByte(p[i])
			continue
		}
		b.WriteByte(c)
	}
	return b.String(), true
}

// wildcardRegexp translates a wildcard pattern with escapes into an anchored Go
// regexp, following Automatons.wildcard exactly.
func wildcardRegexp(p string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString(`\A(?s:`)
	for i := 0; i < len(p); {
		r, size := utf8.DecodeRuneInString(p[i:])
		switch r {
		case '*':
			b.WriteString(`.*`)
		case '?':
			b.WriteString(`.`)
		case '\\':
			if i+size < len(p) {
				next, n := utf8.DecodeRuneInString(p[i+size:])
				b.WriteString(regexp.QuoteMeta(string(next)))
				size += n
			} else {
				b.WriteString(`\\`)
			}
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
		i += size
	}
	b.WriteString(`)\z`)
	return regexp.MustCompile(b.String())
}

// actionGlob is one compiled action pattern of a privilege.
type actionGlob struct {
	pat string         // escape-free pattern, used when re is nil
	re  *regexp.Regexp // for patterns with escapes
}

func newActionGlob(p string) actionGlob {
	if u, ok := unescapeWildcard(p); ok {
		return actionGlob{pat: u}
	}
	return actionGlob{re: wildcardRegexp(p)}
}

func (g actionGlob) match(action string) bool {
	if g.re != nil {
		return g.re.MatchString(action)
	}
	return globMatch(g.pat, action)
}

// actionMatcher is a privilege's action automaton: the union of its patterns minus
// the union of its exclusions (ClusterPermission.Builder.createAutomaton).
type actionMatcher struct {
	incl, excl []actionGlob
}

func newActionMatcher(patterns, excluded []string) actionMatcher {
	var m actionMatcher
	for _, p := range patterns {
		m.incl = append(m.incl, newActionGlob(p))
	}
	for _, p := range excluded {
		m.excl = append(m.excl, newActionGlob(p))
	}
	return m
}

func (m *actionMatcher) match(action string) bool {
	in := false
	for _, g := range m.incl {
		if g.match(action) {
			in = true
			break
		}
	}
	if !in {
		return false
	}
	for _, g := range m.excl {
		if g.match(action) {
			return false
		}
	}
	return true
}
