package proxy_test

import (
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/esguard/esguard/proxy/proxytest"
	"go.yaml.in/yaml/v3"
)

// The corpus (testdata/corpus/*.yml) is shaped like Elasticsearch's security YAML REST
// tests: each file has a fixture of indices, aliases and data streams, roles and users,
// and cases that send one request through the running proxy to the fake node and state
// the decision and exactly what reached the cluster.

type corpusFile struct {
	Fixture struct {
		Indices []struct {
			Name       string   `yaml:"name"`
			Aliases    []string `yaml:"aliases"`
			Hidden     bool     `yaml:"hidden"`
			Closed     bool     `yaml:"closed"`
			System     bool     `yaml:"system"`
			DataStream string   `yaml:"data_stream"`
		} `yaml:"indices"`
		Aliases []struct {
			Name    string   `yaml:"name"`
			Indices []string `yaml:"indices"`
			Hidden  bool     `yaml:"hidden"`
		} `yaml:"aliases"`
		DataStreams []struct {
			Name           string   `yaml:"name"`
			BackingIndices []string `yaml:"backing_indices"`
			FailureIndices []string `yaml:"failure_indices"`
			Hidden         bool     `yaml:"hidden"`
		} `yaml:"data_streams"`
	} `yaml:"fixture"`
	Roles yaml.Node           `yaml:"roles"`
	Users map[string][]string `yaml:"users"`
	Cases []corpusCase        `yaml:"cases"`
}

type corpusCase struct {
	Name    string `yaml:"name"`
	User    string `yaml:"user"`
	Request struct {
		Method  string            `yaml:"method"`
		Path    string            `yaml:"path"` // path and query, as sent
		Body    string            `yaml:"body"`
		Headers map[string]string `yaml:"headers"`
	} `yaml:"request"`
	// Upstream is the fake node's answer, when the default will not do.
	Upstream *struct {
		Status int    `yaml:"status"`
		Body   string `yaml:"body"`
	} `yaml:"upstream"`
	Expect struct {
		Status int `yaml:"status"`
		// Forwarded is the request line (path and query) that must reach the cluster,
		// exactly once; empty means nothing may reach it.
		Forwarded string `yaml:"forwarded"`
		// ForwardedIndices, when set, is compared with the comma-separated first path
		// segment of the forwarded request, ignoring order.
		ForwardedIndices []string `yaml:"forwarded_indices"`
		ForwardedBody    *string  `yaml:"forwarded_body"`
		// ForwardedMatch is a regular expression the forwarded path and query must match.
		ForwardedMatch string `yaml:"forwarded_match"`
		// ForwardedBodyContains are substrings of the forwarded body, and
		// ForwardedBodyLacks substrings it must not hold.
		ForwardedBodyContains []string `yaml:"forwarded_body_contains"`
		ForwardedBodyLacks    []string `yaml:"forwarded_body_lacks"`
		// ErrorType and Reason (a substring) describe an error answer.
		ErrorType string `yaml:"error_type"`
		Reason    string `yaml:"reason"`
		// Body is a JSON document the answer must equal; Contains are substrings of it.
		Body     string   `yaml:"body"`
		Contains []string `yaml:"contains"`
	} `yaml:"expect"`
}

func TestCorpus(t *testing.T) {
	files, err := filepath.Glob("testdata/corpus/*.yml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus files: %v", err)
	}
	total := 0
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var cf corpusFile
		dec := yaml.NewDecoder(strings.NewReader(string(raw)))
		dec.KnownFields(true)
		if err := dec.Decode(&cf); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		total += len(cf.Cases)
		t.Run(strings.TrimSuffix(filepath.Base(file), ".yml"), func(t *testing.T) {
			runCorpusFile(t, &cf)
		})
	}
	t.Logf("%d corpus cases", total)
}

