package bodies

import (
	"strconv"
	"strings"
)

// DocRef is one document that an _mget or _mtermvectors request reads.
type DocRef struct {
	// Index is the document's _index, else the default index. A request in which
	// some document has no index is refused, so Index is "" only when the body
	// explicitly names the empty string.
	Index string
	// ID is the _id, or the id of the "ids" array; "" for an artificial document of
	// _mtermvectors ("doc").
	ID string
	// Pos is the position of the document's entry in the response's docs array.
	Pos int
	// Elem is the position of the element in the body, counting the elements of the
	// top-level "docs" and "ids" arrays in body order, as FilterDocs counts them; -1
	// for an id given in the query string of _mtermvectors. For _mget, Elem == Pos.
	Elem int
}

// ScanDocs reads an _mget body (MultiGetRequest.add) or, with termVectors, an
// _mtermvectors body (MultiTermVectorsRequest.add), and returns the documents in the
// order of the response. A document without _index takes defaultIndex ("" for none).
//
// For _mget, the documents of "docs" and "ids" come in body order, duplicates
// included. For _mtermvectors, the documents of "docs" come first, each with the index
// that the template held when it was read (the path's index, overridden by a
// "parameters" object read before it), then the distinct ids of "ids" in the order of
// Java's HashSet, all with the template's final index.
//
// The body is refused as Elasticsearch refuses it, with its exception types and
// messages: a body that is not an object, unknown keys, a docs element that is not an
// object, an ids element that is not a value, ill-typed parameters, malformed JSON,
// duplicate keys, and the validation of the request (no documents, a document without
// index or id). Stricter than Elasticsearch, whose parsers walk into the value instead
// of skipping it, a document key with an array or object value that Elasticsearch does
// not read as one (for _mget any key but stored_fields and _source, for
// _mtermvectors a non-object filter or an array per_field_analyzer) is refused, as is
// an _mtermvectors body that is not an object, on which Elasticsearch loops.
func ScanDocs(body []byte, defaultIndex string, termVectors bool) ([]DocRef, error) {
	if termVectors {
		return ScanTermVectorsDocs(body, defaultIndex, nil)
	}
	var s ndDocsScanner
	return s.multiGet(body, defaultIndex)
}

// ScanTermVectorsDocs is ScanDocs for _mtermvectors with the ids given in the "ids"
// query parameter, already split at commas (RestMultiTermVectorsAction adds them,
// without white space, before those of the body).
func ScanTermVectorsDocs(body []byte, defaultIndex string, queryIDs []string) ([]DocRef, error) {
	var s ndDocsScanner
	return s.termVectors(body, defaultIndex, queryIDs)
}

type ndDocsScanner struct {
	lx   ndLexer
	elem int
}

func ndUnexpectedDocsShape(key string) error {
	return ndIllegalArgument("the value of [" + key + "] in a document is an array or an object " +
		"that Elasticsearch would not read as one")
}

// multiGet is MultiGetRequest.add followed by MultiGetRequest.validate.
func (s *ndDocsScanner) multiGet(body []byte, defaultIndex string) ([]DocRef, error) {
	if len(body) == 0 {
		return nil, ndParseException("request body or source parameter is required")
	}
	lx := &s.lx
	lx.reset(body)
	tok, err := lx.next()
	if err != nil {
		return nil, err
	}
	if tok != ndStartObject {
		return nil, ndParsingException("unexpected token [" + tok.esName() + "], expected [START_OBJECT]")
	}
	var (
		refs    []DocRef
		missing []bool // per document: index missing, id missing
		cur     string
	)
	for {
		if tok, err = lx.next(); err != nil {
			return nil, err
		}
		if tok == ndEndObject {
			break
		}
		switch tok {
		case ndField:
			cur = string(lx.name())
		case ndStartArray:
			switch cur {
			case "docs":
				if refs, missing, err = s.multiGetDocs(refs, missing, defaultIndex); err != nil {
					return nil, err
				}
			case "ids":
				err = ndIDs(lx, func(id string) {
					refs = append(refs, DocRef{Index: defaultIndex, ID: id, Pos: len(refs), Elem: s.elem})
					missing = append(missing, defaultIndex == "", false)
					s.elem++
				})
				if err != nil {
					return nil, err
				}
			default:
				return nil, ndParsingException("unknown key [" + cur + "] for a START_ARRAY, expected [docs] or [ids]")
			}
		default:
			return nil, ndParsingException("unexpected token [" + tok.esName() + "], expected [FIELD_NAME] or [START_ARRAY]")
		}
	}
	// MultiGetRequest.validate
	if len(refs) == 0 {
		return nil, ndValidation("no documents to get")
	}
	var errs []string
	for i := range refs {
		if missing[2*i] {
			errs = append(errs, "index is missing for doc "+strconv.Itoa(i))
		}
		if missing[2*i+1] {
			errs = append(errs, "id is missing for doc "+strconv.Itoa(i))
		}
	}
	if errs != nil {
		return nil, ndValidation(errs...)
	}
	return refs, nil
}

