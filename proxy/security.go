package proxy

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"slices"
	"strings"

	"github.com/esguard/esguard/privileges"
	"github.com/esguard/esguard/routes"
	"github.com/valyala/fasthttp"
)

// Security APIs. esguard is the security authority in front of the cluster, so every
// _security endpoint is answered here, from esguard's own state, and none is ever
// forwarded: the cluster's own security state (if any) is not what decides.

const securityPrefix = "cluster:admin/xpack/security/"

// Actions every authenticated user may run on their own account, whatever their roles
// (RBACEngine.checkSameUserPermissions and the authenticate action).
const (
	actionAuthenticate   = securityPrefix + "user/authenticate"
	actionHasPrivileges  = securityPrefix + "user/has_privileges"
	actionUserPrivileges = securityPrefix + "user/list_privileges"
)

// securityHandler returns the local handler of a security action, or nil for actions
// outside the security APIs.
func (s *Server) securityHandler(r *routes.Route) func(*fasthttp.RequestCtx, *exchange) *HTTPError {
	a := r.Action
	if !strings.HasPrefix(a, securityPrefix) && !strings.HasPrefix(a, "cluster:monitor/xpack/security/") {
		return nil
	}
	switch a {
	case actionAuthenticate:
		return s.authenticateEndpoint
	case actionHasPrivileges:
		return s.hasPrivilegesEndpoint
	case actionUserPrivileges:
		return s.userPrivilegesEndpoint
	}
	var h func(*fasthttp.RequestCtx, *exchange) *HTTPError
	switch strings.TrimPrefix(a, securityPrefix) {
	case "role/get":
		h = s.getRolesEndpoint
	case "user/get":
		h = s.getUsersEndpoint
	case "privilege/get":
		h = s.getPrivilegesEndpoint
	case "privilege/builtin/get":
		h = s.builtinPrivilegesEndpoint
	case "api_key/create":
		h = s.createAPIKeyEndpoint
	case "api_key/get":
		return s.getAPIKeysEndpoint // decides itself: manage_own_api_key sees own keys only
	case "api_key/query":
		return s.queryAPIKeysEndpoint
	case "api_key/invalidate":
		return s.invalidateAPIKeysEndpoint
	case "realm/cache/clear", "roles/cache/clear", "cache/clear":
		h = s.clearCacheEndpoint
	case "role/put", "role/bulk_put", "role/delete", "role/bulk_delete":
		h = s.managedIn("roles", "the roles files", func(x *exchange) []string { return x.snap.Config.Roles })
	case "user/put", "user/delete", "user/set_enabled", "user/change_password":
		h = s.managedIn("users", "the users file", func(x *exchange) []string { return nonEmpty(x.snap.Config.Users.File, x.snap.Config.Users.RolesFile) })
	case "role_mapping/put", "role_mapping/delete":
		h = s.managedIn("role mappings", "the configuration file", func(x *exchange) []string { return []string{x.snap.Path} })
	case "privilege/put", "privilege/delete":
		h = s.managedIn("application privileges", "the application privileges file", func(x *exchange) []string {
			return nonEmpty(x.snap.Config.ApplicationPrivileges)
		})
	case "api_key/update", "api_key/bulk_update":
		h = s.managedIn("API keys", "", nil)
	default:
		h = s.unsupportedSecurityEndpoint
	}
	return func(ctx *fasthttp.RequestCtx, x *exchange) *HTTPError {
		if herr := s.checkCluster(x, x.action); herr != nil {
			return herr
		}
		return h(ctx, x)
	}
}

// checkCluster refuses the request unless the subject holds the cluster action.
func (s *Server) checkCluster(x *exchange, action string) *HTTPError {
	perm, err := x.permission()
	if err != nil {
		return errInternal(err)
	}
	d := privileges.Authorize(perm, action, nil, privileges.IndexOptions{})
	if !d.Allowed {
		return s.denied(x, perm, d)
	}
	return nil
}

// managedIn answers a write to state esguard keeps in its configuration files.
func (s *Server) managedIn(what, where string, files func(*exchange) []string) func(*fasthttp.RequestCtx, *exchange) *HTTPError {
	return func(_ *fasthttp.RequestCtx, x *exchange) *HTTPError {
		reason := "esguard manages " + what + " in its configuration"
		if files == nil {
			reason = "esguard does not support updating " + what + "; invalidate the key and create a new one"
		} else {
			names := files(x)
			for i, f := range names {
				names[i] = filepath.Base(f)
			}
			if len(names) > 0 {
				reason += ": edit " + where + " [" + strings.Join(names, ",") + "]; esguard reloads it when it changes"
			} else {
				reason += ": configure " + where + "; esguard reloads it when it changes"
			}
		}
		s.auditGranted(x)
		return errBadRequest("illegal_argument_exception", reason)
	}
}

