// Command bareproxy is the floor of the load benchmark (bench/run.sh): the least a
// fasthttp reverse proxy with authentication does. It checks HTTP basic credentials
// against one fixed user and password (401 otherwise) and forwards every other request
// unchanged to one backend over keep-alive connections. No routing, no authorization,
// no logging.
package main

import (
	"bytes"
	"crypto/subtle"
	"encoding/base64"
	"flag"
	"log"
	"time"

	"github.com/valyala/fasthttp"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:19201", "address to listen on")
	backend := flag.String("backend", "127.0.0.1:19200", "backend host:port")
	user := flag.String("user", "bench", "the one accepted user name")
	password := flag.String("password", "", "the user's password (required)")
	flag.Parse()
	if *password == "" {
		log.Fatal("bareproxy: -password is required")
	}

	p := &proxy{
		want: []byte(*user + ":" + *password),
		client: &fasthttp.HostClient{
			Addr:                   *backend,
			MaxConns:               1024,
			MaxIdleConnDuration:    time.Minute,
			ReadTimeout:            60 * time.Second,
			WriteTimeout:           60 * time.Second,
			DisablePathNormalizing: true,
		},
	}
	srv := &fasthttp.Server{
		Handler:               p.handle,
		NoDefaultServerHeader: true,
		MaxRequestBodySize:    100 << 20,
		ReadTimeout:           60 * time.Second,
		WriteTimeout:          120 * time.Second,
		IdleTimeout:           120 * time.Second,
	}
	log.Printf("bareproxy: listening on %s, forwarding to %s", *listen, *backend)
	if err := srv.ListenAndServe(*listen); err != nil {
		log.Fatalf("bareproxy: %v", err)
	}
}

type proxy struct {
	want   []byte // "user:password"
	client *fasthttp.HostClient
}

func (p *proxy) handle(ctx *fasthttp.RequestCtx) {
	if !p.authorized(ctx.Request.Header.Peek("Authorization")) {
		ctx.Response.Header.Set("WWW-Authenticate", `Basic realm="bench" charset="UTF-8"`)
		ctx.Error("unauthorized", fasthttp.StatusUnauthorized)
		return
	}
	// Connection is hop-by-hop: the server decides keep-alive with the client, the
	// HostClient with the backend.
	ctx.Request.Header.Del("Connection")
	if err := p.client.Do(&ctx.Request, &ctx.Response); err != nil {
		ctx.Response.Reset()
		ctx.Error("bad gateway", fasthttp.StatusBadGateway)
		return
	}
	ctx.Response.Header.Del("Connection")
}

// authorized reports whether header holds basic credentials equal to the configured
// user and password. The decoded credentials are compared in constant time.
func (p *proxy) authorized(header []byte) bool {
	const prefix = "basic "
	if len(header) <= len(prefix) || !bytes.EqualFold(header[:len(prefix)], []byte(prefix)) {
		return false
	}
	encoded := bytes.TrimSpace(header[len(prefix):])
	var buf [512]byte
	if base64.StdEncoding.DecodedLen(len(encoded)) > len(buf) {
		return false
	}
	n, err := base64.StdEncoding.Decode(buf[:], encoded)
	if err != nil {
		return false
	}
	return subtle.ConstantTimeCompare(buf[:n], p.want) == 1
}
