package api

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/tapewarden/tapewarden/media"

	"github.com/tapewarden/tapewarden/daemon/auth"
)

// handler is an API endpoint: it gets the caller's identity and returns a
// value to send as JSON or an error.
type handler func(r *http.Request, actor media.Actor) (any, error)

// route is one line of the route table: a pattern, the roles it serves
// (admin is served everywhere, and is named where nobody else is), and
// its handler.
type route struct {
	pattern string
	roles   []auth.Role
	h       handler
}

// The role sets of the route table.
var (
	// adminOnly: changes that lose or rewrite history, keys, accounts.
	adminOnly = []auth.Role{auth.Admin}
	// operators: prompts, loads, imports and exports, runs, restores.
	operators = []auth.Role{auth.Operator}
	// readers: what operators and auditors read (auditors read only).
	readers = []auth.Role{auth.Operator, auth.Auditor}
	// everyone: status and metrics.
	everyone = []auth.Role{auth.Operator, auth.Auditor, auth.Viewer}
	// manifestReaders: a courier reads its own manifest.
	manifestReaders = []auth.Role{auth.Operator, auth.Auditor, auth.Courier}
	// handovers: a courier confirms pick-up and delivery of its own
	// manifest.
	handovers = []auth.Role{auth.Operator, auth.Courier}
)

// routeTable is every API endpoint with the roles it serves: the one
// place that says who may do what. A test builds the role × route ×
// method matrix from it.
func (d *Server) routeTable() []route {
	var rt []route
	handle := func(pattern string, roles []auth.Role, h handler) { rt = append(rt, route{pattern, roles, h}) }

	handle("GET /v1/status", everyone, d.apiStatus)
	handle("GET /v1/sites", readers, d.apiSites)
	handle("GET /v1/media", readers, d.apiMediaList)
	handle("POST /v1/media", operators, d.apiMediaAdd)
	handle("GET /v1/media/{barcode}", readers, d.apiMediaShow)
	handle("POST /v1/media/{barcode}/move", operators, d.apiMediaMove)
	handle("POST /v1/media/{barcode}/retire", adminOnly, d.apiMediaRetire)
	handle("POST /v1/media/{barcode}/found", operators, d.apiMediaFound)
	handle("POST /v1/media/{barcode}/erase", adminOnly, d.apiMediaErase)
	handle("GET /v1/manifests", readers, d.apiManifestList)
	handle("POST /v1/manifests", operators, d.apiManifestCreate)
	handle("GET /v1/manifests/{id}", manifestReaders, d.apiManifestShow)
	handle("POST /v1/manifests/{id}/pickup", handovers, d.apiManifestPickup)
	handle("POST /v1/manifests/{id}/deliver", handovers, d.apiManifestDeliver)
	handle("POST /v1/manifests/{id}/resolve", adminOnly, d.apiManifestResolve)
	handle("POST /v1/manifests/{id}/cancel", adminOnly, d.apiManifestCancel)
	handle("POST /v1/manifests/{id}/courier-code", operators, d.apiCourierCode)
	handle("GET /v1/drives", readers, d.apiDrives)
	handle("GET /v1/drives/{name}", readers, d.apiDriveStatus)
	handle("POST /v1/drives/{name}/identify", operators, d.apiDriveIdentify)
	handle("POST /v1/drives/{name}/insert", operators, d.apiDriveInsert)
	handle("POST /v1/drives/{name}/eject", operators, d.apiDriveEject)
	handle("POST /v1/drives/{name}/clean", operators, d.noted(d.apiDriveClean))
	handle("GET /v1/drives/{name}/history", readers, d.apiDriveHistory)
	handle("POST /v1/library/inventory", operators, d.noted(d.apiLibraryInventory))
	handle("POST /v1/library/load", operators, d.apiLibraryLoad)
	handle("POST /v1/library/unload", operators, d.apiLibraryUnload)
	handle("POST /v1/library/transfer", operators, d.apiLibraryTransfer)
	handle("POST /v1/library/export", operators, d.apiLibraryExport)
	handle("POST /v1/library/import", operators, d.apiLibraryImport)
	handle("POST /v1/library/mailslot", operators, d.noted(d.apiLibraryMailSlot))
	handle("GET /v1/check", readers, d.apiCheck)
	handle("GET /v1/jobs", readers, d.apiJobs)
	handle("POST /v1/jobs/{name}/run", operators, d.noted(d.apiJobRun))
	handle("GET /v1/runs", readers, d.apiRuns)
	handle("GET /v1/runs/{id}", readers, d.apiRunShow)
	handle("POST /v1/runs/{id}/cancel", operators, d.noted(d.apiRunCancel))
	handle("GET /v1/prompts", readers, d.apiPrompts)
	handle("POST /v1/prompts/{id}/done", operators, d.apiPromptDone)
	handle("POST /v1/prompts/{id}/cancel", operators, d.apiPromptCancel)
	handle("POST /v1/restore", operators, d.apiRestore)
	handle("POST /v1/key/check", adminOnly, d.apiKeyCheck)
	handle("GET /v1/restore/list", readers, d.apiRestoreList)
	handle("GET /v1/find", readers, d.apiFind)
	handle("GET /v1/drills", readers, d.apiDrills)
	handle("GET /v1/operations", readers, d.apiOperations)
	handle("GET /v1/operations/{id}", readers, d.apiOperationShow)
	handle("POST /v1/operations/{id}/cancel", operators, d.noted(d.apiOperationCancel))
	d.policyRoutes(handle)
	d.inspectionRoutes(handle)
	d.disposalRoutes(handle)
	d.documentRoutes(handle)
	handle("POST /v1/catalog/copy", adminOnly, d.apiCatalogCopy)
	handle("POST /v1/drills/site-loss", operators, d.apiSiteLossDrill)
	handle("GET /v1/audit", readers, d.apiAuditLog)
	handle("GET /v1/audit/verify", readers, d.apiAuditVerify)
	d.userRoutes(handle)

	metrics := d.metrics
	handle("GET /metrics", everyone, func(r *http.Request, _ media.Actor) (any, error) { return rawHandler{metrics}, nil })
	return rt
}