func (s *Server) unsupportedSecurityEndpoint(_ *fasthttp.RequestCtx, x *exchange) *HTTPError {
	s.auditGranted(x)
	return errBadRequest("illegal_argument_exception", "action ["+x.action+"] is not available through esguard")
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// auditGranted writes the access_granted event of a request answered here.
func (s *Server) auditGranted(x *exchange) {
	s.audit.write(x.event(eventAccessGranted, x.action))
}

// writeJSON answers the request with a JSON document in Elasticsearch's manner.
func writeJSON(ctx *fasthttp.RequestCtx, x *exchange, status int, v any) *HTTPError {
	body, err := json.Marshal(v)
	if err != nil {
		return errInternal(err)
	}
	ctx.Response.SetStatusCode(status)
	ctx.Response.Header.SetContentType("application/json")
	ctx.Response.Header.Set("X-elastic-product", "Elasticsearch")
	if x.opaqueID != "" {
		ctx.Response.Header.Set("X-Opaque-Id", x.opaqueID)
	}
	if !ctx.IsHead() {
		ctx.Response.SetBody(body)
	}
	return nil
}

// pathNames returns the comma-separated names of a path parameter, or nil when absent.
func pathNames(x *exchange, param string) ([]string, *HTTPError) {
	v, ok := x.match.Param(param)
	if !ok {
		return nil, nil
	}
	var out []string
	for n := range strings.SplitSeq(v, ",") {
		if n != "" {
			out = append(out, n)
		}
	}
	return out, nil
}

// roleJSON is a role descriptor in the shape of GET /_security/role.
type roleJSON struct {
	Cluster           []string          `json:"cluster"`
	Indices           []indicesJSON     `json:"indices"`
	Applications      []applicationJSON `json:"applications"`
	RunAs             []string          `json:"run_as"`
	Metadata          map[string]any    `json:"metadata"`
	TransientMetadata map[string]any    `json:"transient_metadata"`
	RemoteIndices     []remoteJSON      `json:"remote_indices,omitempty"`
	Description       string            `json:"description,omitempty"`
}

type indicesJSON struct {
	Names                  []string           `json:"names"`
	Privileges             []string           `json:"privileges"`
	FieldSecurity          *fieldSecurityJSON `json:"field_security,omitempty"`
	Query                  string             `json:"query,omitempty"`
	AllowRestrictedIndices bool               `json:"allow_restricted_indices"`
}

type remoteJSON struct {
	Clusters []string `json:"clusters"`
	indicesJSON
}

type fieldSecurityJSON struct {
	Grant  []string `json:"grant"`
	Except []string `json:"except,omitempty"`
}

type applicationJSON struct {
	Application string   `json:"application"`
	Privileges  []string `json:"privileges"`
	Resources   []string `json:"resources"`
}

func indicesOf(ip *privileges.IndicesPrivileges) indicesJSON {
	out := indicesJSON{Names: nonNil(ip.Names), Privileges: nonNil(ip.Privileges), Query: ip.Query, AllowRestrictedIndices: ip.AllowRestrictedIndices}
	if fs := ip.FieldSecurity; fs != nil {
		out.FieldSecurity = &fieldSecurityJSON{Grant: nonNil(fs.Grant)}
		if len(fs.Except) > 0 {
			out.FieldSecurity.Except = fs.Except
		}
	}
	return out
}

func roleOf(d *privileges.RoleDescriptor, reserved bool) roleJSON {
	r := roleJSON{
		Cluster:           nonNil(d.Cluster),
		Indices:           []indicesJSON{},
		Applications:      []applicationJSON{},
		RunAs:             nonNil(d.RunAs),
		Metadata:          d.Metadata,
		TransientMetadata: map[string]any{"enabled": true},
		Description:       d.Description,
	}
	for i := range d.Indices {
		r.Indices = append(r.Indices, indicesOf(&d.Indices[i]))
	}
	for i := range d.RemoteIndices {
		ri := &d.RemoteIndices[i]
		r.RemoteIndices = append(r.RemoteIndices, remoteJSON{Clusters: nonNil(ri.Clusters), indicesJSON: indicesOf(&ri.IndicesPrivileges)})
	}
	for _, a := range d.Applications {
		r.Applications = append(r.Applications, applicationJSON{Application: a.Application, Privileges: nonNil(a.Privileges), Resources: nonNil(a.Resources)})
	}
	if r.Metadata == nil {
		r.Metadata = map[string]any{}
	}
	if reserved {
		m := make(map[string]any, len(r.Metadata)+1)
		for k, v := range r.Metadata {
			m[k] = v
		}
		m["_reserved"] = true
		r.Metadata = m
	}
	return r
}

// getRolesEndpoint answers GET /_security/role[/{name}] (TransportGetRolesAction): the
// named roles, or all of them; 404 with {} when none of the names exists.
func (s *Server) getRolesEndpoint(ctx *fasthttp.RequestCtx, x *exchange) *HTTPError {
	names, herr := pathNames(x, "name")
	if herr != nil {
		return herr
	}
	all := x.snap.Roles
	if names == nil {
		for n := range all {
			names = append(names, n)
		}
		slices.Sort(names)
	}
	out := map[string]roleJSON{}
	for _, n := range names {
		if d, ok := all[n]; ok {
			out[n] = roleOf(d, x.snap.IsBuiltinRole(n))
		}
	}
	s.auditGranted(x)
	if len(out) == 0 && len(names) > 0 {
		return writeJSON(ctx, x, fasthttp.StatusNotFound, struct{}{})
	}
	return writeJSON(ctx, x, fasthttp.StatusOK, out)
}

type userJSON struct {
	Username string         `json:"username"`
	Roles    []string       `json:"roles"`
	FullName *string        `json:"full_name"`
	Email    *string        `json:"email"`
	Metadata map[string]any `json:"metadata"`
	Enabled  bool           `json:"enabled"`
}

// getUsersEndpoint answers GET /_security/user[/{username}] with the users of the users
// file (never their password hashes); 404 with {} when none of the names exists.
func (s *Server) getUsersEndpoint(ctx *fasthttp.RequestCtx, x *exchange) *HTTPError {
	names, herr := pathNames(x, "username")
	if herr != nil {
		return herr
	}
	out := map[string]userJSON{}
	for _, u := range x.snap.Users {
		if names != nil && !slices.Contains(names, u.Username) {
			continue
		}
		md := u.Metadata
		if md == nil {
			md = map[string]any{}
		}
		out[u.Username] = userJSON{Username: u.Username, Roles: nonNil(u.Roles), FullName: optional(u.FullName), Email: optional(u.Email), Metadata: md, Enabled: true}
	}
	s.auditGranted(x)
	if len(out) == 0 && len(names) > 0 {
		return writeJSON(ctx, x, fasthttp.StatusNotFound, struct{}{})
	}
	return writeJSON(ctx, x, fasthttp.StatusOK, out)
}

// builtinPrivilegesEndpoint answers GET /_security/privilege/_builtin with the
// catalogue's named privileges.
func (s *Server) builtinPrivilegesEndpoint(ctx *fasthttp.RequestCtx, x *exchange) *HTTPError {
	cat := x.snap.Catalogue
	s.auditGranted(x)
	return writeJSON(ctx, x, fasthttp.StatusOK, map[string][]string{
		"cluster":        cat.Names(privileges.ClusterKind),
		"index":          cat.Names(privileges.IndexKind),
		"remote_cluster": {},
	})
}

// userPrivilegesEndpoint answers GET /_security/user/_privileges
// (TransportGetUserPrivilegesAction) for the effective user: the union of its roles'
// cluster privileges and run_as patterns, and every indices and applications entry.
func (s *Server) userPrivilegesEndpoint(ctx *fasthttp.RequestCtx, x *exchange) *HTTPError {
	eff := x.subject.Effective
	var roles []*privileges.RoleDescriptor
	if k := eff.APIKey; k != nil {
		if len(k.RoleDescriptors) > 0 {
			return errBadRequest("illegal_argument_exception", "Cannot retrieve privileges for API keys with assigned role descriptors. Please use the Get API key information API https://ela.st/es-api-get-api-key")
		}
		roles = x.snap.RoleDescriptors(k.LimitedBy)
	} else {
		roles = x.snap.RoleDescriptors(eff.Roles)
	}
	out := struct {
		Cluster       []string          `json:"cluster"`
		Global        []any             `json:"global"`
		Indices       []indicesJSON     `json:"indices"`
		Applications  []applicationJSON `json:"applications"`
		RunAs         []string          `json:"run_as"`
		RemoteIndices []remoteJSON      `json:"remote_indices,omitempty"`
	}{Cluster: []string{}, Global: []any{}, Indices: []indicesJSON{}, Applications: []applicationJSON{}, RunAs: []string{}}
	for _, d := range roles {
		r := roleOf(d, false)
		out.Cluster = append(out.Cluster, r.Cluster...)
		out.RunAs = append(out.RunAs, r.RunAs...)
		out.Indices = appendUniqueIndices(out.Indices, r.Indices...)
		out.RemoteIndices = append(out.RemoteIndices, r.RemoteIndices...)
		out.Applications = append(out.Applications, r.Applications...)
	}
	slices.Sort(out.Cluster)
	out.Cluster = slices.Compact(out.Cluster)
	slices.Sort(out.RunAs)
	out.RunAs = slices.Compact(out.RunAs)
	s.auditGranted(x)
	return writeJSON(ctx, x, fasthttp.StatusOK, out)
}

func appendUniqueIndices(list []indicesJSON, more ...indicesJSON) []indicesJSON {
	for _, m := range more {
		if !slices.ContainsFunc(list, func(l indicesJSON) bool { return reflect.DeepEqual(l, m) }) {
			list = append(list, m)
		}
	}
	return list
}

// clearCacheEndpoint answers the cache-clearing APIs: esguard forgets its verified
// credentials (realms, API keys); role caches are rebuilt per configuration anyway.
func (s *Server) clearCacheEndpoint(ctx *fasthttp.RequestCtx, x *exchange) *HTTPError {
	for _, r := range x.snap.Realms.Realms() {
		if c, ok := r.(interface{ ClearCache() }); ok {
			c.ClearCache()
		}
	}
	s.auditGranted(x)
	return writeJSON(ctx, x, fasthttp.StatusOK, map[string]any{"_nodes": map[string]int{"total": 1, "successful": 1, "failed": 0}, "cluster_name": "esguard", "nodes": map[string]any{}})
}
