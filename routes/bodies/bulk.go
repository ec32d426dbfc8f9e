package bodies

import (
	"bytes"
	"math"
	"strconv"
	"strings"
)

// BulkOp is the operation of a _bulk item.
type BulkOp uint8

// The operations of a _bulk item, named by the action line's key.
const (
	OpIndex BulkOp = iota
	OpCreate
	OpUpdate
	OpDelete
)

// String returns the action name as the body spells it.
func (o BulkOp) String() string {
	switch o {
	case OpIndex:
		return "index"
	case OpCreate:
		return "create"
	case OpUpdate:
		return "update"
	case OpDelete:
		return "delete"
	}
	return "BulkOp(" + strconv.Itoa(int(o)) + ")"
}

// bulkOpNamed returns the operation an action line names, as both eras spell it.
func bulkOpNamed(name []byte) (BulkOp, bool) {
	switch string(name) {
	case "index":
		return OpIndex, true
	case "create":
		return OpCreate, true
	case "update":
		return OpUpdate, true
	case "delete":
		return OpDelete, true
	}
	return 0, false
}

// BulkItem is one operation of a _bulk body.
type BulkItem struct {
	// Op is the operation. An "index" action line with "op_type":"create" is OpCreate,
	// as BulkRequestParser builds IndexRequest.create(true) for it; any other op_type
	// leaves an index operation.
	Op BulkOp
	// Index is the action line's _index, else the default index given to ScanBulk; ""
	// when neither names one. A non-string _index counts as its written form (5 is
	// "5"), as XContentParser.text() reads it, and "_index":null falls back to the
	// default.
	Index string
	// ID is the _id, "" when absent.
	ID string
	// Pipeline is the action line's ingest pipeline, "" when absent. The pipeline
	// given in the query string is not applied here.
	Pipeline string
	// Start and End are the byte range [Start,End) of the whole item in the body: its
	// action line and, except for delete, its source line, each with its newline.
	Start, End int
	// Line is the 1-based line number of the action line.
	Line int
}

// ScanBulk walks a _bulk NDJSON body the way BulkRequestParser reads it and calls visit
// for each item in order. It decodes the action lines only; a source line must exist
// for index, create and update but is not parsed: the scan finds its newline and moves
// on. Index and Pipeline strings are shared between items that name the same value, and
// the ids of one scan share one growing buffer, so a scan allocates per distinct name,
// not per item; all strings are copies and never alias body.
//
// Lines are split at '\n' only. An action line that holds no JSON token (empty, white
// space, a comment) is skipped, as Elasticsearch skips it, but still counts in the line
// numbers; a trailing '\r' is white space. A line following an action line is its source
// line whatever it holds.
//
// The body is refused with Elasticsearch's exception type and reason when Elasticsearch
// refuses the whole request while parsing it: a last line without '\n', an action line
// that is not one JSON object with exactly one key among index, create, update and
// delete, an unknown or ill-typed parameter, data after the closing brace, malformed
// JSON, a duplicate key (Jackson's strict duplicate detection), versioning,
// require_data_stream or dynamic_templates on an update, dynamic_templates on a
// delete, an empty body and a body without items. Stricter than Elasticsearch, which
// silently drops a last index, create or update action without a source line, ScanBulk
// refuses it. The per-item checks of BulkRequest.validate (a missing index or id, the
// id length and the like) are left to Elasticsearch.
//
// The checks are those of the current REST API version; the compatible-with=8 mode,
// which tolerates extra keys and unclosed action lines, is refused as well.
//
// Items are visited as they are read, so visit may have been called for earlier items
// when ScanBulk returns an error for a later line. An error from visit stops the scan
// and is returned as is.
func ScanBulk(body []byte, defaultIndex string, visit func(BulkItem) error) error {
	if len(body) == 0 {
		return ndParseException("request body is required")
	}
	s := ndBulkScanner{defaultIndex: defaultIndex, intern: make(map[string]string)}
	var cur BulkItem
	return walkBulk(body,
		func(raw []byte, line int) (op BulkOp, ok bool, err error) {
			cur, ok, err = s.action(raw, line)
			return cur.Op, ok, err
		},
		func(line, start, end int) error {
			cur.Line, cur.Start, cur.End = line, start, end
			return visit(cur)
		})
}

