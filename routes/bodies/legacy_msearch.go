package bodies

import (
	"bytes"
	"math"
	"math/big"
	"slices"
	"strconv"
)

// ScanLegacyMultiSearch walks an _msearch body of Elasticsearch 1.x (version 1) or 2.x
// (version 2) the way that version's MultiSearchRequest.add reads it and calls visit
// for each search in order, with the SearchItem that ScanMultiSearchWith gives for
// later versions. defaultIndices are the indices of the path (/{index}/_msearch) or of
// ?index=, split at commas with empty names dropped; nil for none.
//
// Those versions read the body differently from ScanMultiSearchWith in ways that shift
// or widen searches, which is why this scanner exists:
//
//   - a body whose first byte is '\n' skips that first line, and only that one; any
//     other empty or white-space header line is a header without keys;
//   - a header key that Elasticsearch does not know is ignored, not refused; the keys
//     it reads are index and indices, type and types, search_type and searchType,
//     preference, routing, query_cache and queryCache (1.x) or request_cache and
//     requestCache (2.x), and the indices options below;
//   - a header that names no index takes defaultIndices; Indices is then
//     defaultIndices and HasIndices is false;
//   - "index" given as a string is split at commas with every empty name dropped
//     (splitStringByCommaToArray of that era), so "" and "," mean all indices, as does
//     []; given as an array, each element is one name;
//   - the indices options of each search are those of its header applied over
//     IndicesOptions.strictExpandOpenAndForbidClosed(): the ignore_unavailable,
//     allow_no_indices and expand_wildcards of the query string do not reach the
//     searches. IndicesOptions.fromMap reads expand_wildcards, else expandWildcards
//     (and likewise for the others), a null value counting as absent; the booleans are
//     XContentMapValues.nodeBooleanValue, which takes anything but false, 0 and "off"
//     as true, and a number by its int value. So that the caller needs no other
//     defaults, ExpandWildcards is always set, to "open", "closed", "open,closed" or
//     "none", and IgnoreUnavailable and AllowNoIndices to "true" or "false";
//     IgnoreThrottled is always "".
//
// Body lines are not parsed. The body's format is derived as Elasticsearch derives it;
// SMILE, YAML and CBOR bodies are refused.
//
// Stricter than Elasticsearch: a header that is not a JSON object (Elasticsearch reads
// a lone value or an array as no keys), content after the header object, two spellings
// of one key (index and indices, type and types...), whose winner depends on Java's
// HashMap order, repeated keys (Elasticsearch keeps the last), unquoted keys, an index
// or type that is null, an object, a fraction or a nested array, an empty index name
// in an array, a null query_cache or request_cache, a last header without a body line
// and content after the last newline (Elasticsearch drops them) are refused; and so is
// a body without searches.
//
// Searches are visited as they are read; an error from visit stops the scan and is
// returned as is.
func ScanLegacyMultiSearch(body []byte, defaultIndices []string, version int, visit func(SearchItem) error) error {
	if err := legacyCheckVersion(version); err != nil {
		return err
	}
	if err := legacyDetect(body, version); err != nil {
		return err
	}
	var lx ndLexer
	line, from, items := 0, 0, 0
	if body[0] == '\n' { // "support first line with \n"
		line, from = 1, 1
	}
	for {
		nl := bytes.IndexByte(body[from:], '\n')
		if nl < 0 {
			if from != len(body) {
				return ndIllegalArgument("The msearch request must be terminated by a newline [\n]")
			}
			break
		}
		nl += from
		line++
		item := SearchItem{HeaderStart: from, HeaderEnd: nl + 1, Line: line}
		if err := legacyReadSearchHeader(&lx, body[from:nl], version, line, &item); err != nil {
			return err
		}
		if !item.HasIndices {
			item.Indices = slices.Clone(defaultIndices)
		}
		from = nl + 1
		next := bytes.IndexByte(body[from:], '\n')
		if next < 0 {
			if from != len(body) {
				return ndIllegalArgument("The msearch request must be terminated by a newline [\n]")
			}
			return ndIllegalArgument("Multi search header line [" + strconv.Itoa(line) + "] has no body line")
		}
		line++
		item.BodyStart, item.BodyEnd = from, from+next+1
		from = item.BodyEnd
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

// legacySearchKeys maps the header keys that MultiSearchRequest.add and
// IndicesOptions.fromMap read, per version, to one name per parameter.
var legacySearchKeys = [3]map[string]string{
	1: {
		"index": "index", "indices": "index", "type": "type", "types": "type",
		"search_type": "search_type", "searchType": "search_type",
		"query_cache": "cache", "queryCache": "cache",
		"preference": "preference", "routing": "routing",
	},
	2: {
		"index": "index", "indices": "index", "type": "type", "types": "type",
		"search_type": "search_type", "searchType": "search_type",
		"request_cache": "cache", "requestCache": "cache",
		"preference": "preference", "routing": "routing",
	},
}

// legacyReadSearchHeader reads one header line into item.
func legacyReadSearchHeader(lx *ndLexer, raw []byte, version, line int, item *SearchItem) error {
	where := "Multi search header line [" + strconv.Itoa(line) + "]: "
	var keys []string
	var vals []ndHValue
	lx.reset(raw)
	tok, err := lx.next()
	if err != nil {
		return err
	}
	switch tok {
	case ndEOF:
	case ndStartObject:
		if keys, vals, err = ndReadHObject(lx); err != nil {
			return err
		}
		if tok, err = lx.next(); err != nil {
			return err
		}
		if tok != ndEOF {
			return ndIllegalArgument(where + "esguard refuses content after the header object")
		}
	default:
		return ndIllegalArgument(where + "esguard refuses a header that is not a JSON object")
	}
	get := func(k string) (*ndHValue, bool) {
		for i := range keys {
			if keys[i] == k {
				return &vals[i], true
			}
		}
		return nil, false
	}
	seen := map[string]string{}
	for i, k := range keys {
		canon, known := legacySearchKeys[version][k]
		if !known {
			continue
		}
		if other, dup := seen[canon]; dup {
			return ndIllegalArgument(where + "keys [" + other + "] and [" + k + "] set the same parameter: give one of them")
		}
		seen[canon] = k
		v := &vals[i]
		switch canon {
		case "index":
			names, err := legacyHeaderNames(v, where, k)
			if err != nil {
				return err
			}
			for _, n := range names {
				if n == "" {
					return legacyEmptyIndex(where)
				}
			}
			if names == nil {
				names = []string{}
			}
			item.Indices, item.HasIndices = names, true
		case "type":
			if _, err := legacyHeaderNames(v, where, k); err != nil {
				return err
			}
		case "cache":
			if v.tok == ndNull {
				return ndIllegalArgument(where + "[" + k + "] must not be null")
			}
		}
	}
	// IndicesOptions.fromMap over strictExpandOpenAndForbidClosed.
	pick := func(snake, camel string) *ndHValue {
		v, ok := get(snake)
		if !ok {
			v, _ = get(camel)
		}
		if v != nil && v.tok == ndNull {
			return nil
		}
		return v
	}
	open, closed := true, false
	if v := pick("expand_wildcards", "expandWildcards"); v != nil {
		var parts []string
		if v.tok == ndStartArray {
			for _, e := range v.elems {
				s := "null"
				if e.tok != ndNull {
					s = e.javaString()
				}
				parts = append(parts, s)
			}
		} else {
			parts = legacySplitComma(v.javaString())
		}
		open, closed = false, false
		for _, p := range parts {
			switch p {
			case "open":
				open = true
			case "closed":
				closed = true
			case "none":
				open, closed = false, false
			case "all":
				open, closed = true, true
			default:
				return ndIllegalArgument("No valid expand wildcard value [" + p + "]")
			}
		}
	}
	switch {
	case open && closed:
		item.ExpandWildcards = "open,closed"
	case open:
		item.ExpandWildcards = "open"
	case closed:
		item.ExpandWildcards = "closed"
	default:
		item.ExpandWildcards = "none"
	}
	item.IgnoreUnavailable = strconv.FormatBool(legacyNodeBoolean(pick("ignore_unavailable", "ignoreUnavailable"), false))
	item.AllowNoIndices = strconv.FormatBool(legacyNodeBoolean(pick("allow_no_indices", "allowNoIndices"), true))
	return nil
}

// legacyHeaderNames is XContentMapValues.nodeStringArrayValue for an index or type:
// the elements of a list, else the value's text split at commas. The values whose Java
// toString a guard should not guess (null, objects, fractions, nested lists) are
// refused.
func legacyHeaderNames(v *ndHValue, where, key string) ([]string, error) {
	bad := func() error {
		return ndIllegalArgument(where + "[" + key + "] must be a string or an array of strings")
	}
	switch {
	case v.tok == ndNull:
		return nil, ndIllegalArgument(where + "[" + key + "] must not be null")
	case v.tok == ndStartObject || (v.tok == ndNumber && v.float):
		return nil, bad()
	case v.tok == ndStartArray:
		names := make([]string, 0, len(v.elems))
		for i, e := range v.elems {
			switch {
			case e.tok == ndNull:
				return nil, ndIllegalArgument(where + "[" + key + "][" + strconv.Itoa(i) + "] must not be null")
			case e.tok == ndStartArray || e.tok == ndStartObject || (e.tok == ndNumber && e.float):
				return nil, bad()
			}
			names = append(names, e.javaString())
		}
		return names, nil
	}
	return legacySplitComma(v.javaString()), nil
}

// legacyNodeBoolean is XContentMapValues.nodeBooleanValue(node, defaultValue) of 1.x and
// 2.x: a boolean as is, a number by Number.intValue() != 0, anything else by its
// toString, which is false only for "false", "0" and "off".
func legacyNodeBoolean(v *ndHValue, def bool) bool {
	if v == nil {
		return def
	}
	switch v.tok {
	case ndTrue:
		return true
	case ndFalse:
		return false
	case ndNumber:
		if v.float {
			// (int) of a double truncates towards zero and saturates.
			f, _ := strconv.ParseFloat(v.text, 64) // ±Inf beyond the range, 0 below it
			return math.Abs(f) >= 1
		}
		// intValue() of an Integer, Long or BigInteger keeps the low 32 bits.
		n, ok := new(big.Int).SetString(v.text, 10)
		if !ok {
			return true
		}
		return new(big.Int).Mod(n, big.NewInt(1<<32)).Sign() != 0
	}
	s := v.javaString()
	return s != "false" && s != "0" && s != "off"
}
