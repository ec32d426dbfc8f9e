package proxy

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/esguard/esguard/auth"
	"github.com/esguard/esguard/config"
	"github.com/esguard/esguard/privileges"
	"github.com/esguard/esguard/proxy/bound"
	"github.com/esguard/esguard/routes"
	"github.com/esguard/esguard/runas"
	"github.com/rs/zerolog"
	"github.com/valyala/fasthttp"
)

// Options configures a Server beyond its configuration snapshot.
type Options struct {
	// Audit receives audit events; nil disables auditing.
	Audit *Audit
	// Log is the application logger.
	Log zerolog.Logger
	// Metrics receives request metrics; nil records none.
	Metrics *Metrics
	// APIKeyCacheTTL is how long an API key read from the cluster is used before it is
	// read again, so an invalidation made through another esguard instance applies
	// within it (default 5s; negative: read on every request).
	APIKeyCacheTTL time.Duration
}

// Server is the client-facing proxy.
type Server struct {
	store    *config.Store
	upstream *Upstream
	audit    *Audit
	log      zerolog.Logger
	srv      *fasthttp.Server
	idPrefix string
	seq      atomic.Uint64
	metrics  *Metrics
	meta     *MetadataCache
	stopMeta context.CancelFunc
	binder   *bound.Binder
	keys     *apiKeyStore // API keys created through the API; nil when the api_key realm is off
	dry      *dryRun      // set for `esguard explain`: nothing is sent upstream
}

// New builds a server for the configuration in store. Server limits, upstream nodes and
// the upstream TLS settings are taken from the snapshot in force at start.
func New(store *config.Store, opts Options) (*Server, error) {
	snap := store.Load()
	up, err := NewUpstream(snap.Config.Upstream, snap.UpstreamTLS)
	if err != nil {
		return nil, err
	}
	audit := opts.Audit
	if audit == nil {
		audit, _ = OpenAudit("")
	}
	var prefix [6]byte
	if _, err := rand.Read(prefix[:]); err != nil {
		return nil, fmt.Errorf("proxy: request id prefix: %w", err)
	}
	meta, err := NewMetadataCache(snap.Config.Upstream, snap.UpstreamTLS, opts.Log)
	if err != nil {
		return nil, err
	}
	meta.catAPIs = func() bool { return privileges.IsShield(store.Load().Flavor) }
	s := &Server{store: store, upstream: up, audit: audit, log: opts.Log, metrics: opts.Metrics, meta: meta, idPrefix: hex.EncodeToString(prefix[:]) + "-"}
	s.binder, err = newBinderFor(snap, opts.Log)
	if err != nil {
		return nil, err
	}
	if slices.Contains(snap.Config.Authentication.Order, "api_key") {
		s.keys, err = newAPIKeyStore(snap.Config.Upstream, snap.UpstreamTLS, opts.APIKeyCacheTTL)
		if err != nil {
			return nil, err
		}
		snap.DynamicAPIKeys.Set(&dynamicKeys{store: s.keys, cfg: store, conv: map[string]convertedKey{}})
	}
	var metaCtx context.Context
	metaCtx, s.stopMeta = context.WithCancel(context.Background())
	go meta.Run(metaCtx)
	up.checkHealth(metaCtx, snap.Config.Upstream, func() string { return store.Load().UpstreamAuthorization() })
	opts.Metrics.observeServer(s)
	l := snap.Config.Limits
	s.srv = &fasthttp.Server{
		Handler:                       s.handle,
		ErrorHandler:                  s.handleTransportError,
		Name:                          "esguard",
		NoDefaultServerHeader:         true,
		NoDefaultContentType:          true,
		NoDefaultDate:                 true,
		DisablePreParseMultipartForm:  true,
		DisableHeaderNamesNormalizing: false,
		ReadBufferSize:                l.MaxHeaderSize,
		MaxRequestBodySize:            l.MaxBodySize,
		ReadTimeout:                   l.ReadTimeout.Or(60e9),
		WriteTimeout:                  l.WriteTimeout.Or(120e9),
		IdleTimeout:                   l.IdleTimeout.Or(120e9),
		Concurrency:                   l.MaxConnections,
		// An idle keep-alive connection gives its buffers back to the pools: 10,000 idle
		// clients would otherwise hold a read buffer of max_header_size each. The read
		// of a request's first byte that this costs is absorbed by readAheadConn.
		ReduceMemoryUsage: true,
		CloseOnShutdown:   true,
		Logger:            fasthttpLogger{s.log},
	}
	return s, nil
}

