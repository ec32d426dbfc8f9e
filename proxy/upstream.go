package proxy

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/esguard/esguard/config"
	"github.com/valyala/bytebufferpool"
	"github.com/valyala/fasthttp"
)

// Upstream forwards requests to the cluster's nodes over keep-alive connection pools,
// round robin across the nodes that are up (health.go). A non-idempotent request is
// sent once and never retried, so it cannot be applied twice.
type Upstream struct {
	nodes []*node
	next  atomic.Uint64
}

type node struct {
	url    string
	host   string
	scheme string    // http or https: the scheme of the node, whatever the client used
	alerts *alertLog // TLS alerts from an https node
	hc     *fasthttp.HostClient
	// down is set when a health check or a request could not reach the node, and
	// cleared by the next health check that reaches it.
	down atomic.Bool
}

// NewUpstream builds a connection pool per configured node. tlsConf is the client TLS
// configuration of https nodes (config.Snapshot.UpstreamTLS); nil uses the system's
// roots.
func NewUpstream(cfg config.Upstream, tlsConf *tls.Config) (*Upstream, error) {
	u := &Upstream{}
	timeout := cfg.Timeout.Or(60 * time.Second)
	dial := &fasthttp.TCPDialer{}
	connectTimeout := cfg.ConnectTimeout.Or(5 * time.Second)
	for _, raw := range cfg.Nodes {
		p, err := url.Parse(raw)
		if err != nil {
			return nil, fmt.Errorf("proxy: upstream node %q: %w", raw, err)
		}
		addr := p.Host
		if p.Port() == "" {
			addr += ":9200" // Elasticsearch's port, for https nodes too
		}
		n := &node{url: raw, host: p.Host, scheme: p.Scheme}
		dialNode := func(a string) (net.Conn, error) {
			c, err := dial.DialTimeout(a, connectTimeout)
			if err != nil {
				return nil, err
			}
			return newLazyConn(c, timeout), nil
		}
		if p.Scheme == "https" {
			// The handshake happens in dialNode, so that it is bounded by the connect
			// timeout and the node's TLS alerts can be told apart from a closed
			// connection.
			n.alerts = new(alertLog)
			dialNode = dialTLS(dialNode, nodeTLSConfig(tlsConf, p.Hostname()), connectTimeout, n.alerts)
		}
		n.hc = &fasthttp.HostClient{
			Addr:                          addr,
			IsTLS:                         p.Scheme == "https",
			Dial:                          dialNode,
			Name:                          "esguard",
			NoDefaultUserAgentHeader:      true,
			MaxConns:                      cfg.MaxConnsPerNode,
			MaxIdleConnDuration:           30 * time.Second,
			MaxIdemponentCallAttempts:     1,
			RetryIfErr:                    func(*fasthttp.Request, int, error) (bool, bool) { return false, false },
			ReadTimeout:                   timeout,
			WriteTimeout:                  timeout,
			MaxConnWaitTimeout:            timeout,
			DisableHeaderNamesNormalizing: true,
			DisablePathNormalizing:        true,
			StreamResponseBody:            true,
		}
		u.nodes = append(u.nodes, n)
	}
	if len(u.nodes) == 0 {
		return nil, errors.New("proxy: no upstream nodes")
	}
	return u, nil
}

// pick returns the next node that is up, in round-robin order, other than skip. When
// every other node is down it still returns one of them (a node may be back before
// its next health check), skip only as the last resort.
func (u *Upstream) pick(skip *node) *node {
	n := uint64(len(u.nodes))
	start := u.next.Add(1) - 1
	var fallback *node
	for i := range n {
		c := u.nodes[(start+i)%n]
		switch {
		case c == skip:
		case !c.down.Load():
			return c
		case fallback == nil:
			fallback = c
		}
	}
	if fallback != nil {
		return fallback
	}
	return u.nodes[start%n]
}

