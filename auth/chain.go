package auth

import (
	"context"
	"errors"
	"slices"
)

// Chain runs realms in the configured order, like Elasticsearch's RealmsAuthenticator:
// the first realm that authenticates the credentials wins; a realm that returns
// ErrNotHandled passes them to the next one; any other error ends the chain. A nil or
// empty Chain handles nothing. A Chain is immutable and safe for concurrent use.
type Chain struct {
	realms []Realm
}

// NewChain returns a chain of realms, tried in the order given.
func NewChain(realms ...Realm) *Chain {
	return &Chain{realms: slices.Clone(realms)}
}

// Authenticate returns the Identity of the first realm that accepts cred. No
// credentials (SchemeNone) is a *Failure with Kind FailureMissing; credentials no realm
// handles are a *Failure with Kind FailureInvalid, as Elasticsearch answers
// "unable to authenticate user [...]" when every realm passed.
func (c *Chain) Authenticate(ctx context.Context, cred Credentials) (*Identity, error) {
	if cred.Scheme == SchemeNone {
		return nil, &Failure{Kind: FailureMissing, Reason: "no credentials"}
	}
	if c != nil {
		for _, r := range c.realms {
			id, err := r.Authenticate(ctx, cred)
			switch {
			case err == nil && id != nil:
				return id, nil
			case err == nil:
				return nil, errors.New("auth: realm [" + r.Name() + "] returned neither an identity nor an error")
			case errors.Is(err, ErrNotHandled):
				continue
			}
			return nil, err
		}
	}
	reason := "no realm handles " + cred.Scheme.String() + " credentials"
	return nil, &Failure{Kind: FailureInvalid, Username: cred.Principal(), Reason: reason}
}

// Lookup returns the user called username from the first realm, in order, that
// implements UserLookup and knows it.
func (c *Chain) Lookup(ctx context.Context, username string) (*Identity, bool) {
	if c == nil {
		return nil, false
	}
	for _, r := range c.realms {
		if l, ok := r.(UserLookup); ok {
			if id, ok := l.LookupUser(ctx, username); ok {
				return id, true
			}
		}
	}
	return nil, false
}

// Realms returns the realms in order (a copy).
func (c *Chain) Realms() []Realm {
	if c == nil {
		return nil
	}
	return slices.Clone(c.realms)
}
