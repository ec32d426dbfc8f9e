package bodies

import (
	"strings"
	"unicode/utf8"
)

// SQLIndices returns the index patterns an Elasticsearch SQL request reads (POST /_sql,
// /_sql/translate, /_sql/async): every table of the "query" text. A body with a
// "cursor" and no query names none (the cursor is bound to its query elsewhere).
//
// The text is tokenised as SqlBase.g4 does (keywords case-insensitive; 'strings' and
// "quoted" or `backquoted` identifiers with doubled quotes; -- and /* */ comments) and
// read as follows:
//
//   - SELECT and WITH queries: the table after every FROM, sub-selects included. A
//     table is an unquoted identifier, where * may be glued on (logs*), or a quoted one,
//     which may hold Elasticsearch's multi-target syntax ("logs-*,-logs-old": split at
//     commas), optionally after a catalog (remote:logs). FROZEN, an alias and
//     parentheses around the table are allowed.
//   - SHOW TABLES, SHOW COLUMNS FROM|IN, DESCRIBE|DESC and SYS TABLES|COLUMNS: their
//     table, or their LIKE pattern turned into a wildcard ('%' and '_' become '*'),
//     or "*" when SHOW TABLES, SYS TABLES or SYS COLUMNS have none.
//   - SHOW FUNCTIONS, SHOW SCHEMAS, SHOW CATALOGS and SYS TYPES read no index.
//   - EXPLAIN and DEBUG read what their statement reads.
//
// It fails closed: a JOIN, more than one table in a FROM, a token after a table that
// ends no table (an unquoted name with '-' or '.' must be quoted), a CATALOG clause, a
// default "catalog" in the body, a LIKE pattern given as a parameter, more than one
// statement, nested or unterminated comments, non-ASCII text outside quotes, and any
// statement other than those above are refused with an illegal_argument_exception,
// so that the result never holds fewer indices than the query reads.
func SQLIndices(body []byte) (indices []string, err error) {
	v, err := jsDecode(body)
	if err != nil {
		return nil, err
	}
	if c := v.get("catalog"); c != nil && c.kind != 'z' {
		return nil, sqRefuse("the request sets a default [catalog], which changes the cluster that unqualified tables are read from")
	}
	q := v.get("query")
	if q != nil && q.kind != 'z' && q.kind != 's' {
		return nil, jsParseError("[sql/query] query doesn't support values of type: " + jsTypeName(q))
	}
	if q == nil || q.kind == 'z' || q.str == "" {
		if c := v.get("cursor"); c != nil && c.kind == 's' && c.str != "" {
			return nil, nil
		}
		return nil, jsValidation("one of [query] or [cursor] is required")
	}
	toks, err := sqLex(q.str)
	if err != nil {
		return nil, err
	}
	return sqStatement(toks)
}

func sqRefuse(why string) error {
	return jsIllegalArgument("esguard cannot read the indices of this SQL query: " + why)
}

type sqTok struct {
	kind       byte   // 'w' word, 'q' quoted identifier, 's' string literal, 'p' punctuation
	text       string // a word as written, an identifier or a string unquoted, the punctuation
	start, end int    // bytes in the query text
}

// is reports whether t is the unquoted keyword kw (upper case), compared as the SQL
// lexer compares it: ASCII letters in any case.
func (t sqTok) is(kw string) bool {
	return t.kind == 'w' && jsEqualFoldASCII(t.text, kw)
}

func (t sqTok) punct(c byte) bool {
	return t.kind == 'p' && t.text[0] == c
}

func sqWordByte(c byte) bool {
	return c == '_' || c == '@' || (c >= '0' && c <= '9') || (c|0x20 >= 'a' && c|0x20 <= 'z')
}

// sqLex splits SQL text into tokens, dropping whitespace and comments.
func sqLex(src string) ([]sqTok, error) {
	var out []sqTok
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			i++
		case strings.HasPrefix(src[i:], "--"):
			for i < len(src) && src[i] != '\r' && src[i] != '\n' {
				i++
			}
		case strings.HasPrefix(src[i:], "/*"):
			end := strings.Index(src[i+2:], "*/")
			if end < 0 {
				return nil, sqRefuse("a comment is not terminated")
			}
			if strings.Contains(src[i+2:i+2+end], "/*") {
				return nil, sqRefuse("a comment is nested in another")
			}
			i += 2 + end + 2
		case c == '\'' || c == '"' || c == '`':
			var b strings.Builder
			j := i + 1
			for {
				if j >= len(src) {
					return nil, sqRefuse("a quote is not terminated")
				}
				if src[j] == c {
					if j+1 < len(src) && src[j+1] == c {
						b.WriteByte(c)
						j += 2
						continue
					}
					break
				}
				b.WriteByte(src[j])
				j++
			}
			kind := byte('q')
			if c == '\'' {
				kind = 's'
			}
			out = append(out, sqTok{kind: kind, text: b.String(), start: i, end: j + 1})
			i = j + 1
		case sqWordByte(c):
			j := i
			for j < len(src) && sqWordByte(src[j]) {
				j++
			}
			out = append(out, sqTok{kind: 'w', text: src[i:j], start: i, end: j})
			i = j
		case c >= utf8.RuneSelf:
			return nil, sqRefuse("it has a non-ASCII character outside quotes")
		default:
			out = append(out, sqTok{kind: 'p', text: src[i : i+1], start: i, end: i + 1})
			i++
		}
	}
	return out, nil
}

