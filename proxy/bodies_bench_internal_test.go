package proxy

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/esguard/esguard/auth/authtest"
	"github.com/esguard/esguard/config"
	"github.com/esguard/esguard/routes/bodies"
	"github.com/esguard/esguard/runas"
	"github.com/rs/zerolog"
	"github.com/valyala/fasthttp"
)

// BenchmarkBulkAuthorization authorizes a 10 MB _bulk body of 20,000 items (create,
// index, update and delete; one item in ten on a refused index) through the proxy's own
// pipeline, stopping where the granted items would be forwarded: the figure is the cost
// of scanning, deciding, auditing and building the forwarded body.
func BenchmarkBulkAuthorization(b *testing.B) {
	dir := b.TempDir()
	files := map[string]string{
		"roles.yml":   "writer:\n  indices: [{names: [\"logs-*\"], privileges: [create_doc, delete]}]\n",
		"users.yml":   "w:\n  password_hash: \"" + authtest.Hash(b, "w-pass") + "\"\n  roles: [writer]\n",
		"esguard.yml": "listen: 127.0.0.1:0\nupstream: {nodes: [\"http://127.0.0.1:1\"]}\nroles: [roles.yml]\nusers: users.yml\n",
	}
	for name, content := range files {
		if err := os.WriteFile(dir+"/"+name, []byte(content), 0o600); err != nil {
			b.Fatal(err)
		}
	}
	snap, problems := config.Load(dir + "/esguard.yml")
	if snap == nil {
		b.Fatal(problems)
	}
	var body bytes.Buffer
	source := `{"@timestamp":"2026-11-23T10:00:00Z","message":"` + strings.Repeat("x", 620) + `"}` + "\n"
	ops := []string{"create", "index", "update", "delete"}
	for i := range 20000 {
		op, index := ops[i%4], "logs-1"
		if i%10 == 9 {
			index = "secret"
		}
		fmt.Fprintf(&body, `{"%s":{"_index":"%s","_id":"%d"}}`+"\n", op, index, i)
		if op != "delete" {
			body.WriteString(source)
		}
	}
	audit, _ := OpenAudit("")
	s := &Server{store: config.NewStore(snap), audit: audit, log: zerolog.Nop(), dry: &dryRun{}}
	var err error
	if s.binder, err = newBinderFor(snap, s.log); err != nil {
		b.Fatal(err)
	}
	id, _ := snap.Realms.Lookup(b.Context(), "w")
	b.SetBytes(int64(body.Len()))
	b.ReportAllocs()
	for b.Loop() {
		var ctx fasthttp.RequestCtx
		ctx.Request.Header.SetMethod("POST")
		ctx.Request.SetRequestURI("/_bulk")
		ctx.Request.SetBody(body.Bytes())
		x := &exchange{snap: snap, method: "POST", subject: runas.Subject{Authenticated: id, Effective: id}, roles: id.Roles}
		if herr := x.readURI(&ctx); herr != nil {
			b.Fatal(herr)
		}
		if herr := s.decide(&ctx, x); herr != nil {
			b.Fatal(herr)
		}
		if s.dry.forwarded == nil {
			b.Fatal("nothing forwarded")
		}
	}
}

// BenchmarkBulkGranted authorizes the body of bench/run.sh's bulk scenario (500 index
// items over five daily indices, about 100 KB, every item granted by a write /regex/ among
// 200 patterns) through the proxy's own pipeline, stopping where the body would be
// forwarded (which copies it once, for the record).
func BenchmarkBulkGranted(b *testing.B) {
	dir := b.TempDir()
	var roles strings.Builder
	for r := range 10 {
		fmt.Fprintf(&roles, "role%02d:\n  indices:\n    - names: [", r)
		for i := range 19 {
			if i > 0 {
				roles.WriteString(", ")
			}
			fmt.Fprintf(&roles, "\"team%02d-svc%d-*\"", r, i)
		}
		roles.WriteString("]\n      privileges: [read]\n")
		re := fmt.Sprintf("/tmp-%02d-[0-9]+/", r)
		if r == 5 {
			re = `/logs-2026\.0[1-4]\.[0-9]{2}/`
		}
		fmt.Fprintf(&roles, "    - names: ['%s']\n      privileges: [write]\n", re)
	}
	files := map[string]string{
		"roles.yml":   roles.String(),
		"users.yml":   "w:\n  password_hash: \"" + authtest.Hash(b, "w-pass") + "\"\n  roles: [role00, role01, role02, role03, role04, role05, role06, role07, role08, role09]\n",
		"esguard.yml": "listen: 127.0.0.1:0\nupstream: {nodes: [\"http://127.0.0.1:1\"]}\nroles: [roles.yml]\nusers: users.yml\n",
	}
	for name, content := range files {
		if err := os.WriteFile(dir+"/"+name, []byte(content), 0o600); err != nil {
			b.Fatal(err)
		}
	}
	snap, problems := config.Load(dir + "/esguard.yml")
	if snap == nil {
		b.Fatal(problems)
	}
	var body bytes.Buffer
	pad := strings.Repeat("x", 96)
	for i := range 500 {
		fmt.Fprintf(&body, `{"index":{"_index":"logs-2026.01.%02d","_id":"bench-%d"}}`+"\n", i%5+1, i)
		fmt.Fprintf(&body, `{"@timestamp":"2026-01-01T00:00:00Z","host":"web-01","level":"info","message":"GET /api/v1/orders/%d 200","bytes":%d,"trace":"%s"}`+"\n", i, 1000+i, pad)
	}
	audit, _ := OpenAudit("")
	s := &Server{store: config.NewStore(snap), audit: audit, log: zerolog.Nop(), dry: &dryRun{}}
	var err error
	if s.binder, err = newBinderFor(snap, s.log); err != nil {
		b.Fatal(err)
	}
	id, _ := snap.Realms.Lookup(b.Context(), "w")
	var ctx fasthttp.RequestCtx
	b.SetBytes(int64(body.Len()))
	b.ReportAllocs()
	for b.Loop() {
		ctx.Request.Reset()
		ctx.Response.Reset()
		ctx.Request.Header.SetMethod("POST")
		ctx.Request.SetRequestURI("/_bulk")
		ctx.Request.SetBody(body.Bytes())
		x := &exchange{snap: snap, method: "POST", subject: runas.Subject{Authenticated: id, Effective: id}, roles: id.Roles}
		if herr := x.readURI(&ctx); herr != nil {
			b.Fatal(herr)
		}
		if herr := s.decide(&ctx, x); herr != nil {
			b.Fatal(herr)
		}
		if s.dry.forwarded == nil || len(s.dry.forwarded.Body) != body.Len() {
			b.Fatal("the body was not forwarded whole")
		}
	}
}

