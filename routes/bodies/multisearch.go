package bodies

import (
	"bytes"
	"math"
	"strconv"
	"strings"
)

// SearchItem is one search of a multi search body: a header line and a body line.
type SearchItem struct {
	// Indices are the header's "index" or "indices": a string split at commas as
	// Strings.splitStringByCommaToArray splits it, or an array of strings. nil when the
	// header names none. An empty, non-nil slice ("index":"" or "index":[]) means all
	// indices to Elasticsearch.
	Indices    []string
	HasIndices bool
	// ExpandWildcards, IgnoreUnavailable, AllowNoIndices and IgnoreThrottled are the
	// raw header values as strings ("" when absent or null); an expand_wildcards array
	// is joined with ",". Elasticsearch accepted them: the values are checked as
	// IndicesOptions.fromParameters checks them.
	ExpandWildcards, IgnoreUnavailable, AllowNoIndices, IgnoreThrottled string
	// HeaderStart and HeaderEnd are the byte range of the header line, with its newline.
	HeaderStart, HeaderEnd int
	// BodyStart and BodyEnd are the byte range of the body line, with its newline.
	BodyStart, BodyEnd int
	// Line is the 1-based line number of the header line.
	Line int
}

// MultiSearchOptions selects the header keys that some multi search endpoints add to
// those of MultiSearchRequest.readMultiLineFormat.
type MultiSearchOptions struct {
	// Fleet accepts wait_for_checkpoints and wait_for_checkpoints_timeout
	// (RestFleetMultiSearchAction, _fleet/_fleet_msearch).
	Fleet bool
	// CrossProject accepts project_routing and projectRouting, as a cross-project
	// (serverless) cluster does.
	CrossProject bool
}

// ScanMultiSearch walks an _msearch or _msearch/template body the way
// MultiSearchRequest.readMultiLineFormat reads it and calls visit for each search in
// order. See ScanMultiSearchWith.
func ScanMultiSearch(body []byte, visit func(SearchItem) error) error {
	return ScanMultiSearchWith(body, MultiSearchOptions{}, visit)
}

