package proxytest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/valyala/fasthttp"
)

// APIKeysOpaqueID is the X-Opaque-Id esguard sends with the requests of its API key
// store. The node answers them from an in-memory document store (one per Node, so every
// esguard instance pointed at the same node shares it) without recording them in
// Requests or Count; APIKeyRequests counts them.
//
// The store implements the part of Elasticsearch's document and index APIs the API key
// store needs, with Elasticsearch's status codes and JSON shapes:
//
//   - PUT /{index} (settings, mappings), HEAD, GET and DELETE /{index}
//   - PUT|POST /{index}/_create/{id}, PUT|POST /{index}/_doc/{id} (op_type=create|index,
//     if_seq_no/if_primary_term), GET and DELETE /{index}/_doc/{id}
//   - POST /{index}/_update/{id} with doc, doc_as_upsert, upsert and detect_noop, and
//     if_seq_no/if_primary_term
//   - GET|POST /{index}/_search with query (match_all, term, terms, ids and bool over
//     those, on a field or a dotted path into objects), from, size, track_total_hits and
//     seq_no_primary_term
//   - GET|POST /{index}/_refresh, and refresh=true|wait_for|false on writes
//
// Writing a document to a missing index creates it, as Elasticsearch's auto-create does.
// An index created with "dynamic": "strict" mappings refuses documents with unmapped
// fields (strict_dynamic_mapping_exception). Searches see documents as of the last
// refresh, like an index with refresh_interval -1: a write becomes searchable only
// through refresh=true|wait_for or _refresh (GET by id is realtime). Indices appear in
// the metadata the node reports to GET /_resolve/index/*, hidden when created with
// index.hidden.
const APIKeysOpaqueID = "esguard-apikeys"

// docStore is the node's document store; Node.mu guards it.
type docStore struct {
	indices  map[string]*docIndex
	requests int
	fail     bool
	created  int // indices ever created, for their UUIDs
}

type docIndex struct {
	uuid     string
	settings map[string]string // flattened, each key prefixed with "index."
	mappings json.RawMessage   // as given, or {} when auto-created
	root     mappingField
	hidden   bool

	docs       map[string]*storedDoc // live documents, for GET, writes and updates
	searchable map[string]*storedDoc // the documents as of the last refresh
	seqNo      int64                 // last assigned sequence number; -1 before any
	order      int64                 // insertion counter, the order hits are returned in
}

// storedDoc is immutable: writes replace it, so a refresh can share pointers.
type storedDoc struct {
	source  json.RawMessage
	seqNo   int64
	version int64
	order   int64
}

// primaryTerm is the fake index's only primary term.
const primaryTerm = 1

// mappingField is one field of a mapping (the root mapping included).
type mappingField struct {
	Type       string                  `json:"type"`
	Properties map[string]mappingField `json:"properties"`
	Dynamic    json.RawMessage         `json:"dynamic"`
	Enabled    *bool                   `json:"enabled"`
}

// APIKeyRequests returns how many requests with X-Opaque-Id APIKeysOpaqueID arrived,
// including those answered 503 by FailAPIKeys.
func (n *Node) APIKeyRequests() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.docs.requests
}

// FailAPIKeys makes the node answer every APIKeysOpaqueID request with 503 (true) or
// normally again (false).
func (n *Node) FailAPIKeys(fail bool) {
	n.mu.Lock()
	n.docs.fail = fail
	n.mu.Unlock()
}

// Docs returns a copy of the live documents of index, by id, or nil when the index does
// not exist.
func (n *Node) Docs(index string) map[string]json.RawMessage {
	n.mu.Lock()
	defer n.mu.Unlock()
	ix := n.docs.indices[index]
	if ix == nil {
		return nil
	}
	out := make(map[string]json.RawMessage, len(ix.docs))
	for id, d := range ix.docs {
		out[id] = bytes.Clone(d.source)
	}
	return out
}

// clusterWithDocs returns the cluster metadata with the document store's indices added
// (those the cluster does not already name). The caller holds n.mu.
func (n *Node) clusterWithDocs() Cluster {
	c := n.cluster
	if len(n.docs.indices) == 0 {
		return c
	}
	c.Indices = slices.Clip(c.Indices)
	for _, name := range slices.Sorted(maps.Keys(n.docs.indices)) {
		if !slices.ContainsFunc(c.Indices, func(i Index) bool { return i.Name == name }) {
			c.Indices = append(c.Indices, Index{Name: name, Hidden: n.docs.indices[name].hidden})
		}
	}
	return c
}

