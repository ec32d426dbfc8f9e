// Command backend is a fast fake Elasticsearch node for the load benchmark
// (bench/run.sh): every answer is precomputed or built in one pass, so that the node
// costs as little CPU as possible and the proxies in front of it are what is measured.
//
//   - GET / and HEAD /: the main info document.
//   - GET /_resolve/index/*: the benchmark cluster's index and alias names (esguard's
//     metadata fetch), hidden names only with expand_wildcards=all or hidden.
//   - .../_search: a search response of about 1 KB, or about 64 KB when the path names
//     an index starting with "large-" (for example /large-1/_search).
//   - .../_bulk: one successful item per action line, in order.
//   - anything else: {"acknowledged":true}.
//
// Every answer carries X-Elastic-Product: Elasticsearch, which Elasticsearch's own
// clients (esguard's metadata client among them) check. Request bodies are always read
// completely before the handler runs, so keep-alive connections stay usable.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"strconv"
	"time"

	"github.com/valyala/fasthttp"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:19200", "address to listen on")
	flag.Parse()

	n := newNode()
	srv := &fasthttp.Server{
		Handler:               n.handle,
		NoDefaultServerHeader: true,
		MaxRequestBodySize:    64 << 20,
		ReadTimeout:           60 * time.Second,
		WriteTimeout:          60 * time.Second,
		IdleTimeout:           120 * time.Second,
	}
	log.Printf("backend: listening on %s (%d indices)", *listen, len(clusterIndices()))
	if err := srv.ListenAndServe(*listen); err != nil {
		log.Fatalf("backend: %v", err)
	}
}

// node holds the precomputed answers.
type node struct {
	main          []byte
	smallSearch   []byte
	largeSearch   []byte
	resolveAll    []byte // expand_wildcards=all or hidden
	resolveShown  []byte // any other expand_wildcards
	acknowledged  []byte
	contentType   []byte
	productHeader []byte
	productValue  []byte
}

func newNode() *node {
	return &node{
		main:          []byte(mainInfo),
		smallSearch:   searchResponse("logs-2026.01.01", 1<<10),
		largeSearch:   searchResponse("large-1", 64<<10),
		resolveAll:    resolveResponse(true),
		resolveShown:  resolveResponse(false),
		acknowledged:  []byte(`{"acknowledged":true}`),
		contentType:   []byte("application/json"),
		productHeader: []byte("X-Elastic-Product"),
		productValue:  []byte("Elasticsearch"),
	}
}

const mainInfo = `{"name":"bench-node","cluster_name":"bench","cluster_uuid":"bench-cluster-uuid","version":{"number":"9.1.0","build_flavor":"default","build_type":"tar","build_hash":"0000000","build_date":"2026-01-01T00:00:00Z","build_snapshot":false,"lucene_version":"10.2.1","minimum_wire_compatibility_version":"8.19.0","minimum_index_compatibility_version":"8.0.0"},"tagline":"You Know, for Search"}`

func (n *node) handle(ctx *fasthttp.RequestCtx) {
	ctx.Response.Header.SetContentTypeBytes(n.contentType)
	ctx.Response.Header.SetCanonical(n.productHeader, n.productValue)
	path := ctx.Path()
	switch {
	case len(path) == 1 && path[0] == '/':
		ctx.Response.SetBodyRaw(n.main)
	case bytes.HasPrefix(path, []byte("/_resolve/index/")):
		expand := ctx.QueryArgs().Peek("expand_wildcards")
		if bytes.Contains(expand, []byte("all")) || bytes.Contains(expand, []byte("hidden")) {
			ctx.Response.SetBodyRaw(n.resolveAll)
		} else {
			ctx.Response.SetBodyRaw(n.resolveShown)
		}
	case bytes.HasSuffix(path, []byte("/_search")):
		if bytes.HasPrefix(path, []byte("/large-")) {
			ctx.Response.SetBodyRaw(n.largeSearch)
		} else {
			ctx.Response.SetBodyRaw(n.smallSearch)
		}
	case bytes.HasSuffix(path, []byte("/_bulk")):
		writeBulkResponse(&ctx.Response, pathIndex(path), ctx.Request.Body())
	default:
		ctx.Response.SetBodyRaw(n.acknowledged)
	}
}

