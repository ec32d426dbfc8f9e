package privileges

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func testMetadata() *Metadata {
	return NewMetadata(
		[]IndexMeta{
			{Name: "logs-1"}, {Name: "logs-2"}, {Name: "logs-secret"},
			{Name: "logs-old", Closed: true},
			{Name: "metrics-1", Aliases: []string{"metrics"}},
			{Name: "secret-1", Aliases: []string{"open-alias"}},
			{Name: ".hidden-1", Hidden: true}, {Name: "hidden-2", Hidden: true},
			{Name: ".ds-app-2026.11.23-000001", Hidden: true, DataStream: "app"},
			{Name: ".fs-app-2026.11.23-000002", Hidden: true, DataStream: "app"},
			{Name: ".security-7", Hidden: true, System: true},
		},
		[]AliasMeta{{Name: "metrics", Indices: []string{"metrics-1"}}, {Name: "open-alias", Indices: []string{"secret-1"}}},
		[]DataStreamMeta{{Name: "app", BackingIndices: []string{".ds-app-2026.11.23-000001"}, FailureIndices: []string{".fs-app-2026.11.23-000002"}}},
	)
}

func testPermission(t *testing.T, groups ...IndicesPrivileges) *Permission {
	t.Helper()
	p, err := Compile(ES9(), []*RoleDescriptor{{Name: "r", Indices: groups}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestResolve(t *testing.T) {
	const search = "indices:data/read/search"
	md := testMetadata()
	logs := IndicesPrivileges{Names: []string{"logs-1", "logs-2", "logs-old", "open-alias", "app", "hidden-2", ".hidden-1"}, Privileges: []string{"read"}}
	open := IndicesOptions{ExpandOpen: true, AllowNoIndices: true}
	dm := func(e string) (string, error) {
		if e == "<logs-{now/d}>" {
			return "logs-1", nil
		}
		return "", errors.New("bad date math")
	}
	cases := []struct {
		name     string
		perm     []IndicesPrivileges
		exprs    []string
		opts     IndicesOptions
		remote   bool
		want     []string
		narrowed bool
		denied   []string
		noIdx    bool
		notFound string
		err      string
	}{
		{name: "name granted", exprs: []string{"logs-1"}, want: []string{"logs-1"}},
		{name: "name denied", exprs: []string{"logs-1,secret-1"}, denied: []string{"secret-1"}, want: []string{"logs-1"}, narrowed: true},
		{name: "name dropped with ignore_unavailable", exprs: []string{"logs-1,secret-1"}, opts: IndicesOptions{ExpandOpen: true, IgnoreUnavailable: true}, want: []string{"logs-1"}, narrowed: true},
		{name: "wildcard narrowed", exprs: []string{"logs-*"}, want: []string{"logs-1", "logs-2"}, narrowed: true},
		{name: "wildcard closed", exprs: []string{"logs-*"}, opts: IndicesOptions{ExpandOpen: true, ExpandClosed: true}, want: []string{"logs-1", "logs-2", "logs-old"}, narrowed: true},
		{name: "wildcard covered stays", perm: []IndicesPrivileges{{Names: []string{"logs-*"}, Privileges: []string{"read"}}}, exprs: []string{"logs-*"}, want: []string{"logs-*"}},
		{name: "all narrowed", exprs: nil, want: []string{"app", "logs-1", "logs-2", "open-alias"}, narrowed: true},
		{name: "_all narrowed", exprs: []string{"_all"}, want: []string{"app", "logs-1", "logs-2", "open-alias"}, narrowed: true},
		{name: "all hidden", exprs: []string{"*"}, opts: IndicesOptions{ExpandOpen: true, ExpandHidden: true}, want: []string{".ds-app-2026.11.23-000001", ".hidden-1", "app", "hidden-2", "logs-1", "logs-2", "open-alias"}, narrowed: true},
		{name: "dot wildcard matches hidden dot names", exprs: []string{".h*"}, want: []string{".hidden-1"}, narrowed: true},
		{name: "exclusion", exprs: []string{"logs-*,-logs-2"}, want: []string{"logs-1"}, narrowed: true},
		{name: "exclusion wildcard", exprs: []string{"*", "-logs-*"}, want: []string{"app", "open-alias"}, narrowed: true},
		{name: "names kept once", exprs: []string{"logs-*", "logs-1", "*"}, want: []string{"logs-1", "logs-2", "app", "open-alias"}, narrowed: true},
		{name: "name then wildcard", exprs: []string{"logs-1", "logs-*"}, want: []string{"logs-1", "logs-2"}, narrowed: true},
		{name: "excluded then named again", exprs: []string{"*", "-logs-1", "logs-1"}, want: []string{"app", "logs-2", "open-alias", "logs-1"}, narrowed: true},
		{name: "all excluded then named", exprs: []string{"logs-*", "-logs-*", "logs-2", "logs-*"}, want: []string{"logs-2", "logs-1"}, narrowed: true},
		{name: "exclusion before wildcard is a name", exprs: []string{"-logs-1,logs-*"}, denied: []string{"-logs-1"}, want: []string{"logs-1", "logs-2"}, narrowed: true},
		{name: "order matters", exprs: []string{"-logs-1", "*"}, opts: IndicesOptions{ExpandOpen: true, IgnoreUnavailable: true, AllowNoIndices: true}, want: []string{"app", "logs-1", "logs-2", "open-alias"}, narrowed: true},
		{name: "nothing left", exprs: []string{"nomatch-*"}, noIdx: true, narrowed: true},
		{name: "nothing left strict", exprs: []string{"nomatch-*"}, opts: IndicesOptions{ExpandOpen: true}, notFound: "nomatch-*", narrowed: true},
		{name: "alias is not its index", exprs: []string{"secret-1"}, denied: []string{"secret-1"}, narrowed: true},
		{name: "index is not its alias", exprs: []string{"metrics"}, perm: []IndicesPrivileges{{Names: []string{"metrics-1"}, Privileges: []string{"read"}}}, denied: []string{"metrics"}, narrowed: true},
		{name: "alias granted", exprs: []string{"open-alias"}, want: []string{"open-alias"}},
		{name: "backing index through data stream", exprs: []string{".ds-app-2026.11.23-000001"}, want: []string{".ds-app-2026.11.23-000001"}, narrowed: true},
		{name: "failure index needs failures privilege", exprs: []string{".fs-app-2026.11.23-000002"}, denied: []string{".fs-app-2026.11.23-000002"}, narrowed: true},
		{name: "failures selector denied with read", exprs: []string{"app::failures"}, denied: []string{"app::failures"}, narrowed: true},
		{name: "failures selector granted", perm: []IndicesPrivileges{{Names: []string{"app"}, Privileges: []string{"read_failure_store"}}}, exprs: []string{"app::failures"}, want: []string{"app::failures"}, narrowed: true},
		{name: "failures selector wildcard", perm: []IndicesPrivileges{{Names: []string{"app"}, Privileges: []string{"read_failure_store"}}}, exprs: []string{"a*::failures"}, want: []string{"app::failures"}, narrowed: true},
		{name: "read_failure_store grants no data", perm: []IndicesPrivileges{{Names: []string{"app"}, Privileges: []string{"read_failure_store"}}}, exprs: []string{"app"}, denied: []string{"app"}, narrowed: true},
		{name: "bad selector", exprs: []string{"app::nope"}, err: "not a recognized selector"},
		{name: "date math", exprs: []string{"<logs-{now/d}>"}, want: []string{"logs-1"}, narrowed: true},
		{name: "date math error", exprs: []string{"<x>"}, err: "bad date math"},
		{name: "restricted needs allow", perm: []IndicesPrivileges{{Names: []string{"*"}, Privileges: []string{"read"}}}, exprs: []string{".security-7"}, denied: []string{".security-7"}, narrowed: true},
		{name: "restricted not expanded", perm: []IndicesPrivileges{{Names: []string{"*"}, Privileges: []string{"read"}}}, exprs: []string{".*"}, want: []string{".ds-app-2026.11.23-000001", ".hidden-1"}, narrowed: true},
		{name: "remote refused here", exprs: []string{"c1:logs"}, err: "Cross-cluster calls are not supported"},
		{name: "remote without privilege", exprs: []string{"c1:logs"}, remote: true, denied: []string{"c1:logs"}, narrowed: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			perm := c.perm
			if perm == nil {
				perm = []IndicesPrivileges{logs}
			}
			opts := c.opts
			if opts == (IndicesOptions{}) {
				opts = open
			}
			p := testPermission(t, perm...)
			r, err := Resolve(p, md, ResolveRequest{Action: search, Expressions: c.exprs, Options: opts, IncludeDataStreams: true, AllowRemote: c.remote, DateMath: dm})
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err = %v, want %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(r.Indices, c.want) || r.Narrowed != c.narrowed || !slices.Equal(r.Denied, c.denied) || r.NoIndices != c.noIdx || r.NotFound != c.notFound {
				t.Fatalf("got %+v\nwant indices=%q narrowed=%v denied=%q noIndices=%v notFound=%q", r, c.want, c.narrowed, c.denied, c.noIdx, c.notFound)
			}
		})
	}
}

func TestResolveRemote(t *testing.T) {
	p, err := Compile(ES9(), []*RoleDescriptor{{Name: "r", RemoteIndices: []RemoteIndicesPrivileges{{Clusters: []string{"eu-*"}, IndicesPrivileges: IndicesPrivileges{Names: []string{"logs-*"}, Privileges: []string{"read"}}}}}})
	if err != nil {
		t.Fatal(err)
	}
	for expr, ok := range map[string]bool{"eu-1:logs-1": true, "eu-*:logs-*": true, "us-1:logs-1": false, "eu-1:secret": false, "*:logs-1": false} {
		r, err := Resolve(p, nil, ResolveRequest{Action: "indices:data/read/search", Expressions: []string{expr}, Options: IndicesOptions{ExpandOpen: true}, AllowRemote: true})
		if err != nil {
			t.Fatal(err)
		}
		if got := len(r.Denied) == 0 && slices.Equal(r.Remote, []string{expr}); got != ok {
			t.Errorf("%s: granted=%v, want %v (%+v)", expr, got, ok, r)
		}
	}
}

func TestResolveWithoutMetadata(t *testing.T) {
	p := testPermission(t, IndicesPrivileges{Names: []string{"logs-*"}, Privileges: []string{"read"}})
	opts := IndicesOptions{ExpandOpen: true, AllowNoIndices: true}
	for _, c := range []struct {
		exprs  []string
		denied []string
	}{
		{[]string{"logs-*"}, nil},
		{[]string{"logs-*,-logs-2"}, nil},
		{[]string{"*"}, []string{"*"}},
		{[]string{"_all"}, []string{"_all"}},
		{nil, []string{"_all"}},
		{[]string{"logs-1,other"}, []string{"other"}},
		{[]string{"<logs-{now/d}>"}, []string{"<logs-{now/d}>"}},
	} {
		r, err := Resolve(p, nil, ResolveRequest{Action: "indices:data/read/search", Expressions: c.exprs, Options: opts})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(r.Denied, c.denied) {
			t.Errorf("%q: denied %q, want %q", c.exprs, r.Denied, c.denied)
		}
	}
}

func TestMetadataMatching(t *testing.T) {
	md := testMetadata()
	if got := md.Matching("logs-*"); !slices.Equal(got, []string{"logs-1", "logs-2", "logs-old", "logs-secret"}) {
		t.Errorf("logs-*: %q", got)
	}
	if got := md.Matching("*-alias"); !slices.Equal(got, []string{"open-alias"}) {
		t.Errorf("*-alias: %q", got)
	}
	if got := (*Metadata)(nil).Matching("*"); got != nil {
		t.Errorf("nil metadata: %q", got)
	}
}
