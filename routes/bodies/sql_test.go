package bodies

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSQLIndices(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		query  string
		want   []string
		reason string // the refusal's reason, when refused
	}{
		{query: `SELECT * FROM logs`, want: []string{"logs"}},
		{query: `select a from "logs-*" where b = 'FROM secret' limit 5`, want: []string{"logs-*"}},
		{query: `SELECT * FROM "logs-*,-logs-old"`, want: []string{"logs-*", "-logs-old"}},
		{query: "SELECT * FROM `weird``name`", want: []string{"weird`name"}},
		{query: `SELECT * FROM emp* AS e ORDER BY a`, want: []string{"emp*"}},
		{query: `SELECT * FROM *`, want: []string{"*"}},
		{query: `SELECT * FROM idx e WHERE e.a > 1`, want: []string{"idx"}},
		{query: `SELECT * FROM FROZEN idx`, want: []string{"idx"}},
		{query: `SELECT * FROM (idx) AS x`, want: []string{"idx"}},
		{query: `SELECT * FROM remote:logs`, want: []string{"remote:logs"}},
		{query: `SELECT * FROM "my*cluster:*emp"`, want: []string{"my*cluster:*emp"}},
		{query: `SELECT * FROM remote:"logs-*"`, want: []string{"remote:logs-*"}},
		{query: `SELECT * FROM (SELECT a FROM "x") s WHERE a IN (SELECT b FROM y)`, want: []string{"x", "y"}},
		{query: "SELECT * -- FROM secret\nFROM logs", want: []string{"logs"}},
		{query: `SELECT * /* FROM secret */ FROM logs`, want: []string{"logs"}},
		{query: `SELECT EXTRACT(YEAR FROM birth) FROM emp`, want: []string{"emp"}},
		{query: `SELECT {fn EXTRACT(YEAR FROM birth)} FROM emp`, want: []string{"emp"}},
		{query: `SELECT * FROM emp PIVOT (SUM(s) FOR g IN ('M', 'F'))`, want: []string{"emp"}},
		{query: `SELECT * FROM emp {limit 1}`, want: []string{"emp"}},
		{query: `SELECT 1`},
		{query: `SELECT * FROM logs;`, want: []string{"logs"}},
		{query: `EXPLAIN (PLAN PARSED FORMAT TEXT) SELECT * FROM logs`, want: []string{"logs"}},
		{query: `DEBUG SHOW TABLES`, want: []string{"*"}},
		{query: `DESCRIBE logs`, want: []string{"logs"}},
		{query: `DESC INCLUDE FROZEN "logs-1"`, want: []string{"logs-1"}},
		{query: `DESCRIBE LIKE 'lo_s%'`, want: []string{"lo*s*"}},
		{query: `SHOW COLUMNS IN "logs-*"`, want: []string{"logs-*"}},
		{query: `show columns from logs`, want: []string{"logs"}},
		{query: `SHOW TABLES`, want: []string{"*"}},
		{query: `SHOW TABLES INCLUDE FROZEN`, want: []string{"*"}},
		{query: `SHOW TABLES LIKE 'logs%'`, want: []string{"logs*"}},
		{query: `SHOW TABLES LIKE 'emp!%' ESCAPE '!'`, want: []string{"emp%"}},
		{query: `SHOW TABLES "*,-l*"`, want: []string{"*", "-l*"}},
		{query: `SHOW FUNCTIONS`},
		{query: `SHOW FUNCTIONS LIKE 'A%'`},
		{query: `SHOW SCHEMAS`},
		{query: `SHOW CATALOGS`},
		{query: `SYS TYPES`},
		{query: `SYS TABLES`, want: []string{"*"}},
		{query: `SYS TABLES LIKE 'e%' TYPE 'TABLE', 'VIEW'`, want: []string{"e*"}},
		{query: `SYS COLUMNS TABLE LIKE 'emp' LIKE 'f%'`, want: []string{"emp"}},

		{query: `SELECT * FROM a, b`, reason: "more than one table"},
		{query: `SELECT * FROM a JOIN b ON x`, reason: "JOIN"},
		{query: `SELECT * FROM a x LEFT OUTER JOIN b`, reason: "LEFT after the table [a]"},
		{query: `SELECT * FROM (SELECT 1 FROM a) x, secret`, reason: "more than one table"},
		{query: `SELECT * FROM logs-2024`, reason: "unexpected [-] after the table [logs]"},
		{query: `SELECT * FROM logs.old`, reason: "unexpected [.]"},
		{query: `SELECT * FROM logs; SELECT * FROM secret`, reason: "more than one statement"},
		{query: `SELECT * FROM 'logs'`, reason: "a table name was expected"},
		{query: `SELECT * FROM`, reason: "a table name was expected"},
		{query: `SELECT * FROM "logs`, reason: "not terminated"},
		{query: `SELECT * /* a /* nested */ */ FROM logs`, reason: "nested"},
		{query: `SELECT 1 /* FROM secret`, reason: "not terminated"},
		{query: `SELECT * FROM ſecret`, reason: "non-ASCII"},
		{query: `SELECT * FROM "a,,b"`, reason: "empty name"},
		{query: `SELECT * FROM "a, b"`, reason: "spaces around a comma"},
		{query: `SELECT * FROM r:"a,b"`, reason: "mixes a catalog"},
		{query: `SHOW TABLES CATALOG 'r'`, reason: "CATALOG"},
		{query: `SHOW TABLES LIKE ?`, reason: "must be a string literal"},
		{query: `SHOW TABLES LIKE '-x%'`, reason: "cannot be read as an index pattern"},
		{query: `SHOW TABLES a b`, reason: "unexpected [b]"},
		{query: `SHOW COLUMNS logs`, reason: "needs FROM or IN"},
		{query: `SHOW SCHEMAS x`, reason: "unexpected text"},
		{query: `SYS COLUMNS CATALOG 'x'`, reason: "CATALOG"},
		{query: `INSERT INTO x VALUES (1)`, reason: "the statement [INSERT]"},
		{query: `-- nothing`, reason: "no statement"},
	} {
		t.Run(tc.query, func(t *testing.T) {
			t.Parallel()
			got, err := SQLIndices(jsQueryBody(tc.query))
			if tc.reason != "" {
				jsWantErr(t, err, "illegal_argument_exception", tc.reason)
				return
			}
			if err != nil || !slices.Equal(got, tc.want) {
				t.Fatalf("got %q %v, want %q", got, err, tc.want)
			}
		})
	}
}

