package proxy

import (
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/esguard/esguard/config"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/valyala/fasthttp"
	"github.com/valyala/fasthttp/fasthttpadaptor"
)

// Request decisions, the decision label of esguard_requests_total.
const (
	decisionGranted         = "granted"         // authorized and answered (upstream or locally)
	decisionDenied          = "denied"          // refused with 403
	decisionUnauthenticated = "unauthenticated" // refused with 401
	decisionFailed          = "failed"          // bad request, unknown route, upstream or internal error
)

// Metrics are esguard's Prometheus metrics, in a registry of their own. A nil *Metrics
// records nothing, so every observation is safe without metrics.
//
//	esguard_requests_total{decision,action_family,status}       requests answered
//	esguard_request_duration_seconds{decision}                  until the response head is ready
//	esguard_authorization_duration_seconds                      the authorization step
//	esguard_upstream_duration_seconds                           the upstream round trip
//	esguard_upstream_errors_total{node}                         failed upstream round trips
//	esguard_authentication_failures_total{realm}                401s, by the realm that refused
//	esguard_config_reloads_total{result}                        success | failure
//	esguard_config_last_reload_success                          1 unless the last reload failed
//	esguard_config_last_reload_timestamp_seconds                0 before the first reload
//	esguard_permission_cache_requests_total{result}             hit | miss
//	esguard_auth_cache_entries                                  cached verified credentials
//	esguard_audit_events_dropped_total                          events the audit queue refused
//	esguard_upstream_node_up{node}                              1 when the node is reachable
//	esguard_metadata_age_seconds                                since the last metadata fetch
//
// plus the Go runtime and process collectors.
type Metrics struct {
	reg            *prometheus.Registry
	handler        fasthttp.RequestHandler
	requests       *prometheus.CounterVec
	duration       *prometheus.HistogramVec
	authz          prometheus.Histogram
	upstream       prometheus.Histogram
	upstreamErrors *prometheus.CounterVec
	authFailures   *prometheus.CounterVec

	// The children of requests and duration by label values, looked up without the
	// vectors' hashing and locking on every request.
	requestCounters sync.Map // requestLabels → prometheus.Counter
	durations       sync.Map // decision → prometheus.Observer
}

type requestLabels struct {
	decision, family string
	status           int
}

// NewMetrics builds the metrics of a server whose configuration is in store.
func NewMetrics(store *config.Store) *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		reg: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "esguard_requests_total",
			Help: "Client requests answered, by decision (granted, denied, unauthenticated, failed), action family (the action up to its second '/', or none) and HTTP status.",
		}, []string{"decision", "action_family", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "esguard_request_duration_seconds",
			Help:    "Time from reading a request to having its response head, by decision.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"decision"}),
		authz: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "esguard_authorization_duration_seconds",
			Help:    "Time spent authorizing a request's targets against the effective roles.",
			Buckets: []float64{.00001, .000025, .00005, .0001, .00025, .0005, .001, .0025, .005, .01, .05},
		}),
		upstream: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "esguard_upstream_duration_seconds",
			Help:    "Time of the upstream round trip, until the response head arrived.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}),
		upstreamErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "esguard_upstream_errors_total",
			Help: "Upstream round trips that failed (connection, timeout), by node.",
		}, []string{"node"}),
		authFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "esguard_authentication_failures_total",
			Help: "Requests refused with 401, by the realm that refused the credentials (none when no realm did).",
		}, []string{"realm"}),
	}
	reg.MustRegister(m.requests, m.duration, m.authz, m.upstream, m.upstreamErrors, m.authFailures,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for _, result := range []string{"success", "failure"} {
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name:        "esguard_config_reloads_total",
			Help:        "Configuration reloads, by result.",
			ConstLabels: prometheus.Labels{"result": result},
		}, func() float64 {
			st := store.Status()
			if result == "success" {
				return float64(st.Succeeded)
			}
			return float64(st.Failed)
		}))
	}
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "esguard_config_last_reload_success",
		Help: "1 when the last configuration reload succeeded or none was attempted, 0 when it failed and an older configuration is in force.",
	}, func() float64 {
		if store.Status().OK {
			return 1
		}
		return 0
	}))
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "esguard_config_last_reload_timestamp_seconds",
		Help: "Unix time of the last configuration reload attempt, 0 before the first.",
	}, func() float64 {
		if st := store.Status(); st.Attempted() {
			return float64(st.Time.UnixNano()) / 1e9
		}
		return 0
	}))
	for _, result := range []string{"hit", "miss"} {
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name:        "esguard_permission_cache_requests_total",
			Help:        "Lookups of the compiled permission of a role set, by result.",
			ConstLabels: prometheus.Labels{"result": result},
		}, func() float64 {
			hits, misses := config.PermissionCacheStats()
			if result == "hit" {
				return float64(hits)
			}
			return float64(misses)
		}))
	}
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "esguard_auth_cache_entries",
		Help: "Verified credentials cached by the realms of the configuration in force.",
	}, func() float64 {
		n := 0
		for _, r := range store.Load().Realms.Realms() {
			if c, ok := r.(interface{ CacheLen() int }); ok {
				n += c.CacheLen()
			}
		}
		return float64(n)
	}))
	m.handler = fasthttpadaptor.NewFastHTTPHandler(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	return m
}

