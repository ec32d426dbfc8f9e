package bodies

import (
	"bytes"
	"strconv"
	"strings"
)

// PercolateItem is one percolation of an _mpercolate body (Elasticsearch 1.x and 2.x).
type PercolateItem struct {
	// Count is true for a "count" header, false for "percolate".
	Count bool
	// Indices are the indices the document is percolated against, resolved as
	// MultiPercolateRequest resolves them: the header's, else the default indices, else
	// (for an existing document) the index the document is read from. nil when none
	// names any.
	Indices []string
	// HasDoc is true when the header has "id": the document percolated is read from an
	// index (DocIndex) rather than given in the body line.
	HasDoc bool
	// DocIndex is the index the document is read from: the header's "index" (or
	// "indices"), else the first default index; "" when neither names one.
	DocIndex string
	// DocID is the header's "id".
	DocID string
	// HeaderStart and HeaderEnd are the byte range of the header line, with its newline.
	HeaderStart, HeaderEnd int
	// BodyStart and BodyEnd are the byte range of the body line, with its newline.
	BodyStart, BodyEnd int
	// Line is the 1-based line number of the header line.
	Line int
}

// percolateKeys are the header keys MultiPercolateRequest.parsePercolateAction and
// IndicesOptions.fromMap read.
var percolateKeys = jsSet("id", "index", "indices", "type", "preference", "routing",
	"percolate_index", "percolate_indices", "percolateIndex", "percolateIndices",
	"percolate_type", "percolateType", "percolate_preference", "percolatePreference",
	"percolate_routing", "percolateRouting",
	"expand_wildcards", "expandWildcards", "ignore_unavailable", "ignoreUnavailable",
	"allow_no_indices", "allowNoIndices")

// ScanMultiPercolate walks an _mpercolate body the way MultiPercolateRequest.add of
// Elasticsearch 1.x and 2.x reads it and calls visit for each percolation in order.
// defaultIndices are the indices of the path (/{index}/_mpercolate), nil when it has
// none. It serves the action indices:data/read/mpercolate.
//
// Lines are split at '\n' and come in pairs: a header line and a body line, which is the
// document (or the percolate request) and is not parsed. A body that starts with '\n'
// skips that first line. An empty or white-space header line is a percolation with the
// default indices. A header is one JSON object with one key, "percolate" or "count",
// whose value is an object of the keys above; "index" or "indices" names the indices
// (a string split at commas, empty names dropped, or an array of strings). With "id",
// the document is read from "index" (one name, not split) and percolated against
// "percolate_index" (or percolate_indices, percolateIndex, percolateIndices), else the
// default indices, else the document's index.
//
// Stricter than Elasticsearch, which ignores them or keeps whichever its HashMap
// iterates last: a header with more than one key, an unknown key inside it, two
// spellings of one key (index and indices, percolate_index and percolateIndex...), a
// value that is not a string where a name is read (null, a number, an object), a last
// header without a body line and content after the last newline are refused, never
// skipped. Malformed JSON and repeated keys are refused as Elasticsearch refuses them.
//
// Items are visited as they are read; an error from visit stops the scan and is
// returned as is.
func ScanMultiPercolate(body []byte, defaultIndices []string, visit func(PercolateItem) error) error {
	if len(body) == 0 {
		return ndParseException("request body is required")
	}
	from, line := 0, 0
	if body[0] == '\n' { // "support first line with \n"
		from, line = 1, 1
	}
	items := 0
	for from < len(body) {
		nl := bytes.IndexByte(body[from:], '\n')
		if nl < 0 {
			return ndIllegalArgument("The multi percolate request must be terminated by a newline [\\n]")
		}
		line++
		item := PercolateItem{Line: line, HeaderStart: from, HeaderEnd: from + nl + 1}
		if err := parsePercolateHeader(body[from:from+nl], defaultIndices, &item, line); err != nil {
			return err
		}
		from += nl + 1
		bl := bytes.IndexByte(body[from:], '\n')
		if bl < 0 {
			return ndIllegalArgument("Percolate header line [" + strconv.Itoa(line) + "] has no body line")
		}
		line++
		item.BodyStart, item.BodyEnd = from, from+bl+1
		from += bl + 1
		items++
		if err := visit(item); err != nil {
			return err
		}
	}
	if items == 0 {
		return ndValidation("no requests added")
	}
	return nil
}