// walkBulk splits a _bulk body into items as BulkRequest does, for ScanBulk and
// ScanLegacyBulk: action reads each action line (ok false skips an empty one) and names
// its operation; every operation but delete takes the next line as its source. item is
// called with the action line's number and the byte range of the item's lines. A last
// line without '\n', an action without its source line and a body without items are
// refused.
func walkBulk(body []byte, action func(raw []byte, line int) (BulkOp, bool, error), item func(line, start, end int) error) error {
	line, from, items := 0, 0, 0
	for {
		nl := bytes.IndexByte(body[from:], '\n')
		if nl < 0 {
			if from != len(body) {
				return ndIllegalArgument(`The bulk request must be terminated by a newline [\n]`)
			}
			break
		}
		nl += from
		line++
		start := from
		from = nl + 1
		op, ok, err := action(body[start:nl], line)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		first := line
		if op != OpDelete {
			src := bytes.IndexByte(body[from:], '\n')
			if src < 0 {
				if from != len(body) {
					return ndIllegalArgument(`The bulk request must be terminated by a newline [\n]`)
				}
				return ndIllegalArgument("Action/metadata line [" + strconv.Itoa(line) +
					"] has no source line: the " + op.String() + " action requires one")
			}
			line++
			from += src + 1
		}
		items++
		if err := item(first, start, from); err != nil {
			return err
		}
	}
	if items == 0 {
		return ndValidation("no requests added")
	}
	return nil
}

type ndBulkParam uint8

const (
	ndBulkUnknown ndBulkParam = iota
	ndBulkIndex
	ndBulkType
	ndBulkID
	ndBulkRouting
	ndBulkOpType
	ndBulkVersion
	ndBulkVersionType
	ndBulkIfSeqNo
	ndBulkIfPrimaryTerm
	ndBulkRetryOnConflict
	ndBulkPipeline
	ndBulkSource
	ndBulkRequireAlias
	ndBulkRequireDataStream
	ndBulkListExecutedPipelines
	ndBulkDynamicTemplates
)

// ndBulkParamOf maps a parameter name to the ParseField of BulkRequestParser that
// matches it.
func ndBulkParamOf(name []byte) ndBulkParam {
	switch string(name) {
	case "_index":
		return ndBulkIndex
	case "_type":
		return ndBulkType
	case "_id":
		return ndBulkID
	case "routing":
		return ndBulkRouting
	case "op_type":
		return ndBulkOpType
	case "version":
		return ndBulkVersion
	case "version_type":
		return ndBulkVersionType
	case "if_seq_no":
		return ndBulkIfSeqNo
	case "if_primary_term":
		return ndBulkIfPrimaryTerm
	case "retry_on_conflict":
		return ndBulkRetryOnConflict
	case "pipeline":
		return ndBulkPipeline
	case "_source":
		return ndBulkSource
	case "require_alias":
		return ndBulkRequireAlias
	case "require_data_stream":
		return ndBulkRequireDataStream
	case "list_executed_pipelines":
		return ndBulkListExecutedPipelines
	case "dynamic_templates":
		return ndBulkDynamicTemplates
	}
	return ndBulkUnknown
}

// ndMatchAny is Versions.MATCH_ANY, the version of a request that sets none.
const ndMatchAny = -3

type ndBulkScanner struct {
	lx           ndLexer
	defaultIndex string
	intern       map[string]string
	ids          strings.Builder // a chunk of item ids, one after the other
}