// handleDocs answers one APIKeysOpaqueID request.
func (n *Node) handleDocs(ctx *fasthttp.RequestCtx) {
	method := string(ctx.Method())
	rawPath := string(ctx.Request.URI().PathOriginal())
	query, _ := url.ParseQuery(string(ctx.URI().QueryString()))
	n.mu.Lock()
	n.docs.requests++
	var status int
	var body []byte
	if n.docs.fail {
		status, body = esError(503, "unavailable_shards_exception", "primary shard is not active", nil)
	} else {
		status, body = n.docs.serve(method, rawPath, query, ctx.Request.Body())
	}
	n.mu.Unlock()

	ctx.Response.SetStatusCode(status)
	ctx.Response.Header.Set("X-elastic-product", "Elasticsearch")
	ctx.Response.Header.SetBytesV("X-Opaque-Id", ctx.Request.Header.Peek("X-Opaque-Id"))
	ctx.Response.Header.SetContentType("application/json")
	if method != "HEAD" {
		ctx.Response.SetBody(body)
	}
}

// serve routes a request to the store.
func (s *docStore) serve(method, rawPath string, q url.Values, body []byte) (int, []byte) {
	var parts []string
	for p := range strings.SplitSeq(strings.Trim(rawPath, "/"), "/") {
		u, err := url.PathUnescape(p)
		if err != nil {
			return esError(400, "illegal_argument_exception", "bad path ["+rawPath+"]", nil)
		}
		parts = append(parts, u)
	}
	if r := q.Get("refresh"); r != "" && r != "true" && r != "false" && r != "wait_for" {
		return esError(400, "illegal_argument_exception", "Unknown value for refresh: ["+r+"].", nil)
	}
	allow := func(allowed ...string) (int, []byte, bool) {
		if slices.Contains(allowed, method) {
			return 0, nil, true
		}
		b, _ := json.Marshal(map[string]any{
			"error":  fmt.Sprintf("Incorrect HTTP method for uri [%s] and method [%s], allowed: [%s]", rawPath, method, strings.Join(allowed, ", ")),
			"status": 405,
		})
		return 405, b, false
	}
	switch {
	case len(parts) == 1 && parts[0] != "" && !strings.HasPrefix(parts[0], "_"):
		if st, b, ok := allow("PUT", "HEAD", "GET", "DELETE"); !ok {
			return st, b
		}
		switch method {
		case "PUT":
			return s.createIndex(parts[0], body)
		case "DELETE":
			return s.deleteIndex(parts[0])
		default:
			return s.getIndex(parts[0])
		}
	case len(parts) == 3 && parts[1] == "_create":
		if st, b, ok := allow("PUT", "POST"); !ok {
			return st, b
		}
		return s.write(parts[0], parts[2], "create", q, body)
	case len(parts) == 3 && parts[1] == "_doc":
		if st, b, ok := allow("GET", "HEAD", "PUT", "POST", "DELETE"); !ok {
			return st, b
		}
		switch method {
		case "GET", "HEAD":
			return s.get(parts[0], parts[2])
		case "DELETE":
			return s.delete(parts[0], parts[2], q)
		}
		op := q.Get("op_type")
		if op == "" {
			op = "index"
		}
		if op != "index" && op != "create" {
			return esError(400, "illegal_argument_exception", "opType must be 'create' or 'index', found: ["+op+"]", nil)
		}
		return s.write(parts[0], parts[2], op, q, body)
	case len(parts) == 3 && parts[1] == "_update":
		if st, b, ok := allow("POST"); !ok {
			return st, b
		}
		return s.update(parts[0], parts[2], q, body)
	case len(parts) == 2 && parts[1] == "_search":
		if st, b, ok := allow("GET", "POST"); !ok {
			return st, b
		}
		return s.search(parts[0], q, body)
	case len(parts) == 2 && parts[1] == "_refresh":
		if st, b, ok := allow("GET", "POST"); !ok {
			return st, b
		}
		ix := s.indices[parts[0]]
		if ix == nil {
			return indexNotFound(parts[0])
		}
		ix.refresh()
		return jsonOK(200, map[string]any{"_shards": shards(1, 1)})
	}
	return esError(400, "illegal_argument_exception", fmt.Sprintf("no handler found for uri [%s] and method [%s]", rawPath, method), nil)
}