// sqStatement reads the indices of one statement (SqlBase.g4 statement).
func sqStatement(toks []sqTok) ([]string, error) {
	if n := len(toks); n > 0 && toks[n-1].punct(';') {
		toks = toks[:n-1]
	}
	for _, t := range toks {
		if t.punct(';') {
			return nil, sqRefuse("it holds more than one statement")
		}
	}
	i := 0
	for i < len(toks) && (toks[i].is("EXPLAIN") || toks[i].is("DEBUG")) {
		i++
		if i < len(toks) && toks[i].punct('(') {
			j := i + 1
			for j < len(toks) && !toks[j].punct(')') {
				if toks[j].punct('(') {
					return nil, sqRefuse("unexpected parenthesis in the EXPLAIN options")
				}
				j++
			}
			if j == len(toks) {
				return nil, sqRefuse("a parenthesis is not closed")
			}
			i = j + 1
		}
	}
	if i >= len(toks) {
		return nil, sqRefuse("it has no statement")
	}
	toks = toks[i:]
	first := toks[0]
	switch {
	case first.is("SELECT"), first.is("WITH"), first.punct('('):
		return sqQuery(toks)
	case first.is("DESCRIBE"), first.is("DESC"):
		return sqColumns(toks, 1, false)
	case first.is("SHOW") && len(toks) > 1:
		switch second := toks[1]; {
		case second.is("TABLES"):
			return sqTables(toks, 2, false)
		case second.is("COLUMNS"):
			return sqColumns(toks, 2, true)
		case second.is("FUNCTIONS"):
			if len(toks) > 2 {
				if _, j, err := sqLike(toks, 2); err != nil || j != len(toks) {
					return nil, sqRefuse("unexpected text after SHOW FUNCTIONS")
				}
			}
			return nil, nil
		case second.is("SCHEMAS"), second.is("CATALOGS"):
			if len(toks) > 2 {
				return nil, sqRefuse("unexpected text after SHOW " + strings.ToUpper(second.text))
			}
			return nil, nil
		}
	case first.is("SYS") && len(toks) > 1:
		switch second := toks[1]; {
		case second.is("TABLES"):
			return sqTables(toks, 2, true)
		case second.is("COLUMNS"):
			return sqSysColumns(toks)
		case second.is("TYPES"):
			for _, t := range toks[2:] {
				if t.kind != 'w' && !t.punct('+') && !t.punct('-') && !t.punct('.') {
					return nil, sqRefuse("unexpected text after SYS TYPES")
				}
			}
			return nil, nil
		}
	}
	return nil, sqRefuse("the statement [" + first.text + "] is not one esguard reads")
}

// sqQuery reads a query: the relation after every FROM keyword.
func sqQuery(toks []sqTok) ([]string, error) {
	var out []string
	for i, t := range toks {
		if t.is("JOIN") || t.is("NATURAL") {
			return nil, sqRefuse("JOIN")
		}
		if !t.is("FROM") {
			continue
		}
		// EXTRACT(field FROM expression) is no relation.
		if i >= 3 && toks[i-3].is("EXTRACT") && toks[i-2].punct('(') && (toks[i-1].kind == 'w' || toks[i-1].kind == 'q') {
			continue
		}
		names, err := sqRelation(toks, i+1)
		if err != nil {
			return nil, err
		}
		out = append(out, names...)
	}
	return out, nil
}

// sqRelation reads the relation at toks[j:] (relationPrimary): a table, a table in
// parentheses, or a sub-select, whose own FROM the caller reads.
func sqRelation(toks []sqTok, j int) ([]string, error) {
	open := 0
	for j+open < len(toks) && toks[j+open].punct('(') {
		open++
	}
	if open > 0 && j+open < len(toks) && (toks[j+open].is("SELECT") || toks[j+open].is("WITH")) {
		k, err := sqClose(toks, j)
		if err != nil {
			return nil, err
		}
		return nil, sqAfterTable(toks, k+1, "a sub-select")
	}
	j += open
	if j < len(toks) && toks[j].is("FROZEN") {
		j++
	}
	names, j, err := sqTable(toks, j, "FROM")
	if err != nil {
		return nil, err
	}
	for ; open > 0; open-- {
		if j >= len(toks) || !toks[j].punct(')') {
			return nil, sqRefuse("unexpected text after the table [" + strings.Join(names, ",") + "] in parentheses")
		}
		j++
	}
	return names, sqAfterTable(toks, j, "the table ["+strings.Join(names, ",")+"]")
}

