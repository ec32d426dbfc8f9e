// Package proxytest provides a fake Elasticsearch node for tests: it answers what the
// proxy needs and records every request that reached it, so tests can assert that a
// denied request never arrived and a granted one arrived once, unchanged.
package proxytest

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/valyala/fasthttp"
)

// Request is what reached the fake node.
type Request struct {
	Method string
	URI    string // raw request URI, path and query as received
	Header map[string][]string
	Body   []byte
}

// Path is the URI without its query string.
func (r Request) Path() string {
	p, _, _ := strings.Cut(r.URI, "?")
	return p
}

// Get returns the first value of a header (case-insensitive name), or "".
func (r Request) Get(name string) string {
	for k, vs := range r.Header {
		if strings.EqualFold(k, name) && len(vs) > 0 {
			return vs[0]
		}
	}
	return ""
}

// Values returns every value of a header (case-insensitive name).
func (r Request) Values(name string) []string {
	var out []string
	for k, vs := range r.Header {
		if strings.EqualFold(k, name) {
			out = append(out, vs...)
		}
	}
	return out
}

// Response is a canned answer.
type Response struct {
	Status int
	Body   string
	Header map[string]string
}

// Node is a fake Elasticsearch node listening on the loopback interface.
type Node struct {
	// URL is the node's base URL, for upstream.nodes.
	URL string

	life    sync.Mutex // guards ln, srv and stopped (Stop, Start)
	ln      net.Listener
	srv     *fasthttp.Server
	stopped bool
	tls     *tls.Config // nil for a plain HTTP node

	mu       sync.Mutex
	requests []Request
	count    int
	discard  bool
	answer   func(Request) Response
	cluster  Cluster
	metaReqs int
	metaFail bool
	main     string // GET / answer set with SetMain
	version  string // version.number of GET /; "" for MainResponse's
	flavor   string // version.build_flavor of GET /
	detects  int
	docs     docStore // answers APIKeysOpaqueID requests (docs.go)
}

// FailMetadata makes the node answer esguard's metadata requests with 503 (true) or
// normally again (false).
func (n *Node) FailMetadata(fail bool) {
	n.mu.Lock()
	n.metaFail = fail
	n.mu.Unlock()
}

// MetadataOpaqueID is the X-Opaque-Id esguard sends with its own metadata requests.
const MetadataOpaqueID = "esguard-metadata"

// Cluster is the fake node's index metadata, which it reports to esguard's own
// GET /_resolve/index/* requests (those with X-Opaque-Id MetadataOpaqueID). Those are
// answered without being recorded in Requests or Count; MetadataRequests counts them.
type Cluster struct {
	Indices     []Index
	Aliases     []Alias
	DataStreams []DataStream
}

// Index is one index of the fake cluster.
type Index struct {
	Name                   string
	Aliases                []string
	Hidden, Closed, System bool
	DataStream             string
}

// Alias is one alias of the fake cluster.
type Alias struct {
	Name    string
	Indices []string
	Hidden  bool
}

// DataStream is one data stream of the fake cluster.
type DataStream struct {
	Name           string
	BackingIndices []string
	FailureIndices []string
	Hidden         bool
}

// SetCluster replaces the index metadata the node reports.
func (n *Node) SetCluster(c Cluster) {
	n.mu.Lock()
	n.cluster = c
	n.mu.Unlock()
}

// SetVersion makes the node report version.number and build_flavor in GET / (by default
// it answers MainResponse, 9.1.0). A node of a version before 7.14 sends no
// X-Elastic-Product header, as those versions did not, and answers esguard's metadata
// requests on the _cat APIs only.
func (n *Node) SetVersion(number, buildFlavor string) {
	n.mu.Lock()
	n.version, n.flavor = number, buildFlavor
	n.mu.Unlock()
}

// SetMain makes the node answer GET / with body, as it is.
func (n *Node) SetMain(body string) {
	n.mu.Lock()
	n.main = body
	n.mu.Unlock()
}

// FlavorOpaqueID is the X-Opaque-Id of esguard's flavour detection, answered like GET /
// without being recorded in Requests or Count; DetectRequests counts them.
const FlavorOpaqueID = "esguard-flavor"