// idString returns a copy of b that shares its chunk with other ids of the scan: a
// Builder never changes bytes it has written, so each id stays valid.
func (s *ndBulkScanner) idString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if s.ids.Cap()-s.ids.Len() < len(b) {
		// A new chunk rather than a grown one: the ids already handed out keep the
		// old chunk, and nothing is copied.
		size := min(max(2*s.ids.Cap(), 512), 16<<10)
		s.ids = strings.Builder{}
		s.ids.Grow(max(size, len(b)))
	}
	n := s.ids.Len()
	s.ids.Write(b)
	return s.ids.String()[n:]
}

// internBytes returns the shared string for b, adding it on first sight.
func (s *ndBulkScanner) internBytes(b []byte) string {
	if v, ok := s.intern[string(b)]; ok {
		return v
	}
	v := string(b)
	s.intern[v] = v
	return v
}

// internText returns the current value's text, sharing one string per distinct value.
func (s *ndBulkScanner) internText() (string, error) {
	b, err := s.lx.textBytes()
	if err != nil {
		return "", err
	}
	return s.internBytes(b), nil
}

// Keys the fast path of action reads, as bits of a set.
const (
	ndFastIndex = 1 << iota
	ndFastID
	ndFastRouting
	ndFastPipeline
	ndFastOpType
)

// fastAction reads the common form of an action line: no white space, comments or
// escapes, only _index, _id, routing, pipeline and op_type, each at most once, with
// printable ASCII string values, and an optional '\r' at the end. Such a line is read
// exactly as action would read it; ok is false for any other line, which action then
// reads in full, so every refusal comes from the complete parser.
func (s *ndBulkScanner) fastAction(line []byte) (item BulkItem, ok bool) {
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	if len(line) < len(`{"index":{}}`) || line[0] != '{' || line[1] != '"' {
		return item, false
	}
	var p int
	switch {
	case len(line) >= 10 && string(line[1:10]) == `"index":{`:
		item.Op, p = OpIndex, 10
	case len(line) >= 11 && string(line[1:11]) == `"create":{`:
		item.Op, p = OpCreate, 11
	case len(line) >= 11 && string(line[1:11]) == `"update":{`:
		item.Op, p = OpUpdate, 11
	case len(line) >= 11 && string(line[1:11]) == `"delete":{`:
		item.Op, p = OpDelete, 11
	default:
		return item, false
	}
	item.Index = s.defaultIndex
	seen := 0
	for first := true; ; first = false {
		if p >= len(line) {
			return item, false
		}
		if line[p] == '}' {
			// Only "}}" may end the line.
			if p+2 != len(line) || line[p+1] != '}' {
				return item, false
			}
			return item, true
		}
		if !first {
			if line[p] != ',' {
				return item, false
			}
			p++
		}
		key, next, good := ndFastString(line, p)
		if !good || next >= len(line) || line[next] != ':' {
			return item, false
		}
		value, end, good := ndFastString(line, next+1)
		if !good {
			return item, false
		}
		var bit int
		switch string(key) {
		case "_index":
			bit = ndFastIndex
		case "_id":
			bit = ndFastID
		case "routing":
			bit = ndFastRouting
		case "pipeline":
			bit = ndFastPipeline
		case "op_type":
			bit = ndFastOpType
		default:
			return item, false
		}
		if seen&bit != 0 {
			return item, false // a duplicate: the full parser words the refusal
		}
		seen |= bit
		switch bit {
		case ndFastIndex:
			item.Index = s.internBytes(value)
		case ndFastID:
			item.ID = s.idString(value)
		case ndFastPipeline:
			item.Pipeline = s.internBytes(value)
		case ndFastOpType:
			if item.Op == OpIndex && string(value) == "create" {
				item.Op = OpCreate
			}
		}
		p = end
	}
}