// caller tells who sent a request, on one transport: peer credentials on
// the socket, a session or an API token on the TCP listener.
type caller func(r *http.Request) (media.Actor, error)

// socketCaller identifies a caller on the unix socket by its peer
// credentials.
func (d *Server) socketCaller(r *http.Request) (media.Actor, error) {
	actor, err := d.auth.authorize(peerFrom(r.Context()))
	if err != nil {
		return actor, fmt.Errorf("%w: %w", auth.ErrForbidden, err)
	}
	return actor, nil
}

// tcpCaller identifies a caller on the TCP listener by its session cookie
// or API token.
func (d *Server) tcpCaller(r *http.Request) (media.Actor, error) {
	if actor, ok := d.accounts.ActorFromRequest(r); ok {
		return actor, nil
	}
	if r.Header.Get("Authorization") != "" || hasCookie(r, auth.CookieName) {
		return media.Actor{}, fmt.Errorf("%w: the API token or session is wrong, expired, revoked or disabled; sign in again (POST /v1/login) or ask an administrator for a new token (tapewarden user token)", auth.ErrDenied)
	}
	return media.Actor{}, fmt.Errorf("%w: POST /v1/login with your name and password, or send an API token as 'Authorization: Bearer TOKEN' (tapewarden user token)", auth.ErrDenied)
}

func hasCookie(r *http.Request, name string) bool {
	_, err := r.Cookie(name)
	return err == nil
}

// permit refuses an actor a route whose roles it does not have, and a
// courier any manifest but its own.
func permit(rt route, r *http.Request, actor media.Actor) error {
	if len(rt.roles) == 0 {
		return fmt.Errorf("%w: %s declares no role; nobody may use it", auth.ErrForbidden, rt.pattern)
	}
	if !auth.Permits(auth.Role(actor.Role), rt.roles) {
		method, path, _ := strings.Cut(rt.pattern, " ")
		return fmt.Errorf("%w: %s %s needs the role %s; %s is %s", auth.ErrForbidden, method, path, auth.Describe(rt.roles), actor.Name, actor.Role)
	}
	if actor.Role == string(auth.Courier) {
		m, ok := auth.CourierManifest(actor)
		if id := r.PathValue("id"); !ok || id != m {
			return fmt.Errorf("%w: this courier sign-in is for manifest %s only, not %s", auth.ErrForbidden, m, id)
		}
	}
	return nil
}

// authorized wraps an endpoint with the caller's identification and the
// route's roles, and bounds the request body.
func (d *Server) authorized(who caller, rt route) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		actor, err := who(r)
		if err == nil {
			err = permit(rt, r, actor)
		}
		if err != nil {
			d.log.Warn("api request refused", "method", r.Method, "path", r.URL.Path, "actor", actor.Name, "role", actor.Role, "err", err)
			if errors.Is(err, auth.ErrDenied) {
				w.Header().Set("WWW-Authenticate", `Bearer realm="tapewarden"`)
			}
			d.writeError(w, r, err)
			return
		}
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, maxRequestBody)
		}
		v, err := rt.h(r, actor)
		if err != nil {
			d.writeError(w, r, err)
			return
		}
		if raw, ok := v.(rawHandler); ok {
			raw.ServeHTTP(w, r)
			return
		}
		d.writeAnswer(w, v)
	}
}

// routes is the socket's mux.
func (d *Server) routes() *http.ServeMux {
	mux := http.NewServeMux()
	for _, rt := range d.routeTable() {
		mux.Handle(rt.pattern, d.authorized(d.socketCaller, rt))
	}
	mux.HandleFunc("/", noEndpoint)
	return mux
}

func noEndpoint(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusNotFound, apiError{Error: fmt.Sprintf("no API endpoint %s %s; see 'tapewarden --help'", r.Method, r.URL.Path), Kind: "not_found"})
}

// noted records a state-changing request whose handler writes no audit
// event of its own ("request": who, in which role, what) once it has
// succeeded, so that every change in the chain names its actor.
func (d *Server) noted(h handler) handler {
	return func(r *http.Request, actor media.Actor) (any, error) {
		v, err := h(r, actor)
		if err != nil {
			return v, err
		}
		what := r.Method + " " + r.URL.Path
		if _, rerr := d.cat.Record(r.Context(), actor, "request", what); rerr != nil {
			d.log.Error("record a request in the audit chain", "request", what, "actor", actor.Name, "role", actor.Role, "err", rerr)
		}
		return v, nil
	}
}

// Route is one endpoint of the route table as others see it: its pattern
// ("POST /v1/restore") and the roles it serves besides admin.
type Route struct {
	Pattern string
	Roles   []auth.Role
}

// Routes lists the route table, for tests and documentation that check
// who may do what.
func (d *Server) Routes() []Route {
	var out []Route
	for _, rt := range d.routeTable() {
		out = append(out, Route{Pattern: rt.pattern, Roles: rt.roles})
	}
	return out
}