func runCorpusFile(t *testing.T, cf *corpusFile) {
	roles, err := yaml.Marshal(&cf.Roles)
	if err != nil {
		t.Fatal(err)
	}
	var cluster proxytest.Cluster
	for _, i := range cf.Fixture.Indices {
		cluster.Indices = append(cluster.Indices, proxytest.Index{Name: i.Name, Aliases: i.Aliases, Hidden: i.Hidden, Closed: i.Closed, System: i.System, DataStream: i.DataStream})
	}
	for _, a := range cf.Fixture.Aliases {
		cluster.Aliases = append(cluster.Aliases, proxytest.Alias{Name: a.Name, Indices: a.Indices, Hidden: a.Hidden})
	}
	for _, d := range cf.Fixture.DataStreams {
		cluster.DataStreams = append(cluster.DataStreams, proxytest.DataStream{Name: d.Name, BackingIndices: d.BackingIndices, FailureIndices: d.FailureIndices, Hidden: d.Hidden})
	}
	e := newEnv(t, envOptions{roles: string(roles), users: cf.Users, cluster: cluster})
	for _, c := range cf.Cases {
		t.Run(c.Name, func(t *testing.T) {
			e.node.Reset()
			if c.Upstream != nil {
				e.node.Answer(func(proxytest.Request) proxytest.Response {
					return proxytest.Response{Status: c.Upstream.Status, Body: c.Upstream.Body}
				})
			} else {
				e.node.Answer(proxytest.DefaultAnswer)
			}
			var headers []string
			for k, v := range c.Request.Headers {
				headers = append(headers, k, v)
			}
			method := c.Request.Method
			if method == "" {
				method = "GET"
			}
			r := e.call(t, method, c.Request.Path, c.User, c.Request.Body, headers...)
			checkCorpusCase(t, e, &c, r)
		})
	}
}

func checkCorpusCase(t *testing.T, e *env, c *corpusCase, r reply) {
	t.Helper()
	x := c.Expect
	if r.status != x.Status {
		t.Fatalf("status %d, want %d: %s", r.status, x.Status, r.body)
	}
	reqs := e.node.Requests()
	wantForward := x.Forwarded != "" || x.ForwardedIndices != nil || x.ForwardedBody != nil || x.ForwardedMatch != "" ||
		x.ForwardedBodyContains != nil || x.ForwardedBodyLacks != nil
	switch {
	case !wantForward && len(reqs) > 0:
		t.Fatalf("%d requests reached the cluster, want none: first %s %s", len(reqs), reqs[0].Method, reqs[0].URI)
	case wantForward && len(reqs) != 1:
		t.Fatalf("%d requests reached the cluster, want exactly one", len(reqs))
	}
	if wantForward {
		got := reqs[0]
		if x.Forwarded != "" && got.URI != x.Forwarded {
			if u, err := url.PathUnescape(got.URI); err != nil || u != x.Forwarded {
				t.Errorf("forwarded %s, want %s", got.URI, x.Forwarded)
			}
		}
		if x.ForwardedMatch != "" && !regexp.MustCompile(x.ForwardedMatch).MatchString(got.URI) {
			t.Errorf("forwarded %s, want a match of %s", got.URI, x.ForwardedMatch)
		}
		if x.ForwardedIndices != nil {
			first := strings.SplitN(strings.TrimPrefix(got.Path(), "/"), "/", 2)[0]
			first, _ = url.PathUnescape(first)
			names := strings.Split(first, ",")
			want := slices.Clone(x.ForwardedIndices)
			slices.Sort(names)
			slices.Sort(want)
			if !slices.Equal(names, want) {
				t.Errorf("forwarded indices %q (%s), want %q", names, got.URI, want)
			}
		}
		for _, sub := range x.ForwardedBodyContains {
			if !strings.Contains(string(got.Body), sub) {
				t.Errorf("forwarded body does not contain %q:\n%s", sub, got.Body)
			}
		}
		for _, sub := range x.ForwardedBodyLacks {
			if strings.Contains(string(got.Body), sub) {
				t.Errorf("forwarded body contains %q:\n%s", sub, got.Body)
			}
		}
		if x.ForwardedBody != nil && string(got.Body) != *x.ForwardedBody {
			t.Errorf("forwarded body\n%s\nwant\n%s", got.Body, *x.ForwardedBody)
		}
	}
	if x.ErrorType != "" || x.Reason != "" {
		typ, reason := r.esError(t)
		if x.ErrorType != "" && typ != x.ErrorType {
			t.Errorf("error type %q, want %q (%s)", typ, x.ErrorType, reason)
		}
		if !strings.Contains(reason, x.Reason) {
			t.Errorf("reason %q, want it to contain %q", reason, x.Reason)
		}
	}
	if x.Body != "" {
		var got, want any
		if err := json.Unmarshal([]byte(r.body), &got); err != nil {
			t.Fatalf("answer is not JSON: %v: %s", err, r.body)
		}
		if err := json.Unmarshal([]byte(x.Body), &want); err != nil {
			t.Fatalf("expected body is not JSON: %v", err)
		}
		gb, _ := json.Marshal(got)
		wb, _ := json.Marshal(want)
		if string(gb) != string(wb) {
			t.Errorf("answer\n%s\nwant\n%s", gb, wb)
		}
	}
	for _, s := range x.Contains {
		if !strings.Contains(r.body, s) {
			t.Errorf("answer does not contain %q: %s", s, r.body)
		}
	}
}