// validIndexName applies MetadataCreateIndexService.validateIndexOrAliasName's rules.
func validIndexName(name string) string {
	switch {
	case name != strings.ToLower(name):
		return "must be lowercase"
	case strings.ContainsAny(name, `\/*?"<>| ,#:`):
		return `must not contain the following characters [ , ", *, \, <, |, ,, >, /, ?]`
	case strings.HasPrefix(name, "_") || strings.HasPrefix(name, "-") || strings.HasPrefix(name, "+"):
		return "must not start with '_', '-', or '+'"
	case name == "." || name == "..":
		return "must not be '.' or '..'"
	case len(name) > 255:
		return "index name is too long, (" + strconv.Itoa(len(name)) + " > 255)"
	}
	return ""
}

func (s *docStore) createIndex(name string, body []byte) (int, []byte) {
	if why := validIndexName(name); why != "" {
		return esError(400, "invalid_index_name_exception", "Invalid index name ["+name+"], "+why, map[string]any{"index_uuid": "_na_", "index": name})
	}
	if ix := s.indices[name]; ix != nil {
		return esError(400, "resource_already_exists_exception", "index ["+name+"/"+ix.uuid+"] already exists", map[string]any{"index_uuid": ix.uuid, "index": name})
	}
	var req struct {
		Settings map[string]any  `json:"settings"`
		Mappings json.RawMessage `json:"mappings"`
		Aliases  map[string]any  `json:"aliases"`
	}
	if len(bytes.TrimSpace(body)) > 0 {
		if err := strictDecode(body, &req); err != nil {
			return esError(400, "x_content_parse_exception", "failed to parse the create index request: "+err.Error(), nil)
		}
	}
	var root mappingField
	if len(req.Mappings) > 0 {
		if err := json.Unmarshal(req.Mappings, &root); err != nil {
			return esError(400, "mapper_parsing_exception", "Failed to parse mapping: "+err.Error(), nil)
		}
	}
	settings := map[string]string{}
	flattenSettings("", req.Settings, settings)
	ix := s.newIndex(name, settings, req.Mappings, root)
	return jsonOK(200, map[string]any{"acknowledged": true, "shards_acknowledged": true, "index": name, "_uuid": ix.uuid})
}

func (s *docStore) newIndex(name string, settings map[string]string, mappings json.RawMessage, root mappingField) *docIndex {
	if s.indices == nil {
		s.indices = map[string]*docIndex{}
	}
	s.created++
	if len(mappings) == 0 {
		mappings = json.RawMessage(`{}`)
	}
	ix := &docIndex{
		uuid:       fmt.Sprintf("fake-index-uuid-%d", s.created),
		settings:   settings,
		mappings:   mappings,
		root:       root,
		hidden:     settings["index.hidden"] == "true",
		docs:       map[string]*storedDoc{},
		searchable: map[string]*storedDoc{},
		seqNo:      -1,
	}
	s.indices[name] = ix
	return ix
}

// flattenSettings turns nested settings into "index."-prefixed dotted keys with string
// values, as Elasticsearch normalizes them.
func flattenSettings(prefix string, in map[string]any, out map[string]string) {
	for k, v := range in {
		key := prefix + k
		if m, ok := v.(map[string]any); ok {
			flattenSettings(key+".", m, out)
			continue
		}
		if !strings.HasPrefix(key, "index.") {
			key = "index." + key
		}
		switch v := v.(type) {
		case string:
			out[key] = v
		default:
			b, _ := json.Marshal(v)
			out[key] = string(b)
		}
	}
}

func (s *docStore) getIndex(name string) (int, []byte) {
	ix := s.indices[name]
	if ix == nil {
		return indexNotFound(name)
	}
	nested := map[string]any{}
	for k, v := range ix.settings {
		m := nested
		keys := strings.Split(k, ".")
		for _, p := range keys[:len(keys)-1] {
			sub, ok := m[p].(map[string]any)
			if !ok {
				sub = map[string]any{}
				m[p] = sub
			}
			m = sub
		}
		m[keys[len(keys)-1]] = v
	}
	idx, _ := nested["index"].(map[string]any)
	if idx == nil {
		idx = map[string]any{}
		nested["index"] = idx
	}
	idx["uuid"] = ix.uuid
	idx["provided_name"] = name
	return jsonOK(200, map[string]any{name: map[string]any{"aliases": map[string]any{}, "mappings": ix.mappings, "settings": nested}})
}

