package datemath

import (
	"strings"
	"testing"
	"time"
)

func utc(y int, m time.Month, d, h, min, s, ns int) time.Time {
	return time.Date(y, m, d, h, min, s, ns, time.UTC)
}

// Every expected name below was worked out by hand from Elasticsearch 9's semantics.
func TestResolve(t *testing.T) {
	mon := utc(2026, 11, 23, 22, 30, 15, 123456789) // a Monday; ES keeps millisecond precision
	newYear := utc(2027, 1, 1, 0, 30, 0, 0)         // a Friday
	leapDay := utc(2024, 2, 29, 12, 0, 0, 0)
	jan31 := utc(2024, 1, 31, 10, 0, 0, 0)
	mar1 := utc(2024, 3, 1, 0, 0, 0, 0)
	sunday := utc(2026, 11, 22, 20, 0, 0, 0) // Monday 05:00 in Tokyo
	for _, c := range []struct {
		expr string
		now  time.Time
		want string
	}{
		// not date math
		{"logs", mon, "logs"},
		{"-<logs-{now/d}>", mon, "-<logs-{now/d}>"},
		{"logs-{now}", mon, "logs-{now}"},

		// default format uuuu.MM.dd in UTC
		{"<logs-{now/d}>", mon, "logs-2026.11.23"},
		{"<logs-{now}>", mon, "logs-2026.11.23"},
		{"<{now/d}>", mon, "2026.11.23"},
		{"<logs-{now/M}>", mon, "logs-2026.11.01"},
		{"<logs-{now/y}>", mon, "logs-2026.01.01"},

		// date math
		{"<logs-{now/M{yyyy.MM}}>", mon, "logs-2026.11"},
		{"<logs-{now/y{yyyy}}>", mon, "logs-2026"},
		{"<logs-{now-1d/d}>", mon, "logs-2026.11.22"},
		{"<logs-{now+2d/d}>", mon, "logs-2026.11.25"},
		{"<logs-{now+d}>", mon, "logs-2026.11.24"},
		{"<logs-{now-1M/M{uuuu.MM}}>", mon, "logs-2026.10"},
		{"<logs-{now-11M/M{uuuu.MM}}>", mon, "logs-2025.12"},
		{"<logs-{now+2M{uuuu.MM}}>", mon, "logs-2027.01"},
		{"<logs-{now-1y{yyyy}}>", mon, "logs-2025"},
		{"<logs-{now/w}>", mon, "logs-2026.11.23"},
		{"<logs-{now-1d/w}>", mon, "logs-2026.11.16"},
		{"<logs-{now-1w/d}>", mon, "logs-2026.11.16"},
		{"<logs-{now/h{yyyy.MM.dd.HH}}>", mon, "logs-2026.11.23.22"},
		{"<logs-{now/H{yyyy.MM.dd.HH}}>", mon, "logs-2026.11.23.22"},
		{"<logs-{now-3h/h{yyyy.MM.dd.HH}}>", mon, "logs-2026.11.23.19"},
		{"<logs-{now+2h{yyyy.MM.dd.HH}}>", mon, "logs-2026.11.24.00"},
		{"<logs-{now+90m{HH:mm:ss}}>", mon, "logs-00:00:15"},
		{"<logs-{now-15s{ss}}>", mon, "logs-00"},
		{"<logs-{now/m{HH:mm:ss}}>", mon, "logs-22:30:00"},
		{"<logs-{now/s{HH:mm:ss.SSS}}>", mon, "logs-22:30:15.000"},
		{"<logs-{now/1d}>", mon, "logs-2026.11.23"},
		{"<logs-{now+1M-2d/d+3h{yyyy.MM.dd.HH}}>", mon, "logs-2026.12.21.03"},
		{"<logs-{now+000001d}>", mon, "logs-2026.11.24"},

		// months and leap years: plusMonths/plusYears clamp the day to the month's end
		{"<x-{now+1y/d}>", leapDay, "x-2025.02.28"},
		{"<x-{now-1y/d}>", leapDay, "x-2023.02.28"},
		{"<x-{now+4y/d}>", leapDay, "x-2028.02.29"},
		{"<x-{now+1M/d}>", leapDay, "x-2024.03.29"},
		{"<x-{now/M}>", leapDay, "x-2024.02.01"},
		{"<x-{now+1M/d}>", jan31, "x-2024.02.29"},
		{"<x-{now+13M/d}>", jan31, "x-2025.02.28"},
		{"<x-{now-2M/d}>", jan31, "x-2023.11.30"},
		{"<x-{now-1d}>", mar1, "x-2024.02.29"},
		{"<x-{now-1d/M}>", mar1, "x-2024.02.01"},

		// year boundary
		{"<x-{now-1h/d}>", newYear, "x-2026.12.31"},
		{"<x-{now-1M/M{yyyy.MM}}>", newYear, "x-2026.12"},
		{"<x-{now/y{yyyy|-01:00}}>", newYear, "x-2026"},
		{"<x-{now/d{yyyy.MM.dd|-01:00}}>", newYear, "x-2026.12.31"},
		{"<x-{now{yy.M.d}}>", newYear, "x-27.1.1"},

		// time zones: the math and the rounding happen in the zone
		{"<logs-{now/d{yyyy.MM.dd|+12:00}}>", mon, "logs-2026.11.24"},
		{"<logs-{now/d{yyyy.MM.dd|-05:00}}>", mon, "logs-2026.11.23"},
		{"<logs-{now/d{yyyy.MM.dd|+0200}}>", mon, "logs-2026.11.24"},
		{"<logs-{now/d{yyyy.MM.dd|+1}}>", mon, "logs-2026.11.23"},
		{"<logs-{now{HH|-0500}}>", mon, "logs-17"},
		{"<logs-{now{HH|-00:30}}>", mon, "logs-22"},
		{"<logs-{now/d{yyyy.MM.dd|+2}}>", mon, "logs-2026.11.24"},
		{"<logs-{now/d{yyyy.MM.dd|+01:30:00}}>", mon, "logs-2026.11.24"},
		{"<logs-{now/d{yyyy.MM.dd|Asia/Tokyo}}>", mon, "logs-2026.11.24"},
		{"<logs-{now/d{yyyy.MM.dd|Europe/Paris}}>", mon, "logs-2026.11.23"},
		{"<logs-{now{HH|Europe/Paris}}>", mon, "logs-23"},
		{"<logs-{now{HH|America/New_York}}>", mon, "logs-17"},
		{"<logs-{now{HH|Z}}>", mon, "logs-22"},
		{"<logs-{now{HH|UTC}}>", mon, "logs-22"},
		{"<logs-{now{HH|UT}}>", mon, "logs-22"},
		{"<logs-{now{HH|UTC+01:00}}>", mon, "logs-23"},
		{"<logs-{now{HH|GMT-3}}>", mon, "logs-19"},
		{"<logs-{now{HH|GMT0}}>", mon, "logs-22"},
		{"<logs-{now{HH|EST}}>", mon, "logs-17"},  // DateUtils maps EST to -05:00
		{"<logs-{now{HH|ROC}}>", mon, "logs-06"},  // and ROC to Asia/Taipei
		{"<logs-{now{HH|Eire}}>", mon, "logs-22"}, // and Eire to Europe/London
		{"<x-{now/w{yyyy.MM.dd|Asia/Tokyo}}>", sunday, "x-2026.11.23"},
		{"<x-{now/w}>", sunday, "x-2026.11.16"},
		{"<x-{now/M{yyyy.MM.dd|Asia/Tokyo}}>", utc(2026, 11, 30, 20, 0, 0, 0), "x-2026.12.01"},
		{"<x-{now/M}>", utc(2026, 11, 30, 20, 0, 0, 0), "x-2026.11.01"},

		// daylight saving: a local midnight in a gap moves to the gap's end
		{"<x-{now/d{yyyy.MM.dd.HH|America/Sao_Paulo}}>", utc(2018, 11, 4, 12, 0, 0, 0), "x-2018.11.04.01"},
		{"<x-{now+1d{dd HH:mm|Europe/Paris}}>", utc(2026, 3, 28, 1, 30, 0, 0), "x-29 03:30"},
		{"<x-{now-2h{HH:mm|Europe/Paris}}>", utc(2026, 3, 29, 2, 30, 0, 0), "x-01:30"},
		// in an overlap, rounding keeps the current offset (02:00+01:00, then 03:00)
		{"<x-{now/h+1h{HH|Europe/Paris}}>", utc(2026, 10, 25, 1, 30, 0, 0), "x-03"},
		{"<x-{now/h+1h{HH|Europe/Paris}}>", utc(2026, 10, 25, 0, 30, 0, 0), "x-02"},

		// pattern letters, Locale.ROOT
		{"<x-{now{MMM}}>", mon, "x-Nov"},
		{"<x-{now{LLL}}>", mon, "x-Nov"},
		{"<x-{now{M-MM-L-LL}}>", newYear, "x-1-01-1-01"},
		{"<x-{now{E-EE-EEE-eee-ccc}}>", mon, "x-Mon-Mon-Mon-Mon-Mon"},
		{"<x-{now{D-DD-DDD}}>", mon, "x-327-327-327"},
		{"<x-{now{D-DD-DDD}}>", newYear, "x-1-01-001"},
		{"<x-{now{d-dd-F}}>", newYear, "x-1-01-1"},
		{"<x-{now{F}}>", mon, "x-2"},
		{"<x-{now{hh-a}}>", mon, "x-10-PM"},
		{"<x-{now{H-HH-k-kk-K-KK-h-hh}}>", mon, "x-22-22-22-22-10-10-10-10"},
		{"<x-{now{kk-hh-K-a}}>", newYear, "x-24-12-0-AM"},
		{"<x-{now{m-mm-s-ss}}>", newYear, "x-30-30-0-00"},
		{"<x-{now{HH.mm.ss.SSS}}>", mon, "x-22.30.15.123"},
		{"<x-{now{S-SSSSSS-SSSSSSSSS}}>", mon, "x-1-123000-123000000"},
		{"<x-{now{n-A-N}}>", mon, "x-123000000-81015123-81015123000000"},
		{"<x-{now{nnnnnnnnnn}}>", newYear, "x-0000000000"},
		{"<x-{now{Q-QQ-QQQ-q-qq-qqq}}>", mon, "x-4-04-Q4-4-04-Q4"},
		{"<x-{now{Q}}>", newYear, "x-1"},
		{"<x-{now{u-uu-uuu-uuuu-uuuuu}}>", mon, "x-2026-26-2026-2026-02026"},
		{"<x-{now{y-yy-yyy-yyyy}}>", mon, "x-2026-26-2026-2026"},
		{"<x-{now{yyyy}}>", utc(12345, 6, 1, 0, 0, 0, 0), "x-+12345"},
		{"<x-{now{uuuuu}}>", utc(12345, 6, 1, 0, 0, 0, 0), "x-12345"},
		{"<x-{now{uuuu}}>", utc(-44, 3, 15, 0, 0, 0, 0), "x--0044"},
		{"<x-{now{u}}>", utc(-44, 3, 15, 0, 0, 0, 0), "x--44"},
		{"<x-{now{uu}}>", utc(-44, 3, 15, 0, 0, 0, 0), "x-44"},
		{"<x-{now{yyyy}}>", utc(-44, 3, 15, 0, 0, 0, 0), "x-0045"}, // year of era, BCE
		{"<x-{now{yyyy'w'MM}}>", mon, "x-2026w11"},
		{"<x-{now{yyyy''MM}}>", mon, "x-2026'11"},
		{"<x-{now{'it''s' yyyy}}>", mon, "x-it's 2026"},
		{"<x-{now{yyyy'年'MM}}>", mon, "x-2026年11"},
		{"<x-{now{yyyyéMM}}>", mon, "x-2026é11"},
		{"<x-{now{yyyy[.MM[.dd]]}}>", mon, "x-2026.11.23"},
		{"<x-{now{[yyyy}}>", mon, "x-2026"},
		{"<x-{now{ yyyy }}>", mon, "x-2026"}, // the pattern is trimmed

		// week-based fields use WeekFields.of(Locale.ROOT): Sunday first, 1 day minimum
		{"<x-{now{YYYY-ww-e}}>", mon, "x-2026-48-2"},
		{"<x-{now{YYYY-ww-e}}>", newYear, "x-2027-01-6"},                       // ISO would say 2026-W53-5
		{"<x-{now{YYYY-ww-e}}>", utc(2026, 12, 27, 9, 0, 0, 0), "x-2027-01-1"}, // a Sunday
		{"<x-{now{YYYY-ww-e}}>", utc(2026, 12, 26, 9, 0, 0, 0), "x-2026-52-7"},
		{"<x-{now{YYYY-ww-e}}>", utc(2024, 12, 31, 9, 0, 0, 0), "x-2025-01-3"},
		{"<x-{now{Y-ww-ee}}>", utc(2007, 12, 30, 9, 0, 0, 0), "x-2008-01-01"},
		{"<x-{now{Y-w-e}}>", utc(2008, 12, 21, 9, 0, 0, 0), "x-2008-52-1"},
		{"<x-{now{Y-ww-e}}>", utc(2008, 12, 28, 9, 0, 0, 0), "x-2009-01-1"},
		{"<x-{now{Y-w-e}}>", utc(2008, 12, 31, 9, 0, 0, 0), "x-2009-1-4"},
		{"<x-{now{Y-w-e}}>", utc(2009, 1, 1, 9, 0, 0, 0), "x-2009-1-5"},
		{"<x-{now{YY-yy}}>", utc(2026, 12, 27, 9, 0, 0, 0), "x-27-26"},
		{"<x-{now{YYYYY}}>", mon, "x-02026"},
		{"<x-{now{W}}>", mon, "x-4"},
		{"<x-{now{W}}>", newYear, "x-1"},
		{"<x-{now{W}}>", utc(2026, 12, 27, 9, 0, 0, 0), "x-5"},
		{"<x-{now{c}}>", mon, "x-2"},

		// static text: wildcards kept, '\' escapes
		{"<logs-*-{now/d}>", mon, "logs-*-2026.11.23"},
		{"<.ds-x-{now/d}-*>", mon, ".ds-x-2026.11.23-*"},
		{`<logs-\{x\}-{now/d}>`, mon, "logs-{x}-2026.11.23"},
		{`<\a{now}>`, mon, "a2026.11.23"},
		{`<a\\b-{now/d}>`, mon, `a\b-2026.11.23`},
		{`<logs-\>`, mon, "logs-"}, // a trailing lone '\' is dropped
		{`<x{now\\/d}>`, mon, `x\2026.11.23`},
		{`<.marvel-{now/d{'\{year\}'yyyy}}>`, mon, ".marvel-{year}2026"},
		{"<a-{now/d}-b-{now-1d/d}>", mon, "a-2026.11.23-b-2026.11.22"},
		{"<.marvel-test>", mon, ".marvel-test"},
		// a format may close and reopen, so quoted braces reach the name unescaped
		{"<x{now{'}{'}}>", mon, "x}{"},
		// outside a format, escaping does not stop '}' closing nor '{' opening the format
		{`<x-{now\}>`, mon, "x-2026.11.23"},
		{`<x-{now\{yyyy}}>`, mon, "x-2026"},
		{"<é-{now/d}>", mon, "é-2026.11.23"},
	} {
		got, err := Resolve(c.expr, c.now)
		if err != nil || got != c.want {
			t.Errorf("Resolve(%q) at %s = %q, %v; want %q", c.expr, c.now.Format(time.RFC3339), got, err, c.want)
		}
	}
}

