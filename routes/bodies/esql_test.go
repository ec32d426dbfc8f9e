package bodies

import (
	"slices"
	"testing"
	"unicode/utf8"
)

func TestESQLIndices(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		query           string
		indices, enrich []string
		reason          string // the refusal's reason, when refused
	}{
		{query: `FROM logs-1`, indices: []string{"logs-1"}},
		{query: `from logs-1, "logs-2" METADATA _id, _index | LIMIT 1`, indices: []string{"logs-1", "logs-2"}},
		{query: `FROM "a,-b*"`, indices: []string{"a", "-b*"}},
		{query: `FROM """x"y"""`, indices: []string{`x"y`}},
		{query: `FROM "a\"b"`, indices: []string{`a"b`}},
		{query: `FROM <logs-{now/d}>,*,-secret`, indices: []string{"<logs-{now/d}>", "*", "-secret"}},
		{query: `FROM logs-* | WHERE msg == "| FROM secret" | KEEP a`, indices: []string{"logs-*"}},
		{query: "FROM a // | LOOKUP JOIN secret ON x\n| LIMIT 1", indices: []string{"a"}},
		{query: "FROM a /* | LOOKUP JOIN secret ON x */ | LIMIT 1", indices: []string{"a"}},
		{query: "FROM a | KEEP `x | LOOKUP JOIN secret ON k`", indices: []string{"a"}},
		{query: `FROM a | EVAL s = "\"|" | LOOKUP JOIN users ON id`, indices: []string{"a", "users"}},
		{query: `FROM a | LOOKUP JOIN remote:users ON id | LOOKUP JOIN "q" ON x == y`, indices: []string{"a", "remote:users", "q"}},
		{query: `FROM a | LOOKUP JOIN users AS u ON a.id == u.id`, indices: []string{"a", "users"}},
		{query: `FROM a | ENRICH policy ON x WITH y = z | ENRICH _remote:p2`, indices: []string{"a"}, enrich: []string{"policy", "_remote:p2"}},
		{query: "FROM a | ENRICH p`x | LOOKUP JOIN secret ON k | KEEP `y`", indices: []string{"a", "secret"}, enrich: []string{"p`x"}},
		{query: `TS metrics-* | STATS max(rate(x)) BY tbucket(1h)`, indices: []string{"metrics-*"}},
		{query: `FROM remote:logs, r2 : l2`, indices: []string{"remote:logs", "r2:l2"}},
		{query: `FROM app::failures, c:app::data`, indices: []string{"app::failures", "c:app::data"}},
		{query: `FROM a/b | LIMIT 1`, indices: []string{"a/b"}},
		{query: `ROW a = 1`},
		{query: `SHOW INFO`},
		{query: `row a = "FROM secret" | EVAL b = a`},
		{query: `FROM a | FORK (WHERE x > 1 | LOOKUP JOIN b ON k) (SORT y | LIMIT 5) | KEEP z`, indices: []string{"a", "b"}},
		{query: `FROM a, (FROM b | WHERE x > 1), (TS c) METADATA _id`, indices: []string{"a", "b", "c"}},
		{query: `FROM a | WHERE x IN (FROM b | KEEP x) AND y IN (1, 2)`, indices: []string{"a", "b"}},
		{query: `FROM a | INLINE STATS c = count(*) BY k | MV_EXPAND k | RENAME k AS j | DROP j | DISSECT m "%{x}" | GROK m "%{WORD:w}"`, indices: []string{"a"}},
		{query: `FROM a | CHANGE_POINT v ON t | SAMPLE 0.5 | COMPLETION c = p WITH {"inference_id": "x"} | FUSE | URI_PARTS u = x | METRICS_INFO`, indices: []string{"a"}},

		{query: `WHERE a > 1`, reason: "the source command [WHERE]"},
		{query: ``, reason: "it is empty"},
		{query: `FROM`, reason: "an index was expected"},
		{query: `FROM a,`, reason: "an index was expected"},
		{query: `FROM a b`, reason: "unexpected [b] after a source"},
		{query: `FROM metadata`, reason: "METADATA is not preceded"},
		{query: `FROM a METADATA`, reason: "METADATA is not followed"},
		{query: `FROM ?idx`, reason: "holds a parameter"},
		{query: `FROM a/ | LIMIT 1`, reason: "spaces around a comma"},
		{query: `FROM "a, b"`, reason: "spaces around a comma"},
		{query: `FROM c:"a"`, reason: "not followed by an unquoted index"},
		{query: `FROM a[b]`, reason: "unexpected text"},
		{query: `FROM a | LOOKUP x ON y`, reason: "LOOKUP is not followed by JOIN"},
		{query: `FROM a | LOOKUP JOIN b`, reason: "not followed by ON"},
		{query: `FROM a | LOOKUP JOIN b::failures ON x`, reason: "selector is not allowed"},
		{query: `FROM a | ENRICH`, reason: "ENRICH is not followed by a policy"},
		{query: `FROM a | ENRICH [ccq.mode:any] p`, reason: "ENRICH is not followed by a policy"},
		{query: `FROM a | FORK`, reason: "FORK has no branch"},
		{query: `FROM a | FORK (FROM secret)`, reason: "the command [FROM]"},
		{query: `FROM a | MMR x ON y LIMIT 1`, reason: "the command [MMR]"},
		{query: `FROM a | INSIST x`, reason: "the command [INSIST]"},
		{query: `FROM a |`, reason: "a command was expected"},
		{query: `FROM a | where1 x`, reason: "the command [where1]"},
		{query: `FROM a | EVAL x = (a | b)`, reason: "a pipe inside brackets"},
		{query: `FROM a | EVAL x = (a`, reason: "not closed"},
		{query: `FROM a | EVAL x = a)`, reason: "unexpected )"},
		{query: `FROM a | EVAL x = [1)`, reason: "mismatched"},
		{query: `FROM a | WHERE s == "x`, reason: "not terminated"},
		{query: `FROM a | WHERE s == "\q"`, reason: "unknown escape"},
		{query: "FROM a | KEEP ``", reason: "empty quoted identifier"},
		{query: `FROM a /* /* */ */`, reason: "nested"},
		{query: `FROM a /*`, reason: "not terminated"},
		{query: `SET x = 1; FROM a`, reason: "the source command [SET]"},
		{query: `PROMQL index=a rate(x[5m])`, reason: "the source command [PROMQL]"},
		{query: `EXPLAIN (FROM a)`, reason: "the source command [EXPLAIN]"},
		{query: `FROM a | WHERE x IN (fromage)`, reason: "the source command [FROMAGE]"},
		{query: `FROM (FROM a`, reason: "not closed"},
		{query: `FROM a)`, reason: "unexpected )"},
	} {
		t.Run(tc.query, func(t *testing.T) {
			t.Parallel()
			got, err := ESQLIndices(jsQueryBody(tc.query))
			if tc.reason != "" {
				jsWantErr(t, err, "illegal_argument_exception", tc.reason)
				return
			}
			if err != nil || !slices.Equal(got.Indices, tc.indices) || !slices.Equal(got.EnrichPolicies, tc.enrich) {
				t.Fatalf("got %+v %v, want %q %q", got, err, tc.indices, tc.enrich)
			}
		})
	}
}

