package proxy

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/esguard/esguard/privileges"
	"github.com/esguard/esguard/proxy/bound"
	"github.com/esguard/esguard/routes"
	"github.com/esguard/esguard/routes/bodies"
	"github.com/valyala/fasthttp"
)

// Requests that name indices in their body (_bulk, _msearch, _mget, _reindex, _aliases,
// _sql, _query ...) are read, authorized item by item as Elasticsearch security does,
// and forwarded with only what was granted; refused items come back at their positions
// in the response.

// readBody returns the request body esguard must read: JSON or NDJSON, decompressed
// (gzip or deflate, within the body size limit) and forwarded decompressed.
func readBody(ctx *fasthttp.RequestCtx, x *exchange) ([]byte, *HTTPError) {
	ct, _, _ := strings.Cut(string(ctx.Request.Header.ContentType()), ";")
	switch strings.ToLower(strings.TrimSpace(ct)) {
	case "", "application/json", "application/x-ndjson", "text/plain",
		"application/vnd.elasticsearch+json", "application/vnd.elasticsearch+x-ndjson":
	default:
		return nil, errBadRequest("illegal_argument_exception", "esguard reads the body of action ["+x.action+"] as JSON only, not ["+ct+"]")
	}
	body := ctx.Request.Body()
	enc := strings.ToLower(strings.TrimSpace(string(ctx.Request.Header.Peek(fasthttp.HeaderContentEncoding))))
	if enc == "" || enc == "identity" {
		return body, nil
	}
	var r io.Reader
	switch enc {
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, errBadRequest("parse_exception", "request body is not valid gzip: "+err.Error())
		}
		r = zr
	case "deflate":
		r = flate.NewReader(bytes.NewReader(body))
	default:
		return nil, errBadRequest("illegal_argument_exception", "esguard does not read bodies with Content-Encoding ["+enc+"]")
	}
	limit := x.snap.Config.Limits.MaxBodySize
	out, err := io.ReadAll(io.LimitReader(r, int64(limit)+1))
	if err != nil {
		return nil, errBadRequest("parse_exception", "request body could not be decompressed: "+err.Error())
	}
	if len(out) > limit {
		return nil, &HTTPError{Status: fasthttp.StatusRequestEntityTooLarge, Type: "content_too_long_exception", Reason: "decompressed request body is larger than the configured limit"}
	}
	ctx.Request.Header.Del(fasthttp.HeaderContentEncoding)
	ctx.Request.SetBody(out)
	return ctx.Request.Body(), nil
}

// bodyError renders a body refused by the bodies package.
func bodyError(err error) *HTTPError {
	var bad *bodies.BadRequestError
	if errors.As(err, &bad) {
		return errBadRequest(bad.Type, bad.Reason)
	}
	return errBadRequest("parse_exception", err.Error())
}

// bodyCheck holds what one body request needs while it is decided.
type bodyCheck struct {
	s    *Server
	x    *exchange
	perm *privileges.Permission
	md   *privileges.Metadata
	now  time.Time
}

func (s *Server) newBodyCheck(x *exchange) (*bodyCheck, *HTTPError) {
	perm, err := x.permission()
	if err != nil {
		return nil, errInternal(err)
	}
	return &bodyCheck{s: s, x: x, perm: perm, md: s.meta.Get(), now: time.Now()}, nil
}

// nameOnly is the top-level check of a composite action.
func (c *bodyCheck) nameOnly(action string) *HTTPError {
	d := privileges.AuthorizeNameOnly(c.perm, action, nil)
	if !d.Allowed {
		return c.s.denied(c.x, c.perm, d)
	}
	return nil
}

// deny audits and renders the refusal of action on names.
func (c *bodyCheck) deny(action string, names []string) *HTTPError {
	return c.s.deniedOn(c.x, c.perm, action, names)
}

// auditDenied writes an access_denied event for action on names, for refusals worded
// by esguard rather than by the denial sentence.
func (c *bodyCheck) auditDenied(action string, names []string) {
	ev := c.x.event(eventAccessDenied, action)
	ev.indices = names
	c.s.audit.write(ev)
}