// ScanMultiSearchWith is ScanMultiSearch for the endpoints that accept more header
// keys.
//
// Lines are split at '\n' only and come in pairs: a header line and a body line. An
// empty or white-space header line is a header without keys, not a skipped line (the
// empty first line is skipped only in the 7.x compatible API that 9.x no longer
// serves). A header is read with XContentParser.map(): a JSON object, or a lone scalar
// such as "x" or 1, which Elasticsearch reads as no keys; anything after the value is
// refused ("Unexpected token after end of object"). Body lines are not parsed.
//
// The header keys are those of readMultiLineFormat: index, indices, search_type,
// searchType, ccs_minimize_roundtrips, ccsMinimizeRoundtrips, request_cache,
// requestCache, preference, routing, allow_partial_search_results, expand_wildcards,
// expandWildcards, ignore_unavailable, ignoreUnavailable, allow_no_indices,
// allowNoIndices, ignore_throttled and ignoreThrottled, plus those of opts. Another key
// is refused with "key [k] is not supported in the metadata section". Values are
// checked as Elasticsearch converts them, in the order in which its HashMap iterates
// the header's keys, so that the first error reported is the one Elasticsearch reports.
//
// Stricter than Elasticsearch: a header that sets both spellings of one key (index and
// indices, expand_wildcards and expandWildcards...) is refused, because Elasticsearch
// would keep whichever its HashMap iterates last; an index that is null, a number with
// a fraction, an object or a nested array is refused rather than turned into a name by
// Java's toString; a last header without a body line, which Elasticsearch silently
// drops, is refused. Duplicate keys are refused as Elasticsearch refuses them.
//
// Searches are visited as they are read; an error from visit stops the scan and is
// returned as is.
func ScanMultiSearchWith(body []byte, opts MultiSearchOptions, visit func(SearchItem) error) error {
	if len(body) == 0 {
		return ndParseException("request body or source parameter is required")
	}
	var lx ndLexer
	line, from, items := 0, 0, 0
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
		if nl > from {
			h, err := ndReadHeader(&lx, body[from:nl], opts)
			if err != nil {
				return err
			}
			item.Indices, item.HasIndices = h.indices, h.hasIndices
			item.ExpandWildcards, item.IgnoreUnavailable = h.expandWildcards, h.ignoreUnavailable
			item.AllowNoIndices, item.IgnoreThrottled = h.allowNoIndices, h.ignoreThrottled
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

// MultiSearchHeader returns a header line (one JSON object, no newline) equal to header
// (the original header bytes, without newline) but with the index key replaced by
// "index": indices (a JSON array), keeping every other key byte for byte. An "indices"
// key is renamed "index"; a header without either gets "index" as its first key; a
// header without keys becomes {"index":[...]}. The header must be one that
// ScanMultiSearch accepts. indices must not be empty, since an empty list means all
// indices to Elasticsearch, nor hold an empty name.
func MultiSearchHeader(header []byte, indices []string) ([]byte, error) {
	if len(indices) == 0 {
		return nil, ndIllegalArgument("a multi search header needs at least one index")
	}
	for _, ix := range indices {
		if ix == "" {
			return nil, ndIllegalArgument("a multi search header cannot name an empty index")
		}
	}
	if bytes.IndexByte(header, '\n') >= 0 {
		return nil, ndIllegalArgument("a multi search header is one line")
	}
	var lx ndLexer
	var h ndHeader
	if len(header) > 0 {
		var err error
		if h, err = ndReadHeader(&lx, header, MultiSearchOptions{Fleet: true, CrossProject: true}); err != nil {
			return nil, err
		}
	}
	value := ndJSONStringArray(nil, indices)
	out := make([]byte, 0, len(header)+len(value)+16)
	switch {
	case !h.object:
		out = append(out, `{"index":`...)
		out = append(out, value...)
		out = append(out, '}')
	case h.indexKey >= 0:
		e := h.entries[h.indexKey]
		out = append(out, header[:e.keyStart]...)
		out = append(out, `"index":`...)
		out = append(out, value...)
		out = append(out, header[e.valEnd:]...)
	default:
		out = append(out, header[:h.open+1]...)
		out = append(out, `"index":`...)
		out = append(out, value...)
		if len(h.entries) > 0 {
			out = append(out, ',')
		}
		out = append(out, header[h.open+1:]...)
	}
	return out, nil
}

// ndJSONStringArray appends a JSON array of the strings to dst.
func ndJSONStringArray(dst []byte, values []string) []byte {
	dst = append(dst, '[')
	for i, v := range values {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = ndJSONString(dst, v)
	}
	return append(dst, ']')
}

// ndJSONString appends s as a JSON string, escaping only what JSON requires.
func ndJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&15])
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}

// ndHValue is a header value as XContentParser.map() reads it into Java objects:
// scalars, lists and (Hash)maps.
type ndHValue struct {
	tok   ndTok  // ndString, ndNumber, ndTrue, ndFalse, ndNull, ndStartArray or ndStartObject
	text  string // a scalar's text
	float bool
	elems []ndHValue // a list's elements
	keys  []string   // a map's keys, in document order
}

type ndHEntry struct {
	key              string
	val              ndHValue
	keyStart, valEnd int
}

type ndHeader struct {
	object   bool // the header is a JSON object
	open     int  // offset of its '{'
	entries  []ndHEntry
	indexKey int // entry of index or indices, -1 when none

	indices                                                             []string
	hasIndices                                                          bool
	expandWildcards, ignoreUnavailable, allowNoIndices, ignoreThrottled string
}

// ndReadHeader reads and checks one non-empty header line as readMultiLineFormat does.
func ndReadHeader(lx *ndLexer, line []byte, opts MultiSearchOptions) (ndHeader, error) {
	h := ndHeader{indexKey: -1}
	lx.reset(line)
	tok, err := lx.next()
	if err != nil {
		return h, err
	}
	if tok == ndStartObject {
		h.object = true
		h.open = lx.start
		for {
			if tok, err = lx.next(); err != nil {
				return h, err
			}
			if tok == ndEndObject {
				break
			}
			e := ndHEntry{key: string(lx.name()), keyStart: lx.start}
			if _, err = lx.next(); err != nil {
				return h, err
			}
			if e.val, err = ndReadHValue(lx); err != nil {
				return h, err
			}
			e.valEnd = lx.end
			h.entries = append(h.entries, e)
		}
	}
	// parser.map() leaves a lone scalar or an empty input as no keys; then the header
	// must end ("Unexpected token after end of object").
	if tok != ndEOF {
		if tok, err = lx.next(); err != nil {
			return h, err
		}
		if tok != ndEOF {
			return h, lx.fail(lx.start, "Unexpected token after end of object")
		}
	}
	return h, h.check(opts)
}