func (s *docStore) deleteIndex(name string) (int, []byte) {
	if s.indices[name] == nil {
		return indexNotFound(name)
	}
	delete(s.indices, name)
	return jsonOK(200, map[string]any{"acknowledged": true})
}

// index returns the named index, creating it as auto-create does.
func (s *docStore) index(name string) (*docIndex, int, []byte) {
	if ix := s.indices[name]; ix != nil {
		return ix, 0, nil
	}
	if why := validIndexName(name); why != "" {
		st, b := esError(400, "invalid_index_name_exception", "Invalid index name ["+name+"], "+why, map[string]any{"index_uuid": "_na_", "index": name})
		return nil, st, b
	}
	return s.newIndex(name, map[string]string{}, nil, mappingField{}), 0, nil
}

func (s *docStore) get(index, id string) (int, []byte) {
	ix := s.indices[index]
	if ix == nil {
		return indexNotFound(index)
	}
	d := ix.docs[id]
	if d == nil {
		return jsonOK(404, map[string]any{"_index": index, "_id": id, "found": false})
	}
	return jsonOK(200, map[string]any{
		"_index": index, "_id": id, "_version": d.version, "_seq_no": d.seqNo, "_primary_term": primaryTerm,
		"found": true, "_source": d.source,
	})
}

// seqNoCondition reads if_seq_no and if_primary_term; ok is false when neither is set.
func seqNoCondition(q url.Values) (seqNo, term int64, ok bool, err error) {
	s, t := q.Get("if_seq_no"), q.Get("if_primary_term")
	if s == "" && t == "" {
		return 0, 0, false, nil
	}
	if s == "" || t == "" {
		return 0, 0, false, fmt.Errorf("if_seq_no and if_primary_term must be set together")
	}
	if seqNo, err = strconv.ParseInt(s, 10, 64); err != nil || seqNo < 0 {
		return 0, 0, false, fmt.Errorf("invalid if_seq_no [%s]", s)
	}
	if term, err = strconv.ParseInt(t, 10, 64); err != nil || term < 1 {
		return 0, 0, false, fmt.Errorf("invalid if_primary_term [%s]", t)
	}
	return seqNo, term, true, nil
}

func (s *docStore) write(index, id, op string, q url.Values, body []byte) (int, []byte) {
	if id == "" || len(id) > 512 {
		return esError(400, "action_request_validation_exception", "Validation Failed: 1: id is too long, must be no longer than 512 bytes but was: "+strconv.Itoa(len(id))+";", nil)
	}
	seqNo, term, cond, err := seqNoCondition(q)
	if err != nil {
		return esError(400, "action_request_validation_exception", "Validation Failed: 1: "+err.Error()+";", nil)
	}
	if cond && op == "create" {
		return esError(400, "action_request_validation_exception", "Validation Failed: 1: create operations do not support compare and set. use index instead;", nil)
	}
	ix, st, b := s.index(index)
	if ix == nil {
		return st, b
	}
	src, st, b := ix.checkSource(body)
	if src == nil {
		return st, b
	}
	old := ix.docs[id]
	switch {
	case op == "create" && old != nil:
		return versionConflict(index, ix.uuid, fmt.Sprintf("[%s]: version conflict, document already exists (current version [%d])", id, old.version))
	case cond && old == nil:
		return versionConflict(index, ix.uuid, fmt.Sprintf("[%s]: version conflict, required seqNo [%d], primary term [%d]. but no document was found", id, seqNo, term))
	case cond && (old.seqNo != seqNo || term != primaryTerm):
		return versionConflict(index, ix.uuid, fmt.Sprintf("[%s]: version conflict, required seqNo [%d], primary term [%d]. current document has seqNo [%d] and primary term [%d]", id, seqNo, term, old.seqNo, primaryTerm))
	}
	d := ix.put(id, src, old)
	result, status := "created", 201
	if old != nil {
		result, status = "updated", 200
	}
	return writeResult(status, index, id, result, d, ix.refreshFor(q))
}

