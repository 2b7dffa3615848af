package api

import (
	"net/http"

	"github.com/tapewarden/tapewarden/media"

	"github.com/tapewarden/tapewarden/daemon/auth"
	"github.com/tapewarden/tapewarden/daemon/report"
)

// policyRoutes registers the rotation and policy endpoints: the courier
// plan, manifests from the plan, the rotation calendar, the policy check
// and the daily swap list.
func (d *Server) policyRoutes(handle func(pattern string, roles []auth.Role, h handler)) {
	handle("GET /v1/courier/plan", readers, d.apiCourierPlan)
	handle("POST /v1/manifests/from-plan", operators, d.apiManifestsFromPlan)
	handle("GET /v1/rotation/calendar", readers, d.apiCalendar)
	handle("GET /v1/policy/check", readers, d.apiPolicyCheck)
	handle("POST /v1/policy/check", readers, d.apiPolicyCheckConfig)
	handle("GET /v1/swap-list", readers, d.apiSwapList)
}

// GET /v1/courier/plan?date=YYYY-MM-DD&at=HH:MM&lang=en|ja (lang: default
// the configured language)
func (d *Server) apiCourierPlan(r *http.Request, _ media.Actor) (any, error) {
	q := r.URL.Query()
	lang, err := d.report.Lang(q.Get("lang"))
	if err != nil {
		return nil, err
	}
	return d.report.CourierPlan(r.Context(), lang, q.Get("date"), q.Get("at"))
}

// POST /v1/manifests/from-plan with a FromPlanRequest.
func (d *Server) apiManifestsFromPlan(r *http.Request, actor media.Actor) (any, error) {
	var req report.FromPlanRequest
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	return d.report.ManifestsFromPlan(r.Context(), actor, req)
}

// GET /v1/rotation/calendar?pool=P|all&from=YYYY-MM-DD&at=HH:MM&days=N
func (d *Server) apiCalendar(r *http.Request, _ media.Actor) (any, error) {
	q := r.URL.Query()
	days, err := queryInt(r, "days", 14)
	if err != nil {
		return nil, err
	}
	return d.report.Calendar(r.Context(), report.CalendarRequest{Pool: q.Get("pool"), From: q.Get("from"), At: q.Get("at"), Days: days})
}

// GET /v1/policy/check: the daemon's own configuration with the catalog's
// facts.
func (d *Server) apiPolicyCheck(r *http.Request, _ media.Actor) (any, error) {
	return d.report.PolicyReport(r.Context(), "", nil)
}

// POST /v1/policy/check with a PolicyCheckRequest: another configuration
// (a change about to be made) with the catalog's facts.
func (d *Server) apiPolicyCheckConfig(r *http.Request, _ media.Actor) (any, error) {
	var req report.PolicyCheckRequest
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	return d.report.PolicyReport(r.Context(), req.Name, &req.Config)
}

// GET /v1/swap-list?date=YYYY-MM-DD&at=HH:MM&lang=en|ja (lang: default the
// configured language)
func (d *Server) apiSwapList(r *http.Request, _ media.Actor) (any, error) {
	q := r.URL.Query()
	lang, err := d.report.Lang(q.Get("lang"))
	if err != nil {
		return nil, err
	}
	return d.report.SwapList(r.Context(), lang, q.Get("date"), q.Get("at"))
}
