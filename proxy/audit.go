package proxy

import (
	"io"
	"os"
	"sync"
	"time"

	"github.com/rs/zerolog"
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
type auditEvent struct {
	action    string
	user      string
	runBy     string
	roles     []string
	authType  string
	realm     string
	origin    string
	path      string
	method    string
	esAction  string
	indices   []string
	opaqueID  string
	requestID string
	reason    string
}

// Audit writes audit events as JSON lines. It is the one place that writes audit.
type Audit struct {
	out  zerolog.Logger
	dst  *lockedWriter
	path string // the file reopened by Reopen; "" for stdout or a caller's writer
	now  func() time.Time
}

// OpenAudit opens the audit destination: a file (appended to), "-" for stdout, or ""
// for no audit trail.
func OpenAudit(path string) (*Audit, error) {
	switch path {
	case "":
		return &Audit{out: zerolog.Nop(), now: time.Now}, nil
	case "-":
		return NewAudit(os.Stdout), nil
	}
	f, err := openAuditFile(path)
	if err != nil {
		return nil, err
	}
	a := NewAudit(f)
	a.path = path
	return a, nil
}

func openAuditFile(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
}

// NewAudit writes audit events to w.
func NewAudit(w io.Writer) *Audit {
	dst := &lockedWriter{w: w}
	return &Audit{out: zerolog.New(dst), dst: dst, now: time.Now}
}

// Reopen opens the audit file again, so a rotated file is left behind and events go
// to a new file at the configured path. Events written meanwhile are not lost: the
// switch happens between two writes. It does nothing for stdout or a caller's writer.
func (a *Audit) Reopen() error {
	if a.path == "" {
		return nil
	}
	f, err := openAuditFile(a.path)
	if err != nil {
		return err
	}
	a.dst.mu.Lock()
	old := a.dst.w
	a.dst.w = f
	a.dst.mu.Unlock()
	return old.(io.Closer).Close()
}

// Close closes the audit file, if any.
func (a *Audit) Close() error {
	if a.path == "" || a.dst == nil {
		return nil
	}
	a.dst.mu.Lock()
	defer a.dst.mu.Unlock()
	return a.dst.w.(io.Closer).Close()
}

func (a *Audit) write(ev *auditEvent) {
	e := a.out.Log()
	if !e.Enabled() {
		return
	}
	e.Str("@timestamp", a.now().UTC().Format("2006-01-02T15:04:05.000Z07:00")).
		Str("event.type", eventType(ev.action)).
		Str("event.action", ev.action)
	if ev.user != "" {
		e.Str("user.name", ev.user)
	}
	if ev.runBy != "" {
		e.Str("user.run_by.name", ev.runBy)
	}
	if ev.roles != nil {
		e.Strs("user.roles", ev.roles)
	}
	if ev.realm != "" {
		e.Str("user.realm", ev.realm)
	}
	if ev.authType != "" {
		e.Str("authentication.type", ev.authType)
	}
	e.Str("origin.type", "rest").
		Str("origin.address", ev.origin).
		Str("url.path", ev.path).
		Str("request.method", ev.method)
	if ev.esAction != "" {
		e.Str("action", ev.esAction)
	}
	if len(ev.indices) > 0 {
		e.Strs("indices", ev.indices)
	}
	if ev.opaqueID != "" {
		e.Str("opaque_id", ev.opaqueID)
	}
	e.Str("request.id", ev.requestID)
	if ev.reason != "" {
		e.Str("reason", ev.reason)
	}
	e.Send()
}

func eventType(action string) string {
	switch action {
	case eventAuthenticationFailed, eventAnonymousDenied:
		return "rest"
	}
	return "transport"
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
