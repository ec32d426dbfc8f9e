package bodies

import (
	"bytes"
	"encoding/base64"
	"strconv"
	"strings"
)

// IndexRef is an index that the query DSL of a request body reads besides the
// request's own indices, with the action Elasticsearch runs on it as the user.
type IndexRef struct {
	Index string
	// Action is the action Elasticsearch runs on Index with the user's authentication:
	// indices:data/read/get for a terms lookup, an indexed shape and percolate by id,
	// indices:data/read/mtv for more_like_this documents, indices:data/read/search for
	// a lookup runtime field.
	Action string
	// Kind names the construct: "terms_lookup", "more_like_this", "percolate",
	// "indexed_shape" or "lookup_runtime_field".
	Kind string
}

const (
	qActionGet    = "indices:data/read/get"
	qActionMTV    = "indices:data/read/mtv"
	qActionSearch = "indices:data/read/search"

	// qDefaultShapeIndex is AbstractGeometryQueryBuilder.DEFAULT_SHAPE_INDEX_NAME, the
	// index an indexed_shape without "index" is read from.
	qDefaultShapeIndex = "shapes"

	// qMaxWrapperDepth bounds wrapper queries nested inside wrapper queries.
	qMaxWrapperDepth = 8
)

// qIndexKeys are the keys with which query DSL names an index. One of them at a
// position QueryIndexRefs does not recognise makes it refuse the body.
var qIndexKeys = jsSet("index", "_index", "indices", "target_index")

// qFieldKeyed are the queries (and decay functions) whose object is keyed by field
// names: a field may be called "index", so their direct keys are not index keys.
var qFieldKeyed = jsSet("term", "match", "match_phrase", "match_phrase_prefix", "match_bool_prefix",
	"prefix", "wildcard", "regexp", "fuzzy", "range", "span_term", "intervals", "geo_distance",
	"geo_bounding_box", "geo_polygon", "geo_grid", "text_expansion", "weighted_tokens",
	"gauss", "linear", "exp")

// qNamed are the keys whose object is keyed by names the user chooses (aggregations,
// script fields, suggestions, highlighted fields, named filters, parameters, query rule
// criteria, ES|QL lookup tables), so their direct keys are not index keys either.
var qNamed = jsSet("aggs", "aggregations", "script_fields", "suggest", "fields", "filters",
	"per_field_analyzer", "params", "meta", "match_criteria", "tables")

// The parameters of the constructs recognised by structure. A construct with any other
// key is walked as unknown DSL.
var (
	qTermsLookupKeys = jsSet("index", "id", "path", "routing", "type")
	qMLTKeys         = jsSet("fields", "like", "unlike", "max_query_terms", "min_term_freq", "min_doc_freq",
		"max_doc_freq", "min_word_length", "max_word_length", "stop_words", "analyzer",
		"minimum_should_match", "boost_terms", "include", "fail_on_unsupported_field", "boost", "_name")
	qMLTItemKeys   = jsSet("_index", "_type", "_id", "doc", "fields", "per_field_analyzer", "routing", "version", "version_type")
	qPercolateKeys = jsSet("field", "document", "documents", "id", "index", "routing", "preference",
		"version", "type", "document_type", "name", "_name", "boost")
	qShapeFieldKeys   = jsSet("shape", "relation", "indexed_shape", "strategy")
	qShapeParamKeys   = jsSet("boost", "_name", "ignore_unmapped")
	qIndexedShapeKeys = jsSet("id", "index", "path", "routing", "type")
	qRuntimeKeys      = jsSet("type", "script", "format", "meta", "on_script_error", "target_index",
		"input_field", "target_field", "fetch_fields", "fields")
	qPinnedKeys    = jsSet("ids", "docs", "organic", "boost", "_name", "retriever", "rank_window_size")
	qPinnedDocKeys = jsSet("_index", "_id")
	qScriptKeys    = jsSet("source", "id", "lang", "params", "options", "inline")
)