func (s *docStore) delete(index, id string, q url.Values) (int, []byte) {
	ix := s.indices[index]
	if ix == nil {
		return indexNotFound(index)
	}
	seqNo, term, cond, err := seqNoCondition(q)
	if err != nil {
		return esError(400, "action_request_validation_exception", "Validation Failed: 1: "+err.Error()+";", nil)
	}
	old := ix.docs[id]
	if cond && (old == nil || old.seqNo != seqNo || term != primaryTerm) {
		return versionConflict(index, ix.uuid, fmt.Sprintf("[%s]: version conflict, required seqNo [%d], primary term [%d]", id, seqNo, term))
	}
	ix.seqNo++
	if old == nil {
		return writeResult(404, index, id, "not_found", &storedDoc{seqNo: ix.seqNo, version: 1}, ix.refreshFor(q))
	}
	delete(ix.docs, id)
	return writeResult(200, index, id, "deleted", &storedDoc{seqNo: ix.seqNo, version: old.version + 1}, ix.refreshFor(q))
}

func (s *docStore) update(index, id string, q url.Values, body []byte) (int, []byte) {
	var req struct {
		Doc         json.RawMessage `json:"doc"`
		DocAsUpsert bool            `json:"doc_as_upsert"`
		Upsert      json.RawMessage `json:"upsert"`
		DetectNoop  *bool           `json:"detect_noop"`
		Source      json.RawMessage `json:"_source"`
	}
	if err := strictDecode(body, &req); err != nil {
		return esError(400, "x_content_parse_exception", "[UpdateRequest] "+err.Error(), nil)
	}
	if len(req.Doc) == 0 {
		return esError(400, "action_request_validation_exception", "Validation Failed: 1: script or doc is missing;", nil)
	}
	seqNo, term, cond, err := seqNoCondition(q)
	if err != nil {
		return esError(400, "action_request_validation_exception", "Validation Failed: 1: "+err.Error()+";", nil)
	}
	ix, st, b := s.index(index)
	if ix == nil {
		return st, b
	}
	old := ix.docs[id]
	if old == nil {
		upsert := req.Upsert
		if req.DocAsUpsert {
			upsert = req.Doc
		}
		if cond || len(upsert) == 0 {
			return esError(404, "document_missing_exception", "["+id+"]: document missing", map[string]any{"index_uuid": ix.uuid, "shard": "0", "index": index})
		}
		src, st, b := ix.checkSource(upsert)
		if src == nil {
			return st, b
		}
		return writeResult(201, index, id, "created", ix.put(id, src, nil), ix.refreshFor(q))
	}
	if cond && (old.seqNo != seqNo || term != primaryTerm) {
		return versionConflict(index, ix.uuid, fmt.Sprintf("[%s]: version conflict, required seqNo [%d], primary term [%d]. current document has seqNo [%d] and primary term [%d]", id, seqNo, term, old.seqNo, primaryTerm))
	}
	partial, err := decodeObject(req.Doc)
	if err != nil {
		return esError(400, "x_content_parse_exception", "[UpdateRequest] failed to parse field [doc]", nil)
	}
	before, _ := decodeObject(old.source)
	current, _ := decodeObject(old.source)
	merged := mergeDoc(current, partial)
	if (req.DetectNoop == nil || *req.DetectNoop) && reflect.DeepEqual(before, merged) {
		return writeResult(200, index, id, "noop", old, false)
	}
	raw, _ := json.Marshal(merged)
	src, st, b := ix.checkSource(raw)
	if src == nil {
		return st, b
	}
	return writeResult(200, index, id, "updated", ix.put(id, src, old), ix.refreshFor(q))
}

// mergeDoc merges partial into current as XContentHelper.update does: objects merge
// recursively, anything else replaces. current is modified.
func mergeDoc(current, partial map[string]any) map[string]any {
	if current == nil {
		current = map[string]any{}
	}
	for k, v := range partial {
		pm, pok := v.(map[string]any)
		cm, cok := current[k].(map[string]any)
		if pok && cok {
			current[k] = mergeDoc(cm, pm)
			continue
		}
		current[k] = v
	}
	return current
}

// put stores a new version of the document.
func (ix *docIndex) put(id string, src json.RawMessage, old *storedDoc) *storedDoc {
	ix.seqNo++
	d := &storedDoc{source: src, seqNo: ix.seqNo, version: 1}
	if old != nil {
		d.version, d.order = old.version+1, old.order
	} else {
		ix.order++
		d.order = ix.order
	}
	ix.docs[id] = d
	return d
}

// refreshFor refreshes the index when the request asks for it; it reports whether the
// refresh was forced (refresh=true).
func (ix *docIndex) refreshFor(q url.Values) bool {
	switch r := q.Get("refresh"); r {
	case "true", "wait_for":
		ix.refresh()
		return r == "true"
	}
	return false
}

func (ix *docIndex) refresh() { ix.searchable = maps.Clone(ix.docs) }