// resolveGranted resolves expressions for action and refuses an invalid expression
// (400) or a name the role set does not grant (403).
func (c *bodyCheck) resolveGranted(action string, exprs []string, opts privileges.IndicesOptions) (privileges.Resolution, *HTTPError) {
	res, err := c.resolve(action, exprs, opts)
	switch {
	case err != nil:
		return res, resolveError(err)
	case len(res.Denied) > 0:
		return res, c.deny(action, res.Denied)
	}
	return res, nil
}

// resolve resolves expressions for action with the given options.
func (c *bodyCheck) resolve(action string, exprs []string, opts privileges.IndicesOptions) (privileges.Resolution, error) {
	return privileges.Resolve(c.perm, c.md, privileges.ResolveRequest{
		Action: action, Expressions: exprs, Options: opts,
		IncludeDataStreams: includesDataStreams(action), AllowRemote: allowsRemote[action],
		DateMath: func(e string) (string, error) { return resolveDateMath(e, c.now) },
	})
}

// concreteName resolves a date math item name; other names are returned as they are.
func (c *bodyCheck) concreteName(name string) (string, error) {
	if len(name) > 1 && name[0] == '<' && name[len(name)-1] == '>' {
		return resolveDateMath(name, c.now)
	}
	return name, nil
}

// writeAllowed decides a document write on one index name: the item action, and
// auto_create when the index does not exist yet (Elasticsearch creates it on the
// user's behalf only with create_index or auto_configure).
func (c *bodyCheck) writeAllowed(action, index string) (string, bool) {
	if !c.perm.Index(action, index) {
		if a, ok := c.md.Lookup(index); !ok || a.Kind != privileges.KindIndex || a.Parent == "" || !c.perm.Index(action, a.Parent) {
			return action, false
		}
	}
	if c.md != nil {
		if _, exists := c.md.Lookup(index); !exists && !c.perm.Index("indices:admin/auto_create", index) {
			return "indices:admin/auto_create", false
		}
	}
	return action, true
}

// queryRefsDenied checks the indices a query DSL body reads besides the request's own
// (terms lookup, more_like_this, percolate, indexed shapes, lookup runtime fields). It
// returns the refusal, or nil.
func (c *bodyCheck) queryRefsDenied(body []byte) *HTTPError {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	refs, err := bodies.QueryIndexRefs(body)
	if err != nil {
		return bodyError(err)
	}
	return c.refsDenied(refs)
}

func (c *bodyCheck) refsDenied(refs []bodies.IndexRef) *HTTPError {
	for _, r := range refs {
		name, err := c.concreteName(r.Index)
		if err != nil {
			return resolveError(err)
		}
		if strings.ContainsAny(name, "*?,") || !c.perm.Index(r.Action, name) {
			return c.deny(r.Action, []string{name})
		}
	}
	return nil
}

// forwardMerged forwards the filtered body and splices the locally decided items into
// the response's array key at their original positions.
func (c *bodyCheck) forwardMerged(ctx *fasthttp.RequestCtx, body []byte, key string, total int, inserts map[int][]byte, bulk bool) *HTTPError {
	x := c.x
	if !sameBytes(body, ctx.Request.Body()) {
		ctx.Request.SetBody(body)
	}
	if len(inserts) > 0 {
		// The response must be read whole to splice the refused items into it.
		ctx.Request.Header.Del(fasthttp.HeaderAcceptEncoding)
		ctx.Request.URI().QueryArgs().Del("filter_path")
	}
	start := time.Now()
	herr := c.s.forward(ctx, x)
	c.s.metrics.upstreamRoundTrip(time.Since(start))
	if c.s.dry != nil {
		return herr
	}
	if herr != nil || len(inserts) == 0 {
		if herr == nil {
			c.s.afterWrite(ctx, x)
		}
		return herr
	}
	resp := &ctx.Response
	if st := resp.StatusCode(); st != fasthttp.StatusOK {
		return nil // the request failed as a whole; pass Elasticsearch's answer on
	}
	merged, err := bodies.MergeArray(resp.Body(), key, total, inserts, bulk)
	if err != nil {
		return errUpstream(fasthttp.StatusBadGateway, "the cluster's response could not be combined with the refused items", err)
	}
	resp.SetBody(merged)
	resp.Header.Del(fasthttp.HeaderContentLength)
	c.s.afterWrite(ctx, x)
	return nil
}

