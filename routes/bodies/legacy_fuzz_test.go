package bodies

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
)

// legacyJSONText is what parser.text() gives for a decoded scalar, and false for
// anything else.
func legacyJSONText(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case json.Number:
		return v.String(), true
	case bool:
		if v {
			return "true", true
		}
		return "false", true
	}
	return "", false
}

// legacyDecodeLine decodes one JSON object with encoding/json, keeping numbers as
// written; ok is false for what encoding/json does not read (comments, a byte order
// mark, several values).
func legacyDecodeLine(line []byte) (map[string]any, bool) {
	d := json.NewDecoder(bytes.NewReader(line))
	d.UseNumber()
	var m map[string]any
	if d.Decode(&m) != nil || d.More() {
		return nil, false
	}
	return m, true
}

func FuzzScanLegacyBulk(f *testing.F) {
	for _, s := range []string{
		`{"index":{"_index":"a","_type":"t","_id":"1"}}` + "\n{}\n",
		`{"delete":{"_index":"b","_type":"t","_id":"1"}}` + "\n\n" + `{"update":{"_id":"1","_retry_on_conflict":"2"}}` + "\r\n{}\r\n",
		`{"update":{"_index":"c\u0041","fields":["_source"],"_ttl":"1d"}}` + "\n{}\n",
		"\xEF\xBB\xBF/*c*/{\"index\":{\"op_type\":\"create\",\"version\":1.5e2,\"_index\":null}}\n{}\n",
		`{"index":{"_index":5,"_type":true}}` + "\n" + `{"index":{"_index":"x"}}` + "\n",
	} {
		f.Add([]byte(s), "def", "t", uint8(1))
		f.Add([]byte(s), "", "", uint8(2))
	}
	f.Fuzz(func(t *testing.T, body []byte, defIndex, defType string, version uint8) {
		v := int(version%2) + 1
		prev := 0
		err := ScanLegacyBulk(body, defIndex, defType, v, func(it LegacyBulkItem) error {
			if it.Start < prev || it.End <= it.Start || it.End > len(body) {
				t.Fatalf("range [%d,%d) after %d in %d bytes", it.Start, it.End, prev, len(body))
			}
			prev = it.End
			if body[it.End-1] != '\n' || it.Line < 1 || it.Op > OpDelete || it.Index == "" {
				t.Fatalf("bad item %+v", it)
			}
			action := body[it.Start:it.End]
			action = action[:bytes.IndexByte(action, '\n')]
			m, ok := legacyDecodeLine(action)
			if !ok {
				if it.Index != defIndex && bytes.IndexByte(action, '\\') < 0 && !bytes.Contains(action, []byte(it.Index)) {
					t.Fatalf("index %q is neither the default nor in %q", it.Index, action)
				}
				return nil
			}
			if len(m) != 1 {
				t.Fatalf("action line %q has %d keys", action, len(m))
			}
			for op, params := range m {
				if op != "index" && op != "create" && op != "update" && op != "delete" {
					t.Fatalf("action %q accepted", op)
				}
				p, _ := params.(map[string]any)
				want := defIndex
				if raw, ok := p["_index"]; ok && raw != nil {
					if want, ok = legacyJSONText(raw); !ok {
						t.Fatalf("_index %v accepted", raw)
					}
				}
				if it.Index != want {
					t.Fatalf("index %q, the body names %q in %q", it.Index, want, action)
				}
			}
			return nil
		})
		var bad *BadRequestError
		if err != nil && !errors.As(err, &bad) {
			t.Fatalf("err = %v, want a BadRequestError", err)
		}
	})
}

