package config

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Severity says whether a problem stops a configuration from loading.
type Severity uint8

const (
	// Error makes the configuration invalid.
	Error Severity = iota
	// Warning is reported but does not stop loading.
	Warning
)

// Problem is one thing wrong with the configuration, with where it was found.
type Problem struct {
	File     string
	Line     int
	Severity Severity
	Message  string
}

// String renders the problem as FILE:LINE: message, prefixing warnings.
func (p Problem) String() string {
	msg := p.Message
	if p.Severity == Warning {
		msg = "warning: " + msg
	}
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", p.File, p.Line, msg)
	}
	return fmt.Sprintf("%s: %s", p.File, msg)
}

// Problems is a list of problems, sorted by file and line when reported.
type Problems []Problem

// HasErrors reports whether any problem is an error.
func (ps Problems) HasErrors() bool {
	return slices.ContainsFunc(ps, func(p Problem) bool { return p.Severity == Error })
}

// Sort orders problems by file, then line, then message.
func (ps Problems) Sort() {
	slices.SortStableFunc(ps, func(a, b Problem) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Message, b.Message))
	})
}

// Error joins the error-severity problems, so Problems can be returned as an error.
func (ps Problems) Error() string {
	var b strings.Builder
	for _, p := range ps {
		if p.Severity != Error {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(p.String())
	}
	return b.String()
}

// collector accumulates problems for one file.
type collector struct {
	file string
	ps   *Problems
}

func (c collector) errorf(line int, format string, args ...any) {
	*c.ps = append(*c.ps, Problem{File: c.file, Line: line, Severity: Error, Message: fmt.Sprintf(format, args...)})
}

func (c collector) warnf(line int, format string, args ...any) {
	*c.ps = append(*c.ps, Problem{File: c.file, Line: line, Severity: Warning, Message: fmt.Sprintf(format, args...)})
}