// Do sends req to one node and reads the response into resp: whole when its length is
// known and at most wholeBodyLimit, otherwise the head only, the body streaming as the
// client reads it. A retryable (idempotent) request that could not reach its
// node, or whose connection broke before any answer, is sent once more to another
// node; any other request is sent exactly once. On failure it returns an *HTTPError
// naming the node.
func (u *Upstream) Do(req *fasthttp.Request, resp *fasthttp.Response, retryable bool) (string, *HTTPError) {
	n := u.pick(nil)
	err := n.do(req, resp)
	if err != nil && connectionFailure(err) {
		n.down.Store(true)
		if retryable && len(u.nodes) > 1 {
			n = u.pick(n)
			if err = n.do(req, resp); err != nil && connectionFailure(err) {
				n.down.Store(true)
			}
		}
	}
	if err == nil {
		if err = readWhole(resp); err == nil {
			return n.url, nil
		}
	}
	resp.Reset()
	switch {
	case errors.Is(err, fasthttp.ErrTimeout), errors.Is(err, fasthttp.ErrDialTimeout), errors.Is(err, fasthttp.ErrNoFreeConns),
		errors.Is(err, fasthttp.ErrTLSHandshakeTimeout):
		return n.url, errUpstream(fasthttp.StatusGatewayTimeout, "upstream node ["+n.url+"] did not answer in time", err)
	}
	return n.url, errUpstream(fasthttp.StatusBadGateway, "upstream node ["+n.url+"] failed: "+describe(err), err)
}

func (n *node) do(req *fasthttp.Request, resp *fasthttp.Response) error {
	req.Header.SetHost(n.host)
	// A request read from a TLS listener carries https; the HostClient wants the
	// node's own scheme.
	req.URI().SetScheme(n.scheme)
	err := n.hc.Do(req, resp)
	if err != nil {
		if n.alerts != nil && errors.Is(err, fasthttp.ErrConnectionClosed) {
			if alert := n.alerts.take(resp.LocalAddr()); alert != nil {
				err = alert
			}
		}
		resp.Reset()
	}
	return err
}

// wholeBodyLimit is the longest response body read whole before it is written to the
// client. Whole, it goes out in one write; streamed, fasthttp copies it through buffers
// of 4 KB, two system calls each, which doubles the cost of a 64 KB search response.
const wholeBodyLimit = 1 << 20

// readWhole reads resp's streamed body into resp when its length is known and at most
// wholeBodyLimit, so that it is sent in one piece, and releases the node's connection.
// It fails when the connection breaks before the whole body has arrived.
func readWhole(resp *fasthttp.Response) error {
	size := resp.Header.ContentLength()
	if !resp.IsBodyStream() || size < 0 || size > wholeBodyLimit {
		return nil
	}
	// Response.Body would put a read error's text in the body's place; BodyWriteTo
	// returns the error. The buffers go round: resp takes the one read into and gives
	// back its own, which the server's pool had from an earlier response.
	buf := wholeBodies.Get().(*bytebufferpool.ByteBuffer)
	buf.Reset() // a buffer given back after a failed read still holds its bytes
	if cap(buf.B) <= size {
		buf.B = make([]byte, 0, size+1)
	}
	err := resp.BodyWriteTo(buf)
	if err == nil && len(buf.B) != size {
		err = io.ErrUnexpectedEOF
	}
	if err == nil {
		buf.B = resp.SwapBody(buf.B)
	}
	wholeBodies.Put(buf)
	return err
}

// wholeBodies holds the buffers read into. (A bytebufferpool.Pool would size itself by
// the buffers' lengths at Put, and these come back empty.)
var wholeBodies = sync.Pool{New: func() any { return new(bytebufferpool.ByteBuffer) }}

// connectionFailure reports whether err means the node was not reached or dropped the
// connection without answering, as opposed to a timeout while it was working.
func connectionFailure(err error) bool {
	if errors.Is(err, fasthttp.ErrConnectionClosed) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return true
	}
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial" && !op.Timeout()
}

// describe gives a short, secret-free description of a transport error.
func describe(err error) string {
	var (
		oe     interface{ Timeout() bool }
		verify *tls.CertificateVerificationError
		record tls.RecordHeaderError
		op     *net.OpError
	)
	switch {
	case errors.As(err, &verify):
		// The node's certificate: unknown authority, wrong name, expired.
		return "TLS handshake failed: " + verify.Err.Error()
	case errors.As(err, &record):
		return "TLS handshake failed: the node did not answer in TLS"
	case errors.As(err, &op) && op.Op == "remote error":
		// A TLS alert from the node, for example when it refuses esguard's client
		// certificate or wants one.
		return "TLS handshake failed: the node refused it: " + op.Err.Error()
	case errors.As(err, &oe) && oe.Timeout():
		return "timeout"
	case errors.Is(err, fasthttp.ErrConnectionClosed):
		return "the connection was closed before a response arrived"
	}
	msg := err.Error()
	if len(msg) > 200 {
		msg = msg[:200]
	}
	return msg
}

// Close releases idle upstream connections.
func (u *Upstream) Close() {
	for _, n := range u.nodes {
		n.hc.CloseIdleConnections()
	}
}
