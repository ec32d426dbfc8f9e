package auth

import (
	"fmt"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

func benchRealm(b *testing.B, cost, users int, opts CacheOptions) *FileRealm {
	b.Helper()
	hash, err := HashPassword([]byte("alice-pass"), cost)
	if err != nil {
		b.Fatal(err)
	}
	us := make([]FileUser, users)
	for i := range us {
		us[i] = FileUser{Username: fmt.Sprintf("user%d", i), Hash: hash, Roles: []string{"logs_reader"}}
	}
	us[0].Username = "alice"
	r, err := NewFileRealm("file1", us, opts)
	if err != nil {
		b.Fatal(err)
	}
	return r
}

// BenchmarkFileRealmCacheHit is the hot path: credentials verified before.
func BenchmarkFileRealmCacheHit(b *testing.B) {
	r := benchRealm(b, bcrypt.MinCost, 1, CacheOptions{})
	ctx := b.Context()
	cred := basic("alice", "alice-pass")
	if _, err := r.Authenticate(ctx, cred); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Authenticate(ctx, cred); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFileRealmCacheHitParallel is the hot path from many goroutines, with one
// user (one shard, the worst case for lock contention) and with many.
func BenchmarkFileRealmCacheHitParallel(b *testing.B) {
	for _, users := range []int{1, 64} {
		b.Run(fmt.Sprintf("users=%d", users), func(b *testing.B) {
			r := benchRealm(b, bcrypt.MinCost, users, CacheOptions{})
			ctx := b.Context()
			creds := make([]Credentials, users)
			for i := range creds {
				name := fmt.Sprintf("user%d", i)
				if i == 0 {
					name = "alice"
				}
				creds[i] = basic(name, "alice-pass")
				if _, err := r.Authenticate(ctx, creds[i]); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					if _, err := r.Authenticate(ctx, creds[i%len(creds)]); err != nil {
						b.Error(err)
						return
					}
					i++
				}
			})
		})
	}
}

// BenchmarkFileRealmBcrypt is a cache miss: every request verifies the hash.
func BenchmarkFileRealmBcrypt(b *testing.B) {
	for _, cost := range []int{bcrypt.MinCost, bcrypt.DefaultCost} {
		b.Run(fmt.Sprintf("cost=%d", cost), func(b *testing.B) {
			r := benchRealm(b, cost, 1, CacheOptions{TTL: -1})
			ctx := b.Context()
			cred := basic("alice", "alice-pass")
			b.ReportAllocs()
			for b.Loop() {
				if _, err := r.Authenticate(ctx, cred); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkPBKDF2 is a cache miss against Elasticsearch's default PBKDF2 hash.
func BenchmarkPBKDF2(b *testing.B) {
	h, err := parseHash(esPBKDF2(false, "alice-pass", []byte("0123456789abcdef0123456789abcdef"), 10000, 32))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if !h.verify("alice-pass") {
			b.Fatal("no match")
		}
	}
}

func BenchmarkParseAuthorization(b *testing.B) {
	for _, tc := range []struct{ name, header string }{
		{"basic", "Basic " + b64("alice:alice-pass")},
		{"basic-long", "Basic " + b64("service-account-ingest:"+fmt.Sprintf("%064d", 7))},
		{"apikey", "ApiKey " + b64("VuaCfGcBCdbkQm-e5aOx:ui2lp2axTNmsyakw9tvNnw")},
		{"bearer", "Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ParseAuthorization(tc.header); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkHeaderToIdentity is what the proxy does per request: parse the header and
// run the chain, with the credentials cached.
func BenchmarkHeaderToIdentity(b *testing.B) {
	r := benchRealm(b, bcrypt.MinCost, 1, CacheOptions{})
	c := NewChain(r)
	ctx := b.Context()
	header := "Basic " + b64("alice:alice-pass")
	run := func() error {
		cred, err := ParseAuthorization(header)
		if err != nil {
			return err
		}
		_, err = c.Authenticate(ctx, cred)
		return err
	}
	if err := run(); err != nil {
		b.Fatal(err)
	}
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := run(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := run(); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}
