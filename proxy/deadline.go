package proxy

import (
	"errors"
	"net"
	"os"
	"time"
)

// lazyDeadline keeps a connection's deadline where it is when the new one is later by
// less than slack. A keep-alive connection pushes its deadlines forward on every
// request, by a few microseconds each time, and every change costs a runtime timer
// update; skipping those means a deadline falls up to slack earlier than asked, never
// later. An earlier deadline, or none, is always set.
type lazyDeadline struct {
	at    time.Time // the deadline in force
	slack time.Duration
}

// keeps reports whether t may be left unset.
func (d *lazyDeadline) keeps(t time.Time) bool {
	return !t.IsZero() && !d.at.IsZero() && !t.Before(d.at) && t.Sub(d.at) < d.slack
}

// set sets t through setter unless d keeps the deadline in force.
func (d *lazyDeadline) set(t time.Time, setter func(time.Time) error) error {
	if d.keeps(t) {
		return nil
	}
	if err := setter(t); err != nil {
		return err
	}
	d.at = t
	return nil
}

// deadlineSlack is the slack of a deadline set timeout ahead: a hundredth of it.
func deadlineSlack(timeout time.Duration) time.Duration { return timeout / 100 }

// lazyConn is an upstream connection whose read and write deadlines are lazyDeadlines
// (the client sets both, timeout ahead, on every request).
type lazyConn struct {
	net.Conn
	read, write lazyDeadline
}

func newLazyConn(c net.Conn, timeout time.Duration) *lazyConn {
	s := deadlineSlack(timeout)
	return &lazyConn{Conn: c, read: lazyDeadline{slack: s}, write: lazyDeadline{slack: s}}
}

func (c *lazyConn) SetReadDeadline(t time.Time) error {
	return c.read.set(t, c.Conn.SetReadDeadline)
}

func (c *lazyConn) SetWriteDeadline(t time.Time) error {
	return c.write.set(t, c.Conn.SetWriteDeadline)
}

func (c *lazyConn) SetDeadline(t time.Time) error {
	if err := c.Conn.SetDeadline(t); err != nil {
		return err
	}
	c.read.at, c.write.at = t, t
	return nil
}

// deferredDeadline is a deadline moved only earlier on the connection: a later one is
// remembered and put in place when the earlier one fires, and the operation it ended
// is tried again (rearm). A server connection's read deadline alternates between the
// idle and the read timeout on every request; deferred, it costs one timer update per
// timeout's length rather than two per request, and it never fires late.
type deferredDeadline struct {
	want time.Time // the deadline asked for; zero: none
	set  time.Time // the deadline in force on the connection; zero: none
}

// update asks for deadline t, setting it through setter only when it is earlier than
// the one in force, or when it is none and one is in force.
func (d *deferredDeadline) update(t time.Time, setter func(time.Time) error) error {
	d.want = t
	if t.Equal(d.set) || (!t.IsZero() && !d.set.IsZero() && t.After(d.set)) {
		return nil
	}
	if err := setter(t); err != nil {
		return err
	}
	d.set = t
	return nil
}

// rearm reports whether err is the deadline in force firing before the one asked for.
// It then puts the one asked for in place, and the caller tries again.
func (d *deferredDeadline) rearm(err error, setter func(time.Time) error) bool {
	if d.set.Equal(d.want) || !errors.Is(err, os.ErrDeadlineExceeded) {
		return false
	}
	if !d.want.IsZero() && !time.Now().Before(d.want) {
		return false
	}
	if setter(d.want) != nil {
		return false
	}
	d.set = d.want
	return true
}
