// Package datemath resolves Elasticsearch date math index names such as "<logs-{now/d}>"
// or "<logs-{now/M{yyyy.MM|Europe/Paris}}>" to the names Elasticsearch 9 resolves them
// to (IndexNameExpressionResolver.DateMathExpressionResolver, JavaDateMathParser and a
// DateFormatter from DateFormatter.forPattern in Locale.ROOT). It is pure: the caller
// passes the instant to resolve at.
//
// Where Elasticsearch would accept an expression whose result this package cannot
// reproduce exactly (a date parsed with the placeholder's format instead of now, a
// built-in format name, time zone or era text, full or narrow month and day names), it
// returns an Error whose Unsupported method reports true rather than a name that could
// differ from the one Elasticsearch uses.
package datemath

import (
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // region time zones (Europe/Paris) where the system has no zoneinfo
	"unicode/utf8"
)

// Exception types, as Elasticsearch names them in error responses.
const (
	typeParse           = "parse_exception" // ElasticsearchParseException
	typeIllegalArgument = "illegal_argument_exception"
	typeDateTime        = "date_time_exception" // java.time.DateTimeException
)

// Error is a date math expression that does not resolve: Type and Reason are the
// exception type and message Elasticsearch reports for it ("parse_exception" for
// ElasticsearchParseException, "illegal_argument_exception", and the JDK's
// "date_time_exception", "zone_rules_exception" and "number_format_exception").
type Error struct {
	Type   string
	Reason string

	unsupported bool
}

func (e *Error) Error() string { return e.Type + ": " + e.Reason }

// Unsupported reports whether Elasticsearch accepts the expression but this package does
// not resolve it; Type is then "illegal_argument_exception" and Reason says why.
func (e *Error) Unsupported() bool { return e.unsupported }

// IsExpression reports whether an index expression is date math: it starts with '<' and
// ends with '>'.
func IsExpression(expr string) bool {
	return len(expr) >= 2 && expr[0] == '<' && expr[len(expr)-1] == '>'
}

// Resolve resolves one date math index name at the instant now (used with millisecond
// precision, as Elasticsearch's request start time is). An expression that is not date
// math is returned as it is. An exclusion ("-<...>") is the caller's to strip.
//
// Between '<' and '>', text is kept as it is (wildcards included) and '\' escapes the next
// character; each "{math}" or "{math{format|zone}}" placeholder is replaced by now with
// the date math applied, in the format (default uuuu.MM.dd) and time zone (default UTC).
func Resolve(expr string, now time.Time) (string, error) {
	if !IsExpression(expr) {
		return expr, nil
	}
	nowMillis := now.UnixMilli()
	// Messages quote new String(text, 1, text.length - 1): the expression without its '<'
	// but with its '>'.
	quoted := expr[1:]
	parseError := func(msg string) error {
		return &Error{Type: typeParse, Reason: "invalid dynamic name expression [" + quoted + "]. " + msg}
	}
	unsupported := func(why string) error {
		return &Error{Type: typeIllegalArgument, Reason: "esguard cannot resolve the date math index name [" + expr + "] as Elasticsearch does: " + why, unsupported: true}
	}
	body := expr[1 : len(expr)-1]
	var out, placeholder strings.Builder
	escape, inFormat, inPlaceholder := false, false, false
	pos := 1 // index of the character in the expression, in UTF-16 units as in Java
	for k := 0; k < len(body); {
		r, w := utf8.DecodeRuneInString(body[k:])
		raw := body[k : k+w]
		k += w
		at := pos
		pos++
		if r >= 0x10000 {
			pos++
		}
		escaped := escape
		escape = false
		if r == '\\' {
			if escaped {
				// An escaped backslash is kept in the name, even inside a placeholder.
				out.WriteByte('\\')
			} else {
				escape = true
			}
			continue
		}
		if inPlaceholder {
			switch r {
			case '{':
				switch {
				case inFormat && escaped:
					placeholder.WriteByte('{')
				case !inFormat:
					inFormat = true
					placeholder.WriteByte('{')
				default:
					return "", parseError("invalid character in placeholder at position [" + strconv.Itoa(at) + "]")
				}
			case '}':
				switch {
				case inFormat && escaped:
					placeholder.WriteByte('}')
				case inFormat:
					inFormat = false
					placeholder.WriteByte('}')
				default:
					s, err := resolvePlaceholder(placeholder.String(), nowMillis, unsupported)
					if err != nil {
						return "", err
					}
					out.WriteString(s)
					placeholder.Reset()
					inPlaceholder = false
				}
			default:
				placeholder.WriteString(raw)
			}
			continue
		}
		switch r {
		case '{':
			if escaped {
				out.WriteByte('{')
			} else {
				inPlaceholder = true
			}
		case '}':
			if !escaped {
				return "", parseError("invalid character at position [" + strconv.Itoa(at) + "]. `{` and `}` are reserved characters and should be escaped when used as part of the index name using `\\` (e.g. `\\{text\\}`)")
			}
			out.WriteByte('}')
		default:
			out.WriteString(raw)
		}
	}
	if inPlaceholder {
		return "", parseError("date math placeholder is open ended")
	}
	if out.Len() == 0 {
		return "", &Error{Type: typeParse, Reason: "nothing captured"}
	}
	return out.String(), nil
}

// resolvePlaceholder resolves the text between a placeholder's braces, "math" or
// "math{format}" or "math{format|zone}", in DateMathExpressionResolver's order: the
// placeholder's shape, the time zone, the format, the date math, the printing.
func resolvePlaceholder(text string, nowMillis int64, unsupported func(string) error) (string, error) {
	math, why := text, ""
	f, zn := defaultFormatter, utcZone
	if open := strings.IndexByte(text, '{'); open >= 0 {
		if strings.LastIndexByte(text, '}') != len(text)-1 {
			return "", &Error{Type: typeParse, Reason: "invalid dynamic name expression [" + text + "]. missing closing `}` for date math format"}
		}
		if open == len(text)-2 {
			return "", &Error{Type: typeParse, Reason: "invalid dynamic name expression [" + text + "]. missing date format"}
		}
		math = text[:open]
		pattern := text[open+1 : len(text)-1]
		if bar := strings.IndexByte(pattern, '|'); bar >= 0 {
			var err error
			if zn, err = zoneOf(pattern[bar+1:]); err != nil {
				return "", err
			}
			pattern = pattern[:bar]
		}
		var err error
		if f, why, err = forPattern(pattern); err != nil {
			return "", err
		}
	}
	t, err := evalMath(math, nowMillis, zn, unsupported)
	if err != nil {
		return "", err
	}
	if why != "" {
		return "", unsupported(why)
	}
	// DateFormatters.from(instant) is the instant in UTC before the printer moves it to
	// the formatter's zone; both must be dates java.time can hold.
	if err := checkEpochDay(floorDiv(t.epochSecond(), secondsPerDay)); err != nil {
		return "", err
	}
	return f.format(t)
}
