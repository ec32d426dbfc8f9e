package bodies

import (
	"errors"
	"fmt"
	"sort"
)

// MergeArray splices entries into the response of a request from which some items were
// withheld, so that the client gets an entry at every original position. resp is the
// upstream JSON object, key the name of its top-level array ("items" for _bulk,
// "responses" for _msearch, "docs" for _mget and _mtermvectors), total the number of
// items of the original request, and inserts maps original positions to the raw JSON
// value to put there. The upstream array holds the forwarded items in their original
// order; the result interleaves them so that each insert sits at its original position.
//
// With setErrorsTrue and at least one insert, the value of the top-level "errors" key
// (_bulk) becomes true; a response without the key (filter_path may remove it) is left
// without. Every other byte of the response is kept: the array's elements are joined
// with the separator found between its first two elements, else ",".
//
// An upstream array whose length is not total-len(inserts), an insert position outside
// [0,total), an insert that is not one JSON value, or a response that is not a JSON
// object with that array is an error.
func MergeArray(resp []byte, key string, total int, inserts map[int][]byte, setErrorsTrue bool) ([]byte, error) {
	if total < 0 || len(inserts) > total {
		return nil, fmt.Errorf("bodies: %d inserts for %d items", len(inserts), total)
	}
	var lx ndLexer
	for pos, v := range inserts {
		if pos < 0 || pos >= total {
			return nil, fmt.Errorf("bodies: insert position %d outside [0,%d)", pos, total)
		}
		if err := ndOneValue(&lx, v); err != nil {
			return nil, fmt.Errorf("bodies: insert at position %d: %w", pos, err)
		}
	}
	lx.reset(resp)
	tok, err := lx.next()
	if err != nil {
		return nil, fmt.Errorf("bodies: response: %w", err)
	}
	if tok != ndStartObject {
		return nil, errors.New("bodies: the response is not a JSON object")
	}
	var (
		found            bool
		open, closing    int
		elems            [][2]int
		errStart, errEnd = -1, -1
		cur              []byte
	)
	for {
		if tok, err = lx.next(); err != nil {
			return nil, fmt.Errorf("bodies: response: %w", err)
		}
		if tok == ndEndObject {
			break
		}
		if tok == ndField {
			cur = lx.name()
			continue
		}
		switch {
		case string(cur) == key && tok == ndStartArray:
			found = true
			open = lx.start
			for {
				if tok, err = lx.next(); err != nil {
					return nil, fmt.Errorf("bodies: response: %w", err)
				}
				if tok == ndEndArray {
					break
				}
				start := lx.start
				if err = lx.skip(); err != nil {
					return nil, fmt.Errorf("bodies: response: %w", err)
				}
				elems = append(elems, [2]int{start, lx.end})
			}
			closing = lx.start
		case string(cur) == "errors":
			errStart = lx.start
			if err = lx.skip(); err != nil {
				return nil, fmt.Errorf("bodies: response: %w", err)
			}
			errEnd = lx.end
		default:
			if err = lx.skip(); err != nil {
				return nil, fmt.Errorf("bodies: response: %w", err)
			}
		}
	}
	if tok, err = lx.next(); err != nil || tok != ndEOF {
		return nil, errors.New("bodies: the response has data after its JSON object")
	}
	if !found {
		return nil, fmt.Errorf("bodies: the response has no top-level array %q", key)
	}
	if len(elems) != total-len(inserts) {
		return nil, fmt.Errorf("bodies: the response's %q array has %d entries, want %d", key, len(elems), total-len(inserts))
	}

	sep := []byte{','}
	if len(elems) >= 2 {
		sep = resp[elems[0][1]:elems[1][0]]
	}
	lead, trail := resp[open+1:closing], []byte(nil)
	if len(elems) > 0 {
		lead, trail = resp[open+1:elems[0][0]], resp[elems[len(elems)-1][1]:closing]
	}
	array := make([]byte, 0, closing-open+total*2+ndInsertsSize(inserts))
	array = append(array, lead...)
	next := 0
	for pos := 0; pos < total; pos++ {
		if pos > 0 {
			array = append(array, sep...)
		}
		if v, ok := inserts[pos]; ok {
			array = append(array, v...)
			continue
		}
		array = append(array, resp[elems[next][0]:elems[next][1]]...)
		next++
	}
	array = append(array, trail...)

	type patch struct {
		start, end int
		with       []byte
	}
	patches := []patch{{open + 1, closing, array}}
	if setErrorsTrue && len(inserts) > 0 && errStart >= 0 {
		patches = append(patches, patch{errStart, errEnd, []byte("true")})
	}
	sort.Slice(patches, func(i, j int) bool { return patches[i].start < patches[j].start })
	out := make([]byte, 0, len(resp)+len(array))
	last := 0
	for _, p := range patches {
		out = append(out, resp[last:p.start]...)
		out = append(out, p.with...)
		last = p.end
	}
	return append(out, resp[last:]...), nil
}

func ndInsertsSize(inserts map[int][]byte) int {
	n := 0
	for _, v := range inserts {
		n += len(v)
	}
	return n
}

// ndOneValue checks that b is exactly one JSON value.
func ndOneValue(lx *ndLexer, b []byte) error {
	lx.reset(b)
	tok, err := lx.next()
	if err != nil {
		return err
	}
	if tok == ndEOF {
		return errors.New("empty value")
	}
	if err = lx.skip(); err != nil {
		return err
	}
	if tok, err = lx.next(); err != nil {
		return err
	}
	if tok != ndEOF {
		return errors.New("more than one value")
	}
	return nil
}