// DetectRequests returns how many flavour detection requests arrived.
func (n *Node) DetectRequests() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.detects
}

// mainResponse is the node's GET / answer and whether it predates X-Elastic-Product.
func (n *Node) mainResponse() (body string, legacy bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.main != "" {
		return n.main, false
	}
	if n.version == "" {
		return MainResponse, false
	}
	v := map[string]any{"number": n.version, "lucene_version": "10.2.0"}
	if n.flavor != "" {
		v["build_flavor"] = n.flavor
	}
	b, _ := json.Marshal(map[string]any{"name": "fake-node", "cluster_name": "fake", "version": v, "tagline": "You Know, for Search"})
	return string(b), legacyVersion(n.version)
}

// legacyVersion reports whether an Elasticsearch version predates 7.14.
func legacyVersion(v string) bool {
	major, rest, _ := strings.Cut(v, ".")
	minor, _, _ := strings.Cut(rest, ".")
	ma, _ := strconv.Atoi(major)
	mi, _ := strconv.Atoi(minor)
	return ma < 7 || ma == 7 && mi < 14
}

// catIndices and catAliases render the cluster as GET /_cat/indices and
// GET /_cat/aliases do with format=json.
func (c Cluster) catIndices() []byte {
	rows := []map[string]string{}
	for _, i := range c.Indices {
		status := "open"
		if i.Closed {
			status = "close"
		}
		rows = append(rows, map[string]string{"index": i.Name, "status": status})
	}
	b, _ := json.Marshal(rows)
	return b
}

func (c Cluster) catAliases() []byte {
	rows := []map[string]string{}
	for _, a := range c.Aliases {
		for _, i := range a.Indices {
			rows = append(rows, map[string]string{"alias": a.Name, "index": i})
		}
	}
	b, _ := json.Marshal(rows)
	return b
}

// MetadataRequests returns how many metadata requests (GET /_resolve/index/*, or the
// _cat APIs of a legacy version) arrived.
func (n *Node) MetadataRequests() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.metaReqs
}

// resolveIndex renders the cluster as GET /_resolve/index/* does, with hidden names only
// when expand_wildcards asks for them.
func (c Cluster) resolveIndex(expand string) []byte {
	hidden := strings.Contains(expand, "all") || strings.Contains(expand, "hidden")
	type idx struct {
		Name       string   `json:"name"`
		Aliases    []string `json:"aliases,omitempty"`
		Attributes []string `json:"attributes"`
		DataStream string   `json:"data_stream,omitempty"`
	}
	type alias struct {
		Name    string   `json:"name"`
		Indices []string `json:"indices"`
	}
	type ds struct {
		Name           string   `json:"name"`
		BackingIndices []string `json:"backing_indices"`
		FailureIndices []string `json:"failure_indices,omitempty"`
		TimestampField string   `json:"timestamp_field"`
	}
	out := struct {
		Indices     []idx   `json:"indices"`
		Aliases     []alias `json:"aliases"`
		DataStreams []ds    `json:"data_streams"`
	}{Indices: []idx{}, Aliases: []alias{}, DataStreams: []ds{}}
	for _, i := range c.Indices {
		if i.Hidden && !hidden {
			continue
		}
		attrs := []string{"open"}
		if i.Closed {
			attrs = []string{"closed"}
		}
		if i.Hidden {
			attrs = append(attrs, "hidden")
		}
		if i.System {
			attrs = append(attrs, "system")
		}
		out.Indices = append(out.Indices, idx{Name: i.Name, Aliases: i.Aliases, Attributes: attrs, DataStream: i.DataStream})
	}
	for _, a := range c.Aliases {
		if !a.Hidden || hidden {
			out.Aliases = append(out.Aliases, alias{Name: a.Name, Indices: a.Indices})
		}
	}
	for _, d := range c.DataStreams {
		if !d.Hidden || hidden {
			out.DataStreams = append(out.DataStreams, ds{Name: d.Name, BackingIndices: d.BackingIndices, FailureIndices: d.FailureIndices, TimestampField: "@timestamp"})
		}
	}
	b, _ := json.Marshal(out)
	return b
}

