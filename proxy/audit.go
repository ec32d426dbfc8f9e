package proxy

import (
	"errors"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/esguard/esguard/config"
)

// Audit event actions, named as in Elasticsearch's audit log.
const (
	eventAccessGranted        = "access_granted"
	eventAccessDenied         = "access_denied"
	eventAuthenticationFailed = "authentication_failed"
	eventAnonymousDenied      = "anonymous_access_denied"
	eventRunAsGranted         = "run_as_granted"
	eventRunAsDenied          = "run_as_denied"
)

// auditEvent is one audit record, built from strings copied out of the request so it
// can outlive the handler.
//
// user and realm are the effective user and the realm that authenticated or looked it
// up; under run_as, runBy and runByRealm are the authenticated user and its realm.
type auditEvent struct {
	action      string
	user        string
	runBy       string
	runByRealm  string
	runAsReason string
	roles       []string
	authType    string
	realm       string
	origin      string
	path        string
	method      string
	esAction    string
	indices     []string
	opaqueID    string
	requestID   string
	reason      string
}

// Audit writes audit events as JSON lines. It is the one place that writes audit.
//
// A file or stdout (OpenAudit) is written by a goroutine of its own in batches (at
// auditBatchSize, or auditFlushEvery after a batch's first event, and on Flush, Reopen
// and Close), so a request only copies its event into memory and a slow disk never
// holds it for long: when auditQueueLen events (or auditMaxPending bytes) are waiting
// for auditQueueWait the event is dropped and counted (Dropped, and the metric esguard_audit_events_dropped_total).
// A caller's writer (NewAudit) is written synchronously.
type Audit struct {
	w       io.Writer   // queue, or a caller's writer behind a lock; nil: no trail
	queue   *auditQueue // asynchronous destination (OpenAudit), or nil
	path    string      // the file reopened by Reopen; "" for stdout or a caller's writer
	now     func() time.Time
	filter  atomic.Pointer[auditFilter]
	metrics *Metrics
	dropped atomic.Uint64
	stamp   atomic.Pointer[auditStamp] // the last @timestamp written
}

// auditStamp is an @timestamp and the millisecond it stands for: events of the same
// millisecond share it rather than format the time again.
type auditStamp struct {
	ms   int64
	text string
}

const auditTimeLayout = "2006-01-02T15:04:05.000Z07:00"

// timestamp returns the @timestamp of an event written now.
func (a *Audit) timestamp() string {
	t := a.now()
	ms := t.UnixMilli()
	if st := a.stamp.Load(); st != nil && st.ms == ms {
		return st.text
	}
	st := &auditStamp{ms: ms, text: t.UTC().Format(auditTimeLayout)}
	a.stamp.Store(st)
	return st.text
}

const (
	auditQueueLen  = 8192
	auditQueueWait = 50 * time.Millisecond
)

// OpenAudit opens the audit destination: a file (appended to), "-" for stdout, or ""
// for no audit trail.
func OpenAudit(path string) (*Audit, error) {
	switch path {
	case "":
		return &Audit{now: time.Now}, nil
	case "-":
		return newQueuedAudit(os.Stdout, ""), nil
	}
	f, err := openAuditFile(path)
	if err != nil {
		return nil, err
	}
	return newQueuedAudit(f, path), nil
}

func openAuditFile(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
}

func newQueuedAudit(w io.Writer, path string) *Audit {
	a := &Audit{path: path, now: time.Now}
	a.queue = newAuditQueue(&a.dropped)
	a.w = a.queue
	go a.queue.run(w)
	return a
}

// NewAudit writes audit events to w, synchronously.
func NewAudit(w io.Writer) *Audit {
	return &Audit{w: &lockedWriter{w: w}, now: time.Now}
}

// Configure sets the event filters (audit.events and audit.ignore). It is safe to call
// while events are written, for example after a configuration reload.
func (a *Audit) Configure(c config.Audit) {
	a.filter.Store(newAuditFilter(c))
}

// Dropped returns how many events were lost: the queue stayed full, or the
// destination refused the write.
func (a *Audit) Dropped() uint64 { return a.dropped.Load() }

// Reopen opens the audit file again, so a rotated file is left behind and events go
// to a new file at the configured path. No event is lost: the switch happens between
// two writes, and events queued before it are flushed to the old file first. It does
// nothing for stdout or a caller's writer.
func (a *Audit) Reopen() error {
	if a.path == "" || a.queue == nil {
		return nil
	}
	f, err := openAuditFile(a.path)
	if err != nil {
		return err
	}
	return a.queue.control(auditControl{swap: f})
}