// Serve accepts client connections on ln until Shutdown.
func (s *Server) Serve(ln net.Listener) error {
	return s.srv.Serve(readAheadListener{Listener: ln, writeTimeout: s.srv.WriteTimeout})
}

// Shutdown stops accepting connections and waits for in-flight requests until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error {
	s.stopMeta()
	err := s.srv.ShutdownWithContext(ctx)
	s.upstream.Close()
	return err
}

// RefreshMetadata fetches the cluster's index, alias and data stream names now (the
// background loop also does, at start and then periodically).
func (s *Server) RefreshMetadata(ctx context.Context) error { return s.meta.Refresh(ctx) }

// Metadata returns the cluster metadata in use, nil before the first fetch.
func (s *Server) Metadata() *MetadataCache { return s.meta }

// Handler exposes the request handler, for tests and embedding.
func (s *Server) Handler() fasthttp.RequestHandler { return s.handle }

// exchange is the state of one request, copied out of fasthttp into Go strings.
type exchange struct {
	snap      *config.Snapshot
	method    string
	path      string         // raw path, without the query string
	query     *fasthttp.Args // nil when the exchange has no request URI (explain)
	start     time.Time      // when the handler began
	requestID string
	opaqueID  string
	origin    string
	subject   runas.Subject
	roles     []string               // effective roles
	perm      *privileges.Permission // effective permission, once computed
	match     *routes.Match          // the matched route (matched, once routed)
	matched   routes.Match
	action    string
	indices   []string
	// bindResponse is set when the response may carry ids to bind to the user.
	bindResponse bool
	// items records the per-item decisions of a body request for `esguard explain`.
	items *[]ItemDecision
}

// exchanges recycles exchanges, and their parsed query strings, between requests.
var exchanges = sync.Pool{New: func() any { return new(exchange) }}

// releaseExchange empties x and gives it back to exchanges. Nothing may use x after:
// the server keeps no exchange beyond its request (no goroutine, no body writer).
func releaseExchange(x *exchange) {
	q := x.query
	if q != nil {
		q.Reset()
	}
	*x = exchange{query: q}
	exchanges.Put(x)
}

func (s *Server) handle(ctx *fasthttp.RequestCtx) {
	start := time.Now()
	x := exchanges.Get().(*exchange)
	defer releaseExchange(x) // deferred first: it runs after the recovery below
	x.snap, x.start = s.store.Load(), start
	x.requestID = s.idPrefix + strconv.FormatUint(s.seq.Add(1), 10)
	x.origin = origin(ctx)
	x.method = methodString(ctx.Method())
	x.opaqueID = string(ctx.Request.Header.Peek("X-Opaque-Id"))
	defer func() {
		if r := recover(); r != nil {
			s.log.Error().Str("request.id", x.requestID).Interface("panic", r).Msg("request handler panicked")
			s.fail(ctx, x, errInternal(fmt.Errorf("panic: %v", r)))
			s.metrics.request(decisionFailed, x.action, ctx.Response.StatusCode(), time.Since(start))
		}
	}()
	herr := s.serve(ctx, x)
	if herr != nil {
		s.fail(ctx, x, herr)
	}
	s.metrics.request(decisionOf(herr), x.action, ctx.Response.StatusCode(), time.Since(start))
}

