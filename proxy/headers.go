package proxy

import (
	"bytes"

	"github.com/esguard/esguard/runas"
	"github.com/valyala/fasthttp"
)

// hopByHop are the headers that belong to one connection and are never forwarded
// (RFC 9110 section 7.6.1, and the list net/http/httputil.ReverseProxy uses).
var hopByHop = []string{
	"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate",
	"Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade",
}

// cleanRequestHeaders prepares a client request for the upstream. The order matters
// (Go issue 50580): first the headers named in Connection and the hop-by-hop headers,
// then the client's credentials, run-as header and run_as reason header (when
// configured), and only then esguard's own credentials and the delegated run-as user
// (when delegating), so a client sending "Connection: Authorization" cannot strip them.
func cleanRequestHeaders(h *fasthttp.RequestHeader, upstreamAuth, reasonHeader, runAsUser string) {
	for _, v := range h.PeekAll(fasthttp.HeaderConnection) {
		for tok := range bytes.SplitSeq(v, []byte{','}) {
			if tok = bytes.TrimSpace(tok); len(tok) > 0 {
				h.Del(string(tok))
			}
		}
	}
	for _, k := range hopByHop {
		h.Del(k)
	}
	h.Del(fasthttp.HeaderAuthorization)
	h.Del(runas.Header)
	if reasonHeader != "" {
		h.Del(reasonHeader)
	}
	if upstreamAuth != "" {
		h.Set(fasthttp.HeaderAuthorization, upstreamAuth)
	}
	if runAsUser != "" {
		h.Set(runas.Header, runAsUser)
	}
}

// cleanResponseHeaders removes the upstream connection's hop-by-hop headers from a
// response before it goes back to the client.
func cleanResponseHeaders(h *fasthttp.ResponseHeader) {
	for _, v := range h.PeekAll(fasthttp.HeaderConnection) {
		for tok := range bytes.SplitSeq(v, []byte{','}) {
			if tok = bytes.TrimSpace(tok); len(tok) > 0 && !bytes.EqualFold(tok, []byte("close")) && !bytes.EqualFold(tok, []byte("keep-alive")) {
				h.Del(string(tok))
			}
		}
	}
	for _, k := range hopByHop {
		if k != "Transfer-Encoding" {
			h.Del(k)
		}
	}
	h.ResetConnectionClose()
}