// pathIndex returns the index of /{index}/_bulk, or nil for /_bulk.
func pathIndex(path []byte) []byte {
	rest := bytes.TrimPrefix(path, []byte("/"))
	if i := bytes.IndexByte(rest, '/'); i > 0 {
		return rest[:i]
	}
	return nil
}

// writeBulkResponse answers a _bulk body as a node that applied every item would: one
// item per action line, with the action's _index (or the path's) and _id (or a
// generated one). Document lines are skipped without being parsed.
func writeBulkResponse(resp *fasthttp.Response, defaultIndex, body []byte) {
	resp.AppendBodyString(`{"took":3,"errors":false,"items":[`)
	var num [20]byte
	items := 0
	expectSource := false
	for len(body) > 0 {
		var line []byte
		if i := bytes.IndexByte(body, '\n'); i >= 0 {
			line, body = body[:i], body[i+1:]
		} else {
			line, body = body, nil
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		if expectSource {
			expectSource = false
			continue
		}
		op := actionName(line)
		var result, status string
		switch op {
		case "index", "create":
			result, status, expectSource = "created", "201", true
		case "update":
			result, status, expectSource = "updated", "200", true
		case "delete":
			result, status = "deleted", "200"
		default:
			continue // not an action line; Elasticsearch would refuse the whole request
		}
		index := stringField(line, `"_index"`)
		if index == nil {
			index = defaultIndex
		}
		if items > 0 {
			resp.AppendBodyString(",")
		}
		items++
		resp.AppendBodyString(`{"`)
		resp.AppendBodyString(op)
		resp.AppendBodyString(`":{"_index":"`)
		resp.AppendBody(index)
		resp.AppendBodyString(`","_id":"`)
		if id := stringField(line, `"_id"`); id != nil {
			resp.AppendBody(id)
		} else {
			resp.AppendBodyString("bench-")
			resp.AppendBody(strconv.AppendInt(num[:0], int64(items), 10))
		}
		resp.AppendBodyString(`","_version":1,"result":"`)
		resp.AppendBodyString(result)
		resp.AppendBodyString(`","_shards":{"total":2,"successful":1,"failed":0},"_seq_no":`)
		resp.AppendBody(strconv.AppendInt(num[:0], int64(items-1), 10))
		resp.AppendBodyString(`,"_primary_term":1,"status":`)
		resp.AppendBodyString(status)
		resp.AppendBodyString("}}")
	}
	resp.AppendBodyString("]}")
}

// actionName returns the first key of an action line such as {"index":{...}}, or "".
func actionName(line []byte) string {
	if len(line) == 0 || line[0] != '{' {
		return ""
	}
	rest := bytes.TrimLeft(line[1:], " \t")
	if len(rest) == 0 || rest[0] != '"' {
		return ""
	}
	rest = rest[1:]
	end := bytes.IndexByte(rest, '"')
	if end < 0 {
		return ""
	}
	switch string(rest[:end]) { // no allocation: the compiler compares in place
	case "index":
		return "index"
	case "create":
		return "create"
	case "update":
		return "update"
	case "delete":
		return "delete"
	}
	return ""
}

// stringField returns the string value following key in an action line, or nil. Action
// lines are small flat objects, so the first occurrence of the key is the field.
func stringField(line []byte, key string) []byte {
	i := bytes.Index(line, []byte(key))
	if i < 0 {
		return nil
	}
	rest := bytes.TrimLeft(line[i+len(key):], " \t")
	if len(rest) == 0 || rest[0] != ':' {
		return nil
	}
	rest = bytes.TrimLeft(rest[1:], " \t")
	if len(rest) == 0 || rest[0] != '"' {
		return nil
	}
	rest = rest[1:]
	end := bytes.IndexByte(rest, '"')
	if end < 0 {
		return nil
	}
	return rest[:end]
}

// searchResponse builds a search response for index holding as many hits as make it
// at least size bytes long.
func searchResponse(index string, size int) []byte {
	type hit struct {
		Index  string         `json:"_index"`
		ID     string         `json:"_id"`
		Score  float64        `json:"_score"`
		Source map[string]any `json:"_source"`
	}
	var hits []hit
	for i := 0; ; i++ {
		body := encodeSearch(len(hits), hits)
		if len(body) >= size {
			return body
		}
		hits = append(hits, hit{
			Index: index,
			ID:    fmt.Sprintf("doc-%06d", i),
			Score: 1,
			Source: map[string]any{
				"@timestamp": time.Date(2026, 1, 1, 0, 0, i, 0, time.UTC).Format(time.RFC3339),
				"host":       fmt.Sprintf("web-%02d", i%16),
				"level":      "info",
				"message":    "GET /api/v1/orders 200",
				"bytes":      1000 + i,
			},
		})
	}
}

func encodeSearch(total int, hits any) []byte {
	type shards struct {
		Total      int `json:"total"`
		Successful int `json:"successful"`
		Skipped    int `json:"skipped"`
		Failed     int `json:"failed"`
	}
	type count struct {
		Value    int    `json:"value"`
		Relation string `json:"relation"`
	}
	type hitsSection struct {
		Total    count   `json:"total"`
		MaxScore float64 `json:"max_score"`
		Hits     any     `json:"hits"`
	}
	body, err := json.Marshal(struct {
		Took     int         `json:"took"`
		TimedOut bool        `json:"timed_out"`
		Shards   shards      `json:"_shards"`
		Hits     hitsSection `json:"hits"`
	}{
		Took:   2,
		Shards: shards{Total: 1, Successful: 1},
		Hits:   hitsSection{Total: count{Value: total, Relation: "eq"}, MaxScore: 1, Hits: hits},
	})
	if err != nil {
		panic(err)
	}
	return body
}

// clusterIndex is one index of the benchmark cluster.
type clusterIndex struct {
	name    string
	aliases []string
	hidden  bool
}

// clusterIndices are the benchmark cluster's indices: 100 daily logs indices
// (logs-2026.01.01 ... logs-2026.04.10), monthly application logs, daily metrics, the
// index of the large search, one index no benchmark role grants and one hidden index.
func clusterIndices() []clusterIndex {
	var out []clusterIndex
	day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 100 {
		ix := clusterIndex{name: "logs-" + day.AddDate(0, 0, i).Format("2006.01.02")}
		if i == 99 {
			ix.aliases = []string{"logs-current"}
		}
		out = append(out, ix)
	}
	for app := 1; app <= 10; app++ {
		out = append(out, clusterIndex{name: fmt.Sprintf("logs-app%d-2026.01", app)})
	}
	for i := range 30 {
		out = append(out, clusterIndex{name: "metrics-" + day.AddDate(0, 0, i).Format("2006.01.02")})
	}
	out = append(out,
		clusterIndex{name: "large-1"},
		clusterIndex{name: "secret-1"},
		clusterIndex{name: ".bench-internal", hidden: true},
	)
	return out
}

// resolveResponse renders the cluster as GET /_resolve/index/* does.
func resolveResponse(withHidden bool) []byte {
	type index struct {
		Name       string   `json:"name"`
		Aliases    []string `json:"aliases,omitempty"`
		Attributes []string `json:"attributes"`
	}
	type alias struct {
		Name    string   `json:"name"`
		Indices []string `json:"indices"`
	}
	out := struct {
		Indices     []index `json:"indices"`
		Aliases     []alias `json:"aliases"`
		DataStreams []any   `json:"data_streams"`
	}{Indices: []index{}, Aliases: []alias{}, DataStreams: []any{}}
	aliases := map[string][]string{}
	var aliasNames []string
	for _, ix := range clusterIndices() {
		if ix.hidden && !withHidden {
			continue
		}
		attrs := []string{"open"}
		if ix.hidden {
			attrs = append(attrs, "hidden")
		}
		out.Indices = append(out.Indices, index{Name: ix.name, Aliases: ix.aliases, Attributes: attrs})
		for _, a := range ix.aliases {
			if aliases[a] == nil {
				aliasNames = append(aliasNames, a)
			}
			aliases[a] = append(aliases[a], ix.name)
		}
	}
	for _, a := range aliasNames {
		out.Aliases = append(out.Aliases, alias{Name: a, Indices: aliases[a]})
	}
	body, err := json.Marshal(out)
	if err != nil {
		panic(err)
	}
	return body
}
