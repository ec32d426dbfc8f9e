package bodies

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSQLIndices(t *testing.T) {
	for _, c := range []struct {
		query string
		want  []string
		err   string
	}{
		{`SELECT * FROM logs`, []string{"logs"}, ""},
		{`SELECT * FROM "logs-*" WHERE a = 'FROM secret'`, []string{"logs-*"}, ""},
		{`select a from logs-2026.11.23 as l limit 5`, []string{"logs-2026.11.23"}, ""},
		{`SELECT * FROM (SELECT a FROM "x") s`, []string{"x"}, ""},
		{"SELECT * -- FROM secret\nFROM logs", []string{"logs"}, ""},
		{`SELECT * /* FROM secret */ FROM logs`, []string{"logs"}, ""},
		{`SELECT 1`, nil, ""},
		{`SELECT * FROM remote:logs`, []string{"remote:logs"}, ""},
		{`DESCRIBE logs`, []string{"logs"}, ""},
		{`SHOW COLUMNS IN "logs-*"`, []string{"logs-*"}, ""},
		{`SHOW TABLES`, []string{"*"}, ""},
		{`SHOW TABLES LIKE 'logs%'`, []string{"logs*"}, ""},
		{`SHOW FUNCTIONS`, nil, ""},
		{`EXPLAIN (PLAN PARSED) SELECT * FROM logs`, []string{"logs"}, ""},
		{`SELECT * FROM a, b`, nil, "more than one table"},
		{`SELECT * FROM a JOIN b ON x`, nil, "JOIN"},
		{`SELECT * FROM logs; SELECT * FROM secret`, nil, "more than one statement"},
		{`SYS TABLES`, nil, "is not one esguard reads"},
		{`SELECT * FROM 'logs'`, nil, "table name was expected"},
		{`SELECT * FROM "logs`, nil, "unterminated"},
	} {
		body := `{"query":` + jsonString(c.query) + `}`
		got, err := SQLIndices([]byte(body))
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: %v %v, want error %q", c.query, got, err, c.err)
			}
			continue
		}
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("%s: %q %v, want %q", c.query, got, err, c.want)
		}
	}
	if got, err := SQLIndices([]byte(`{"cursor":"abc"}`)); err != nil || got != nil {
		t.Errorf("cursor only: %v %v", got, err)
	}
}

func TestESQLIndices(t *testing.T) {
	for _, c := range []struct {
		query           string
		indices, enrich []string
		err             string
	}{
		{`FROM logs-1`, []string{"logs-1"}, nil, ""},
		{`FROM logs-1, "logs-2" METADATA _id | LIMIT 1`, []string{"logs-1", "logs-2"}, nil, ""},
		{`from logs-* | where msg == "| FROM secret" | keep a`, []string{"logs-*"}, nil, ""},
		{"FROM a // FROM secret\n| LIMIT 1", []string{"a"}, nil, ""},
		{`FROM a | LOOKUP JOIN users ON id`, []string{"a", "users"}, nil, ""},
		{`FROM a | ENRICH policy ON x`, []string{"a"}, []string{"policy"}, ""},
		{`TS metrics-*`, []string{"metrics-*"}, nil, ""},
		{`FROM remote:logs`, []string{"remote:logs"}, nil, ""},
		{`FROM app::failures`, []string{"app::failures"}, nil, ""},
		{`ROW a = 1`, nil, nil, ""},
		{`FROM a | FORK (WHERE x > 1) (LOOKUP JOIN secret ON k)`, []string{"a", "secret"}, nil, ""},
		{`WHERE a > 1`, nil, nil, "no source command"},
		{`FROM`, nil, nil, "a source without an index"},
		{`FROM a | LOOKUP x`, nil, nil, "LOOKUP without JOIN"},
	} {
		body := `{"query":` + jsonString(c.query) + `}`
		got, err := ESQLIndices([]byte(body))
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: %+v %v, want error %q", c.query, got, err, c.err)
			}
			continue
		}
		if err != nil || !slices.Equal(got.Indices, c.indices) || !slices.Equal(got.EnrichPolicies, c.enrich) {
			t.Errorf("%s: %+v %v, want %q %q", c.query, got, err, c.indices, c.enrich)
		}
	}
}

func jsonString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}

// FuzzSQLIndices and FuzzESQLIndices: no panic, and every index reported occurs in the
// query text.
func FuzzSQLIndices(f *testing.F) {
	for _, s := range []string{`SELECT * FROM logs`, `SHOW TABLES LIKE 'a%'`, `SELECT * FROM (SELECT 1 FROM "x")`, `DESCRIBE "a"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		if !utf8.ValidString(q) {
			return // the JSON body would carry U+FFFD instead
		}
		got, err := SQLIndices([]byte(`{"query":` + jsonString(q) + `}`))
		if err != nil {
			return
		}
		for _, ix := range got {
			if ix != "*" && !strings.Contains(q, strings.NewReplacer("*", "%", "?", "_").Replace(ix)) && !strings.Contains(q, ix) {
				t.Fatalf("%q reported for %q", ix, q)
			}
		}
	})
}

func FuzzESQLIndices(f *testing.F) {
	for _, s := range []string{`FROM a, b | LOOKUP JOIN c ON d`, `ROW x=1 | ENRICH p`, `TS m | FORK (WHERE a) (WHERE b)`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		if !utf8.ValidString(q) {
			return // the JSON body would carry U+FFFD instead
		}
		got, err := ESQLIndices([]byte(`{"query":` + jsonString(q) + `}`))
		if err != nil {
			return
		}
		for _, ix := range append(got.Indices, got.EnrichPolicies...) {
			if !strings.Contains(q, ix) {
				t.Fatalf("%q reported for %q", ix, q)
			}
		}
	})
}
