// Package proxy is esguard's fasthttp server: it runs each request through the
// pipeline (read, authenticate, run_as, route, targets, resolve indices against the
// cluster metadata and authorize, read bodies item by item, bind continuation ids,
// forward, audit),
// forwards granted requests to the upstream nodes and renders every refusal in
// Elasticsearch's JSON shape. It is the one place that renders errors (errors.go) and
// the one place that writes audit events (audit.go).
//
// proxy may import every other esguard package; nothing of esguard imports proxy
// except cmd/esguard.
package proxy