// QueryIndexRefs walks a search-like JSON body (search, count, explain, validate,
// delete and update by query, field_caps index_filter, knn, rescore, aggregation
// filters, the filter of SQL and ES|QL requests) and returns every index its query DSL
// reads besides the request's own indices, in body order:
//
//   - terms lookup, {"terms": {field: {"index", "id", "path", "routing"}}} (TermsLookup);
//   - more_like_this like and unlike items with "_index" (MoreLikeThisQueryBuilder.Item;
//     an item without "_index" reads the searched index and is not reported);
//   - percolate by id with "index" (PercolateQueryBuilder);
//   - geo_shape and shape indexed_shape, whose index defaults to "shapes"
//     (AbstractGeometryQueryBuilder);
//   - lookup runtime fields' target_index in runtime_mappings (LookupRuntimeFieldType);
//   - the same inside wrapper queries, whose base64 text is decoded and walked.
//
// A key that names an index (index, _index, indices, target_index) anywhere else makes
// the body refused, since esguard cannot tell what it reads. Documents given inline
// (percolate "document" and "documents", more_like_this "doc") and script sources and
// parameters are data, not DSL, and are not inspected. An empty body has no refs.
func QueryIndexRefs(body []byte) ([]IndexRef, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, nil
	}
	v, err := jsDecode(body)
	if err != nil {
		return nil, err
	}
	var w qWalker
	if err := w.walk(v, ""); err != nil {
		return nil, err
	}
	return w.refs, nil
}

type qWalker struct {
	refs     []IndexRef
	wrappers int // wrapper queries being walked
	// marker, when set, is text standing for a mustache tag: a reported index holding
	// it is refused (see ParseSearchTemplate).
	marker string
}

func qRefused(key, path string) error {
	return jsIllegalArgument("esguard cannot tell which index [" + key + "] at [" + path + "] reads; the request is refused")
}

