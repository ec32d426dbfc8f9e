package routes

import (
	"slices"
	"testing"
)

func TestSplitPath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, path string
		want       []string
	}{
		{"empty is the root", "", nil},
		{"slash is the root", "/", nil},
		{"slashes are the root", "///", nil},
		{"leading empty segment", "/_search", []string{"", "_search"}},
		{"trailing slash dropped", "/_search/", []string{"", "_search"}},
		{"trailing slashes dropped", "/a/b//", []string{"", "a", "b"}},
		{"interior empty kept", "//_search", []string{"", "", "_search"}},
		{"no leading slash", "a/b", []string{"a", "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf [maxSegments]string
			got, fits := splitPath(tt.path, &buf)
			if !fits || !slices.Equal(got, tt.want) {
				t.Errorf("splitPath(%q) = %q, %v; want %q", tt.path, got, fits, tt.want)
			}
		})
	}
	var buf [maxSegments]string
	long := "/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p"
	if _, fits := splitPath(long, &buf); fits {
		t.Errorf("splitPath(%q) fits %d segments", long, maxSegments)
	}
}

func TestDecodeComponent(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"a%2Cb", "a,b"},
		{"%2525", "%25"}, // decoded once
		{"a%%b", "a%b"},  // RestUtils.decode: "%%" -> "%"
		{"%%41", "%41"},
		{"a+b", "a+b"}, // plus is not a space in paths
		{"%C3%A9t%c3%a9", "été"},
		{"%3Clogs-%7Bnow%7D%3E", "<logs-{now}>"},
	}
	for _, tt := range tests {
		if reason := checkComponent(tt.in); reason != "" {
			t.Errorf("checkComponent(%q) = %q", tt.in, reason)
		}
		if got := decodeComponent(tt.in); got != tt.want {
			t.Errorf("decodeComponent(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCheckComponentRefusals(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"a%", "unterminated escape sequence at end of string: a%"},
		{"a%4", "partial escape sequence at end of string: a%4"},
		{"a%zz", "invalid escape sequence `%zz' at index 1 of: a%zz"},
		{"%4g1", "invalid escape sequence `%4g' at index 0 of: %4g1"},
		{"%C3", "path segment is not valid UTF-8 once decoded: %C3"},
		{"%C3%28", "path segment is not valid UTF-8 once decoded: %C3%28"},
		{"%FF", "path segment is not valid UTF-8 once decoded: %FF"},
		{"%ED%A0%80", "path segment is not valid UTF-8 once decoded: %ED%A0%80"}, // a surrogate
	}
	for _, tt := range tests {
		if got := checkComponent(tt.in); got != tt.want {
			t.Errorf("checkComponent(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
