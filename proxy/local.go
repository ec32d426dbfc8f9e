package proxy

import (
	"github.com/esguard/esguard/routes"
	"github.com/valyala/fasthttp"
)

// localHandler returns the handler for endpoints esguard answers from its own state,
// or nil when the request goes upstream.
func (s *Server) localHandler(r *routes.Route) func(*fasthttp.RequestCtx, *exchange) *HTTPError {
	return s.securityHandler(r)
}

type realmRef struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

type authenticateResponse struct {
	Username            string         `json:"username"`
	Roles               []string       `json:"roles"`
	FullName            *string        `json:"full_name"`
	Email               *string        `json:"email"`
	Metadata            map[string]any `json:"metadata"`
	Enabled             bool           `json:"enabled"`
	AuthenticationRealm realmRef       `json:"authentication_realm"`
	LookupRealm         realmRef       `json:"lookup_realm"`
	AuthenticationType  string         `json:"authentication_type"`
	APIKey              *apiKeyRef     `json:"api_key,omitempty"`
}

type apiKeyRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// authenticateEndpoint answers GET /_security/_authenticate in Elasticsearch's shape
// (RestAuthenticateAction): the effective user, the realm that authenticated the
// caller and the realm that looked the effective user up.
func (s *Server) authenticateEndpoint(ctx *fasthttp.RequestCtx, x *exchange) *HTTPError {
	authn, eff := x.subject.Authenticated, x.subject.Effective
	resp := authenticateResponse{
		Username:            eff.Username,
		Roles:               nonNil(eff.Roles),
		FullName:            optional(eff.FullName),
		Email:               optional(eff.Email),
		Metadata:            eff.Metadata,
		Enabled:             true,
		AuthenticationRealm: realmRef{authn.RealmName, authn.RealmType},
		LookupRealm:         realmRef{eff.RealmName, eff.RealmType},
		AuthenticationType:  authn.AuthType,
	}
	if resp.Metadata == nil {
		resp.Metadata = map[string]any{}
	}
	if authn.APIKeyID != "" && !x.subject.RunAs() {
		// Under run_as the effective subject is a user, and Elasticsearch reports the
		// key only through authentication_type.
		resp.APIKey = &apiKeyRef{ID: authn.APIKeyID, Name: authn.APIKeyName}
	}
	s.auditGranted(x)
	return writeJSON(ctx, x, fasthttp.StatusOK, resp)
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func nonNil(ss []string) []string {
	if ss == nil {
		return []string{}
	}
	return ss
}