// methodString returns m as a string, without allocating for the usual methods.
func methodString(m []byte) string {
	switch string(m) {
	case "GET":
		return "GET"
	case "POST":
		return "POST"
	case "PUT":
		return "PUT"
	case "HEAD":
		return "HEAD"
	case "DELETE":
		return "DELETE"
	}
	return string(m)
}

// serve runs the pipeline. It returns the error to render, or nil once a response
// (forwarded or local) has been written.
func (s *Server) serve(ctx *fasthttp.RequestCtx, x *exchange) *HTTPError {
	if herr := x.readURI(ctx); herr != nil {
		return herr
	}
	if strings.HasPrefix(x.opaqueID, reservedOpaqueIDPrefix) {
		// esguard marks its own requests to the cluster (metadata, API keys) this way; a
		// client's request must never pass for one of them in the cluster's logs.
		return errBadRequest("illegal_argument_exception", "X-Opaque-Id values starting with ["+reservedOpaqueIDPrefix+"] are reserved for esguard's own requests")
	}
	if herr := s.authenticate(ctx, x); herr != nil {
		return herr
	}
	return s.decide(ctx, x)
}

// reservedOpaqueIDPrefix starts the X-Opaque-Id of esguard's own requests upstream.
const reservedOpaqueIDPrefix = "esguard-"

// decide routes, authorizes and forwards the request of an authenticated subject.
func (s *Server) decide(ctx *fasthttp.RequestCtx, x *exchange) *HTTPError {
	var err error
	x.matched, err = x.snap.Routes.Match(x.method, x.path)
	if err != nil {
		return routeError(x, err)
	}
	m := &x.matched
	x.action = m.Route.Action
	if _, ok := x.lookupQuery("source"); ok && x.action != "" {
		// Elasticsearch reads the body from ?source= when the request has none
		// (RestRequest.contentOrSourceParam); esguard reads bodies only as bodies.
		return errBadRequest("illegal_argument_exception", "esguard does not accept a request body in the [source] parameter; send it as the body")
	}
	x.match = m
	if local := s.localHandler(m.Route); local != nil {
		return local(ctx, x)
	}
	targets, err := m.Targets(x.lookupQuery)
	if err != nil && !errors.Is(err, routes.ErrBodyTargets) {
		return s.targetError(x, m.Route, err)
	}
	br, herr := s.unbindRequest(ctx, x, m)
	if herr != nil {
		return herr
	}
	if err != nil { // the indices are in the body
		x.bindResponse = bindsResponse(x.action)
		return s.serveBody(ctx, x, m)
	}
	if br.pit {
		// A point in time fixes the indices; the search names none of its own.
		targets = nameOnlyTargets(targets)
	}
	res, herr := s.resolveIndices(x, m, targets)
	if herr != nil {
		return herr
	}
	if br.clearAll {
		if herr := s.checkClearAll(x); herr != nil {
			return herr
		}
	}
	_, scroll := x.lookupQuery("scroll")
	x.bindResponse = scroll || br.pit || bindsResponse(x.action)
	x.indices = res.indices
	if x.indices == nil {
		x.indices = firstIndices(targets)
	}
	if herr := s.queryBodyError(ctx, x); herr != nil {
		return herr
	}
	if herr := s.bodyIndexChecks(ctx, x, m); herr != nil {
		return herr
	}
	if res.empty {
		ev := x.event(eventAccessGranted, x.action)
		ev.indices = x.indices
		s.audit.write(ev)
		return writeEmpty(ctx, x, m)
	}
	if res.narrowed {
		if herr := s.rewritePath(ctx, x, m, s.compactNames(x, m, targets, res.indices)); herr != nil {
			return herr
		}
	}
	start := time.Now()
	herr = s.forward(ctx, x)
	s.metrics.upstreamRoundTrip(time.Since(start))
	if herr == nil {
		s.afterWrite(ctx, x)
	}
	return herr
}

