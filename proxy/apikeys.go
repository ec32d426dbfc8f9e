package proxy

import (
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/esguard/esguard/auth"
	"github.com/esguard/esguard/config"
	"github.com/esguard/esguard/privileges"
	"github.com/valyala/fasthttp"
)

// API keys created through the API live in the cluster (apiKeyStore); dynamicKeys
// hands them to the API key realm. Static keys come from the API keys file and can be
// listed, not changed.

// dynamicKeys is the auth.APIKeySource of the keys stored in the cluster. It converts
// each stored document once (role descriptors parsed with the catalogue in force) and
// reuses the conversion while the store returns the same document.
type dynamicKeys struct {
	store *apiKeyStore
	cfg   *config.Store

	mu   sync.Mutex
	conv map[string]convertedKey
}

type convertedKey struct {
	doc *apiKeyDoc
	key *auth.APIKey
}

// maxConvertedKeys bounds dynamicKeys.conv; it is emptied when full.
const maxConvertedKeys = 10_000

func (d *dynamicKeys) APIKey(ctx context.Context, id string) (*auth.APIKey, error) {
	doc, ok, err := d.store.get(ctx, id)
	if err != nil || !ok {
		return nil, err
	}
	d.mu.Lock()
	c, hit := d.conv[id]
	d.mu.Unlock()
	if hit && c.doc == doc {
		return c.key, nil
	}
	key, err := keyFromDoc(id, doc, d.cfg.Load())
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	if len(d.conv) >= maxConvertedKeys {
		clear(d.conv)
	}
	d.conv[id] = convertedKey{doc: doc, key: key}
	d.mu.Unlock()
	return key, nil
}

// keyFromDoc turns a stored document into the realm's view of the key.
func keyFromDoc(id string, doc *apiKeyDoc, snap *config.Snapshot) (*auth.APIKey, error) {
	k := &auth.APIKey{
		ID:             id,
		Name:           doc.Name,
		Owner:          doc.Creator.Principal,
		OwnerRealm:     doc.Creator.Realm,
		OwnerRealmType: doc.Creator.RealmType,
		Hash:           doc.Hash,
		Created:        time.UnixMilli(doc.Created),
		Invalidated:    doc.Invalidated,
		LimitedBy:      doc.LimitedByRoles,
		Metadata:       doc.Metadata,
	}
	if doc.Expiration != nil {
		k.Expiration = time.UnixMilli(*doc.Expiration)
	}
	if len(doc.RoleDescriptors) > 0 {
		raw, err := json.Marshal(doc.RoleDescriptors)
		if err != nil {
			return nil, err
		}
		descs, err := config.ParseRoleDescriptors(raw, snap.Catalogue)
		if err != nil {
			return nil, errors.New("the role descriptors of api key [" + id + "] no longer apply: " + err.Error())
		}
		k.RoleDescriptors = descs
	}
	return k, nil
}

// requireKeyStore answers 400 when API keys cannot be created or read through the API.
func (s *Server) requireKeyStore() *HTTPError {
	if s.keys == nil {
		return errBadRequest("illegal_argument_exception", "API keys are not enabled: add [api_key] to authentication.order")
	}
	return nil
}

// createAPIKeyRequest is the body of POST /_security/api_key.
type createAPIKeyRequest struct {
	Name            string          `json:"name"`
	Expiration      string          `json:"expiration"`
	RoleDescriptors json.RawMessage `json:"role_descriptors"`
	Metadata        map[string]any  `json:"metadata"`
}