func qJoin(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func (w *qWalker) add(index, action, kind, path string) error {
	if w.marker != "" && strings.Contains(index, w.marker) {
		return jsIllegalArgument("esguard cannot tell which indices this search template reads: a mustache tag names the index at [" + path + "]; the request is refused")
	}
	r := IndexRef{Index: index, Action: action, Kind: kind}
	for _, have := range w.refs {
		if have == r {
			return nil
		}
	}
	w.refs = append(w.refs, r)
	return nil
}

// indexName reads the string that names an index in a recognised construct.
func (w *qWalker) indexName(v *jsValue, path string) (string, error) {
	if v.kind != 's' || v.str == "" {
		return "", jsIllegalArgument("esguard cannot read the index at [" + path + "]: it must be a non-empty string; the request is refused")
	}
	return v.str, nil
}

func (w *qWalker) walk(v *jsValue, path string) error {
	switch v.kind {
	case '[':
		for i, e := range v.vals {
			if err := w.walk(e, path+"["+strconv.Itoa(i)+"]"); err != nil {
				return err
			}
		}
	case '{':
		return w.object(v, path, false)
	}
	return nil
}

// object walks an object's entries. When names is set, its keys are names (of fields,
// aggregations, parameters...) rather than DSL keys, and are not checked as index keys;
// their values are walked as usual.
func (w *qWalker) object(v *jsValue, path string, names bool) error {
	for i, k := range v.keys {
		val, p := v.vals[i], qJoin(path, k)
		handled, err := w.construct(k, val, p)
		switch {
		case err != nil:
			return err
		case handled:
			continue
		case !names && qIndexKeys[k]:
			return qRefused(k, p)
		case val.kind == '{' && (qFieldKeyed[k] || qNamed[k]):
			err = w.object(val, p, true)
		case val.kind == '[' && (k == "sort" || k == "params"):
			for j, e := range val.vals {
				ep := p + "[" + strconv.Itoa(j) + "]"
				if e.kind == '{' {
					err = w.object(e, ep, true)
				} else {
					err = w.walk(e, ep)
				}
				if err != nil {
					break
				}
			}
		case val.kind == '{' && k == "sort":
			err = w.object(val, p, true)
		default:
			err = w.walk(val, p)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// construct handles the constructs recognised by their structure. It reports false
// when key does not name one, or when val does not have the construct's shape: val is
// then walked as unknown DSL.
func (w *qWalker) construct(key string, val *jsValue, path string) (bool, error) {
	switch key {
	case "terms":
		return w.terms(val, path)
	case "more_like_this":
		return w.moreLikeThis(val, path)
	case "percolate":
		return w.percolate(val, path)
	case "geo_shape", "shape":
		return w.shape(val, path)
	case "runtime_mappings":
		return w.runtime(val, path)
	case "pinned":
		return w.pinned(val, path)
	case "wrapper":
		return w.wrapper(val, path)
	case "script":
		return qIsScript(val), nil
	case "indices_boost":
		return qIsIndicesBoost(val), nil
	}
	return false, nil
}

// terms reads a terms query or aggregation: {field: [values] | {lookup}, "boost": ...}.
// Its keys are field names (and parameters); a lookup object has an "index".
func (w *qWalker) terms(v *jsValue, path string) (bool, error) {
	if v.kind != '{' {
		return false, nil
	}
	for i, field := range v.keys {
		look, p := v.vals[i], qJoin(path, field)
		if look.kind == '{' && look.get("index") != nil && jsSubset(look, qTermsLookupKeys) {
			name, err := w.indexName(look.get("index"), p+".index")
			if err != nil {
				return true, err
			}
			if err := w.add(name, qActionGet, "terms_lookup", p); err != nil {
				return true, err
			}
			continue
		}
		if err := w.walk(look, p); err != nil {
			return true, err
		}
	}
	return true, nil
}

func (w *qWalker) moreLikeThis(v *jsValue, path string) (bool, error) {
	if v.kind != '{' || !jsSubset(v, qMLTKeys) {
		return false, nil
	}
	for i, k := range v.keys {
		val, p := v.vals[i], qJoin(path, k)
		if k != "like" && k != "unlike" {
			if err := w.walk(val, p); err != nil {
				return true, err
			}
			continue
		}
		items := []*jsValue{val}
		if val.kind == '[' {
			items = val.vals
		}
		for j, it := range items {
			ip := p
			if val.kind == '[' {
				ip = p + "[" + strconv.Itoa(j) + "]"
			}
			if err := w.likeItem(it, ip); err != nil {
				return true, err
			}
		}
	}
	return true, nil
}

// likeItem reads one like or unlike entry: a text, or a document by id or given inline
// ("doc"), whose "_index" runs term vectors on that index.
func (w *qWalker) likeItem(it *jsValue, path string) error {
	if it.kind != '{' {
		return w.walk(it, path)
	}
	if !jsSubset(it, qMLTItemKeys) {
		return w.walk(it, path)
	}
	for i, k := range it.keys {
		val, p := it.vals[i], qJoin(path, k)
		switch k {
		case "_index":
			name, err := w.indexName(val, p)
			if err != nil {
				return err
			}
			if err := w.add(name, qActionMTV, "more_like_this", path); err != nil {
				return err
			}
		case "doc":
			// An artificial document: data, not DSL.
		case "per_field_analyzer":
			if val.kind == '{' {
				if err := w.object(val, p, true); err != nil {
					return err
				}
				continue
			}
			fallthrough
		default:
			if err := w.walk(val, p); err != nil {
				return err
			}
		}
	}
	return nil
}

func (w *qWalker) percolate(v *jsValue, path string) (bool, error) {
	if v.kind != '{' || !jsSubset(v, qPercolateKeys) {
		return false, nil
	}
	for i, k := range v.keys {
		val, p := v.vals[i], qJoin(path, k)
		switch k {
		case "document", "documents":
			// Documents to percolate: data, not DSL.
		case "index":
			name, err := w.indexName(val, p)
			if err != nil {
				return true, err
			}
			if err := w.add(name, qActionGet, "percolate", path); err != nil {
				return true, err
			}
		default:
			if err := w.walk(val, p); err != nil {
				return true, err
			}
		}
	}
	return true, nil
}

// shape reads geo_shape and shape queries: {field: {"shape" | "indexed_shape",
// "relation"}, "ignore_unmapped", "boost", "_name"}.
func (w *qWalker) shape(v *jsValue, path string) (bool, error) {
	if v.kind != '{' {
		return false, nil
	}
	for i, k := range v.keys {
		val := v.vals[i]
		if qShapeParamKeys[k] && val.isScalar() {
			continue
		}
		if val.kind != '{' || !jsSubset(val, qShapeFieldKeys) {
			return false, nil
		}
		if is := val.get("indexed_shape"); is != nil && (is.kind != '{' || !jsSubset(is, qIndexedShapeKeys)) {
			return false, nil
		}
	}
	for i, field := range v.keys {
		val, p := v.vals[i], qJoin(path, field)
		if val.kind != '{' {
			continue
		}
		for j, k := range val.keys {
			kv, kp := val.vals[j], qJoin(p, k)
			if k != "indexed_shape" {
				if err := w.walk(kv, kp); err != nil {
					return true, err
				}
				continue
			}
			name := qDefaultShapeIndex
			if ix := kv.get("index"); ix != nil {
				var err error
				if name, err = w.indexName(ix, kp+".index"); err != nil {
					return true, err
				}
			}
			if err := w.add(name, qActionGet, "indexed_shape", kp); err != nil {
				return true, err
			}
		}
	}
	return true, nil
}

// runtime reads runtime_mappings: {name: {"type", "script", "target_index", ...}}, with
// composite fields' "fields" read the same way.
func (w *qWalker) runtime(v *jsValue, path string) (bool, error) {
	if v.kind != '{' {
		return false, nil
	}
	for _, def := range v.vals {
		if def.kind != '{' || !jsSubset(def, qRuntimeKeys) {
			return false, nil
		}
	}
	for i, name := range v.keys {
		def, p := v.vals[i], qJoin(path, name)
		for j, k := range def.keys {
			val, kp := def.vals[j], qJoin(p, k)
			var err error
			switch k {
			case "target_index":
				var ix string
				if ix, err = w.indexName(val, kp); err == nil {
					err = w.add(ix, qActionSearch, "lookup_runtime_field", p)
				}
			case "fields":
				var handled bool
				if handled, err = w.runtime(val, kp); err == nil && !handled {
					err = w.walk(val, kp)
				}
			case "script":
				if !qIsScript(val) {
					err = w.walk(val, kp)
				}
			case "meta":
				if val.kind == '{' {
					err = w.object(val, kp, true)
				} else {
					err = w.walk(val, kp)
				}
			default:
				err = w.walk(val, kp)
			}
			if err != nil {
				return true, err
			}
		}
	}
	return true, nil
}

// pinned reads the pinned query and retriever. The "_index" of a pinned document
// selects among the searched indices: it reads no other index.
func (w *qWalker) pinned(v *jsValue, path string) (bool, error) {
	if v.kind != '{' || !jsSubset(v, qPinnedKeys) {
		return false, nil
	}
	if docs := v.get("docs"); docs != nil {
		if docs.kind != '[' {
			return false, nil
		}
		for _, d := range docs.vals {
			if d.kind != '{' || !jsSubset(d, qPinnedDocKeys) {
				return false, nil
			}
			for _, e := range d.vals {
				if e.kind != 's' {
					return false, nil
				}
			}
		}
	}
	for i, k := range v.keys {
		if k == "docs" {
			continue
		}
		if err := w.walk(v.vals[i], qJoin(path, k)); err != nil {
			return true, err
		}
	}
	return true, nil
}

// wrapper reads {"wrapper": {"query": base64}}: the decoded query is walked, and one
// that cannot be decoded is refused.
func (w *qWalker) wrapper(v *jsValue, path string) (bool, error) {
	if v.kind != '{' || len(v.keys) != 1 || v.keys[0] != "query" || v.vals[0].kind != 's' {
		return false, nil
	}
	refuse := func(why string) (bool, error) {
		return true, jsIllegalArgument("esguard cannot read the wrapper query at [" + path + "]: " + why + "; the request is refused")
	}
	if w.wrappers >= qMaxWrapperDepth {
		return refuse("wrapper queries are nested too deeply")
	}
	raw, err := base64.StdEncoding.DecodeString(v.vals[0].str)
	if err != nil {
		if raw, err = base64.RawStdEncoding.DecodeString(v.vals[0].str); err != nil {
			return refuse("it is not base64")
		}
	}
	q, err := jsDecode(raw)
	if err != nil {
		return refuse("it is not one JSON object")
	}
	w.wrappers++
	defer func() { w.wrappers-- }()
	return true, w.walk(q, path+".query")
}

// qIsScript reports whether v has the shape of a script: its source and parameters
// are data, not DSL.
func qIsScript(v *jsValue) bool {
	if v.kind == 's' {
		return true
	}
	if v.kind != '{' || len(v.keys) == 0 || !jsSubset(v, qScriptKeys) {
		return false
	}
	if p := v.get("params"); p != nil && p.kind != '{' {
		return false
	}
	for i, k := range v.keys {
		if k != "params" && k != "options" && !v.vals[i].isScalar() {
			return false
		}
	}
	return true
}

// qIsIndicesBoost reports whether v has the shape of indices_boost: index names mapped
// to numbers, in one object or in an array of objects.
func qIsIndicesBoost(v *jsValue) bool {
	boosts := func(o *jsValue) bool {
		if o.kind != '{' {
			return false
		}
		for _, e := range o.vals {
			if e.kind != 'n' {
				return false
			}
		}
		return true
	}
	if v.kind == '[' {
		for _, e := range v.vals {
			if !boosts(e) {
				return false
			}
		}
		return true
	}
	return boosts(v)
}
