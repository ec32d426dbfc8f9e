package proxy

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"

	"github.com/esguard/esguard/privileges"
	"github.com/valyala/fasthttp"
)

// stringOrList decodes a JSON string or list of strings; nil when the field is absent.
type stringOrList []string

func (s *stringOrList) UnmarshalJSON(b []byte) error {
	var one string
	if json.Unmarshal(b, &one) == nil {
		*s = []string{one}
		return nil
	}
	var list []string
	if err := json.Unmarshal(b, &list); err != nil {
		return errors.New("expected a string or an array of strings")
	}
	if list == nil {
		list = []string{}
	}
	*s = list
	return nil
}

type hasPrivilegesBody struct {
	Cluster stringOrList `json:"cluster"`
	Index   []struct {
		Names                  stringOrList `json:"names"`
		Privileges             stringOrList `json:"privileges"`
		AllowRestrictedIndices bool         `json:"allow_restricted_indices"`
	} `json:"index"`
	Application []struct {
		Application string       `json:"application"`
		Privileges  stringOrList `json:"privileges"`
		Resources   stringOrList `json:"resources"`
	} `json:"application"`
}

// hasPrivilegesEndpoint answers GET|POST /_security/user[/{username}]/_has_privileges
// (TransportHasPrivilegesAction) for the effective user: cluster, index and application
// privileges, each checked as Elasticsearch does (a privilege is held when every
// action it grants is granted on every name the requested name or pattern can match).
func (s *Server) hasPrivilegesEndpoint(ctx *fasthttp.RequestCtx, x *exchange) *HTTPError {
	eff := x.subject.Effective
	if user, ok := x.match.Param("username"); ok && user != eff.Username {
		return errBadRequest("illegal_argument_exception", "users may only check the privileges of their own account")
	}
	body, herr := readBody(ctx, x)
	if herr != nil {
		return herr
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		return errBadRequest("parse_exception", "request body is required")
	}
	var b hasPrivilegesBody
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		return errBadRequest("parse_exception", "failed to parse privileges check: "+err.Error())
	}
	req := privileges.HasPrivilegesRequest{User: eff.Username, Cluster: b.Cluster}
	for _, ix := range b.Index {
		req.Index = append(req.Index, privileges.IndexPrivilegesCheck{Names: ix.Names, Privileges: ix.Privileges, AllowRestrictedIndices: ix.AllowRestrictedIndices})
	}
	for _, a := range b.Application {
		req.Application = append(req.Application, privileges.ApplicationPrivilegesCheck{Application: a.Application, Privileges: a.Privileges, Resources: a.Resources})
	}
	perm, err := x.permission()
	if err != nil {
		return errInternal(err)
	}
	apps, err := x.snap.IdentityApplications(eff)
	if err != nil {
		return errInternal(err)
	}
	res, err := privileges.HasPrivileges(perm, apps, req)
	if err != nil {
		var he *privileges.HasPrivilegesError
		if errors.As(err, &he) {
			return errBadRequest(he.Type, he.Reason)
		}
		return errInternal(err)
	}
	s.auditGranted(x)
	return writeJSON(ctx, x, fasthttp.StatusOK, map[string]any{
		"username":          eff.Username,
		"has_all_requested": res.HasAllRequested,
		"cluster":           res.Cluster,
		"index":             res.Index,
		"application":       res.Application,
	})
}

type appPrivilegeJSON struct {
	Application string         `json:"application"`
	Name        string         `json:"name"`
	Actions     []string       `json:"actions"`
	Metadata    map[string]any `json:"metadata"`
}

// getPrivilegesEndpoint answers GET /_security/privilege[/{application}[/{privilege}]]
// with the application privilege definitions of the configuration; 404 with {} when a
// named application or privilege has none.
func (s *Server) getPrivilegesEndpoint(ctx *fasthttp.RequestCtx, x *exchange) *HTTPError {
	app, _ := x.match.Param("application")
	var names []string
	if p, ok := x.match.Param("privilege"); ok {
		names = strings.Split(p, ",")
	}
	out := map[string]map[string]appPrivilegeJSON{}
	for _, d := range x.snap.Applications {
		if (app != "" && app != d.Application) || (names != nil && !slices.Contains(names, d.Name)) {
			continue
		}
		if out[d.Application] == nil {
			out[d.Application] = map[string]appPrivilegeJSON{}
		}
		md := d.Metadata
		if md == nil {
			md = map[string]any{}
		}
		out[d.Application][d.Name] = appPrivilegeJSON{Application: d.Application, Name: d.Name, Actions: nonNil(d.Actions), Metadata: md}
	}
	s.auditGranted(x)
	if len(out) == 0 && app != "" {
		return writeJSON(ctx, x, fasthttp.StatusNotFound, struct{}{})
	}
	return writeJSON(ctx, x, fasthttp.StatusOK, out)
}
