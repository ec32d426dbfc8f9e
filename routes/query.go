package routes

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
)

// queryIndexKeys are the body keys with which the query DSL reads documents of another
// index: terms lookup and geo_shape indexed_shape ("index"), more_like_this and
// percolate documents ("_index"), lookup runtime fields ("target_index") and the
// like ("indices").
var queryIndexKeys = map[string]bool{"index": true, "_index": true, "indices": true, "target_index": true}

// ReadsQueryBody reports whether requests for action carry a query whose DSL may name
// other indices: searches and the other document reads, and the by-query writes.
func ReadsQueryBody(action string) bool {
	return strings.HasPrefix(action, "indices:data/read/") ||
		action == "indices:data/write/update/byquery" ||
		action == "indices:data/write/delete/byquery" ||
		action == "indices:data/write/delete/by_query" // Elasticsearch 1.x and 2.x
}

// QueryNamesIndex reports whether a JSON request body has, at any depth, a key with
// which the query DSL names another index. A body that is not exactly one well-formed
// JSON value is an error. The check is by key name alone, so a document field called
// "index" also answers true: callers refuse such bodies rather than risk an
// unauthorized read.
func QueryNamesIndex(body []byte) (bool, error) {
	type container struct{ object, expectKey bool }
	dec := json.NewDecoder(bytes.NewReader(body))
	var stack []container
	found, values := false, 0
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			if len(stack) > 0 {
				return false, io.ErrUnexpectedEOF
			}
			break
		}
		if err != nil {
			return false, err
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			stack = stack[:len(stack)-1]
			continue
		}
		if n := len(stack); n > 0 && stack[n-1].object {
			if stack[n-1].expectKey {
				stack[n-1].expectKey = false
				if k, ok := tok.(string); ok && queryIndexKeys[k] {
					found = true
				}
				continue
			}
			stack[n-1].expectKey = true
		}
		if len(stack) == 0 {
			if values++; values > 1 {
				return false, errors.New("more than one JSON value in the body")
			}
		}
		if d, ok := tok.(json.Delim); ok {
			stack = append(stack, container{object: d == '{', expectKey: d == '{'})
		}
	}
	return found, nil
}
