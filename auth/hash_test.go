package auth

import (
	"crypto/hmac"
	"crypto/sha512"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// refPBKDF2 is PBKDF2-HMAC-SHA512 written out from RFC 8018 section 5.2, independent
// of the implementation under test.
func refPBKDF2(password, salt []byte, iter, keyLen int) []byte {
	var out []byte
	for block := uint32(1); len(out) < keyLen; block++ {
		mac := hmac.New(sha512.New, password)
		mac.Write(salt)
		mac.Write(binary.BigEndian.AppendUint32(nil, block))
		u := mac.Sum(nil)
		t := append([]byte(nil), u...)
		for i := 1; i < iter; i++ {
			mac = hmac.New(sha512.New, password)
			mac.Write(u)
			u = mac.Sum(nil)
			for j := range t {
				t[j] ^= u[j]
			}
		}
		out = append(out, t...)
	}
	return out[:keyLen]
}

// esPBKDF2 builds a hash the way Hasher.getPbkdf2Hash does.
func esPBKDF2(stretch bool, password string, salt []byte, iter, keyLen int) string {
	prefix := "{PBKDF2}"
	if stretch {
		prefix = "{PBKDF2_STRETCH}"
		sum := sha512.Sum512([]byte(password))
		password = hex.EncodeToString(sum[:])
	}
	key := refPBKDF2([]byte(password), salt, iter, keyLen)
	return prefix + strconv.Itoa(iter) + "$" + base64.StdEncoding.EncodeToString(salt) + "$" + base64.StdEncoding.EncodeToString(key)
}

func TestVerifyKnownHashes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, hash, password string
		want                 bool
	}{
		// From Elasticsearch's HasherTests.testBcryptFromExternalSources (the cheaper ones).
		{"bcrypt 2a", "$2a$06$aQVRp5ajsIn3fzx2MnXKy.KlhxFLHaCOh8jSElqCtmYFbRkmTy..C", "https://bcrypt-generator.com/", true},
		{"bcrypt 2b", "$2b$09$OLrfKSXQJxohtFnkU.VZCO1gKywaTSFi4KPHqhuyY3qetAbI8v6/S", "NjJmOWRmMjJmODEyZmQ1NjFhNWVmZmIwOWMwNjk4MmMK", true},
		{"bcrypt 2b wrong", "$2b$09$OLrfKSXQJxohtFnkU.VZCO1gKywaTSFi4KPHqhuyY3qetAbI8v6/S", "nJjMowrMmJjModeYzMq1nJfHnwvMzMiWowmWnJK4mMmk", false},
		{"bcrypt 2y", "$2y$10$flKBxak./o.7Hql0il/98ejdZyob67TmPhHbRy3qOnMtCBosAVSRy", "php", true},
		{"bcrypt 2y wrong", "$2y$10$flKBxak./o.7Hql0il/98ejdZyob67TmPhHbRy3qOnMtCBosAVSRy", "PHP", false},
		// From Elasticsearch's PasswordHashAndBootstrpPwdIntegTests (autoconfiguration.password_hash).
		{"pbkdf2 stretch es", "{PBKDF2_STRETCH}1000$JnmgicthPZkczB8MaQeJiV6IX43h7mSfPSzESqnYYSA=$OZKH5XFNK+M65mcKal6zgugWRcpl6wUXmSQZ6hPy+iw=", "password1", true},
		{"pbkdf2 stretch es wrong", "{PBKDF2_STRETCH}1000$JnmgicthPZkczB8MaQeJiV6IX43h7mSfPSzESqnYYSA=$OZKH5XFNK+M65mcKal6zgugWRcpl6wUXmSQZ6hPy+iw=", "password", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h, err := parseHash(tc.hash)
			if err != nil {
				t.Fatalf("parseHash: %v", err)
			}
			if got := h.verify(tc.password); got != tc.want {
				t.Fatalf("verify = %v; want %v", got, tc.want)
			}
		})
	}
}