// checkSource validates a document body: a JSON object that the index's mapping
// accepts. It returns the compacted source, or nil and the error answer.
func (ix *docIndex) checkSource(body []byte) (json.RawMessage, int, []byte) {
	doc, err := decodeObject(body)
	if err != nil {
		st, b := esError(400, "document_parsing_exception", "failed to parse: "+err.Error(), nil)
		return nil, st, b
	}
	if path, within := checkStrict(ix.root, doc, "", false); path != "" {
		if within == "" {
			within = "_doc"
		}
		st, b := esError(400, "strict_dynamic_mapping_exception", "[1:1] mapping set to strict, dynamic introduction of ["+path+"] within ["+within+"] is not allowed", nil)
		return nil, st, b
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, body); err != nil {
		st, b := esError(400, "document_parsing_exception", "failed to parse: "+err.Error(), nil)
		return nil, st, b
	}
	return buf.Bytes(), 0, nil
}

// checkStrict returns the first field of obj that a strict object mapping does not
// declare (its name and the object it appeared in), or "".
func checkStrict(f mappingField, obj map[string]any, path string, inherited bool) (string, string) {
	strict := inherited
	if len(f.Dynamic) > 0 {
		var d any
		_ = json.Unmarshal(f.Dynamic, &d)
		strict = d == "strict"
	}
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		v := obj[k]
		sub, mapped := f.Properties[k]
		if !mapped {
			if strict && v != nil {
				return k, path
			}
			continue
		}
		child, isObj := v.(map[string]any)
		if !isObj || (sub.Type != "" && sub.Type != "object") || (sub.Enabled != nil && !*sub.Enabled) {
			continue
		}
		name := k
		if path != "" {
			name = path + "." + k
		}
		if bad, within := checkStrict(sub, child, name, strict); bad != "" {
			return bad, within
		}
	}
	return "", ""
}

// searchRequest is the part of the search body the store understands; anything else is
// refused, as Elasticsearch refuses unknown keys.
type searchRequest struct {
	Query            json.RawMessage `json:"query"`
	From             *int            `json:"from"`
	Size             *int            `json:"size"`
	SeqNoPrimaryTerm *bool           `json:"seq_no_primary_term"`
	TrackTotalHits   json.RawMessage `json:"track_total_hits"`
}

// maxResultWindow is index.max_result_window's default.
const maxResultWindow = 10000

func (s *docStore) search(index string, q url.Values, body []byte) (int, []byte) {
	ix := s.indices[index]
	if ix == nil {
		return indexNotFound(index)
	}
	var req searchRequest
	if len(bytes.TrimSpace(body)) > 0 {
		if err := strictDecode(body, &req); err != nil {
			return esError(400, "parsing_exception", err.Error(), nil)
		}
	}
	intParam := func(name string, v *int, def int) (int, error) {
		if p := q.Get(name); p != "" {
			n, err := strconv.Atoi(p)
			if err != nil {
				return 0, fmt.Errorf("failed to parse int parameter [%s] with value [%s]", name, p)
			}
			return n, nil
		}
		if v != nil {
			return *v, nil
		}
		return def, nil
	}
	from, err := intParam("from", req.From, 0)
	if err != nil {
		return esError(400, "illegal_argument_exception", err.Error(), nil)
	}
	size, err := intParam("size", req.Size, 10)
	if err != nil {
		return esError(400, "illegal_argument_exception", err.Error(), nil)
	}
	if from < 0 || size < 0 {
		return esError(400, "illegal_argument_exception", "[from] and [size] must not be negative", nil)
	}
	if from+size > maxResultWindow {
		return esError(400, "illegal_argument_exception", fmt.Sprintf("Result window is too large, from + size must be less than or equal to: [%d] but was [%d]. See the scroll api for a more efficient way to request large data sets. This limit can be set by changing the [index.max_result_window] index level setting.", maxResultWindow, from+size), nil)
	}
	seqNos := req.SeqNoPrimaryTerm != nil && *req.SeqNoPrimaryTerm || q.Get("seq_no_primary_term") == "true"
	query := req.Query
	if len(query) == 0 {
		query = json.RawMessage(`{"match_all":{}}`)
	}
	matches, err := compileQuery(query)
	if err != nil {
		return esError(400, "parsing_exception", err.Error(), nil)
	}
	type hit struct {
		id string
		d  *storedDoc
	}
	var found []hit
	for id, d := range ix.searchable {
		doc, _ := decodeObject(d.source)
		if matches(id, doc) {
			found = append(found, hit{id, d})
		}
	}
	slices.SortFunc(found, func(a, b hit) int { return int(a.d.order - b.d.order) })
	hits := []map[string]any{}
	for i, h := range found {
		if i < from || len(hits) >= size {
			continue
		}
		m := map[string]any{"_index": index, "_id": h.id, "_score": 1.0, "_source": h.d.source}
		if seqNos {
			m["_seq_no"], m["_primary_term"] = h.d.seqNo, primaryTerm
		}
		hits = append(hits, m)
	}
	var maxScore any
	if len(found) > 0 {
		maxScore = 1.0
	}
	out := map[string]any{"hits": hits, "max_score": maxScore}
	if total, ok := totalHits(len(found), req.TrackTotalHits); ok {
		out["total"] = total
	}
	return jsonOK(200, map[string]any{"took": 1, "timed_out": false, "_shards": map[string]int{"total": 1, "successful": 1, "skipped": 0, "failed": 0}, "hits": out})
}

