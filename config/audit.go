package config

import (
	"slices"
	"strings"
	"time"
)

// AuditEvents filters audit events by their event.action.
type AuditEvents struct {
	// Include lists the audited event actions; empty (or _all) audits every action.
	Include []string `yaml:"include"`
	// Exclude lists event actions never audited; it wins over Include.
	Exclude []string `yaml:"exclude"`
}

// AuditIgnore is one ignore policy, as Elasticsearch's
// xpack.security.audit.logfile.events.ignore_filters.<policy>: an event is not audited
// when it matches every non-empty list of the policy. Entries accept * wildcards. An
// event matches Roles when all its roles match, and Indices when all its indices match;
// an event without roles or indices matches only the pattern *.
type AuditIgnore struct {
	// Users matches the effective user name.
	Users []string `yaml:"users"`
	// Realms matches the authenticating realm's name.
	Realms []string `yaml:"realms"`
	// Roles matches the effective roles.
	Roles []string `yaml:"roles"`
	// Indices matches the indices the request names.
	Indices []string `yaml:"indices"`
	// Actions matches the Elasticsearch action name (indices:data/read/search).
	Actions []string `yaml:"actions"`
}

// Empty reports whether the policy has no list at all (it would drop every event).
func (p AuditIgnore) Empty() bool {
	return len(p.Users)+len(p.Realms)+len(p.Roles)+len(p.Indices)+len(p.Actions) == 0
}

// Reload configures automatic reloading.
type Reload struct {
	// Watch reloads when a file the configuration was read from changes (default true).
	Watch *bool `yaml:"watch"`
	// Debounce waits this long after the last change before reloading (default 1s).
	Debounce Duration `yaml:"debounce"`
}

// Watching reports whether file changes trigger a reload.
func (r Reload) Watching() bool { return r.Watch == nil || *r.Watch }

// DebounceOr returns the debounce delay, 1s when unset.
func (r Reload) DebounceOr() time.Duration { return r.Debounce.Or(time.Second) }

// AuditEventActions are the event actions esguard writes to the audit trail.
var AuditEventActions = []string{
	"access_granted", "access_denied", "authentication_failed",
	"anonymous_access_denied", "run_as_granted", "run_as_denied",
}

// esOnlyEventActions are Elasticsearch audit event actions esguard never emits.
var esOnlyEventActions = []string{
	"authentication_success", "realm_authentication_failed", "tampered_request",
	"connection_granted", "connection_denied", "system_access_granted",
	"security_config_change", "access_granted_to_system",
}

// checkAuditAndReload validates the audit filters and the reload settings.
func checkAuditAndReload(c collector, cfg *Config, at func(string) int) {
	ev := cfg.Audit.Events
	for key, names := range map[string][]string{"audit.events.include": ev.Include, "audit.events.exclude": ev.Exclude} {
		for _, n := range names {
			switch {
			case slices.Contains(AuditEventActions, n), n == "_all" && key == "audit.events.include":
			case slices.Contains(esOnlyEventActions, n):
				c.warnf(at("audit.events"), "%s: esguard never emits event [%s]", key, n)
			default:
				c.errorf(at("audit.events"), "%s: unknown event action [%s]%s", key, n, suggestFrom(n, AuditEventActions))
			}
		}
	}
	for i, p := range cfg.Audit.Ignore {
		if p.Empty() {
			c.errorf(at("audit.ignore"), "audit.ignore[%d]: a policy needs at least one of users, realms, roles, indices, actions", i)
		}
		for _, list := range [][]string{p.Users, p.Realms, p.Roles, p.Indices, p.Actions} {
			for _, pat := range list {
				if strings.TrimSpace(pat) == "" {
					c.errorf(at("audit.ignore"), "audit.ignore[%d]: empty pattern", i)
				}
			}
		}
	}
	if cfg.Reload.Debounce < 0 {
		c.errorf(at("reload.debounce"), "reload.debounce [%s] must not be negative", time.Duration(cfg.Reload.Debounce))
	}
	if cfg.ShutdownTimeout < 0 {
		c.errorf(at("shutdown_timeout"), "shutdown_timeout [%s] must not be negative", time.Duration(cfg.ShutdownTimeout))
	}
}
