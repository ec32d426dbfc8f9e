package bodies

import (
	"bytes"
	"errors"
	"testing"
)

func FuzzScanBulk(f *testing.F) {
	for _, s := range []string{
		`{"index":{"_index":"a","_id":"1"}}` + "\n{}\n",
		`{"delete":{"_index":"b"}}` + "\n\n" + `{"update":{"_id":"1","retry_on_conflict":"2"}}` + "\r\n{}\r\n",
		`{"create":{"_index":"c\u0041","dynamic_templates":{"a":"b"},"_source":{"includes":["x"]}}}` + "\n{}",
		"\xEF\xBB\xBF/*c*/{\"index\":{\"op_type\":\"create\",\"version\":1.5e2}} //x\n{}\n",
	} {
		f.Add([]byte(s), "def")
	}
	f.Fuzz(func(t *testing.T, body []byte, def string) {
		prev := 0
		err := ScanBulk(body, def, func(it BulkItem) error {
			if it.Start < prev || it.End <= it.Start || it.End > len(body) {
				t.Fatalf("range [%d,%d) after %d in %d bytes", it.Start, it.End, prev, len(body))
			}
			prev = it.End
			if body[it.End-1] != '\n' || it.Line < 1 || it.Op > OpDelete {
				t.Fatalf("bad item %+v", it)
			}
			action := body[it.Start:it.End]
			if it.Op != OpDelete {
				action = action[:bytes.IndexByte(action, '\n')]
			}
			escaped := bytes.IndexByte(action, '\\') >= 0
			if it.Index != def && !escaped && !bytes.Contains(action, []byte(it.Index)) {
				t.Fatalf("index %q is neither the default nor in %q", it.Index, action)
			}
			if !escaped && !bytes.Contains(action, []byte(it.ID)) {
				t.Fatalf("id %q is not in %q", it.ID, action)
			}
			return nil
		})
		var bad *BadRequestError
		if err != nil && !errors.As(err, &bad) {
			t.Fatalf("err = %v, want a BadRequestError", err)
		}
	})
}
