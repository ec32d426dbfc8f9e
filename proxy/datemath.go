package proxy

import (
	"errors"
	"time"

	"github.com/esguard/esguard/privileges/datemath"
)

// resolveDateMath resolves a date math index name at the request's instant.
func resolveDateMath(expr string, now time.Time) (string, error) {
	return datemath.Resolve(expr, now)
}

// dateMathError renders a date math name Elasticsearch would refuse, or returns nil.
func dateMathError(err error) *HTTPError {
	var de *datemath.Error
	if errors.As(err, &de) {
		return errBadRequest(de.Type, de.Reason)
	}
	return nil
}
