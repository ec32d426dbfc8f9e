package proxy

import (
	"net"
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