// Registry returns the registry holding esguard's metrics.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// ObserveAudit exports the number of audit events a dropped.
func (m *Metrics) ObserveAudit(a *Audit) {
	if m == nil || a == nil {
		return
	}
	m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "esguard_audit_events_dropped_total",
		Help: "Audit events dropped because the audit queue stayed full (the audit destination is too slow).",
	}, func() float64 { return float64(a.Dropped()) }))
	a.metrics = m
}

// observeServer exports the server's upstream node health and metadata age. Metrics
// shared by several servers export the first one's.
func (m *Metrics) observeServer(s *Server) {
	if m == nil {
		return
	}
	for i, n := range s.upstream.nodes {
		_ = m.reg.Register(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name:        "esguard_upstream_node_up",
			Help:        "1 when the last health check or request reached the node, 0 when it did not.",
			ConstLabels: prometheus.Labels{"node": n.url},
		}, func() float64 {
			if s.upstream.nodes[i].down.Load() {
				return 0
			}
			return 1
		}))
	}
	_ = m.reg.Register(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "esguard_metadata_age_seconds",
		Help: "Seconds since the cluster's index, alias and data stream names were last fetched; +Inf before the first fetch.",
	}, func() float64 {
		t := s.meta.Fetched()
		if t.IsZero() {
			return math.Inf(1)
		}
		return time.Since(t).Seconds()
	}))
}

// request records one answered request.
func (m *Metrics) request(decision, action string, status int, took time.Duration) {
	if m == nil {
		return
	}
	k := requestLabels{decision, actionFamily(action), status}
	c, ok := m.requestCounters.Load(k)
	if !ok {
		c, _ = m.requestCounters.LoadOrStore(k, m.requests.WithLabelValues(k.decision, k.family, statusLabel(status)))
	}
	c.(prometheus.Counter).Inc()
	o, ok := m.durations.Load(decision)
	if !ok {
		o, _ = m.durations.LoadOrStore(decision, m.duration.WithLabelValues(decision))
	}
	o.(prometheus.Observer).Observe(took.Seconds())
}

func (m *Metrics) authorization(took time.Duration) {
	if m != nil {
		m.authz.Observe(took.Seconds())
	}
}

func (m *Metrics) upstreamRoundTrip(took time.Duration) {
	if m != nil {
		m.upstream.Observe(took.Seconds())
	}
}

// UpstreamError counts a failed round trip to node.
func (m *Metrics) UpstreamError(node string, _ error) {
	if m != nil {
		m.upstreamErrors.WithLabelValues(node).Inc()
	}
}

func (m *Metrics) authenticationFailure(realm string) {
	if m == nil {
		return
	}
	if realm == "" {
		realm = "none"
	}
	m.authFailures.WithLabelValues(realm).Inc()
}

// decisionOf classifies a request by the error it ended with (nil: answered).
func decisionOf(herr *HTTPError) string {
	switch {
	case herr == nil:
		return decisionGranted
	case herr.Status == fasthttp.StatusUnauthorized:
		return decisionUnauthenticated
	case herr.Status == fasthttp.StatusForbidden:
		return decisionDenied
	}
	return decisionFailed
}

// actionFamily is the action up to its second '/' (indices:data/read/search →
// indices:data/read), or up to its first '/' when it has only one
// (cluster:monitor/health → cluster:monitor); "none" when the request had no action.
// The label stays bounded because actions come from the route table.
func actionFamily(action string) string {
	if action == "" {
		return "none"
	}
	i := strings.IndexByte(action, '/')
	if i < 0 {
		return action
	}
	if j := strings.IndexByte(action[i+1:], '/'); j >= 0 {
		return action[:i+1+j]
	}
	return action[:i]
}

// statusLabels holds the label of every HTTP status, so counting one never allocates.
var statusLabels = func() (out [600]string) {
	for i := range out {
		out[i] = strconv.Itoa(i)
	}
	return out
}()

func statusLabel(status int) string {
	if status >= 0 && status < len(statusLabels) {
		return statusLabels[status]
	}
	return strconv.Itoa(status)
}
