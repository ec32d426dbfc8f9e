package datemath

import (
	"strconv"
	"strings"
	"unicode"
)

// evalMath is JavaDateMathParser.parse(text, now, roundUp=false, zone), as
// DateMathExpressionResolver calls it: "now" followed by operations, each "+N<unit>",
// "-N<unit>" (N optional, 1 by default) or "/<unit>", applied in order to now in the zone.
// Units are y M w d h H m s; "/" rounds down to the start of the unit, weeks starting on
// Monday.
func evalMath(text string, nowMillis int64, zn *zone, unsupported func(string) error) (zoned, error) {
	if !strings.HasPrefix(text, "now") {
		date := text
		if i := strings.Index(text, "||"); i >= 0 {
			date = text[:i]
		}
		if date == "" {
			return zoned{}, &Error{Type: typeParse, Reason: "cannot parse empty datetime"}
		}
		return zoned{}, unsupported("date math from a date parsed with the placeholder's format ([" + date + "]) is not resolved, only date math from [now]")
	}
	math := text[len("now"):]
	// Instant.ofEpochMilli: now has millisecond precision.
	t, err := zonedOfInstant(floorDiv(nowMillis, 1000), int(floorMod(nowMillis, 1000))*1_000_000, zn)
	if err != nil {
		return zoned{}, err
	}
	parseError := func(reason string) error { return &Error{Type: typeParse, Reason: reason} }
	for i := 0; i < len(math); {
		op, w := decodeRune(math[i:])
		i += w
		round, sign := false, int64(1)
		switch op {
		case '/':
			round = true
		case '+':
		case '-':
			sign = -1
		default:
			return zoned{}, parseError("operator not supported for date math [" + math + "]")
		}
		if i >= len(math) {
			return zoned{}, parseError("truncated date math [" + math + "]")
		}
		num := int64(1)
		if r, _ := decodeRune(math[i:]); isJavaDigit(r) {
			from := i
			for i < len(math) {
				r, w := decodeRune(math[i:])
				if !isJavaDigit(r) {
					break
				}
				if r > '9' {
					// Character.isDigit and Integer.parseInt accept any Unicode decimal digit.
					return zoned{}, unsupported("the amount in date math [" + math + "] uses non-ASCII digits")
				}
				i += w
			}
			if i >= len(math) {
				return zoned{}, parseError("truncated date math [" + math + "]")
			}
			n, err := strconv.ParseInt(math[from:i], 10, 32)
			if err != nil {
				return zoned{}, &Error{Type: "number_format_exception", Reason: `For input string: "` + math[from:i] + `"`}
			}
			num = n
		}
		if round && num != 1 {
			return zoned{}, parseError("rounding `/` can only be used on single unit types [" + math + "]")
		}
		unit, w := decodeRune(math[i:])
		i += w
		if round {
			t, err = t.roundDown(unit)
		} else {
			t, err = t.plus(unit, sign*num)
		}
		if err != nil {
			return zoned{}, err
		}
		if t.zone == nil {
			return zoned{}, parseError("unit [" + string(unit) + "] not supported for date math [" + math + "]")
		}
	}
	return t, nil
}

// isJavaDigit is Character.isDigit(char): a decimal digit in the Basic Multilingual Plane.
func isJavaDigit(r rune) bool { return r <= 0xFFFF && unicode.IsDigit(r) }

// plus adds n units; it returns a zoned with no zone for an unknown unit.
func (z zoned) plus(unit rune, n int64) (zoned, error) {
	switch unit {
	case 'y':
		return z.plusMonths(n, true)
	case 'M':
		return z.plusMonths(n, false)
	case 'w':
		return z.plusDays(n * 7)
	case 'd':
		return z.plusDays(n)
	case 'h', 'H':
		return z.plusSeconds(n * 3600)
	case 'm':
		return z.plusSeconds(n * 60)
	case 's':
		return z.plusSeconds(n)
	}
	return zoned{}, nil
}

// plusMonths is ZonedDateTime.plusYears (years true) or plusMonths: LocalDate's
// arithmetic, the day of month clamped to the new month's length, then resolveLocal.
func (z zoned) plusMonths(n int64, years bool) (zoned, error) {
	y, m, d := civil(z.local.day)
	if years {
		y += n
		if y < minYear || y > maxYear {
			return zoned{}, yearError(y)
		}
	} else {
		months := y*12 + int64(m-1) + n
		y = floorDiv(months, 12)
		if y < minYear || y > maxYear {
			return zoned{}, yearError(y)
		}
		m = int(floorMod(months, 12)) + 1
	}
	d = min(d, monthLength(y, m))
	l := z.local
	l.day = epochDay(y, m, d)
	return z.withLocal(l)
}

// plusDays is ZonedDateTime.plusDays (and plusWeeks): date-based, through resolveLocal.
func (z zoned) plusDays(n int64) (zoned, error) {
	l := z.local
	l.day += n
	if err := checkEpochDay(l.day); err != nil {
		return zoned{}, err
	}
	return z.withLocal(l)
}

// plusSeconds is ZonedDateTime.plusHours/Minutes/Seconds: time-based, on the instant.
func (z zoned) plusSeconds(n int64) (zoned, error) {
	// LocalDateTime.plusWithOverflow checks the new local date at the old offset first.
	if err := checkEpochDay(localFromSeconds(z.local.seconds()+n, 0).day); err != nil {
		return zoned{}, err
	}
	return zonedOfInstant(z.epochSecond()+n, z.local.nano, z.zone)
}

// roundDown is JavaDateMathParser's rounding with roundUpProperty false; each with*
// call of ZonedDateTime resolves the new local date-time on its own.
func (z zoned) roundDown(unit rune) (zoned, error) {
	var err error
	setTime := func(sec, nano int) {
		if err == nil {
			l := z.local
			l.sec, l.nano = sec, nano
			z, err = z.withLocal(l)
		}
	}
	setDay := func(day int64) {
		if err == nil {
			l := z.local
			l.day = day
			z, err = z.withLocal(l)
		}
	}
	switch unit {
	case 'y': // withDayOfYear(1).with(LocalTime.MIN)
		y, _, _ := civil(z.local.day)
		setDay(epochDay(y, 1, 1))
		setTime(0, 0)
	case 'M': // withDayOfMonth(1).with(LocalTime.MIN)
		y, m, _ := civil(z.local.day)
		setDay(epochDay(y, m, 1))
		setTime(0, 0)
	case 'w': // with(TemporalAdjusters.previousOrSame(MONDAY)).with(LocalTime.MIN)
		if dow := isoDayOfWeek(z.local.day); dow != 1 {
			z, err = z.plusDays(-int64(dow - 1))
		}
		setTime(0, 0)
	case 'd': // with(LocalTime.MIN)
		setTime(0, 0)
	case 'h', 'H': // withMinute(0).withSecond(0).withNano(0)
		setTime(z.local.sec/3600*3600+z.local.sec%60, z.local.nano)
		setTime(z.local.sec/60*60, z.local.nano)
		setTime(z.local.sec, 0)
	case 'm': // withSecond(0).withNano(0)
		setTime(z.local.sec/60*60, z.local.nano)
		setTime(z.local.sec, 0)
	case 's': // withNano(0)
		setTime(z.local.sec, 0)
	default:
		return zoned{}, nil
	}
	return z, err
}
