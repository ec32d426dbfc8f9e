// Package datemath resolves Elasticsearch date math index names such as
// "<logs-{now/d}>" or "<logs-{now/M{yyyy.MM|+01:00}}>" to concrete names, as
// IndexNameExpressionResolver.DateMathExpressionResolver does. It is pure: the caller
// passes the instant to resolve at.
package datemath

import (
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // region time zones (Europe/Paris) without the system's zoneinfo
)

// Error is a date math expression Elasticsearch refuses, with its exception type and
// message.
type Error struct {
	Type   string
	Reason string
}

func (e *Error) Error() string { return e.Type + ": " + e.Reason }

// defaultFormat is DateMathExpressionResolver's default date format.
const defaultFormat = "uuuu.MM.dd"

// IsExpression reports whether an index expression is date math: it starts with '<' and
// ends with '>'.
func IsExpression(expr string) bool {
	return len(expr) >= 2 && expr[0] == '<' && expr[len(expr)-1] == '>'
}

// Resolve resolves one date math index name at the instant now. A string that is not
// date math is returned as it is. Static text is kept (wildcards included); '\' escapes
// the next character; each "{math}" or "{math{format|zone}}" is replaced by the instant
// the date math names, rounded down, in the format (default uuuu.MM.dd) and time zone
// (default UTC).
func Resolve(expr string, now time.Time) (string, error) {
	if !IsExpression(expr) {
		return expr, nil
	}
	text := expr[1 : len(expr)-1]
	invalid := func(msg string) error {
		return &Error{Type: "parse_exception", Reason: "invalid dynamic name expression [" + text + "]. " + msg}
	}
	var out strings.Builder
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch c {
		case '\\':
			if i+1 == len(text) {
				return "", invalid("invalid character at position [" + strconv.Itoa(i) + "]. `{` and `}` are reserved characters and should be escaped when used as part of the index name using `\\` (e.g. `\\{text\\}`)")
			}
			i++
			out.WriteByte(text[i])
		case '}':
			return "", invalid("invalid character at position [" + strconv.Itoa(i) + "]. `{` and `}` are reserved characters and should be escaped when used as part of the index name using `\\` (e.g. `\\{text\\}`)")
		case '{':
			end, s, err := dynamic(text, i+1, now, invalid)
			if err != nil {
				return "", err
			}
			out.WriteString(s)
			i = end
		default:
			out.WriteByte(c)
		}
	}
	return out.String(), nil
}

// dynamic resolves the dynamic part that starts at text[start] (just after '{') and
// returns the index of its closing '}'.
func dynamic(text string, start int, now time.Time, invalid func(string) error) (int, string, error) {
	var math strings.Builder
	format, zone := "", ""
	hasFormat := false
	i := start
	for ; i < len(text); i++ {
		c := text[i]
		if c == '\\' {
			if i+1 < len(text) {
				i++
				math.WriteByte(text[i])
				continue
			}
			return 0, "", invalid("missing closing `}`")
		}
		if c == '}' {
			break
		}
		if c == '{' {
			// {format|zone}
			closeAt := strings.IndexByte(text[i+1:], '}')
			if closeAt < 0 {
				return 0, "", invalid("missing closing `}` for date math format")
			}
			spec := text[i+1 : i+1+closeAt]
			if j := strings.IndexByte(spec, '{'); j >= 0 {
				return 0, "", invalid("invalid character in placeholder at location [" + strconv.Itoa(i+1+j) + "]")
			}
			if spec == "" {
				return 0, "", invalid("missing date format")
			}
			format, zone, _ = strings.Cut(spec, "|")
			if format == "" {
				return 0, "", invalid("missing date format")
			}
			hasFormat = true
			i += 1 + closeAt + 1
			if i >= len(text) || text[i] != '}' {
				return 0, "", invalid("invalid character in placeholder at position [" + strconv.Itoa(i) + "]")
			}
			break
		}
		math.WriteByte(c)
	}
	if i >= len(text) {
		return 0, "", invalid("missing closing `}`")
	}
	if math.Len() == 0 {
		return 0, "", invalid("missing date math expression")
	}
	if !hasFormat {
		format = defaultFormat
	}
	loc := time.UTC
	if zone != "" {
		var err error
		if loc, err = parseZone(zone); err != nil {
			return 0, "", err
		}
	}
	t, err := evaluate(math.String(), now.In(loc))
	if err != nil {
		return 0, "", err
	}
	s, err := formatJava(format, t)
	if err != nil {
		return 0, "", err
	}
	return i, s, nil
}

