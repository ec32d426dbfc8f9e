package bodies

import (
	"strconv"
)

// LegacyBulkItem is one operation of a _bulk body of Elasticsearch 1.x or 2.x.
type LegacyBulkItem struct {
	// Op is the operation. An "index" action with "op_type" (or "opType") "create" is
	// OpCreate, as BulkRequest.add builds IndexRequest.create(true) for it; any other
	// op_type leaves an index operation.
	Op BulkOp
	// Index is the action line's _index, else the default index given to
	// ScanLegacyBulk. It is never empty: an item without index is refused. A
	// non-string _index counts as its written form (5 is "5"), as parser.text() reads
	// it, and "_index":null falls back to the default.
	Index string
	// Type is the action line's _type, else the default type. It is never empty
	// unless the body names the empty type.
	Type string
	// ID is the _id, "" when absent (Elasticsearch generates one for index and
	// create).
	ID string
	// Start and End are the byte range [Start,End) of the whole item in the body: its
	// action line and, except for delete, its source line, each with its newline.
	Start, End int
	// Line is the 1-based line number of the action line.
	Line int
}

// ScanLegacyBulk walks a _bulk body of Elasticsearch 1.x (version 1) or 2.x (version 2)
// the way that version's BulkRequest.add reads it and calls visit for each item in
// order. defaultIndex and defaultType are those of the path (/{index}/{type}/_bulk) or
// of the ?index= and ?type= parameters, "" for none. Source lines are skipped, not
// parsed.
//
// Lines are split at '\n'. An action line that holds no JSON token (empty, white space,
// a comment) is skipped but counts in the line numbers. An action line is one JSON
// object whose one key is the action (index, create, update or delete) and whose value
// is an object of parameters:
//
//   - both versions: _index, _type, _id, _routing and routing, _parent and parent,
//     _timestamp and timestamp, _ttl and ttl, op_type and opType, _version and version,
//     _version_type, _versionType, version_type and versionType, _retry_on_conflict and
//     _retryOnConflict;
//   - 2.x only: fields, an array of field names (a simple value is refused with 2.x's
//     message, and 1.x refuses the key as unknown).
//
// As in Elasticsearch, another key with a simple value is "an unknown parameter", an
// object or array value is a "Malformed action/metadata line", a null value is ignored
// (so "_index":null keeps the default), two spellings of one parameter let the later
// one win, _version and _retry_on_conflict must be numbers, and the version type must
// be one that VersionType.fromString knows. The body's format is derived as
// Elasticsearch derives it; SMILE, YAML and CBOR bodies are refused.
//
// Elasticsearch then refuses the whole request when an item fails
// BulkRequest.validate; ScanLegacyBulk refuses the first such item, with that item's
// errors ("index is missing", "type is missing", and "id is missing" for update and
// delete), rather than all of them.
//
// Stricter than Elasticsearch 1.x and 2.x, which would skip or silently accept them: an
// action line that is not a JSON object, that has another key or content after the
// action object, or whose action is not one of the four (Elasticsearch drops such an
// item with the line after it); a key repeated in an object (Elasticsearch keeps the
// last); an unquoted key (Elasticsearch allows them); invalid UTF-8; an _index that
// is the empty string; a 2.x "fields" element that is not a string; an index, create
// or update action without a source line and a last line without '\n' (Elasticsearch
// drops what follows the last newline); and a body without items.
//
// Items are visited as they are read, so visit may have been called for earlier items
// when ScanLegacyBulk returns an error for a later line. An error from visit stops the
// scan and is returned as is.
func ScanLegacyBulk(body []byte, defaultIndex, defaultType string, version int, visit func(LegacyBulkItem) error) error {
	if err := legacyCheckVersion(version); err != nil {
		return err
	}
	if err := legacyDetect(body, version); err != nil {
		return err
	}
	s := legacyBulkScanner{defaultIndex: defaultIndex, defaultType: defaultType, version: version,
		intern: make(map[string]string)}
	var cur LegacyBulkItem
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

type legacyBulkScanner struct {
	lx                        ndLexer
	defaultIndex, defaultType string
	version                   int
	intern                    map[string]string
}

// interned is the current value's text, shared with earlier items that name the same.
func (s *legacyBulkScanner) interned(lx *ndLexer) (string, error) {
	b, err := lx.textBytes()
	if err != nil {
		return "", err
	}
	if v, ok := s.intern[string(b)]; ok {
		return v, nil
	}
	if len(s.intern) >= 1024 {
		return string(b), nil
	}
	v := string(b)
	s.intern[v] = v
	return v, nil
}

type legacyBulkParam uint8

const (
	lbUnknown     legacyBulkParam = iota
	lbIndex                       // _index
	lbType                        // _type
	lbID                          // _id
	lbText                        // routing, parent and timestamp, read as text
	lbTTL                         // _ttl, ttl
	lbOpType                      // op_type, opType
	lbVersion                     // _version, version
	lbVersionType                 // _version_type, _versionType, version_type, versionType
	lbRetry                       // _retry_on_conflict, _retryOnConflict
	lbFields                      // fields (2.x)
)

// legacyBulkParamOf maps an action line key to the parameter BulkRequest.add of 1.x and
// 2.x reads it as.
func legacyBulkParamOf(name []byte) legacyBulkParam {
	switch string(name) {
	case "_index":
		return lbIndex
	case "_type":
		return lbType
	case "_id":
		return lbID
	case "_routing", "routing", "_parent", "parent", "_timestamp", "timestamp":
		return lbText
	case "_ttl", "ttl":
		return lbTTL
	case "op_type", "opType":
		return lbOpType
	case "_version", "version":
		return lbVersion
	case "_version_type", "_versionType", "version_type", "versionType":
		return lbVersionType
	case "_retry_on_conflict", "_retryOnConflict":
		return lbRetry
	case "fields":
		return lbFields
	}
	return lbUnknown
}

// action reads one action line; ok is false for a line without tokens.
func (s *legacyBulkScanner) action(raw []byte, line int) (item LegacyBulkItem, ok bool, err error) {
	lx := &s.lx
	lx.reset(raw)
	malformed := func(found string) error {
		return ndIllegalArgument("Malformed action/metadata line [" + strconv.Itoa(line) + "], expected " + found)
	}
	tok, err := lx.next()
	if err != nil || tok == ndEOF {
		return item, false, err
	}
	if tok != ndStartObject {
		return item, false, malformed("START_OBJECT but found [" + tok.esName() + "]")
	}
	if tok, err = lx.next(); err != nil {
		return item, false, err
	}
	if tok != ndField {
		return item, false, malformed("an action name but found [" + tok.esName() + "]")
	}
	op, known := bulkOpNamed(lx.name())
	if !known {
		return item, false, ndIllegalArgument("Action/metadata line [" + strconv.Itoa(line) + "] has the unknown action [" +
			string(lx.name()) + "]; expected one of [create, delete, index, update]")
	}
	item.Op = op
	if tok, err = lx.next(); err != nil {
		return item, false, err
	}
	if tok != ndStartObject {
		return item, false, malformed("START_OBJECT or END_OBJECT but found [" + tok.esName() + "]")
	}
	index, hasIndex := s.defaultIndex, s.defaultIndex != ""
	item.Type = s.defaultType
	hasType, hasID := s.defaultType != "", false
	var opType string
	var cur legacyBulkParam
	var curName []byte
	for {
		if tok, err = lx.next(); err != nil {
			return item, false, err
		}
		if tok == ndEndObject {
			break
		}
		if tok == ndField {
			curName = lx.name()
			cur = legacyBulkParamOf(curName)
			continue
		}
		if tok == ndNull {
			continue
		}
		if tok == ndStartArray && cur == lbFields && s.version == 2 {
			if err = legacyStringArray(lx, "Action/metadata line ["+strconv.Itoa(line)+"]: [fields]"); err != nil {
				return item, false, err
			}
			continue
		}
		if !tok.isValue() {
			return item, false, ndIllegalArgument("Malformed action/metadata line [" + strconv.Itoa(line) +
				"], expected a simple value for field [" + string(curName) + "] but found [" + tok.esName() + "]")
		}
		switch cur {
		case lbIndex:
			if index, err = s.interned(lx); err != nil {
				return item, false, err
			}
			if index == "" {
				return item, false, legacyEmptyIndex("Action/metadata line [" + strconv.Itoa(line) + "]: ")
			}
			hasIndex = true
		case lbType:
			if item.Type, err = s.interned(lx); err != nil {
				return item, false, err
			}
			hasType = true
		case lbID:
			if item.ID, err = lx.text(); err != nil {
				return item, false, err
			}
			hasID = true
		case lbText:
			_, err = lx.textBytes()
		case lbTTL:
			if tok != ndString {
				err = legacyNumeric(lx, 64)
			}
		case lbOpType:
			var b []byte
			if b, err = lx.textBytes(); err == nil {
				opType = "index"
				if string(b) == "create" {
					opType = "create"
				}
			}
		case lbVersion:
			err = legacyNumeric(lx, 64)
		case lbVersionType:
			err = legacyVersionType(lx)
		case lbRetry:
			err = legacyNumeric(lx, 32)
		case lbFields:
			if s.version == 2 {
				err = ndIllegalArgument("Action/metadata line [" + strconv.Itoa(line) + "] contains a simple value for parameter [fields] while a list is expected")
				break
			}
			fallthrough
		default:
			err = ndIllegalArgument("Action/metadata line [" + strconv.Itoa(line) + "] contains an unknown parameter [" + string(curName) + "]")
		}
		if err != nil {
			return item, false, err
		}
	}
	if tok, err = lx.next(); err != nil {
		return item, false, err
	}
	if tok != ndEndObject {
		return item, false, ndIllegalArgument("Action/metadata line [" + strconv.Itoa(line) + "]: esguard refuses an action line " +
			"with more than one key")
	}
	if tok, err = lx.next(); err != nil {
		return item, false, err
	}
	if tok != ndEOF {
		return item, false, ndIllegalArgument("Action/metadata line [" + strconv.Itoa(line) + "]: esguard refuses content " +
			"after the action object")
	}
	if item.Op == OpIndex && opType == "create" {
		item.Op = OpCreate
	}
	// BulkRequest.validate: the item's own validation errors, in its order.
	var errs []string
	if !hasIndex {
		errs = append(errs, "index is missing")
	}
	if !hasType {
		errs = append(errs, "type is missing")
	}
	if !hasID && (item.Op == OpUpdate || item.Op == OpDelete) {
		errs = append(errs, "id is missing")
	}
	if errs != nil {
		return item, false, ndValidation(errs...)
	}
	item.Index = index
	return item, true, nil
}

// legacyStringArray reads the elements of an array (after its START_ARRAY) that must
// all be strings.
func legacyStringArray(lx *ndLexer, what string) error {
	for {
		tok, err := lx.next()
		if err != nil {
			return err
		}
		switch tok {
		case ndEndArray:
			return nil
		case ndString:
			if _, err = lx.textBytes(); err != nil {
				return err
			}
		default:
			return ndIllegalArgument(what + " must hold strings, not " + tok.esName())
		}
	}
}
