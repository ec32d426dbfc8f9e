package privileges

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// expandWildcardScan is the reference for expandWildcard: every name that starts with
// the pattern's literal prefix is matched, checked for visibility and decided by
// authorizedName, one by one, in the metadata's order.
func expandWildcardScan(p *Permission, md *Metadata, req ResolveRequest, pattern string, sel selector) []string {
	var out []string
	for _, a := range md.withPrefix(literalPrefix(pattern)) {
		if !globMatch(pattern, a.Name) || !visible(a, pattern, req, sel) {
			continue
		}
		if !authorizedName(p, md, req.Action, a.Name, sel) {
			continue
		}
		out = append(out, withSelector(a.Name, sel))
	}
	return out
}

// narrowStems start the random names: shared stems make prefixes, wildcards and
// regexes of the roles land on several names, and the dot names reach hidden,
// restricted and reserved names.
var narrowStems = []string{
	"a", "ab", "abc", "b", "logs-", "logs-app-", "logs-web-", "metrics-", "team-1-", "team-10-", "team-7-",
	"web-", "api-", ".hidden-", ".kibana_", ".kibana", ".security-", ".security-7", ".tasks", ".esguard-",
	".ds-", ".fs-", ".ml-config", ".workflows", ".fleet-actions-results", "x",
}

type narrowGen struct {
	r     *rand.Rand
	names []string // every name created so far, for literal patterns and expressions
}

func (g *narrowGen) pick(s []string) string { return s[g.r.IntN(len(s))] }

func (g *narrowGen) chance(percent int) bool { return g.r.IntN(100) < percent }

func (g *narrowGen) name() string {
	var b strings.Builder
	for range 1 + g.r.IntN(2) {
		b.WriteString(g.pick(narrowStems))
	}
	if g.chance(80) {
		fmt.Fprintf(&b, "%d", g.r.IntN(30))
	}
	n := b.String()
	g.names = append(g.names, n)
	return n
}

// known returns a name seen before, or a new one.
func (g *narrowGen) known() string {
	if len(g.names) == 0 || g.chance(15) {
		return g.name()
	}
	return g.pick(g.names)
}

// prefixOf returns a prefix of a known name (possibly empty or the whole name).
func (g *narrowGen) prefixOf() string {
	n := g.known()
	return n[:g.r.IntN(len(n)+1)]
}

func (g *narrowGen) metadata() *Metadata {
	var (
		indices []IndexMeta
		aliases []AliasMeta
		streams []DataStreamMeta
	)
	for range g.r.IntN(300) {
		ix := IndexMeta{Name: g.name(), Hidden: g.chance(20), Closed: g.chance(15), System: g.chance(5)}
		if g.chance(5) {
			ix.DataStream = g.known() // a parent that may not exist, or not be a data stream
		}
		indices = append(indices, ix)
	}
	for range g.r.IntN(8) {
		ds := DataStreamMeta{Name: g.name(), Hidden: g.chance(20)}
		for i := range 1 + g.r.IntN(5) {
			b := fmt.Sprintf(".ds-%s-%06d", ds.Name, i)
			if g.chance(20) {
				b = g.known() // an ordinary index claimed as backing index
			} else {
				indices = append(indices, IndexMeta{Name: b, Hidden: true, Closed: g.chance(10), DataStream: ds.Name})
			}
			ds.BackingIndices = append(ds.BackingIndices, b)
		}
		if g.chance(50) {
			f := fmt.Sprintf(".fs-%s-%06d", ds.Name, 9)
			indices = append(indices, IndexMeta{Name: f, Hidden: true, DataStream: ds.Name})
			ds.FailureIndices = append(ds.FailureIndices, f)
		}
		streams = append(streams, ds)
	}
	for range g.r.IntN(30) {
		al := AliasMeta{Name: g.name(), Hidden: g.chance(15)}
		for range 1 + g.r.IntN(3) {
			al.Indices = append(al.Indices, g.known())
		}
		aliases = append(aliases, al)
	}
	g.r.Shuffle(len(indices), func(i, j int) { indices[i], indices[j] = indices[j], indices[i] })
	return NewMetadata(indices, aliases, streams)
}

