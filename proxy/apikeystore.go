package proxy

import (
	"bytes"
	"cmp"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/elastic/go-elasticsearch/v8"
	"github.com/elastic/go-elasticsearch/v8/esapi"
	"github.com/esguard/esguard/config"
)

// apiKeyIndex is the hidden index that holds esguard's dynamic API keys, one document
// per key with the key id as document id. esguard reads and writes it with its own
// upstream credentials, never the client's, so every esguard instance in front of the
// cluster sees the same keys; clients never reach it through esguard.
const apiKeyIndex = ".esguard-api-keys"

// apiKeysOpaqueID marks the API key store's requests in the cluster's task list and slow
// logs.
const apiKeysOpaqueID = "esguard-apikeys"

const (
	// apiKeyTimeout bounds one request of the API key store.
	apiKeyTimeout = 10 * time.Second
	// apiKeyCacheTTL is how long a document read from the cluster (or its absence) is
	// trusted by default. An invalidation made through another esguard instance takes
	// effect here after at most this long.
	apiKeyCacheTTL = 5 * time.Second
	// apiKeyCacheMax bounds the number of cached documents.
	apiKeyCacheMax = 10000
	// apiKeyMaxResults is the most keys all returns: one search, within the default
	// index.max_result_window. Beyond it all fails rather than return a partial list.
	apiKeyMaxResults = 10000
	// apiKeyMaxBody bounds a response body read from the cluster.
	apiKeyMaxBody = 256 << 20
)

// apiKeyIndexBody creates apiKeyIndex: hidden, one shard with a replica where the cluster
// has a second node, high recovery priority, and strict mappings so that a document of
// another shape is refused rather than silently re-mapped. Settings and mappings follow
// Elasticsearch's .security index (SecurityIndexManager, security-index-template.json).
const apiKeyIndexBody = `{
  "settings": {
    "index": {
      "hidden": true,
      "number_of_shards": 1,
      "number_of_replicas": 0,
      "auto_expand_replicas": "0-1",
      "priority": 1000
    }
  },
  "mappings": {
    "dynamic": "strict",
    "_meta": {"managed_by": "esguard", "version": 1},
    "properties": {
      "doc_type": {"type": "keyword"},
      "name": {"type": "keyword"},
      "api_key_hash": {"type": "keyword", "index": false, "doc_values": false},
      "creation_time": {"type": "long"},
      "expiration_time": {"type": "long"},
      "api_key_invalidated": {"type": "boolean"},
      "invalidation_time": {"type": "long"},
      "role_descriptors": {"type": "object", "enabled": false},
      "limited_by_role_names": {"type": "keyword"},
      "metadata_flattened": {"type": "flattened"},
      "creator": {
        "type": "object",
        "properties": {
          "principal": {"type": "keyword"},
          "full_name": {"type": "keyword"},
          "email": {"type": "keyword"},
          "realm": {"type": "keyword"},
          "realm_type": {"type": "keyword"},
          "metadata": {"type": "object", "enabled": false}
        }
      },
      "type": {"type": "keyword"}
    }
  }
}`

// apiKeyDoc is one API key as stored in apiKeyIndex, modelled on the api_key documents
// of Elasticsearch's .security index (ApiKeyService). It never holds the secret.
type apiKeyDoc struct {
	DocType          string                     `json:"doc_type"` // "api_key"
	Name             string                     `json:"name"`
	Hash             string                     `json:"api_key_hash"`    // hash of the secret
	Created          int64                      `json:"creation_time"`   // epoch ms
	Expiration       *int64                     `json:"expiration_time"` // epoch ms, nil = never
	Invalidated      bool                       `json:"api_key_invalidated"`
	InvalidationTime *int64                     `json:"invalidation_time,omitempty"` // epoch ms
	RoleDescriptors  map[string]json.RawMessage `json:"role_descriptors"`            // the key's own role descriptors, ES JSON
	LimitedByRoles   []string                   `json:"limited_by_role_names"`       // the owner's roles at creation
	Metadata         map[string]any             `json:"metadata_flattened"`
	Creator          apiKeyCreator              `json:"creator"`
	Type             string                     `json:"type"` // "rest"
}