// ndReadHObject reads the members of an object (after its START_OBJECT, up to its
// END_OBJECT): their names and values, in order.
func ndReadHObject(lx *ndLexer) (keys []string, vals []ndHValue, err error) {
	for {
		tok, err := lx.next()
		if err != nil {
			return nil, nil, err
		}
		if tok == ndEndObject {
			return keys, vals, nil
		}
		keys = append(keys, string(lx.name()))
		if _, err = lx.next(); err != nil {
			return nil, nil, err
		}
		v, err := ndReadHValue(lx)
		if err != nil {
			return nil, nil, err
		}
		vals = append(vals, v)
	}
}

// ndReadHValue reads the value that the current token starts.
func ndReadHValue(lx *ndLexer) (ndHValue, error) {
	v := ndHValue{tok: lx.tok}
	switch lx.tok {
	case ndString, ndNumber, ndTrue, ndFalse:
		t, err := lx.text()
		v.text, v.float = t, lx.float
		return v, err
	case ndStartArray:
		for {
			tok, err := lx.next()
			if err != nil {
				return v, err
			}
			if tok == ndEndArray {
				return v, nil
			}
			e, err := ndReadHValue(lx)
			if err != nil {
				return v, err
			}
			v.elems = append(v.elems, e)
		}
	case ndStartObject:
		for {
			tok, err := lx.next()
			if err != nil {
				return v, err
			}
			if tok == ndEndObject {
				return v, nil
			}
			v.keys = append(v.keys, string(lx.name()))
			if _, err = lx.next(); err != nil {
				return v, err
			}
			e, err := ndReadHValue(lx)
			if err != nil {
				return v, err
			}
			v.elems = append(v.elems, e)
		}
	}
	return v, nil // null
}

// javaString is Object.toString() of the value as Jackson and XContentParser.map()
// build it: Integer/Long/BigInteger, Double, Boolean, String, ArrayList and HashMap.
func (v ndHValue) javaString() string {
	switch v.tok {
	case ndString, ndTrue, ndFalse:
		return v.text
	case ndNumber:
		if !v.float {
			if v.text == "-0" {
				return "0"
			}
			return v.text
		}
		f, _ := strconv.ParseFloat(v.text, 64)
		return ndJavaDoubleString(f)
	case ndStartArray:
		var b strings.Builder
		b.WriteByte('[')
		for i, e := range v.elems {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(e.javaString())
		}
		b.WriteByte(']')
		return b.String()
	case ndStartObject:
		var b strings.Builder
		b.WriteByte('{')
		order, ok := ndJavaHashOrder(v.keys)
		if !ok {
			order = make([]int, len(v.keys))
			for i := range order {
				order[i] = i
			}
		}
		for i, k := range order {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(v.keys[k])
			b.WriteByte('=')
			b.WriteString(v.elems[k].javaString())
		}
		b.WriteByte('}')
		return b.String()
	}
	return "null"
}

// ndJavaDoubleString is Double.toString: the shortest decimal that reads back as f, in
// plain notation with at least one fraction digit when 1e-3 <= |f| < 1e7, else in
// computerized scientific notation ("1.0E10").
func ndJavaDoubleString(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	sign := ""
	if f < 0 {
		sign, f = "-", -f
	}
	e := strconv.FormatFloat(f, 'e', -1, 64) // d.ddde±xx
	mant, expText, _ := strings.Cut(e, "e")
	exp, _ := strconv.Atoi(expText)
	digits := strings.Replace(mant, ".", "", 1)
	if f >= 1e-3 && f < 1e7 {
		var s string
		if exp >= 0 {
			for len(digits) < exp+1 {
				digits += "0"
			}
			s = digits[:exp+1] + "."
			if frac := digits[exp+1:]; frac != "" {
				s += frac
			} else {
				s += "0"
			}
		} else {
			s = "0." + strings.Repeat("0", -exp-1) + digits
		}
		return sign + s
	}
	frac := digits[1:]
	if frac == "" {
		frac = "0"
	}
	return sign + digits[:1] + "." + frac + "E" + strconv.Itoa(exp)
}

