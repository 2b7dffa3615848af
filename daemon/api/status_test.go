package api

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/tapewarden/tapewarden/drives"
	"github.com/tapewarden/tapewarden/media"

	"github.com/tapewarden/tapewarden/daemon/engine"
	"github.com/tapewarden/tapewarden/daemon/report"
)

// The statuses a client sees for the engine's, the pages', the devices'
// and the catalog's errors, wrapped as the code wraps them.
func TestStatusOf(t *testing.T) {
	for _, c := range []struct {
		err    error
		status int
		kind   string
	}{
		{fmt.Errorf("drive lto9: %w", engine.ErrNotFound), http.StatusNotFound, "not_found"},
		{fmt.Errorf("%w: slot 3 is full", engine.ErrConflict), http.StatusConflict, "conflict"},
		{fmt.Errorf("%w: drive lto0 is in use by run 7", engine.ErrBusy), http.StatusConflict, "busy"},
		{fmt.Errorf("say what to load: %w", engine.ErrInvalid), http.StatusBadRequest, "bad_request"},
		{fmt.Errorf("date: %w", report.ErrInvalid), http.StatusBadRequest, "bad_request"},
		{fmt.Errorf("pool: %w", report.ErrNotFound), http.StatusNotFound, "not_found"},
		{fmt.Errorf("plan: %w", report.ErrConflict), http.StatusConflict, "conflict"},
		{fmt.Errorf("open: %w", drives.ErrBusy), http.StatusConflict, "busy"},
		{fmt.Errorf("load: %w", drives.ErrSourceEmpty), http.StatusConflict, "conflict"},
		{fmt.Errorf("move: %w", drives.ErrChangerFailed), http.StatusBadGateway, "device"},
		{fmt.Errorf("cartridge ZZZ999L8: %w", media.ErrNotFound), http.StatusNotFound, "not_found"},
		{fmt.Errorf("%w: DLY001L8", media.ErrExists), http.StatusConflict, "conflict"},
		{fmt.Errorf("%w: lowercase", media.ErrBadBarcode), http.StatusBadRequest, "bad_request"},
		{fmt.Errorf("queue the run: %w: database or disk is full", media.ErrNotWritable), http.StatusServiceUnavailable, "catalog_not_writable"},
		{badRequest("query parameter limit=%q: expected a number", "x"), http.StatusBadRequest, "bad_request"},
		{errors.New("disk full"), http.StatusInternalServerError, "internal"},
	} {
		status, kind := statusOf(c.err)
		assert.Equal(t, c.status, status, c.err.Error())
		assert.Equal(t, c.kind, kind, c.err.Error())
	}
}