// afterWrite reloads the cluster metadata after a request that changed which indices,
// aliases or data streams exist, so that the next requests see them.
func (s *Server) afterWrite(ctx *fasthttp.RequestCtx, x *exchange) {
	if st := ctx.Response.StatusCode(); st < 200 || st > 299 || !changesMetadata(x.action) {
		return
	}
	if err := s.meta.Refresh(context.Background()); err != nil {
		s.log.Warn().Err(err).Str("request.id", x.requestID).Msg("cluster metadata refresh after a change failed")
		s.meta.Invalidate()
	}
}

// changesMetadata reports whether an action creates, deletes, opens, closes or re-aliases
// indices or data streams.
func changesMetadata(action string) bool {
	switch {
	case strings.HasPrefix(action, "indices:admin/create"), strings.HasPrefix(action, "indices:admin/auto_create"),
		strings.HasPrefix(action, "indices:admin/delete"), strings.HasPrefix(action, "indices:admin/aliases"),
		strings.HasPrefix(action, "indices:admin/data_stream/"), strings.HasPrefix(action, "indices:admin/rollover"),
		strings.HasPrefix(action, "indices:admin/resize"), strings.HasPrefix(action, "indices:admin/shrink"),
		action == "indices:admin/open", action == "indices:admin/close", strings.HasPrefix(action, "indices:admin/settings/update"),
		action == "indices:data/write/reindex", action == "indices:admin/index/copy_lifecycle_index_metadata":
		return true
	}
	return false
}

// queryBodyError authorizes the indices a query body reads besides the request's own
// (terms lookup, more_like_this, percolate, geo_shape indexed_shape, lookup runtime
// fields, search templates), and refuses a body esguard cannot read to find out.
func (s *Server) queryBodyError(ctx *fasthttp.RequestCtx, x *exchange) *HTTPError {
	if !routes.ReadsQueryBody(x.action) {
		return nil
	}
	if len(ctx.Request.Body()) == 0 {
		return nil
	}
	body, herr := readBody(ctx, x)
	if herr != nil {
		return herr
	}
	c, herr := s.newBodyCheck(x)
	if herr != nil {
		return herr
	}
	return c.searchBodyDenied(body, x.action == "indices:data/read/search/template" || isTemplatePath(x))
}

// readURI splits the raw request URI into path and query, refusing anything ambiguous.
func (x *exchange) readURI(ctx *fasthttp.RequestCtx) *HTTPError {
	raw := ctx.Request.Header.RequestURI()
	if limit := x.snap.Config.Limits.MaxInitialLine; len(raw)+len(x.method)+len(" HTTP/1.1") > limit {
		return errBadRequest("too_long_http_line_exception", "An HTTP line is larger than "+strconv.Itoa(limit)+" bytes.")
	}
	path, query, _ := bytes.Cut(raw, []byte{'?'})
	x.path = string(path)
	switch {
	case len(path) == 0 || path[0] != '/':
		return errBadRequest("illegal_argument_exception", "request URI must be an absolute path")
	case bytes.IndexByte(raw, '#') >= 0:
		return errBadRequest("illegal_argument_exception", "request URI must not contain a fragment")
	case bytes.IndexByte(query, ';') >= 0:
		return errBadRequest("illegal_argument_exception", "[;] is not accepted as a query string separator")
	case hasDotSegment(path):
		return errBadRequest("illegal_argument_exception", "request path must not contain [.] or [..] segments")
	}
	if x.query == nil {
		x.query = new(fasthttp.Args)
	}
	x.query.ParseBytes(query)
	if dup := duplicateKey(x.query); dup != "" {
		return errBadRequest("illegal_argument_exception", "request ["+x.path+"] contains the parameter ["+dup+"] more than once")
	}
	return nil
}

// duplicateKey returns the first parameter name that args holds twice, or "". A few
// names are compared pairwise, more through a map.
func duplicateKey(args *fasthttp.Args) string {
	var dup string
	if n := args.Len(); n <= 16 {
		var keys [16][]byte
		i := 0
		args.VisitAll(func(k, _ []byte) {
			for _, earlier := range keys[:i] {
				if dup == "" && bytes.Equal(earlier, k) {
					dup = string(k)
				}
			}
			keys[i] = k
			i++
		})
		return dup
	}
	seen := make(map[string]struct{}, args.Len())
	args.VisitAll(func(k, _ []byte) {
		if _, ok := seen[string(k)]; ok && dup == "" {
			dup = string(k)
		}
		seen[string(k)] = struct{}{}
	})
	return dup
}

