package auth

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func TestParseAuthorization(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		header string
		want   Credentials
		reason string // non-empty: a FailureMalformed with this reason
	}{
		{name: "empty", header: "", want: Credentials{}},
		{name: "only spaces", header: "  \t ", want: Credentials{}},
		{name: "basic", header: "Basic " + b64("alice:secret"), want: Credentials{Scheme: SchemeBasic, Username: "alice", Password: "secret"}},
		{name: "basic lower case", header: "basic " + b64("alice:secret"), want: Credentials{Scheme: SchemeBasic, Username: "alice", Password: "secret"}},
		{name: "basic upper case", header: "BASIC " + b64("alice:secret"), want: Credentials{Scheme: SchemeBasic, Username: "alice", Password: "secret"}},
		{name: "basic extra spaces", header: "  Basic \t " + b64("alice:secret") + "  ", want: Credentials{Scheme: SchemeBasic, Username: "alice", Password: "secret"}},
		{name: "basic password with colons", header: "Basic " + b64("alice:a:b:c"), want: Credentials{Scheme: SchemeBasic, Username: "alice", Password: "a:b:c"}},
		{name: "basic empty password", header: "Basic " + b64("alice:"), want: Credentials{Scheme: SchemeBasic, Username: "alice"}},
		{name: "basic unpadded", header: "Basic " + strings.TrimRight(b64("alice:secre"), "="), want: Credentials{Scheme: SchemeBasic, Username: "alice", Password: "secre"}},
		{name: "basic unicode", header: "Basic " + b64("jösé:pässwörd✓"), want: Credentials{Scheme: SchemeBasic, Username: "jösé", Password: "pässwörd✓"}},
		{name: "basic control in password", header: "Basic " + b64("alice:a\tb\x00"), want: Credentials{Scheme: SchemeBasic, Username: "alice", Password: "a\tb\x00"}},
		{name: "basic long", header: "Basic " + b64("alice:"+strings.Repeat("p", 500)), want: Credentials{Scheme: SchemeBasic, Username: "alice", Password: strings.Repeat("p", 500)}},
		{name: "apikey", header: "ApiKey " + b64("VuaCfGcBCdbkQm-e5aOx:ui2lp2axTNmsyakw9tvNnw"), want: Credentials{Scheme: SchemeAPIKey, APIKeyID: "VuaCfGcBCdbkQm-e5aOx", APIKeySecret: "ui2lp2axTNmsyakw9tvNnw"}},
		{name: "apikey case", header: "APIKEY " + b64("id:key"), want: Credentials{Scheme: SchemeAPIKey, APIKeyID: "id", APIKeySecret: "key"}},
		{name: "bearer", header: "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.sig-_", want: Credentials{Scheme: SchemeBearer, Token: "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.sig-_"}},
		{name: "bearer case", header: "bEaReR dGVzdA==", want: Credentials{Scheme: SchemeBearer, Token: "dGVzdA=="}},

		{name: "basic no value", header: "Basic", reason: reasonBasicValue},
		{name: "basic blank value", header: "Basic   ", reason: reasonBasicValue},
		{name: "basic bad base64", header: "Basic !!!!", reason: reasonBasicEncoding},
		{name: "basic url-safe base64", header: "Basic " + base64.URLEncoding.EncodeToString([]byte("a:\xfb\xff")), reason: reasonBasicEncoding},
		{name: "basic space inside", header: "Basic YWxp Y2U6c2VjcmV0", reason: reasonBasicEncoding},
		{name: "basic no colon", header: "Basic " + b64("alice"), reason: reasonBasicValue},
		{name: "basic empty user", header: "Basic " + b64(":secret"), reason: reasonEmptyUser},
		{name: "basic control in user", header: "Basic " + b64("al\x00ice:secret"), reason: reasonUserChars},
		{name: "basic newline in user", header: "Basic " + b64("al\nice:secret"), reason: reasonUserChars},
		{name: "basic C1 control in user", header: "Basic " + b64("al\u0085ice:secret"), reason: reasonUserChars},
		{name: "basic invalid utf8", header: "Basic " + b64("alice:\xff\xfe"), reason: reasonUTF8},
		{name: "basic no space", header: "Basic" + b64("alice:secret"), reason: reasonScheme},
		{name: "apikey no value", header: "ApiKey ", reason: reasonAPIKeyValue},
		{name: "apikey no colon", header: "ApiKey " + b64("idkey"), reason: reasonAPIKeyValue},
		{name: "apikey empty id", header: "ApiKey " + b64(":key"), reason: reasonAPIKeyValue},
		{name: "apikey bad base64", header: "ApiKey %%%", reason: reasonAPIKeyValue},
		{name: "bearer no value", header: "Bearer", reason: reasonBearerValue},
		{name: "bearer two parts", header: "Bearer abc def", reason: reasonBearerValue},
		{name: "unknown scheme", header: "Digest username=\"a\"", reason: reasonScheme},
		{name: "negotiate", header: "Negotiate YIIB", reason: reasonScheme},
		{name: "control in header", header: "Basic YWxp\x01Y2U6c2VjcmV0", reason: reasonHeaderChars},
		{name: "newline in header", header: "Bearer abc\r\nX-Evil: 1", reason: reasonHeaderChars},
		{name: "non-ascii in header", header: "Bearer tökén", reason: reasonHeaderChars},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseAuthorization(tc.header)
			if tc.reason != "" {
				var f *Failure
				if !errors.As(err, &f) {
					t.Fatalf("ParseAuthorization(%q) = %+v, %v; want a *Failure", tc.header, got, err)
				}
				if f.Kind != FailureMalformed || f.Reason != tc.reason {
					t.Fatalf("ParseAuthorization(%q) failure = %+v; want malformed %q", tc.header, f, tc.reason)
				}
				if got != (Credentials{}) {
					t.Fatalf("ParseAuthorization(%q) returned credentials %+v with an error", tc.header, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseAuthorization(%q): %v", tc.header, err)
			}
			if got != tc.want {
				t.Fatalf("ParseAuthorization(%q) = %+v; want %+v", tc.header, got, tc.want)
			}
		})
	}
}

