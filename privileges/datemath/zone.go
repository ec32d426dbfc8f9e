package datemath

import (
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// zone is a java.time.ZoneId: a fixed ZoneOffset, or a region whose rules come from the
// IANA time zone database (Go's copy, with time/tzdata embedded as a fallback).
type zone struct {
	fixed  bool
	offset int // seconds, when fixed
	loc    *time.Location
}

var utcZone = &zone{fixed: true}

// deprecatedShortZones is DateUtils.DEPRECATED_SHORT_TIMEZONES: DateUtils.of maps these
// ids before calling ZoneId.of.
var deprecatedShortZones = map[string]string{
	"EST":  "-05:00",
	"HST":  "-10:00",
	"MST":  "-07:00",
	"ROC":  "Asia/Taipei",
	"Eire": "Europe/London",
}

// zoneOf is DateUtils.of: ZoneId.of(id).normalized(), after the deprecated short ids.
func zoneOf(id string) (*zone, error) {
	if mapped, ok := deprecatedShortZones[id]; ok {
		id = mapped
	}
	return zoneIDOf(id)
}

func dateTimeError(reason string) error { return &Error{Type: typeDateTime, Reason: reason} }

// javaLength is String.length(): UTF-16 code units.
func javaLength(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// zoneIDOf is ZoneId.of(String).
func zoneIDOf(id string) (*zone, error) {
	switch {
	case javaLength(id) <= 1 || strings.HasPrefix(id, "+") || strings.HasPrefix(id, "-"):
		off, err := zoneOffsetOf(id)
		if err != nil {
			return nil, err
		}
		return &zone{fixed: true, offset: off}, nil
	case strings.HasPrefix(id, "UTC") || strings.HasPrefix(id, "GMT"):
		return zoneWithPrefix(id, 3)
	case strings.HasPrefix(id, "UT"):
		return zoneWithPrefix(id, 2)
	}
	return zoneRegion(id)
}

// zoneWithPrefix is ZoneId.ofWithPrefix: "UTC", "GMT+01:00", "UT-5" are fixed offsets;
// "GMT0" or "UTCfoo" are region ids.
func zoneWithPrefix(id string, n int) (*zone, error) {
	if len(id) == n {
		return utcZone, nil
	}
	if id[n] != '+' && id[n] != '-' {
		return zoneRegion(id)
	}
	off, err := zoneOffsetOf(id[n:])
	if err != nil {
		return nil, dateTimeError("Invalid ID for offset-based ZoneId: " + id)
	}
	return &zone{fixed: true, offset: off}, nil
}

// notJavaZones are names Go's LoadLocation accepts that are no tzdb region of the JDK.
var notJavaZones = map[string]bool{"Local": true, "localtime": true, "posixrules": true, "Factory": true}

// zoneRegion is ZoneRegion.ofId(id, true).
func zoneRegion(id string) (*zone, error) {
	// ZoneRegion.checkName: [A-Za-z][A-Za-z0-9~/._+-]+
	if javaLength(id) < 2 {
		return nil, dateTimeError("Invalid ID for region-based ZoneId, invalid format: " + id)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case i > 0 && (c >= '0' && c <= '9' || c == '/' || c == '~' || c == '.' || c == '_' || c == '+' || c == '-'):
		default:
			return nil, dateTimeError("Invalid ID for region-based ZoneId, invalid format: " + id)
		}
	}
	unknown := &Error{Type: "zone_rules_exception", Reason: "Unknown time-zone ID: " + id}
	if notJavaZones[id] || strings.HasPrefix(id, "posix/") || strings.HasPrefix(id, "right/") {
		return nil, unknown
	}
	loc, err := time.LoadLocation(id)
	if err != nil {
		return nil, unknown
	}
	return &zone{loc: loc}, nil
}

// zoneOffsetOf is ZoneOffset.of(String): Z, +h, +hh, +hh:mm, +hhmm, +hh:mm:ss, +hhmmss.
func zoneOffsetOf(id string) (int, error) {
	if id == "Z" {
		return 0, nil
	}
	u := utf16.Encode([]rune(id))
	msg := func(what string) error {
		return dateTimeError("Invalid ID for ZoneOffset, " + what + ": " + string(utf16.Decode(u)))
	}
	num := func(pos int, colon bool) (int, error) {
		if colon && u[pos-1] != ':' {
			return 0, msg("colon not found when expected")
		}
		a, b := u[pos], u[pos+1]
		if a < '0' || a > '9' || b < '0' || b > '9' {
			return 0, msg("non numeric characters found")
		}
		return int(a-'0')*10 + int(b-'0'), nil
	}
	var h, m, s int
	var err error
	switch len(u) {
	case 2:
		u = []uint16{u[0], '0', u[1]}
		fallthrough
	case 3:
		h, err = num(1, false)
	case 5:
		if h, err = num(1, false); err == nil {
			m, err = num(3, false)
		}
	case 6:
		if h, err = num(1, false); err == nil {
			m, err = num(4, true)
		}
	case 7:
		if h, err = num(1, false); err == nil {
			if m, err = num(3, false); err == nil {
				s, err = num(5, false)
			}
		}
	case 9:
		if h, err = num(1, false); err == nil {
			if m, err = num(4, true); err == nil {
				s, err = num(7, true)
			}
		}
	default:
		return 0, dateTimeError("Invalid ID for ZoneOffset, invalid format: " + id)
	}
	if err != nil {
		return 0, err
	}
	switch u[0] {
	case '-':
		h, m, s = -h, -m, -s
	case '+':
	default:
		return 0, msg("plus/minus not found when expected")
	}
	return offsetOfHMS(h, m, s)
}

// offsetOfHMS is ZoneOffset.ofHoursMinutesSeconds with its validate.
func offsetOfHMS(h, m, s int) (int, error) {
	itoa := strconv.Itoa
	switch {
	case h < -18 || h > 18:
		return 0, dateTimeError("Zone offset hours not in valid range: value " + itoa(h) + " is not in the range -18 to 18")
	case h > 0 && (m < 0 || s < 0):
		return 0, dateTimeError("Zone offset minutes and seconds must be positive because hours is positive")
	case h < 0 && (m > 0 || s > 0):
		return 0, dateTimeError("Zone offset minutes and seconds must be negative because hours is negative")
	case h == 0 && (m > 0 && s < 0 || m < 0 && s > 0):
		return 0, dateTimeError("Zone offset minutes and seconds must have the same sign")
	case m < -59 || m > 59:
		return 0, dateTimeError("Zone offset minutes not in valid range: value " + itoa(m) + " is not in the range -59 to 59")
	case s < -59 || s > 59:
		return 0, dateTimeError("Zone offset seconds not in valid range: value " + itoa(s) + " is not in the range -59 to 59")
	case (h == 18 || h == -18) && (m|s) != 0:
		return 0, dateTimeError("Zone offset not in valid range: -18:00 to +18:00")
	}
	return h*3600 + m*60 + s, nil
}

// offsetAt is ZoneRules.getOffset(Instant).
func (z *zone) offsetAt(epochSecond int64) int {
	if z.fixed {
		return z.offset
	}
	_, off := time.Unix(epochSecond, 0).In(z.loc).Zone()
	return off
}

type zonePeriod struct {
	start, end int64 // instants, end exclusive
	offset     int
}

// periods lists the stretches of constant offset that cover the instants from..to,
// merging neighbours whose offsets are equal (java.time transitions change the offset).
func (z *zone) periods(from, to int64) []zonePeriod {
	var ps []zonePeriod
	for t := from; ; {
		at := time.Unix(t, 0).In(z.loc)
		_, off := at.Zone()
		start, end := at.ZoneBounds()
		p := zonePeriod{start: math.MinInt64, end: math.MaxInt64, offset: off}
		if !start.IsZero() {
			p.start = start.Unix()
		}
		if !end.IsZero() {
			p.end = end.Unix()
		}
		if n := len(ps); n > 0 && ps[n-1].offset == off {
			ps[n-1].end = p.end
		} else {
			ps = append(ps, p)
		}
		if p.end == math.MaxInt64 || p.end > to || p.end <= t {
			return ps
		}
		t = p.end
	}
}

// validOffsets is ZoneRules.getValidOffsets(LocalDateTime) for a local date-time given as
// seconds since the local epoch: one offset normally, two (earlier first) in an overlap,
// none in a gap, where it also returns the offsets before and after the gap.
func (z *zone) validOffsets(local int64) (valid []int, gapBefore, gapAfter int) {
	// Offsets are within ±18 hours, so every instant the local time can stand for is here.
	ps := z.periods(local-19*3600, local+19*3600)
	for _, p := range ps {
		if at := local - int64(p.offset); at >= p.start && at < p.end {
			valid = append(valid, p.offset)
		}
	}
	if len(valid) == 0 {
		for i := 0; i+1 < len(ps); i++ {
			t := ps[i].end
			if t+int64(ps[i].offset) <= local && local < t+int64(ps[i+1].offset) {
				return nil, ps[i].offset, ps[i+1].offset
			}
		}
		valid = []int{z.offsetAt(local)}
	}
	return valid, 0, 0
}

// localDateTime is a java.time.LocalDateTime: an epoch day and a time of day.
type localDateTime struct {
	day  int64
	sec  int // second of the day
	nano int
}

func (l localDateTime) seconds() int64 { return l.day*secondsPerDay + int64(l.sec) }

func localFromSeconds(s int64, nano int) localDateTime {
	day := floorDiv(s, secondsPerDay)
	return localDateTime{day: day, sec: int(s - day*secondsPerDay), nano: nano}
}

// zoned is a java.time.ZonedDateTime.
type zoned struct {
	local  localDateTime
	offset int
	zone   *zone
}

func (z zoned) epochSecond() int64 { return z.local.seconds() - int64(z.offset) }

// zonedOfInstant is ZonedDateTime.ofInstant.
func zonedOfInstant(epochSecond int64, nano int, zn *zone) (zoned, error) {
	off := zn.offsetAt(epochSecond)
	l := localFromSeconds(epochSecond+int64(off), nano)
	if err := checkEpochDay(l.day); err != nil {
		return zoned{}, err
	}
	return zoned{local: l, offset: off, zone: zn}, nil
}

// zonedOfLocal is ZonedDateTime.ofLocal(localDateTime, zone, preferredOffset), which
// every date-based change of a ZonedDateTime goes through (resolveLocal): in a gap the
// local time moves forward by the gap's length, in an overlap the preferred (current)
// offset is kept when it is valid, else the earlier offset is used.
func zonedOfLocal(l localDateTime, zn *zone, preferred int) (zoned, error) {
	if err := checkEpochDay(l.day); err != nil {
		return zoned{}, err
	}
	if zn.fixed {
		return zoned{local: l, offset: zn.offset, zone: zn}, nil
	}
	valid, before, after := zn.validOffsets(l.seconds())
	var off int
	switch len(valid) {
	case 0:
		l = localFromSeconds(l.seconds()+int64(after-before), l.nano)
		off = after
		if err := checkEpochDay(l.day); err != nil {
			return zoned{}, err
		}
	case 1:
		off = valid[0]
	default:
		off = valid[0]
		for _, v := range valid {
			if v == preferred {
				off = v
			}
		}
	}
	return zoned{local: l, offset: off, zone: zn}, nil
}

// withLocal is resolveLocal: a date-based change keeping the current offset if it can.
func (z zoned) withLocal(l localDateTime) (zoned, error) { return zonedOfLocal(l, z.zone, z.offset) }

func decodeRune(s string) (rune, int) { return utf8.DecodeRuneInString(s) }