// sqClose returns the index of the parenthesis that closes toks[j].
func sqClose(toks []sqTok, j int) (int, error) {
	depth := 0
	for k := j; k < len(toks); k++ {
		switch {
		case toks[k].punct('('):
			depth++
		case toks[k].punct(')'):
			if depth--; depth == 0 {
				return k, nil
			}
		}
	}
	return 0, sqRefuse("a parenthesis is not closed")
}

// sqAfterTable checks what follows a relation: an optional alias, then the end of
// the FROM clause.
func sqAfterTable(toks []sqTok, j int, what string) error {
	if j < len(toks) && toks[j].is("AS") {
		j++
		if j >= len(toks) || (toks[j].kind != 'w' && toks[j].kind != 'q') {
			return sqRefuse("AS is not followed by an alias")
		}
	}
	if j < len(toks) && (toks[j].kind == 'q' || (toks[j].kind == 'w' && !sqClauseWord(toks[j]))) {
		j++
		for j+1 < len(toks) && toks[j].punct('.') && (toks[j+1].kind == 'w' || toks[j+1].kind == 'q') {
			j += 2
		}
	}
	if j >= len(toks) {
		return nil
	}
	t := toks[j]
	switch {
	case t.punct(')'), t.punct('{'), t.is("WHERE"), t.is("GROUP"), t.is("HAVING"), t.is("ORDER"), t.is("LIMIT"), t.is("PIVOT"):
		return nil
	case t.punct(','):
		return sqRefuse("a FROM names more than one table")
	case sqClauseWord(t):
		return sqRefuse(strings.ToUpper(t.text) + " after " + what)
	}
	return sqRefuse("unexpected [" + t.text + "] after " + what + " (quote an index name that has '-' or '.')")
}

// sqClauseWord reports whether t is a keyword that may follow a relation, so it is no
// alias.
func sqClauseWord(t sqTok) bool {
	for _, kw := range []string{"WHERE", "GROUP", "HAVING", "ORDER", "LIMIT", "PIVOT", "JOIN", "INNER",
		"LEFT", "RIGHT", "FULL", "OUTER", "NATURAL", "CROSS", "ON", "USING", "UNION", "EXCEPT",
		"INTERSECT", "AS", "FROM", "SELECT"} {
		if t.is(kw) {
			return true
		}
	}
	return false
}

// sqTable reads a tableIdentifier at toks[j:]: (catalog ':')? name, where name is a
// quoted identifier or unquoted words and '*' written without spaces.
func sqTable(toks []sqTok, j int, after string) ([]string, int, error) {
	part := func(j int) (string, bool, int) {
		if j >= len(toks) {
			return "", false, j
		}
		if toks[j].kind == 'q' {
			return toks[j].text, true, j + 1
		}
		k := j
		for k < len(toks) && (toks[k].kind == 'w' || toks[k].punct('*')) && (k == j || toks[k].start == toks[k-1].end) {
			k++
		}
		var b strings.Builder
		for _, t := range toks[j:k] {
			b.WriteString(t.text)
		}
		return b.String(), false, k
	}
	name, quoted, k := part(j)
	if k == j {
		return nil, j, sqRefuse("a table name was expected after " + after)
	}
	if k < len(toks) && toks[k].punct(':') && !(k+1 < len(toks) && toks[k+1].punct(':')) {
		table, _, k2 := part(k + 1)
		if k2 == k+1 {
			return nil, j, sqRefuse("a table name was expected after the catalog [" + name + "]")
		}
		if name == "" || table == "" || strings.ContainsAny(name+table, ",:") {
			return nil, j, sqRefuse("the table [" + name + ":" + table + "] mixes a catalog with a list or another catalog")
		}
		return []string{name + ":" + table}, k2, nil
	}
	if !quoted {
		return []string{name}, k, nil
	}
	parts := strings.Split(name, ",")
	for _, p := range parts {
		if p == "" || strings.TrimSpace(p) != p {
			return nil, j, sqRefuse("the table [" + name + "] holds an empty name or spaces around a comma")
		}
	}
	return parts, k, nil
}

