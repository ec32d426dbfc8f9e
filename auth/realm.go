package auth

import (
	"context"
	"errors"
)

// ErrNotHandled is returned by a realm that does not recognise the credentials (for
// example a basic-auth realm given a bearer token): the chain tries the next realm.
// It is Elasticsearch's AuthenticationResult CONTINUE without a message.
var ErrNotHandled = errors.New("auth: credentials not handled by this realm")

// Realm authenticates credentials. Authenticate returns ErrNotHandled when the
// credentials are not for this realm; any other error ends the chain, and a rejection
// of credentials the realm recognised is a *Failure. A realm must be safe for
// concurrent use.
type Realm interface {
	// Name is the realm's configured name, for example "default_file".
	Name() string
	// Type is the realm's type, for example "file".
	Type() string
	// Authenticate verifies c and returns the principal it belongs to.
	Authenticate(ctx context.Context, c Credentials) (*Identity, error)
}

// UserLookup is implemented by realms that can look users up by name without
// credentials (for run_as), like Elasticsearch's Realm.lookupUser.
type UserLookup interface {
	// LookupUser returns the user called username, or false when the realm does not
	// know it.
	LookupUser(ctx context.Context, username string) (*Identity, bool)
}