// createAPIKeyEndpoint answers POST|PUT /_security/api_key (TransportCreateApiKeyAction):
// a new key owned by the effective user, limited by that user's roles, stored in the
// cluster. The secret is returned once and stored only as a hash.
func (s *Server) createAPIKeyEndpoint(ctx *fasthttp.RequestCtx, x *exchange) *HTTPError {
	if herr := s.requireKeyStore(); herr != nil {
		return herr
	}
	body, herr := readBody(ctx, x)
	if herr != nil {
		return herr
	}
	var req createAPIKeyRequest
	if herr := decodeStrict(body, &req); herr != nil {
		return herr
	}
	if herr := validateKeyName(req.Name); herr != nil {
		return herr
	}
	now := time.Now()
	doc := &apiKeyDoc{DocType: "api_key", Name: req.Name, Created: now.UnixMilli(), Metadata: req.Metadata, Type: "rest"}
	if req.Expiration != "" {
		d, err := parseTimeValue(req.Expiration)
		if err != nil || d <= 0 {
			return errBadRequest("illegal_argument_exception", "failed to parse setting [expiration] with value ["+req.Expiration+"] as a time value: unit is missing or unrecognized")
		}
		exp := now.Add(d).UnixMilli()
		doc.Expiration = &exp
	}
	if doc.Metadata == nil {
		doc.Metadata = map[string]any{}
	}
	for k := range doc.Metadata {
		if strings.HasPrefix(k, "_") {
			return errBadRequest("action_request_validation_exception", "Validation Failed: 1: API key metadata keys may not start with [_];")
		}
	}
	descs := map[string]json.RawMessage{}
	if len(req.RoleDescriptors) > 0 && string(req.RoleDescriptors) != "null" {
		parsed, err := config.ParseRoleDescriptors(req.RoleDescriptors, x.snap.Catalogue)
		if err != nil {
			return errBadRequest("parse_exception", "failed to parse role descriptors: "+err.Error())
		}
		if err := json.Unmarshal(req.RoleDescriptors, &descs); err != nil {
			return errBadRequest("parse_exception", "role_descriptors must be an object of role name to role descriptor")
		}
		if x.subject.Authenticated.APIKey != nil && (len(parsed) == 0 || grantsAny(parsed)) {
			return errBadRequest("illegal_argument_exception", "creating derived api keys requires an explicit role descriptor that is empty (has no privileges)")
		}
	}
	if len(descs) == 0 && x.subject.Authenticated.APIKey != nil {
		return errBadRequest("illegal_argument_exception", "creating derived api keys requires an explicit role descriptor that is empty (has no privileges)")
	}
	doc.RoleDescriptors = descs

	owner := x.subject.Effective
	doc.Creator = apiKeyCreator{Principal: owner.Username, FullName: owner.FullName, Email: owner.Email, Realm: owner.RealmName, RealmType: owner.RealmType, Metadata: owner.Metadata}
	doc.LimitedByRoles = nonNil(owner.Roles)
	if k := owner.APIKey; k != nil {
		// A key created with an API key belongs to that key's owner.
		doc.Creator.Realm, doc.Creator.RealmType = k.OwnerRealm, k.OwnerRealmType
		if k.Static {
			doc.Creator.Realm, doc.Creator.RealmType = auth.DefaultFileRealmName, auth.FileRealmType
		}
		doc.LimitedByRoles = nonNil(k.LimitedBy)
	}
	secret := auth.NewAPIKeySecret()
	doc.Hash = auth.HashAPIKeySecret(secret)
	id := auth.NewAPIKeyID()
	if err := s.keys.create(ctx, id, doc); err != nil {
		return errUpstream(fasthttp.StatusServiceUnavailable, "the API key could not be stored in the cluster", err)
	}
	s.auditGranted(x)
	out := map[string]any{
		"id":      id,
		"name":    req.Name,
		"api_key": secret,
		"encoded": base64.StdEncoding.EncodeToString([]byte(id + ":" + secret)),
	}
	if doc.Expiration != nil {
		out["expiration"] = *doc.Expiration
	}
	return writeJSON(ctx, x, fasthttp.StatusOK, out)
}

// grantsAny reports whether any descriptor grants anything (CreateApiKeyRequest's
// grantsAnyPrivileges).
func grantsAny(descs []*privileges.RoleDescriptor) bool {
	for _, d := range descs {
		if len(d.Cluster) > 0 || len(d.Indices) > 0 || len(d.RemoteIndices) > 0 || len(d.Applications) > 0 || len(d.RunAs) > 0 {
			return true
		}
	}
	return false
}

