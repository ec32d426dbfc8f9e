package routes

import "testing"

func TestQueryNamesIndex(t *testing.T) {
	tests := []struct {
		name, body string
		want       bool
		err        bool
	}{
		{"match all", `{"query":{"match_all":{}}}`, false, false},
		{"terms lookup", `{"query":{"terms":{"user":{"index":"secret","id":"1","path":"users"}}}}`, true, false},
		{"more_like_this", `{"query":{"more_like_this":{"fields":["a"],"like":[{"_index":"secret","_id":"1"}]}}}`, true, false},
		{"lookup runtime field", `{"runtime_mappings":{"x":{"type":"lookup","target_index":"secret"}}}`, true, false},
		{"index as a value is fine", `{"query":{"term":{"kind":"index"}}}`, false, false},
		{"index in an array of values", `{"_source":["index","a"]}`, false, false},
		{"key after a nested value", `{"a":{"b":[1,{"c":2}]},"index":"x"}`, true, false},
		{"deep", `{"a":[[{"b":{"indices":["x"]}}]]}`, true, false},
		{"empty", ``, false, false},
		{"malformed", `{"query":`, false, true},
		{"two values", `{} {"index":"secret"}`, false, true},
		{"trailing garbage", `{}]`, false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := QueryNamesIndex([]byte(tc.body))
			if (err != nil) != tc.err || (err == nil && got != tc.want) {
				t.Errorf("got %v, %v; want %v, error %v", got, err, tc.want, tc.err)
			}
		})
	}
}

func FuzzQueryNamesIndex(f *testing.F) {
	f.Add(`{"query":{"terms":{"f":{"index":"s"}}}}`)
	f.Add(`[{"a":1},{"index":2}]`)
	f.Fuzz(func(t *testing.T, body string) {
		_, _ = QueryNamesIndex([]byte(body))
	})
}