// parseZone reads a java.time ZoneId: Z, UTC/GMT, an offset (+01, +01:00, +0100,
// +01:00:00) or a region id (Europe/Paris).
func parseZone(z string) (*time.Location, error) {
	switch z {
	case "Z", "UTC", "GMT", "UT":
		return time.UTC, nil
	}
	if z[0] == '+' || z[0] == '-' {
		sign := 1
		if z[0] == '-' {
			sign = -1
		}
		digits := strings.ReplaceAll(z[1:], ":", "")
		var h, m, s int
		var err error
		switch len(digits) {
		case 1, 2:
			h, err = strconv.Atoi(digits)
		case 4:
			h, err = strconv.Atoi(digits[:2])
			if err == nil {
				m, err = strconv.Atoi(digits[2:])
			}
		case 6:
			h, err = strconv.Atoi(digits[:2])
			if err == nil {
				m, err = strconv.Atoi(digits[2:4])
			}
			if err == nil {
				s, err = strconv.Atoi(digits[4:])
			}
		default:
			err = strconv.ErrSyntax
		}
		if err != nil || h > 18 || m > 59 || s > 59 || (h == 18 && (m > 0 || s > 0)) {
			return nil, &Error{Type: "illegal_argument_exception", Reason: "Invalid ID for ZoneOffset, invalid format: " + z}
		}
		return time.FixedZone(z, sign*(h*3600+m*60+s)), nil
	}
	loc, err := time.LoadLocation(z)
	if err != nil || z == "Local" || strings.HasPrefix(z, "/") {
		return nil, &Error{Type: "illegal_argument_exception", Reason: "Unknown time-zone ID: " + z}
	}
	return loc, nil
}

// evaluate applies date math (JavaDateMathParser with roundUp false) to now: "now"
// followed by operations "+N<unit>", "-N<unit>" and "/<unit>", units y M w d h H m s.
func evaluate(expr string, now time.Time) (time.Time, error) {
	bad := func(why string) error {
		return &Error{Type: "parse_exception", Reason: "failed to parse date field [" + expr + "]: " + why}
	}
	rest, ok := strings.CutPrefix(expr, "now")
	if !ok {
		return time.Time{}, bad("esguard resolves date math from [now] only")
	}
	t := now
	for i := 0; i < len(rest); {
		op := rest[i]
		i++
		if op != '+' && op != '-' && op != '/' {
			return time.Time{}, &Error{Type: "parse_exception", Reason: "operator not supported for date math [" + expr + "]"}
		}
		n := 1
		if op != '/' {
			j := i
			for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
				j++
			}
			if j > i {
				v, err := strconv.Atoi(rest[i:j])
				if err != nil || v > 1<<20 {
					return time.Time{}, bad("number out of range")
				}
				n = v
			}
			i = j
		}
		if i >= len(rest) {
			return time.Time{}, &Error{Type: "parse_exception", Reason: "truncated date math [" + expr + "]"}
		}
		unit := rest[i]
		i++
		if op == '/' {
			var err error
			if t, err = roundDown(t, unit, expr); err != nil {
				return time.Time{}, err
			}
			continue
		}
		if op == '-' {
			n = -n
		}
		switch unit {
		case 'y':
			t = t.AddDate(n, 0, 0)
		case 'M':
			t = addMonths(t, n)
		case 'w':
			t = t.AddDate(0, 0, 7*n)
		case 'd':
			t = t.AddDate(0, 0, n)
		case 'h', 'H':
			t = t.Add(time.Duration(n) * time.Hour)
		case 'm':
			t = t.Add(time.Duration(n) * time.Minute)
		case 's':
			t = t.Add(time.Duration(n) * time.Second)
		default:
			return time.Time{}, &Error{Type: "parse_exception", Reason: "unit [" + string(unit) + "] not supported for date math [" + expr + "]"}
		}
	}
	return t, nil
}

// addMonths is java.time's plusMonths: the day is clamped to the end of the month
// (Jan 31 + 1 month is Feb 28 or 29), unlike Go's AddDate, which normalizes.
func addMonths(t time.Time, n int) time.Time {
	y, m, d := t.Date()
	total := int(m) - 1 + n
	y += total / 12
	if total%12 < 0 {
		total += 12
		y--
	}
	nm := time.Month(total%12 + 1)
	if last := time.Date(y, nm+1, 0, 0, 0, 0, 0, t.Location()).Day(); d > last {
		d = last
	}
	return time.Date(y, nm, d, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
}

// roundDown truncates t to the start of the unit, in t's zone; weeks start on Monday.
func roundDown(t time.Time, unit byte, expr string) (time.Time, error) {
	y, mo, d := t.Date()
	loc := t.Location()
	switch unit {
	case 'y':
		return time.Date(y, 1, 1, 0, 0, 0, 0, loc), nil
	case 'M':
		return time.Date(y, mo, 1, 0, 0, 0, 0, loc), nil
	case 'w':
		back := (int(t.Weekday()) + 6) % 7
		return time.Date(y, mo, d-back, 0, 0, 0, 0, loc), nil
	case 'd':
		return time.Date(y, mo, d, 0, 0, 0, 0, loc), nil
	case 'h', 'H':
		return time.Date(y, mo, d, t.Hour(), 0, 0, 0, loc), nil
	case 'm':
		return time.Date(y, mo, d, t.Hour(), t.Minute(), 0, 0, loc), nil
	case 's':
		return time.Date(y, mo, d, t.Hour(), t.Minute(), t.Second(), 0, loc), nil
	}
	return time.Time{}, &Error{Type: "parse_exception", Reason: "rounding `/" + string(unit) + "` is not supported for date math [" + expr + "]"}
}

var (
	shortMonths = []string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
	shortDays   = []string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}
)

