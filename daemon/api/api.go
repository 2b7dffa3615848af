package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/tapewarden/tapewarden/drives"
	"github.com/tapewarden/tapewarden/media"

	"github.com/tapewarden/tapewarden/daemon/auth"
	"github.com/tapewarden/tapewarden/daemon/engine"
	"github.com/tapewarden/tapewarden/daemon/report"
)

// maxRequestBody bounds every API request body.
const maxRequestBody = 1 << 20

// apiError is the body of every error response.
type apiError struct {
	Error string `json:"error"`
	Kind  string `json:"kind"`
}

// httpError carries a status chosen by a handler for what it decides
// itself: a body or a query that does not parse.
type httpError struct {
	status int
	kind   string
	err    error
}

func (e *httpError) Error() string { return e.err.Error() }
func (e *httpError) Unwrap() error { return e.err }

// notFoundf is a request naming something that does not exist (404).
func notFoundf(format string, args ...any) error {
	return &httpError{status: http.StatusNotFound, kind: "not_found", err: fmt.Errorf(format, args...)}
}

func badRequest(format string, args ...any) error {
	return &httpError{status: http.StatusBadRequest, kind: "bad_request", err: fmt.Errorf(format, args...)}
}

// statuses is the one table from errors to HTTP statuses and the stable
// kinds clients see. The first row whose errors match (errors.Is) wins; an
// error no row matches is an internal error (500).
var statuses = []struct {
	errs   []error
	status int
	kind   string
}{
	// What the engine and the report pages decide.
	{[]error{engine.ErrInvalid, report.ErrInvalid}, http.StatusBadRequest, "bad_request"},
	{[]error{engine.ErrNotFound, report.ErrNotFound}, http.StatusNotFound, "not_found"},
	{[]error{engine.ErrConflict, report.ErrConflict}, http.StatusConflict, "conflict"},
	{[]error{engine.ErrBusy, drives.ErrBusy}, http.StatusConflict, "busy"},
	// What the devices say.
	{[]error{drives.ErrIncompatibleMedium, drives.ErrSourceEmpty, drives.ErrDestinationFull, drives.ErrDriveNotEjected,
		drives.ErrNoSuchElement, drives.ErrWrongBarcode, drives.ErrAlreadyLabelled, drives.ErrNotBlank, drives.ErrWriteProtected},
		http.StatusConflict, "conflict"},
	{[]error{drives.ErrChangerNotReady, drives.ErrChangerFailed, drives.ErrIO, drives.ErrOffline, drives.ErrNoMedium},
		http.StatusBadGateway, "device"},
	// What the catalog says.
	{[]error{media.ErrNotFound, media.ErrManifestNotFound, media.ErrRunNotFound, media.ErrPromptNotFound, media.ErrOperationNotFound, media.ErrInspectionNotFound},
		http.StatusNotFound, "not_found"},
	{[]error{media.ErrExists, media.ErrAlreadyThere, media.ErrNotMovable, media.ErrManifestState, media.ErrDiscrepancy, media.ErrPromptClosed, media.ErrInspectionState, media.ErrDisposalRefused},
		http.StatusConflict, "conflict"},
	{[]error{media.ErrBadBarcode, media.ErrBadInput, media.ErrUnknownPlace}, http.StatusBadRequest, "bad_request"},
	{[]error{media.ErrNotWritable}, http.StatusServiceUnavailable, "catalog_not_writable"},
	// Who is calling (daemon/auth) and the accounts in the catalog.
	{[]error{auth.ErrDenied}, http.StatusUnauthorized, "unauthorized"},
	{[]error{auth.ErrThrottled}, http.StatusTooManyRequests, "throttled"},
	{[]error{auth.ErrForbidden}, http.StatusForbidden, "forbidden"},
	{[]error{auth.ErrInvalid}, http.StatusBadRequest, "bad_request"},
	{[]error{media.ErrAccountNotFound}, http.StatusNotFound, "not_found"},
	{[]error{media.ErrAccountExists}, http.StatusConflict, "conflict"},
}

// statusOf maps an error to an HTTP status and a stable kind for clients:
// the status a handler chose itself (httpError), or the table's.
func statusOf(err error) (int, string) {
	var he *httpError
	if errors.As(err, &he) {
		return he.status, he.kind
	}
	for _, row := range statuses {
		for _, target := range row.errs {
			if errors.Is(err, target) {
				return row.status, row.kind
			}
		}
	}
	return http.StatusInternalServerError, "internal"
}

// rfc3339 matches a JSON string that is a time as encoding/json writes
// one.
var rfc3339 = regexp.MustCompile(`"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)"`)

// writeAnswer writes an answer as JSON with every time in the configured
// zone (RFC 3339 with its offset), whichever zone it was read in.
func (d *Server) writeAnswer(w http.ResponseWriter, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		d.log.Error("encode an API answer", "err", err)
		writeJSON(w, http.StatusInternalServerError, apiError{Error: "the answer could not be written as JSON: " + err.Error(), Kind: "internal"})
		return
	}
	out := buf.Bytes()
	if loc := d.cfg.Location; loc != nil {
		out = rfc3339.ReplaceAllFunc(out, func(q []byte) []byte {
			t, err := time.Parse(time.RFC3339Nano, string(q[1:len(q)-1]))
			if err != nil {
				return q
			}
			return []byte(`"` + t.In(loc).Format(time.RFC3339Nano) + `"`)
		})
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	// The status is sent: a client that hung up cannot be told anything.
	_, _ = w.Write(out)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	// The status is sent: a client that hung up cannot be told anything.
	_ = enc.Encode(v)
}

func (d *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status, kind := statusOf(err)
	var te *auth.ThrottledError
	if errors.As(err, &te) {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(te.RetryAfter.Seconds()))))
	}
	if status == http.StatusInternalServerError {
		d.log.Error("api request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	writeJSON(w, status, apiError{Error: err.Error(), Kind: kind})
}

// decodeBody reads a JSON request body strictly: bounded size, no unknown
// fields, nothing after the value.
// The body is already bounded by the authorized wrapper.
func decodeBody(r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return &httpError{status: http.StatusUnsupportedMediaType, kind: "bad_request", err: fmt.Errorf("request body must be application/json, not %s", ct)}
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if tooBig := tooLarge(err); tooBig != nil {
			return tooBig
		}
		if errors.Is(err, io.EOF) {
			return badRequest("request body is empty; send a JSON object")
		}
		return badRequest("request body: %v", err)
	}
	if dec.More() {
		return badRequest("request body: unexpected data after the JSON object")
	}
	if _, err := io.Copy(io.Discard, r.Body); err != nil {
		return tooLarge(err)
	}
	return checkRequestText(v)
}

// tooLarge is the answer to a body over maxRequestBody when err says it
// was, and nil otherwise.
func tooLarge(err error) error {
	var tooBig *http.MaxBytesError
	if !errors.As(err, &tooBig) {
		return nil
	}
	return &httpError{status: http.StatusRequestEntityTooLarge, kind: "too_large", err: fmt.Errorf("request body is larger than %d bytes", maxRequestBody)}
}

// rawHandler lets an authorized endpoint hand the response to another
// handler (the metrics endpoint).
type rawHandler struct{ http.Handler }

func queryInt(r *http.Request, name string, def int) (int, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, badRequest("query parameter %s=%q: expected a number", name, s)
	}
	return n, nil
}