func hasDotSegment(path []byte) bool {
	for seg := range bytes.SplitSeq(path, []byte{'/'}) {
		if string(seg) == "." || string(seg) == ".." {
			return true
		}
	}
	return false
}

func (x *exchange) lookupQuery(key string) (string, bool) {
	if x.query == nil || !x.query.Has(key) {
		return "", false
	}
	return string(x.query.Peek(key)), true
}

// authenticate runs the realm chain (or anonymous access) and the run_as step.
func (s *Server) authenticate(ctx *fasthttp.RequestCtx, x *exchange) *HTTPError {
	snap := x.snap
	headers := ctx.Request.Header.PeekAll(fasthttp.HeaderAuthorization)
	if len(headers) > 1 {
		return s.authFailed(x, &auth.Failure{Kind: auth.FailureMalformed, Reason: "more than one Authorization header"})
	}
	var id *auth.Identity
	memo := connAuthMemo(ctx)
	if memo != nil && len(headers) == 1 {
		id = memo.lookup(headers[0], snap, x.start)
	}
	if id == nil {
		var herr *HTTPError
		if id, herr = s.verify(ctx, x, headers, memo); herr != nil {
			return herr
		}
	}
	x.subject = runas.Subject{Authenticated: id, Effective: id}
	x.roles = id.Roles
	targets := headerStrings(ctx.Request.Header.PeekAll(runas.Header))
	if len(targets) == 0 {
		return s.checkDelegated(x)
	}
	var reasons []string
	if h := snap.RunAs.Reason(); h != "" {
		reasons = headerStrings(ctx.Request.Header.PeekAll(h))
	}
	return s.runAs(ctx, x, targets, reasons)
}

// verify authenticates the request's Authorization header (headers, at most one) with
// the realm chain, or as anonymous when there is none, and remembers a verified header
// in the connection's memo.
func (s *Server) verify(ctx *fasthttp.RequestCtx, x *exchange, headers [][]byte, memo *authMemo) (*auth.Identity, *HTTPError) {
	snap := x.snap
	var header string
	if len(headers) == 1 {
		header = string(headers[0])
	}
	cred, err := auth.ParseAuthorization(header)
	if err != nil {
		return nil, s.authFailed(x, err)
	}
	if cred.Scheme == auth.SchemeNone && snap.Anonymous != nil {
		return snap.Anonymous, nil
	}
	epoch := auth.Epoch()
	if len(headers) != 1 {
		memo = nil // nothing to remember
	}
	var sum [2]uint64
	if memo != nil {
		sum = authMemoSum(headers[0])
	}
	id, err := snap.Realms.Authenticate(ctx, cred)
	if err != nil {
		if memo != nil {
			memo.forget()
		}
		return nil, s.authFailed(x, err)
	}
	if memo != nil {
		memo.remember(sum, snap, epoch, id, x.start)
	}
	return id, nil
}

// connAuthMemo returns the authentication memo of ctx's connection, nil for a
// connection that has none (TLS).
func connAuthMemo(ctx *fasthttp.RequestCtx) *authMemo {
	if c, ok := ctx.Conn().(*readAheadConn); ok {
		return &c.auth
	}
	return nil
}

// headerStrings copies the values PeekAll returned, which the next PeekAll overwrites.
func headerStrings(values [][]byte) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = string(v)
	}
	return out
}

