package bodies

import (
	"strconv"
	"strings"
)

// LegacyDoc is one document that an _mget or _mtermvectors request of Elasticsearch
// 1.x or 2.x reads. Its DocRef is as ScanDocs gives it, so that FilterDocs and the
// merging of responses apply unchanged.
type LegacyDoc struct {
	DocRef
	// Type is the document's _type, else the default type; "" when neither names one
	// (an _mget document without type is looked up in every type).
	Type string
}

// ScanLegacyDocs reads an _mget body (MultiGetRequest.add) or, with termVectors, an
// _mtermvectors body (MultiTermVectorsRequest.add) of Elasticsearch 1.x (version 1) or
// 2.x (version 2), and returns the documents in the order of the response.
// defaultIndex and defaultType are those of the path (/{index}/{type}/_mget), "" for
// none.
//
// _mget: the documents of "docs" and of "ids" come in body order. A document of "docs"
// reads _index, _type, _id, _routing and routing, _parent and parent, fields (a name or
// an array of names), _version and version, the version type (_version_type,
// _versionType, version_type, versionType) and _source (a boolean, a string, an array
// of strings or an object of include, includes, exclude and excludes); another key
// with a simple value, and any key with null, is ignored as Elasticsearch ignores it.
// An "ids" element is a string, number or boolean and takes the default index and
// type. Another top-level key with a simple value is ignored. Then MultiGetRequest
// validates: "no documents to get", "index is missing for doc N" and "id is missing
// for doc N".
//
// _mtermvectors: see ScanLegacyTermVectorsDocs, which this calls without query ids.
//
// The body's format is derived as Elasticsearch derives it; SMILE, YAML and CBOR bodies
// are refused. Stricter than Elasticsearch, whose parsers walk into an array or object
// they do not expect and read the keys inside it as if they were the document's (so
// that {"x":[{"_index":"other"}]} would change the document's index): such a value is
// refused, as are a body that is not a JSON object (on some of which Elasticsearch
// loops), content after it, repeated keys (Elasticsearch keeps the last), unquoted
// keys, a null or non-scalar element where a name is read, an empty _index, and a
// number as _source.
func ScanLegacyDocs(body []byte, defaultIndex, defaultType string, termVectors bool, version int) ([]LegacyDoc, error) {
	if termVectors {
		return ScanLegacyTermVectorsDocs(body, defaultIndex, defaultType, version, nil)
	}
	if err := legacyCheckVersion(version); err != nil {
		return nil, err
	}
	s := legacyDocsScanner{version: version}
	return s.multiGet(body, defaultIndex, defaultType)
}

// ScanLegacyTermVectorsDocs reads an _mtermvectors body of Elasticsearch 1.x (version 1)
// or 2.x (version 2) with the ids of the "ids" query parameter, already split at commas
// (RestMultiTermVectorsAction adds them, without white space, before those of the
// body). The body may be empty.
//
// The documents of "docs" come first, each starting from a copy of the template (the
// path's index and type, overridden by a "parameters" object read before it, whose
// _id is copied too). Then come the distinct ids of the query and of "ids", in the
// order of Java 8's HashSet, all with the template's final index and type; Elasticsearch
// running on Java 7 orders them differently, but they all target the same index. A
// document reads the keys of that version's TermVectorsRequest.parseRequest: fields
// (an array), offsets, positions, payloads, term_statistics, termStatistics,
// field_statistics, fieldStatistics, per_field_analyzer, perFieldAnalyzer, _index,
// _type, _id, doc, _routing and routing, and in 2.x also dfs, filter, _version,
// version and the version type. Any other key is refused with that version's message,
// as is a document with both _id and doc. Then MultiTermVectorsRequest validates:
// "multi term vectors: no documents requested", and for the last invalid document
// "index is missing", "type is missing" and "id or doc is missing" followed by "at
// multi term vectors for doc N".
//
// The stricter rules of ScanLegacyDocs apply; besides, _index, _type, _id and routing
// must be a string, number or boolean (1.x would read null as the name "null" and an
// object as "{"), per_field_analyzer must map names to strings and filter must be an
// object of numbers.
func ScanLegacyTermVectorsDocs(body []byte, defaultIndex, defaultType string, version int, queryIDs []string) ([]LegacyDoc, error) {
	if err := legacyCheckVersion(version); err != nil {
		return nil, err
	}
	s := legacyDocsScanner{version: version}
	return s.termVectors(body, defaultIndex, defaultType, queryIDs)
}