// totalHits renders hits.total as track_total_hits asks (default: exact up to 10000).
func totalHits(n int, track json.RawMessage) (map[string]any, bool) {
	limit := maxResultWindow
	var v any
	if len(track) > 0 && json.Unmarshal(track, &v) == nil {
		switch v := v.(type) {
		case bool:
			if !v {
				return nil, false
			}
			limit = -1
		case float64:
			limit = int(v)
		}
	}
	if limit >= 0 && n > limit {
		return map[string]any{"value": limit, "relation": "gte"}, true
	}
	return map[string]any{"value": n, "relation": "eq"}, true
}

// compileQuery turns a query into a predicate over (id, source).
func compileQuery(raw json.RawMessage) (func(id string, doc map[string]any) bool, error) {
	var q map[string]json.RawMessage
	if err := json.Unmarshal(raw, &q); err != nil || len(q) != 1 {
		return nil, fmt.Errorf("[_na] query malformed, must start with start_object and hold one query")
	}
	for kind, body := range q {
		switch kind {
		case "match_all":
			return func(string, map[string]any) bool { return true }, nil
		case "term":
			field, value, err := termClause(body)
			if err != nil {
				return nil, err
			}
			return func(_ string, doc map[string]any) bool { return fieldHas(doc, field, []string{value}) }, nil
		case "terms":
			field, values, err := termsClause(body)
			if err != nil {
				return nil, err
			}
			return func(_ string, doc map[string]any) bool { return fieldHas(doc, field, values) }, nil
		case "ids":
			var ids struct {
				Values []string `json:"values"`
			}
			if err := json.Unmarshal(body, &ids); err != nil {
				return nil, fmt.Errorf("[ids] %v", err)
			}
			return func(id string, _ map[string]any) bool { return slices.Contains(ids.Values, id) }, nil
		case "bool":
			return boolQuery(body)
		default:
			return nil, fmt.Errorf("unknown query [%s]", kind)
		}
	}
	panic("unreachable")
}

func termClause(body json.RawMessage) (string, string, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return "", "", fmt.Errorf("[term] query malformed: %v", err)
	}
	delete(m, "boost")
	if len(m) != 1 {
		return "", "", fmt.Errorf("[term] query doesn't support multiple fields")
	}
	for field, v := range m {
		var val any
		if err := unmarshalNumber(v, &val); err != nil {
			return "", "", fmt.Errorf("[term] query malformed: %v", err)
		}
		if obj, ok := val.(map[string]any); ok {
			val = obj["value"]
		}
		s, ok := termString(val)
		if !ok {
			return "", "", fmt.Errorf("[term] query malformed, no value for field [%s]", field)
		}
		return field, s, nil
	}
	panic("unreachable")
}

func termsClause(body json.RawMessage) (string, []string, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return "", nil, fmt.Errorf("[terms] query malformed: %v", err)
	}
	delete(m, "boost")
	if len(m) != 1 {
		return "", nil, fmt.Errorf("[terms] query does not support multiple fields")
	}
	for field, v := range m {
		var vals []any
		if err := unmarshalNumber(v, &vals); err != nil {
			return "", nil, fmt.Errorf("[terms] query does not support [%s] without an array of values", field)
		}
		out := make([]string, 0, len(vals))
		for _, v := range vals {
			if s, ok := termString(v); ok {
				out = append(out, s)
			}
		}
		return field, out, nil
	}
	panic("unreachable")
}

