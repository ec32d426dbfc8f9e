package bodies

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func TestMergeArray(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		resp, key string
		total     int
		inserts   map[int][]byte
		errorsOn  bool
		want      string
		wantErr   string
	}{
		{
			name: "bulk", resp: `{"errors":false,"took":3,"items":[{"index":{"_id":"1"}},{"delete":{"_id":"3"}}]}`, key: "items",
			total: 3, inserts: map[int][]byte{1: []byte(`{"index":{"status":403}}`)}, errorsOn: true,
			want: `{"errors":true,"took":3,"items":[{"index":{"_id":"1"}},{"index":{"status":403}},{"delete":{"_id":"3"}}]}`,
		},
		{
			name: "errors after the array", resp: `{"took":3,"items":[1],"errors":false}`, key: "items",
			total: 2, inserts: map[int][]byte{0: []byte(`0`)}, errorsOn: true,
			want: `{"took":3,"items":[0,1],"errors":true}`,
		},
		{
			name: "errors kept without inserts", resp: `{"errors":false,"items":[1,2]}`, key: "items",
			total: 2, errorsOn: true, want: `{"errors":false,"items":[1,2]}`,
		},
		{
			name: "errors untouched for msearch", resp: `{"took":1,"responses":[{"a":1}],"errors":false}`, key: "responses",
			total: 2, inserts: map[int][]byte{1: []byte(`{"b":2}`)},
			want: `{"took":1,"responses":[{"a":1},{"b":2}],"errors":false}`,
		},
		{
			name: "missing errors key stays missing", resp: `{"items":[]}`, key: "items",
			total: 1, inserts: map[int][]byte{0: []byte(`{"x":1}`)}, errorsOn: true,
			want: `{"items":[{"x":1}]}`,
		},
		{
			name: "pretty printed", key: "docs", total: 4, inserts: map[int][]byte{0: []byte(`"a"`), 3: []byte(`"d"`)},
			resp: "{\n  \"docs\" : [\n    \"b\",\n    \"c\"\n  ]\n}\n",
			want: "{\n  \"docs\" : [\n    \"a\",\n    \"b\",\n    \"c\",\n    \"d\"\n  ]\n}\n",
		},
		{
			name: "only inserts into an empty array", resp: `{"docs":[ ]}`, key: "docs",
			total: 2, inserts: map[int][]byte{0: []byte(`1`), 1: []byte(`2`)}, want: `{"docs":[ 1,2]}`,
		},
		{
			name: "a nested key of the same name is not the array", resp: `{"x":{"items":[9]},"items":[1]}`, key: "items",
			total: 1, want: `{"x":{"items":[9]},"items":[1]}`,
		},
		{name: "too few entries", resp: `{"items":[1]}`, key: "items", total: 3, inserts: map[int][]byte{0: []byte(`0`)},
			wantErr: `bodies: the response's "items" array has 1 entries, want 2`},
		{name: "too many entries", resp: `{"items":[1,2]}`, key: "items", total: 1,
			wantErr: `bodies: the response's "items" array has 2 entries, want 1`},
		{name: "insert out of range", resp: `{"items":[]}`, key: "items", total: 1, inserts: map[int][]byte{1: []byte(`0`)},
			wantErr: "bodies: insert position 1 outside [0,1)"},
		{name: "insert not JSON", resp: `{"items":[]}`, key: "items", total: 1, inserts: map[int][]byte{0: []byte(`{`)},
			wantErr: "bodies: insert at position 0: x_content_e_o_f_exception: [1:2] Unexpected end of file"},
		{name: "insert of two values", resp: `{"items":[]}`, key: "items", total: 1, inserts: map[int][]byte{0: []byte(`1 2`)},
			wantErr: "bodies: insert at position 0: more than one value"},
		{name: "no array", resp: `{"items":{}}`, key: "items", total: 0, wantErr: `bodies: the response has no top-level array "items"`},
		{name: "not an object", resp: `[]`, key: "items", total: 0, wantErr: "bodies: the response is not a JSON object"},
		{name: "trailing data", resp: `{"items":[]} {}`, key: "items", total: 0, wantErr: "bodies: the response has data after its JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := MergeArray([]byte(tt.resp), tt.key, tt.total, tt.inserts, tt.errorsOn)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("err = %v, want %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

// TestMergeArrayProperty splits random item lists into forwarded and withheld items and
// checks that merging gives back every item at its place, with the rest of the response
// intact.
func TestMergeArrayProperty(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 500; round++ {
		total := r.IntN(12)
		all := make([]string, total)
		for i := range all {
			all[i] = `{"n":` + strconv.Itoa(i) + `,"s":"` + strings.Repeat("x", r.IntN(4)) + `"}`
		}
		inserts := map[int][]byte{}
		var forwarded []string
		for i, item := range all {
			if r.IntN(3) == 0 {
				inserts[i] = []byte(item)
			} else {
				forwarded = append(forwarded, item)
			}
		}
		sep := []string{",", ", ", ",\n  "}[r.IntN(3)]
		resp := `{"took":` + strconv.Itoa(round) + `,"errors":false,"items":[` + strings.Join(forwarded, sep) + `],"z":[]}`
		got, err := MergeArray([]byte(resp), "items", total, inserts, true)
		if err != nil {
			t.Fatalf("round %d: %v\n%s", round, err, resp)
		}
		var out struct {
			Took   int               `json:"took"`
			Errors bool              `json:"errors"`
			Items  []json.RawMessage `json:"items"`
			Z      []int             `json:"z"`
		}
		if err := json.Unmarshal(got, &out); err != nil {
			t.Fatalf("round %d: %v\n%s", round, err, got)
		}
		items := make([]string, len(out.Items))
		for i, it := range out.Items {
			items[i] = string(it)
		}
		if len(all) == 0 {
			all = []string{}
		}
		if !reflect.DeepEqual(items, all) || out.Took != round || out.Errors != (len(inserts) > 0) || out.Z == nil {
			t.Fatalf("round %d: merged %s\nfrom %s", round, got, resp)
		}
		if len(inserts) == 0 && string(got) != resp {
			t.Fatalf("round %d: without inserts the response changed:\n%s\n%s", round, got, resp)
		}
	}
}