// Flush waits until every event written so far has reached the destination.
func (a *Audit) Flush() error {
	if a.queue == nil {
		return nil
	}
	return a.queue.control(auditControl{})
}

// Close flushes the queued events and closes the audit file, if any. Events written
// afterwards are dropped.
func (a *Audit) Close() error {
	if a.queue == nil || !a.queue.markClosed() {
		return nil
	}
	return a.queue.control(auditControl{close: true})
}

func (a *Audit) write(ev *auditEvent) {
	if ev.action == eventAuthenticationFailed || ev.action == eventAnonymousDenied {
		a.metrics.authenticationFailure(ev.realm)
	}
	if f := a.filter.Load(); f != nil && f.drop(ev) {
		return
	}
	if a.w == nil {
		return
	}
	buf := auditBuffers.Get().(*[]byte)
	b := appendEvent((*buf)[:0], a.timestamp(), ev)
	_, _ = a.w.Write(b) // the queue never fails; a caller's writer's errors are its own
	if cap(b) <= auditKeepEncoded {
		*buf = b
		auditBuffers.Put(buf)
	}
}

func eventType(action string) string {
	switch action {
	case eventAuthenticationFailed, eventAnonymousDenied:
		return "rest"
	}
	return "transport"
}

// auditFilter decides which events are written (audit.events, audit.ignore).
type auditFilter struct {
	include map[string]bool // nil: every action
	exclude map[string]bool
	ignore  []config.AuditIgnore
}

func newAuditFilter(c config.Audit) *auditFilter {
	f := &auditFilter{exclude: map[string]bool{}, ignore: c.Ignore}
	for _, n := range c.Events.Include {
		if n == "_all" {
			f.include = nil
			break
		}
		if f.include == nil {
			f.include = map[string]bool{}
		}
		f.include[n] = true
	}
	for _, n := range c.Events.Exclude {
		f.exclude[n] = true
	}
	return f
}

// drop reports whether ev is filtered out: its action is not included or is excluded,
// or it matches an ignore policy (Elasticsearch's LoggingAuditTrail.EventFilterPolicy).
func (f *auditFilter) drop(ev *auditEvent) bool {
	if (f.include != nil && !f.include[ev.action]) || f.exclude[ev.action] {
		return true
	}
	for i := range f.ignore {
		p := &f.ignore[i]
		if (len(p.Users) == 0 || matchAny(p.Users, ev.user)) &&
			(len(p.Realms) == 0 || matchAny(p.Realms, ev.realm)) &&
			(len(p.Roles) == 0 || matchAll(p.Roles, ev.roles)) &&
			(len(p.Indices) == 0 || matchAll(p.Indices, ev.indices)) &&
			(len(p.Actions) == 0 || matchAny(p.Actions, ev.esAction)) {
			return true
		}
	}
	return false
}

// matchAll reports whether every value matches a pattern; no value counts as "".
func matchAll(patterns, values []string) bool {
	if len(values) == 0 {
		return matchAny(patterns, "")
	}
	for _, v := range values {
		if !matchAny(patterns, v) {
			return false
		}
	}
	return true
}

func matchAny(patterns []string, s string) bool {
	for _, p := range patterns {
		if wildcardMatch(p, s) {
			return true
		}
	}
	return false
}

// wildcardMatch matches s against a pattern where * stands for any run of characters.
func wildcardMatch(pattern, s string) bool {
	star, resume := -1, 0
	i, j := 0, 0
	for j < len(s) {
		switch {
		case i < len(pattern) && pattern[i] == '*':
			star, resume = i, j
			i++
		case i < len(pattern) && pattern[i] == s[j]:
			i++
			j++
		case star >= 0:
			resume++
			i, j = star+1, resume
		default:
			return false
		}
	}
	for i < len(pattern) && pattern[i] == '*' {
		i++
	}
	return i == len(pattern)
}

// auditControl is a request to the writer goroutine, acknowledged on ack once every
// event queued before it is written: a flush when nothing else is set.
type auditControl struct {
	swap  *os.File // reopen: write to this file from now on
	close bool
	ack   chan error
}

// auditQueue batches serialized events for the goroutine that writes them. A request
// only appends its event to the pending batch under a mutex; the writer takes the whole
// batch when it reaches auditBatchSize or auditFlushEvery after its first event, and
// before a flush, a reopen or close, so events keep their order and one write(2) and one
// wake-up serve many events.
type auditQueue struct {
	mu      sync.Mutex
	pending []byte        // events not yet taken by the writer
	events  int           // how many events pending holds
	closed  bool          // Close was called: later events are dropped
	drained chan struct{} // closed when the writer takes pending; waited on when full

	kick    chan struct{} // wakes the writer: a batch was started or is full
	ctl     chan auditControl
	wait    time.Duration // how long a full queue may hold a request
	max     int           // events pending at most
	dropped *atomic.Uint64
}

