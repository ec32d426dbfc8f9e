package config

import (
	"time"
)

// Config is esguard.yml as written. Relative file names are resolved against the
// directory of the configuration file when the snapshot is built.
type Config struct {
	// Listen is the client-facing address, for example 127.0.0.1:9201.
	Listen string `yaml:"listen"`
	// AdminListen serves health and metrics endpoints; it must differ from Listen.
	AdminListen string `yaml:"admin_listen"`
	// TLS, when set, serves the client listener over TLS.
	TLS *TLS `yaml:"tls"`
	// Upstream is the Elasticsearch cluster behind esguard.
	Upstream Upstream `yaml:"upstream"`
	// Flavor selects the privilege model: auto, 9, 8, serverless, shield2 or shield1.
	Flavor string `yaml:"flavor"`
	// Roles lists roles files in Elasticsearch's roles.yml format.
	Roles []string `yaml:"roles"`
	// Users names the users file: users.yml, or Elasticsearch's file realm pair.
	Users Users `yaml:"users"`
	// Authentication configures the realm chain.
	Authentication Authentication `yaml:"authentication"`
	// RoleMapping grants roles to JWT principals by their groups, names, realm or claims.
	RoleMapping []RoleMapping `yaml:"role_mapping"`
	// APIKeys names the static API keys file.
	APIKeys string `yaml:"api_keys"`
	// ApplicationPrivileges names the file of application privilege definitions
	// (application → privilege → actions), which roles' applications entries use.
	ApplicationPrivileges string `yaml:"application_privileges"`
	// RunAs configures impersonation with the es-security-runas-user header.
	RunAs RunAs `yaml:"run_as"`
	// Audit configures the audit trail.
	Audit Audit `yaml:"audit"`
	// Log configures the application log on stderr.
	Log Log `yaml:"log"`
	// ShutdownTimeout bounds how long in-flight requests may finish after SIGTERM (default 30s).
	ShutdownTimeout Duration `yaml:"shutdown_timeout"`
	// Reload configures reloading when a configuration file changes (SIGHUP always reloads).
	Reload Reload `yaml:"reload"`
	// Limits bounds what a client may send and how long it may take.
	Limits Limits `yaml:"limits"`
	// BoundIDs configures how scroll, point-in-time, async and cursor ids are bound to
	// the user who created them.
	BoundIDs BoundIDs `yaml:"bound_ids"`
}

// BoundIDs names the key that signs the ids esguard hands out. Every esguard instance
// in front of one cluster must share it; without it each process uses a random key, and
// an id is only accepted by the instance that issued it.
type BoundIDs struct {
	// KeyFile holds at least 32 bytes of secret key material.
	KeyFile string `yaml:"key_file"`
}

// TLS serves the client listener over TLS. The files are read again on every reload,
// so a renewed certificate is served to new connections without a restart; whether the
// listener speaks TLS at all is decided at start.
type TLS struct {
	// Cert is a PEM file with the listener's certificate, followed by its intermediates.
	Cert string `yaml:"cert"`
	// Key is the PEM file of the certificate's private key.
	Key string `yaml:"key"`
	// ClientCA is a PEM bundle of the CAs that sign client certificates.
	ClientCA string `yaml:"client_ca"`
	// ClientAuth asks clients for a certificate: none (default), optional (verified
	// against ClientCA when sent) or required (every client must send one that verifies).
	ClientAuth string `yaml:"client_auth"`
	// MinVersion is the lowest TLS version accepted: "1.2" (default) or "1.3".
	MinVersion string `yaml:"min_version"`
}

// Upstream describes the cluster and the credentials esguard uses there. The nodes and
// the TLS settings (CA, Cert, Key, ServerName) are read when esguard starts; a reload
// checks them but does not apply them.
type Upstream struct {
	// Nodes are base URLs, for example http://127.0.0.1:9200.
	Nodes []string `yaml:"nodes"`
	// Username and Password are esguard's own credentials upstream (optional).
	Username string `yaml:"username"`
	Password string `yaml:"password"`
	// APIKey is the encoded API key esguard sends upstream instead of a password.
	APIKey string `yaml:"api_key"`
	// CA is a PEM bundle of the CAs that sign the certificates of https nodes; the
	// system's roots when empty. Certificates are always verified.
	CA string `yaml:"ca"`
	// Cert and Key are PEM files of a client certificate esguard presents to https
	// nodes that ask for one (optional).
	Cert string `yaml:"cert"`
	Key  string `yaml:"key"`
	// ServerName is the name the nodes' certificates are verified against, and sent in
	// SNI, instead of the host of each node URL (optional).
	ServerName string `yaml:"server_name"`
	// Timeout bounds one upstream request (default 60s).
	Timeout Duration `yaml:"timeout"`
	// ConnectTimeout bounds establishing a connection to a node, the TLS handshake with
	// an https node included (default 5s).
	ConnectTimeout Duration `yaml:"connect_timeout"`
	// MaxConnsPerNode bounds the connection pool per node (default 512).
	MaxConnsPerNode int `yaml:"max_conns_per_node"`
	// MetadataRefresh is how often esguard reloads the cluster's index, alias and data
	// stream names (default 30s); requests that create, delete or re-alias indices also
	// trigger a reload.
	MetadataRefresh Duration `yaml:"metadata_refresh"`
	// HealthCheckInterval is how often every node is checked with GET / (default 5s);
	// a node that fails a check gets no requests while another node is up.
	HealthCheckInterval Duration `yaml:"health_check_interval"`
	// HealthCheckTimeout bounds one check (default 2s).
	HealthCheckTimeout Duration `yaml:"health_check_timeout"`
}

