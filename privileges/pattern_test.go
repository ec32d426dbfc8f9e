package privileges

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestValidatePattern(t *testing.T) {
	valid := []string{
		"", "*", "logs-*", "a?c", `\*literal`, `trailing\`, ".security-*",
		"/logs-[0-9]+/", "/.*/", "/@/", "/#/", "/()/", `/"quoted.name"/`, "/a{2,3}/", "/a{2,}/",
		"/(a|b)c/", `/\d+/`, `/[^a-c]x/`, `/a\&b/`, `/a\~b/`, "//", "/*abc/", "/a**/", "/[a-z0-9_]+/",
	}
	for _, p := range valid {
		if err := ValidatePattern(p); err != nil {
			t.Errorf("ValidatePattern(%q) = %v, want nil", p, err)
		}
	}
	invalid := []string{
		"/", "/abc", "/a&b/", "/~a/", "/a~(b)/", "/<1-5>/", "/<name>/", "/(a/", "/a)/", "/a{3,1}/", "/a{2000}/",
		"/[a-/", "/[ab/", `/\/`, "/\"open/", "\xff", "/a|/", `/[\D]/`, "/a{,3}/", "/(a|)b/",
	}
	for _, p := range invalid {
		err := ValidatePattern(p)
		var pe *PatternError
		if !errors.As(err, &pe) || pe.Pattern != p {
			t.Errorf("ValidatePattern(%q) = %v, want a *PatternError", p, err)
		}
	}
	err := ValidatePattern("/abc")
	if err == nil || !strings.Contains(err.Error(), "patterns starting with '/' indicate regular expression pattern and therefore must also end with '/'") {
		t.Errorf("unterminated regex error = %v", err)
	}
}

func TestNamePatternMatch(t *testing.T) {
	for _, tc := range []struct {
		pattern, name string
		want          bool
	}{
		{"*", "anything", true},
		{"*", "", true},
		{"logs-*", "logs-2024", true},
		{"logs-*", "logs-", true},
		{"logs-*", "log", false},
		{"logs-*-prod", "logs-a-b-prod", true},
		{"logs-*-prod", "logs-a-b-dev", false},
		{"log?", "logs", true},
		{"log?", "log", false},
		{"log?", "logé", true},
		{"log?", "logss", false},
		{`logs\*`, "logs*", true},
		{`logs\*`, "logsx", false},
		{`lo\gs`, "logs", true},
		{`a\`, `a\`, true},
		{"/logs-[0-9]+/", "logs-123", true},
		{"/logs-[0-9]+/", "logs-", false},
		{"/logs-[0-9]+/", "logs-12a", false},
		{"/logs-.*/", "logs-x", true},
		{"/logs-.*/", "xlogs-x", false},
		{"/.*/", "", true},
		{"/@/", "whatever", true},
		{"/#/", "", false},
		{"/()/", "", true},
		{"/()/", "a", false},
		{`/"a.b"/`, "a.b", true},
		{`/"a.b"/`, "axb", false},
		{"/a.b/", "axb", true},
		{"/(foo|bar)-[a-c]{2}/", "bar-ab", true},
		{"/(foo|bar)-[a-c]{2}/", "bar-ad", false},
		{"/[^.].*/", ".hidden", false},
		{"/[^.].*/", "visible", true},
		{`/\d{4}/`, "2024", true},
		{`/\w+/`, "a_B9", true},
		{`/\w+/`, "a-b", false},
		{`/\s/`, "\t", true},
		{`/\s/`, "\f", false},
		{"/a{2,}/", "aaaa", true},
		{"/a{2,}/", "a", false},
		{"/a?b/", "b", true},
		{"/*abc/", "*abc", true}, // Lucene reads a leading '*' as a literal
		{"/a**/", "aaa", true},
		{"/(|a)b/", "|ab", true}, // '|' at the start of a concatenation is a literal in Lucene
		{"/a|b/", "b", true},
		{"/a|b/", "ab", false},
		{"/.security.*/", ".security-7", true},
	} {
		np, err := compileNamePattern(tc.pattern)
		if err != nil {
			t.Errorf("compile %q: %v", tc.pattern, err)
			continue
		}
		if got := np.match(tc.name); got != tc.want {
			t.Errorf("%q matches %q = %v, want %v", tc.pattern, tc.name, got, tc.want)
		}
		var b nameSetBuilder
		b.add(&np)
		if got := b.build().match(tc.name); got != tc.want {
			t.Errorf("nameSet(%q) matches %q = %v, want %v", tc.pattern, tc.name, got, tc.want)
		}
	}
}

func TestRegexWildcardForm(t *testing.T) {
	for _, tc := range []struct {
		pattern string
		globs   []string // nil: no wildcard form (kept as a regexp)
	}{
		{"/logs-.*/", []string{"logs-*"}},
		{"/(logs|metrics)-.*/", []string{"logs-*", "metrics-*"}},
		{"/.{2,}x/", []string{"??*x"}},
		{"/a.?b/", []string{"ab", "a?b"}},
		{"/@/", []string{"*"}},
		{"/[ab]c/", []string{"ac", "bc"}},
		{"/logs-[0-9]+/", nil},
		{"/[^a]/", nil},
		{`/a\*/`, nil},
	} {
		np, err := compileNamePattern(tc.pattern)
		if err != nil {
			t.Fatal(err)
		}
		if tc.globs == nil {
			if np.re == nil {
				t.Errorf("%q: wildcard form %q, want a regexp", tc.pattern, np.globs)
			}
			continue
		}
		if np.re != nil || !slices.Equal(np.globs, tc.globs) {
			t.Errorf("%q: globs %q (re %v), want %q", tc.pattern, np.globs, np.re, tc.globs)
		}
	}
}

func TestGlobCovers(t *testing.T) {
	for _, tc := range []struct {
		granted, req string
		want         bool
	}{
		{"*", "anything*", true},
		{"logs-*", "logs-2024*", true},
		{"logs-*", "logs-*", true},
		{"logs-*", "log*", false},
		{"logs-*", "*", false},
		{"logs-*-prod", "logs-a*-prod", true},
		{"logs-*-prod", "logs-*", false},
		{"logs-?", "logs-?", true},
		{"logs-?", "logs-*", false},
		{"logs-*", "logs-?", true},
		{"*-prod", "app-*-prod", true},
		{"*-prod", "app-*", false},
		{"a*b*c", "a1*b2*c", true},
		{"a*b*c", "a*c", false},
		{"?*", "*?", false}, // equal languages, not proven: a safe false
	} {
		if got := globCovers(tc.granted, tc.req); got != tc.want {
			t.Errorf("globCovers(%q, %q) = %v, want %v", tc.granted, tc.req, got, tc.want)
		}
	}
}

func TestIsRestricted(t *testing.T) {
	for name, want := range map[string]bool{
		".security":                true,
		".security-7":              true,
		".security-8":              true,
		".security-tokens-7":       true,
		".security-profile-8":      true,
		".security-tokens":         true,
		".security-x":              false,
		".security_audit_log":      false,
		".tasks":                   true,
		".kibana":                  true,
		".kibana_8.15.0_001":       true,
		".kibana-event-log":        false,
		".fleet-actions":           true,
		".fleet-actions-7":         true,
		".fleet-actions-results":   true,
		".fleet-actions-results-x": false,
		".ds-.fleet-actions-results-2025.01.01-000001":          true,
		".fs-.fleet-actions-results-2025.01.01-000001":          true,
		".migrated-ds-.fleet-actions-results-2025.01.01-000001": true,
		".ds-logs-2025.01.01-000001":                            false,
		".workflows":                                            true,
		".workflows-state":                                      true,
		".workflows-events":                                     true,
		".workflows-events-x":                                   false,
		".workflows-execution-data-stream-logs":                 true,
		".fleet-policies":                                       true,
		".fleet-policies-7":                                     true,
		".fleet-policies-x":                                     false,
		".fleet-policies-leader-7":                              true,
		".inference":                                            true,
		".inference-alias":                                      true,
		".ml-anomalies-shared":                                  false,
		".ml-config":                                            true,
		".async-search":                                         true,
		".watches":                                              true,
		".synonyms":                                             true,
		".synonyms-2":                                           true,
		".geoip_databases":                                      true,
		"security":                                              false,
		"logs":                                                  false,
		".":                                                     false,
		"":                                                      false,
	} {
		if got := IsRestricted(name); got != want {
			t.Errorf("IsRestricted(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestMayNameRestricted(t *testing.T) {
	for _, tc := range []struct {
		pattern string
		hidden  bool
		want    bool
	}{
		{"*", false, false},
		{"*", true, true},
		{"?ecurity", true, true},
		{"logs-*", true, false},
		{".*", false, true},
		{".sec*", false, true},
		{".security-*", false, true},
		{".ds-logs-*", false, false},
		{".ds-*", false, true},
		{".kibana-event-log-*", false, false},
		{".kibana*", false, true},
		{".kibana_*", false, true},
		{".fleet-actions-results-*", false, true}, // the complement base ".fleet-actions" is a stem
		{".workflows-events*", false, true},
		{".my-app-*", false, false},
	} {
		if got := mayNameRestricted(tc.pattern, tc.hidden); got != tc.want {
			t.Errorf("mayNameRestricted(%q, %v) = %v, want %v", tc.pattern, tc.hidden, got, tc.want)
		}
	}
}

func TestPathologicalPatterns(t *testing.T) {
	for _, p := range []string{
		"/" + strings.Repeat("+", 200) + "x/",
		"/" + strings.Repeat("(a|b)?", 40) + "/",
		"/" + strings.Repeat("((a{5}){5}){5}", 3) + "/",
		"/(a{1000}){1000}/",
		"/" + strings.Repeat("(", 500) + "a" + strings.Repeat(")*", 500) + "/",
		strings.Repeat("*a", 200),
	} {
		start := time.Now()
		np, err := compileNamePattern(p)
		if err == nil {
			np.match(strings.Repeat("a", 300) + "b")
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%.40q took %v", p, d)
		}
	}
}
