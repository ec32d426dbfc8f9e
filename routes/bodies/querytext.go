package bodies

import (
	"strings"
)

// Readers of the indices named in SQL and ES|QL query text. They recognise the commands
// that read indices and refuse anything they cannot read with certainty, so a query
// never reads more than they report.

type qtToken struct {
	text   string // identifiers and keywords as written; quoted names unquoted
	quoted bool   // a "quoted" or `quoted` name
	str    bool   // a 'string literal'
	punct  byte   // one of ( ) , | ; for punctuation
}

// qtTokens splits query text into tokens, skipping comments and whitespace. Unquoted
// words run until whitespace or punctuation; index names with '-', '*', '.', ':' stay
// one word.
func qtTokens(src string, pipes bool) ([]qtToken, error) {
	var out []qtToken
	bad := func(why string) error {
		return &BadRequestError{Type: "illegal_argument_exception", Reason: "esguard cannot read the indices of this query: " + why}
	}
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case strings.HasPrefix(src[i:], "--") && !pipes, strings.HasPrefix(src[i:], "//") && pipes:
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case strings.HasPrefix(src[i:], "/*"):
			end := strings.Index(src[i+2:], "*/")
			if end < 0 {
				return nil, bad("an unterminated comment")
			}
			i += end + 4
		case c == '"' && pipes && strings.HasPrefix(src[i:], `"""`):
			end := strings.Index(src[i+3:], `"""`)
			if end < 0 {
				return nil, bad("an unterminated string")
			}
			out = append(out, qtToken{text: src[i+3 : i+3+end], quoted: true})
			i += end + 6
		case c == '"' || c == '`' || c == '\'':
			var b strings.Builder
			j := i + 1
			for {
				if j >= len(src) {
					return nil, bad("an unterminated quote")
				}
				if src[j] == '\\' && c == '"' && pipes && j+1 < len(src) {
					b.WriteByte(src[j+1])
					j += 2
					continue
				}
				if src[j] == c {
					if j+1 < len(src) && src[j+1] == c { // doubled quote
						b.WriteByte(c)
						j += 2
						continue
					}
					break
				}
				b.WriteByte(src[j])
				j++
			}
			out = append(out, qtToken{text: b.String(), quoted: c != '\'', str: c == '\''})
			i = j + 1
		case c == '(' || c == ')' || c == ',' || c == '|' || c == ';':
			out = append(out, qtToken{punct: c})
			i++
		default:
			j := i
			for j < len(src) && !strings.ContainsRune(" \t\n\r(),|;'\"`", rune(src[j])) {
				if strings.HasPrefix(src[j:], "/*") || (pipes && strings.HasPrefix(src[j:], "//")) || (!pipes && strings.HasPrefix(src[j:], "--")) {
					break
				}
				j++
			}
			out = append(out, qtToken{text: src[i:j]})
			i = j
		}
	}
	return out, nil
}

func (t qtToken) is(word string) bool {
	return !t.quoted && !t.str && t.punct == 0 && strings.EqualFold(t.text, word)
}

// queryField reads the "query" string of a body; ok is false when there is none.
func queryField(body []byte) (string, bool, error) {
	v, err := obDecode(body)
	if err != nil {
		return "", false, err
	}
	q := v.get("query")
	if q == nil {
		return "", false, nil
	}
	s, err := obString(q, "query")
	return s, true, err
}

