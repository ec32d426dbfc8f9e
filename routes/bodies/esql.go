package bodies

import (
	"strings"
	"unicode/utf8"
)

// ESQL is what an ES|QL request (POST /_query, /_query/async) reads.
type ESQL struct {
	// Indices are the index patterns of the source commands FROM and TS (sub-queries
	// included) and the index of each LOOKUP JOIN, as written: cluster:index and
	// index::selector forms keep their prefix and suffix, and a quoted source holding
	// Elasticsearch's multi-target syntax is split at commas.
	Indices []string
	// EnrichPolicies are the policies of ENRICH commands, as written (a mode prefix
	// such as _remote: included). A policy reads its enrich index, not an index the
	// query names.
	EnrichPolicies []string
	// Filter is a copy of the raw JSON of the "filter" query DSL object, nil when absent.
	Filter []byte
}

// eqMaxDepth bounds sub-queries and FORK branches nested in one another.
const eqMaxDepth = 32

// ESQLIndices reads the "query" of an ES|QL request body, and its "filter". The text is
// scanned with the modes of the ES|QL lexer (EsqlBaseLexer.g4 and lexer/*.g4): keywords
// are case-insensitive; "strings" (with \ escapes, or """triple quoted""") and
// `identifiers` may hold any character; // and /* */ comments are skipped. It reads:
//
//   - FROM and TS: comma-separated sources, each an unquoted source, a quoted one, a
//     cluster:index, an index::selector, or a parenthesised sub-query; then METADATA
//     fields, which are no indices;
//   - ROW and SHOW INFO, which read no index;
//   - after each pipe, the processing commands of EsqlBaseParser.g4: LOOKUP JOIN (and
//     the LEFT, RIGHT and FULL JOIN of development builds) read their index; ENRICH
//     reads its policy; FORK branches are read as pipelines; the other commands are
//     expressions, in which an IN sub-query is read as a pipeline.
//
// It fails closed: SET statements, PROMQL, EXPLAIN, EXTERNAL and any command it does not
// know, a source holding '?' (a parameter), an empty name, nested or unterminated
// comments, unbalanced brackets and a pipe inside brackets are refused with an
// illegal_argument_exception, so that the result never holds fewer indices than the
// query reads.
func ESQLIndices(body []byte) (ESQL, error) {
	var r ESQL
	v, err := jsDecode(body)
	if err != nil {
		return r, err
	}
	q := v.get("query")
	if q == nil || q.kind == 'z' {
		return r, jsValidation("[query] is required")
	}
	if q.kind != 's' {
		return r, jsParseError("[esql/query] query doesn't support values of type: " + jsTypeName(q))
	}
	if f := v.get("filter"); f != nil && f.kind != 'z' {
		if f.kind != '{' {
			return r, jsParseError("[esql/query] filter doesn't support values of type: " + jsTypeName(f))
		}
		r.Filter = jsRaw(body, f)
	}
	s := eqScanner{src: q.str}
	if err := s.statement(); err != nil {
		return ESQL{}, err
	}
	r.Indices, r.EnrichPolicies = s.indices, s.policies
	return r, nil
}

type eqScanner struct {
	src      string
	pos      int
	depth    int
	indices  []string
	policies []string
}

func (s *eqScanner) bad(why string) error {
	return jsIllegalArgument("esguard cannot read the indices of this ES|QL query: " + why)
}

func (s *eqScanner) more() bool { return s.pos < len(s.src) }

func (s *eqScanner) at(c byte) bool { return s.pos < len(s.src) && s.src[s.pos] == c }

// skip skips whitespace and comments, which every lexer mode hides.
func (s *eqScanner) skip() error {
	for s.more() {
		switch c := s.src[s.pos]; {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			s.pos++
		case strings.HasPrefix(s.src[s.pos:], "//"):
			for s.more() && s.src[s.pos] != '\r' && s.src[s.pos] != '\n' {
				s.pos++
			}
		case strings.HasPrefix(s.src[s.pos:], "/*"):
			end := strings.Index(s.src[s.pos+2:], "*/")
			if end < 0 {
				return s.bad("a comment is not terminated")
			}
			if strings.Contains(s.src[s.pos+2:s.pos+2+end], "/*") {
				return s.bad("a comment is nested in another")
			}
			s.pos += 2 + end + 2
		default:
			return nil
		}
	}
	return nil
}