// ndFastString reads a JSON string at line[p] made of printable ASCII without escapes;
// it returns its content and the offset after the closing quote.
func ndFastString(line []byte, p int) (content []byte, end int, ok bool) {
	if p >= len(line) || line[p] != '"' {
		return nil, 0, false
	}
	for i := p + 1; i < len(line); i++ {
		switch c := line[i]; {
		case c == '"':
			return line[p+1 : i], i + 1, true
		case c < 0x20 || c >= 0x7f || c == '\\':
			return nil, 0, false
		}
	}
	return nil, 0, false
}

// action parses one action line as BulkRequestParser.IncrementalParser.parseActionLine
// does, in the same order, so that the first problem found is the one Elasticsearch
// reports. ok is false for a line without any token. Lines of the common form are read
// by fastAction, the others by fullAction.
func (s *ndBulkScanner) action(line []byte, n int) (item BulkItem, ok bool, err error) {
	if item, ok := s.fastAction(line); ok {
		return item, true, nil
	}
	return s.fullAction(line, n)
}

// fullAction is action without the fast path.
func (s *ndBulkScanner) fullAction(line []byte, n int) (item BulkItem, ok bool, err error) {
	lx := &s.lx
	lx.reset(line)
	malformed := func(what string) error {
		return ndIllegalArgument("Malformed action/metadata line [" + strconv.Itoa(n) + "], " + what)
	}
	tok, err := lx.next()
	if err != nil {
		return item, false, err
	}
	if tok == ndEOF {
		return item, false, nil
	}
	if tok != ndStartObject {
		return item, false, malformed("expected START_OBJECT but found [" + tok.esName() + "]")
	}
	if tok, err = lx.next(); err != nil {
		return item, false, err
	}
	if tok != ndField {
		return item, false, malformed("expected FIELD_NAME but found [" + tok.esName() + "]")
	}
	op, known := bulkOpNamed(lx.name())
	if !known {
		return item, false, malformed("expected field [create], [delete], [index] or [update] but found [" +
			string(lx.name()) + "]")
	}
	item.Op = op
	item.Index = s.defaultIndex
	var (
		version           int64 = ndMatchAny
		internalVersion         = true
		requireDataStream bool
		dynamicTemplates  bool
		opCreate          bool
	)
	if tok, err = lx.next(); err != nil {
		return item, false, err
	}
	switch tok {
	case ndStartObject:
		param := ndBulkUnknown
		var paramName []byte
		for {
			if tok, err = lx.next(); err != nil {
				return item, false, err
			}
			if tok == ndEndObject {
				break
			}
			switch {
			case tok == ndField:
				paramName = lx.name()
				param = ndBulkParamOf(paramName)
			case tok.isValue():
				switch param {
				case ndBulkIndex:
					item.Index, err = s.internText()
				case ndBulkID:
					var b []byte
					if b, err = lx.textBytes(); err == nil {
						item.ID = s.idString(b)
					}
				case ndBulkRouting:
					_, err = lx.textBytes()
				case ndBulkOpType:
					var b []byte
					b, err = lx.textBytes()
					opCreate = string(b) == "create"
				case ndBulkVersion:
					version, err = ndLongValue(lx)
				case ndBulkVersionType:
					internalVersion, err = ndBulkVersionTypeOf(lx)
				case ndBulkIfSeqNo, ndBulkIfPrimaryTerm:
					_, err = ndLongValue(lx)
				case ndBulkRetryOnConflict:
					err = ndIntValue(lx)
				case ndBulkPipeline:
					item.Pipeline, err = s.internText()
				case ndBulkSource:
					err = s.sourceValue()
				case ndBulkRequireAlias, ndBulkListExecutedPipelines:
					_, err = ndBooleanValue(lx)
				case ndBulkRequireDataStream:
					requireDataStream, err = ndBooleanValue(lx)
				default: // _type (refused since 8.0), dynamic_templates as a value, unknown
					err = ndIllegalArgument("Action/metadata line [" + strconv.Itoa(n) + "] contains an unknown parameter [" +
						string(paramName) + "]")
				}
				if err != nil {
					return item, false, err
				}
			case tok == ndStartArray:
				return item, false, malformed("expected a simple value for field [" + string(paramName) +
					"] but found [START_ARRAY]")
			case tok == ndStartObject && param == ndBulkDynamicTemplates:
				if dynamicTemplates, err = s.mapStrings(); err != nil {
					return item, false, err
				}
			case tok == ndStartObject && param == ndBulkSource:
				if err = s.sourceObject(); err != nil {
					return item, false, err
				}
			case tok != ndNull:
				return item, false, malformed("expected a simple value for field [" + string(paramName) +
					"] but found [" + tok.esName() + "]")
			}
		}
	case ndEndObject:
	default:
		return item, false, malformed("expected START_OBJECT or END_OBJECT but found [" + tok.esName() + "]")
	}
	// checkBulkActionIsProperlyClosed
	if tok, err = lx.next(); err != nil {
		return item, false, err
	}
	if tok != ndEndObject {
		return item, false, malformed("expected END_OBJECT but found [" + tok.esName() + "]")
	}
	if tok, err = lx.next(); err != nil {
		return item, false, err
	}
	if tok != ndEOF {
		return item, false, malformed("unexpected data after the closing brace")
	}
	switch item.Op {
	case OpDelete:
		if dynamicTemplates {
			return item, false, ndIllegalArgument("Delete request in line [" + strconv.Itoa(n) + "] does not accept dynamic_templates")
		}
	case OpIndex:
		if opCreate {
			item.Op = OpCreate
		}
	case OpUpdate:
		if version != ndMatchAny || !internalVersion {
			return item, false, ndIllegalArgument("Update requests do not support versioning. " +
				"Please use `if_seq_no` and `if_primary_term` instead")
		}
		if requireDataStream {
			return item, false, ndIllegalArgument("Update requests do not support the `require_data_stream` flag, " +
				"as data streams do not support update operations")
		}
		if dynamicTemplates {
			return item, false, ndIllegalArgument("Update request in line [" + strconv.Itoa(n) + "] does not accept dynamic_templates")
		}
	}
	return item, true, nil
}

