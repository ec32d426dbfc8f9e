package datemath

import "strconv"

// Proleptic ISO calendar arithmetic on epoch days, as java.time.LocalDate does it, over
// LocalDate's whole range (years -999,999,999 to 999,999,999).

const (
	secondsPerDay = 86400
	minYear       = -999_999_999
	maxYear       = 999_999_999
	// ChronoField.EPOCH_DAY's range: -999999999-01-01 to 999999999-12-31.
	minEpochDay = -365243219162
	maxEpochDay = 365241780471
)

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func floorMod(a, b int64) int64 { return a - floorDiv(a, b)*b }

// epochDay is LocalDate.toEpochDay for a valid date.
func epochDay(y int64, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := floorDiv(y, 400)
	yoe := y - era*400
	mp := int64((m + 9) % 12) // March is 0
	doy := (153*mp+2)/5 + int64(d) - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// civil is LocalDate.ofEpochDay: the year, month and day of an epoch day.
func civil(day int64) (y int64, m, d int) {
	z := day + 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = int(doy - (153*mp+2)/5 + 1)
	if mp < 10 {
		m = int(mp + 3)
	} else {
		m = int(mp - 9)
	}
	if m <= 2 {
		y++
	}
	return y, m, d
}

func isLeap(y int64) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func monthLength(y int64, m int) int {
	switch m {
	case 2:
		if isLeap(y) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

func yearLength(y int64) int {
	if isLeap(y) {
		return 366
	}
	return 365
}

// isoDayOfWeek is DayOfWeek's value: Monday 1 to Sunday 7 (1970-01-01 was a Thursday).
func isoDayOfWeek(day int64) int { return int(floorMod(day+3, 7)) + 1 }

func dayOfYear(day int64) int {
	y, _, _ := civil(day)
	return int(day-epochDay(y, 1, 1)) + 1
}

// Week rules of WeekFields.of(Locale.ROOT) in Elasticsearch 9. ES 9 starts the JVM with
// the CLDR locale data only (IsoCalendarDataProvider, which made the root locale ISO
// through the SPI provider, is no longer loaded), and the JDK's CLDR calendar data has no
// week data for a locale without a region, so CalendarDataUtility falls back to Sunday
// and a minimum of one day in the first week (US rules). The built-in week formats of
// DateFormatters use WeekFields.ISO explicitly, but custom patterns use these.
const (
	weekFirstDay = 7 // DayOfWeek.SUNDAY
	weekMinDays  = 1
)

// localizedDayOfWeek is WeekFields.dayOfWeek(): 1 on the first day of the week.
func localizedDayOfWeek(day int64) int {
	return int(floorMod(int64(isoDayOfWeek(day)-weekFirstDay), 7)) + 1
}

// startOfWeekOffset and computeWeek follow WeekFields.ComputedDayOfField.
func startOfWeekOffset(day, dow int) int {
	weekStart := int(floorMod(int64(day-dow), 7))
	offset := -weekStart
	if weekStart+1 > weekMinDays {
		offset = 7 - weekStart
	}
	return offset
}

func computeWeek(offset, day int) int { return (7 + offset + (day - 1)) / 7 }

// weekOfMonth is WeekFields.weekOfMonth() ('W').
func weekOfMonth(day int64) int {
	_, _, dom := civil(day)
	offset := startOfWeekOffset(dom, localizedDayOfWeek(day))
	return computeWeek(offset, dom)
}

// weekOfWeekBasedYear is WeekFields.weekOfWeekBasedYear() ('w').
func weekOfWeekBasedYear(day int64) int {
	for {
		doy := dayOfYear(day)
		offset := startOfWeekOffset(doy, localizedDayOfWeek(day))
		week := computeWeek(offset, doy)
		if week == 0 {
			// The day belongs to the last week of the previous year.
			day -= int64(doy)
			continue
		}
		if week > 50 {
			y, _, _ := civil(day)
			newYearWeek := computeWeek(offset, yearLength(y)+weekMinDays)
			if week >= newYearWeek {
				week = week - newYearWeek + 1
			}
		}
		return week
	}
}

// weekBasedYear is WeekFields.weekBasedYear() ('Y').
func weekBasedYear(day int64) int64 {
	y, _, _ := civil(day)
	doy := dayOfYear(day)
	offset := startOfWeekOffset(doy, localizedDayOfWeek(day))
	week := computeWeek(offset, doy)
	if week == 0 {
		return y - 1
	}
	if week >= computeWeek(offset, yearLength(y)+weekMinDays) {
		return y + 1
	}
	return y
}

// epochDayError is the DateTimeException of ChronoField.EPOCH_DAY.checkValidValue.
func epochDayError(day int64) error {
	return &Error{Type: typeDateTime, Reason: "Invalid value for EpochDay (valid values -365243219162 - 365241780471): " + strconv.FormatInt(day, 10)}
}

// yearError is the DateTimeException of ChronoField.YEAR.checkValidIntValue.
func yearError(y int64) error {
	return &Error{Type: typeDateTime, Reason: "Invalid value for Year (valid values -999999999 - 999999999): " + strconv.FormatInt(y, 10)}
}

func checkEpochDay(day int64) error {
	if day < minEpochDay || day > maxEpochDay {
		return epochDayError(day)
	}
	return nil
}