func eqLetter(c byte) bool { return c == '_' || (c|0x20 >= 'a' && c|0x20 <= 'z') }

// word reads a command keyword. A keyword run into other characters (a digit, a
// non-ASCII letter...) is a longer unknown command to the lexer, and is refused.
func (s *eqScanner) word() (string, error) {
	start := s.pos
	for s.more() && eqLetter(s.src[s.pos]) {
		s.pos++
	}
	if s.more() {
		switch c := s.src[s.pos]; {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '/' || c == '(' || c == ')' || c == '[' || c == '|':
		default:
			for s.more() && !strings.ContainsRune(" \t\r\n/()[|", rune(s.src[s.pos])) {
				s.pos++
			}
			return "", s.bad("the command [" + s.src[start:s.pos] + "] is not one esguard reads")
		}
	}
	return strings.ToLower(s.src[start:s.pos]), nil
}

// statement reads the whole query. A leading SET statement is refused as an unknown
// source command.
func (s *eqScanner) statement() error {
	if err := s.skip(); err != nil {
		return err
	}
	if !s.more() {
		return s.bad("it is empty")
	}
	return s.pipeline(false)
}

func (s *eqScanner) enter() error {
	if s.depth++; s.depth > eqMaxDepth {
		return s.bad("sub-queries are nested too deeply")
	}
	return nil
}

// pipeline reads a source command and its processing commands, up to the end of the
// text or, inside parentheses, up to and including the closing parenthesis.
func (s *eqScanner) pipeline(inParens bool) error {
	if err := s.skip(); err != nil {
		return err
	}
	w, err := s.word()
	if err != nil {
		return err
	}
	switch w {
	case "from", "ts":
		err = s.sources()
	case "row":
		err = s.expr(inParens)
	case "show":
		if err = s.skip(); err == nil {
			var w2 string
			if w2, err = s.word(); err == nil && w2 != "info" {
				err = s.bad("SHOW [" + w2 + "] is not one esguard reads")
			}
		}
	case "":
		err = s.bad("a source command (FROM, TS, ROW or SHOW) was expected")
	default:
		err = s.bad("the source command [" + strings.ToUpper(w) + "] is not one esguard reads")
	}
	if err != nil {
		return err
	}
	return s.rest(inParens)
}

// rest reads "| command" until the end of the text, or a closing parenthesis when
// inParens is set.
func (s *eqScanner) rest(inParens bool) error {
	for {
		if err := s.skip(); err != nil {
			return err
		}
		switch {
		case !s.more():
			if inParens {
				return s.bad("a parenthesis is not closed")
			}
			return nil
		case s.at(')'):
			if !inParens {
				return s.bad("unexpected )")
			}
			s.pos++
			s.depth--
			return nil
		case s.at('|'):
			s.pos++
			if err := s.processing(inParens); err != nil {
				return err
			}
		default:
			return s.bad("unexpected text at [" + eqExcerpt(s.src[s.pos:]) + "]")
		}
	}
}

func eqExcerpt(s string) string {
	if len(s) > 20 {
		s = s[:20]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
		return s + "..."
	}
	return s
}

// eqExprCommands are the processing commands whose arguments are expressions, field
// names or patterns: they read no index.
var eqExprCommands = jsSet("eval", "where", "keep", "drop", "rename", "limit", "stats", "sort",
	"dissect", "grok", "mv_expand", "change_point", "completion", "sample", "rerank", "inlinestats",
	"fuse", "uri_parts", "metrics_info")