// ndWrapBulk is RestBulkAction.parseFailureException: an exception that is not an
// IllegalArgumentException (a ParsingException here) becomes an
// ElasticsearchParseException.
func ndWrapBulk() error { return ndParseException("could not parse bulk request body") }

// ndBulkVersionTypeOf is VersionType.fromString over the value's text; it reports
// whether the type is "internal".
func ndBulkVersionTypeOf(lx *ndLexer) (bool, error) {
	b, err := lx.textBytes()
	if err != nil {
		return false, err
	}
	switch string(b) {
	case "internal":
		return true, nil
	case "external", "external_gt", "external_gte":
		return false, nil
	}
	return false, ndIllegalArgument("No version type match [" + string(b) + "]")
}

// ndLongValue is XContentParser.longValue() with coercion: a number as Jackson's
// getLongValue converts it (fractions truncated, out of range refused), a string as
// AbstractXContentParser.toLong, a boolean refused by Jackson.
func ndLongValue(lx *ndLexer) (int64, error) {
	switch lx.tok {
	case ndString:
		b, err := lx.textBytes()
		if err != nil {
			return 0, err
		}
		return ndJavaToLong(string(b))
	case ndNumber:
		raw := string(lx.raw())
		if !lx.float {
			if v, err := strconv.ParseInt(raw, 10, 64); err == nil {
				return v, nil
			}
		} else if f, err := strconv.ParseFloat(raw, 64); err == nil && f >= -(1<<63) && f <= 1<<63 {
			if f >= 1<<63 {
				return math.MaxInt64, nil
			}
			return int64(f), nil
		}
		return 0, lx.fail(lx.start, "Numeric value ("+raw+") out of range of long (-9223372036854775808 - 9223372036854775807)")
	}
	return 0, lx.fail(lx.start, "Current token ("+lx.jacksonName()+") not numeric, can not use numeric value accessors")
}

