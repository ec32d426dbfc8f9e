package privileges

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Lucene regular expressions, as Automatons.pattern reads "/.../" patterns
// (new RegExp(regex) with the default flags). esguard supports this grammar
// (org.apache.lucene.util.automaton.RegExp):
//
//	union   ::= concat ( '|' union )?
//	concat  ::= repeat concat?
//	repeat  ::= repeat ( '?' | '*' | '+' | '{n}' | '{n,}' | '{n,m}' ) | class
//	class   ::= '[' '^'? ( char ( '-' char )? )+ ']' | simple
//	simple  ::= char | '.' | '#' | '@' | '"' string '"' | '(' ')' | '(' union ')'
//	char    ::= any character | '\' any character | \d \D \s \S \w \W
//
// '.' is any code point, '@' any string, '#' the empty language, "()" the empty
// string, and the whole pattern must match the whole name. The operators '&'
// (intersection), '~' (complement, whose meaning changed across Lucene versions) and
// '<...>' (numeric intervals and named automata) are rejected rather than guessed, so a
// role that uses them fails validation instead of granting something unintended.

// Limits keep a hostile pattern from producing a huge automaton.
const (
	maxRegexRepeat = 1000 // Go's regexp limit for {n,m}
	maxGlobExpand  = 64   // most globs a regex may expand to
	maxGlobLen     = 1024 // longest glob a regex may expand to
)

type reKind uint8

const (
	reLit      reKind = iota // one code point
	reAnyChar                // .
	reAnyStr                 // @
	reEmptyStr               // ()
	reNone                   // #
	reClass                  // [...], \d and friends
	reConcat
	reAlt
	reRepeat
)

type reNode struct {
	kind   reKind
	r      rune      // reLit
	ranges []rune    // reClass: lo, hi pairs
	negate bool      // reClass
	subs   []*reNode // reConcat, reAlt, reRepeat (one)
	min    int       // reRepeat
	max    int       // reRepeat; -1 = unbounded
}

type reParser struct {
	s   []rune
	pos int
}

// parseLuceneRegex parses the text between the slashes of a "/regex/" pattern.
func parseLuceneRegex(src string) (*reNode, error) {
	if !utf8.ValidString(src) {
		return nil, fmt.Errorf("regular expression is not valid UTF-8")
	}
	if src == "" {
		return &reNode{kind: reEmptyStr}, nil // RegExp("") is the empty string
	}
	p := &reParser{s: []rune(src)}
	n, err := p.union()
	if err != nil {
		return nil, err
	}
	if p.pos < len(p.s) {
		return nil, fmt.Errorf("end-of-string expected at position %d", p.pos)
	}
	return n, nil
}

func (p *reParser) more() bool { return p.pos < len(p.s) }

func (p *reParser) peek(set string) bool {
	return p.more() && strings.ContainsRune(set, p.s[p.pos])
}

func (p *reParser) match(r rune) bool {
	if p.more() && p.s[p.pos] == r {
		p.pos++
		return true
	}
	return false
}

func (p *reParser) unsupported(what string) error {
	return fmt.Errorf("%s at position %d is not supported by esguard", what, p.pos)
}

func (p *reParser) union() (*reNode, error) {
	left, err := p.concat()
	if err != nil {
		return nil, err
	}
	if p.match('|') {
		right, err := p.union()
		if err != nil {
			return nil, err
		}
		return &reNode{kind: reAlt, subs: []*reNode{left, right}}, nil
	}
	return left, nil
}

func (p *reParser) concat() (*reNode, error) {
	var parts []*reNode
	for {
		if p.peek("&") {
			return nil, p.unsupported("intersection '&'")
		}
		n, err := p.repeat()
		if err != nil {
			return nil, err
		}
		parts = append(parts, n)
		if !p.more() || p.peek(")|") {
			break
		}
	}
	if len(parts) == 1 {
		return parts[0], nil
	}
	return &reNode{kind: reConcat, subs: parts}, nil
}

func (p *reParser) repeat() (*reNode, error) {
	n, err := p.class()
	if err != nil {
		return nil, err
	}
	for p.peek("?*+{") {
		var lo, hi int
		switch p.s[p.pos] {
		case '?':
			lo, hi = 0, 1
			p.pos++
		case '*':
			lo, hi = 0, -1
			p.pos++
		case '+':
			lo, hi = 1, -1
			p.pos++
		case '{':
			p.pos++
			if lo, err = p.number(); err != nil {
				return nil, err
			}
			hi = lo
			if p.match(',') {
				if p.peek("}") {
					hi = -1
				} else if hi, err = p.number(); err != nil {
					return nil, err
				}
			}
			if !p.match('}') {
				return nil, fmt.Errorf("expected '}' at position %d", p.pos)
			}
			if hi >= 0 && hi < lo {
				return nil, fmt.Errorf("invalid repetition {%d,%d}", lo, hi)
			}
			if lo > maxRegexRepeat || hi > maxRegexRepeat {
				return nil, fmt.Errorf("repetition count above %d", maxRegexRepeat)
			}
		}
		n = &reNode{kind: reRepeat, subs: []*reNode{n}, min: lo, max: hi}
	}
	return n, nil
}

