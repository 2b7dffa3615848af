package report

import (
	"errors"
	"fmt"
)

// The kinds of error a page can fail with besides the catalog's own. The
// message is the wrapped error's; the kind is for errors.Is.
var (
	// ErrInvalid is a request the page cannot be made for: a date or time
	// that does not parse, a day in the past, a number of days out of
	// range, the calendar of a scratch pool.
	ErrInvalid = errors.New("report: invalid request")
	// ErrNotFound is a request naming something not configured.
	ErrNotFound = errors.New("report: not found")
	// ErrConflict is a request refused because of the catalog's state (a
	// courier plan that moves nothing, cartridges that cannot travel).
	ErrConflict = errors.New("report: refused in the current state")
)

// kindError is an error of one of the kinds above; its message is err's
// alone.
type kindError struct {
	kind error
	err  error
}

func (e *kindError) Error() string   { return e.err.Error() }
func (e *kindError) Unwrap() []error { return []error{e.kind, e.err} }

func invalid(format string, args ...any) error {
	return &kindError{kind: ErrInvalid, err: fmt.Errorf(format, args...)}
}

func notFound(format string, args ...any) error {
	return &kindError{kind: ErrNotFound, err: fmt.Errorf(format, args...)}
}

func conflict(format string, args ...any) error {
	return &kindError{kind: ErrConflict, err: fmt.Errorf(format, args...)}
}
