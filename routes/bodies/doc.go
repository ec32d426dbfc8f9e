// Package bodies reads the index names that Elasticsearch request bodies carry, the way
// Elasticsearch itself reads them, so that esguard authorizes exactly the targets that
// Elasticsearch will act on.
//
// It covers the bodies whose items each name their own index: the NDJSON bodies of
// _bulk (BulkRequestParser) and of _msearch, _msearch/template and _fleet/_fleet_msearch
// (MultiSearchRequest.readMultiLineFormat), and the JSON bodies of _mget
// (MultiGetRequest) and _mtermvectors (MultiTermVectorsRequest), and the NDJSON body of
// the _mpercolate API of Elasticsearch 1.x and 2.x (ScanMultiPercolate). The _bulk, _msearch,
// _mget and _mtermvectors bodies of Elasticsearch 1.x and 2.x, which carry _type and follow
// that era's parsers, have scanners of their own (ScanLegacyBulk, ScanLegacyMultiSearch,
// ScanLegacyDocs and ScanLegacyTermVectorsDocs). Beside the scanners it
// rewrites such bodies so that only the authorized items are forwarded (FilterDocs,
// MultiSearchHeader) and splices the upstream response back into one entry per original
// item (MergeArray).
//
// A body that Elasticsearch refuses as a whole is refused here too, with
// Elasticsearch's exception type and reason (*BadRequestError). Where Elasticsearch's
// parser would silently resolve an ambiguity (which of two spellings of one key wins, a
// value whose meaning depends on parser state), the body is refused rather than guessed
// at; those rules are documented on each scanner.
//
// The package is pure: it imports only the standard library and must not import HTTP
// servers or clients, YAML or logging packages, nor touch the network or the clock.
package bodies

// BadRequestError is a body Elasticsearch (or esguard, stricter) refuses as a whole, with
// its exception type and reason.
type BadRequestError struct{ Type, Reason string }

// Error returns the type and the reason.
func (e *BadRequestError) Error() string { return e.Type + ": " + e.Reason }
