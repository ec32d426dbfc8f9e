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
