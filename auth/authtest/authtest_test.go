package authtest_test

import (
	"strings"
	"testing"

	"github.com/esguard/esguard/auth"
	"github.com/esguard/esguard/auth/authtest"
)

func TestHashAndHeaders(t *testing.T) {
	t.Parallel()
	h := authtest.Hash(t, "alice-pass")
	if !strings.HasPrefix(h, "$2a$04$") {
		t.Fatalf("Hash = %q; want a cost-4 bcrypt hash", h)
	}
	r, err := auth.NewFileRealm("file1", []auth.FileUser{{Username: "alice", Hash: h}}, auth.CacheOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cred, err := auth.ParseAuthorization(authtest.BasicHeader("alice", "alice-pass"))
	if err != nil {
		t.Fatal(err)
	}
	if id, err := r.Authenticate(t.Context(), cred); err != nil || id.Username != "alice" {
		t.Fatalf("Authenticate = %v, %v", id, err)
	}
	cred, err = auth.ParseAuthorization(authtest.APIKeyHeader("id1", "secret"))
	if err != nil || cred.Scheme != auth.SchemeAPIKey || cred.APIKeyID != "id1" || cred.APIKeySecret != "secret" {
		t.Fatalf("APIKeyHeader parsed as %+v, %v", cred, err)
	}
	cred, err = auth.ParseAuthorization(authtest.BearerHeader("a.b.c"))
	if err != nil || cred.Scheme != auth.SchemeBearer || cred.Token != "a.b.c" {
		t.Fatalf("BearerHeader parsed as %+v, %v", cred, err)
	}
}