// processing reads one processing command.
func (s *eqScanner) processing(inParens bool) error {
	if err := s.skip(); err != nil {
		return err
	}
	w, err := s.word()
	if err != nil {
		return err
	}
	switch {
	case eqExprCommands[w]:
		return s.expr(inParens)
	case w == "inline":
		if err := s.skip(); err != nil {
			return err
		}
		if w2, err := s.word(); err != nil || w2 != "stats" {
			return s.bad("INLINE is not followed by STATS")
		}
		return s.expr(inParens)
	case w == "lookup" || w == "left" || w == "right" || w == "full":
		if err := s.skip(); err != nil {
			return err
		}
		if w2, err := s.word(); err != nil || w2 != "join" {
			return s.bad(strings.ToUpper(w) + " is not followed by JOIN")
		}
		return s.join(inParens)
	case w == "enrich":
		return s.enrich(inParens)
	case w == "fork":
		return s.fork()
	case w == "":
		return s.bad("a command was expected after a pipe")
	}
	return s.bad("the command [" + strings.ToUpper(w) + "] is not one esguard reads")
}

// eqSourceByte reports whether c may be part of an unquoted source
// (From.g4 UNQUOTED_SOURCE_PART), '/' aside.
func eqSourceByte(c byte) bool {
	return !strings.ContainsRune(":\"=|,[]/() \t\r\n", rune(c))
}

// sourceToken reads an UNQUOTED_SOURCE: '/' belongs to it when the character after it
// does not start a comment, and that character is then taken whatever it is.
func (s *eqScanner) sourceToken() string {
	start := s.pos
	for s.more() {
		c := s.src[s.pos]
		if c == '/' {
			if s.pos+1 < len(s.src) && s.src[s.pos+1] != '*' && s.src[s.pos+1] != '/' {
				s.pos += 2
				continue
			}
			break
		}
		if !eqSourceByte(c) {
			break
		}
		s.pos++
	}
	return s.src[start:s.pos]
}