// runAs runs the run_as step for the authenticated subject of x: the header values
// targets (and the policy's reason header values) decide who the effective user is.
func (s *Server) runAs(ctx context.Context, x *exchange, targets, reasons []string) *HTTPError {
	id := x.subject.Authenticated
	perm, err := x.snap.IdentityPermission(id)
	if err != nil {
		return errInternal(err)
	}
	subject, err := x.snap.RunAs.Resolve(ctx, runas.Request{
		Caller: id, Permission: perm, Anonymous: id.AuthType == auth.AuthTypeAnonymous,
		Targets: targets, Reasons: reasons, Lookup: x.snap.Realms.Lookup,
	})
	if err != nil {
		return s.runAsFailed(x, id, perm, err)
	}
	x.subject = subject
	x.roles = subject.Effective.Roles
	ev := x.event(eventRunAsGranted, x.runAsAction())
	ev.roles = id.Roles
	s.audit.write(ev)
	return s.checkDelegated(x)
}

// checkDelegated refuses a request whose effective user would go to the cluster in
// the run-as header (delegate mode) under a name the cluster could read differently.
func (s *Server) checkDelegated(x *exchange) *HTTPError {
	name := x.snap.RunAs.Delegated(x.subject)
	if name == "" || runas.ValidName(name) {
		return nil
	}
	reason := "user [" + name + "] cannot be forwarded to the cluster in the [" + runas.Header + "] header: the name is not printable ASCII"
	ev := x.event(eventRunAsDenied, x.runAsAction())
	ev.roles, ev.reason = x.subject.Authenticated.Roles, reason
	s.audit.write(ev)
	return errForbidden(reason)
}

// runAsAction is the action a run_as event or refusal names: run_as is decided before
// routing, so it is the action the request would run, or the authenticate action when
// the route has none.
func (x *exchange) runAsAction() string {
	if m, err := x.snap.Routes.Match(x.method, x.path); err == nil && m.Route.Action != "" {
		return m.Route.Action
	}
	return "cluster:admin/xpack/security/user/authenticate"
}

// permission returns the permission that decides the request: the effective user's
// roles, or the API key's limited permission.
func (x *exchange) permission() (*privileges.Permission, error) {
	if x.perm != nil {
		return x.perm, nil
	}
	perm, err := x.snap.IdentityPermission(x.subject.Effective)
	if err != nil {
		return nil, err
	}
	if x.subject.Intersect {
		own, err := x.snap.IdentityPermission(x.subject.Authenticated)
		if err != nil {
			return nil, err
		}
		perm = x.snap.Intersection(perm, own)
	}
	x.perm = perm
	return perm, nil
}

// actor describes the subject for denial sentences.
func (x *exchange) actor(perm *privileges.Permission) privileges.Actor {
	a := privileges.Actor{User: x.subject.Authenticated.Username, Roles: perm.Roles(), APIKeyID: x.subject.Authenticated.APIKeyID}
	if x.subject.RunAs() {
		a.RunAs = x.subject.Effective.Username
	}
	return a
}

// authFailed renders a 401 in Elasticsearch's wording and audits it.
func (s *Server) authFailed(x *exchange, err error) *HTTPError {
	var f *auth.Failure
	if !errors.As(err, &f) {
		// A realm could not decide (the cluster holding API keys did not answer): the
		// request is refused, and may be retried.
		s.audit.write(x.fill(&auditEvent{action: eventAuthenticationFailed, reason: "credentials could not be verified"}))
		return &HTTPError{Status: fasthttp.StatusServiceUnavailable, Type: "esguard_upstream_exception",
			Reason: "the credentials could not be verified now; try again later", Cause: err}
	}
	ev := &auditEvent{action: eventAuthenticationFailed, user: f.Username, realm: f.Realm, reason: f.Reason}
	var reason string
	switch {
	case f.Kind == auth.FailureMissing:
		reason = "missing authentication credentials for REST request [" + x.path + "]"
		ev.action = eventAnonymousDenied
	case f.Kind == auth.FailureMalformed:
		reason = "invalid authentication credentials for REST request [" + x.path + "]"
	case f.Username == "":
		reason = "unable to authenticate with provided credentials for REST request [" + x.path + "]"
	default:
		reason = "unable to authenticate user [" + f.Username + "] for REST request [" + x.path + "]"
	}
	s.audit.write(x.fill(ev))
	return errUnauthenticated(reason, x.snap.Schemes)
}

