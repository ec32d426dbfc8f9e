package config

import (
	"fmt"
	"strings"

	"github.com/esguard/esguard/privileges"
	"github.com/esguard/esguard/runas"
)

// reservedHeaders may not be the run_as reason header: esguard reads or rewrites them
// for other purposes, and the reason header is removed before forwarding.
var reservedHeaders = []string{
	"Authorization", runas.Header, "Host", "Connection", "Content-Type", "Content-Length",
	"Content-Encoding", "Transfer-Encoding", "Accept", "Accept-Encoding", "X-Opaque-Id",
	"Trace-Parent", "Traceparent", "X-Elastic-Product-Origin",
}

// buildRunAsPolicy checks the run_as section and compiles it.
func buildRunAsPolicy(c collector, cfg *Config, at func(string) int) *runas.Policy {
	ra := &cfg.RunAs
	p := &runas.Policy{ReasonHeader: ra.ReasonHeader}
	switch ra.Mode {
	case "local":
	case "delegate":
		p.Delegate = true
		if cfg.Upstream.Username == "" && cfg.Upstream.APIKey == "" {
			c.errorf(at("run_as.mode"), "run_as.mode [delegate] needs esguard's own credentials upstream (upstream.username and password, or upstream.api_key): the cluster accepts the run-as header only from a user with the run_as privilege")
		}
	default:
		c.errorf(at("run_as.mode"), "run_as.mode [%s] is not one of local, delegate", ra.Mode)
	}
	if ra.ImpersonateAuthenticated {
		if p.Delegate {
			p.DelegateAll = true
		} else {
			c.errorf(at("run_as.impersonate_authenticated"), "run_as.impersonate_authenticated needs run_as.mode [delegate]")
		}
	}
	if h := ra.ReasonHeader; h != "" {
		switch {
		case !isHeaderToken(h):
			c.errorf(at("run_as.reason_header"), "run_as.reason_header [%s] is not an HTTP header name", h)
		case containsFold(reservedHeaders, h):
			c.errorf(at("run_as.reason_header"), "run_as.reason_header [%s] is a header esguard or Elasticsearch reads for another purpose; choose another name, for example X-Run-As-Reason", h)
		}
	}
	for i, imp := range ra.Impersonators {
		name := fmt.Sprintf("run_as.impersonators[%d]", i)
		line := at("run_as.impersonators")
		if len(imp.Users) == 0 && len(imp.Roles) == 0 {
			c.errorf(line, "%s: set users or roles: the impersonators the rule applies to", name)
		}
		if len(imp.Targets) == 0 && len(imp.Deny) == 0 && !imp.Intersect {
			c.warnf(line, "%s narrows nothing: set targets, deny or intersect", name)
		}
		compile := func(field string, patterns []string) *privileges.NameMatcher {
			if len(patterns) == 0 {
				return nil
			}
			m, err := privileges.CompileNames(patterns)
			if err != nil {
				c.errorf(line, "%s.%s: %v", name, field, err)
			}
			return m
		}
		p.Rules = append(p.Rules, runas.Rule{
			Name:      name,
			Users:     compile("users", imp.Users),
			Roles:     compile("roles", imp.Roles),
			Targets:   compile("targets", imp.Targets),
			Deny:      compile("deny", imp.Deny),
			Intersect: imp.Intersect,
		})
	}
	return p
}

// isHeaderToken reports whether s is an HTTP field name (RFC 9110 token).
func isHeaderToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