// multiGetDocs is MultiGetRequest.parseDocuments.
func (s *ndDocsScanner) multiGetDocs(refs []DocRef, missing []bool, defaultIndex string) ([]DocRef, []bool, error) {
	lx := &s.lx
	for {
		tok, err := lx.next()
		if err != nil {
			return nil, nil, err
		}
		if tok == ndEndArray {
			return refs, missing, nil
		}
		if tok != ndStartObject {
			return nil, nil, ndIllegalArgument("docs array element should include an object")
		}
		ref := DocRef{Index: defaultIndex, Pos: len(refs), Elem: s.elem}
		hasIndex, hasID := defaultIndex != "", false
		var cur string
		for {
			if tok, err = lx.next(); err != nil {
				return nil, nil, err
			}
			if tok == ndEndObject {
				break
			}
			switch {
			case tok == ndField:
				cur = string(lx.name())
			case tok.isValue():
				switch cur {
				case "_index":
					ref.Index, err = lx.text()
					hasIndex = true
				case "_id":
					ref.ID, err = lx.text()
					hasID = true
				case "routing", "stored_fields":
					_, err = lx.textBytes()
				case "fields":
					err = ndParsingException("Unsupported field [fields] used, expected [stored_fields] instead")
				case "version":
					_, err = ndLongValue(lx)
				case "version_type":
					err = ndVersionType(lx)
				case "_source":
					if tok != ndTrue && tok != ndFalse && tok != ndString {
						err = ndParseException("illegal type for _source: [" + tok.esName() + "]")
					} else {
						_, err = lx.textBytes()
					}
				default:
					err = ndParseException("failed to parse multi get request. unknown field [" + cur + "]")
				}
				if err != nil {
					return nil, nil, err
				}
			case tok == ndStartArray:
				switch cur {
				case "fields":
					return nil, nil, ndParsingException("Unsupported field [fields] used, expected [stored_fields] instead")
				case "stored_fields", "_source":
					if err = ndTextArray(lx); err != nil {
						return nil, nil, err
					}
				default:
					return nil, nil, ndUnexpectedDocsShape(cur)
				}
			case tok == ndStartObject:
				if cur != "_source" {
					return nil, nil, ndUnexpectedDocsShape(cur)
				}
				if err = ndMultiGetSource(lx); err != nil {
					return nil, nil, err
				}
			}
		}
		refs = append(refs, ref)
		missing = append(missing, !hasIndex, !hasID)
		s.elem++
	}
}

// ndTextArray reads an array whose elements are read with XContentParser.text().
func ndTextArray(lx *ndLexer) error {
	return ndValueArray(lx, func(tok ndTok) error {
		return ndIllegalArgument("Expected text at " + lx.tokenWhere() + " but found " + tok.esName())
	})
}

// ndValueArray reads an array (after its START_ARRAY) of values (strings, numbers or
// booleans, ndTok.isValue), refusing any other element with the error refuse gives.
func ndValueArray(lx *ndLexer, refuse func(tok ndTok) error) error {
	for {
		tok, err := lx.next()
		if err != nil {
			return err
		}
		if tok == ndEndArray {
			return nil
		}
		if !tok.isValue() {
			return refuse(tok)
		}
		if _, err = lx.textBytes(); err != nil {
			return err
		}
	}
}

