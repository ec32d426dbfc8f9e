package bodies

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func scanPercolate(t *testing.T, body string, def []string) ([]PercolateItem, error) {
	t.Helper()
	var items []PercolateItem
	err := ScanMultiPercolate([]byte(body), def, func(it PercolateItem) error {
		items = append(items, it)
		return nil
	})
	return items, err
}

func TestScanMultiPercolate(t *testing.T) {
	t.Parallel()
	body := "{\"percolate\":{\"index\":\"a,b\",\"type\":\"t\"}}\n{\"doc\":{}}\n" +
		"{\"count\":{\"indices\":[\"c\",\"d\"]}}\n{\"doc\":{}}\n" +
		"\n{\"doc\":{}}\n" +
		"{\"percolate\":{\"id\":\"1\",\"index\":\"src\",\"type\":\"t\"}}\n{}\n" +
		"{\"percolate\":{\"id\":1,\"percolate_index\":\"p1,,p2\"}}\n{}\n" +
		"{\"count\":{\"id\":\"2\"}}\n{}\n"
	items, err := scanPercolate(t, body, []string{"def", "other"})
	if err != nil {
		t.Fatal(err)
	}
	want := []PercolateItem{
		{Indices: []string{"a", "b"}, Line: 1},
		{Count: true, Indices: []string{"c", "d"}, Line: 3},
		{Indices: []string{"def", "other"}, Line: 5},
		{Indices: []string{"def", "other"}, HasDoc: true, DocIndex: "src", DocID: "1", Line: 7},
		{Indices: []string{"p1", "p2"}, HasDoc: true, DocIndex: "def", DocID: "1", Line: 9},
		{Count: true, Indices: []string{"def", "other"}, HasDoc: true, DocIndex: "def", DocID: "2", Line: 11},
	}
	if len(items) != len(want) {
		t.Fatalf("%d items, want %d", len(items), len(want))
	}
	for i, w := range want {
		g := items[i]
		if g.Count != w.Count || !slices.Equal(g.Indices, w.Indices) || g.HasDoc != w.HasDoc || g.DocIndex != w.DocIndex ||
			g.DocID != w.DocID || g.Line != w.Line {
			t.Errorf("item %d = %+v, want %+v", i, g, w)
		}
		if got := body[g.HeaderStart:g.HeaderEnd]; !strings.HasSuffix(got, "\n") || strings.Count(got, "\n") != 1 {
			t.Errorf("item %d header range %q", i, got)
		}
		if got := body[g.BodyStart:g.BodyEnd]; !strings.HasPrefix(got, "{") || !strings.HasSuffix(got, "}\n") {
			t.Errorf("item %d body range %q", i, got)
		}
	}
}

func TestScanMultiPercolateDefaults(t *testing.T) {
	t.Parallel()
	// No path index: an existing document is percolated against its own index.
	items, err := scanPercolate(t, "\n{\"percolate\":{\"id\":\"1\",\"index\":\"src\"}}\n{}\n{\"percolate\":{}}\n{}\n", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 2 || !slices.Equal(items[0].Indices, []string{"src"}) || items[0].Line != 2 || items[1].Indices != nil {
		t.Errorf("items %+v", items)
	}
	// The document's index is one name: "a,b" is not split.
	items, err = scanPercolate(t, "{\"percolate\":{\"id\":\"1\",\"index\":\"a,b\"}}\n{}\n", nil)
	if err != nil || items[0].DocIndex != "a,b" || !slices.Equal(items[0].Indices, []string{"a,b"}) {
		t.Errorf("items %+v, %v", items, err)
	}
}

func TestScanMultiPercolateRefuses(t *testing.T) {
	t.Parallel()
	for _, body := range []string{
		"",
		"\n",
		"{\"percolate\":{}}\n",   // no body line
		"{\"percolate\":{}}\n{}", // body line without newline
		"{\"percolate\":{}}\n{}\n{\"percolate\":{}}",                // trailing content
		"{\"search\":{}}\n{}\n",                                     // unknown operation
		"{\"percolate\":{},\"count\":{}}\n{}\n",                     // two operations
		"[]\n{}\n",                                                  // not an object
		"{\"percolate\":[]}\n{}\n",                                  // operation not an object
		"{\"percolate\":{\"index\":\"a\",\"indices\":\"b\"}}\n{}\n", // two spellings
		"{\"percolate\":{\"index\":null}}\n{}\n",
		"{\"percolate\":{\"index\":5}}\n{}\n",
		"{\"percolate\":{\"index\":[\"a\",{}]}}\n{}\n",
		"{\"percolate\":{\"index\":\"a\",\"index\":\"b\"}}\n{}\n", // duplicate key
		"{\"percolate\":{\"_index\":\"a\"}}\n{}\n",                // unknown key
		"{\"percolate\":{\"id\":\"1\",\"index\":[\"a\"]}}\n{}\n",
		"{\"percolate\":{\"id\":{}}}\n{}\n",
		"{\"percolate\":{\"id\":\"1\",\"percolate_index\":\"a\",\"percolateIndex\":\"b\"}}\n{}\n",
		"{\"percolate\":{\"expand_wildcards\":\"open\",\"expandWildcards\":\"all\"}}\n{}\n",
		"{\"percolate\":{}} x\n{}\n",
		"{\"percolate\":{\n{}\n",
	} {
		_, err := scanPercolate(t, body, []string{"def"})
		var br *BadRequestError
		if !errors.As(err, &br) {
			t.Errorf("%q: %v, want *BadRequestError", body, err)
		}
	}
	stop := errors.New("stop")
	if err := ScanMultiPercolate([]byte("{\"percolate\":{}}\n{}\n"), nil, func(PercolateItem) error { return stop }); err != stop {
		t.Errorf("visit error: %v", err)
	}
}

// FuzzScanMultiPercolate: no panic, ranges inside the body and in order, every item has
// a body line, and an accepted body has at least one item.
func FuzzScanMultiPercolate(f *testing.F) {
	for _, s := range []string{
		"{\"percolate\":{\"index\":\"a\"}}\n{}\n", "\n{}\n{}\n", "{\"count\":{\"id\":\"1\",\"percolate_index\":[\"x\"]}}\n{}\n",
		"{\"percolate\":{}}\n", "", "{}\n{}\n{\"percolate\":{\"index\":\"a,,b\"}}\n{\"doc\":1}\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		last, n := 0, 0
		err := ScanMultiPercolate(body, []string{"d"}, func(it PercolateItem) error {
			if it.HeaderStart < last || it.HeaderEnd != it.BodyStart || it.BodyEnd > len(body) || body[it.BodyEnd-1] != '\n' {
				t.Fatalf("item %+v out of place in %q", it, body)
			}
			if it.HasDoc && it.DocIndex == "" {
				t.Fatalf("item %+v: a document without its index despite a default", it)
			}
			last = it.BodyEnd
			n++
			return nil
		})
		if err == nil && (n == 0 || last != len(body)) {
			t.Fatalf("%q accepted with %d items ending at %d", body, n, last)
		}
		var br *BadRequestError
		if err != nil && !errors.As(err, &br) {
			t.Fatalf("%q: %v", body, err)
		}
	})
}