// formatJava formats t with a java.time DateTimeFormatter pattern in Locale.ROOT. The
// letters whose meaning depends on week rules (Y, w, W, e, c) and the zone letters are
// refused rather than guessed, so esguard never authorizes a name other than the one
// Elasticsearch would use.
func formatJava(pattern string, t time.Time) (string, error) {
	var b strings.Builder
	for i := 0; i < len(pattern); {
		c := pattern[i]
		if c == '\'' {
			if i+1 < len(pattern) && pattern[i+1] == '\'' { // '' is a quote
				b.WriteByte('\'')
				i += 2
				continue
			}
			j := i + 1
			for {
				if j >= len(pattern) {
					return "", &Error{Type: "illegal_argument_exception", Reason: "Pattern ends with an incomplete string literal: " + pattern}
				}
				if pattern[j] == '\'' {
					if j+1 < len(pattern) && pattern[j+1] == '\'' {
						b.WriteByte('\'')
						j += 2
						continue
					}
					break
				}
				b.WriteByte(pattern[j])
				j++
			}
			i = j + 1
			continue
		}
		if !isLetter(c) {
			if c == '[' || c == ']' || c == '{' || c == '}' || c == '#' {
				return "", &Error{Type: "illegal_argument_exception", Reason: "esguard does not resolve date format [" + pattern + "]: optional sections and reserved characters are not supported"}
			}
			b.WriteByte(c)
			i++
			continue
		}
		n := 1
		for i+n < len(pattern) && pattern[i+n] == c {
			n++
		}
		i += n
		if err := formatField(&b, c, n, t, pattern); err != nil {
			return "", err
		}
	}
	return b.String(), nil
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func formatField(b *strings.Builder, c byte, n int, t time.Time, pattern string) error {
	num := func(v, width int) {
		s := strconv.Itoa(v)
		for len(s) < width {
			s = "0" + s
		}
		b.WriteString(s)
	}
	switch c {
	case 'u', 'y':
		y := t.Year()
		if n == 2 {
			num(((y%100)+100)%100, 2)
		} else {
			num(y, n)
		}
	case 'M', 'L':
		switch {
		case n <= 2:
			num(int(t.Month()), n)
		case n == 3:
			b.WriteString(shortMonths[t.Month()-1])
		case n == 4:
			b.WriteString(t.Month().String())
		default:
			b.WriteString(t.Month().String()[:1])
		}
	case 'd':
		num(t.Day(), n)
	case 'D':
		num(t.YearDay(), n)
	case 'H':
		num(t.Hour(), n)
	case 'k':
		h := t.Hour()
		if h == 0 {
			h = 24
		}
		num(h, n)
	case 'h':
		h := t.Hour() % 12
		if h == 0 {
			h = 12
		}
		num(h, n)
	case 'K':
		num(t.Hour()%12, n)
	case 'm':
		num(t.Minute(), n)
	case 's':
		num(t.Second(), n)
	case 'S':
		if n > 9 {
			return unsupported(pattern)
		}
		s := strconv.Itoa(t.Nanosecond() + 1e9)[1:]
		b.WriteString(s[:n])
	case 'a':
		if t.Hour() < 12 {
			b.WriteString("AM")
		} else {
			b.WriteString("PM")
		}
	case 'E':
		switch {
		case n <= 3:
			b.WriteString(shortDays[t.Weekday()])
		case n == 4:
			b.WriteString(t.Weekday().String())
		default:
			b.WriteString(t.Weekday().String()[:1])
		}
	case 'Q', 'q':
		q := (int(t.Month())-1)/3 + 1
		switch {
		case n <= 2:
			num(q, n)
		case n == 3:
			b.WriteString("Q" + strconv.Itoa(q))
		default:
			b.WriteString([]string{"1st quarter", "2nd quarter", "3rd quarter", "4th quarter"}[q-1])
		}
	default:
		return unsupported(pattern)
	}
	return nil
}

func unsupported(pattern string) error {
	return &Error{Type: "illegal_argument_exception", Reason: "esguard does not resolve date format [" + pattern + "]: it uses a pattern letter whose result esguard cannot reproduce exactly"}
}