// ndMultiGetSource is the _source object of a MultiGetRequest document.
func ndMultiGetSource(lx *ndLexer) error {
	for {
		tok, err := lx.next()
		if err != nil {
			return err
		}
		switch {
		case tok == ndEndObject:
			return nil
		case tok == ndField:
			switch string(lx.name()) {
			case "includes", "include", "excludes", "exclude":
			default:
				// The message's argument is parser.text() on the key, which throws.
				return ndIllegalArgument("Expected text at " + lx.tokenWhere() + " but found FIELD_NAME")
			}
		case tok == ndStartArray:
			if err = ndTextArray(lx); err != nil {
				return err
			}
		case tok.isValue():
			if _, err = lx.textBytes(); err != nil {
				return err
			}
		default:
			return ndParseException("unexpected token while parsing source settings")
		}
	}
}

// ndVersionType is VersionType.fromString over XContentParser.text().
func ndVersionType(lx *ndLexer) error {
	if !lx.tok.isValue() {
		return ndIllegalArgument("Expected text at " + lx.tokenWhere() + " but found " + lx.tok.esName())
	}
	b, err := lx.textBytes()
	if err != nil {
		return err
	}
	switch string(b) {
	case "internal", "external", "external_gt", "external_gte":
		return nil
	}
	return ndIllegalArgument("No version type match [" + string(b) + "]")
}

// ndTVRequest is the part of a TermVectorsRequest that decides its target.
type ndTVRequest struct {
	index    string
	hasIndex bool
	id       string
	hasID    bool
	doc      bool
}

// termVectors is MultiTermVectorsRequest.add followed by its validate.
func (s *ndDocsScanner) termVectors(body []byte, defaultIndex string, queryIDs []string) ([]DocRef, error) {
	template := ndTVRequest{index: defaultIndex, hasIndex: defaultIndex != ""}
	var (
		docs   []ndTVRequest
		refs   []DocRef
		ids    []string
		idElem []int
	)
	for _, id := range queryIDs {
		// MultiTermVectorsRequest.ids removes white space (\s) from each id.
		ids = append(ids, strings.Map(func(r rune) rune {
			if r == ' ' || r == '\t' || r == '\n' || r == '\v' || r == '\f' || r == '\r' {
				return -1
			}
			return r
		}, id))
		idElem = append(idElem, -1)
	}
	if len(body) > 0 {
		lx := &s.lx
		lx.reset(body)
		tok, err := lx.next()
		if err != nil {
			return nil, err
		}
		switch tok {
		case ndStartObject:
		case ndStartArray:
			return nil, ndParseException("no parameter named [null] and type ARRAY")
		default:
			return nil, ndIllegalArgument("the _mtermvectors request body must be a JSON object")
		}
		var cur string
		for {
			if tok, err = lx.next(); err != nil {
				return nil, err
			}
			if tok == ndEndObject {
				break
			}
			switch tok {
			case ndField:
				cur = string(lx.name())
			case ndStartArray:
				switch cur {
				case "docs":
					for {
						if tok, err = lx.next(); err != nil {
							return nil, err
						}
						if tok == ndEndArray {
							break
						}
						if tok != ndStartObject {
							return nil, ndIllegalArgument("docs array element should include an object")
						}
						req := template
						if err = s.termVectorsRequest(&req); err != nil {
							return nil, err
						}
						docs = append(docs, req)
						refs = append(refs, DocRef{Index: req.index, ID: req.id, Pos: len(refs), Elem: s.elem})
						s.elem++
					}
				case "ids":
					err = ndIDs(lx, func(id string) {
						ids = append(ids, id)
						idElem = append(idElem, s.elem)
						s.elem++
					})
					if err != nil {
						return nil, err
					}
				default:
					return nil, ndParseException("no parameter named [" + cur + "] and type ARRAY")
				}
			case ndStartObject:
				if cur != "parameters" {
					return nil, ndParseException("no parameter named [" + cur + "] and type OBJECT")
				}
				if err = s.termVectorsRequest(&template); err != nil {
					return nil, err
				}
			default:
				return nil, ndParseException("_mtermvectors: Parameter [" + cur + "] not supported")
			}
		}
	}
	order, ok := ndJavaHashOrder(ids)
	if !ok {
		return nil, ndIllegalArgument("too many colliding ids to know the order of the responses")
	}
	for _, i := range order {
		req := template
		req.id, req.hasID = ids[i], true
		docs = append(docs, req)
		refs = append(refs, DocRef{Index: req.index, ID: req.id, Pos: len(refs), Elem: idElem[i]})
	}
	// MultiTermVectorsRequest.validate keeps the errors of the last invalid document.
	if len(docs) == 0 {
		return nil, ndValidation("multi term vectors: no documents requested")
	}
	var errs []string
	for i, d := range docs {
		var e []string
		if !d.hasIndex {
			e = append(e, "index is missing")
		}
		if !d.hasID && !d.doc {
			e = append(e, "id or doc is missing")
		}
		if e != nil {
			errs = append(e, "at multi term vectors for doc "+strconv.Itoa(i))
		}
	}
	if errs != nil {
		return nil, ndValidation(errs...)
	}
	return refs, nil
}