// apiKeyCreator is the user who created an API key.
type apiKeyCreator struct {
	Principal string         `json:"principal"`
	FullName  string         `json:"full_name"`
	Email     string         `json:"email"`
	Realm     string         `json:"realm"`
	RealmType string         `json:"realm_type"`
	Metadata  map[string]any `json:"metadata"`
}

// storedAPIKey is an API key document with its id.
type storedAPIKey struct {
	ID  string
	Doc *apiKeyDoc
}

// apiKeyStore reads and writes API keys in apiKeyIndex with esguard's own upstream
// credentials. Reads by id are cached for a short TTL, so that steady-state
// authentication does not reach the cluster on every request. Any failure to reach the
// cluster is an error: callers refuse authentication, never grant it.
type apiKeyStore struct {
	es      *elasticsearch.Client
	ttl     time.Duration // <= 0: nothing is cached
	timeout time.Duration
	now     func() time.Time // the cache's clock

	indexMu    sync.Mutex // serializes index creation
	indexReady atomic.Bool

	mu        sync.Mutex
	cache     map[string]apiKeyCacheEntry
	max       int
	gen       uint64 // bumped by evict: a read that began before must not be cached
	nextSweep time.Time
}

// apiKeyCacheEntry is one cached read: the document, or nil when the key does not exist.
type apiKeyCacheEntry struct {
	doc     *apiKeyDoc
	expires time.Time
}

// apiKeyVersion is a document's seq_no and primary_term, for optimistic concurrency.
type apiKeyVersion struct {
	seqNo, primaryTerm int
}

// apiKeyStoreError is an error answer of the cluster to a request of the API key store.
type apiKeyStoreError struct {
	Op     string // what the store asked: "get", "create", "search", ...
	Status int    // the upstream HTTP status
	Type   string // Elasticsearch's error type, "" when the body had none
	Reason string
	err    error // a sentinel the answer means (errAPIKeyExists), or nil
}

func (e *apiKeyStoreError) Error() string {
	s := "api key store: " + e.Op + ": status " + strconv.Itoa(e.Status)
	if e.Type != "" {
		s += ": " + e.Type
	}
	if e.Reason != "" {
		s += ": " + e.Reason
	}
	return s
}

func (e *apiKeyStoreError) Unwrap() error { return e.err }

// errAPIKeyExists is returned by create when a key with the id already exists.
var errAPIKeyExists = errors.New("api key store: an api key with this id already exists")

// errTooManyAPIKeys is returned by all when the index holds more than apiKeyMaxResults
// keys.
var errTooManyAPIKeys = fmt.Errorf("api key store: more than %d api keys", apiKeyMaxResults)

// newAPIKeyStore builds the store for the upstream cluster (reached with tlsConf when its
// nodes are https), with documents cached for ttl
// (0 means apiKeyCacheTTL, a negative ttl disables the cache). Nothing is requested until
// a method is called.
func newAPIKeyStore(up config.Upstream, tlsConf *tls.Config, ttl time.Duration) (*apiKeyStore, error) {
	// A retried create or update cannot apply twice: creates use op_type=create and
	// updates if_seq_no, and create recognizes its own earlier write.
	es, err := newClusterClient(up, tlsConf, apiKeyTimeout, 4)
	if err != nil {
		return nil, fmt.Errorf("proxy: api key store client: %w", err)
	}
	if ttl == 0 {
		ttl = apiKeyCacheTTL
	}
	return &apiKeyStore{
		es:      es,
		ttl:     ttl,
		timeout: apiKeyTimeout,
		now:     time.Now,
		cache:   map[string]apiKeyCacheEntry{},
		max:     apiKeyCacheMax,
	}, nil
}