// ndIntValue is XContentParser.intValue() with coercion: a number as Jackson's
// getIntValue converts it, a string through Double.parseDouble and a range check.
func ndIntValue(lx *ndLexer) error {
	switch lx.tok {
	case ndString:
		b, err := lx.textBytes()
		if err != nil {
			return err
		}
		f, err := ndJavaParseDouble(string(b))
		if err != nil {
			return err
		}
		if f < math.MinInt32 || f > math.MaxInt32 {
			return ndIllegalArgument("Value [" + string(b) + "] is out of range for an integer")
		}
		return nil
	case ndNumber:
		raw := string(lx.raw())
		if !lx.float {
			if _, err := strconv.ParseInt(raw, 10, 32); err == nil {
				return nil
			}
		} else if f, err := strconv.ParseFloat(raw, 64); err == nil && f >= math.MinInt32 && f <= math.MaxInt32 {
			return nil
		}
		return lx.fail(lx.start, "Numeric value ("+raw+") out of range of int (-2147483648 - 2147483647)")
	}
	return lx.fail(lx.start, "Current token ("+lx.jacksonName()+") not numeric, can not use numeric value accessors")
}

// ndBooleanValue is XContentParser.booleanValue(): a string through
// Booleans.parseBoolean (empty is false), a boolean as is, anything else refused by
// Jackson.
func ndBooleanValue(lx *ndLexer) (bool, error) {
	switch lx.tok {
	case ndTrue:
		return true, nil
	case ndFalse:
		return false, nil
	case ndString:
		b, err := lx.textBytes()
		if err != nil {
			return false, err
		}
		switch string(b) {
		case "", "false":
			return false, nil
		case "true":
			return true, nil
		}
		return false, ndBooleanError(string(b))
	}
	return false, lx.fail(lx.start, "Current token ("+lx.jacksonName()+") not of boolean type")
}

// mapStrings is XContentParser.mapStrings() on the parameters' dynamic_templates
// object: every value must have text. It reports whether the map is non-empty.
func (s *ndBulkScanner) mapStrings() (bool, error) {
	lx := &s.lx
	n := 0
	for {
		tok, err := lx.next()
		if err != nil {
			return false, err
		}
		if tok == ndEndObject {
			return n > 0, nil
		}
		if tok, err = lx.next(); err != nil {
			return false, err
		}
		if !tok.isValue() {
			return false, ndIllegalArgument("Expected text at " + lx.tokenWhere() + " but found " + tok.esName())
		}
		n++
	}
}

// sourceValue is FetchSourceContext.fromXContent on a scalar _source.
func (s *ndBulkScanner) sourceValue() error {
	switch s.lx.tok {
	case ndTrue, ndFalse, ndString:
		_, err := s.lx.textBytes()
		return err
	}
	return ndWrapBulk()
}

// sourceObject is FetchSourceContext.fromXContent on a _source object: includes and
// excludes (or include and exclude) as a string or an array of strings.
func (s *ndBulkScanner) sourceObject() error {
	lx := &s.lx
	listed := false
	for {
		tok, err := lx.next()
		if err != nil {
			return err
		}
		switch tok {
		case ndEndObject:
			return nil
		case ndField:
			switch string(lx.name()) {
			case "includes", "include", "excludes", "exclude":
				listed = true
			default:
				listed = false
			}
		case ndStartArray:
			if !listed {
				return ndWrapBulk()
			}
			for {
				if tok, err = lx.next(); err != nil {
					return err
				}
				if tok == ndEndArray {
					break
				}
				if tok != ndString {
					return ndWrapBulk()
				}
				if _, err = lx.textBytes(); err != nil {
					return err
				}
			}
		case ndString:
			if !listed {
				return ndWrapBulk()
			}
			if _, err = lx.textBytes(); err != nil {
				return err
			}
		default:
			return ndWrapBulk()
		}
	}
}
