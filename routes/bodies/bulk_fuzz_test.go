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

// FuzzBulkFastAction checks that every action line the fast path accepts is read the
// same way, and accepted, by the full parser.
func FuzzBulkFastAction(f *testing.F) {
	for _, s := range []string{
		`{"index":{"_index":"a","_id":"1"}}`,
		`{"create":{"_index":"logs-2026.01.01","_id":"bench-1","pipeline":"p","routing":"r"}}`,
		`{"index":{"op_type":"create","_index":"b"}}` + "\r",
		`{"update":{"_id":"1"}}`,
		`{"delete":{}}`,
		`{"index":{"_index":"a","_index":"b"}}`,
		`{"index":{"_index":"a"}}}`,
		`{"index":{"_id":"a\"b"}}`,
		`{"index":{"_id":"é"}}`,
	} {
		f.Add([]byte(s), "def")
	}
	f.Fuzz(func(t *testing.T, line []byte, def string) {
		if bytes.IndexByte(line, '\n') >= 0 {
			return
		}
		fast := ndBulkScanner{defaultIndex: def, intern: map[string]string{}}
		got, ok := fast.fastAction(line)
		if !ok {
			return
		}
		full := ndBulkScanner{defaultIndex: def, intern: map[string]string{}}
		want, ok, err := full.fullAction(line, 1)
		if err != nil || !ok {
			t.Fatalf("fast path accepted %q, the full parser: ok=%v err=%v", line, ok, err)
		}
		if got != want {
			t.Fatalf("%q: fast path %+v, full parser %+v", line, got, want)
		}
	})
}