// runAsFailed renders the run_as refusal: 401 for an empty header, 400 for several
// values or a value that is not one printable ASCII name, 403 with Elasticsearch's
// wording otherwise (the audit event says why).
func (s *Server) runAsFailed(x *exchange, id *auth.Identity, perm *privileges.Permission, err error) *HTTPError {
	var re *runas.Error
	if !errors.As(err, &re) {
		return errInternal(err)
	}
	switch re.Kind {
	case runas.ErrEmpty:
		s.audit.write(x.fill(&auditEvent{action: eventAuthenticationFailed, user: id.Username, realm: id.RealmName, reason: "empty run_as header"}))
		return errUnauthenticated("unable to authenticate user ["+id.Username+"] for REST request ["+x.path+"]", x.snap.Schemes)
	case runas.ErrAmbiguous:
		return errBadRequest("illegal_argument_exception", "multiple values for single-valued header ["+runas.Header+"].")
	case runas.ErrEncoding:
		return errBadRequest("illegal_argument_exception", "the ["+runas.Header+"] header must hold one user name in printable ASCII, without commas or surrounding spaces")
	}
	action := x.runAsAction()
	ev := x.event(eventRunAsDenied, action)
	ev.user, ev.realm, ev.runBy, ev.runByRealm, ev.roles, ev.reason = re.Target, "", id.Username, id.RealmName, id.Roles, re.Detail
	s.audit.write(ev)
	if re.Kind == runas.ErrReason {
		return errForbidden(re.Detail)
	}
	return runAsDenied(action, privileges.Actor{User: id.Username, Roles: perm.Roles(), APIKeyID: id.APIKeyID, RunAs: re.Target})
}

func routeError(x *exchange, err error) *HTTPError {
	var mna *routes.MethodNotAllowedError
	var bad *routes.BadPathError
	switch {
	case errors.As(err, &mna):
		return errMethodNotAllowed(x.path, x.method, mna.Allowed)
	case errors.As(err, &bad):
		return errBadRequest("illegal_argument_exception", bad.Reason)
	case errors.Is(err, routes.ErrUnknownRoute):
		return errNoHandler(x.path, x.method)
	}
	return errInternal(err)
}

func (s *Server) targetError(x *exchange, r *routes.Route, err error) *HTTPError {
	herr := targetsError(r, err)
	if herr.Status == fasthttp.StatusForbidden {
		s.audit.write(x.event(eventAccessDenied, r.Action))
	}
	return herr
}

// targetsError turns a failure to extract a route's targets into the refusal to render.
func targetsError(r *routes.Route, err error) *HTTPError {
	var bad *routes.BadRequestError
	switch {
	case errors.As(err, &bad):
		return errBadRequest(bad.Type, bad.Reason)
	}
	return errInternal(err)
}

// runAsDenied is Elasticsearch's run-as refusal (AuthorizationDenialMessages.runAsDenied).
func runAsDenied(action string, a privileges.Actor) *HTTPError {
	return errForbidden(privileges.RunAsDenied(action, a))
}

func firstIndices(targets []routes.Target) []string {
	for _, t := range targets {
		if len(t.Indices) > 0 {
			return t.Indices
		}
	}
	return nil
}

