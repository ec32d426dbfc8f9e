package bodies

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// alString renders alias actions compactly for comparison.
func alString(acts []AliasAction) string {
	var parts []string
	for _, a := range acts {
		s := fmt.Sprintf("%d:%s>%s", a.Kind, strings.Join(a.Indices, ","), strings.Join(a.Aliases, ","))
		if a.Filter {
			s += " filter"
		}
		if a.Routing {
			s += " routing"
		}
		for _, f := range []struct {
			name string
			b    *bool
		}{{"must_exist", a.MustExist}, {"write", a.IsWriteIndex}, {"hidden", a.IsHidden}} {
			if f.b != nil {
				s += fmt.Sprintf(" %s=%v", f.name, *f.b)
			}
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}

func TestParseAliasActions(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, body string
		want       string
		errType    string
		reason     string
	}{
		{name: "three kinds", body: `{"actions":[{"add":{"index":"a,b","alias":"x","filter":{"term":{"u":1}},"routing":1,"is_write_index":true}},{"remove":{"indices":["c","d"],"aliases":"y","must_exist":"false"}},{"remove_index":{"index":"e"}}]}`,
			want: "1:a,b>x filter routing write=true; 2:c,d>y must_exist=false; 3:e>"},
		{name: "single action object", body: `{"actions":{"add":{"indices":"a","aliases":["x","y"],"is_hidden":false,"search-routing":"s"}}}`, want: "1:a>x,y routing hidden=false"},
		{name: "empty filter", body: `{"actions":[{"add":{"index":"a","alias":"x","filter":{}}}]}`, want: "1:a>x"},
		{name: "no actions", body: `{"actions":[]}`, errType: "illegal_argument_exception", reason: "No action specified"},
		{name: "unknown top key", body: `{"actions":[],"index":"a"}`, errType: "x_content_parse_exception", reason: "[aliases] unknown field [index]"},
		{name: "two operations", body: `{"actions":[{"add":{"index":"a","alias":"x"},"remove":{"index":"b","alias":"y"}}]}`, errType: "illegal_argument_exception", reason: "Too many operations"},
		{name: "unknown operation", body: `{"actions":[{"move":{"index":"a","alias":"x"}}]}`, errType: "x_content_parse_exception", reason: "unknown field [move]"},
		{name: "index and indices", body: `{"actions":[{"add":{"index":"a","indices":["b"],"alias":"x"}}]}`, errType: "illegal_argument_exception", reason: "Only one of [index] and [indices]"},
		{name: "alias and aliases", body: `{"actions":[{"add":{"index":"a","aliases":["x"],"alias":"y"}}]}`, errType: "illegal_argument_exception", reason: "Only one of [alias] and [aliases]"},
		{name: "no index", body: `{"actions":[{"add":{"alias":"x"}}]}`, errType: "illegal_argument_exception", reason: "One of [index] or [indices] is required"},
		{name: "no alias", body: `{"actions":[{"remove":{"index":"a"}}]}`, errType: "illegal_argument_exception", reason: "One of [alias] or [aliases] is required"},
		{name: "alias on remove_index", body: `{"actions":[{"remove_index":{"index":"a","alias":"x"}}]}`, errType: "illegal_argument_exception", reason: "[alias] is unsupported for [REMOVE_INDEX]"},
		{name: "filter on remove", body: `{"actions":[{"remove":{"index":"a","alias":"x","filter":{}}}]}`, errType: "x_content_parse_exception", reason: "[remove] unknown field [filter]"},
		{name: "must_exist on add", body: `{"actions":[{"add":{"index":"a","alias":"x","must_exist":true}}]}`, errType: "x_content_parse_exception", reason: "[add] unknown field [must_exist]"},
		{name: "empty index", body: `{"actions":[{"add":{"index":"","alias":"x"}}]}`, errType: "illegal_argument_exception", reason: "[index] can't be empty string"},
		{name: "empty indices", body: `{"actions":[{"add":{"indices":[],"alias":"x"}}]}`, errType: "illegal_argument_exception", reason: "[indices] can't be empty"},
		{name: "empty alias in list", body: `{"actions":[{"add":{"index":"a","aliases":["x",""]}}]}`, errType: "illegal_argument_exception", reason: "[aliases] can't contain empty string"},
		{name: "index null", body: `{"actions":[{"add":{"index":null,"alias":"x"}}]}`, errType: "x_content_parse_exception", reason: "must be a string"},
		{name: "bad boolean", body: `{"actions":[{"add":{"index":"a","alias":"x","is_write_index":"yes"}}]}`, errType: "illegal_argument_exception", reason: "only [true] or [false]"},
		{name: "duplicate index", body: `{"actions":[{"add":{"index":"a","index":"secret","alias":"x"}}]}`, errType: "illegal_argument_exception", reason: "duplicate key [index]"},
		{name: "duplicate operation", body: `{"actions":[{"add":{"index":"a","alias":"x"},"add":{"index":"b","alias":"y"}}]}`, errType: "illegal_argument_exception", reason: "duplicate key [add]"},
		{name: "not JSON", body: `{"actions":[`, errType: "x_content_parse_exception", reason: "end-of-input"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			acts, err := ParseAliasActions([]byte(tc.body))
			if tc.errType != "" {
				jsWantErr(t, err, tc.errType, tc.reason)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := alString(acts); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestParsePutAlias(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, body   string
		index, alias string
		errType      string
		reason       string
	}{
		{name: "empty body", body: ``},
		{name: "routing only", body: `{"routing":"1","index_routing":2,"searchRouting":null,"is_write_index":true,"filter":{"term":{"index":"not DSL that names an index"}}}`},
		{name: "overrides", body: `{"index":"a,b","alias":"x"}`, index: "a,b", alias: "x"},
		{name: "whitespace body", body: "  \n", errType: "illegal_argument_exception", reason: "No index alias is specified"},
		{name: "is_hidden", body: `{"is_hidden":true}`, errType: "illegal_argument_exception", reason: "Unsupported field [is_hidden]"},
		{name: "unknown", body: `{"indices":["a"]}`, errType: "parsing_exception", reason: "START_ARRAY"},
		{name: "unknown value", body: `{"aliases":"x"}`, errType: "illegal_argument_exception", reason: "Unsupported field [aliases]"},
		{name: "nested object", body: `{"x":{"index":"secret"}}`, errType: "illegal_argument_exception", reason: "reads the fields inside [x] as top-level"},
		{name: "index not a string", body: `{"index":1}`, errType: "illegal_argument_exception", reason: "[index] must be a string"},
		{name: "empty index", body: `{"index":""}`, errType: "illegal_argument_exception", reason: "[indices] can't be empty"},
		{name: "empty element", body: `{"index":"a,,b"}`, errType: "illegal_argument_exception", reason: "can't contain empty string"},
		{name: "empty alias", body: `{"alias":""}`, errType: "illegal_argument_exception", reason: "[alias] can't be empty string"},
		{name: "duplicate", body: `{"index":"a","index":"b"}`, errType: "illegal_argument_exception", reason: "duplicate key [index]"},
		{name: "not an object", body: `["a"]`, errType: "parse_exception", reason: "must be a JSON object"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			index, alias, err := ParsePutAlias([]byte(tc.body))
			if tc.errType != "" {
				jsWantErr(t, err, tc.errType, tc.reason)
				return
			}
			if err != nil || index != tc.index || alias != tc.alias {
				t.Fatalf("got %q %q %v, want %q %q", index, alias, err, tc.index, tc.alias)
			}
		})
	}
}

func TestCreateIndexAliases(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, body string
		want       []string
		errType    string
		reason     string
	}{
		{name: "empty", body: ``},
		{name: "no aliases", body: `{"settings":{"number_of_shards":1},"mappings":{"properties":{"aliases":{"type":"keyword"}}}}`},
		{name: "create", body: `{"aliases":{"a":{},"<b-{now/d}>":{"filter":{"term":{"x":1}},"routing":"1","index_routing":2,"is_write_index":true,"is_hidden":false}}}`, want: []string{"a", "<b-{now/d}>"}},
		{name: "rollover", body: `{"conditions":{"max_age":"7d"},"aliases":{"r":{"search-routing":"s"}}}`, want: []string{"r"}},
		{name: "resize", body: `{"settings":{"index.number_of_shards":1},"aliases":{"s":{}},"max_primary_shard_size":"1gb"}`, want: []string{"s"}},
		{name: "aliases not an object", body: `{"aliases":["a"]}`, errType: "parse_exception", reason: "key [aliases] must be an object"},
		{name: "definition not an object", body: `{"aliases":{"a":"x"}}`, errType: "illegal_argument_exception", reason: "definition of alias [a]"},
		{name: "nested smuggling", body: `{"aliases":{"a":{"x":{},"secret":{}}}}`, errType: "illegal_argument_exception", reason: "field [x] is unknown"},
		{name: "array in definition", body: `{"aliases":{"a":{"routing":[{"b":1}]}}}`, errType: "illegal_argument_exception", reason: "field [routing]"},
		{name: "filter not an object", body: `{"aliases":{"a":{"filter":"x"}}}`, errType: "illegal_argument_exception", reason: "field [filter]"},
		{name: "duplicate alias", body: `{"aliases":{"a":{},"a":{}}}`, errType: "illegal_argument_exception", reason: "duplicate key [a]"},
		{name: "duplicate aliases key", body: `{"aliases":{"a":{}},"aliases":{"b":{}}}`, errType: "illegal_argument_exception", reason: "duplicate key [aliases]"},
		{name: "not JSON", body: `{"aliases":`, errType: "x_content_parse_exception", reason: "end-of-input"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := CreateIndexAliases([]byte(tc.body))
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