// ndHeaderCanon maps each header key to its canonical spelling.
var ndHeaderCanon = map[string]string{
	"index": "index", "indices": "index",
	"search_type": "search_type", "searchType": "search_type",
	"ccs_minimize_roundtrips": "ccs_minimize_roundtrips", "ccsMinimizeRoundtrips": "ccs_minimize_roundtrips",
	"request_cache": "request_cache", "requestCache": "request_cache",
	"preference":                   "preference",
	"routing":                      "routing",
	"allow_partial_search_results": "allow_partial_search_results",
	"expand_wildcards":             "expand_wildcards", "expandWildcards": "expand_wildcards",
	"ignore_unavailable": "ignore_unavailable", "ignoreUnavailable": "ignore_unavailable",
	"allow_no_indices": "allow_no_indices", "allowNoIndices": "allow_no_indices",
	"ignore_throttled": "ignore_throttled", "ignoreThrottled": "ignore_throttled",
	"project_routing": "project_routing", "projectRouting": "project_routing",
	"wait_for_checkpoints":         "wait_for_checkpoints",
	"wait_for_checkpoints_timeout": "wait_for_checkpoints_timeout",
}

// check applies readMultiLineFormat's per-key conversions and then
// IndicesOptions.fromParameters, and fills the item fields.
func (h *ndHeader) check(opts MultiSearchOptions) error {
	keys := make([]string, len(h.entries))
	for i, e := range h.entries {
		keys[i] = e.key
	}
	order, ok := ndJavaHashOrder(keys)
	if !ok {
		return ndIllegalArgument("too many colliding keys in the metadata section")
	}
	var expandWildcards, ignoreUnavailable, allowNoIndices, ignoreThrottled *ndHValue
	seen := make(map[string]string, len(keys))
	var aliasErr error
	for _, i := range order {
		e := &h.entries[i]
		v := &e.val
		canon := ndHeaderCanon[e.key]
		switch {
		case canon == "project_routing" && opts.CrossProject:
		case canon == "index":
			if err := h.readIndices(v); err != nil {
				return err
			}
			h.indexKey = i
		case canon == "search_type":
			if v.tok != ndNull {
				if s := v.javaString(); s != "query_then_fetch" && s != "dfs_query_then_fetch" {
					return ndIllegalArgument("No search type for [" + s + "]")
				}
			}
		case canon == "ccs_minimize_roundtrips":
			if !opts.CrossProject {
				if err := ndNodeBoolean(v, ""); err != nil {
					return err
				}
			}
		case canon == "request_cache":
			if err := ndNodeBoolean(v, e.key); err != nil {
				return err
			}
		case canon == "preference" || canon == "routing":
		case canon == "allow_partial_search_results":
			if err := ndNodeBoolean(v, "null"); err != nil {
				return err
			}
		case canon == "expand_wildcards":
			expandWildcards = v
		case canon == "ignore_unavailable":
			ignoreUnavailable = v
		case canon == "allow_no_indices":
			allowNoIndices = v
		case canon == "ignore_throttled":
			ignoreThrottled = v
		case canon == "wait_for_checkpoints" && opts.Fleet:
			if err := ndWaitForCheckpoints(v); err != nil {
				return err
			}
		case canon == "wait_for_checkpoints_timeout" && opts.Fleet:
		default:
			return ndIllegalArgument("key [" + e.key + "] is not supported in the metadata section")
		}
		if other, dup := seen[canon]; dup && aliasErr == nil {
			aliasErr = ndIllegalArgument("keys [" + other + "] and [" + e.key + "] of the metadata section set the same option")
		}
		seen[canon] = e.key
	}
	// IndicesOptions.fromParameters: WildcardOptions (expand_wildcards, then
	// allow_no_indices), then ignore_throttled, then ignore_unavailable; null values
	// count as absent.
	if expandWildcards != nil && expandWildcards.tok != ndNull {
		parts, err := ndStringArrayValue(expandWildcards)
		if err != nil {
			return err
		}
		for _, p := range parts {
			switch p {
			case "open", "closed", "hidden", "all", "none":
			default:
				return ndIllegalArgument("No valid expand wildcard value [" + p + "]")
			}
		}
		h.expandWildcards = strings.Join(parts, ",")
	}
	for _, o := range []struct {
		v    *ndHValue
		name string
		dst  *string
	}{
		{allowNoIndices, "allow_no_indices", &h.allowNoIndices},
		{ignoreThrottled, "ignore_throttled", &h.ignoreThrottled},
		{ignoreUnavailable, "ignore_unavailable", &h.ignoreUnavailable},
	} {
		if o.v == nil || o.v.tok == ndNull {
			continue
		}
		if err := ndNodeBoolean(o.v, o.name); err != nil {
			return err
		}
		*o.dst = o.v.javaString()
	}
	return aliasErr
}