// forward sends the request upstream with cleaned headers and streams the answer back.
func (s *Server) forward(ctx *fasthttp.RequestCtx, x *exchange) *HTTPError {
	req := &ctx.Request
	cleanRequestHeaders(&req.Header, x.snap.UpstreamAuthorization(), x.snap.RunAs.Reason(), x.snap.RunAs.Delegated(x.subject))
	if s.dry != nil {
		s.dry.record(ctx, x)
		return nil
	}
	if x.bindResponse {
		req.Header.Del(fasthttp.HeaderAcceptEncoding) // the ids in the response must be readable
	}
	node, herr := s.upstream.Do(req, &ctx.Response, idempotent(x.method, x.action))
	if herr == nil && x.bindResponse {
		herr = s.bindResponse(ctx, x)
	}
	if herr != nil {
		s.metrics.UpstreamError(node, herr.Cause)
		ev := x.event(eventAccessGranted, x.action)
		ev.indices = x.indices
		s.audit.write(ev)
		return herr
	}
	cleanResponseHeaders(&ctx.Response.Header)
	ev := x.event(eventAccessGranted, x.action)
	ev.indices = x.indices
	s.audit.write(ev)
	return nil
}

// idempotent reports whether a request may be sent again after a connection failure:
// GET and HEAD, and reads and monitoring actions (searches are often POSTed).
func idempotent(method, action string) bool {
	switch method {
	case "GET", "HEAD":
		return true
	case "POST":
		return strings.HasPrefix(action, "indices:data/read/") || strings.HasPrefix(action, "cluster:monitor/")
	}
	return false
}

// fail renders an error response, echoing X-Opaque-Id as Elasticsearch does.
func (s *Server) fail(ctx *fasthttp.RequestCtx, x *exchange, e *HTTPError) {
	if e.Status >= 500 && e.Cause != nil {
		s.log.Error().Str("request.id", x.requestID).Err(e.Cause).Int("status", e.Status).Msg("request failed")
	}
	writeError(ctx, e)
	if x.opaqueID != "" {
		ctx.Response.Header.Set("X-Opaque-Id", x.opaqueID)
	}
}

// handleTransportError renders errors fasthttp hits before the handler runs
// (oversized headers or bodies, timeouts, malformed requests).
func (s *Server) handleTransportError(ctx *fasthttp.RequestCtx, err error) {
	var e *HTTPError
	var tooBig *fasthttp.ErrSmallBuffer
	switch {
	case errors.Is(err, fasthttp.ErrBodyTooLarge):
		e = &HTTPError{Status: fasthttp.StatusRequestEntityTooLarge, Type: "content_too_long_exception", Reason: "request body is larger than the configured limit"}
	case errors.As(err, &tooBig):
		e = &HTTPError{Status: fasthttp.StatusRequestHeaderFieldsTooLarge, Type: "too_long_http_header_exception", Reason: "HTTP header is larger than the configured limit"}
	default:
		var te interface{ Timeout() bool }
		if errors.As(err, &te) && te.Timeout() {
			e = &HTTPError{Status: fasthttp.StatusRequestTimeout, Type: "timeout_exception", Reason: "timed out reading the request"}
		} else {
			e = errBadRequest("illegal_argument_exception", "malformed HTTP request")
		}
	}
	writeError(ctx, e)
	ctx.SetConnectionClose()
}

// event starts an audit event for this exchange.
func (x *exchange) event(action, esAction string) *auditEvent {
	ev := &auditEvent{action: action, esAction: esAction}
	if id := x.subject.Authenticated; id != nil {
		eff := x.subject.Effective
		ev.user, ev.roles, ev.authType, ev.realm = eff.Username, eff.Roles, id.AuthType, eff.RealmName
		if x.subject.RunAs() {
			ev.runBy, ev.runByRealm, ev.runAsReason = id.Username, id.RealmName, x.subject.Reason
		}
	}
	return x.fill(ev)
}

// fill adds the request fields every event carries.
func (x *exchange) fill(ev *auditEvent) *auditEvent {
	ev.origin, ev.path, ev.method, ev.opaqueID, ev.requestID = x.origin, x.path, x.method, x.opaqueID, x.requestID
	return ev
}

func joinComma(ss []string) string {
	var b bytes.Buffer
	for i, s := range ss {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(s)
	}
	return b.String()
}

type fasthttpLogger struct{ log zerolog.Logger }

func (l fasthttpLogger) Printf(format string, args ...any) {
	l.log.Debug().Msgf(format, args...)
}
