package routes

import (
	"errors"
	"testing"
)

// FuzzMatch checks that Match never panics, that a match has the request's method and
// a failure one of the documented errors, and that Match agrees with the transliteration
// of Elasticsearch's PathTrie and RestController in reference_test.go.
func FuzzMatch(f *testing.F) {
	for _, s := range [][2]string{
		{"GET", "/"}, {"PUT", "/_cluster"}, {"GET", "/logs/_search"}, {"GET", "//_search/"},
		{"DELETE", "/_search"}, {"OPTIONS", "/x"}, {"get", "/_cat"}, {"GET", "/a%2Fb"},
		{"GET", "/%zz/_doc/1"}, {"POST", "/a%25/_doc"}, {"GET", "/*/_alias/*"}, {"GET", "/_nodes/st%61ts"},
		{"GET", "/logs/_mvt/geo/1/2/3?x=1"}, {"HEAD", ""}, {"PATCH", "/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q"},
	} {
		f.Add(s[0], s[1])
	}
	tb := Default()
	tr := newESTrie(tb)
	f.Fuzz(func(t *testing.T, method, path string) {
		m, err := tb.Match(method, path)
		var mna *MethodNotAllowedError
		var bad *BadPathError
		switch {
		case err == nil:
			if m.Route == nil || m.Route.Method != method {
				t.Fatalf("Match(%q, %q) = %v", method, path, m.Route)
			}
			_, _ = m.Targets(func(string) (string, bool) { return path, true })
		case errors.Is(err, ErrUnknownRoute), errors.As(err, &mna), errors.As(err, &bad):
		default:
			t.Fatalf("Match(%q, %q): unexpected error %v", method, path, err)
		}
		if diff := compareWithES(tb, tr, method, path); diff != "" {
			t.Fatalf("Match(%q, %q): %s", method, path, diff)
		}
	})
}