// quoted reads a QUOTED_STRING and returns its value.
func (s *eqScanner) quoted() (string, error) {
	if strings.HasPrefix(s.src[s.pos:], `"""`) {
		rest := s.src[s.pos+3:]
		if end := strings.Index(rest, `"""`); end >= 0 && !strings.ContainsAny(rest[:end], "\r\n") {
			v := rest[:end]
			s.pos += 3 + end + 3
			for i := 0; i < 2 && s.at('"'); i++ {
				s.pos++
			}
			return v, nil
		}
	}
	var b strings.Builder
	for j := s.pos + 1; j < len(s.src); j++ {
		switch c := s.src[j]; c {
		case '"':
			s.pos = j + 1
			return b.String(), nil
		case '\r', '\n':
			return "", s.bad("a string holds a line break")
		case '\\':
			if j+1 >= len(s.src) {
				return "", s.bad("a string is not terminated")
			}
			j++
			switch e := s.src[j]; e {
			case 't':
				b.WriteByte('\t')
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case '"', '\\':
				b.WriteByte(e)
			default:
				return "", s.bad("a string holds an unknown escape")
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", s.bad("a string is not terminated")
}

// backquoted reads a QUOTED_IDENTIFIER: `name`, with “ for a backquote.
func (s *eqScanner) backquoted() error {
	blocks := 0
	for j := s.pos + 1; j < len(s.src); j++ {
		if s.src[j] == '`' {
			if j+1 < len(s.src) && s.src[j+1] == '`' {
				j++
				blocks++
				continue
			}
			if blocks == 0 {
				return s.bad("an empty quoted identifier")
			}
			s.pos = j + 1
			return nil
		}
		blocks++
	}
	return s.bad("a quoted identifier is not terminated")
}

// sources reads the arguments of FROM and TS (indexPatternAndMetadataFields).
func (s *eqScanner) sources() error {
	for {
		if err := s.skip(); err != nil {
			return err
		}
		if s.at('(') {
			s.pos++
			if err := s.enter(); err != nil {
				return err
			}
			if err := s.pipeline(true); err != nil {
				return err
			}
		} else if err := s.indexPattern(true); err != nil {
			return err
		}
		if err := s.skip(); err != nil {
			return err
		}
		if s.at(',') {
			s.pos++
			continue
		}
		if !s.more() || !(eqSourceByte(s.src[s.pos]) || s.at('/')) {
			return nil
		}
		if tok := s.sourceToken(); !jsEqualFoldASCII(tok, "metadata") {
			return s.bad("unexpected [" + tok + "] after a source; sources are separated by commas")
		}
		for {
			if err := s.skip(); err != nil {
				return err
			}
			if s.sourceToken() == "" {
				return s.bad("METADATA is not followed by a field")
			}
			if err := s.skip(); err != nil {
				return err
			}
			if !s.at(',') {
				return nil
			}
			s.pos++
		}
	}
}

// indexPattern reads one indexPattern: (cluster ':')? index ('::' selector)?, or a
// quoted string. selector allows the '::' form (FROM and TS).
func (s *eqScanner) indexPattern(selector bool) error {
	if s.at('"') {
		v, err := s.quoted()
		if err != nil {
			return err
		}
		for p := range strings.SplitSeq(v, ",") {
			if err := s.addIndex(p); err != nil {
				return err
			}
		}
		return nil
	}
	first := s.sourceToken()
	if first == "" {
		return s.bad("an index was expected")
	}
	if jsEqualFoldASCII(first, "metadata") {
		return s.bad("METADATA is not preceded by a source")
	}
	name := first
	if err := s.skip(); err != nil {
		return err
	}
	if s.at(':') && !strings.HasPrefix(s.src[s.pos:], "::") {
		s.pos++
		if err := s.skip(); err != nil {
			return err
		}
		idx := s.sourceToken()
		if idx == "" {
			return s.bad("the cluster [" + first + "] is not followed by an unquoted index")
		}
		name += ":" + idx
		if err := s.skip(); err != nil {
			return err
		}
	}
	if strings.HasPrefix(s.src[s.pos:], "::") {
		s.pos += 2
		if err := s.skip(); err != nil {
			return err
		}
		sel := s.sourceToken()
		if sel == "" {
			return s.bad("the selector of [" + name + "] is missing")
		}
		if !selector {
			return s.bad("a selector is not allowed here")
		}
		name += "::" + sel
	}
	return s.addIndex(name)
}

func (s *eqScanner) addIndex(name string) error {
	switch {
	case name == "" || strings.TrimSpace(name) != name:
		return s.bad("a source is empty or has spaces around a comma")
	case strings.Contains(name, "?"):
		return s.bad("the source [" + name + "] holds a parameter or a '?'")
	}
	s.indices = append(s.indices, name)
	return nil
}

// join reads the target and the condition of a JOIN (Join.g4): index [AS? qualifier]
// (ON | USING) expression.
func (s *eqScanner) join(inParens bool) error {
	if err := s.skip(); err != nil {
		return err
	}
	if err := s.indexPattern(false); err != nil {
		return err
	}
	if err := s.skip(); err != nil {
		return err
	}
	w := s.sourceToken()
	if jsEqualFoldASCII(w, "as") {
		if err := s.skip(); err != nil {
			return err
		}
		w = s.sourceToken()
		if w == "" {
			return s.bad("AS is not followed by a qualifier")
		}
	}
	if w != "" && !jsEqualFoldASCII(w, "on") && !jsEqualFoldASCII(w, "using") {
		if err := s.skip(); err != nil {
			return err
		}
		w = s.sourceToken()
	}
	if !jsEqualFoldASCII(w, "on") && !jsEqualFoldASCII(w, "using") {
		return s.bad("JOIN is not followed by ON")
	}
	return s.expr(inParens)
}

// eqPolicyByte reports whether c may be part of an enrich policy name
// (Enrich.g4 ENRICH_POLICY_NAME_BODY).
func eqPolicyByte(c byte) bool {
	return !strings.ContainsRune("\\/?\"<>| ,#\t\r\n:", rune(c))
}

// enrich reads ENRICH policy [ON field] [WITH ...].
func (s *eqScanner) enrich(inParens bool) error {
	if err := s.skip(); err != nil {
		return err
	}
	var name string
	switch {
	case s.at('"'):
		v, err := s.quoted()
		if err != nil {
			return err
		}
		name = v
	default:
		start := s.pos
		for s.more() && eqPolicyByte(s.src[s.pos]) {
			s.pos++
		}
		if s.at(':') && s.pos > start {
			s.pos++
			mid := s.pos
			for s.more() && eqPolicyByte(s.src[s.pos]) {
				s.pos++
			}
			if s.pos == mid {
				return s.bad("the enrich policy mode is not followed by a policy")
			}
		}
		name = s.src[start:s.pos]
	}
	if name == "" || strings.HasPrefix(name, "[") {
		return s.bad("ENRICH is not followed by a policy")
	}
	s.policies = append(s.policies, name)
	return s.expr(inParens)
}

// fork reads FORK (branch) (branch)...: each branch is a pipeline of processing
// commands.
func (s *eqScanner) fork() error {
	n := 0
	for {
		if err := s.skip(); err != nil {
			return err
		}
		if !s.at('(') {
			break
		}
		s.pos++
		if err := s.enter(); err != nil {
			return err
		}
		if err := s.processing(true); err != nil {
			return err
		}
		if err := s.rest(true); err != nil {
			return err
		}
		n++
	}
	if n == 0 {
		return s.bad("FORK has no branch")
	}
	return nil
}

// eqSubqueryStarts are the words that make "IN (" start a sub-query (InSubquery.g4),
// matched as prefixes like the lexer does.
var eqSubqueryStarts = []string{"from", "row", "show", "ts", "promql"}

// expr skips the arguments of a command: up to a pipe outside brackets, the end of the
// text, or an unmatched closing parenthesis when inParens is set. Strings, quoted
// identifiers and comments are skipped whole; an IN sub-query is read as a pipeline.
func (s *eqScanner) expr(inParens bool) error {
	var stack []byte
	lastWord := ""
	for {
		if err := s.skip(); err != nil {
			return err
		}
		if !s.more() {
			if len(stack) > 0 {
				return s.bad("a bracket is not closed")
			}
			return nil
		}
		c := s.src[s.pos]
		word := ""
		switch c {
		case '|':
			if len(stack) > 0 {
				return s.bad("a pipe inside brackets")
			}
			return nil
		case '"':
			if _, err := s.quoted(); err != nil {
				return err
			}
		case '`':
			if err := s.backquoted(); err != nil {
				return err
			}
		case '(':
			s.pos++
			if lastWord == "in" {
				if err := s.skip(); err != nil {
					return err
				}
				if s.subqueryAhead() {
					if err := s.enter(); err != nil {
						return err
					}
					if err := s.pipeline(true); err != nil {
						return err
					}
					break
				}
			}
			stack = append(stack, '(')
		case '[', '{':
			s.pos++
			stack = append(stack, c)
		case ')', ']', '}':
			if len(stack) == 0 {
				if c == ')' && inParens {
					return nil
				}
				return s.bad("unexpected " + string(c))
			}
			if open := stack[len(stack)-1]; (open == '(') != (c == ')') || (open == '[') != (c == ']') {
				return s.bad("mismatched brackets")
			}
			stack = stack[:len(stack)-1]
			s.pos++
		default:
			if eqLetter(c) {
				start := s.pos
				for s.more() && (eqLetter(s.src[s.pos]) || (s.src[s.pos] >= '0' && s.src[s.pos] <= '9')) {
					s.pos++
				}
				word = strings.ToLower(s.src[start:s.pos])
			} else {
				s.pos++
			}
		}
		lastWord = word
	}
}

// subqueryAhead reports whether the text ahead starts with a source command keyword.
func (s *eqScanner) subqueryAhead() bool {
	for _, kw := range eqSubqueryStarts {
		if len(s.src)-s.pos >= len(kw) && jsEqualFoldASCII(s.src[s.pos:s.pos+len(kw)], kw) {
			return true
		}
	}
	return false
}