type legacyDocsScanner struct {
	lx      ndLexer
	version int
	elem    int
}

// walkInto refuses a value that Elasticsearch would not skip but walk into.
func legacyWalkInto(key string) error {
	return ndIllegalArgument("the value of [" + key + "] is an array or an object that Elasticsearch 1.x and 2.x " +
		"would read as part of the enclosing object; esguard refuses it")
}

// object starts reading a body that must be one JSON object.
func (s *legacyDocsScanner) object(body []byte, api string) error {
	if err := legacyDetect(body, s.version); err != nil {
		return err
	}
	s.lx.reset(body)
	tok, err := s.lx.next()
	if err != nil {
		return err
	}
	if tok != ndStartObject {
		return ndIllegalArgument("esguard refuses an " + api + " body that is not a JSON object")
	}
	return nil
}

// end checks that nothing follows the body's object.
func (s *legacyDocsScanner) end(api string) error {
	tok, err := s.lx.next()
	if err != nil {
		return err
	}
	if tok != ndEOF {
		return ndIllegalArgument("esguard refuses content after the " + api + " body's object")
	}
	return nil
}

// multiGet is MultiGetRequest.add followed by MultiGetRequest.validate.
func (s *legacyDocsScanner) multiGet(body []byte, defaultIndex, defaultType string) ([]LegacyDoc, error) {
	if err := s.object(body, "_mget"); err != nil {
		return nil, err
	}
	lx := &s.lx
	var (
		docs    []LegacyDoc
		missing []bool // per document: index missing, id missing
		cur     string
	)
	for {
		tok, err := lx.next()
		if err != nil {
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
				if docs, missing, err = s.multiGetDocs(docs, missing, defaultIndex, defaultType); err != nil {
					return nil, err
				}
			case "ids":
				err = ndIDs(lx, func(id string) {
					docs = append(docs, LegacyDoc{DocRef{Index: defaultIndex, ID: id, Pos: len(docs), Elem: s.elem}, defaultType})
					missing = append(missing, defaultIndex == "", false)
					s.elem++
				})
				if err != nil {
					return nil, err
				}
			default:
				return nil, legacyWalkInto(cur)
			}
		case ndStartObject:
			return nil, legacyWalkInto(cur)
		}
	}
	if err := s.end("_mget"); err != nil {
		return nil, err
	}
	if len(docs) == 0 {
		return nil, ndValidation("no documents to get")
	}
	var errs []string
	for i := range docs {
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
	return docs, nil
}

// multiGetDocs is MultiGetRequest.parseDocuments.
func (s *legacyDocsScanner) multiGetDocs(docs []LegacyDoc, missing []bool, defaultIndex, defaultType string) ([]LegacyDoc, []bool, error) {
	lx := &s.lx
	for {
		tok, err := lx.next()
		if err != nil {
			return nil, nil, err
		}
		if tok == ndEndArray {
			return docs, missing, nil
		}
		if tok != ndStartObject {
			return nil, nil, ndIllegalArgument("docs array element should include an object")
		}
		d := LegacyDoc{DocRef{Index: defaultIndex, Pos: len(docs), Elem: s.elem}, defaultType}
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
					if d.Index, err = lx.text(); err == nil && d.Index == "" {
						err = legacyEmptyIndex("")
					}
					hasIndex = true
				case "_type":
					d.Type, err = lx.text()
				case "_id":
					d.ID, err = lx.text()
					hasID = true
				case "_version", "version":
					err = legacyNumeric(lx, 64)
				case "_version_type", "_versionType", "version_type", "versionType":
					err = legacyVersionType(lx)
				case "_source":
					if tok == ndNumber {
						err = ndParseException("illegal type for _source: [VALUE_NUMBER]")
					}
				default: // _routing, routing, _parent, parent, fields; other keys are ignored
					_, err = lx.textBytes()
				}
				if err != nil {
					return nil, nil, err
				}
			case tok == ndStartArray:
				if cur != "fields" && cur != "_source" {
					return nil, nil, legacyWalkInto(cur)
				}
				if err = legacyTextArray(lx, cur); err != nil {
					return nil, nil, err
				}
			case tok == ndStartObject:
				if cur != "_source" {
					return nil, nil, legacyWalkInto(cur)
				}
				if err = s.multiGetSource(); err != nil {
					return nil, nil, err
				}
			}
		}
		docs = append(docs, d)
		missing = append(missing, !hasIndex, !hasID)
		s.elem++
	}
}