func TestMalformedErrorHasNoSecret(t *testing.T) {
	t.Parallel()
	for _, h := range []string{
		"Basic " + b64("alice:hunter2\xff"),
		"Basic " + b64(":hunter2"),
		"Basic " + b64("a\x00:hunter2"),
		"ApiKey " + b64(":hunter2"),
		"Bearer hunter2 hunter2",
		"Weird hunter2",
	} {
		_, err := ParseAuthorization(h)
		if err == nil {
			t.Fatalf("ParseAuthorization(%q) succeeded", h)
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Fatalf("error for %q leaks the secret: %v", h, err)
		}
	}
}

func TestCredentialsPrincipal(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		c    Credentials
		want string
	}{
		{Credentials{}, ""},
		{Credentials{Scheme: SchemeBasic, Username: "alice", Password: "x"}, "alice"},
		{Credentials{Scheme: SchemeAPIKey, APIKeyID: "id", APIKeySecret: "x"}, "id"},
		{Credentials{Scheme: SchemeBearer, Token: "x"}, ""},
	} {
		if got := tc.c.Principal(); got != tc.want {
			t.Errorf("%+v.Principal() = %q; want %q", tc.c, got, tc.want)
		}
	}
}

func TestSchemeString(t *testing.T) {
	t.Parallel()
	for s, want := range map[Scheme]string{SchemeNone: "", SchemeBasic: "Basic", SchemeAPIKey: "ApiKey", SchemeBearer: "Bearer"} {
		if got := s.String(); got != want {
			t.Errorf("Scheme(%d).String() = %q; want %q", s, got, want)
		}
	}
}

func FuzzParseAuthorization(f *testing.F) {
	for _, s := range []string{
		"", "Basic " + b64("alice:secret"), "basic " + b64("a:b:c"), "ApiKey " + b64("id:key"),
		"Bearer x.y.z", "Basic", "Basic !!", "Digest x", "Basic " + b64(":x"), "Basic " + b64("a\x00:x"),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		c, err := ParseAuthorization(header)
		if err != nil {
			var fl *Failure
			if !errors.As(err, &fl) || fl.Kind != FailureMalformed {
				t.Fatalf("ParseAuthorization(%q): unexpected error %v", header, err)
			}
			if c != (Credentials{}) {
				t.Fatalf("credentials with an error: %+v", c)
			}
			return
		}
		switch c.Scheme {
		case SchemeNone:
			if strings.Trim(header, " \t") != "" {
				t.Fatalf("ParseAuthorization(%q) = SchemeNone", header)
			}
		case SchemeBasic:
			if c.Username == "" || hasControl(c.Username) || strings.Contains(c.Username, ":") {
				t.Fatalf("bad user name %q from %q", c.Username, header)
			}
			// Re-encoding parses back to the same credentials.
			again, err := ParseAuthorization("Basic " + b64(c.Username+":"+c.Password))
			if err != nil || again != c {
				t.Fatalf("round trip of %+v = %+v, %v", c, again, err)
			}
		case SchemeAPIKey:
			if c.APIKeyID == "" || strings.Contains(c.APIKeyID, ":") {
				t.Fatalf("bad API key id %q from %q", c.APIKeyID, header)
			}
		case SchemeBearer:
			if c.Token == "" || strings.ContainsAny(c.Token, " \t\r\n") {
				t.Fatalf("bad token %q from %q", c.Token, header)
			}
		}
	})
}
