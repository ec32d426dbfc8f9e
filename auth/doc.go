// Package auth authenticates requests: it parses the Authorization header into
// Credentials, runs them through a Chain of realms in the configured order and returns
// an Identity or a *Failure.
//
// It owns the credential types, the Realm contract (ErrNotHandled is Elasticsearch's
// CONTINUE, any other error its TERMINATE), the file realm with its password hashes
// (bcrypt and Elasticsearch's {PBKDF2} and {PBKDF2_STRETCH} formats), the API key realm
// (static keys and a source of keys stored elsewhere, each limited by its owner's
// roles), the JWT realm (one trusted issuer each: JWKS, PEM or HMAC keys, claim
// validation, verified-token cache), Elasticsearch's role mapping rules, the caches of
// verified credentials, and the helpers that hash and check passwords.
//
// auth may import privileges (role names). It must not import fasthttp, YAML or logging
// libraries, config, runas or proxy: the proxy copies header values into Credentials
// and renders a *Failure as Elasticsearch's 401.
//
// Identities returned by realms are shared between requests and must not be modified.
package auth