const (
	auditBatchSize  = 64 << 10             // a batch this large is written at once
	auditFlushEvery = 2 * time.Millisecond // a smaller one waits at most this long
	auditMaxPending = 2 << 20              // bytes waiting at most, besides auditQueueLen events
	auditKeepBuffer = 4 << 20              // batch buffers up to this size are reused
)

func newAuditQueue(dropped *atomic.Uint64) *auditQueue {
	return &auditQueue{
		drained: make(chan struct{}),
		kick:    make(chan struct{}, 1),
		ctl:     make(chan auditControl),
		wait:    auditQueueWait,
		max:     auditQueueLen,
		dropped: dropped,
	}
}

// Write adds a copy of one serialized event to the pending batch. When the batch
// already holds q.max events or auditMaxPending bytes (the destination is slow or
// stuck), it waits at most q.wait for the writer to take it, then drops the event and
// counts it. It never fails.
func (q *auditQueue) Write(p []byte) (int, error) {
	var timer *time.Timer
	for {
		q.mu.Lock()
		if q.closed {
			q.mu.Unlock()
			q.dropped.Add(1)
			break
		}
		if q.events < q.max && len(q.pending) < auditMaxPending {
			first := q.events == 0
			q.pending = append(q.pending, p...)
			q.events++
			full := len(q.pending) >= auditBatchSize
			q.mu.Unlock()
			if first || full {
				select {
				case q.kick <- struct{}{}:
				default:
				}
			}
			break
		}
		drained := q.drained
		q.mu.Unlock()
		if timer == nil {
			timer = time.NewTimer(q.wait)
			defer timer.Stop()
		}
		select {
		case <-drained:
			continue
		case <-timer.C:
			q.dropped.Add(1)
		}
		break
	}
	return len(p), nil
}

// take hands the pending batch to the writer in exchange for spare, an empty buffer.
func (q *auditQueue) take(spare []byte) (batch []byte, events int) {
	q.mu.Lock()
	batch, events = q.pending, q.events
	q.pending, q.events = spare[:0], 0
	if events > 0 {
		close(q.drained)
		q.drained = make(chan struct{})
	}
	q.mu.Unlock()
	return batch, events
}

// markClosed makes later events be dropped; it reports false if it was done already.
func (q *auditQueue) markClosed() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return false
	}
	q.closed = true
	return true
}

// control sends a control request to the writer and waits for it.
func (q *auditQueue) control(c auditControl) error {
	c.ack = make(chan error, 1)
	q.ctl <- c
	return <-c.ack
}

// run writes batches to w until a close request.
func (q *auditQueue) run(w io.Writer) {
	closeW := func() error {
		if c, ok := w.(io.Closer); ok && w != io.Writer(os.Stdout) {
			return c.Close()
		}
		return nil
	}
	spare := make([]byte, 0, 2*auditBatchSize)
	write := func() error {
		batch, n := q.take(spare)
		if n == 0 {
			spare = batch
			return nil
		}
		_, err := w.Write(batch)
		if err != nil {
			q.dropped.Add(uint64(n))
		}
		if cap(batch) <= auditKeepBuffer {
			spare = batch[:0]
		} else {
			spare = make([]byte, 0, 2*auditBatchSize) // grown while the destination was slow
		}
		return err
	}
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		select {
		case <-q.kick:
			// A batch was started: give it auditFlushEvery to fill, unless it is full
			// already or fills up meanwhile.
			q.mu.Lock()
			full := len(q.pending) >= auditBatchSize
			q.mu.Unlock()
			if !full {
				timer.Reset(auditFlushEvery)
				select {
				case <-timer.C:
				case <-q.kick:
					timer.Stop()
				case c := <-q.ctl:
					timer.Stop()
					if q.serve(c, write, &w, closeW) {
						return
					}
					continue
				}
			}
			_ = write()
		case c := <-q.ctl:
			if q.serve(c, write, &w, closeW) {
				return
			}
		}
	}
}

// serve answers a control request after writing what is pending; it reports whether
// the writer must stop.
func (q *auditQueue) serve(c auditControl, write func() error, w *io.Writer, closeW func() error) bool {
	err := write()
	switch {
	case c.swap != nil:
		err = errors.Join(err, closeW())
		*w = c.swap
		c.ack <- err
	case c.close:
		c.ack <- errors.Join(err, closeW())
		return true
	default:
		c.ack <- err
	}
	return false
}

// lockedWriter serialises writes so concurrent events never interleave.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
