package proxy

import (
	"context"
	"net"
	"net/url"
	"time"

	"github.com/esguard/esguard/config"
	"github.com/valyala/fasthttp"
)

// Admin serves esguard's own health endpoints on admin_listen, never on the client port.
type Admin struct {
	store  *config.Store
	srv    *fasthttp.Server
	client *fasthttp.Client
}

// NewAdmin builds the admin listener's server.
func NewAdmin(store *config.Store) *Admin {
	a := &Admin{store: store, client: &fasthttp.Client{ReadTimeout: 2 * time.Second, WriteTimeout: 2 * time.Second}}
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
		node, err := a.reachable(snap)
		if err != nil {
			ctx.SetStatusCode(fasthttp.StatusServiceUnavailable)
			ctx.SetBodyString(`{"status":"unavailable","config":"loaded","flavor":"` + snap.Flavor + `","upstream":"unreachable"}`)
			return
		}
		ctx.SetBodyString(`{"status":"ok","config":"loaded","flavor":"` + snap.Flavor + `","upstream":"` + node + `"}`)
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