// Users is either a users.yml file name or Elasticsearch's file realm pair.
type Users struct {
	// File is users.yml (name → password_hash, roles), or the ES `users` file when RolesFile is set.
	File string `yaml:"file"`
	// RolesFile is Elasticsearch's users_roles file (role:user1,user2 lines).
	RolesFile string `yaml:"roles_file"`
}

// Authentication configures realms.
type Authentication struct {
	// Order is the realm chain order; default [basic, anonymous].
	Order []string `yaml:"order"`
	// JWT lists trusted issuers, one JWT realm each.
	JWT []JWTRealm `yaml:"jwt"`
	// Anonymous, when set, authenticates requests without credentials as this user.
	Anonymous *Anonymous `yaml:"anonymous"`
	// Cache bounds the verified-credentials cache.
	Cache CredentialCache `yaml:"cache"`
}

// Anonymous is the user a request without credentials runs as.
type Anonymous struct {
	Username string   `yaml:"username"`
	Roles    []string `yaml:"roles"`
}

// CredentialCache bounds the cache of verified passwords.
type CredentialCache struct {
	MaxEntries int      `yaml:"max_entries"`
	TTL        Duration `yaml:"ttl"`
}

// RoleMapping grants roles to the JWT principals its rules match, like an
// Elasticsearch role mapping. Groups is a shorthand for a rule on the groups field.
type RoleMapping struct {
	Name    string         `yaml:"name"`
	Roles   []string       `yaml:"roles"`
	Groups  []string       `yaml:"groups"`
	Rules   map[string]any `yaml:"rules"`
	Enabled *bool          `yaml:"enabled"`
}

// JWTRealm is one trusted issuer of JWTs.
type JWTRealm struct {
	// Name names the realm (required, unique).
	Name string `yaml:"name"`
	// Issuer is the exact "iss" of the issuer's tokens.
	Issuer string `yaml:"issuer"`
	// Audiences are the accepted "aud" values.
	Audiences []string `yaml:"audiences"`
	// Algorithms are the allowed signature algorithms.
	Algorithms []string `yaml:"algorithms"`
	// JWKS is a JWK set file, or an http(s) URL serving one.
	JWKS string `yaml:"jwks"`
	// JWKSTimeout bounds one fetch of a JWKS URL (default 5s).
	JWKSTimeout Duration `yaml:"jwks_timeout"`
	// JWKSMinRefresh is the least time between two fetches of a JWKS URL (default 1m).
	JWKSMinRefresh Duration `yaml:"jwks_min_refresh"`
	// PublicKeys are PEM public keys, inline or in a file.
	PublicKeys []JWTPublicKey `yaml:"public_keys"`
	// HMACSecret, or the file HMACSecretFile, is the shared secret of HS* issuers.
	HMACSecret     string `yaml:"hmac_secret"`
	HMACSecretFile string `yaml:"hmac_secret_file"`
	// Claims names the claims read for the user.
	Claims JWTClaims `yaml:"claims"`
	// RequiredClaims: a list of claim names that must be present, or a map of claim
	// name to the values one of which it must hold.
	RequiredClaims RequiredClaims `yaml:"required_claims"`
	// ClockSkew tolerates clock differences for exp, nbf and iat (default 60s).
	ClockSkew Duration `yaml:"clock_skew"`
	// MaxTokenSize is the longest accepted token in bytes (default 16384).
	MaxTokenSize int `yaml:"max_token_size"`
	// LookupUsers takes the principal's roles from the users file instead of the
	// token (Elasticsearch's authorization_realms); unknown principals are refused.
	LookupUsers bool `yaml:"lookup_users"`
}

// JWTPublicKey is one PEM public key.
type JWTPublicKey struct {
	KID     string `yaml:"kid"`
	PEM     string `yaml:"pem"`
	PEMFile string `yaml:"pem_file"`
}

