package auth

// Authentication types, as in Elasticsearch's Authentication.AuthenticationType
// (lower-cased), for Identity.AuthType.
const (
	AuthTypeRealm     = "realm"
	AuthTypeAPIKey    = "api_key"
	AuthTypeToken     = "token"
	AuthTypeAnonymous = "anonymous"
)

// Identity is an authenticated principal. Identities handed out by realms are shared
// between requests: treat them, their Roles and their Metadata as read-only.
type Identity struct {
	// Username is the principal's name.
	Username string
	// Roles are the names of the principal's roles.
	Roles []string
	// FullName and Email are informational, as in Elasticsearch's User.
	FullName, Email string
	// Metadata is arbitrary user metadata (Elasticsearch's User.metadata).
	Metadata map[string]any
	// RealmName and RealmType name the realm that authenticated (or looked up) the
	// principal, for example "default_file" and "file".
	RealmName, RealmType string
	// AuthType is one of AuthTypeRealm, AuthTypeAPIKey, AuthTypeToken or AuthTypeAnonymous.
	AuthType string
	// APIKeyID and APIKeyName are set when an API key authenticated the request.
	APIKeyID, APIKeyName string
}