// validateKeyName follows ApiKeyService's name rules.
func validateKeyName(name string) *HTTPError {
	switch {
	case name == "":
		return errBadRequest("action_request_validation_exception", "Validation Failed: 1: api key name is required;")
	case len(name) > 1024:
		return errBadRequest("action_request_validation_exception", "Validation Failed: 1: api key name may not be more than 1024 characters long;")
	case name != strings.TrimSpace(name):
		return errBadRequest("action_request_validation_exception", "Validation Failed: 1: api key name may not begin or end with whitespace;")
	case strings.HasPrefix(name, "_"):
		return errBadRequest("action_request_validation_exception", "Validation Failed: 1: api key name may not begin with an underscore;")
	}
	return nil
}

// parseTimeValue parses Elasticsearch's TimeValue: a number followed by d, h, m, s,
// ms, micros or nanos.
func parseTimeValue(v string) (time.Duration, error) {
	units := []struct {
		suffix string
		unit   time.Duration
	}{{"nanos", time.Nanosecond}, {"micros", time.Microsecond}, {"ms", time.Millisecond}, {"d", 24 * time.Hour}, {"h", time.Hour}, {"m", time.Minute}, {"s", time.Second}}
	for _, u := range units {
		if num, ok := strings.CutSuffix(v, u.suffix); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(num), 10, 64)
			if err != nil || n < 0 || n > int64(1<<62)/int64(u.unit) {
				return 0, errors.New("bad time value")
			}
			return time.Duration(n) * u.unit, nil
		}
	}
	return 0, errors.New("missing unit")
}

// decodeStrict decodes a JSON object body, refusing unknown fields and trailing data.
func decodeStrict(body []byte, v any) *HTTPError {
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return errBadRequest("parse_exception", "request body is required and must be a JSON object: "+err.Error())
	}
	if dec.More() {
		return errBadRequest("parse_exception", "request body holds more than one JSON value")
	}
	return nil
}

// apiKeyInfo is one key in the shape of GET /_security/api_key.
type apiKeyInfo struct {
	ID              string                     `json:"id"`
	Name            string                     `json:"name"`
	Type            string                     `json:"type"`
	Creation        int64                      `json:"creation"`
	Expiration      *int64                     `json:"expiration,omitempty"`
	Invalidated     bool                       `json:"invalidated"`
	Invalidation    *int64                     `json:"invalidation,omitempty"`
	Username        string                     `json:"username"`
	Realm           string                     `json:"realm"`
	RealmType       string                     `json:"realm_type,omitempty"`
	Metadata        map[string]any             `json:"metadata"`
	RoleDescriptors map[string]json.RawMessage `json:"role_descriptors"`
	LimitedBy       []map[string]roleJSON      `json:"limited_by,omitempty"`
}

// listKeys returns every key, static keys first, then the stored ones.
func (s *Server) listKeys(ctx context.Context, x *exchange) ([]apiKeyInfo, error) {
	var out []apiKeyInfo
	for _, k := range x.snap.APIKeys {
		info := apiKeyInfo{ID: k.ID, Name: k.Name, Type: "rest", Invalidated: k.Invalidated, Username: k.Owner,
			Realm: auth.DefaultFileRealmName, RealmType: auth.FileRealmType, Metadata: k.Metadata, RoleDescriptors: map[string]json.RawMessage{}}
		if !k.Created.IsZero() {
			info.Creation = k.Created.UnixMilli()
		}
		if !k.Expiration.IsZero() {
			ms := k.Expiration.UnixMilli()
			info.Expiration = &ms
		}
		for _, d := range k.RoleDescriptors {
			raw, err := json.Marshal(roleOf(d, false))
			if err != nil {
				return nil, err
			}
			info.RoleDescriptors[d.Name] = raw
		}
		out = append(out, info)
	}
	stored, err := s.keys.all(ctx)
	if err != nil {
		return nil, err
	}
	for _, st := range stored {
		d := st.Doc
		info := apiKeyInfo{ID: st.ID, Name: d.Name, Type: cmp.Or(d.Type, "rest"), Creation: d.Created, Expiration: d.Expiration,
			Invalidated: d.Invalidated, Invalidation: d.InvalidationTime, Username: d.Creator.Principal, Realm: d.Creator.Realm,
			RealmType: d.Creator.RealmType, Metadata: d.Metadata, RoleDescriptors: d.RoleDescriptors}
		if info.RoleDescriptors == nil {
			info.RoleDescriptors = map[string]json.RawMessage{}
		}
		out = append(out, info)
	}
	for i := range out {
		if out[i].Metadata == nil {
			out[i].Metadata = map[string]any{}
		}
	}
	return out, nil
}