func TestPBKDF2Generated(t *testing.T) {
	t.Parallel()
	salt32 := []byte("0123456789abcdef0123456789abcdef")
	tests := []struct {
		name     string
		stretch  bool
		password string
		salt     []byte
		iter     int
		keyLen   int
	}{
		{"plain 1000", false, "changeme", salt32, 1000, 32},
		{"plain 10000", false, "s3cr3t-pässwörd", salt32, 10000, 32},
		{"plain short salt", false, "x", []byte("12345678"), 1000, 32},
		{"plain 16 byte key", false, "x", salt32, 1000, 16},
		{"plain 64 byte key", false, "x", salt32, 1000, 64},
		{"plain 80 byte key (two blocks)", false, "x", salt32, 1000, 80},
		{"stretch 1000", true, "changeme", salt32, 1000, 32},
		{"stretch 10000", true, "long password with spaces and ✓", salt32, 10000, 32},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			hash := esPBKDF2(tc.stretch, tc.password, tc.salt, tc.iter, tc.keyLen)
			if err := CheckHash(hash); err != nil {
				t.Fatalf("CheckHash(%s): %v", hash, err)
			}
			h, _ := parseHash(hash)
			if !h.verify(tc.password) {
				t.Fatalf("verify(%q) against %s = false", tc.password, hash)
			}
			if h.verify(tc.password + "x") {
				t.Fatalf("verify of a wrong password against %s = true", hash)
			}
		})
	}
	// Unpadded salt, as Java's decoder allows.
	hash := esPBKDF2(false, "pw", []byte("0123456789"), 1000, 32)
	parts := strings.Split(hash, "$")
	parts[1] = strings.TrimRight(parts[1], "=")
	if h, err := parseHash(strings.Join(parts, "$")); err != nil || !h.verify("pw") {
		t.Fatalf("unpadded salt: %v", err)
	}
}

func TestCheckHash(t *testing.T) {
	t.Parallel()
	salt := base64.StdEncoding.EncodeToString([]byte("0123456789abcdef"))
	key := base64.StdEncoding.EncodeToString(make([]byte, 32))
	tests := []struct {
		name string
		hash string
		want error // nil, ErrUnsupportedHash or ErrMalformedHash
	}{
		{"bcrypt 2a", "$2a$10$1oZj.8KmlwiCy4DWKvDH3OU0Ko4WRF4FknyvCh3j/ZtaRCNYA6Xzm", nil},
		{"bcrypt 2b", "$2b$12$0313KXrdhWp6HLREsKxW/OWJQCxy2uYprv44b8MBk6dOj3PY6WSFG", nil},
		{"bcrypt 2y", "$2y$10$flKBxak./o.7Hql0il/98ejdZyob67TmPhHbRy3qOnMtCBosAVSRy", nil},
		{"bcrypt cost 4", "$2a$04$GwJtIQiGMHASEYphMiCpjeZh1cDyYC5U.DKfNKa4i/y0IbOvc2LiG", nil},
		{"pbkdf2", "{PBKDF2}10000$UrwrHBY4GA1na9KxRpoFkUiICTeZe+mMZCZOg6bRSLc=$1Wl32wRQ9Q3Sv1IFoNwgSrUa5YifLv0MoxAO6leyip8=", nil},
		{"pbkdf2 1000000", "{PBKDF2}1000000$UuyhtjDEzWmE2wyY80akZKPWWpy2r2X50so41YML82U=$WFasYLelqbjQwt3EqFlUcwHiC38EZC45Iu/Iz0xL1GQ=", nil},
		{"pbkdf2 stretch", "{PBKDF2_STRETCH}10000$8M9+Ww0xkdY250CROEutsd8UP6CrJESw7ZAFu1NGORo=$ai0gxBPtHTfZU/nbNGwL5zjC+eo2/ANQM17L/tllVeo=", nil},

		{"empty", "", ErrMalformedHash},
		{"plain text", "changeme", ErrUnsupportedHash},
		{"sha1", "{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=", ErrUnsupportedHash},
		{"md5", "{MD5}X03MO1qnZdYdgyfeuILPmQ==", ErrUnsupportedHash},
		{"ssha256", "{SSHA256}abcdefghijklmnop", ErrUnsupportedHash},
		{"bcrypt 2x", "$2x$10$1oZj.8KmlwiCy4DWKvDH3OU0Ko4WRF4FknyvCh3j/ZtaRCNYA6Xzm", ErrUnsupportedHash},
		{"bcrypt no minor", "$2$10$1oZj.8KmlwiCy4DWKvDH3OU0Ko4WRF4FknyvCh3j/ZtaRCNYA6Xzm", ErrUnsupportedHash},
		{"bcrypt short", "$2a$10$1oZj.8KmlwiCy4DWKvDH3OU0Ko4WRF4FknyvCh3j/ZtaRCNYA6Xz", ErrMalformedHash},
		{"bcrypt long", "$2a$10$1oZj.8KmlwiCy4DWKvDH3OU0Ko4WRF4FknyvCh3j/ZtaRCNYA6Xzmm", ErrMalformedHash},
		{"bcrypt cost 3", "$2a$03$1oZj.8KmlwiCy4DWKvDH3OU0Ko4WRF4FknyvCh3j/ZtaRCNYA6Xzm", ErrMalformedHash},
		{"bcrypt cost 32", "$2a$32$1oZj.8KmlwiCy4DWKvDH3OU0Ko4WRF4FknyvCh3j/ZtaRCNYA6Xzm", ErrMalformedHash},
		{"bcrypt cost letters", "$2a$1x$1oZj.8KmlwiCy4DWKvDH3OU0Ko4WRF4FknyvCh3j/ZtaRCNYA6Xzm", ErrMalformedHash},
		{"bcrypt bad alphabet", "$2a$10$1oZj+8KmlwiCy4DWKvDH3OU0Ko4WRF4FknyvCh3j/ZtaRCNYA6Xzm", ErrMalformedHash},
		{"pbkdf2 no parts", "{PBKDF2}10000", ErrMalformedHash},
		{"pbkdf2 two parts", "{PBKDF2}10000$" + salt, ErrMalformedHash},
		{"pbkdf2 four parts", "{PBKDF2}10000$" + salt + "$" + key + "$x", ErrMalformedHash},
		{"pbkdf2 iterations text", "{PBKDF2}ten$" + salt + "$" + key, ErrMalformedHash},
		{"pbkdf2 iterations sign", "{PBKDF2}+10000$" + salt + "$" + key, ErrMalformedHash},
		{"pbkdf2 iterations leading zero", "{PBKDF2}010000$" + salt + "$" + key, ErrMalformedHash},
		{"pbkdf2 iterations not es", "{PBKDF2}20000$" + salt + "$" + key, ErrUnsupportedHash},
		{"pbkdf2 salt short", "{PBKDF2}10000$" + base64.StdEncoding.EncodeToString([]byte("1234567")) + "$" + key, ErrMalformedHash},
		{"pbkdf2 salt bad", "{PBKDF2}10000$!!!!$" + key, ErrMalformedHash},
		{"pbkdf2 key unpadded", "{PBKDF2}10000$" + salt + "$" + strings.TrimRight(key, "="), ErrMalformedHash},
		{"pbkdf2 key 20 bytes", "{PBKDF2}10000$" + salt + "$" + base64.StdEncoding.EncodeToString(make([]byte, 20)), ErrMalformedHash},
		{"pbkdf2 key empty", "{PBKDF2}10000$" + salt + "$", ErrMalformedHash},
		{"pbkdf2 lower case prefix", "{pbkdf2}10000$" + salt + "$" + key, ErrUnsupportedHash},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := CheckHash(tc.hash)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("CheckHash: %v", err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("CheckHash = %v; want %v", err, tc.want)
			}
			if len(tc.hash) > 8 && strings.Contains(err.Error(), tc.hash) {
				t.Fatalf("error quotes the hash: %v", err)
			}
		})
	}
}