func (p *reParser) number() (int, error) {
	start := p.pos
	for p.more() && p.s[p.pos] >= '0' && p.s[p.pos] <= '9' {
		p.pos++
	}
	if start == p.pos {
		return 0, fmt.Errorf("integer expected at position %d", start)
	}
	v, err := strconv.Atoi(string(p.s[start:p.pos]))
	if err != nil || v > maxRegexRepeat {
		return 0, fmt.Errorf("repetition count above %d", maxRegexRepeat)
	}
	return v, nil
}

func (p *reParser) class() (*reNode, error) {
	if p.peek("~") {
		return nil, p.unsupported("complement '~'")
	}
	if !p.match('[') {
		return p.simple()
	}
	n := &reNode{kind: reClass, negate: p.match('^')}
	for {
		if !p.more() {
			return nil, fmt.Errorf("expected ']' at position %d", p.pos)
		}
		lo, sh, err := p.char()
		if err != nil {
			return nil, err
		}
		if sh != nil {
			if sh.negate {
				// [\D] and friends: a negated shorthand inside a class would need class
				// subtraction; rare enough to refuse.
				return nil, p.unsupported("negated shorthand class inside [...]")
			}
			n.ranges = append(n.ranges, sh.ranges...)
		} else if p.match('-') {
			hi, sh2, err := p.char()
			if err != nil {
				return nil, err
			}
			if sh2 != nil || hi < lo {
				return nil, fmt.Errorf("invalid range at position %d", p.pos)
			}
			n.ranges = append(n.ranges, lo, hi)
		} else {
			n.ranges = append(n.ranges, lo, lo)
		}
		if p.match(']') {
			return n, nil
		}
	}
}

// shorthand classes of RegExp: \d digits, \s whitespace, \w word characters.
var shorthands = map[rune][]rune{
	'd': {'0', '9'},
	's': {' ', ' ', '\t', '\t', '\n', '\n', '\r', '\r'},
	'w': {'0', '9', 'A', 'Z', '_', '_', 'a', 'z'},
}

// char reads one (possibly escaped) character; a shorthand class is returned as a node.
func (p *reParser) char() (rune, *reNode, error) {
	if !p.more() {
		return 0, nil, fmt.Errorf("unexpected end of expression")
	}
	if p.match('\\') {
		if !p.more() {
			return 0, nil, fmt.Errorf("escape at end of expression")
		}
		r := p.s[p.pos]
		p.pos++
		lower := r | 0x20
		if rs, ok := shorthands[lower]; ok && (r == lower || r == lower-0x20) {
			return 0, &reNode{kind: reClass, ranges: rs, negate: r != lower}, nil
		}
		return r, nil, nil
	}
	r := p.s[p.pos]
	p.pos++
	return r, nil, nil
}

func (p *reParser) simple() (*reNode, error) {
	switch {
	case p.match('.'):
		return &reNode{kind: reAnyChar}, nil
	case p.match('#'):
		return &reNode{kind: reNone}, nil
	case p.match('@'):
		return &reNode{kind: reAnyStr}, nil
	case p.match('"'):
		start := p.pos
		for p.more() && p.s[p.pos] != '"' {
			p.pos++
		}
		if !p.more() {
			return nil, fmt.Errorf("expected '\"' at position %d", p.pos)
		}
		lits := p.s[start:p.pos]
		p.pos++
		if len(lits) == 0 {
			return &reNode{kind: reEmptyStr}, nil
		}
		n := &reNode{kind: reConcat}
		for _, r := range lits {
			n.subs = append(n.subs, &reNode{kind: reLit, r: r})
		}
		return n, nil
	case p.match('('):
		if p.match(')') {
			return &reNode{kind: reEmptyStr}, nil
		}
		n, err := p.union()
		if err != nil {
			return nil, err
		}
		if !p.match(')') {
			return nil, fmt.Errorf("expected ')' at position %d", p.pos)
		}
		return n, nil
	case p.peek("<"):
		return nil, p.unsupported("interval or named automaton '<...>'")
	}
	r, sh, err := p.char()
	if err != nil {
		return nil, err
	}
	if sh != nil {
		return sh, nil
	}
	return &reNode{kind: reLit, r: r}, nil
}