func TestESQLIndicesBody(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, body string
		indices    []string
		filter     string
		errType    string
		reason     string
	}{
		{name: "filter and params", body: `{"query":"FROM a | WHERE x == ?p","params":[{"p":1}],"filter":{"range":{"@timestamp":{"gte":"now-1d"}}},"columnar":true,"locale":"en","profile":false,"include_ccs_metadata":true}`,
			indices: []string{"a"}, filter: `{"range":{"@timestamp":{"gte":"now-1d"}}}`},
		{name: "no query", body: `{"filter":{}}`, errType: "action_request_validation_exception", reason: "[query] is required"},
		{name: "query not a string", body: `{"query":["FROM a"]}`, errType: "x_content_parse_exception", reason: "START_ARRAY"},
		{name: "filter not an object", body: `{"query":"ROW a=1","filter":"x"}`, errType: "x_content_parse_exception", reason: "filter"},
		{name: "duplicate query", body: `{"query":"ROW a = 1","query":"FROM secret"}`, errType: "illegal_argument_exception", reason: "duplicate key [query]"},
		{name: "malformed", body: `{"query":"ROW a = 1",}`, errType: "x_content_parse_exception", reason: "field name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := ESQLIndices([]byte(tc.body))
			if tc.errType != "" {
				jsWantErr(t, err, tc.errType, tc.reason)
				return
			}
			if err != nil || !slices.Equal(got.Indices, tc.indices) || string(got.Filter) != tc.filter {
				t.Fatalf("got %+v %v, want %q %s", got, err, tc.indices, tc.filter)
			}
		})
	}
}

// FuzzESQLIndices: no panic, errors are typed, and every reported index and policy
// occurs in the query text, as written or unquoted.
func FuzzESQLIndices(f *testing.F) {
	for _, s := range []string{`FROM a, b | LOOKUP JOIN c ON d`, `ROW x=1 | ENRICH p`, `TS m | FORK (WHERE a) (WHERE b)`,
		`FROM "a\"b,c" METADATA _id | WHERE x IN (FROM d) | ENRICH _any:e ON f`, `FROM r:i::failures, (FROM j | KEEP k)`,
		"FROM a // x\n| KEEP `b|c` | EVAL d = \"\"\"e|f\"\"\""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		if !utf8.ValidString(q) {
			return
		}
		got, err := ESQLIndices(jsQueryBody(q))
		if err != nil {
			if _, ok := err.(*BadRequestError); !ok {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		for _, ix := range append(got.Indices, got.EnrichPolicies...) {
			if ix == "" || !sqOccurs(ix, q) {
				t.Fatalf("%q reported for %q", ix, q)
			}
		}
	})
}
