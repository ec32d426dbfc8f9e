package proxy_test

import (
	"encoding/base64"
	"testing"

	"github.com/valyala/fasthttp"
)

// BenchmarkProxiedSearch measures a whole granted search through esguard (cached basic
// credentials, routing, authorization, forwarding, audit) next to the same request sent
// straight to the fake node, so the two can be compared as a ratio in one run.
func BenchmarkProxiedSearch(b *testing.B) {
	e := newEnv(b, envOptions{})
	e.node.Discard()
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte("alice:alice-pass"))
	for _, target := range []struct{ name, url string }{{"direct", e.node.URL}, {"esguard", e.url}} {
		b.Run(target.name, func(b *testing.B) { benchSearches(b, target.url+"/logs-1/_search", auth) })
	}
}

// benchSearches sends GET url with the Authorization header (none when empty) from
// parallel clients, failing on anything but 200.
func benchSearches(b *testing.B, url, authorization string) {
	c := &fasthttp.Client{}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
		defer fasthttp.ReleaseRequest(req)
		defer fasthttp.ReleaseResponse(resp)
		for pb.Next() {
			req.SetRequestURI(url)
			req.Header.SetMethod("GET")
			if authorization != "" {
				req.Header.Set("Authorization", authorization)
			}
			if err := c.Do(req, resp); err != nil {
				b.Error(err)
				return
			}
			if resp.StatusCode() != 200 {
				b.Errorf("status %d: %s", resp.StatusCode(), resp.Body())
				return
			}
		}
	})
}