// readIndices is nodeStringArrayValue for the index key, refusing the values whose
// Java toString a guard should not guess.
func (h *ndHeader) readIndices(v *ndHValue) error {
	switch v.tok {
	case ndNull:
		return ndIllegalArgument("index must not be null")
	case ndStartObject:
		return ndIllegalArgument("key [index] of the metadata section must be a string or an array of strings")
	case ndNumber:
		if v.float {
			return ndIllegalArgument("key [index] of the metadata section must be a string or an array of strings")
		}
	case ndStartArray:
		names := make([]string, 0, len(v.elems))
		for _, e := range v.elems {
			switch {
			case e.tok == ndNull:
				return ndIllegalArgument("index must not be null")
			case e.tok == ndStartArray || e.tok == ndStartObject || e.tok == ndNumber && e.float:
				return ndIllegalArgument("key [index] of the metadata section must be a string or an array of strings")
			}
			names = append(names, e.javaString())
		}
		h.indices, h.hasIndices = names, true
		return nil
	}
	h.indices, h.hasIndices = ndJavaSplitComma(v.javaString()), true
	if h.indices == nil {
		h.indices = []string{}
	}
	return nil
}

// ndStringArrayValue is XContentMapValues.nodeStringArrayValue for expand_wildcards: a
// list's elements as strings (a null element fails), else the value split at commas.
func ndStringArrayValue(v *ndHValue) ([]string, error) {
	if v.tok == ndStartArray {
		parts := make([]string, len(v.elems))
		for i, e := range v.elems {
			if e.tok == ndNull {
				return nil, ndIllegalArgument("No valid expand wildcard value [null]")
			}
			parts[i] = e.javaString()
		}
		return parts, nil
	}
	return ndJavaSplitComma(v.javaString()), nil
}

// ndNodeBoolean is XContentMapValues.nodeBooleanValue: the value's toString must be
// "true" or "false". With a name, the error is "Could not convert [name] to boolean"
// (nodeBooleanValue(node, name)); without, Booleans.parseBoolean's own message. A null
// value, on which Elasticsearch fails with a NullPointerException, is refused as well.
func ndNodeBoolean(v *ndHValue, name string) error {
	s := v.javaString()
	if v.tok != ndNull && (s == "true" || s == "false") {
		return nil
	}
	if name != "" {
		return ndIllegalArgument("Could not convert [" + name + "] to boolean")
	}
	return ndBooleanError(s)
}

// ndWaitForCheckpoints checks the fleet header's wait_for_checkpoints: each value is
// read with Long.parseLong.
func ndWaitForCheckpoints(v *ndHValue) error {
	var parts []string
	if v.tok == ndStartArray {
		for _, e := range v.elems {
			parts = append(parts, e.javaString())
		}
	} else {
		parts = ndJavaSplitComma(v.javaString())
	}
	for _, p := range parts {
		if _, ok := ndJavaParseLong(p); !ok {
			return &BadRequestError{Type: ndTypeNumberFormat, Reason: "For input string: \"" + p + "\""}
		}
	}
	return nil
}