// JWTClaims names the claims of a JWT realm.
type JWTClaims struct {
	Principal string `yaml:"principal"`
	Groups    string `yaml:"groups"`
	Roles     string `yaml:"roles"`
	Name      string `yaml:"name"`
	Mail      string `yaml:"mail"`
	DN        string `yaml:"dn"`
}

// RequiredClaims maps claim names to accepted values (none: the claim must be present).
type RequiredClaims map[string][]string

// RunAs configures the es-security-runas-user header.
type RunAs struct {
	// Mode is local (enforce here with the target's roles, forward as esguard) or
	// delegate (enforce here too, and forward the effective user to the cluster in the
	// run-as header with esguard's credentials, for clusters with security enabled).
	Mode string `yaml:"mode"`
	// ImpersonateAuthenticated (delegate mode) forwards every request as its
	// authenticated user, even without a run-as header from the client.
	ImpersonateAuthenticated bool `yaml:"impersonate_authenticated"`
	// ReasonHeader, when set, names a header every run_as request must carry (for
	// example X-Run-As-Reason); its value goes into the audit events.
	ReasonHeader string `yaml:"reason_header"`
	// Impersonators narrow what the run_as privilege allows, per impersonator.
	Impersonators []Impersonator `yaml:"impersonators"`
}

// Impersonator narrows the run_as of the users it applies to: those whose name
// matches Users or who hold a role matching Roles (wildcards and /regex/).
type Impersonator struct {
	Users []string `yaml:"users"`
	Roles []string `yaml:"roles"`
	// Targets, when set, are the only users they may run as.
	Targets []string `yaml:"targets"`
	// Deny lists users they may never run as.
	Deny []string `yaml:"deny"`
	// Intersect limits the target's privileges by the impersonator's own.
	Intersect bool `yaml:"intersect"`
}

// Audit configures the audit trail.
type Audit struct {
	// File receives one JSON object per line; "-" is stdout; empty disables auditing.
	// The file is reopened on SIGHUP and SIGUSR1, so it can be rotated.
	File string `yaml:"file"`
	// Events selects the audited event actions (access_granted, access_denied, ...).
	Events AuditEvents `yaml:"events"`
	// Ignore lists policies whose matching events are not audited.
	Ignore []AuditIgnore `yaml:"ignore"`
}

// Log configures the application log.
type Log struct {
	// Level is debug, info (default), warn or error.
	Level string `yaml:"level"`
}

// Limits bounds requests. Defaults follow Elasticsearch's HTTP settings.
type Limits struct {
	// MaxInitialLine is the longest request line (default 4096 bytes).
	MaxInitialLine int `yaml:"max_initial_line"`
	// MaxHeaderSize bounds the request line and headers together (default 16384 bytes).
	MaxHeaderSize int `yaml:"max_header_size"`
	// MaxBodySize bounds a request body (default 100 MiB).
	MaxBodySize int `yaml:"max_body_size"`
	// ReadTimeout bounds reading a whole request (default 60s).
	ReadTimeout Duration `yaml:"read_timeout"`
	// WriteTimeout bounds writing a whole response (default 120s).
	WriteTimeout Duration `yaml:"write_timeout"`
	// IdleTimeout closes idle keep-alive connections (default 120s).
	IdleTimeout Duration `yaml:"idle_timeout"`
	// MaxConnections bounds concurrent client connections (default 10000).
	MaxConnections int `yaml:"max_connections"`
}

// Duration is a time.Duration written as "30s" in YAML.
type Duration time.Duration

// UnmarshalText parses a Go duration string.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// Or returns d, or def when d is zero.
func (d Duration) Or(def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return time.Duration(d)
}

func orInt(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// Defaults fills unset limits and options with their documented defaults.
func (c *Config) applyDefaults() {
	if c.Listen == "" {
		c.Listen = "127.0.0.1:9201"
	}
	if c.Flavor == "" {
		c.Flavor = "auto"
	}
	if len(c.Authentication.Order) == 0 {
		c.Authentication.Order = []string{"basic", "anonymous"}
	}
	if c.Log.Level == "" {
		c.Log.Level = "info"
	}
	if c.RunAs.Mode == "" {
		c.RunAs.Mode = "local"
	}
	l := &c.Limits
	l.MaxInitialLine = orInt(l.MaxInitialLine, 4096)
	l.MaxHeaderSize = orInt(l.MaxHeaderSize, 16384)
	l.MaxBodySize = orInt(l.MaxBodySize, 100<<20)
	l.MaxConnections = orInt(l.MaxConnections, 10000)
	c.Upstream.MaxConnsPerNode = orInt(c.Upstream.MaxConnsPerNode, 512)
}