// ownsKey reports whether the subject owns the key: the same user name and realm (for
// a subject authenticated with an API key, its owner's), or the subject's own key.
func ownsKey(x *exchange, k *apiKeyInfo) bool {
	a := x.subject.Authenticated
	if a.APIKey != nil {
		if k.ID == a.APIKeyID {
			return true
		}
		realm := a.APIKey.OwnerRealm
		if a.APIKey.Static {
			realm = auth.DefaultFileRealmName
		}
		return k.Username == a.Username && k.Realm == realm
	}
	eff := x.subject.Effective
	return k.Username == eff.Username && k.Realm == eff.RealmName
}

// keyAccess decides a get, query or invalidate API key request: manage_api_key (or any
// privilege granting the action) sees every key, manage_own_api_key only the subject's
// own (ManageOwnApiKeyClusterPrivilege). It returns whether the subject is limited to
// its own keys, or the refusal.
func (s *Server) keyAccess(x *exchange, ownRequested bool) (ownOnly bool, herr *HTTPError) {
	perm, err := x.permission()
	if err != nil {
		return false, errInternal(err)
	}
	if perm.Cluster(x.action) {
		return false, nil
	}
	if perm.OwnAPIKeys(x.action) && ownRequested {
		return true, nil
	}
	return false, s.checkCluster(x, x.action)
}

// getAPIKeysEndpoint answers GET /_security/api_key (TransportGetApiKeyAction) with the
// id, name, username, realm_name, owner and active_only parameters.
func (s *Server) getAPIKeysEndpoint(ctx *fasthttp.RequestCtx, x *exchange) *HTTPError {
	if herr := s.requireKeyStore(); herr != nil {
		return herr
	}
	q := func(k string) string { v, _ := x.lookupQuery(k); return v }
	id, name, username, realm := q("id"), q("name"), q("username"), q("realm_name")
	owner := q("owner") == "true"
	if owner && (username != "" || realm != "") {
		return errBadRequest("action_request_validation_exception", "Validation Failed: 1: username or realm name must not be specified when the current user is the owner of the API key;")
	}
	own := owner || (x.subject.Authenticated.APIKey != nil && id == x.subject.Authenticated.APIKeyID && id != "") ||
		(username == x.subject.Effective.Username && realm == x.subject.Effective.RealmName && username != "")
	ownOnly, herr := s.keyAccess(x, own)
	if herr != nil {
		return herr
	}
	all, err := s.listKeys(ctx, x)
	if err != nil {
		return errUpstream(fasthttp.StatusServiceUnavailable, "the API keys could not be read from the cluster", err)
	}
	activeOnly := q("active_only") == "true"
	now := time.Now().UnixMilli()
	keys := []apiKeyInfo{}
	for i := range all {
		k := &all[i]
		switch {
		case (ownOnly || owner) && !ownsKey(x, k),
			id != "" && k.ID != id,
			name != "" && !nameMatches(name, k.Name),
			username != "" && k.Username != username,
			realm != "" && k.Realm != realm,
			activeOnly && (k.Invalidated || (k.Expiration != nil && *k.Expiration <= now)):
			continue
		}
		keys = append(keys, *k)
	}
	s.auditGranted(x)
	return writeJSON(ctx, x, fasthttp.StatusOK, map[string]any{"api_keys": keys})
}