// FuzzBulkForwardsOnlyGranted runs arbitrary _bulk bodies through the pipeline (without
// a cluster) and checks that the forwarded body holds only items the role grants: every
// forwarded item is re-read and decided again.
func FuzzBulkForwardsOnlyGranted(f *testing.F) {
	for _, s := range []string{
		"{\"create\":{\"_index\":\"logs-1\"}}\n{}\n{\"index\":{\"_index\":\"logs-1\"}}\n{}\n",
		"{\"delete\":{\"_index\":\"secret\",\"_id\":\"1\"}}\n{\"create\":{\"_index\":\"logs-2\",\"_id\":\"2\"}}\n{\"a\":1}\n",
		"{\"index\":{\"_index\":\"logs-1\",\"op_type\":\"create\"}}\n{}\n",
		"{\"update\":{\"_index\":\"logs-1\",\"_id\":\"1\"}}\n{\"doc\":{}}\n",
		"\n\n{\"create\":{}}\n{}\n",
	} {
		f.Add(s)
	}
	dir := f.TempDir()
	files := map[string]string{
		"roles.yml":   "writer:\n  indices: [{names: [\"logs-*\"], privileges: [create_doc]}]\n",
		"users.yml":   "w:\n  password_hash: \"" + authtest.Hash(f, "w-pass") + "\"\n  roles: [writer]\n",
		"esguard.yml": "listen: 127.0.0.1:0\nupstream: {nodes: [\"http://127.0.0.1:1\"]}\nroles: [roles.yml]\nusers: users.yml\n",
	}
	for name, content := range files {
		if err := os.WriteFile(dir+"/"+name, []byte(content), 0o600); err != nil {
			f.Fatal(err)
		}
	}
	snap, problems := config.Load(dir + "/esguard.yml")
	if snap == nil {
		f.Fatal(problems)
	}
	perm, err := snap.Permission([]string{"writer"})
	if err != nil {
		f.Fatal(err)
	}
	audit, _ := OpenAudit("")
	id, _ := snap.Realms.Lookup(context.Background(), "w")
	f.Fuzz(func(t *testing.T, body string) {
		s := &Server{store: config.NewStore(snap), audit: audit, log: zerolog.Nop(), dry: &dryRun{}}
		s.binder, _ = newBinderFor(snap, s.log)
		var ctx fasthttp.RequestCtx
		ctx.Request.Header.SetMethod("POST")
		ctx.Request.SetRequestURI("/_bulk")
		ctx.Request.SetBody([]byte(body))
		x := &exchange{snap: snap, method: "POST", subject: runas.Subject{Authenticated: id, Effective: id}, roles: id.Roles}
		if herr := x.readURI(&ctx); herr != nil {
			t.Fatal(herr)
		}
		if herr := s.decide(&ctx, x); herr != nil || s.dry.forwarded == nil {
			return
		}
		fwd := []byte(s.dry.forwarded.Body)
		n := 0
		err := bodies.ScanBulk(fwd, "", func(it bodies.BulkItem) error {
			n++
			if !perm.Index(bulkItemAction(it.Op), it.Index) {
				t.Fatalf("forwarded %s on [%s], which the role does not grant, from %q", it.Op, it.Index, body)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("the forwarded body does not scan: %v\n%q from %q", err, fwd, body)
		}
		if n == 0 {
			t.Fatalf("an empty body was forwarded from %q", body)
		}
	})
}