func TestResolveErrors(t *testing.T) {
	now := utc(2026, 11, 23, 22, 30, 15, 0)
	const reserved = ". `{` and `}` are reserved characters and should be escaped when used as part of the index name using `\\` (e.g. `\\{text\\}`)"
	const parse, illegal, dateTime = "parse_exception", "illegal_argument_exception", "date_time_exception"
	for _, c := range []struct{ expr, typ, reason string }{
		// DateMathExpressionResolver
		{"<logs-}>", parse, "invalid dynamic name expression [logs-}>]. invalid character at position [6]" + reserved},
		{"<é𝄞}>", parse, "invalid dynamic name expression [é𝄞}>]. invalid character at position [4]" + reserved},
		{"<logs-{now/d>", parse, "invalid dynamic name expression [logs-{now/d>]. date math placeholder is open ended"},
		{"<.marvel-{now/d{}>", parse, "invalid dynamic name expression [.marvel-{now/d{}>]. date math placeholder is open ended"},
		{"<{now{yyyy{MM}}}>", parse, "invalid dynamic name expression [{now{yyyy{MM}}}>]. invalid character in placeholder at position [10]"},
		{"<{now-1d}-}>", parse, "invalid dynamic name expression [{now-1d}-}>]. invalid character at position [10]" + reserved},
		{"<{now+}-}>", parse, "truncated date math [+]"}, // placeholders resolve as they close
		{"<{now{yyyy}x}>", parse, "invalid dynamic name expression [now{yyyy}x]. missing closing `}` for date math format"},
		{"<{now/d{}}>", parse, "invalid dynamic name expression [now/d{}]. missing date format"},
		{"<>", parse, "nothing captured"},
		{`<\>`, parse, "nothing captured"},
		{"<{now{[]}}>", parse, "nothing captured"},

		// JavaDateMathParser
		{"<{}>", parse, "cannot parse empty datetime"},
		{"<{||+1d}>", parse, "cannot parse empty datetime"},
		{"<{now*1d}>", parse, "operator not supported for date math [*1d]"},
		{"<{nowd}>", parse, "operator not supported for date math [d]"},
		{"<{now+}>", parse, "truncated date math [+]"},
		{"<{now+1}>", parse, "truncated date math [+1]"},
		{"<{now/}>", parse, "truncated date math [/]"},
		{"<{now/2d}>", parse, "rounding `/` can only be used on single unit types [/2d]"},
		{"<{now+1x}>", parse, "unit [x] not supported for date math [+1x]"},
		{"<{now/q}>", parse, "unit [q] not supported for date math [/q]"},
		{"<{now/w|Asia/Tokyo}>", parse, "operator not supported for date math [/w|Asia/Tokyo]"}, // a zone needs a format
		{"<{now+9999999999d}>", "number_format_exception", `For input string: "9999999999"`},
		{"<{now+1000000000y}>", dateTime, "Invalid value for Year (valid values -999999999 - 999999999): 1000002026"},

		// DateUtils.of / ZoneId.of
		{"<{now{yyyy|Mars/Olympus}}>", "zone_rules_exception", "Unknown time-zone ID: Mars/Olympus"},
		{"<{now{yyyy|europe/paris}}>", "zone_rules_exception", "Unknown time-zone ID: europe/paris"},
		{"<{now{yyyy|Local}}>", "zone_rules_exception", "Unknown time-zone ID: Local"},
		{"<{now{yyyy|1abc}}>", dateTime, "Invalid ID for region-based ZoneId, invalid format: 1abc"},
		{"<{now{yyyy|Europe/Par is}}>", dateTime, "Invalid ID for region-based ZoneId, invalid format: Europe/Par is"},
		{"<{now{yyyy|+25:00}}>", dateTime, "Zone offset hours not in valid range: value 25 is not in the range -18 to 18"},
		{"<{now{yyyy|-19}}>", dateTime, "Zone offset hours not in valid range: value -19 is not in the range -18 to 18"},
		{"<{now{yyyy|+01:60}}>", dateTime, "Zone offset minutes not in valid range: value 60 is not in the range -59 to 59"},
		{"<{now{yyyy|-18:30}}>", dateTime, "Zone offset not in valid range: -18:00 to +18:00"},
		{"<{now{yyyy|+1:00}}>", dateTime, "Invalid ID for ZoneOffset, non numeric characters found: +1:00"},
		{"<{now{yyyy|+a}}>", dateTime, "Invalid ID for ZoneOffset, non numeric characters found: +0a"},
		{"<{now{yyyy|+0100x}}>", dateTime, "Invalid ID for ZoneOffset, colon not found when expected: +0100x"},
		{"<{now{yyyy|+01:00:0}}>", dateTime, "Invalid ID for ZoneOffset, invalid format: +01:00:0"},
		{"<{now{yyyy|}}>", dateTime, "Invalid ID for ZoneOffset, invalid format: "},
		{"<{now{yyyy|A}}>", dateTime, "Invalid ID for ZoneOffset, invalid format: A"},
		{"<{now{yyyy|UTC+25}}>", dateTime, "Invalid ID for offset-based ZoneId: UTC+25"},
		{"<{now{bb|Mars/X}}>", "zone_rules_exception", "Unknown time-zone ID: Mars/X"}, // zone before format

		// DateFormatter.forPattern / DateTimeFormatterBuilder.appendPattern
		{"<{now{ }}>", illegal, "No date pattern provided"},
		{"<{now{|UTC}}>", illegal, "No date pattern provided"},
		{"<{now{bb}}>", illegal, "Invalid format: [bb]: Unknown pattern letter: b"},
		{"<{now{yyyy'x}}>", illegal, "Invalid format: [yyyy'x]: Pattern ends with an incomplete string literal: yyyy'x"},
		{"<{now{MMMMMM}}>", illegal, "Invalid format: [MMMMMM]: Too many pattern letters: M"},
		{"<{now{ddd}}>", illegal, "Invalid format: [ddd]: Too many pattern letters: d"},
		{"<{now{DDDD}}>", illegal, "Invalid format: [DDDD]: Too many pattern letters: D"},
		{"<{now{aa}}>", illegal, "Invalid format: [aa]: Too many pattern letters: a"},
		{"<{now{www}}>", illegal, "Invalid format: [www]: Too many pattern letters: w"},
		{"<{now{WW}}>", illegal, "Invalid format: [WW]: Too many pattern letters: W"},
		{"<{now{cc}}>", illegal, `Invalid format: [cc]: Invalid pattern "cc"`},
		{"<{now{SSSSSSSSSS}}>", illegal, "Invalid format: [SSSSSSSSSS]: Minimum width must be from 0 to 9 inclusive but was 10"},
		{"<{now{uuuuuuuuuuuuuuuuuuuu}}>", illegal, "Invalid format: [uuuuuuuuuuuuuuuuuuuu]: The minimum width must be from 1 to 19 inclusive but was 20"},
		{"<{now{yyyy]}}>", illegal, "Invalid format: [yyyy]]: Pattern invalid as it contains ] without previous ["},
		{"<{now{yyyy#}}>", illegal, "Invalid format: [yyyy#]: Pattern includes reserved character: '#'"},
		{`<{now{yyyy\{}}>`, illegal, "Invalid format: [yyyy{]: Pattern includes reserved character: '{'"},
		{"<{now{p}}>", illegal, "Invalid format: [p]: Pad letter 'p' must be followed by valid pad pattern: p"},
		{"<{now{VVV}}>", illegal, "Invalid format: [VVV]: Pattern letter count must be 2: V"},
		{"<{now{OO}}>", illegal, "Invalid format: [OO]: Pattern letter count must be 1 or 4: O"},
		{"<{now+{MMMM}}>", parse, "truncated date math [+]"}, // the math fails before the printing
	} {
		got, err := Resolve(c.expr, now)
		e, ok := err.(*Error)
		if !ok || e.Type != c.typ || e.Reason != c.reason || e.Unsupported() {
			t.Errorf("Resolve(%q) = %q, %#v; want %s: %s", c.expr, got, err, c.typ, c.reason)
		}
	}
}