// termVectorsRequest is TermVectorsRequest.parseRequest on the object just opened.
func (s *ndDocsScanner) termVectorsRequest(req *ndTVRequest) error {
	lx := &s.lx
	var cur string
	named := false
	for {
		tok, err := lx.next()
		if err != nil {
			return err
		}
		if tok == ndEndObject {
			return nil
		}
		if tok == ndField {
			cur, named = string(lx.name()), true
			continue
		}
		if !named {
			continue
		}
		switch cur {
		case "fields":
			if tok != ndStartArray {
				return ndParseException("failed to parse term vectors request. field [fields] must be an array")
			}
			err = ndTextArray(lx)
		case "offsets", "positions", "payloads", "term_statistics", "termStatistics", "field_statistics", "fieldStatistics":
			_, err = ndBooleanValue(lx)
		case "dfs":
			err = ndIllegalArgument("distributed frequencies is not supported anymore for term vectors")
		case "per_field_analyzer", "perFieldAnalyzer":
			err = s.perFieldAnalyzer(cur)
		case "filter":
			err = s.filterSettings()
		case "_index":
			req.index, err = ndText(lx)
			req.hasIndex = true
		case "_id":
			if req.doc {
				return ndParseException("failed to parse term vectors request. either [id] or [doc] can be specified, but not both!")
			}
			req.id, err = ndText(lx)
			req.hasID = true
		case "doc":
			if req.hasID {
				return ndParseException("failed to parse term vectors request. either [id] or [doc] can be specified, but not both!")
			}
			req.doc = true
			err = lx.skip()
		case "routing":
			_, err = ndText(lx)
		case "version":
			_, err = ndLongValue(lx)
		case "version_type":
			err = ndVersionType(lx)
		default:
			err = ndParseException("failed to parse term vectors request. unknown field [" + cur + "]")
		}
		if err != nil {
			return err
		}
	}
}

// ndIDs reads the elements of an "ids" array (after its START_ARRAY), calling add for
// each id in order; an element that is not a value is refused as Elasticsearch does.
func ndIDs(lx *ndLexer, add func(id string)) error {
	for {
		tok, err := lx.next()
		if err != nil {
			return err
		}
		if tok == ndEndArray {
			return nil
		}
		if !tok.isValue() {
			return ndIllegalArgument("ids array element should only contain ids")
		}
		id, err := lx.text()
		if err != nil {
			return err
		}
		add(id)
	}
}

// ndText is XContentParser.text(), which refuses a token that is not a value.
func ndText(lx *ndLexer) (string, error) {
	if !lx.tok.isValue() {
		return "", ndIllegalArgument("Expected text at " + lx.tokenWhere() + " but found " + lx.tok.esName())
	}
	return lx.text()
}

