// Package routes owns Elasticsearch's REST route table: it turns a request's method and
// raw path into the route Elasticsearch would dispatch it to, the transport action that
// route executes and the index expressions named in the path, and from those the targets
// (action, indices) a request must be authorized for.
//
// The table is the reference table of Elasticsearch 9.x (data/es-9.5-routes.tsv, one row
// per route of every REST handler), embedded and parsed once. ForFlavour gives the table
// of another flavour: Elasticsearch 8.19 (data/es-8.19-routes.tsv, derived from the 9.5
// table) or Elastic Cloud Serverless (the 9.5 table, serving only the handlers in
// data/serverless-handlers.txt). Matching mirrors
// Elasticsearch's PathTrie and RestController: literal segments beat {param} segments,
// a path whose route lacks the method falls through to more wildcard matches, and the
// errors are those Elasticsearch answers (no handler found, method not allowed, bad
// percent-encoding).
//
// The shield1 and shield2 flavours have tables of their own (data/es-1.7-routes.tsv and
// data/es-2.4-routes.tsv, from the registerHandler calls of Elasticsearch 1.7 and 2.4 and
// of the Shield and license plugins of those versions), matched as Elasticsearch 1.x and
// 2.x match them: one trie per method, no 405, empty path segments dropped (legacy.go).
//
// The package is pure: it imports only the standard library and must not import HTTP
// servers or clients (fasthttp, net/http), YAML or logging packages, nor touch the
// network or the clock. Query strings reach it through a lookup function so that it
// stays independent of any HTTP library.
package routes
