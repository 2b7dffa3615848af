package engine

import (
	"errors"
	"fmt"
)

// The kinds of error the engine's operations fail with, besides the
// catalog's and the devices' own. The message is the wrapped error's; the
// kind is for errors.Is, so that the API can answer with the right status
// without the engine knowing about HTTP.
var (
	// ErrNotFound is a request naming a drive, library, job, run or
	// cartridge that is not configured or not there.
	ErrNotFound = errors.New("not found")
	// ErrConflict is a request refused because of the current state: the
	// cartridge is elsewhere, the slot is full, the run has finished.
	ErrConflict = errors.New("refused in the current state")
	// ErrBusy is a drive leased by something else.
	ErrBusy = errors.New("busy")
	// ErrInvalid is a request that cannot be carried out as written: a
	// missing or malformed argument.
	ErrInvalid = errors.New("invalid request")
)

// kindError is an error of one of the kinds above; its message is err's
// alone.
type kindError struct {
	kind error
	err  error
}

func (e *kindError) Error() string   { return e.err.Error() }
func (e *kindError) Unwrap() []error { return []error{e.kind, e.err} }

// notFound is an ErrNotFound with the message format gives.
func notFound(format string, args ...any) error {
	return &kindError{kind: ErrNotFound, err: fmt.Errorf(format, args...)}
}

// conflict is an ErrConflict with the message format gives.
func conflict(format string, args ...any) error {
	return &kindError{kind: ErrConflict, err: fmt.Errorf(format, args...)}
}

// invalid is an ErrInvalid with the message format gives.
func invalid(format string, args ...any) error {
	return &kindError{kind: ErrInvalid, err: fmt.Errorf(format, args...)}
}