func boolQuery(body json.RawMessage) (func(string, map[string]any) bool, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, fmt.Errorf("[bool] query malformed: %v", err)
	}
	clauses := map[string][]func(string, map[string]any) bool{}
	for k, v := range m {
		switch k {
		case "must", "filter", "should", "must_not":
		case "boost", "minimum_should_match":
			continue
		default:
			return nil, fmt.Errorf("[bool] query does not support [%s]", k)
		}
		var list []json.RawMessage
		if bytes.HasPrefix(bytes.TrimSpace(v), []byte("[")) {
			if err := json.Unmarshal(v, &list); err != nil {
				return nil, fmt.Errorf("[bool] query malformed: %v", err)
			}
		} else {
			list = []json.RawMessage{v}
		}
		for _, c := range list {
			f, err := compileQuery(c)
			if err != nil {
				return nil, err
			}
			clauses[k] = append(clauses[k], f)
		}
	}
	return func(id string, doc map[string]any) bool {
		for _, k := range []string{"must", "filter"} {
			for _, f := range clauses[k] {
				if !f(id, doc) {
					return false
				}
			}
		}
		for _, f := range clauses["must_not"] {
			if f(id, doc) {
				return false
			}
		}
		if len(clauses["should"]) > 0 && len(clauses["must"])+len(clauses["filter"]) == 0 {
			return slices.ContainsFunc(clauses["should"], func(f func(string, map[string]any) bool) bool { return f(id, doc) })
		}
		return true
	}, nil
}

// fieldHas reports whether the field (a dotted path into objects) holds one of values;
// an array field matches when any element does.
func fieldHas(doc map[string]any, field string, values []string) bool {
	var v any = doc
	for p := range strings.SplitSeq(field, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return false
		}
		v = m[p]
	}
	items, ok := v.([]any)
	if !ok {
		items = []any{v}
	}
	for _, it := range items {
		if s, ok := termString(it); ok && slices.Contains(values, s) {
			return true
		}
	}
	return false
}

// termString is a scalar's indexed form: keyword strings as is, numbers and booleans as
// their JSON text.
func termString(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case json.Number:
		return v.String(), true
	case bool:
		return strconv.FormatBool(v), true
	}
	return "", false
}

func decodeObject(b []byte) (map[string]any, error) {
	var m map[string]any
	if err := unmarshalNumber(b, &m); err != nil {
		return nil, err
	}
	if m == nil {
		return nil, fmt.Errorf("the document must be a JSON object")
	}
	return m, nil
}

func unmarshalNumber(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("unexpected data after the JSON value")
	}
	return nil
}

func strictDecode(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

func writeResult(status int, index, id, result string, d *storedDoc, forced bool) (int, []byte) {
	m := map[string]any{
		"_index": index, "_id": id, "_version": d.version, "result": result,
		"_shards": shards(2, 1), "_seq_no": d.seqNo, "_primary_term": primaryTerm,
	}
	if result == "noop" {
		m["_shards"] = shards(0, 0)
	}
	if forced {
		m["forced_refresh"] = true
	}
	return jsonOK(status, m)
}

func shards(total, ok int) map[string]int {
	return map[string]int{"total": total, "successful": ok, "failed": 0}
}

func jsonOK(status int, v any) (int, []byte) {
	b, err := json.Marshal(v)
	if err != nil {
		return esError(500, "exception", err.Error(), nil)
	}
	return status, b
}

func indexNotFound(index string) (int, []byte) {
	return esError(404, "index_not_found_exception", "no such index ["+index+"]", map[string]any{
		"resource.type": "index_or_alias", "resource.id": index, "index_uuid": "_na_", "index": index,
	})
}

func versionConflict(index, uuid, reason string) (int, []byte) {
	return esError(409, "version_conflict_engine_exception", reason, map[string]any{"index_uuid": uuid, "shard": "0", "index": index})
}

// esError renders Elasticsearch's error body:
// {"error":{"root_cause":[{...}],"type","reason",...},"status":N}.
func esError(status int, typ, reason string, extra map[string]any) (int, []byte) {
	cause := map[string]any{"type": typ, "reason": reason}
	maps.Copy(cause, extra)
	outer := maps.Clone(cause)
	outer["root_cause"] = []any{cause}
	b, _ := json.Marshal(map[string]any{"error": outer, "status": status})
	return status, b
}