// legacyTextArray reads an array (after its START_ARRAY) whose elements Elasticsearch
// reads with parser.text(): strings, numbers or booleans.
func legacyTextArray(lx *ndLexer, key string) error {
	return ndValueArray(lx, func(tok ndTok) error {
		return ndIllegalArgument("[" + key + "] must hold strings, not " + tok.esName())
	})
}

// multiGetSource is the _source object of a document.
func (s *legacyDocsScanner) multiGetSource() error {
	lx := &s.lx
	for {
		tok, err := lx.next()
		if err != nil {
			return err
		}
		switch {
		case tok == ndEndObject:
			return nil
		case tok == ndField:
			switch k := string(lx.name()); k {
			case "includes", "include", "excludes", "exclude":
			default:
				if s.version == 1 {
					return ndParseException("Source definition may not contain " + k)
				}
				return ndParseException("source definition may not contain [" + k + "]")
			}
		case tok == ndStartArray:
			if err = legacyTextArray(lx, "_source"); err != nil {
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

// legacyTV is the part of a TermVectorsRequest that decides its target.
type legacyTV struct {
	index, typ, id           string
	hasIndex, hasType, hasID bool
	doc                      bool
}

// tvMessage picks the 1.x or the 2.x wording of an _mtermvectors error.
func (s *legacyDocsScanner) tvMessage(v1, v2 string) string {
	if s.version == 1 {
		return v1
	}
	return v2
}

// termVectors is MultiTermVectorsRequest.add followed by its validate.
func (s *legacyDocsScanner) termVectors(body []byte, defaultIndex, defaultType string, queryIDs []string) ([]LegacyDoc, error) {
	template := legacyTV{index: defaultIndex, hasIndex: defaultIndex != "", typ: defaultType, hasType: defaultType != ""}
	var (
		reqs   []legacyTV
		docs   []LegacyDoc
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
		if err := legacyDetect(body, s.version); err != nil {
			return nil, err
		}
		lx := &s.lx
		lx.reset(body)
		tok, err := lx.next()
		if err != nil {
			return nil, err
		}
		switch tok {
		case ndStartObject:
		case ndStartArray:
			return nil, ndParseException(s.tvMessage("No parameter named nulland type ARRAY", "no parameter named [null] and type ARRAY"))
		default:
			return nil, ndIllegalArgument("esguard refuses an _mtermvectors body that is not a JSON object")
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
						req.doc = false // the copy constructor does not copy the artificial document
						if err = s.termVectorsRequest(&req); err != nil {
							return nil, err
						}
						reqs = append(reqs, req)
						docs = append(docs, LegacyDoc{DocRef{Index: req.index, ID: req.id, Pos: len(docs), Elem: s.elem}, req.typ})
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
					return nil, ndParseException(s.tvMessage("No parameter named "+cur+"and type ARRAY",
						"no parameter named ["+cur+"] and type ARRAY"))
				}
			case ndStartObject:
				if cur != "parameters" {
					return nil, ndParseException(s.tvMessage("No parameter named "+cur+"and type OBJECT",
						"no parameter named ["+cur+"] and type OBJECT"))
				}
				if err = s.termVectorsRequest(&template); err != nil {
					return nil, err
				}
			default:
				return nil, ndParseException(s.tvMessage("_mtermvectors: Parameter "+cur+"not supported",
					"_mtermvectors: Parameter ["+cur+"] not supported"))
			}
		}
		if err := s.end("_mtermvectors"); err != nil {
			return nil, err
		}
	}
	order, ok := ndJavaHashOrder(ids)
	if !ok {
		return nil, ndIllegalArgument("too many colliding ids to know the order of the responses")
	}
	for _, i := range order {
		req := template
		req.doc = false
		req.id, req.hasID = ids[i], true
		reqs = append(reqs, req)
		docs = append(docs, LegacyDoc{DocRef{Index: req.index, ID: req.id, Pos: len(docs), Elem: idElem[i]}, req.typ})
	}
	if len(reqs) == 0 {
		return nil, ndValidation("multi term vectors: no documents requested")
	}
	// MultiTermVectorsRequest.validate keeps the errors of the last invalid document.
	var errs []string
	for i, r := range reqs {
		var e []string
		if !r.hasIndex {
			e = append(e, "index is missing")
		}
		if !r.hasType {
			e = append(e, "type is missing")
		}
		if !r.hasID && !r.doc {
			e = append(e, "id or doc is missing")
		}
		if e != nil {
			errs = append(e, "at multi term vectors for doc "+strconv.Itoa(i))
		}
	}
	if errs != nil {
		return nil, ndValidation(errs...)
	}
	return docs, nil
}

// termVectorsRequest is TermVectorsRequest.parseRequest on the object just opened.
func (s *legacyDocsScanner) termVectorsRequest(req *legacyTV) error {
	lx := &s.lx
	v2 := s.version == 2
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
		scalar := func() error {
			if !tok.isValue() {
				return ndIllegalArgument("esguard refuses a [" + cur + "] that is not a string, a number or a boolean")
			}
			return nil
		}
		switch cur {
		case "fields":
			if tok != ndStartArray {
				return ndParseException(s.tvMessage(`The parameter fields must be given as an array! Use syntax : "fields" : ["field1", "field2",...]`,
					"failed to parse term vectors request. field [fields] must be an array"))
			}
			err = legacyTextArray(lx, cur)
		case "offsets", "positions", "payloads", "term_statistics", "termStatistics", "field_statistics", "fieldStatistics":
			err = scalar()
		case "per_field_analyzer", "perFieldAnalyzer":
			err = s.perFieldAnalyzer(cur)
		case "_index":
			if err = scalar(); err == nil {
				if req.index, err = lx.text(); err == nil && req.index == "" {
					err = legacyEmptyIndex("")
				}
				req.hasIndex = true
			}
		case "_type":
			if err = scalar(); err == nil {
				req.typ, err = lx.text()
				req.hasType = true
			}
		case "_id":
			if req.doc {
				return ndParseException(s.tvMessage(`Either "id" or "doc" can be specified, but not both!`,
					"failed to parse term vectors request. either [id] or [doc] can be specified, but not both!"))
			}
			if err = scalar(); err == nil {
				req.id, err = lx.text()
				req.hasID = true
			}
		case "doc":
			if req.hasID {
				return ndParseException(s.tvMessage(`Either "id" or "doc" can be specified, but not both!`,
					"failed to parse term vectors request. either [id] or [doc] can be specified, but not both!"))
			}
			req.doc = true
			err = lx.skip()
		case "_routing", "routing":
			if err = scalar(); err == nil {
				_, err = lx.textBytes()
			}
		default:
			switch {
			case v2 && cur == "dfs":
				err = scalar()
			case v2 && cur == "filter":
				err = s.filterSettings()
			case v2 && (cur == "_version" || cur == "version"):
				if err = scalar(); err == nil {
					err = legacyNumeric(lx, 64)
				}
			case v2 && (cur == "_version_type" || cur == "_versionType" || cur == "version_type" || cur == "versionType"):
				if err = scalar(); err == nil {
					err = legacyVersionType(lx)
				}
			default:
				return ndParseException(s.tvMessage("The parameter "+cur+" is not valid for term vector request!",
					"failed to parse term vectors request. unknown field ["+cur+"]"))
			}
		}
		if err != nil {
			return err
		}
	}
}

// perFieldAnalyzer is readPerFieldAnalyzer(parser.map()): an object whose values are
// strings; a scalar reads as an empty map.
func (s *legacyDocsScanner) perFieldAnalyzer(key string) error {
	lx := &s.lx
	switch lx.tok {
	case ndStartArray:
		return legacyWalkInto(key)
	case ndStartObject:
	default:
		return nil
	}
	for {
		tok, err := lx.next()
		if err != nil {
			return err
		}
		switch tok {
		case ndEndObject:
			return nil
		case ndField:
			continue
		case ndString:
			if _, err = lx.textBytes(); err != nil {
				return err
			}
		default:
			return ndIllegalArgument("[" + key + "] must map field names to analyzer names, not to " + tok.esName())
		}
	}
}

// filterSettings is readFilterSettings of 2.x: an object of the filter's integers.
func (s *legacyDocsScanner) filterSettings() error {
	lx := &s.lx
	if lx.tok != ndStartObject {
		return legacyWalkInto("filter")
	}
	var cur string
	for {
		tok, err := lx.next()
		if err != nil {
			return err
		}
		switch {
		case tok == ndEndObject:
			return nil
		case tok == ndField:
			cur = string(lx.name())
			continue
		}
		switch cur {
		case "max_num_terms", "min_term_freq", "max_term_freq", "min_doc_freq", "max_doc_freq",
			"min_word_length", "max_word_length":
		default:
			return ndParseException("failed to parse term vectors request. the field [" + cur +
				"] is not valid for filter parameter for term vector request")
		}
		if !tok.isValue() {
			return legacyWalkInto(cur)
		}
		if err = legacyNumeric(lx, 32); err != nil {
			return err
		}
	}
}