// goRegexp renders the node as Go regexp syntax (RE2), anchoring left to the caller.
func (n *reNode) goRegexp(b *strings.Builder) {
	switch n.kind {
	case reLit:
		b.WriteString(regexp.QuoteMeta(string(n.r)))
	case reAnyChar:
		b.WriteString(`(?s:.)`)
	case reAnyStr:
		b.WriteString(`(?s:.*)`)
	case reEmptyStr:
		b.WriteString(`(?:)`)
	case reNone:
		b.WriteString(`[^\x00-\x{10FFFF}]`)
	case reClass:
		b.WriteByte('[')
		if n.negate {
			b.WriteByte('^')
		}
		for i := 0; i < len(n.ranges); i += 2 {
			fmt.Fprintf(b, `\x{%x}-\x{%x}`, n.ranges[i], n.ranges[i+1])
		}
		b.WriteByte(']')
	case reConcat:
		b.WriteString(`(?:`)
		for _, s := range n.subs {
			s.goRegexp(b)
		}
		b.WriteByte(')')
	case reAlt:
		b.WriteString(`(?:`)
		for i, s := range n.subs {
			if i > 0 {
				b.WriteByte('|')
			}
			s.goRegexp(b)
		}
		b.WriteByte(')')
	case reRepeat:
		b.WriteString(`(?:`)
		n.subs[0].goRegexp(b)
		b.WriteByte(')')
		switch {
		case n.min == 0 && n.max == -1:
			b.WriteByte('*')
		case n.min == 1 && n.max == -1:
			b.WriteByte('+')
		case n.min == 0 && n.max == 1:
			b.WriteByte('?')
		case n.max == -1:
			fmt.Fprintf(b, `{%d,}`, n.min)
		default:
			fmt.Fprintf(b, `{%d,%d}`, n.min, n.max)
		}
	}
}

// compileLuceneRegex turns the inside of a "/regex/" pattern into an anchored Go
// regexp plus, when the language can be written as a small union of escape-free
// wildcard patterns, that union (which the fast matchers and IndexPattern use).
func compileLuceneRegex(src string) (*regexp.Regexp, []string, bool, error) {
	n, err := parseLuceneRegex(src)
	if err != nil {
		return nil, nil, false, err
	}
	var b strings.Builder
	b.WriteString(`\A`)
	n.goRegexp(&b)
	b.WriteString(`\z`)
	re, err := regexp.Compile(b.String())
	if err != nil {
		return nil, nil, false, fmt.Errorf("regular expression too complex: %v", err)
	}
	globs, ok := n.globs()
	return re, globs, ok, nil
}

// globs returns escape-free wildcard patterns whose union is exactly the node's
// language, or ok=false when there is no such small union.
func (n *reNode) globs() ([]string, bool) {
	switch n.kind {
	case reLit:
		if n.r == '*' || n.r == '?' {
			return nil, false
		}
		return []string{string(n.r)}, true
	case reAnyChar:
		return []string{"?"}, true
	case reAnyStr:
		return []string{"*"}, true
	case reEmptyStr:
		return []string{""}, true
	case reNone:
		return []string{}, true
	case reClass:
		if n.negate {
			return nil, false
		}
		var out []string
		for i := 0; i < len(n.ranges); i += 2 {
			for r := n.ranges[i]; r <= n.ranges[i+1]; r++ {
				if r == '*' || r == '?' || len(out) >= maxGlobExpand || !utf8.ValidRune(r) {
					return nil, false
				}
				out = append(out, string(r))
			}
		}
		return out, true
	case reConcat:
		acc := []string{""}
		for _, s := range n.subs {
			g, ok := s.globs()
			if !ok {
				return nil, false
			}
			if acc, ok = product(acc, g); !ok {
				return nil, false
			}
		}
		return acc, true
	case reAlt:
		var out []string
		for _, s := range n.subs {
			g, ok := s.globs()
			if !ok || len(out)+len(g) > maxGlobExpand {
				return nil, false
			}
			out = append(out, g...)
		}
		return out, true
	case reRepeat:
		sub := n.subs[0]
		switch {
		case sub.kind == reAnyStr && n.max == 0:
			return []string{""}, true
		case sub.kind == reAnyStr:
			return []string{"*"}, true // @ contains "": any repetition is any string
		case sub.kind == reAnyChar && n.max == -1:
			return []string{strings.Repeat("?", n.min) + "*"}, true
		}
		if n.max == -1 {
			// X* and X+ of anything but '.' and '@' have no finite wildcard form,
			// unless X is at most the empty string: then X* is {""} and X{n,} (n > 0)
			// is X itself.
			g, ok := sub.globs()
			if !ok || !allEmpty(g) {
				return nil, false
			}
			if n.min == 0 {
				return []string{""}, true
			}
			return g, true
		}
		g, ok := sub.globs()
		if !ok {
			return nil, false
		}
		var out []string
		cur := []string{""}
		for i := 0; i <= n.max; i++ {
			if i >= n.min {
				if len(out)+len(cur) > maxGlobExpand {
					return nil, false
				}
				out = append(out, cur...)
			}
			if i < n.max {
				if cur, ok = product(cur, g); !ok {
					return nil, false
				}
			}
		}
		return out, true
	}
	return nil, false
}

func allEmpty(g []string) bool {
	for _, s := range g {
		if s != "" {
			return false
		}
	}
	return true
}

// product concatenates every a with every b, within the expansion limits.
func product(a, b []string) ([]string, bool) {
	if len(a)*len(b) > maxGlobExpand {
		return nil, false
	}
	out := make([]string, 0, len(a)*len(b))
	for _, x := range a {
		for _, y := range b {
			s := x + y
			if len(s) > maxGlobLen {
				return nil, false
			}
			out = append(out, s)
		}
	}
	return out, true
}