// sameBytes reports whether a and b are the same bytes in memory.
func sameBytes(a, b []byte) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

// answerLocally writes a response esguard composed itself.
func answerLocally(ctx *fasthttp.RequestCtx, x *exchange, body []byte) *HTTPError {
	resp := &ctx.Response
	resp.Reset()
	resp.SetStatusCode(fasthttp.StatusOK)
	resp.Header.SetContentType("application/json")
	resp.Header.Set("X-elastic-product", "Elasticsearch")
	if x.opaqueID != "" {
		resp.Header.Set("X-Opaque-Id", x.opaqueID)
	}
	resp.SetBody(body)
	return nil
}

// auditGranted writes the access_granted event of a body request.
func (c *bodyCheck) auditGranted(names []string) {
	slices.Sort(names)
	c.x.indices = slices.Compact(names)
	ev := c.x.event(eventAccessGranted, c.x.action)
	ev.indices = c.x.indices
	c.s.audit.write(ev)
}

// serveBody decides and forwards a request whose indices are in its body.
func (s *Server) serveBody(ctx *fasthttp.RequestCtx, x *exchange, m *routes.Match) *HTTPError {
	c, herr := s.newBodyCheck(x)
	if herr != nil {
		return herr
	}
	body, herr := readBody(ctx, x)
	if herr != nil {
		return herr
	}
	if privileges.IsShield(x.snap.Flavor) {
		return c.legacyBody(ctx, m, body)
	}
	switch x.action {
	case "indices:data/write/bulk":
		return c.bulk(ctx, m, body)
	case "indices:data/read/msearch", "indices:data/read/msearch/template":
		return c.multiSearch(ctx, m, body)
	case "indices:data/read/mget", "indices:data/read/mtv":
		return c.multiGet(ctx, m, body)
	case "indices:data/write/reindex":
		return c.reindex(ctx, body)
	case "indices:admin/aliases":
		return c.aliases(ctx, m, body)
	case "indices:data/read/sql", "indices:data/read/sql/translate":
		return c.sql(ctx, body)
	case "indices:data/read/esql":
		return c.esql(ctx, body)
	}
	ev := x.event(eventAccessDenied, x.action)
	s.audit.write(ev)
	return errForbidden("action [" + x.action + "] names indices in the request body in a form esguard does not read; the request is refused")
}