// pattern returns a role index pattern: a literal, a prefix wildcard, a regex, an inner
// or leading wildcard, an escaped wildcard, or (rarely) everything.
func (g *narrowGen) pattern() string {
	switch g.r.IntN(14) {
	case 0, 1, 2:
		return g.known()
	case 3, 4, 5:
		return g.prefixOf() + "*"
	case 6:
		return "/" + regexpQuoteLucene(g.prefixOf()) + "[0-9]+/"
	case 7:
		return "/(" + regexpQuoteLucene(g.prefixOf()) + "x|" + regexpQuoteLucene(g.prefixOf()) + "1)[a-z]*[0-9]?/"
	case 8:
		return "/" + regexpQuoteLucene(g.prefixOf()) + ".*/"
	case 9:
		return g.prefixOf() + "*" + g.pick([]string{"1", "-", "app-", "7"}) + "*"
	case 10:
		return "*" + g.pick([]string{"1", "-1", "app-", "web-2"})
	case 11:
		return g.prefixOf() + "?" + g.pick([]string{"", "*", "1*"})
	case 12:
		return regexpQuoteWildcard(g.prefixOf()) + `\*` + "*"
	}
	if g.chance(30) {
		return "*"
	}
	return g.known()
}

// regexpQuoteLucene escapes the Lucene regex operators of a literal.
func regexpQuoteLucene(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`.?+*|{}[]()"\#@&<>~`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// regexpQuoteWildcard escapes the wildcard operators of a literal.
func regexpQuoteWildcard(s string) string {
	return strings.NewReplacer(`*`, `\*`, `?`, `\?`, `\`, `\\`).Replace(s)
}

func (g *narrowGen) role(name string) *RoleDescriptor {
	privs := []string{"read", "write", "all", "manage", "read_failure_store", "view_index_metadata", "monitor", "delete_index", "indices:data/read/*"}
	r := &RoleDescriptor{Name: name}
	for range 1 + g.r.IntN(3) {
		ip := IndicesPrivileges{AllowRestrictedIndices: g.chance(25)}
		n := 1 + g.r.IntN(4)
		if g.chance(15) {
			n = 5 + g.r.IntN(40) // enough wildcard patterns for the memo
		}
		for range n {
			ip.Names = append(ip.Names, g.pattern())
		}
		for range 1 + g.r.IntN(2) {
			ip.Privileges = append(ip.Privileges, g.pick(privs))
		}
		r.Indices = append(r.Indices, ip)
	}
	return r
}

func (g *narrowGen) permission(t *testing.T) *Permission {
	p, err := Compile(ES9(), []*RoleDescriptor{g.role("a"), g.role("b")})
	if err != nil {
		t.Fatal(err)
	}
	if g.chance(20) {
		limit, err := Compile(ES9(), []*RoleDescriptor{g.role("owner")})
		if err != nil {
			t.Fatal(err)
		}
		p = p.Limit(limit)
	}
	return p
}

// expression returns one index expression: a wildcard, a name, an exclusion or a
// selector.
func (g *narrowGen) expression() string {
	var e string
	switch g.r.IntN(10) {
	case 0, 1:
		e = "*"
	case 2, 3:
		e = g.prefixOf() + "*"
	case 4:
		e = g.pick([]string{".*", "_all", "*-1", "*1*", "logs-*-1", ".ds-*", "a?*"})
	case 5:
		e = "-" + g.prefixOf() + "*"
	case 6:
		e = "-" + g.known()
	default:
		e = g.known()
	}
	if g.chance(8) {
		e += g.pick([]string{"::failures", "::data"})
	}
	return e
}

func (g *narrowGen) request() ResolveRequest {
	actions := []string{
		"indices:data/read/search", "indices:data/read/search", "indices:data/write/index",
		"indices:admin/delete", "indices:monitor/stats", "indices:admin/mapping/put", "cluster:monitor/health",
	}
	req := ResolveRequest{
		Action: g.pick(actions),
		Options: IndicesOptions{
			ExpandOpen: g.chance(85), ExpandClosed: g.chance(30), ExpandHidden: g.chance(30),
			IgnoreUnavailable: g.chance(50), AllowNoIndices: g.chance(70), IgnoreAliases: g.chance(15),
		},
		IncludeDataStreams: g.chance(70),
		OnlyDataStreams:    g.chance(10),
		AllowRemote:        g.chance(20),
		DateMath:           func(string) (string, error) { return g.known(), nil },
	}
	if !g.chance(10) {
		for range 1 + g.r.IntN(3) {
			req.Expressions = append(req.Expressions, g.expression())
		}
	}
	return req
}

// TestExpandNarrowedMatchesScan checks, over random clusters, role sets and requests,
// that resolution with the narrowed expansion gives exactly what the plain scan of every
// name gives, and that the narrowed search is taken often enough for that to mean
// something.
func TestExpandNarrowedMatchesScan(t *testing.T) {
	cases, narrowed := 3000, 0
	if testing.Short() {
		cases = 300
	}
	for seed := range cases {
		g := &narrowGen{r: rand.New(rand.NewPCG(uint64(seed), 0x6e6172726f77))}
		md := g.metadata()
		p := g.permission(t)
		for range 10 {
			req := g.request()
			got, gotErr := Resolve(p, md, req)
			want, wantErr := resolve(p, md, req, expandWildcardScan)
			if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) || !reflect.DeepEqual(got, want) {
				t.Fatalf("seed %d: Resolve(%q, %+v) =\n%+v, %v\nscan gives\n%+v, %v", seed, req.Expressions, req.Options, got, gotErr, want, wantErr)
			}
			for _, sel := range []selector{selData, selFailures} {
				pattern := g.pick([]string{"*", g.prefixOf() + "*", g.prefixOf() + "*" + g.prefixOf() + "*", ".*"})
				got := expandWildcard(p, md, req, pattern, sel)
				want := expandWildcardScan(p, md, req, pattern, sel)
				if !slices.Equal(got, want) {
					t.Fatalf("seed %d: expandWildcard(%q, %v, %s, %+v) = %q, scan gives %q", seed, pattern, sel, req.Action, req.Options, got, want)
				}
				lo, hi := md.prefixRange(literalPrefix(pattern))
				if spans, ok := grantSpans(p, md, req.Action, sel, lo, hi); ok && hi > lo {
					if n := spanLen(spans); n < hi-lo {
						narrowed++
					}
				}
			}
		}
	}
	total := cases * 10 * 2
	t.Logf("the search was narrowed in %d of %d expansions", narrowed, total)
	if narrowed < total/4 {
		t.Errorf("the search was narrowed in %d of %d expansions: the generator no longer exercises it", narrowed, total)
	}
}

func spanLen(spans []span) int {
	n := 0
	for _, s := range spans {
		n += s.hi - s.lo
	}
	return n
}

// TestExpandNarrowed checks the narrowed search on a cluster where the role set's
// patterns leave few names: prefixes, exact names, a regex, the backing indices of a
// granted data stream, a limit narrower than the role, and a leading wildcard that
// cannot narrow.
func TestExpandNarrowed(t *testing.T) {
	const search = "indices:data/read/search"
	var indices []IndexMeta
	for i := range 500 {
		indices = append(indices, IndexMeta{Name: fmt.Sprintf("team-%d-logs-%03d", i%50, i)})
	}
	indices = append(indices,
		IndexMeta{Name: ".ds-team-7-stream-000001", Hidden: true, DataStream: "team-7-stream"},
		IndexMeta{Name: ".ds-other-000001", Hidden: true, DataStream: "other"},
	)
	md := NewMetadata(indices, nil, []DataStreamMeta{
		{Name: "team-7-stream", BackingIndices: []string{".ds-team-7-stream-000001"}},
		{Name: "other", BackingIndices: []string{".ds-other-000001"}},
	})
	opts := IndicesOptions{ExpandOpen: true, ExpandHidden: true, AllowNoIndices: true}
	for _, tc := range []struct {
		names, limit []string
		maxSpan      int // names the narrowed search may consider; 0: no narrowing
	}{
		{names: []string{"team-7-*"}, maxSpan: 12},                                     // 10 indices, the data stream and its backing index
		{names: []string{"team-7-logs-007", "team-8-logs-008", "nowhere"}, maxSpan: 2}, // exact names
		{names: []string{"/team-4[0-9]-logs-[0-9]+/"}, maxSpan: 110},                   // team-4 and team-40 to team-49
		{names: []string{"team-7-*", "team-7-logs-0?7"}, maxSpan: 12},
		{names: []string{"*"}, limit: []string{"team-9-*"}, maxSpan: 10},
		{names: []string{"other"}, maxSpan: 2}, // a data stream and its backing index
		{names: []string{"*-logs-007"}},
		{names: []string{"?eam-7-*"}},
		{names: []string{"*"}},
	} {
		p := mustCompile(t, indexRole("r", []string{"read"}, tc.names...))
		if tc.limit != nil {
			p = p.Limit(mustCompile(t, indexRole("owner", []string{"read"}, tc.limit...)))
		}
		req := ResolveRequest{Action: search, Options: opts, IncludeDataStreams: true}
		lo, hi := md.prefixRange("")
		spans, ok := grantSpans(p, md, search, selData, lo, hi)
		switch {
		case tc.maxSpan == 0 && ok:
			t.Errorf("%v: narrowed to %v, want the scan", tc.names, spans)
		case tc.maxSpan > 0 && (!ok || spanLen(spans) > tc.maxSpan):
			t.Errorf("%v: spans %v (%v), want at most %d names", tc.names, spans, ok, tc.maxSpan)
		}
		got := expandWildcard(p, md, req, "*", selData)
		want := expandWildcardScan(p, md, req, "*", selData)
		if !slices.Equal(got, want) || len(want) == 0 {
			t.Errorf("%v: expandWildcard(*) = %q, scan gives %q", tc.names, got, want)
		}
	}
}
