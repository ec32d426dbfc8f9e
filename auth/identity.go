package auth

import (
	"time"

	"github.com/esguard/esguard/privileges"
)

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
	// APIKey describes the API key that authenticated the request, nil otherwise.
	APIKey *APIKeyGrant
	// Expires is when the credentials stop authenticating (a JWT's exp, an API key's
	// expiration); zero when they do not expire on their own.
	Expires time.Time
}

// APIKeyGrant is what an API key may do: its own role descriptors, limited by the
// roles of its owner (Elasticsearch's limited-by role descriptors).
type APIKeyGrant struct {
	// RoleDescriptors are the key's own roles; empty means the owner's privileges.
	RoleDescriptors []*privileges.RoleDescriptor
	// LimitedBy are the names of the owner's roles, which limit RoleDescriptors.
	LimitedBy []string
	// OwnerRealm and OwnerRealmType name the realm that authenticated the key's creator.
	OwnerRealm, OwnerRealmType string
	// Static is true for keys from the API keys file, which the API cannot change.
	Static bool
}
