package proxy

import (
	"context"
	"encoding/json"
	"net"
	"net/url"
	"time"

	"github.com/esguard/esguard/config"
	"github.com/valyala/fasthttp"
)

// Admin serves esguard's own endpoints on admin_listen, never on the client port:
//
//	GET /healthz  the process is up
//	GET /readyz   a configuration is loaded, an upstream node answers and (with
//	              SetServer) the cluster metadata is fresh: fetched within three refresh
//	              intervals (503 otherwise). The body also reports each node's health,
//	              the metadata's age and the last reload: "last_reload" is "none", "ok"
//	              or "failed", with the first problems of a failed one. A failed reload
//	              alone does not make esguard unready: the last good configuration serves.
//	GET /metrics  Prometheus text format, when metrics are set (SetMetrics)
type Admin struct {
	store   *config.Store
	srv     *fasthttp.Server
	client  *fasthttp.Client
	metrics *Metrics
	server  *Server
}

// SetMetrics serves m on /metrics. Call it before Serve.
func (a *Admin) SetMetrics(m *Metrics) { a.metrics = m }

// SetServer makes /readyz report the proxy's node health and metadata freshness. Call
// it before Serve.
func (a *Admin) SetServer(s *Server) { a.server = s }

// readiness is the /readyz body.
type readiness struct {
	Status         string   `json:"status"`
	Config         string   `json:"config"`
	Flavor         string   `json:"flavor"`
	FlavorSource   string   `json:"flavor_source"`
	Upstream       string   `json:"upstream"`
	LastReload     string   `json:"last_reload"`
	LastReloadTime string   `json:"last_reload_time,omitempty"`
	ReloadProblems []string `json:"reload_problems,omitempty"`
	// Nodes, Metadata and MetadataAgeSeconds are reported with SetServer. Metadata is
	// "fresh", "stale" or "none".
	Nodes              []NodeHealth `json:"nodes,omitempty"`
	Metadata           string       `json:"metadata,omitempty"`
	MetadataAgeSeconds *float64     `json:"metadata_age_seconds,omitempty"`
}

// maxReadyProblems bounds the reload problems /readyz repeats; the log has them all.
const maxReadyProblems = 5

// NewAdmin builds the admin listener's server. Its readiness checks reach https nodes
// with the upstream TLS settings of the snapshot in force at start, like the proxy.
func NewAdmin(store *config.Store) *Admin {
	a := &Admin{store: store, client: &fasthttp.Client{ReadTimeout: 2 * time.Second, WriteTimeout: 2 * time.Second,
		TLSConfig: store.Load().UpstreamTLS}}
	a.srv = &fasthttp.Server{Handler: a.handle, NoDefaultServerHeader: true, ReadTimeout: 10 * time.Second}
	return a
}

// Serve accepts admin connections on ln.
func (a *Admin) Serve(ln net.Listener) error { return a.srv.Serve(ln) }

// Shutdown stops the admin listener.
func (a *Admin) Shutdown(ctx context.Context) error { return a.srv.ShutdownWithContext(ctx) }

func (a *Admin) handle(ctx *fasthttp.RequestCtx) {
	ctx.Response.Header.SetContentType("application/json")
	switch string(ctx.Path()) {
	case "/healthz":
		ctx.SetBodyString(`{"status":"ok"}`)
	case "/readyz":
		snap := a.store.Load()
		r := readiness{Status: "ok", Config: "loaded", Flavor: snap.Flavor, FlavorSource: snap.FlavorSource, LastReload: "none"}
		node, err := a.reachable(snap)
		r.Upstream = node
		if err != nil {
			ctx.SetStatusCode(fasthttp.StatusServiceUnavailable)
			r.Status, r.Upstream = "unavailable", "unreachable"
		}
		if srv := a.server; srv != nil {
			r.Nodes = srv.upstream.Health()
			r.Metadata = "none"
			if t := srv.meta.Fetched(); !t.IsZero() {
				age := time.Since(t)
				secs := age.Seconds()
				r.MetadataAgeSeconds = &secs
				r.Metadata = "fresh"
				if age > 3*srv.meta.interval {
					r.Metadata = "stale"
				}
			}
			if r.Metadata != "fresh" {
				ctx.SetStatusCode(fasthttp.StatusServiceUnavailable)
				r.Status = "unavailable"
			}
		}
		if st := a.store.Status(); st.Attempted() {
			r.LastReload, r.LastReloadTime = "ok", st.Time.UTC().Format(time.RFC3339)
			if !st.OK {
				r.LastReload = "failed"
				for _, p := range st.Problems {
					if p.Severity == config.Error && len(r.ReloadProblems) < maxReadyProblems {
						r.ReloadProblems = append(r.ReloadProblems, p.String())
					}
				}
			}
		}
		body, _ := json.Marshal(r)
		ctx.SetBody(body)
	case "/metrics":
		if a.metrics == nil {
			ctx.SetStatusCode(fasthttp.StatusNotFound)
			ctx.SetBodyString(`{"error":"metrics are not enabled","status":404}`)
			return
		}
		ctx.Response.Header.SetContentType("")
		a.metrics.handler(ctx)
	default:
		ctx.SetStatusCode(fasthttp.StatusNotFound)
		ctx.SetBodyString(`{"error":"not found","status":404}`)
	}
}

// reachable returns the first upstream node that answers GET / with esguard's credentials.
func (a *Admin) reachable(snap *config.Snapshot) (string, error) {
	var lastErr error
	for _, n := range snap.Config.Upstream.Nodes {
		u, err := url.Parse(n)
		if err != nil {
			lastErr = err
			continue
		}
		req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
		req.SetRequestURI(u.Scheme + "://" + u.Host + "/")
		if h := snap.UpstreamAuthorization(); h != "" {
			req.Header.Set(fasthttp.HeaderAuthorization, h)
		}
		err = a.client.DoTimeout(req, resp, 2*time.Second)
		ok := err == nil && resp.StatusCode() < 500
		fasthttp.ReleaseRequest(req)
		fasthttp.ReleaseResponse(resp)
		if ok {
			return n, nil
		}
		lastErr = err
	}
	if lastErr == nil {
		lastErr = errNoNode
	}
	return "", lastErr
}

var errNoNode = &HTTPError{Status: fasthttp.StatusServiceUnavailable, Reason: "no upstream node answered"}