// validAPIKeyID reports whether id can be a key id: 1 to 512 bytes (Elasticsearch's
// limit for document ids) of the URL-safe base64 alphabet that Elasticsearch's
// UUIDs.base64UUID ids use. The id becomes a path segment upstream unescaped, so
// nothing else may pass.
func validAPIKeyID(id string) bool {
	if id == "" || len(id) > 512 {
		return false
	}
	for i := range len(id) {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// ensureIndex creates apiKeyIndex unless this store already did, or found it existing.
func (s *apiKeyStore) ensureIndex(ctx context.Context) error {
	if s.indexReady.Load() {
		return nil
	}
	s.indexMu.Lock()
	defer s.indexMu.Unlock()
	if s.indexReady.Load() {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	api := s.es.Indices.Create
	res, err := api(apiKeyIndex, api.WithContext(ctx), api.WithBody(strings.NewReader(apiKeyIndexBody)), api.WithOpaqueID(apiKeysOpaqueID))
	if _, err := apiKeyAnswer("create index", res, err); err != nil {
		if se, ok := errors.AsType[*apiKeyStoreError](err); !ok || se.Type != "resource_already_exists_exception" {
			return err
		}
	}
	s.indexReady.Store(true)
	return nil
}

// create stores a new key under id, creating the index first if needed, and returns
// once the key is searchable (refresh=wait_for). It returns an error wrapping
// errAPIKeyExists when the id is taken. Empty DocType and Type default to "api_key" and
// "rest"; d itself is not modified.
func (s *apiKeyStore) create(ctx context.Context, id string, d *apiKeyDoc) error {
	if !validAPIKeyID(id) {
		return fmt.Errorf("api key store: create: invalid api key id %q", id)
	}
	if err := s.ensureIndex(ctx); err != nil {
		return err
	}
	doc := *d
	if doc.DocType == "" {
		doc.DocType = "api_key"
	}
	if doc.Type == "" {
		doc.Type = "rest"
	}
	body, err := json.Marshal(&doc)
	if err != nil {
		return fmt.Errorf("api key store: create: %w", err)
	}
	err = s.request(ctx, func(ctx context.Context) error {
		api := s.es.Create
		res, err := api(apiKeyIndex, id, bytes.NewReader(body), api.WithContext(ctx), api.WithRefresh("wait_for"), api.WithOpaqueID(apiKeysOpaqueID))
		_, err = apiKeyAnswer("create", res, err)
		return err
	})
	if se, ok := errors.AsType[*apiKeyStoreError](err); ok && se.Status == http.StatusConflict {
		// A retry after a lost answer finds this very write: same id, same hash.
		if got, _, gerr := s.fetch(ctx, id); gerr == nil && got != nil && doc.Hash != "" && got.Hash == doc.Hash {
			err = nil
		} else {
			se.err = errAPIKeyExists
		}
	}
	s.evict(id) // a cached "no such key" must not outlive the key's creation
	return err
}

// get returns the key with the given id, found false when there is none (also when the
// index does not exist or the id is malformed). Answers come from the cache while they
// are younger than the store's TTL. The returned document is shared: callers must not
// modify it.
func (s *apiKeyStore) get(ctx context.Context, id string) (*apiKeyDoc, bool, error) {
	if !validAPIKeyID(id) {
		return nil, false, nil
	}
	now := s.now()
	s.mu.Lock()
	e, cached := s.cache[id]
	gen := s.gen
	s.mu.Unlock()
	if cached && now.Before(e.expires) {
		return e.doc, e.doc != nil, nil
	}
	doc, _, err := s.fetch(ctx, id)
	if err != nil {
		return nil, false, err
	}
	s.remember(id, doc, gen)
	return doc, doc != nil, nil
}

// fetch reads a key from the cluster, bypassing the cache; nil when there is none.
func (s *apiKeyStore) fetch(ctx context.Context, id string) (*apiKeyDoc, apiKeyVersion, error) {
	var r struct {
		Found       bool            `json:"found"`
		SeqNo       int             `json:"_seq_no"`
		PrimaryTerm int             `json:"_primary_term"`
		Source      json.RawMessage `json:"_source"`
	}
	err := s.request(ctx, func(ctx context.Context) error {
		api := s.es.Get
		res, err := api(apiKeyIndex, id, api.WithContext(ctx), api.WithOpaqueID(apiKeysOpaqueID))
		body, err := apiKeyAnswer("get", res, err)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(body, &r); err != nil {
			return fmt.Errorf("api key store: get: %w", err)
		}
		return nil
	})
	if se, ok := errors.AsType[*apiKeyStoreError](err); ok && se.Status == http.StatusNotFound &&
		(se.Type == "" || se.Type == "index_not_found_exception") {
		return nil, apiKeyVersion{}, nil // found:false, or no index: no key
	}
	if err != nil {
		return nil, apiKeyVersion{}, err
	}
	if !r.Found {
		return nil, apiKeyVersion{}, nil
	}
	var doc apiKeyDoc
	if err := json.Unmarshal(r.Source, &doc); err != nil {
		return nil, apiKeyVersion{}, fmt.Errorf("api key store: get: document %s: %w", id, err)
	}
	if doc.DocType != "api_key" {
		return nil, apiKeyVersion{}, nil
	}
	return &doc, apiKeyVersion{r.SeqNo, r.PrimaryTerm}, nil
}

// remember caches a read that began at generation gen, unless an eviction happened since.
// When the cache is full it first drops expired entries (at most once per TTL), then
// arbitrary ones; a "no such key" answer never pushes out a real key, so a stream of
// unknown ids cannot flush the cache.
func (s *apiKeyStore) remember(id string, doc *apiKeyDoc, gen uint64) {
	if s.ttl <= 0 {
		return
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if gen != s.gen {
		return
	}
	if _, ok := s.cache[id]; !ok && len(s.cache) >= s.max {
		if !now.Before(s.nextSweep) {
			for k, e := range s.cache {
				if !now.Before(e.expires) {
					delete(s.cache, k)
				}
			}
			s.nextSweep = now.Add(s.ttl)
		}
		if len(s.cache) >= s.max {
			if doc == nil {
				return
			}
			drop := max(1, s.max/10)
			for k := range s.cache { // map order is random
				delete(s.cache, k)
				if drop--; drop == 0 {
					break
				}
			}
		}
	}
	s.cache[id] = apiKeyCacheEntry{doc: doc, expires: now.Add(s.ttl)}
}

// evict forgets the cached read of id, and keeps reads already under way from caching
// what they fetched.
func (s *apiKeyStore) evict(id string) {
	s.mu.Lock()
	delete(s.cache, id)
	s.gen++
	s.mu.Unlock()
}

// all returns every key, oldest first, with one search. It fails with errTooManyAPIKeys
// when the index holds more than apiKeyMaxResults keys, and on partial results, so that
// no caller acts on an incomplete list. A missing index means no keys.
func (s *apiKeyStore) all(ctx context.Context) ([]storedAPIKey, error) {
	query := `{"size":` + strconv.Itoa(apiKeyMaxResults) + `,"track_total_hits":true,"query":{"term":{"doc_type":"api_key"}}}`
	var r struct {
		TimedOut bool `json:"timed_out"`
		Shards   struct {
			Failed int `json:"failed"`
		} `json:"_shards"`
		Hits struct {
			Total struct {
				Value    int    `json:"value"`
				Relation string `json:"relation"`
			} `json:"total"`
			Hits []struct {
				ID     string          `json:"_id"`
				Source json.RawMessage `json:"_source"`
			} `json:"hits"`
		} `json:"hits"`
	}
	err := s.request(ctx, func(ctx context.Context) error {
		api := s.es.Search
		res, err := api(api.WithContext(ctx), api.WithIndex(apiKeyIndex), api.WithBody(strings.NewReader(query)), api.WithOpaqueID(apiKeysOpaqueID))
		body, err := apiKeyAnswer("search", res, err)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(body, &r); err != nil {
			return fmt.Errorf("api key store: search: %w", err)
		}
		return nil
	})
	if se, ok := errors.AsType[*apiKeyStoreError](err); ok && se.Type == "index_not_found_exception" {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if r.TimedOut || r.Shards.Failed > 0 {
		return nil, errors.New("api key store: search: partial results (timed out or failed shards)")
	}
	if r.Hits.Total.Relation == "gte" || r.Hits.Total.Value > len(r.Hits.Hits) {
		return nil, errTooManyAPIKeys
	}
	keys := make([]storedAPIKey, 0, len(r.Hits.Hits))
	for _, h := range r.Hits.Hits {
		var doc apiKeyDoc
		if err := json.Unmarshal(h.Source, &doc); err != nil {
			return nil, fmt.Errorf("api key store: search: document %s: %w", h.ID, err)
		}
		keys = append(keys, storedAPIKey{ID: h.ID, Doc: &doc})
	}
	slices.SortFunc(keys, func(a, b storedAPIKey) int {
		return cmp.Or(cmp.Compare(a.Doc.Created, b.Doc.Created), strings.Compare(a.ID, b.ID))
	})
	return keys, nil
}

// apiKeyInvalidateAttempts bounds how often invalidate re-reads a key whose document
// changed between its read and its update.
const apiKeyInvalidateAttempts = 3

// invalidate marks the keys with the given ids invalidated at now, as
// InvalidateApiKeyResponse reports it: the keys it invalidated and those that already
// were, in the order given. Unknown ids are in neither list. Each key is read and then
// updated only if its document is unchanged (if_seq_no, if_primary_term), so concurrent
// esguard instances cannot undo each other's changes. The local cache forgets every id;
// other instances notice within their TTL. On error, the lists hold the keys handled
// before it.
func (s *apiKeyStore) invalidate(ctx context.Context, ids []string, now time.Time) (invalidated, previously []string, err error) {
	seen := make(map[string]bool, len(ids))
	defer func() {
		for id := range seen {
			s.evict(id)
		}
	}()
	body, err := json.Marshal(map[string]any{"doc": map[string]any{"api_key_invalidated": true, "invalidation_time": now.UnixMilli()}})
	if err != nil {
		return nil, nil, fmt.Errorf("api key store: invalidate: %w", err)
	}
	for _, id := range ids {
		if seen[id] || !validAPIKeyID(id) {
			continue
		}
		seen[id] = true
		for attempt := 1; ; attempt++ {
			doc, v, err := s.fetch(ctx, id)
			if err != nil {
				return invalidated, previously, err
			}
			if doc == nil {
				break
			}
			if doc.Invalidated {
				previously = append(previously, id)
				break
			}
			err = s.request(ctx, func(ctx context.Context) error {
				api := s.es.Update
				res, err := api(apiKeyIndex, id, bytes.NewReader(body), api.WithContext(ctx),
					api.WithIfSeqNo(v.seqNo), api.WithIfPrimaryTerm(v.primaryTerm),
					api.WithRefresh("wait_for"), api.WithOpaqueID(apiKeysOpaqueID))
				_, err = apiKeyAnswer("update", res, err)
				return err
			})
			if err == nil {
				invalidated = append(invalidated, id)
				break
			}
			if se, ok := errors.AsType[*apiKeyStoreError](err); ok && attempt < apiKeyInvalidateAttempts &&
				(se.Status == http.StatusConflict || se.Type == "document_missing_exception") {
				continue // changed or deleted since the read: read again
			}
			return invalidated, previously, err
		}
	}
	return invalidated, previously, nil
}

// request runs one request bounded by the store's timeout.
func (s *apiKeyStore) request(ctx context.Context, do func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	return do(ctx)
}

// apiKeyAnswer reads a response: its body when the status is below 300, an
// *apiKeyStoreError otherwise, and a wrapped transport error when there was no answer.
func apiKeyAnswer(op string, res *esapi.Response, err error) ([]byte, error) {
	if err != nil {
		return nil, fmt.Errorf("api key store: %s: %w", op, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, apiKeyMaxBody))
	if err != nil {
		return nil, fmt.Errorf("api key store: %s: %w", op, err)
	}
	if res.StatusCode < 300 {
		return body, nil
	}
	e := &apiKeyStoreError{Op: op, Status: res.StatusCode}
	var r struct {
		Error json.RawMessage `json:"error"`
	}
	if json.Unmarshal(body, &r) == nil && len(r.Error) > 0 {
		var obj struct {
			Type   string `json:"type"`
			Reason string `json:"reason"`
		}
		if json.Unmarshal(r.Error, &obj) == nil {
			e.Type, e.Reason = obj.Type, obj.Reason
		} else {
			_ = json.Unmarshal(r.Error, &e.Reason) // {"error":"text"}
		}
	}
	if len(e.Reason) > 300 {
		e.Reason = e.Reason[:300] + "..."
	}
	return nil, e
}
