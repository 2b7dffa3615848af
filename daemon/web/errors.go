package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/tapewarden/tapewarden/daemon/i18n"

	"github.com/tapewarden/tapewarden/drives"
	"github.com/tapewarden/tapewarden/media"

	"github.com/tapewarden/tapewarden/daemon/engine"
	"github.com/tapewarden/tapewarden/daemon/report"
)

// Errors the console decides itself.
var (
	// errForbidden: the caller's role may not use the route.
	errForbidden = errors.New("your role may not do this")
	// errSignIn: the route needs a signed-in person.
	errSignIn = errors.New("sign in first")
	// errInput: a form was filled in wrongly; the message says how.
	errInput = errors.New("check the form")
	// errNotFound: the page names something that is not there (or not
	// the caller's).
	errNotFound = errors.New("not found")
	// errNotSetUp: the daemon is not configured for what was asked.
	errNotSetUp = errors.New("not set up")
)

// statuses is the console's one table from errors to HTTP statuses; the
// first row whose errors match wins, and an error no row matches is an
// internal error.
var statuses = []struct {
	errs   []error
	status int
}{
	{[]error{errSignIn}, http.StatusUnauthorized},
	{[]error{errForbidden}, http.StatusForbidden},
	{[]error{errInput, engine.ErrInvalid, report.ErrInvalid, media.ErrBadBarcode, media.ErrBadInput, media.ErrUnknownPlace}, http.StatusBadRequest},
	{[]error{errNotFound, engine.ErrNotFound, report.ErrNotFound, media.ErrNotFound, media.ErrManifestNotFound, media.ErrPromptNotFound, media.ErrRunNotFound, media.ErrOperationNotFound}, http.StatusNotFound},
	{[]error{errNotSetUp, engine.ErrConflict, report.ErrConflict, engine.ErrBusy, drives.ErrBusy, media.ErrExists, media.ErrAlreadyThere, media.ErrNotMovable,
		media.ErrManifestState, media.ErrDiscrepancy, media.ErrPromptClosed}, http.StatusConflict},
	{[]error{media.ErrNotWritable}, http.StatusServiceUnavailable},
}

// sentinelWords are the catalogue's words for the console's own errors:
// a refusal is shown as the word in the page's language and what the
// error adds to it.
var sentinelWords = []struct {
	err error
	id  string
}{
	{errForbidden, "err.forbidden"},
	{errSignIn, "err.sign_in"},
	{errInput, "err.input"},
	{errNotFound, "err.not_found"},
	{errNotSetUp, "err.not_set_up"},
}

// wordError is an error's text for a page in p's language: a console
// sentinel at its head is replaced by the catalogue's word for it; the
// rest (the engine's or the catalog's own words) is kept.
func wordError(p *i18n.Printer, err error) string {
	msg := err.Error()
	for _, s := range sentinelWords {
		if !errors.Is(err, s.err) {
			continue
		}
		if rest, ok := strings.CutPrefix(msg, s.err.Error()); ok {
			return p.T(s.id) + rest
		}
	}
	return msg
}

// statusOf is the status of an error, by the table.
func statusOf(err error) int {
	for _, row := range statuses {
		for _, target := range row.errs {
			if errors.Is(err, target) {
				return row.status
			}
		}
	}
	return http.StatusInternalServerError
}
