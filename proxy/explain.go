package proxy

import (
	"context"
	"errors"

	"github.com/esguard/esguard/config"
	"github.com/esguard/esguard/runas"
	"github.com/valyala/fasthttp"
)

// Explanation is what `esguard explain` prints: the decision esguard would take for a
// user's request, without contacting a cluster.
type Explanation struct {
	Allowed bool     `json:"allowed"`
	Status  int      `json:"status"`
	Actions []string `json:"actions"`
	Indices []string `json:"indices"`
	User    string   `json:"user"`
	RunAs   string   `json:"run_as,omitempty"`
	Roles   []string `json:"roles"`
	Route   string   `json:"route,omitempty"`
	Reason  string   `json:"reason"`
}

// Explain decides METHOD URI for a configured user (looked up, not authenticated), and
// for the user it runs as when runAs is set. Index wildcards are checked as patterns.
func Explain(ctx context.Context, snap *config.Snapshot, user, runAs, method, uri string) Explanation {
	out := Explanation{User: user, RunAs: runAs, Actions: []string{}, Indices: []string{}, Roles: []string{}}
	refuse := func(e *HTTPError) Explanation {
		out.Status, out.Reason = e.Status, e.Reason
		return out
	}
	id, ok := snap.Realms.Lookup(ctx, user)
	if !ok && snap.Anonymous != nil && snap.Anonymous.Username == user {
		id, ok = snap.Anonymous, true
	}
	if !ok {
		return refuse(errUnauthenticated("unable to authenticate user ["+user+"]: no such user", nil))
	}
	x := &exchange{snap: snap, method: method, subject: runas.Subject{Authenticated: id, Effective: id}, roles: id.Roles}
	var req fasthttp.RequestCtx
	req.Request.Header.SetMethod(method)
	req.Request.SetRequestURI(uri)
	if herr := x.readURI(&req); herr != nil {
		return refuse(herr)
	}
	m, err := snap.Routes.Match(method, x.path)
	if err != nil {
		return refuse(routeError(x, err))
	}
	out.Route = m.Route.Method + " " + m.Route.Path
	x.action = m.Route.Action
	if x.action != "" {
		out.Actions = append(out.Actions, x.action)
	}
	if runAs != "" {
		perm, err := snap.Permission(id.Roles)
		if err != nil {
			return refuse(errInternal(err))
		}
		subject, err := runas.Resolve(ctx, id, []string{runAs}, perm, snap.Realms.Lookup)
		if err != nil {
			var re *runas.Error
			if errors.As(err, &re) && re.Kind == runas.ErrDenied {
				return refuse(runAsDenied(x.action, user, perm.Roles(), runAs))
			}
			return refuse(errBadRequest("illegal_argument_exception", err.Error()))
		}
		x.subject, x.roles = subject, subject.Effective.Roles
	}
	perm, err := snap.Permission(x.roles)
	if err != nil {
		return refuse(errInternal(err))
	}
	out.Roles = perm.Roles()
	targets, err := m.Targets(x.lookupQuery)
	if err != nil {
		return refuse(targetsError(m.Route, err))
	}
	for _, t := range targets {
		if t.Action != m.Route.Action {
			out.Actions = append(out.Actions, t.Action)
		}
		for _, i := range t.Indices {
			if !contains(out.Indices, i) {
				out.Indices = append(out.Indices, i)
			}
		}
	}
	denied, reason, err := check(snap, x.subject, x.roles, targets, x.lookupQuery)
	switch {
	case err != nil:
		return refuse(errInternal(err))
	case denied != nil:
		return refuse(errForbidden(reason))
	}
	out.Allowed, out.Status, out.Reason = true, 200, "granted"
	return out
}

func contains(ss []string, s string) bool {
	for _, v := range ss {
		if v == s {
			return true
		}
	}
	return false
}
