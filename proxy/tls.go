package proxy

import (
	"crypto/tls"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/esguard/esguard/config"
	"github.com/valyala/fasthttp"
)

// TLSConfig returns the client listener's TLS configuration, for tls.NewListener.
// Every handshake takes the certificate, the client CAs, the client certificate policy
// and the minimum version from the snapshot in force, so a reload that changes them
// applies to new connections without a restart; established connections keep what
// they negotiated.
//
// Whether the listener speaks TLS is decided at start. When a reload removes the tls
// section, handshakes keep using the last configuration that had one, so clients are
// not cut off until the restart that turns TLS off.
func TLSConfig(store *config.Store) *tls.Config {
	var last atomic.Pointer[listenerTLS]
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
			snap := store.Load()
			cur := last.Load()
			if cur != nil && (cur.snap == snap || snap.TLSCertificate == nil) {
				return cur.conf, nil
			}
			if snap.TLSCertificate == nil {
				return nil, errNoListenerTLS
			}
			next := &listenerTLS{snap: snap, conf: listenerTLSConfig(snap)}
			last.Store(next)
			return next.conf, nil
		},
	}
}

// listenerTLS is the handshake configuration built from one snapshot.
type listenerTLS struct {
	snap *config.Snapshot
	conf *tls.Config
}

var errNoListenerTLS = errors.New("proxy: the configuration has no tls section")

// listenerTLSConfig is the handshake configuration of snap's tls section.
func listenerTLSConfig(snap *config.Snapshot) *tls.Config {
	return &tls.Config{
		Certificates: []tls.Certificate{*snap.TLSCertificate},
		ClientAuth:   snap.TLSClientAuth,
		ClientCAs:    snap.TLSClientCAs,
		MinVersion:   max(snap.TLSMinVersion, tls.VersionTLS12),
		// fasthttp speaks HTTP/1.1 only.
		NextProtos: []string{"http/1.1"},
	}
}

// nodeTLSConfig is conf for the node at host: unless upstream.server_name names
// another, the node's certificate must be valid for the host of its URL.
func nodeTLSConfig(conf *tls.Config, host string) *tls.Config {
	if conf == nil {
		conf = &tls.Config{MinVersion: tls.VersionTLS12}
	} else {
		conf = conf.Clone()
	}
	if conf.ServerName == "" {
		conf.ServerName = host
	}
	return conf
}

// dialTLS wraps dial so that it returns connections on which the TLS handshake with
// conf has completed, within timeout. A verification failure is returned as it is
// (a *tls.CertificateVerificationError), for describe.
func dialTLS(dial fasthttp.DialFunc, conf *tls.Config, timeout time.Duration, alerts *alertLog) fasthttp.DialFunc {
	return func(addr string) (net.Conn, error) {
		raw, err := dial(addr)
		if err != nil {
			return nil, err
		}
		conn := tls.Client(raw, conf)
		if err := conn.SetDeadline(time.Now().Add(timeout)); err != nil {
			raw.Close()
			return nil, err
		}
		if err := conn.Handshake(); err != nil {
			raw.Close()
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return nil, fasthttp.ErrTLSHandshakeTimeout
			}
			return nil, err
		}
		if err := conn.SetDeadline(time.Time{}); err != nil {
			raw.Close()
			return nil, err
		}
		return &alertConn{Conn: conn, alerts: alerts}, nil
	}
}

// alertConn is a client TLS connection that records the alerts the node sends. fasthttp
// sees its Handshake method and does not wrap it in TLS again.
type alertConn struct {
	*tls.Conn
	alerts *alertLog
}

func (c *alertConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	var op *net.OpError
	if err != nil && errors.As(err, &op) && op.Op == "remote error" {
		c.alerts.put(c.LocalAddr(), err)
	}
	return n, err
}

// alertLog keeps the TLS alerts of a node's connections by local address until the
// failed request looks for its own. fasthttp reports any error before a response's first
// byte as a closed connection, and with TLS 1.3 a node refuses a client certificate (or
// its absence) only after the client has finished its side of the handshake, so the
// alert arrives where the response should.
type alertLog struct {
	mu sync.Mutex
	m  map[string]error
}

// maxAlerts bounds the alerts kept; alerts no request looked for are dropped beyond it.
const maxAlerts = 64

func (l *alertLog) put(addr net.Addr, err error) {
	if addr == nil {
		return
	}
	l.mu.Lock()
	if l.m == nil || len(l.m) >= maxAlerts {
		l.m = map[string]error{}
	}
	l.m[addr.String()] = err
	l.mu.Unlock()
}

// take returns and forgets the alert received on the connection from addr, or nil.
func (l *alertLog) take(addr net.Addr) error {
	if addr == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	err := l.m[addr.String()]
	delete(l.m, addr.String())
	return err
}