// bulk authorizes every item of a _bulk request with its own action
// (AuthorizationService.authorizeBulkItems): index items as
// indices:data/write/index:op_type/index or :op_type/create, update and delete items as
// indices:data/write/update and indices:data/write/delete, on the item's index name
// (date math resolved). Refused items are answered as per-item 403s.
//
// Items that name the same index with the same operation share one decision. When every
// item is granted the request's body is forwarded untouched; otherwise the forwarded
// body is the granted items' byte ranges, in order.
func (c *bodyCheck) bulk(ctx *fasthttp.RequestCtx, m *routes.Match, body []byte) *HTTPError {
	if herr := c.nameOnly(c.x.action); herr != nil {
		return herr
	}
	defIndex := ""
	if idx := m.Indices(); len(idx) == 1 {
		defIndex = idx[0]
	} else if len(idx) > 1 {
		return errBadRequest("illegal_argument_exception", "a _bulk request takes one default index, not ["+strings.Join(idx, ",")+"]")
	}
	var (
		inserts map[int][]byte // refused items by position
		names   []string       // granted names, repeats allowed
		kept    bulkKept
		pos     int
		retried bool
		creates bool // some granted item creates its index
		memo    bulkMemo
		reasons map[bulkDenial]bulkRendered
		refused bulkRefused
	)
	err := bodies.ScanBulk(body, defIndex, func(it bodies.BulkItem) error {
		d := memo.get(it.Op, it.Index)
		if d == nil {
			dec := c.bulkDecide(ctx, it, &retried, &memo)
			if dec.err == nil && !dec.ok {
				k := bulkDenial{dec.failed, dec.name}
				r, seen := reasons[k]
				if !seen {
					r.herr = c.deny(dec.failed, []string{dec.name})
					r.cause = causeOrInternal(r.herr)
					if reasons == nil {
						reasons = map[bulkDenial]bulkRendered{}
					}
					reasons[k] = r
				}
				dec.denied = r
			}
			if dec.ok {
				names = append(names, dec.name)
				creates = creates || dec.creates
			}
			d = memo.add(it.Op, it.Index, dec)
		}
		switch {
		case d.err != nil:
			if c.x.items != nil {
				c.x.traceItem(pos, d.action, []string{it.Index}, d.err)
			}
			if inserts == nil {
				inserts = map[int][]byte{}
			}
			inserts[pos] = refused.add(it, it.Index, d.err.Status, d.denied.cause)
		case !d.ok:
			if c.x.items != nil {
				c.x.traceItem(pos, d.failed, []string{d.name}, d.denied.herr)
			}
			if inserts == nil {
				inserts = map[int][]byte{}
			}
			inserts[pos] = refused.add(it, d.name, d.denied.herr.Status, d.denied.cause)
		default:
			if c.x.items != nil {
				c.x.traceItem(pos, d.action, []string{d.name}, nil)
			}
			kept.add(it.Start, it.End)
		}
		pos++
		return nil
	})
	if err != nil {
		return bodyError(err)
	}
	if pos == 0 {
		return errBadRequest("action_request_validation_exception", "Validation Failed: 1: no requests added;")
	}
	c.auditGranted(names)
	if len(names) == 0 {
		return answerLocally(ctx, c.x, arrayResponse(`{"errors":true,"took":0,"items":[`, pos, inserts))
	}
	fwd := body // every item granted: the body goes as it came
	if inserts != nil {
		fwd = kept.body(body)
	}
	herr := c.forwardMerged(ctx, fwd, "items", pos, inserts, true)
	if creates && herr == nil {
		c.s.meta.Invalidate() // the new indices exist now
	}
	return herr
}

// bulkDecision is the decision on the items of one operation on one index name.
type bulkDecision struct {
	op      bodies.BulkOp
	index   string     // the name as the items give it
	action  string     // the item action
	name    string     // the name decided (date math resolved)
	err     *HTTPError // the name could not be resolved
	ok      bool
	failed  string       // the action refused, when !ok
	denied  bulkRendered // the refusal, when err != nil or !ok
	creates bool         // granted on a name the cluster does not have yet
}

type bulkDenial struct{ action, index string }

type bulkRendered struct {
	herr  *HTTPError
	cause []byte
}

// bulkDecide decides the items of it's operation on it's index.
func (c *bodyCheck) bulkDecide(ctx *fasthttp.RequestCtx, it bodies.BulkItem, retried *bool, memo *bulkMemo) bulkDecision {
	d := bulkDecision{action: bulkItemAction(it.Op)}
	name, err := c.concreteName(it.Index)
	if err != nil {
		d.err = resolveError(err)
		d.denied = bulkRendered{herr: d.err, cause: causeOrInternal(d.err)}
		return d
	}
	d.name = name
	failed, ok := c.writeAllowed(d.action, name)
	if !ok && failed == autoCreate && !*retried {
		// The index may have been created since the last refresh.
		*retried = true
		if c.s.meta.RefreshOnMiss(ctx) == nil {
			c.md = c.s.meta.Get()
			memo.reset() // earlier decisions were made on the older metadata
			failed, ok = c.writeAllowed(d.action, name)
		}
	}
	d.ok, d.failed = ok, failed
	if ok && c.md != nil {
		_, exists := c.md.Lookup(name)
		d.creates = !exists
	}
	return d
}

// bulkMemo holds the decisions of one _bulk request by operation and index name. The
// scan gives items that name the same index the same string, so the few recent
// decisions are found by a short linear search that mostly compares pointers; the rest
// go to a map.
type bulkMemo struct {
	recent [8]bulkDecision
	n      int
	more   map[bulkKey]*bulkDecision
}