// parsePercolateHeader reads one header line into item.
func parsePercolateHeader(raw []byte, defaultIndices []string, item *PercolateItem, line int) error {
	where := "Percolate header line [" + strconv.Itoa(line) + "]: "
	item.Indices = defaultIndices
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil
	}
	v, err := jsDecodeValue(raw)
	if err != nil {
		return err
	}
	if v.kind != '{' || len(v.keys) != 1 {
		return ndParseException(where + "must be an object with one key, percolate or count")
	}
	switch v.keys[0] {
	case "percolate":
	case "count":
		item.Count = true
	default:
		return ndParseException(v.keys[0] + " isn't a supported percolate operation")
	}
	h := v.vals[0]
	if h.kind != '{' {
		return ndParseException("expected start object")
	}
	for _, k := range h.keys {
		if !percolateKeys[k] {
			return ndIllegalArgument(where + "esguard does not accept the key [" + k + "]")
		}
	}
	index, err := onlyOne(h, where, "index", "indices")
	if err != nil {
		return err
	}
	for _, pair := range [][2]string{{"expand_wildcards", "expandWildcards"}, {"ignore_unavailable", "ignoreUnavailable"},
		{"allow_no_indices", "allowNoIndices"}, {"percolate_type", "percolateType"},
		{"percolate_preference", "percolatePreference"}, {"percolate_routing", "percolateRouting"}} {
		if _, err := onlyOne(h, where, pair[0], pair[1]); err != nil {
			return err
		}
	}
	id := h.get("id")
	if id == nil {
		if index != nil {
			names, err := percolateNames(index, where)
			if err != nil {
				return err
			}
			item.Indices = names
		}
		return nil
	}
	item.HasDoc = true
	switch id.kind {
	case 's', 'n':
		item.DocID = id.str
	default:
		return ndIllegalArgument(where + "[id] must be a string, not " + jsTypeName(id))
	}
	if index != nil {
		if index.kind != 's' {
			return ndIllegalArgument(where + "the index of a document must be a string, not " + jsTypeName(index))
		}
		item.DocIndex = index.str
	} else if len(defaultIndices) > 0 {
		item.DocIndex = defaultIndices[0]
	}
	pi, err := onlyOne(h, where, "percolate_index", "percolate_indices", "percolateIndex", "percolateIndices")
	if err != nil {
		return err
	}
	if pi != nil {
		names, err := percolateNames(pi, where)
		if err != nil {
			return err
		}
		item.Indices = names
	}
	if len(item.Indices) == 0 {
		item.Indices = nil
		if item.DocIndex != "" {
			item.Indices = []string{item.DocIndex}
		}
	}
	return nil
}

// onlyOne returns the value of whichever of keys the object has, refusing two of them.
func onlyOne(h *jsValue, where string, keys ...string) (*jsValue, error) {
	var found *jsValue
	var name string
	for _, k := range keys {
		if v := h.get(k); v != nil {
			if found != nil {
				return nil, ndIllegalArgument(where + "[" + name + "] and [" + k + "] are one parameter: give one of them")
			}
			found, name = v, k
		}
	}
	return found, nil
}

// percolateNames is XContentMapValues.nodeStringArrayValue for names: an array of
// strings, or a string split at commas with empty names dropped
// (Strings.splitStringByCommaToArray in 1.x and 2.x).
func percolateNames(v *jsValue, where string) ([]string, error) {
	switch v.kind {
	case 's':
		var out []string
		for _, p := range strings.Split(v.str, ",") {
			if p != "" {
				out = append(out, p)
			}
		}
		return out, nil
	case '[':
		out := make([]string, 0, len(v.vals))
		for _, e := range v.vals {
			if e.kind != 's' {
				return nil, ndIllegalArgument(where + "an index name must be a string, not " + jsTypeName(e))
			}
			out = append(out, e.str)
		}
		return out, nil
	}
	return nil, ndIllegalArgument(where + "indices must be a string or an array of strings, not " + jsTypeName(v))
}