// perFieldAnalyzer is readPerFieldAnalyzer(parser.map()): an object whose values are
// strings; a scalar reads as an empty map.
func (s *ndDocsScanner) perFieldAnalyzer(key string) error {
	lx := &s.lx
	switch lx.tok {
	case ndStartArray:
		return ndUnexpectedDocsShape(key)
	case ndStartObject:
	default:
		return nil
	}
	keys, vals, err := ndReadHObject(lx)
	if err != nil {
		return err
	}
	order, ok := ndJavaHashOrder(keys)
	if !ok {
		return ndIllegalArgument("too many colliding keys in [" + key + "]")
	}
	for _, i := range order {
		var class string
		switch v := vals[i]; v.tok {
		case ndString:
			continue
		case ndNull:
			return ndIllegalArgument("the analyzer at [" + keys[i] + "] must not be null")
		case ndTrue, ndFalse:
			class = "java.lang.Boolean"
		case ndStartArray:
			class = "java.util.ArrayList"
		case ndStartObject:
			class = "java.util.HashMap"
		default:
			class = ndJavaNumberClass(v)
		}
		return ndParseException("expecting the analyzer at [" + keys[i] + "] to be a String, but found [class " +
			class + "] instead")
	}
	return nil
}

// ndJavaNumberClass is the class of the Number that Jackson makes of a JSON number.
func ndJavaNumberClass(v ndHValue) string {
	if v.float {
		return "java.lang.Double"
	}
	if n, err := strconv.ParseInt(v.text, 10, 64); err == nil {
		if n >= -1<<31 && n < 1<<31 {
			return "java.lang.Integer"
		}
		return "java.lang.Long"
	}
	return "java.math.BigInteger"
}

// filterSettings is TermVectorsRequest.readFilterSettings on a filter object.
func (s *ndDocsScanner) filterSettings() error {
	lx := &s.lx
	if lx.tok != ndStartObject {
		return ndUnexpectedDocsShape("filter")
	}
	var cur string
	for {
		tok, err := lx.next()
		if err != nil {
			return err
		}
		if tok == ndEndObject {
			return nil
		}
		if tok == ndField {
			cur = string(lx.name())
			continue
		}
		switch cur {
		case "max_num_terms", "min_term_freq", "max_term_freq", "min_doc_freq", "max_doc_freq",
			"min_word_length", "max_word_length":
			if err = ndIntValue(lx); err != nil {
				return err
			}
		default:
			return ndParseException("failed to parse term vectors request. the field [" + cur +
				"] is not valid for filter parameter for term vector request")
		}
	}
}

// FilterDocs returns an _mget or _mtermvectors body with only the elements of its
// top-level "docs" and "ids" arrays for which keep returns true, keeping every other
// byte as it is. keep is called with the element's position in body order, which is
// DocRef.Elem (equal to DocRef.Pos for _mget). An array whose elements are all dropped
// stays, empty.
//
// For _mtermvectors the ids come back in the order of Java's HashSet of the ids that
// are sent, so keep either all or none of them: they all target the same index.
func FilterDocs(body []byte, keep func(pos int) bool) ([]byte, error) {
	var lx ndLexer
	lx.reset(body)
	tok, err := lx.next()
	if err != nil {
		return nil, err
	}
	if tok != ndStartObject {
		return nil, ndIllegalArgument("the request body must be a JSON object")
	}
	out := make([]byte, 0, len(body))
	last, elem := 0, 0
	var cur []byte
	for {
		if tok, err = lx.next(); err != nil {
			return nil, err
		}
		if tok == ndEndObject {
			break
		}
		if tok == ndField {
			cur = lx.name()
			continue
		}
		if tok != ndStartArray || (string(cur) != "docs" && string(cur) != "ids") {
			if err = lx.skip(); err != nil {
				return nil, err
			}
			continue
		}
		open := lx.start
		var segs [][2]int // each element with the white space around it, up to its comma
		for {
			if tok, err = lx.next(); err != nil {
				return nil, err
			}
			if tok == ndEndArray {
				if n := len(segs); n > 0 {
					segs[n-1][1] = lx.start
				}
				break
			}
			start := open + 1
			if n := len(segs); n > 0 {
				segs[n-1][1] = lx.comma
				start = lx.comma + 1
			}
			segs = append(segs, [2]int{start, 0})
			if err = lx.skip(); err != nil {
				return nil, err
			}
		}
		closing := lx.start
		out = append(out, body[last:open+1]...)
		first := true
		for _, seg := range segs {
			if keep(elem) {
				if !first {
					out = append(out, ',')
				}
				out = append(out, body[seg[0]:seg[1]]...)
				first = false
			}
			elem++
		}
		last = closing
	}
	return append(out, body[last:]...), nil
}