// nameMatches follows ApiKeyService: a name ending in '*' is a prefix.
func nameMatches(pattern, name string) bool {
	if p, ok := strings.CutSuffix(pattern, "*"); ok {
		return strings.HasPrefix(name, p)
	}
	return pattern == name
}

// invalidateAPIKeysRequest is the body of DELETE /_security/api_key.
type invalidateAPIKeysRequest struct {
	ID        string   `json:"id"`
	IDs       []string `json:"ids"`
	Name      string   `json:"name"`
	RealmName string   `json:"realm_name"`
	Username  string   `json:"username"`
	Owner     bool     `json:"owner"`
}

// invalidateAPIKeysEndpoint answers DELETE /_security/api_key
// (TransportInvalidateApiKeyAction). Static keys cannot be invalidated through the API.
func (s *Server) invalidateAPIKeysEndpoint(ctx *fasthttp.RequestCtx, x *exchange) *HTTPError {
	if herr := s.requireKeyStore(); herr != nil {
		return herr
	}
	body, herr := readBody(ctx, x)
	if herr != nil {
		return herr
	}
	var req invalidateAPIKeysRequest
	if herr := decodeStrict(body, &req); herr != nil {
		return herr
	}
	if req.ID != "" {
		if len(req.IDs) > 0 {
			return errBadRequest("action_request_validation_exception", "Validation Failed: 1: Must use either [id] or [ids], not both at the same time;")
		}
		req.IDs = []string{req.ID}
	}
	if len(req.IDs) == 0 && req.Name == "" && req.RealmName == "" && req.Username == "" && !req.Owner {
		return errBadRequest("action_request_validation_exception", "Validation Failed: 1: One of [api key id(s), api key name, username, realm name] must be specified if [owner] flag is false;")
	}
	self := x.subject.Authenticated
	own := req.Owner || (self.APIKey != nil && slices.Equal(req.IDs, []string{self.APIKeyID})) ||
		(req.Username == x.subject.Effective.Username && req.RealmName == x.subject.Effective.RealmName && req.Username != "")
	ownOnly, herr := s.keyAccess(x, own)
	if herr != nil {
		return herr
	}
	all, err := s.listKeys(ctx, x)
	if err != nil {
		return errUpstream(fasthttp.StatusServiceUnavailable, "the API keys could not be read from the cluster", err)
	}
	var ids []string
	for i := range all {
		k := &all[i]
		switch {
		case (ownOnly || req.Owner) && !ownsKey(x, k),
			len(req.IDs) > 0 && !slices.Contains(req.IDs, k.ID),
			req.Name != "" && !nameMatches(req.Name, k.Name),
			req.Username != "" && k.Username != req.Username,
			req.RealmName != "" && k.Realm != req.RealmName:
			continue
		}
		if isStatic(x, k.ID) {
			return errBadRequest("illegal_argument_exception", "api key ["+k.ID+"] is defined in the API keys file; remove it or set invalidated: true there")
		}
		ids = append(ids, k.ID)
	}
	invalidated, previously, err := s.keys.invalidate(ctx, ids, time.Now())
	if err != nil {
		return errUpstream(fasthttp.StatusServiceUnavailable, "the API keys could not be invalidated in the cluster", err)
	}
	s.auditGranted(x)
	return writeJSON(ctx, x, fasthttp.StatusOK, map[string]any{
		"invalidated_api_keys":            nonNil(invalidated),
		"previously_invalidated_api_keys": nonNil(previously),
		"error_count":                     0,
	})
}

func isStatic(x *exchange, id string) bool {
	return slices.ContainsFunc(x.snap.APIKeys, func(k *auth.APIKey) bool { return k.ID == id })
}