// Discard stops keeping requests (they are still counted), for benchmarks.
func (n *Node) Discard() {
	n.mu.Lock()
	n.discard = true
	n.requests = nil
	n.mu.Unlock()
}

// NewNode starts a fake node; it stops when the test ends.
func NewNode(t testing.TB) *Node {
	t.Helper()
	return newNode(t, nil)
}

// NewTLSNode starts a fake node that serves HTTPS with conf (its certificate, and the
// client certificates it asks for); its URL is https://127.0.0.1:PORT. It stops when
// the test ends.
func NewTLSNode(t testing.TB, conf *tls.Config) *Node {
	t.Helper()
	return newNode(t, conf)
}

func newNode(t testing.TB, conf *tls.Config) *Node {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("proxytest: listen: %v", err)
	}
	scheme := "http://"
	if conf != nil {
		ln, scheme = tls.NewListener(ln, conf), "https://"
	}
	n := &Node{URL: scheme + ln.Addr().String(), ln: ln, tls: conf, answer: DefaultAnswer}
	n.srv = n.newServer()
	go func(srv *fasthttp.Server) { _ = srv.Serve(ln) }(n.srv)
	t.Cleanup(n.Stop)
	return n
}

func (n *Node) newServer() *fasthttp.Server {
	return &fasthttp.Server{
		Handler:                       n.handle,
		DisableHeaderNamesNormalizing: true,
		NoDefaultServerHeader:         true,
		MaxRequestBodySize:            200 << 20,
		CloseOnShutdown:               true, // do not wait for idle keep-alive connections at cleanup
		Logger:                        quiet{},
	}
}

// quiet drops the server's connection errors, which Stop provokes on purpose.
type quiet struct{}

func (quiet) Printf(string, ...any) {}

// Answer replaces the function that answers requests.
func (n *Node) Answer(f func(Request) Response) {
	n.mu.Lock()
	n.answer = f
	n.mu.Unlock()
}

// Requests returns a copy of everything received so far.
func (n *Node) Requests() []Request {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]Request(nil), n.requests...)
}

// Count returns how many requests arrived.
func (n *Node) Count() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.count
}

// Reset forgets the recorded requests.
func (n *Node) Reset() {
	n.mu.Lock()
	n.requests = nil
	n.count = 0
	n.mu.Unlock()
}

// HealthOpaqueID is the X-Opaque-Id of esguard's health checks, which the node answers
// like GET / without recording them in Requests or Count.
const HealthOpaqueID = "esguard-health"

func (n *Node) handle(ctx *fasthttp.RequestCtx) {
	main, legacy := n.mainResponse()
	product := func() {
		if !legacy {
			ctx.Response.Header.Set("X-elastic-product", "Elasticsearch")
		}
	}
	switch string(ctx.Request.Header.Peek("X-Opaque-Id")) {
	case FlavorOpaqueID:
		n.mu.Lock()
		n.detects++
		n.mu.Unlock()
		fallthrough
	case HealthOpaqueID:
		product()
		ctx.Response.Header.SetContentType("application/json")
		ctx.Response.SetBodyString(main)
		return
	}
	if string(ctx.Request.Header.Peek("X-Opaque-Id")) == APIKeysOpaqueID {
		n.handleDocs(ctx)
		return
	}
	if string(ctx.Method()) == "GET" && string(ctx.Request.Header.Peek("X-Opaque-Id")) == MetadataOpaqueID {
		n.mu.Lock()
		n.metaReqs++
		var body []byte
		fail := n.metaFail
		switch path := string(ctx.Path()); {
		case path == "/_cat/indices":
			body = n.clusterWithDocs().catIndices()
		case path == "/_cat/aliases":
			body = n.clusterWithDocs().catAliases()
		case legacy:
			fail = true // no resolve index API before 7.9
		default:
			body = n.clusterWithDocs().resolveIndex(string(ctx.QueryArgs().Peek("expand_wildcards")))
		}
		n.mu.Unlock()
		product()
		if fail {
			ctx.Response.SetStatusCode(fasthttp.StatusServiceUnavailable)
			ctx.Response.SetBodyString(`{"error":"unavailable","status":503}`)
			return
		}
		ctx.Response.Header.SetContentType("application/json")
		ctx.Response.SetBody(body)
		return
	}
	r := Request{
		Method: string(ctx.Method()),
		URI:    string(ctx.Request.Header.RequestURI()),
		Header: map[string][]string{},
		Body:   append([]byte(nil), ctx.Request.Body()...),
	}
	for k, v := range ctx.Request.Header.All() {
		r.Header[string(k)] = append(r.Header[string(k)], string(v))
	}
	n.mu.Lock()
	n.count++
	if !n.discard {
		n.requests = append(n.requests, r)
	}
	answer := n.answer
	n.mu.Unlock()

	resp := answer(r)
	if r.Path() == "/" && resp.Body == MainResponse {
		resp.Body = main
	}
	ctx.Response.SetStatusCode(resp.Status)
	product()
	ctx.Response.Header.SetContentType("application/json")
	for k, v := range resp.Header {
		ctx.Response.Header.Set(k, v)
	}
	if id := ctx.Request.Header.Peek("X-Opaque-Id"); len(id) > 0 {
		ctx.Response.Header.SetBytesV("X-Opaque-Id", id)
	}
	ctx.Response.SetBodyString(resp.Body)
}

