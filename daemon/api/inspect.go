package api

import (
	"net/http"

	"github.com/tapewarden/tapewarden/media"

	"github.com/tapewarden/tapewarden/daemon/auth"
)

// inspectionRoutes registers the physical inspection endpoints: start,
// scan, close, resolve a finding, list and show.
func (d *Server) inspectionRoutes(handle func(pattern string, roles []auth.Role, h handler)) {
	handle("GET /v1/inspections", readers, d.apiInspectionList)
	handle("POST /v1/inspections", operators, d.apiInspectionStart)
	handle("GET /v1/inspections/{id}", readers, d.apiInspectionShow)
	handle("POST /v1/inspections/{id}/scan", operators, d.noted(d.apiInspectionScan))
	handle("POST /v1/inspections/{id}/close", operators, d.apiInspectionClose)
	handle("POST /v1/inspections/{id}/resolve", adminOnly, d.apiInspectionResolve)
}

// InspectionStartRequest is the body of POST /v1/inspections.
type InspectionStartRequest struct {
	Site  string `json:"site"`
	Place string `json:"place,omitempty"` // one storage place, library or drive; empty: the whole site
}

// InspectionScanRequest is the body of POST /v1/inspections/{id}/scan.
type InspectionScanRequest struct {
	// Place is where the barcodes were seen; default the inspection's.
	Place    string   `json:"place,omitempty"`
	Barcodes []string `json:"barcodes"`
}

// InspectionCloseRequest is the body of POST /v1/inspections/{id}/close.
type InspectionCloseRequest struct {
	// Empty confirms that nothing was scanned because the shelves are
	// empty; without it an inspection with no scans does not close.
	Empty bool `json:"empty,omitempty"`
}

// GET /v1/inspections?site=S&state=open|closed&limit=N
func (d *Server) apiInspectionList(r *http.Request, _ media.Actor) (any, error) {
	q := r.URL.Query()
	limit, err := queryInt(r, "limit", 100)
	if err != nil {
		return nil, err
	}
	return d.cat.Inspections(r.Context(), media.InspectionFilter{Site: q.Get("site"), State: media.InspectionState(q.Get("state")), Limit: limit})
}

func (d *Server) apiInspectionStart(r *http.Request, actor media.Actor) (any, error) {
	var req InspectionStartRequest
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	return d.cat.StartInspection(r.Context(), actor, req.Site, req.Place)
}

func (d *Server) apiInspectionShow(r *http.Request, _ media.Actor) (any, error) {
	return d.cat.Inspection(r.Context(), r.PathValue("id"))
}

func (d *Server) apiInspectionScan(r *http.Request, actor media.Actor) (any, error) {
	var req InspectionScanRequest
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	return d.cat.ScanInspection(r.Context(), actor, r.PathValue("id"), req.Place, req.Barcodes)
}

func (d *Server) apiInspectionClose(r *http.Request, actor media.Actor) (any, error) {
	var req InspectionCloseRequest
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	return d.cat.CloseInspection(r.Context(), actor, r.PathValue("id"), req.Empty)
}

// POST /v1/inspections/{id}/resolve with a ResolveRequest (as for a
// manifest's discrepancy).
func (d *Server) apiInspectionResolve(r *http.Request, actor media.Actor) (any, error) {
	var req ResolveRequest
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	res, err := req.resolution()
	if err != nil {
		return nil, err
	}
	return d.cat.ResolveFinding(r.Context(), actor, r.PathValue("id"), req.Barcode, res)
}

// disposalRoutes registers the disposal of a cartridge and the disposal
// report.
func (d *Server) disposalRoutes(handle func(pattern string, roles []auth.Role, h handler)) {
	handle("POST /v1/media/{barcode}/dispose", adminOnly, d.apiMediaDispose)
	handle("GET /v1/reports/disposals", readers, d.apiDisposalReport)
}

func (d *Server) apiMediaDispose(r *http.Request, actor media.Actor) (any, error) {
	var req media.NewDisposal
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	return d.eng.Dispose(r.Context(), actor, r.PathValue("barcode"), req)
}

// GET /v1/reports/disposals?from=YYYY-MM-DD&to=YYYY-MM-DD
func (d *Server) apiDisposalReport(r *http.Request, _ media.Actor) (any, error) {
	q := r.URL.Query()
	return d.report.Disposals(r.Context(), q.Get("from"), q.Get("to"))
}
