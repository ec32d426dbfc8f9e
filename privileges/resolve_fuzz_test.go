package privileges

import (
	"strings"
	"testing"
)

// FuzzResolve checks that resolution never panics and never lets through a name the
// role set does not grant: every expression it keeps is a granted name, a wildcard the
// role set covers, or (without metadata) an exclusion left to Elasticsearch; every name
// a narrowed wildcard produced exists in the metadata.
func FuzzResolve(f *testing.F) {
	for _, s := range []string{
		"logs-*", "*", "_all", "", "logs-*,-logs-2", "-logs-1,*", ".h*", "app::failures", "a*::failures",
		"c1:logs", "<logs-{now/d}>", "secret-1,logs-1", "*,-*", "public-view", ".ds-app-2026.11.23-000001",
		"app::data", "x::y::z", ",,", "-", "*?", "logs-1,logs-1",
	} {
		f.Add(s, uint8(0))
		f.Add(s, uint8(255))
	}
	md := testMetadata()
	p, err := Compile(ES9(), []*RoleDescriptor{{Name: "r", Indices: []IndicesPrivileges{
		{Names: []string{"logs-1", "logs-2", "open-alias", "app", "hidden-*"}, Privileges: []string{"read"}},
		{Names: []string{"app"}, Privileges: []string{"read_failure_store"}},
	}, RemoteIndices: []RemoteIndicesPrivileges{{Clusters: []string{"c*"}, IndicesPrivileges: IndicesPrivileges{Names: []string{"logs-*"}, Privileges: []string{"read"}}}}}})
	if err != nil {
		f.Fatal(err)
	}
	const action = "indices:data/read/search"
	f.Fuzz(func(t *testing.T, expr string, flags uint8) {
		opts := IndicesOptions{
			ExpandOpen: flags&1 != 0, ExpandClosed: flags&2 != 0, ExpandHidden: flags&4 != 0,
			IgnoreUnavailable: flags&8 != 0, AllowNoIndices: flags&16 != 0, IgnoreAliases: flags&32 != 0,
		}
		var meta *Metadata
		if flags&64 != 0 {
			meta = md
		}
		req := ResolveRequest{Action: action, Expressions: strings.Split(expr, "/"), Options: opts,
			IncludeDataStreams: true, AllowRemote: flags&128 != 0, Literal: flags == 200,
			DateMath: func(string) (string, error) { return "logs-1", nil }}
		r, err := Resolve(p, meta, req)
		if err != nil || len(r.Denied) > 0 || r.NotFound != "" {
			return
		}
		for _, n := range r.Indices {
			name, sel, err := splitSelector(strings.TrimPrefix(n, "-"))
			if err != nil {
				t.Fatalf("kept an invalid expression %q from %q", n, expr)
			}
			switch {
			case strings.HasPrefix(n, "-") && meta == nil:
				// an exclusion only narrows
			case hasWildcard(name) || name == "_all":
				if !r.Narrowed || meta == nil {
					if !coversWithSelector(p, action, strings.ReplaceAll(name, "_all", "*"), sel, opts.ExpandHidden) && (opts.ExpandOpen || opts.ExpandClosed) && !req.Literal {
						t.Fatalf("forwarded the uncovered wildcard %q from %q (%+v)", n, expr, r)
					}
				}
			default:
				if !authorizedName(p, meta, action, name, sel) {
					t.Fatalf("forwarded the ungranted name %q from %q (%+v)", n, expr, r)
				}
				if r.Narrowed && meta != nil && hasWildcard(expr) {
					if _, ok := meta.Lookup(name); !ok && !strings.Contains(expr, name) {
						t.Fatalf("narrowed %q to %q, which the cluster does not have", expr, n)
					}
				}
			}
		}
		for _, rm := range r.Remote {
			if !strings.Contains(expr, rm) {
				t.Fatalf("remote %q not from %q", rm, expr)
			}
		}
	})
}