// MainResponse is the fake node's answer to GET /.
const MainResponse = `{"name":"fake-node","cluster_name":"fake","cluster_uuid":"fake-uuid","version":{"number":"9.1.0","build_flavor":"default","lucene_version":"10.2.0","minimum_wire_compatibility_version":"8.19.0","minimum_index_compatibility_version":"8.0.0"},"tagline":"You Know, for Search"}`

// SearchResponse is the fake node's answer to searches.
const SearchResponse = `{"took":1,"timed_out":false,"_shards":{"total":1,"successful":1,"skipped":0,"failed":0},"hits":{"total":{"value":0,"relation":"eq"},"max_score":null,"hits":[]}}`

// DefaultAnswer answers GET / with MainResponse, searches with SearchResponse, and
// anything else with {"acknowledged":true}.
func DefaultAnswer(r Request) Response {
	p := r.Path()
	switch {
	case p == "/" && (r.Method == "GET" || r.Method == "HEAD"):
		return Response{Status: 200, Body: MainResponse}
	case strings.HasSuffix(p, "/_search"):
		return Response{Status: 200, Body: SearchResponse}
	case p == "/_bulk" || strings.HasSuffix(p, "/_bulk"):
		return Response{Status: 200, Body: bulkResponse(r.Body)}
	case strings.Contains(p, "/_doc/") && r.Method == "GET":
		return Response{Status: 200, Body: `{"_index":"` + strings.Split(p, "/")[1] + `","_id":"1","found":true,"_source":{}}`}
	case strings.Contains(p, "/_doc") || strings.Contains(p, "/_create/"):
		return Response{Status: 201, Body: `{"_index":"` + strings.Split(p, "/")[1] + `","_id":"1","result":"created"}`}
	}
	return Response{Status: 200, Body: `{"acknowledged":true}`}
}

// bulkResponse answers a _bulk body with one successful item per action, as a node
// that applied every item would.
func bulkResponse(body []byte) string {
	var b strings.Builder
	b.WriteString(`{"took":1,"errors":false,"items":[`)
	n := 0
	lines := bytes.Split(body, []byte("\n"))
	for i := 0; i < len(lines); i++ {
		var action map[string]struct {
			Index string `json:"_index"`
			ID    string `json:"_id"`
		}
		if len(bytes.TrimSpace(lines[i])) == 0 || json.Unmarshal(lines[i], &action) != nil || len(action) != 1 {
			continue
		}
		for op, meta := range action {
			status := 201
			switch op {
			case "update", "delete":
				status = 200
			}
			if op != "delete" {
				i++ // the document line
			}
			if n > 0 {
				b.WriteByte(',')
			}
			n++
			id := meta.ID
			if id == "" {
				id = "generated-" + strconv.Itoa(n)
			}
			item, _ := json.Marshal(map[string]any{op: map[string]any{"_index": meta.Index, "_id": id, "status": status}})
			b.Write(item)
		}
	}
	b.WriteString("]}")
	return b.String()
}