func FuzzScanLegacyMultiSearch(f *testing.F) {
	for _, s := range []string{
		`{"index":"a,b"}` + "\n{}\n" + `{"indices":["c",1]}` + "\n{}\n",
		"\n{}\n{}\n\n{}\n",
		`{"type":"t","expand_wildcards":["open","closed"],"ignore_unavailable":"x"}` + "\r\n{}\r\n",
		`{"index":""}` + "\n{}\n" + `{"index":"\u0061"}` + "\n{}\n",
	} {
		f.Add([]byte(s), "d1,d2", uint8(1))
		f.Add([]byte(s), "", uint8(2))
	}
	f.Fuzz(func(t *testing.T, body []byte, def string, version uint8) {
		v := int(version%2) + 1
		defIndices := legacySplitComma(def)
		prev := 0
		err := ScanLegacyMultiSearch(body, defIndices, v, func(it SearchItem) error {
			if it.HeaderStart < prev || it.HeaderEnd <= it.HeaderStart || it.BodyStart != it.HeaderEnd ||
				it.BodyEnd <= it.BodyStart || it.BodyEnd > len(body) || body[it.HeaderEnd-1] != '\n' || body[it.BodyEnd-1] != '\n' {
				t.Fatalf("bad ranges %+v in %d bytes", it, len(body))
			}
			prev = it.BodyEnd
			header := body[it.HeaderStart : it.HeaderEnd-1]
			m, ok := legacyDecodeLine(header)
			if !ok {
				if !it.HasIndices {
					return nil
				}
				for _, ix := range it.Indices {
					if ix == "" || (bytes.IndexByte(header, '\\') < 0 && !bytes.Contains(header, []byte(ix))) {
						t.Fatalf("index %q is not in %q", ix, header)
					}
				}
				return nil
			}
			raw, named := m["index"]
			if r2, ok := m["indices"]; ok {
				raw, named = r2, true
			}
			if named != it.HasIndices {
				t.Fatalf("HasIndices %v for %q", it.HasIndices, header)
			}
			var want []string
			switch r := raw.(type) {
			case nil:
				if named {
					t.Fatalf("null index accepted in %q", header)
				}
				want = defIndices
			case []any:
				for _, e := range r {
					s, ok := legacyJSONText(e)
					if !ok {
						t.Fatalf("index element %v accepted in %q", e, header)
					}
					want = append(want, s)
				}
			default:
				s, ok := legacyJSONText(r)
				if !ok {
					t.Fatalf("index %v accepted in %q", r, header)
				}
				want = legacySplitComma(s)
			}
			if len(want) != len(it.Indices) {
				t.Fatalf("indices %q, the header names %q in %q", it.Indices, want, header)
			}
			for i := range want {
				if want[i] != it.Indices[i] || want[i] == "" {
					t.Fatalf("indices %q, the header names %q in %q", it.Indices, want, header)
				}
			}
			return nil
		})
		var bad *BadRequestError
		if err != nil && !errors.As(err, &bad) {
			t.Fatalf("err = %v, want a BadRequestError", err)
		}
	})
}

func FuzzScanLegacyDocs(f *testing.F) {
	for _, s := range []string{
		`{"docs":[{"_index":"a","_type":"t","_id":"1","_source":{"include":["x"]}},{"_id":2,"fields":"f"}],"ids":["3"]}`,
		`{"parameters":{"_index":"p","_type":"pt"},"docs":[{"_id":"1","doc":{"_index":"x"}}],"ids":["a","b"]}`,
		`{"docs":[{"_id":"1","foo":[{"_index":"other"}]}]}`,
		`{"docs":[{"_index":"a","_type":"t","_id":"1","filter":{"max_num_terms":1},"per_field_analyzer":{"f":"k"}}]}`,
	} {
		f.Add([]byte(s), "def", "t", uint8(0))
		f.Add([]byte(s), "", "", uint8(3))
	}
	f.Fuzz(func(t *testing.T, body []byte, defIndex, defType string, mode uint8) {
		v, tv := int(mode%2)+1, mode&2 != 0
		docs, err := ScanLegacyDocs(body, defIndex, defType, tv, v)
		if err != nil {
			var bad *BadRequestError
			if !errors.As(err, &bad) {
				t.Fatalf("err = %v, want a BadRequestError", err)
			}
			return
		}
		if len(docs) == 0 {
			t.Fatal("no documents and no error")
		}
		// The indices a document may have: the default, a _index of the body (of a
		// document, or of the "parameters" template of _mtermvectors).
		named := map[string]bool{defIndex: true}
		var top map[string]any
		d := json.NewDecoder(bytes.NewReader(body))
		d.UseNumber()
		if d.Decode(&top) != nil || d.More() {
			for _, doc := range docs {
				if doc.Index == "" || (bytes.IndexByte(body, '\\') < 0 && !bytes.Contains(body, []byte(doc.Index))) {
					t.Fatalf("index %q is not in %q", doc.Index, body)
				}
			}
			return
		}
		objs := []any{top["parameters"]}
		if arr, ok := top["docs"].([]any); ok {
			objs = append(objs, arr...)
		}
		for _, o := range objs {
			m, _ := o.(map[string]any)
			if raw, ok := m["_index"]; ok && raw != nil {
				s, ok := legacyJSONText(raw)
				if !ok {
					t.Fatalf("_index %v accepted in %q", raw, body)
				}
				named[s] = true
			}
		}
		for i, doc := range docs {
			if doc.Pos != i || doc.Index == "" || !named[doc.Index] {
				t.Fatalf("document %+v: the body names %v", doc, named)
			}
		}
	})
}