// SQLIndices returns the index patterns an SQL query reads (POST /_sql, /_sql/translate):
// the table of each FROM (sub-selects included), SHOW COLUMNS, DESCRIBE and SHOW TABLES
// (whose LIKE pattern is turned into a wildcard; "*" without one). A body with only a
// cursor names none.
func SQLIndices(body []byte) ([]string, error) {
	q, ok, err := queryField(body)
	if err != nil || !ok {
		return nil, err
	}
	toks, err := qtTokens(q, false)
	if err != nil {
		return nil, err
	}
	bad := func(why string) ([]string, error) {
		return nil, &BadRequestError{Type: "illegal_argument_exception", Reason: "esguard cannot read the indices of this SQL query: " + why}
	}
	if len(toks) == 0 {
		return bad("it is empty")
	}
	var out []string
	table := func(i int) (int, error) {
		if i >= len(toks) || toks[i].punct != 0 || toks[i].str {
			return i, &BadRequestError{Type: "illegal_argument_exception", Reason: "esguard cannot read the indices of this SQL query: a table name was expected"}
		}
		out = append(out, toks[i].text)
		return i + 1, nil
	}
	start := 0
	for start < len(toks) && toks[start].is("EXPLAIN") {
		start++
		for start < len(toks) && toks[start].punct == '(' { // EXPLAIN (PLAN PARSED, FORMAT TEXT)
			for start < len(toks) && toks[start].punct != ')' {
				start++
			}
			start++
		}
	}
	if start >= len(toks) {
		return bad("it has no statement")
	}
	switch first := toks[start]; {
	case first.is("SELECT"), first.punct == '(':
	case first.is("DESCRIBE"), first.is("DESC"):
		i := start + 1
		if i < len(toks) && toks[i].is("INCLUDE") {
			i += 2
		}
		if _, err := table(i); err != nil {
			return nil, err
		}
		return out, nil
	case first.is("SHOW"):
		if start+1 >= len(toks) {
			return bad("an incomplete SHOW")
		}
		switch kind := toks[start+1]; {
		case kind.is("FUNCTIONS"), kind.is("CATALOGS"):
			return nil, nil
		case kind.is("TABLES"):
			i := start + 2
			if i+1 < len(toks) && toks[i].is("INCLUDE") {
				i += 2
			}
			if i+1 < len(toks) && toks[i].is("CATALOG") {
				i += 2
			}
			switch {
			case i >= len(toks):
				return []string{"*"}, nil
			case toks[i].is("LIKE") && i+1 < len(toks) && toks[i+1].str:
				p := strings.NewReplacer("%", "*", "_", "?").Replace(toks[i+1].text)
				return []string{p}, nil
			}
			if _, err := table(i); err != nil {
				return nil, err
			}
			return out, nil
		case kind.is("COLUMNS"):
			i := start + 2
			if i+1 < len(toks) && toks[i].is("INCLUDE") {
				i += 2
			}
			if i+1 < len(toks) && toks[i].is("CATALOG") {
				i += 2
			}
			if i >= len(toks) || !(toks[i].is("FROM") || toks[i].is("IN")) {
				return bad("SHOW COLUMNS without FROM")
			}
			if _, err := table(i + 1); err != nil {
				return nil, err
			}
			return out, nil
		}
		return bad("an unknown SHOW statement")
	default:
		return bad("statement [" + first.text + "] is not one esguard reads")
	}
	for i := start; i < len(toks); i++ {
		t := toks[i]
		switch {
		case t.is("JOIN"):
			return bad("JOIN")
		case t.punct == ';' && i != len(toks)-1:
			return bad("more than one statement")
		case t.is("FROM"):
			if i+1 < len(toks) && toks[i+1].punct == '(' {
				continue // a sub-select: its own FROM follows
			}
			next, err := table(i + 1)
			if err != nil {
				return nil, err
			}
			if next < len(toks) && toks[next].punct == ',' {
				return bad("more than one table in FROM")
			}
			i = next - 1
		}
	}
	return out, nil
}

// ESQL is what an ES|QL query reads.
type ESQL struct {
	Indices        []string // FROM, TS and METRICS sources, LOOKUP JOIN indices
	EnrichPolicies []string // ENRICH policies
}

// ESQLIndices returns the indices an ES|QL query reads (POST /_query, /_query/async):
// the sources of FROM, TS and METRICS wherever a command starts (also inside
// parentheses), the index of each LOOKUP JOIN, and the policy of each ENRICH.
func ESQLIndices(body []byte) (ESQL, error) {
	var r ESQL
	q, ok, err := queryField(body)
	if err != nil {
		return r, err
	}
	if !ok {
		return r, &BadRequestError{Type: "action_request_validation_exception", Reason: "Validation Failed: 1: [query] is required;"}
	}
	toks, err := qtTokens(q, true)
	if err != nil {
		return r, err
	}
	bad := func(why string) (ESQL, error) {
		return ESQL{}, &BadRequestError{Type: "illegal_argument_exception", Reason: "esguard cannot read the indices of this ES|QL query: " + why}
	}
	commandStart := true
	sawSource := false
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if t.punct == '|' || t.punct == '(' {
			commandStart = true
			continue
		}
		if !commandStart {
			continue
		}
		commandStart = false
		switch {
		case t.is("FROM"), t.is("TS"), t.is("METRICS"):
			sawSource = true
			j := i + 1
			for {
				if j >= len(toks) || toks[j].str || (toks[j].punct != 0 && toks[j].punct != ',') {
					return bad("a source without an index")
				}
				if toks[j].punct == ',' {
					j++
					continue
				}
				if toks[j].is("METADATA") {
					break
				}
				r.Indices = append(r.Indices, splitList(toks[j].text)...)
				j++
				if j >= len(toks) || toks[j].punct != ',' {
					break
				}
			}
			i = j - 1
		case t.is("LOOKUP"):
			if i+2 >= len(toks) || !toks[i+1].is("JOIN") || toks[i+2].punct != 0 || toks[i+2].str {
				return bad("LOOKUP without JOIN and an index")
			}
			r.Indices = append(r.Indices, toks[i+2].text)
			i += 2
		case t.is("ENRICH"):
			if i+1 >= len(toks) || toks[i+1].punct != 0 || toks[i+1].str {
				return bad("ENRICH without a policy")
			}
			r.EnrichPolicies = append(r.EnrichPolicies, toks[i+1].text)
			i++
		case t.is("ROW"), t.is("SHOW"):
			sawSource = true
		}
	}
	if !sawSource {
		return bad("no source command (FROM, TS, ROW or SHOW)")
	}
	return r, nil
}