func TestHashPassword(t *testing.T) {
	t.Parallel()
	h, err := HashPassword([]byte("correct horse"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$2a$04$") || len(h) != 60 {
		t.Fatalf("HashPassword = %q; want a $2a$04$ bcrypt hash", h)
	}
	if err := CheckHash(h); err != nil {
		t.Fatalf("CheckHash(HashPassword()): %v", err)
	}
	p, _ := parseHash(h)
	if !p.verify("correct horse") || p.verify("correct horse ") {
		t.Fatal("HashPassword round trip failed")
	}
	for _, cost := range []int{-1, 1, 3, 32} {
		if _, err := HashPassword([]byte("x"), cost); err == nil {
			t.Errorf("HashPassword(cost %d) succeeded", cost)
		}
	}
	if _, err := HashPassword(make([]byte, 73), bcrypt.MinCost); !errors.Is(err, bcrypt.ErrPasswordTooLong) {
		t.Errorf("HashPassword(73 bytes) = %v; want ErrPasswordTooLong", err)
	}
}

func TestHashPasswordDefaultCost(t *testing.T) {
	if testing.Short() {
		t.Skip("bcrypt at the default cost")
	}
	t.Parallel()
	h, err := HashPassword([]byte("x"), 0)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$2a$10$") {
		t.Fatalf("HashPassword(cost 0) = %q; want cost 10", h)
	}
}

func TestDummyHash(t *testing.T) {
	t.Parallel()
	for _, p := range []hashParams{
		{alg: algBcrypt, cost: 4},
		{alg: algPBKDF2, cost: 1000, saltN: 32, keyLen: 32},
		{alg: algPBKDF2Stretch, cost: 1000, saltN: 16, keyLen: 64},
	} {
		d := dummyHash(p)
		if got := d.params(); got != p {
			t.Errorf("dummyHash(%+v).params() = %+v", p, got)
		}
		if p.alg == algBcrypt {
			if err := CheckHash(string(d.bcrypt)); err != nil {
				t.Errorf("dummy bcrypt hash does not parse: %v", err)
			}
		}
		for _, pw := range []string{"", "x", "password"} {
			if d.verify(pw) {
				t.Errorf("dummy %+v verifies %q", p, pw)
			}
		}
	}
}
