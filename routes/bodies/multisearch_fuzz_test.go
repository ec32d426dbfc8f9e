package bodies

import (
	"bytes"
	"errors"
	"testing"
)

func FuzzScanMultiSearch(f *testing.F) {
	for _, s := range []string{
		`{"index":"a,b","expand_wildcards":["open"]}` + "\n{}\n",
		"\n{}\n" + `{"indices":["x",1],"ignore_unavailable":true}` + "\r\n{\"query\":{}}\r\n",
		`{"index":"a","preference":{"k":[1.5,{"z":null}]}}` + "\n\n\"s\"\n{}\n",
	} {
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, body []byte, fleet bool) {
		prev := 0
		err := ScanMultiSearchWith(body, MultiSearchOptions{Fleet: fleet}, func(it SearchItem) error {
			if it.HeaderStart != prev || it.HeaderEnd != it.BodyStart || it.BodyEnd <= it.BodyStart || it.BodyEnd > len(body) {
				t.Fatalf("bad ranges %+v after %d in %d bytes", it, prev, len(body))
			}
			prev = it.BodyEnd
			if body[it.HeaderEnd-1] != '\n' || body[it.BodyEnd-1] != '\n' {
				t.Fatalf("ranges without newline: %+v", it)
			}
			if it.HasIndices != (it.Indices != nil) {
				t.Fatalf("HasIndices %v with %#v", it.HasIndices, it.Indices)
			}
			header := body[it.HeaderStart:it.HeaderEnd]
			if bytes.IndexByte(header, '\\') < 0 {
				for _, ix := range it.Indices {
					if !bytes.Contains(header, []byte(ix)) {
						t.Fatalf("index %q is not in %q", ix, header)
					}
				}
			}
			if it.HasIndices && len(it.Indices) > 0 {
				h, err := MultiSearchHeader(header[:len(header)-1], it.Indices)
				if err == nil && bytes.IndexByte(h, '\n') >= 0 {
					t.Fatalf("MultiSearchHeader made %q", h)
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
