// Package authtest provides helpers for tests that need esguard credentials: cheap
// bcrypt hashes and Authorization header values.
//
// It may import auth and the standard library's testing; it is never imported by
// non-test code.
package authtest

import (
	"encoding/base64"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/esguard/esguard/auth"
)

// Hash returns a bcrypt hash of password at bcrypt.MinCost, so tests stay fast. It fails
// the test if hashing fails.
func Hash(t testing.TB, password string) string {
	t.Helper()
	h, err := auth.HashPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatalf("authtest.Hash: %v", err)
	}
	return h
}

// BasicHeader returns the Authorization header value for basic credentials.
func BasicHeader(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

// APIKeyHeader returns the Authorization header value for an API key (id and secret).
func APIKeyHeader(id, secret string) string {
	return "ApiKey " + base64.StdEncoding.EncodeToString([]byte(id+":"+secret))
}

// BearerHeader returns the Authorization header value for a bearer token.
func BearerHeader(token string) string {
	return "Bearer " + token
}