type bulkKey struct {
	op    bodies.BulkOp
	index string
}

func (m *bulkMemo) get(op bodies.BulkOp, index string) *bulkDecision {
	for i := range m.n {
		if d := &m.recent[i]; d.op == op && d.index == index {
			return d
		}
	}
	if m.more != nil {
		return m.more[bulkKey{op, index}]
	}
	return nil
}

func (m *bulkMemo) add(op bodies.BulkOp, index string, d bulkDecision) *bulkDecision {
	d.op, d.index = op, index
	if m.n < len(m.recent) {
		m.recent[m.n] = d
		m.n++
		return &m.recent[m.n-1]
	}
	if m.more == nil {
		m.more = map[bulkKey]*bulkDecision{}
	}
	p := &d
	m.more[bulkKey{op, index}] = p
	return p
}

func (m *bulkMemo) reset() {
	m.n = 0
	m.more = nil
}

// bulkRefused renders the refused items of one request into shared chunks, so that a
// body with many refused items does not allocate for each.
type bulkRefused struct {
	chunk []byte
}

// add renders one refused item and returns it; it stays valid as more are added.
func (r *bulkRefused) add(it bodies.BulkItem, index string, status int, cause []byte) []byte {
	// The longest an item can be: every byte of the strings escaped as \u00XX.
	need := 64 + 6*(len(index)+len(it.ID)) + len(cause)
	if cap(r.chunk)-len(r.chunk) < need {
		r.chunk = make([]byte, 0, max(need, 16<<10))
	}
	start := len(r.chunk)
	r.chunk = appendBulkItemError(r.chunk, it, index, status, cause)
	return r.chunk[start:len(r.chunk):len(r.chunk)]
}

// bulkKept gathers the granted items' byte ranges of a body, adjacent ranges merged
// into runs.
type bulkKept struct {
	runs [][2]int
}

func (k *bulkKept) add(start, end int) {
	if n := len(k.runs); n > 0 && k.runs[n-1][1] == start {
		k.runs[n-1][1] = end
		return
	}
	k.runs = append(k.runs, [2]int{start, end})
}

// body returns the granted items: a part of body itself when they are one run.
func (k *bulkKept) body(body []byte) []byte {
	if len(k.runs) == 1 {
		return body[k.runs[0][0]:k.runs[0][1]]
	}
	n := 0
	for _, r := range k.runs {
		n += r[1] - r[0]
	}
	out := make([]byte, 0, n)
	for _, r := range k.runs {
		out = append(out, body[r[0]:r[1]]...)
	}
	return out
}

func bulkItemAction(op bodies.BulkOp) string {
	switch op {
	case bodies.OpCreate:
		return "indices:data/write/index:op_type/create"
	case bodies.OpUpdate:
		return "indices:data/write/update"
	case bodies.OpDelete:
		return "indices:data/write/delete"
	}
	return "indices:data/write/index:op_type/index"
}

// appendBulkItemError appends {"<op>":{"_index":...,"_id":...,"status":N,"error":cause}}.
func appendBulkItemError(b []byte, it bodies.BulkItem, index string, status int, cause []byte) []byte {
	b = append(b, `{"`...)
	b = append(b, it.Op.String()...)
	b = append(b, `":{"_index":`...)
	b = bound.AppendJSONString(b, index)
	if it.ID != "" {
		b = append(b, `,"_id":`...)
		b = bound.AppendJSONString(b, it.ID)
	}
	b = append(b, `,"status":`...)
	b = strconv.AppendInt(b, int64(status), 10)
	b = append(b, `,"error":`...)
	b = append(b, cause...)
	return append(b, `}}`...)
}

// causeOrInternal renders e's cause object.
func causeOrInternal(e *HTTPError) []byte {
	c, err := causeJSON(e, nil)
	if err != nil {
		return []byte(`{"type":"esguard_internal_exception","reason":"error rendering failed"}`)
	}
	return c
}

func writeJSONString(b *bytes.Buffer, s string) {
	b.Write(bound.AppendJSONString(nil, s))
}