// sqLike reads LIKE 'pattern' [ESCAPE 'c'] at toks[j:] and turns the pattern into an
// index wildcard covering at least the names it matches.
func sqLike(toks []sqTok, j int) (string, int, error) {
	if j >= len(toks) || !toks[j].is("LIKE") {
		return "", j, sqRefuse("LIKE was expected")
	}
	if j+1 >= len(toks) || toks[j+1].kind != 's' {
		return "", j, sqRefuse("a LIKE pattern must be a string literal")
	}
	pattern := toks[j+1].text
	j += 2
	esc := ""
	switch {
	case j+1 < len(toks) && toks[j].is("ESCAPE") && toks[j+1].kind == 's':
		esc = toks[j+1].text
		j += 2
	case j+3 < len(toks) && toks[j].punct('{') && toks[j+1].is("ESCAPE") && toks[j+2].kind == 's' && toks[j+3].punct('}'):
		esc = toks[j+2].text
		j += 4
	}
	if esc != "" && utf8.RuneCountInString(esc) != 1 {
		return "", j, sqRefuse("an ESCAPE must be one character")
	}
	escRune, _ := utf8.DecodeRuneInString(esc)
	var b strings.Builder
	rs := []rune(pattern)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case esc != "" && r == escRune:
			if i++; i >= len(rs) {
				return "", j, sqRefuse("a LIKE pattern ends with its escape character")
			}
			b.WriteRune(rs[i])
		case r == '%' || r == '_':
			b.WriteByte('*')
		default:
			b.WriteRune(r)
		}
	}
	s := b.String()
	if s == "" || strings.ContainsAny(s, ",:\"") || strings.ContainsRune("-+<", rune(s[0])) {
		return "", j, sqRefuse("the LIKE pattern '" + pattern + "' cannot be read as an index pattern")
	}
	return s, j, nil
}

// sqFrozen skips INCLUDE FROZEN and refuses a CATALOG clause.
func sqFrozen(toks []sqTok, j int) (int, error) {
	for j < len(toks) {
		switch {
		case toks[j].is("INCLUDE") && j+1 < len(toks) && toks[j+1].is("FROZEN"):
			j += 2
		case toks[j].is("CATALOG"):
			return j, sqRefuse("esguard does not read CATALOG clauses")
		default:
			return j, nil
		}
	}
	return j, nil
}

// sqPattern reads a LIKE pattern or a table at toks[j:], which must end the statement;
// none gives "*" when star is set.
func sqPattern(toks []sqTok, j int, star bool, after string) ([]string, error) {
	var names []string
	switch {
	case j >= len(toks) && star:
		return []string{"*"}, nil
	case j < len(toks) && toks[j].is("LIKE"):
		p, k, err := sqLike(toks, j)
		if err != nil {
			return nil, err
		}
		names, j = []string{p}, k
	default:
		var err error
		if names, j, err = sqTable(toks, j, after); err != nil {
			return nil, err
		}
	}
	if j < len(toks) {
		return nil, sqRefuse("unexpected [" + toks[j].text + "] after " + after + " " + strings.Join(names, ","))
	}
	return names, nil
}

// sqTables reads SHOW TABLES and SYS TABLES (with its TYPE list).
func sqTables(toks []sqTok, j int, sys bool) ([]string, error) {
	j, err := sqFrozen(toks, j)
	if err != nil {
		return nil, err
	}
	if sys {
		for k := j; k < len(toks); k++ {
			if toks[k].is("TYPE") {
				for _, t := range toks[k+1:] {
					if t.kind != 's' && !t.punct(',') {
						return nil, sqRefuse("unexpected text in the TYPE list")
					}
				}
				toks = toks[:k]
				break
			}
		}
	}
	return sqPattern(toks, j, true, "TABLES")
}

// sqColumns reads SHOW COLUMNS (FROM|IN) and DESCRIBE.
func sqColumns(toks []sqTok, j int, in bool) ([]string, error) {
	j, err := sqFrozen(toks, j)
	if err != nil {
		return nil, err
	}
	after := "DESCRIBE"
	if in {
		if j >= len(toks) || !(toks[j].is("FROM") || toks[j].is("IN")) {
			return nil, sqRefuse("SHOW COLUMNS needs FROM or IN")
		}
		after = strings.ToUpper(toks[j].text)
		j++
	}
	return sqPattern(toks, j, false, after)
}

// sqSysColumns reads SYS COLUMNS [TABLE LIKE pattern | table] [LIKE column].
func sqSysColumns(toks []sqTok) ([]string, error) {
	j, err := sqFrozen(toks, 2)
	if err != nil {
		return nil, err
	}
	// A trailing LIKE is the column pattern.
	if n := len(toks); n >= j+2 && toks[n-2].is("LIKE") && toks[n-1].kind == 's' && !(n >= j+3 && toks[n-3].is("TABLE")) {
		toks = toks[:n-2]
	}
	if j < len(toks) && toks[j].is("TABLE") {
		j++
		if j >= len(toks) || !toks[j].is("LIKE") {
			return nil, sqRefuse("TABLE needs a LIKE pattern")
		}
	}
	return sqPattern(toks, j, true, "COLUMNS")
}