func TestSQLIndicesBody(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, body string
		want       []string
		errType    string
		reason     string
	}{
		{name: "cursor", body: `{"cursor":"sDXF1ZXJ5QW5kRmV0Y2gBAAAAAAAAAAEWWWdrRlVfSS1TbDYtcW9lc1FJNmlYdw=="}`},
		{name: "query and filter", body: `{"query":"SELECT * FROM a","filter":{"term":{"x":1}},"fetch_size":5,"params":[1]}`, want: []string{"a"}},
		{name: "empty query", body: `{"query":""}`, errType: "action_request_validation_exception", reason: "one of [query] or [cursor] is required"},
		{name: "neither", body: `{"fetch_size":5}`, errType: "action_request_validation_exception", reason: "one of [query] or [cursor] is required"},
		{name: "query not a string", body: `{"query":{"a":1}}`, errType: "x_content_parse_exception", reason: "query doesn't support values of type: START_OBJECT"},
		{name: "catalog", body: `{"query":"SELECT * FROM a","catalog":"remote"}`, errType: "illegal_argument_exception", reason: "[catalog]"},
		{name: "duplicate query", body: `{"query":"SELECT 1","query":"SELECT * FROM secret"}`, errType: "illegal_argument_exception", reason: "duplicate key [query]"},
		{name: "malformed", body: `{"query":"SELECT 1"`, errType: "x_content_parse_exception", reason: "end-of-input"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := SQLIndices([]byte(tc.body))
			if tc.errType != "" {
				jsWantErr(t, err, tc.errType, tc.reason)
				return
			}
			if err != nil || !slices.Equal(got, tc.want) {
				t.Fatalf("got %q %v, want %q", got, err, tc.want)
			}
		})
	}
}

// sqOccurs reports whether every piece of index, split at wildcards, colons and
// commas, occurs in the query text, as written or unquoted.
func sqOccurs(index, text string) bool {
	unquoted := strings.NewReplacer(`""`, `"`, "``", "`", `''`, `'`, `\"`, `"`, `\\`, `\`, `\t`, "\t", `\n`, "\n", `\r`, "\r").Replace(text)
	for piece := range strings.FieldsFuncSeq(index, func(r rune) bool { return strings.ContainsRune("*:%_,", r) }) {
		if !strings.Contains(text, piece) && !strings.Contains(unquoted, piece) {
			return false
		}
	}
	return true
}

// FuzzSQLIndices: no panic, errors are typed, and every reported index occurs in the
// query text.
func FuzzSQLIndices(f *testing.F) {
	for _, s := range []string{`SELECT * FROM logs`, `SHOW TABLES LIKE 'a%'`, `SELECT * FROM (SELECT 1 FROM "x")`, `DESCRIBE "a"`,
		`SELECT * FROM r:"a*" e WHERE x IN (SELECT y FROM b)`, `SHOW COLUMNS IN "a,b"`, "SELECT 1 -- FROM x\nFROM y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		if !utf8.ValidString(q) {
			return
		}
		got, err := SQLIndices(jsQueryBody(q))
		if err != nil {
			if _, ok := err.(*BadRequestError); !ok {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		for _, ix := range got {
			if ix == "" || (ix != "*" && !sqOccurs(ix, q)) {
				t.Fatalf("%q reported for %q", ix, q)
			}
		}
	})
}