// Expressions Elasticsearch resolves but whose names esguard does not reproduce.
func TestResolveUnsupported(t *testing.T) {
	now := utc(2026, 11, 23, 22, 30, 15, 0)
	for _, c := range []struct{ expr, why string }{
		{"<x-{now{MMMM}}>", "[MMMM] print full or narrow names"},
		{"<x-{now{LLLL}}>", "[LLLL] print full or narrow names"},
		{"<x-{now{MMMMM}}>", "[MMMMM] print full or narrow names"},
		{"<x-{now{EEEE}}>", "[EEEE] print full or narrow names"},
		{"<x-{now{cccc}}>", "[cccc] print full or narrow names"},
		{"<x-{now{QQQQ}}>", "[QQQQ] print full or narrow names"},
		{"<x-{now{G}}>", "era"},
		{"<x-{now{VV}}>", "time zone ids"},
		{"<x-{now{z}}>", "time zone names"},
		{"<x-{now{XXX}}>", "zone offsets"},
		{"<x-{now{Z}}>", "zone offsets"},
		{"<x-{now{ppH}}>", "padding"},
		{"<x-{now{B}}>", "day periods"},
		{"<x-{now{g}}>", "Julian"},
		{"<x-{now{date}}>", "built-in date format [date]"},
		{"<x-{now{strict_date_optional_time}}>", "built-in date format"},
		{"<x-{now{basicDate}}>", "built-in date format"},
		{"<x-{now{8yyyy}}>", "starts with 8"},
		{"<x-{2026.01.01}>", "[2026.01.01]"},
		{"<x-{2026.01.01||+1d}>", "[2026.01.01]"},
		{"<x-{now+٣d}>", "non-ASCII digits"},
	} {
		got, err := Resolve(c.expr, now)
		e, ok := err.(*Error)
		if !ok || !e.Unsupported() || e.Type != "illegal_argument_exception" || !strings.Contains(e.Reason, c.why) {
			t.Errorf("Resolve(%q) = %q, %v; want an unsupported error mentioning %q", c.expr, got, err, c.why)
		}
	}
}

