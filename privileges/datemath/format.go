package datemath

import (
	"strconv"
	"strings"
)

// A formatter prints a zoned date-time as a DateTimeFormatter built by
// DateTimeFormatterBuilder.appendPattern(pattern).toFormatter(Locale.ROOT) does.
type formatter struct {
	items []formatItem
}

// formatItem is a literal (letter 0) or a pattern letter repeated count times.
type formatItem struct {
	letter byte
	count  int
	text   string
}

var defaultFormatter = mustCompile("uuuu.MM.dd")

func mustCompile(pattern string) *formatter {
	f, why, err := compilePattern(pattern)
	if err != nil || why != "" {
		panic("datemath: bad built-in pattern " + pattern)
	}
	return f
}

// namedFormats are the built-in formats DateFormatters.forPattern looks up before it
// reads a pattern (FormatNames, in snake_case and in the camelCase of older versions).
var namedFormats = func() map[string]bool {
	names := strings.Fields(`iso8601 basic_date basic_date_time basic_date_time_no_millis
		basic_ordinal_date basic_ordinal_date_time basic_ordinal_date_time_no_millis basic_time
		basic_time_no_millis basic_t_time basic_t_time_no_millis basic_week_date
		basic_week_date_time basic_week_date_time_no_millis date date_hour date_hour_minute
		date_hour_minute_second date_hour_minute_second_fraction date_hour_minute_second_millis
		date_optional_time date_time date_time_no_millis hour hour_minute hour_minute_second
		hour_minute_second_fraction hour_minute_second_millis ordinal_date ordinal_date_time
		ordinal_date_time_no_millis time time_no_millis t_time t_time_no_millis week_date
		week_date_time week_date_time_no_millis week_year weekyear weekyear_week weekyear_week_day
		year year_month year_month_day epoch_second epoch_millis strict_basic_week_date
		strict_basic_week_date_time strict_basic_week_date_time_no_millis strict_date
		strict_date_hour strict_date_hour_minute strict_date_hour_minute_second
		strict_date_hour_minute_second_fraction strict_date_hour_minute_second_millis
		strict_date_optional_time strict_date_optional_time_nanos strict_date_time
		strict_date_time_no_millis strict_hour strict_hour_minute strict_hour_minute_second
		strict_hour_minute_second_fraction strict_hour_minute_second_millis strict_ordinal_date
		strict_ordinal_date_time strict_ordinal_date_time_no_millis strict_time
		strict_time_no_millis strict_t_time strict_t_time_no_millis strict_week_date
		strict_week_date_time strict_week_date_time_no_millis strict_weekyear
		strict_weekyear_week strict_weekyear_week_day strict_year strict_year_month
		strict_year_month_day`)
	m := make(map[string]bool, 2*len(names))
	for _, n := range names {
		m[n] = true
		parts := strings.Split(n, "_")
		for i := 1; i < len(parts); i++ {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
		m[strings.Join(parts, "")] = true
	}
	return m
}()

// javaTrim is String.trim: it strips characters up to U+0020 from both ends.
func javaTrim(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
}

// forPattern is DateFormatter.forPattern followed by DateFormatters.forPattern, for the
// pattern of a date math placeholder. It returns the exception Elasticsearch throws for
// a pattern it refuses, or, for one it accepts but whose output is not reproduced here,
// why (Elasticsearch would go on to parse the date math, so that error comes first).
func forPattern(input string) (f *formatter, unsupported string, err error) {
	if input == "" {
		return nil, "", &Error{Type: typeIllegalArgument, Reason: "No date pattern provided"}
	}
	if input[0] == '8' {
		// Versions differ on whether a leading 8 is the 6.x "java time" marker or text.
		return nil, "the date format [" + input + "] starts with 8, which Elasticsearch versions read differently", nil
	}
	pattern := javaTrim(input)
	if pattern == "" {
		return nil, "", &Error{Type: typeIllegalArgument, Reason: "No date pattern provided"}
	}
	if namedFormats[pattern] {
		return nil, "the built-in date format [" + pattern + "] is not resolved; use a pattern such as yyyy.MM.dd", nil
	}
	f, unsupported, err = compilePattern(pattern)
	if err != nil {
		return nil, "", &Error{Type: typeIllegalArgument, Reason: "Invalid format: [" + pattern + "]: " + err.Error()}
	}
	return f, unsupported, nil
}

type patternError string

func (e patternError) Error() string { return string(e) }

func isASCIILetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// compilePattern is DateTimeFormatterBuilder.parsePattern (with parseField). It returns
// the IllegalArgumentException message the JDK throws for a bad pattern, or, for a
// pattern the JDK accepts but whose output is not reproduced here, the reason.
func compilePattern(pattern string) (f *formatter, unsupported string, err error) {
	f = &formatter{}
	depth := 0 // open optional sections
	refuse := func(why string) {
		if unsupported == "" {
			unsupported = why
		}
	}
	tooMany := func(c byte) error { return patternError("Too many pattern letters: " + string(c)) }
	// width checks of appendValue(field, minWidth, maxWidth, signStyle)
	widths := func(minW, maxW int, notNegative bool) error {
		if minW == maxW && notNegative {
			if minW < 1 || minW > 19 {
				return patternError("The width must be from 1 to 19 inclusive but was " + strconv.Itoa(minW))
			}
			return nil
		}
		if minW < 1 || minW > 19 {
			return patternError("The minimum width must be from 1 to 19 inclusive but was " + strconv.Itoa(minW))
		}
		if maxW < 1 || maxW > 19 {
			return patternError("The maximum width must be from 1 to 19 inclusive but was " + strconv.Itoa(maxW))
		}
		if maxW < minW {
			return patternError("The maximum width must exceed or equal the minimum width but " + strconv.Itoa(maxW) + " < " + strconv.Itoa(minW))
		}
		return nil
	}
	localeText := func(c byte, count int) {
		refuse("the pattern letters [" + strings.Repeat(string(c), count) + "] print full or narrow names, which Elasticsearch 9 takes from the JDK's CLDR data for Locale.ROOT (not the English names); esguard does not reproduce them")
	}
	for pos := 0; pos < len(pattern); {
		cur := pattern[pos]
		switch {
		case isASCIILetter(cur):
			start := pos
			for pos < len(pattern) && pattern[pos] == cur {
				pos++
			}
			count := pos - start
			if cur == 'p' {
				if pos >= len(pattern) || !isASCIILetter(pattern[pos]) {
					return nil, "", patternError("Pad letter 'p' must be followed by valid pad pattern: " + pattern)
				}
				refuse("padding (p) is not resolved")
				cur = pattern[pos]
				start = pos
				for pos < len(pattern) && pattern[pos] == cur {
					pos++
				}
				count = pos - start
			}
			item := formatItem{letter: cur, count: count}
			switch cur {
			case 'u', 'y':
				if count > 3 {
					if err := widths(count, 19, false); err != nil {
						return nil, "", err
					}
				}
			case 'c':
				if count == 2 {
					return nil, "", patternError(`Invalid pattern "cc"`)
				}
				if count > 5 {
					return nil, "", tooMany(cur)
				}
				if count >= 4 {
					localeText(cur, count)
				}
			case 'L', 'q', 'M', 'Q', 'E', 'e':
				if count > 5 {
					return nil, "", tooMany(cur)
				}
				if count >= 4 {
					localeText(cur, count)
				}
			case 'a', 'F':
				if count > 1 {
					return nil, "", tooMany(cur)
				}
			case 'G':
				if count > 5 {
					return nil, "", tooMany(cur)
				}
				refuse("the era (G) prints names from the JDK's CLDR data for Locale.ROOT; esguard does not reproduce them")
			case 'S':
				if count > 9 {
					return nil, "", patternError("Minimum width must be from 0 to 9 inclusive but was " + strconv.Itoa(count))
				}
			case 'd', 'h', 'H', 'k', 'K', 'm', 's':
				if count > 2 {
					return nil, "", tooMany(cur)
				}
			case 'D':
				if count > 3 {
					return nil, "", tooMany(cur)
				}
			case 'g':
				if err := widths(count, 19, false); err != nil {
					return nil, "", err
				}
				refuse("the modified Julian day (g) is not resolved")
			case 'A', 'n', 'N':
				if err := widths(count, 19, true); err != nil {
					return nil, "", err
				}
			case 'z':
				if count > 4 {
					return nil, "", tooMany(cur)
				}
				refuse("time zone names (z) are not resolved")
			case 'V':
				if count != 2 {
					return nil, "", patternError("Pattern letter count must be 2: V")
				}
				refuse("time zone ids (VV) are not resolved")
			case 'v':
				if count != 1 && count != 4 {
					return nil, "", patternError("Wrong number of pattern letters: v")
				}
				refuse("time zone names (v) are not resolved")
			case 'Z':
				if count > 5 {
					return nil, "", tooMany(cur)
				}
				refuse("zone offsets (Z) are not resolved")
			case 'O':
				if count != 1 && count != 4 {
					return nil, "", patternError("Pattern letter count must be 1 or 4: O")
				}
				refuse("localized zone offsets (O) are not resolved")
			case 'X', 'x':
				if count > 5 {
					return nil, "", tooMany(cur)
				}
				refuse("zone offsets (" + string(cur) + ") are not resolved")
			case 'W':
				if count > 1 {
					return nil, "", tooMany(cur)
				}
			case 'w':
				if count > 2 {
					return nil, "", tooMany(cur)
				}
			case 'Y':
			case 'B':
				if count != 1 && count != 4 && count != 5 {
					return nil, "", patternError("Wrong number of pattern letters: B")
				}
				refuse("day periods (B) are not resolved")
			default:
				return nil, "", patternError("Unknown pattern letter: " + string(cur))
			}
			f.items = append(f.items, item)
		case cur == '\'':
			start := pos
			pos++
			for ; pos < len(pattern); pos++ {
				if pattern[pos] == '\'' {
					if pos+1 < len(pattern) && pattern[pos+1] == '\'' {
						pos++
					} else {
						break
					}
				}
			}
			if pos >= len(pattern) {
				return nil, "", patternError("Pattern ends with an incomplete string literal: " + pattern)
			}
			text := pattern[start+1 : pos]
			if text == "" {
				text = "'"
			} else {
				text = strings.ReplaceAll(text, "''", "'")
			}
			f.items = append(f.items, formatItem{text: text})
			pos++
		case cur == '[':
			// Optional sections print when every field in them is available, which all
			// fields resolved here are for a ZonedDateTime.
			depth++
			pos++
		case cur == ']':
			if depth == 0 {
				return nil, "", patternError("Pattern invalid as it contains ] without previous [")
			}
			depth--
			pos++
		case cur == '{' || cur == '}' || cur == '#':
			return nil, "", patternError("Pattern includes reserved character: '" + string(cur) + "'")
		default:
			_, w := decodeRune(pattern[pos:])
			f.items = append(f.items, formatItem{text: pattern[pos : pos+w]})
			pos += w
		}
	}
	return f, unsupported, nil
}

// Locale.ROOT text in Elasticsearch 9 (JDK CLDR data): the short forms are the English
// abbreviations. ES's CompatCalendarNameProvider, which lists where CLDR's root locale
// differs from the old COMPAT data, has no entry for short months, short days or AM/PM.
var (
	shortMonths = [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
	shortDays   = [8]string{"", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"} // by ISO day of week
)

type signStyle int

const (
	signNormal signStyle = iota
	signNotNegative
	signExceedsPad
)

// appendNumber is NumberPrinterParser.format with the standard DecimalStyle.
func appendNumber(b *strings.Builder, v int64, minW, maxW int, style signStyle) error {
	abs := v
	if abs < 0 {
		abs = -abs
	}
	digits := strconv.FormatInt(abs, 10)
	if len(digits) > maxW {
		return &Error{Type: typeDateTime, Reason: "Field cannot be printed as the value " + strconv.FormatInt(v, 10) + " exceeds the maximum print width of " + strconv.Itoa(maxW)}
	}
	if v >= 0 {
		if style == signExceedsPad && minW < 19 && len(digits) > minW {
			b.WriteByte('+')
		}
	} else {
		if style == signNotNegative {
			return &Error{Type: typeDateTime, Reason: "Field cannot be printed as the value " + strconv.FormatInt(v, 10) + " cannot be negative according to the SignStyle"}
		}
		b.WriteByte('-')
	}
	for i := len(digits); i < minW; i++ {
		b.WriteByte('0')
	}
	b.WriteString(digits)
	return nil
}

// appendYear prints a year-like field as parseField does for y and u and as
// WeekBasedFieldPrinterParser does for Y: two letters are the last two digits
// (ReducedPrinterParser), one to three letters a plain number, four or more a number
// padded to the count that shows '+' when it is wider.
func appendYear(b *strings.Builder, v int64, count int) error {
	switch {
	case count == 2:
		if v < 0 {
			v = -v
		}
		return appendNumber(b, v%100, 2, 2, signNotNegative)
	case count < 4:
		return appendNumber(b, v, count, 19, signNormal)
	}
	return appendNumber(b, v, count, 19, signExceedsPad)
}

// format prints t; each numeric field follows the appendValue call of parseField.
func (f *formatter) format(t zoned) (string, error) {
	var b strings.Builder
	day := t.local.day
	y, m, d := civil(day)
	sec, nano := t.local.sec, t.local.nano
	hour := sec / 3600
	// value prints appendValue(field) for one letter and appendValue(field, 2) for two.
	value := func(v int64, count int) error {
		if count == 1 {
			return appendNumber(&b, v, 1, 19, signNormal)
		}
		return appendNumber(&b, v, 2, 2, signNotNegative)
	}
	// weekValue prints WeekBasedFieldPrinterParser's numbers for e, c, w and W.
	weekValue := func(v int64, count int) error {
		if count == 2 {
			return appendNumber(&b, v, 2, 2, signNotNegative)
		}
		return appendNumber(&b, v, 1, 2, signNotNegative)
	}
	for _, it := range f.items {
		var err error
		c := it.count
		switch it.letter {
		case 0:
			b.WriteString(it.text)
		case 'u':
			err = appendYear(&b, y, c)
		case 'y':
			yoe := y
			if y < 1 {
				yoe = 1 - y
			}
			err = appendYear(&b, yoe, c)
		case 'Y':
			err = appendYear(&b, weekBasedYear(day), c)
		case 'M', 'L':
			if c <= 2 {
				err = value(int64(m), c)
			} else {
				b.WriteString(shortMonths[m-1])
			}
		case 'Q', 'q':
			q := int64((m-1)/3 + 1)
			if c <= 2 {
				err = value(q, c)
			} else {
				b.WriteString("Q" + strconv.FormatInt(q, 10))
			}
		case 'E':
			b.WriteString(shortDays[isoDayOfWeek(day)])
		case 'e', 'c':
			if c <= 2 {
				err = weekValue(int64(localizedDayOfWeek(day)), c)
			} else {
				b.WriteString(shortDays[isoDayOfWeek(day)])
			}
		case 'w':
			err = weekValue(int64(weekOfWeekBasedYear(day)), c)
		case 'W':
			err = weekValue(int64(weekOfMonth(day)), c)
		case 'd':
			err = value(int64(d), c)
		case 'D':
			doy := int64(dayOfYear(day))
			if c == 1 {
				err = appendNumber(&b, doy, 1, 19, signNormal)
			} else {
				err = appendNumber(&b, doy, c, 3, signNotNegative)
			}
		case 'F': // ALIGNED_DAY_OF_WEEK_IN_MONTH
			err = value(int64((d-1)%7+1), 1)
		case 'a':
			if hour < 12 {
				b.WriteString("AM")
			} else {
				b.WriteString("PM")
			}
		case 'H':
			err = value(int64(hour), c)
		case 'k': // CLOCK_HOUR_OF_DAY
			k := hour
			if k == 0 {
				k = 24
			}
			err = value(int64(k), c)
		case 'K': // HOUR_OF_AMPM
			err = value(int64(hour%12), c)
		case 'h': // CLOCK_HOUR_OF_AMPM
			h := hour % 12
			if h == 0 {
				h = 12
			}
			err = value(int64(h), c)
		case 'm':
			err = value(int64(sec/60%60), c)
		case 's':
			err = value(int64(sec%60), c)
		case 'S': // appendFraction(NANO_OF_SECOND, n, n, false): the first n digits
			b.WriteString(strconv.Itoa(nano + 1_000_000_000)[1 : 1+c])
		case 'A': // MILLI_OF_DAY
			err = appendNumber(&b, int64(sec)*1000+int64(nano/1_000_000), c, 19, signNotNegative)
		case 'n': // NANO_OF_SECOND
			err = appendNumber(&b, int64(nano), c, 19, signNotNegative)
		case 'N': // NANO_OF_DAY
			err = appendNumber(&b, int64(sec)*1_000_000_000+int64(nano), c, 19, signNotNegative)
		default:
			return "", &Error{Type: typeIllegalArgument, Reason: "unexpected pattern letter " + string(it.letter)}
		}
		if err != nil {
			return "", err
		}
	}
	return b.String(), nil
}
