package proxy

import (
	"errors"
	"time"
)

func resolveDateMath(expr string, now time.Time) (string, error) {
	return "", errors.New("date math is not supported")
}

func dateMathError(err error) *HTTPError { return nil }
