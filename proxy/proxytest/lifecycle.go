package proxytest

import (
	"crypto/tls"
	"net"
	"strings"
	"time"

	"github.com/valyala/fasthttp"
)

// Stop takes the node down: it stops listening, so new connections are refused until
// Start, closes idle keep-alive connections and lets requests in flight finish.
func (n *Node) Stop() {
	n.life.Lock()
	defer n.life.Unlock()
	if n.stopped {
		return
	}
	n.stopped = true
	_ = n.srv.Shutdown()
}

// Start brings a stopped node back on the same address; it fails when the address
// cannot be listened on again.
func (n *Node) Start() error {
	n.life.Lock()
	defer n.life.Unlock()
	if !n.stopped {
		return nil
	}
	addr := strings.TrimPrefix(strings.TrimPrefix(n.URL, "http://"), "https://")
	var ln net.Listener
	var err error
	for range 50 { // the old socket may linger for a moment
		if ln, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		return err
	}
	if n.tls != nil {
		ln = tls.NewListener(ln, n.tls)
	}
	n.ln, n.srv = ln, n.newServer()
	n.stopped = false
	go func(srv *fasthttp.Server) { _ = srv.Serve(ln) }(n.srv)
	return nil
}
