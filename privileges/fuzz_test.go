package privileges

import (
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// Reference matchers, written independently of the package's compiler: they interpret
// a pattern directly over the runes of a name with position sets (no backtracking, no
// Go regexp), following Automatons.wildcard and Lucene's RegExp grammar.

type posSet []bool

type refFn func(name []rune, in posSet) posSet

func refLit(pred func(r rune) bool) refFn {
	return func(name []rune, in posSet) posSet {
		out := make(posSet, len(in))
		for i := 0; i < len(name); i++ {
			if in[i] && pred(name[i]) {
				out[i+1] = true
			}
		}
		return out
	}
}

func refAnyString(_ []rune, in posSet) posSet {
	out := make(posSet, len(in))
	for i := range in {
		if in[i] {
			for j := i; j < len(in); j++ {
				out[j] = true
			}
			break
		}
	}
	return out
}

func refSeq(fs ...refFn) refFn {
	return func(name []rune, in posSet) posSet {
		for _, f := range fs {
			in = f(name, in)
		}
		return in
	}
}

func refWildcard(pattern string) refFn {
	var fs []refFn
	rs := []rune(pattern)
	for i := 0; i < len(rs); i++ {
		switch r := rs[i]; {
		case r == '*':
			fs = append(fs, refAnyString)
		case r == '?':
			fs = append(fs, refLit(func(rune) bool { return true }))
		default:
			if r == '\\' && i+1 < len(rs) {
				i++
				r = rs[i]
			}
			fs = append(fs, refLit(func(c rune) bool { return c == r }))
		}
	}
	return refSeq(fs...)
}

// refRegex parses a Lucene regular expression into a reference matcher.
type refRegex struct {
	s   []rune
	i   int
	bad bool
}

func (p *refRegex) at(set string) bool { return p.i < len(p.s) && strings.ContainsRune(set, p.s[p.i]) }

func (p *refRegex) union() refFn {
	a := p.concat()
	if p.at("|") {
		p.i++
		b := p.union()
		return func(name []rune, in posSet) posSet {
			x, y := a(name, in), b(name, in)
			out := make(posSet, len(in))
			for k := range out {
				out[k] = x[k] || y[k]
			}
			return out
		}
	}
	return a
}

func (p *refRegex) concat() refFn {
	var fs []refFn
	for {
		if p.at("&~<") {
			p.bad = true
			return nil
		}
		fs = append(fs, p.repeat())
		if p.bad || p.i >= len(p.s) || p.at(")|") {
			return refSeq(fs...)
		}
	}
}

func (p *refRegex) repeat() refFn {
	f := p.atom()
	for !p.bad && p.at("?*+{") {
		lo, hi := 0, -1
		switch p.s[p.i] {
		case '?':
			hi = 1
		case '+':
			lo = 1
		case '{':
			p.i++
			lo = p.int()
			hi = lo
			if p.at(",") {
				p.i++
				hi = -1
				if !p.at("}") {
					hi = p.int()
				}
			}
			if !p.at("}") || (hi >= 0 && hi < lo) {
				p.bad = true
				return nil
			}
		}
		p.i++
		f = refRepeat(f, lo, hi)
	}
	return f
}

func (p *refRegex) int() int {
	start := p.i
	for p.at("0123456789") {
		p.i++
	}
	n, err := strconv.Atoi(string(p.s[start:p.i]))
	if err != nil || n > 1000 {
		p.bad = true
	}
	return n
}

func refRepeat(f refFn, lo, hi int) refFn {
	return func(name []rune, in posSet) posSet {
		cur := in
		for k := 0; k < lo; k++ {
			cur = f(name, cur)
		}
		out := append(posSet(nil), cur...)
		for k := lo; hi < 0 || k < hi; k++ {
			cur = f(name, cur)
			changed := false
			for j := range cur {
				if cur[j] && !out[j] {
					out[j], changed = true, true
				}
			}
			if !changed && hi < 0 {
				break
			}
		}
		return out
	}
}

func (p *refRegex) char() (rune, func(rune) bool) {
	if p.i >= len(p.s) {
		p.bad = true
		return 0, nil
	}
	r := p.s[p.i]
	p.i++
	if r != '\\' {
		return r, nil
	}
	if p.i >= len(p.s) {
		p.bad = true
		return 0, nil
	}
	r = p.s[p.i]
	p.i++
	digit := func(c rune) bool { return c >= '0' && c <= '9' }
	space := func(c rune) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
	word := func(c rune) bool { return digit(c) || c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }
	for _, sh := range []struct {
		c    rune
		pred func(rune) bool
	}{{'d', digit}, {'s', space}, {'w', word}} {
		pred := sh.pred
		if r == sh.c {
			return 0, pred
		}
		if r == sh.c-32 {
			return 0, func(c rune) bool { return !pred(c) }
		}
	}
	return r, nil
}

func (p *refRegex) atom() refFn {
	if p.at("~<") {
		p.bad = true
		return nil
	}
	switch {
	case p.at("["):
		p.i++
		neg := p.at("^")
		if neg {
			p.i++
		}
		var preds []func(rune) bool
		for {
			lo, sh := p.char()
			if p.bad {
				return nil
			}
			switch {
			case sh != nil:
				if sh('a'-1) && !sh('0') { // a negated shorthand (\D, \S, \W) is refused in a class
					p.bad = true
					return nil
				}
				preds = append(preds, sh)
			case p.at("-"):
				p.i++
				hi, sh2 := p.char()
				if p.bad || sh2 != nil || hi < lo {
					p.bad = true
					return nil
				}
				preds = append(preds, func(c rune) bool { return c >= lo && c <= hi })
			default:
				preds = append(preds, func(c rune) bool { return c == lo })
			}
			if p.at("]") {
				p.i++
				break
			}
			if p.i >= len(p.s) {
				p.bad = true
				return nil
			}
		}
		return refLit(func(c rune) bool {
			in := false
			for _, f := range preds {
				in = in || f(c)
			}
			return in != neg
		})
	case p.at("."):
		p.i++
		return refLit(func(rune) bool { return true })
	case p.at("@"):
		p.i++
		return refAnyString
	case p.at("#"):
		p.i++
		return func(_ []rune, in posSet) posSet { return make(posSet, len(in)) }
	case p.at(`"`):
		p.i++
		var fs []refFn
		for !p.at(`"`) {
			if p.i >= len(p.s) {
				p.bad = true
				return nil
			}
			r := p.s[p.i]
			p.i++
			fs = append(fs, refLit(func(c rune) bool { return c == r }))
		}
		p.i++
		return refSeq(fs...)
	case p.at("("):
		p.i++
		if p.at(")") {
			p.i++
			return refSeq()
		}
		f := p.union()
		if p.bad || !p.at(")") {
			p.bad = true
			return nil
		}
		p.i++
		return f
	}
	r, sh := p.char()
	if p.bad {
		return nil
	}
	if sh != nil {
		return refLit(sh)
	}
	return refLit(func(c rune) bool { return c == r })
}

// refPattern compiles a role name pattern with the reference matchers.
func refPattern(pattern string) (refFn, bool) {
	if len(pattern) >= 2 && pattern[0] == '/' && pattern[len(pattern)-1] == '/' {
		src := pattern[1 : len(pattern)-1]
		if src == "" {
			return refSeq(), true
		}
		p := &refRegex{s: []rune(src)}
		f := p.union()
		if p.bad || p.i != len(p.s) {
			return nil, false
		}
		return f, true
	}
	if strings.HasPrefix(pattern, "/") {
		return nil, false
	}
	return refWildcard(pattern), true
}

func refMatch(f refFn, name string) bool {
	rs := []rune(name)
	in := make(posSet, len(rs)+1)
	in[0] = true
	return f(rs, in)[len(rs)]
}

var patternSeeds = []string{
	"*", "logs-*", "a?c", `\*x`, `a\`, "/logs-[0-9]+/", "/.*/", "/@/", "/#/", "//", "/()/", `/"a.b"/`,
	"/a{2,3}b/", "/(a|b)+c/", `/\d\w\s\D/`, "/[^a-c]x?/", "/*x/", "/a**/", "/(|a)b/", "/.{2,}x/", "/a.?b/",
	"/(logs|metrics)-.*/", "/[ab]{1,2}/", "/a{0,0}/", "/(a{2}){3}/", "/x@y/", "/a|b|c/",
}

func FuzzNamePattern(f *testing.F) {
	names := []string{"", "a", "logs-1", "aab", "a.b", "ab", "aaaaaac", "xaay", "|b", "*x", "a\\", "2024", "abc", "metrics-x"}
	for i, p := range patternSeeds {
		f.Add(p, names[i%len(names)])
	}
	f.Fuzz(func(t *testing.T, pattern, name string) {
		if len(pattern) > 64 || len(name) > 48 {
			return
		}
		// The reference iterates nested repetitions to a fixpoint, exponential in their
		// depth; esguard's compiler is not (see TestPathologicalPatterns).
		if strings.HasPrefix(pattern, "/") && strings.Count(pattern, "+")+strings.Count(pattern, "*")+strings.Count(pattern, "{")+strings.Count(pattern, "?") > 8 {
			return
		}
		err := ValidatePattern(pattern)
		np, cerr := compileNamePattern(pattern)
		if (err == nil) != (cerr == nil) {
			t.Fatalf("ValidatePattern and compile disagree on %q", pattern)
		}
		if err != nil || !utf8.ValidString(name) {
			return
		}
		ref, ok := refPattern(pattern)
		if !ok {
			t.Fatalf("esguard accepts %q, the reference parser does not", pattern)
		}
		want := refMatch(ref, name)
		if got := np.match(name); got != want {
			t.Fatalf("%q matches %q: esguard %v, reference %v", pattern, name, got, want)
		}
		var b nameSetBuilder
		b.add(&np)
		if got := b.build().match(name); got != want {
			t.Fatalf("nameSet %q matches %q: %v, reference %v", pattern, name, got, want)
		}
		if len(pattern) >= 2 && pattern[0] == '/' {
			re, _, _, err := compileLuceneRegex(pattern[1 : len(pattern)-1])
			if err != nil || re.MatchString(name) != want {
				t.Fatalf("Go regexp of %q matches %q: %v (%v), reference %v", pattern, name, !want, err, want)
			}
		}
	})
}

// FuzzCovers checks that IndexPattern's inclusion proof is sound: when a granted set
// covers a request pattern, every name the request matches is granted.
func FuzzCovers(f *testing.F) {
	for _, s := range [][3]string{
		{"logs-*", "logs-2*", "logs-2024"},
		{"*-prod", "app-*-prod", "app-x-prod"},
		{"a*b*c", "a1*b2*c", "a1xb2yc"},
		{"logs-?", "logs-?", "logs-é"},
		{"/(web|api)-.*/", "api-*", "api-1"},
		{"/.{2,}x/", "ab*x", "abzzx"},
		{"exact", "exact", "exact"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, granted, req, name string) {
		if len(granted) > 48 || len(req) > 48 || len(name) > 48 || !utf8.ValidString(name) || !utf8.ValidString(req) {
			return
		}
		np, err := compileNamePattern(granted)
		if err != nil {
			return
		}
		var b nameSetBuilder
		b.add(&np)
		set := b.build()
		if !set.covers(req) {
			return
		}
		// Request expressions have no escapes: '*' and '?' are wildcards.
		reqRef := refWildcard(strings.ReplaceAll(req, `\`, `\\`))
		// Besides the fuzzed name, try names built from the request itself.
		for _, n := range []string{name, fillWildcards(req, "", "z"), fillWildcards(req, "z", "z"), fillWildcards(req, name, "é"), fillWildcards(req, "-.x", ".")} {
			if refMatch(reqRef, n) && !set.match(n) {
				t.Fatalf("%q covers %q, but %q matches the request and not the grant", granted, req, n)
			}
		}
	})
}

// fillWildcards replaces each '*' of a request pattern with star and each '?' with one.
func fillWildcards(req, star, one string) string {
	var b strings.Builder
	for _, r := range req {
		switch r {
		case '*':
			b.WriteString(star)
		case '?':
			b.WriteString(one)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
