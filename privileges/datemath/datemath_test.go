package datemath

import (
	"strings"
	"testing"
	"time"
)

func TestResolve(t *testing.T) {
	now := time.Date(2026, 11, 23, 22, 30, 15, 123456789, time.UTC)
	jan31 := time.Date(2024, 1, 31, 10, 0, 0, 0, time.UTC)
	newYear := time.Date(2027, 1, 1, 0, 30, 0, 0, time.UTC)
	for _, c := range []struct {
		expr string
		now  time.Time
		want string
	}{
		{"logs", now, "logs"},
		{"<logs-{now/d}>", now, "logs-2026.11.23"},
		{"<logs-{now}>", now, "logs-2026.11.23"},
		{"<logs-{now/M}>", now, "logs-2026.11.01"},
		{"<logs-{now/M{yyyy.MM}}>", now, "logs-2026.11"},
		{"<logs-{now/y{yyyy}}>", now, "logs-2026"},
		{"<logs-{now-1d/d}>", now, "logs-2026.11.22"},
		{"<logs-{now+2d/d}>", now, "logs-2026.11.25"},
		{"<logs-{now-1M/M{uuuu.MM}}>", now, "logs-2026.10"},
		{"<logs-{now-11M/M{uuuu.MM}}>", now, "logs-2025.12"},
		{"<logs-{now+2M{uuuu.MM}}>", now, "logs-2027.01"},
		{"<logs-{now+1M/d}>", jan31, "logs-2024.02.29"},
		{"<logs-{now+13M/d}>", jan31, "logs-2025.02.28"},
		{"<logs-{now-1y{yyyy}}>", now, "logs-2025"},
		{"<logs-{now/w}>", now, "logs-2026.11.23"},
		{"<logs-{now-1d/w}>", now, "logs-2026.11.16"},
		{"<logs-{now-1w/d}>", now, "logs-2026.11.16"},
		{"<logs-{now/h{yyyy.MM.dd.HH}}>", now, "logs-2026.11.23.22"},
		{"<logs-{now-3h/h{yyyy.MM.dd.HH}}>", now, "logs-2026.11.23.19"},
		{"<logs-{now/m{HH:mm}}>", now, "logs-22:30"},
		{"<logs-{now/s{HH:mm:ss}}>", now, "logs-22:30:15"},
		{"<logs-{now/d{yyyy.MM.dd|+12:00}}>", now, "logs-2026.11.24"},
		{"<logs-{now/d{yyyy.MM.dd|-05:00}}>", now, "logs-2026.11.23"},
		{"<logs-{now/d{yyyy.MM.dd|+0100}}>", now, "logs-2026.11.23"},
		{"<logs-{now/d{yyyy.MM.dd|+02}}>", now, "logs-2026.11.24"},
		{"<logs-{now/d{yyyy.MM.dd|Asia/Tokyo}}>", now, "logs-2026.11.24"},
		{"<logs-{now/d{yyyy.MM.dd|Europe/Paris}}>", now, "logs-2026.11.23"},
		{"<logs-{now/d{yyyy.MM.dd|Z}}>", now, "logs-2026.11.23"},
		{"<logs-{now/d{yyyy.MM.dd|UTC}}>", newYear, "logs-2027.01.01"},
		{"<logs-{now/d{yyyy.MM.dd|-01:00}}>", newYear, "logs-2026.12.31"},
		{"<logs-{now/y{yyyy|-01:00}}>", newYear, "logs-2026"},
		{"<logs-{now{yy.M.d}}>", newYear, "logs-27.1.1"},
		{"<logs-{now{MMM-MMMM}}>", now, "logs-Nov-November"},
		{"<logs-{now{EEE-EEEE}}>", now, "logs-Mon-Monday"},
		{"<logs-{now{DDD}}>", now, "logs-327"},
		{"<logs-{now{hh-a}}>", now, "logs-10-PM"},
		{"<logs-{now{HH.mm.ss.SSS}}>", now, "logs-22.30.15.123"},
		{"<logs-{now{yyyy'w'MM}}>", now, "logs-2026w11"},
		{"<logs-{now{yyyy''MM}}>", now, "logs-2026'11"},
		{"<logs-{now{QQQ}}>", now, "logs-Q4"},
		{"<logs-*-{now/d}>", now, "logs-*-2026.11.23"},
		{"<logs-\\{x\\}-{now/d}>", now, "logs-{x}-2026.11.23"},
		{"<{now/d}>", now, "2026.11.23"},
		{"<a-{now/d}-b-{now-1d/d}>", now, "a-2026.11.23-b-2026.11.22"},
	} {
		got, err := Resolve(c.expr, c.now)
		if err != nil || got != c.want {
			t.Errorf("Resolve(%q) = %q, %v; want %q", c.expr, got, err, c.want)
		}
	}
}

func TestResolveErrors(t *testing.T) {
	now := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct{ expr, want string }{
		{"<logs-{now/d>", "missing closing `}`"},
		{"<logs-}>", "invalid character at position [5]"},
		{"<logs-{}>", "missing date math expression"},
		{"<logs-{now{}}>", "missing date format"},
		{"<logs-{now{yyyy>", "missing closing `}` for date math format"},
		{"<logs-{now/q}>", "rounding `/q` is not supported"},
		{"<logs-{now*1d}>", "operator not supported"},
		{"<logs-{now+1x}>", "unit [x] not supported"},
		{"<logs-{now+}>", "truncated date math"},
		{"<logs-{2026-01-01}>", "from [now] only"},
		{"<logs-{now{YYYY}}>", "cannot reproduce exactly"},
		{"<logs-{now{ww}}>", "cannot reproduce exactly"},
		{"<logs-{now{yyyy|Mars/Olympus}}>", "Unknown time-zone ID"},
		{"<logs-{now{yyyy|+25:00}}>", "Invalid ID for ZoneOffset"},
		{"<logs-{now{'x}}>", "incomplete string literal"},
		{"<logs-\\>", "invalid character"},
	} {
		got, err := Resolve(c.expr, now)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Resolve(%q) = %q, %v; want an error with %q", c.expr, got, err, c.want)
		}
	}
}

func FuzzResolve(f *testing.F) {
	for _, s := range []string{"<logs-{now/d}>", "<a-{now-1M/M{yyyy.MM|+01:00}}>", "<\\{{now}\\}>", "<{now{''}}>", "<{now+10000y}>", "x"} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, expr string) {
		got, err := Resolve(expr, now)
		if err != nil {
			return
		}
		again, _ := Resolve(expr, now)
		if again != got {
			t.Fatalf("not deterministic: %q then %q", got, again)
		}
		if IsExpression(expr) && !strings.Contains(expr, "\\") && strings.ContainsAny(got, "{}") {
			t.Fatalf("Resolve(%q) = %q keeps an unescaped brace", expr, got)
		}
	})
}
