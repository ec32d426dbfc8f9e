package proxy

import (
	"context"
	"io"
	"slices"

	"github.com/esguard/esguard/config"
	"github.com/esguard/esguard/runas"
	"github.com/rs/zerolog"
	"github.com/valyala/fasthttp"
)

// Explanation is what `esguard explain` prints: the decision esguard would take for a
// user's request, without contacting a cluster.
type Explanation struct {
	Allowed bool     `json:"allowed"`
	Status  int      `json:"status"`
	Actions []string `json:"actions"`
	// Indices are the names the request was authorized on: date math resolved,
	// wildcards kept as patterns (there is no cluster metadata to expand them).
	Indices []string `json:"indices"`
	User    string   `json:"user"`
	RunAs   string   `json:"run_as,omitempty"`
	Roles   []string `json:"roles"`
	Route   string   `json:"route,omitempty"`
	Reason  string   `json:"reason"`
	// Forwarded is the request esguard would send upstream, when it would send one.
	Forwarded *ForwardedRequest `json:"forwarded,omitempty"`
	// Items are the per-item decisions of _bulk, _msearch, _mget and _mtermvectors.
	Items []ItemDecision `json:"items,omitempty"`
}

// ForwardedRequest is the request line and body esguard would forward.
type ForwardedRequest struct {
	Method string `json:"method"`
	URI    string `json:"uri"`
	Body   string `json:"body,omitempty"`
	// RunAsUser is the es-security-runas-user header sent in delegate mode.
	RunAsUser string `json:"run_as_user,omitempty"`
}

// ExplainRequest is the request `esguard explain` decides.
type ExplainRequest struct {
	// User is a configured user (looked up, not authenticated).
	User string
	// RunAs, when set, is the es-security-runas-user header; RunAsReason is the value
	// of the policy's reason header.
	RunAs, RunAsReason string
	Method, URI        string
	Body               []byte
}

// ItemDecision is the decision on one item of a multi-item request.
type ItemDecision struct {
	Position int      `json:"position"`
	Action   string   `json:"action"`
	Indices  []string `json:"indices"`
	Allowed  bool     `json:"allowed"`
	Status   int      `json:"status,omitempty"`
	Reason   string   `json:"reason,omitempty"`
}

// dryRun replaces the upstream of a Server used by Explain: it records what would be
// forwarded and answers nothing.
type dryRun struct {
	forwarded *ForwardedRequest
}

func (d *dryRun) record(ctx *fasthttp.RequestCtx, x *exchange) {
	d.forwarded = &ForwardedRequest{Method: x.method, URI: string(ctx.Request.Header.RequestURI()), Body: string(ctx.Request.Body()),
		RunAsUser: string(ctx.Request.Header.Peek(runas.Header))}
	ctx.Response.Reset()
	ctx.Response.SetStatusCode(fasthttp.StatusOK)
}

// Explain decides a request for a configured user (looked up, not authenticated), and
// for the user it runs as when req.RunAs is set. It runs the proxy's own pipeline
// without a cluster: index wildcards are checked as patterns, and nothing is sent
// anywhere.
func Explain(ctx context.Context, snap *config.Snapshot, req ExplainRequest) Explanation {
	user, method, uri, body := req.User, req.Method, req.URI, req.Body
	out := Explanation{User: user, RunAs: req.RunAs, Actions: []string{}, Indices: []string{}, Roles: []string{}}
	refuse := func(e *HTTPError) Explanation {
		out.Status, out.Reason = e.Status, e.Reason
		return out
	}
	id, ok := snap.Realms.Lookup(ctx, user)
	if !ok && snap.Anonymous != nil && snap.Anonymous.Username == user {
		id, ok = snap.Anonymous, true
	}
	if !ok {
		return refuse(errUnauthenticated("unable to authenticate user ["+user+"]: no such user", nil))
	}
	audit, _ := OpenAudit("")
	s := &Server{store: config.NewStore(snap), audit: audit, log: zerolog.New(io.Discard), dry: &dryRun{}}
	var err error
	if s.binder, err = newBinderFor(snap, s.log); err != nil {
		return refuse(errInternal(err))
	}
	var items []ItemDecision
	x := &exchange{snap: snap, method: method, subject: runas.Subject{Authenticated: id, Effective: id}, roles: id.Roles, items: &items}
	var rc fasthttp.RequestCtx
	rc.Request.Header.SetMethod(method)
	rc.Request.SetRequestURI(uri)
	if len(body) > 0 {
		rc.Request.SetBody(body)
		rc.Request.Header.SetContentType("application/json")
	}
	if herr := x.readURI(&rc); herr != nil {
		return refuse(herr)
	}
	if m, err := snap.Routes.Match(method, x.path); err == nil {
		out.Route = m.Route.Method + " " + m.Route.Path
		if m.Route.Action != "" {
			out.Actions = append(out.Actions, m.Route.Action)
		}
		if ts, err := m.Targets(x.lookupQuery); err == nil {
			for _, t := range ts {
				if !slices.Contains(out.Actions, t.Action) {
					out.Actions = append(out.Actions, t.Action)
				}
			}
		}
	}
	if req.RunAs != "" {
		var reasons []string
		if req.RunAsReason != "" {
			reasons = []string{req.RunAsReason}
		}
		if herr := s.runAs(ctx, x, []string{req.RunAs}, reasons); herr != nil {
			return refuse(herr)
		}
	} else if herr := s.checkDelegated(x); herr != nil {
		return refuse(herr)
	}
	perm, err := x.permission()
	if err != nil {
		return refuse(errInternal(err))
	}
	out.Roles = perm.Roles()
	herr := s.decide(&rc, x)
	out.Items = items
	for _, it := range items {
		if !slices.Contains(out.Actions, it.Action) {
			out.Actions = append(out.Actions, it.Action)
		}
	}
	if x.indices != nil {
		out.Indices = x.indices
	}
	if herr != nil {
		return refuse(herr)
	}
	out.Forwarded = s.dry.forwarded
	out.Allowed, out.Status, out.Reason = true, 200, "granted"
	if out.Forwarded == nil {
		out.Reason = "granted; esguard answers this request itself"
	}
	return out
}

// traceItem records one item decision for `esguard explain`.
func (x *exchange) traceItem(pos int, action string, indices []string, e *HTTPError) {
	if x.items == nil {
		return
	}
	d := ItemDecision{Position: pos, Action: action, Indices: indices, Allowed: e == nil}
	if e != nil {
		d.Status, d.Reason = e.Status, e.Reason
	}
	*x.items = append(*x.items, d)
}
