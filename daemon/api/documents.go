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

// GET /v1/reports/recovery-sheet?site=SITE
func (d *Server) apiRecoverySheet(r *http.Request, _ media.Actor) (any, error) {
	return d.report.RecoverySheet(r.Context(), r.URL.Query().Get("site"))
}

// GET /v1/reports/procedure?system=S
func (d *Server) apiProcedure(r *http.Request, _ media.Actor) (any, error) {
	return d.report.Procedure(r.Context(), r.URL.Query().Get("system"))
}