func TestIsExpression(t *testing.T) {
	for expr, want := range map[string]bool{
		"<logs-{now/d}>": true, "<>": true, "<x>": true,
		"logs": false, "<logs": false, "logs>": false, "<": false, ">": false, "": false, "-<logs-{now}>": false,
	} {
		if IsExpression(expr) != want {
			t.Errorf("IsExpression(%q) = %v", expr, !want)
		}
	}
}

// escapedBraces counts the braces Elasticsearch reads as escaped ('\' before them).
func escapedBraces(expr string) int {
	n, escape := 0, false
	for _, r := range expr {
		escaped := escape
		escape = false
		switch {
		case r == '\\' && !escaped:
			escape = true
		case (r == '{' || r == '}') && escaped:
			n++
		}
	}
	return n
}

func FuzzResolve(f *testing.F) {
	for _, s := range []string{
		"<logs-{now/d}>", "<a-{now-1M/M{yyyy.MM|+01:00}}>", `<\{{now}\}>`, "<{now{''}}>", "<{now+10000y}>", "x",
		"<{now/w{YYYY-ww-e|Europe/Paris}}>", `<{now/d{'\{x\}'yyyy}}>`, "<{now{[yyyy]}}>", "<{now+1d-1h/h{HH|America/Sao_Paulo}}>",
	} {
		f.Add(s)
	}
	now := utc(2026, 11, 23, 12, 0, 0, 0)
	f.Fuzz(func(t *testing.T, expr string) {
		got, err := Resolve(expr, now)
		again, err2 := Resolve(expr, now)
		if got != again || (err == nil) != (err2 == nil) || (err != nil && err.Error() != err2.Error()) {
			t.Fatalf("Resolve(%q) is not deterministic: %q, %v then %q, %v", expr, got, err, again, err2)
		}
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("Resolve(%q) error %T is not *Error", expr, err)
			}
			return
		}
		if !IsExpression(expr) {
			if got != expr {
				t.Fatalf("Resolve(%q) = %q changed a name that is not date math", expr, got)
			}
			return
		}
		// Without quoted text in a format, only escaped braces reach the name; quoted
		// text can hold braces the placeholder syntax saw as its own (see "<x{now{'}{'}}>").
		n := strings.Count(got, "{") + strings.Count(got, "}")
		if limit := escapedBraces(expr); !strings.Contains(expr, "'") && n > limit {
			t.Fatalf("Resolve(%q) = %q has %d braces, more than the %d escaped in the expression", expr, got, n, limit)
		}
		if limit := strings.Count(expr, "{") + strings.Count(expr, "}"); n > limit {
			t.Fatalf("Resolve(%q) = %q has more braces than the expression", expr, got)
		}
	})
}
