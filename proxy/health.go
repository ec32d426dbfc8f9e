package proxy

import (
	"context"
	"time"

	"github.com/esguard/esguard/config"
	"github.com/valyala/fasthttp"
)

// checkHealth starts the health checks configured in cfg (defaults: every 5s, 2s
// timeout) until ctx ends.
func (u *Upstream) checkHealth(ctx context.Context, cfg config.Upstream, auth func() string) {
	go u.RunHealthChecks(ctx, cfg.HealthCheckInterval.Or(5*time.Second), cfg.HealthCheckTimeout.Or(2*time.Second), auth)
}

// NodeHealth is what the health checks last found of one upstream node.
type NodeHealth struct {
	URL string `json:"url"`
	Up  bool   `json:"up"`
}

// Health returns the state of every node, in configuration order.
func (u *Upstream) Health() []NodeHealth {
	out := make([]NodeHealth, len(u.nodes))
	for i, n := range u.nodes {
		out[i] = NodeHealth{URL: n.url, Up: !n.down.Load()}
	}
	return out
}

// RunHealthChecks checks every node each interval until ctx ends: a node that answers
// GET / (any status below 500, with esguard's credentials from auth) is up, one that
// does not answer within timeout is down and receives no requests while another node
// is up. The first check runs one interval after the start, so a node is trusted until
// a check or a failed request says otherwise.
func (u *Upstream) RunHealthChecks(ctx context.Context, interval, timeout time.Duration, auth func() string) {
	checkers := make([]*fasthttp.HostClient, len(u.nodes))
	for i, n := range u.nodes {
		// A pool of its own, without streaming and with the check's timeouts, over the
		// same dialer and TLS settings as the node's forwarding pool.
		checkers[i] = &fasthttp.HostClient{
			Addr: n.hc.Addr, Dial: n.hc.Dial, IsTLS: n.hc.IsTLS, TLSConfig: n.hc.TLSConfig,
			Name: "esguard", NoDefaultUserAgentHeader: true, MaxConns: 1,
			ReadTimeout: timeout, WriteTimeout: timeout, MaxIdleConnDuration: 2 * interval,
		}
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			for _, c := range checkers {
				c.CloseIdleConnections()
			}
			return
		case <-t.C:
		}
		for i, n := range u.nodes {
			n.down.Store(!check(checkers[i], n, auth(), timeout))
		}
	}
}

// check sends GET / to node n through hc and reports whether it answered below 500.
func check(hc *fasthttp.HostClient, n *node, auth string, timeout time.Duration) bool {
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.SetRequestURI(n.scheme + "://" + n.host + "/")
	req.Header.Set("X-Opaque-Id", healthOpaqueID)
	if auth != "" {
		req.Header.Set(fasthttp.HeaderAuthorization, auth)
	}
	err := hc.DoTimeout(req, resp, timeout)
	return err == nil && resp.StatusCode() < 500
}

// healthOpaqueID marks esguard's health checks in the cluster's logs.
const healthOpaqueID = "esguard-health"
