package api

import (
	"net/http"

	"github.com/tapewarden/tapewarden/daemon/auth"
	"github.com/tapewarden/tapewarden/media"
)

// documentRoutes registers the printable documents: the recovery sheet
// and the procedure document. They answer a report.Document; the client
// prints it as text, HTML or PDF.
func (d *Server) documentRoutes(handle func(pattern string, roles []auth.Role, h handler)) {
	handle("GET /v1/reports/recovery-sheet", readers, d.apiRecoverySheet)
	handle("GET /v1/reports/procedure", readers, d.apiProcedure)
}

// GET /v1/reports/recovery-sheet?site=SITE&lang=en|ja
func (d *Server) apiRecoverySheet(r *http.Request, _ media.Actor) (any, error) {
	lang, err := d.report.Lang(r.URL.Query().Get("lang"))
	if err != nil {
		return nil, err
	}
	return d.report.RecoverySheet(r.Context(), r.URL.Query().Get("site"), lang)
}

// GET /v1/reports/procedure?system=S&lang=en|ja
func (d *Server) apiProcedure(r *http.Request, _ media.Actor) (any, error) {
	lang, err := d.report.Lang(r.URL.Query().Get("lang"))
	if err != nil {
		return nil, err
	}
	return d.report.Procedure(r.Context(), r.URL.Query().Get("system"), lang)
}
