package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/tapewarden/tapewarden/media"

	"github.com/tapewarden/tapewarden/daemon/auth"
	"github.com/tapewarden/tapewarden/daemon/config"

	"github.com/tapewarden/tapewarden/daemon/engine"
)

// Status is the daemon's answer to `tapewarden status`.
type Status struct {
	Version       string      `json:"version"`
	Timezone      string      `json:"timezone"`           // the configured zone, in which people read times
	Language      string      `json:"language,omitempty"` // the configured language of what people read (en, ja)
	Started       time.Time   `json:"started"`
	Now           time.Time   `json:"now"`
	StateDir      string      `json:"state_dir"`
	Socket        string      `json:"socket"`
	MetricsAddr   string      `json:"metrics_addr,omitempty"`
	Catalog       string      `json:"catalog"`
	SchemaVersion int         `json:"schema_version"`
	Healthy       bool        `json:"healthy"`
	Health        string      `json:"health"` // healthy, or degraded when Problems keep the daemon from its work
	Problems      []string    `json:"problems,omitempty"`
	Warnings      []string    `json:"warnings,omitempty"`
	Stats         media.Stats `json:"stats"`
	AuditHead     string      `json:"audit_head,omitempty"`
	// AuditVerified is the daemon's last verification of the audit chain
	// (at start and daily).
	AuditVerified engine.AuditState  `json:"audit_verified"`
	Demo          bool               `json:"demo,omitempty"`
	Runs          []engine.ActiveRun `json:"runs"`
	// Operations are the restores, drills and copies in progress.
	Operations  []media.Operation  `json:"operations"`
	Waiting     []engine.Waiting   `json:"waiting,omitempty"`
	Drives      []engine.DriveInfo `json:"drives"`
	OpenPrompts int                `json:"open_prompts"`
	Extra       map[string]any     `json:"extra,omitempty"`
	// CatalogCopies are the daemon's scheduled copies of the catalog.
	CatalogCopies *engine.CopiesState `json:"catalog_copies,omitempty"`
	// SiteLossDrill is the newest site-loss drill.
	SiteLossDrill *media.SiteLossDrill `json:"siteloss_drill,omitempty"`
	// Listener is the HTTPS listener, when api.listen is set.
	Listener *Listener `json:"listener,omitempty"`
}

func (d *Server) apiStatus(r *http.Request, _ media.Actor) (any, error) {
	return d.Status(r.Context())
}

// Status reports the daemon's health and what it is doing.
func (d *Server) Status(ctx context.Context) (Status, error) {
	st := Status{
		Version: config.Version, Timezone: d.cfg.Location.String(), Language: d.cfg.Language, Started: d.eng.Started(), Now: d.eng.Now(), StateDir: d.cfg.StateDir,
		Socket: d.cfg.SocketPath(), MetricsAddr: d.metricsAddr(), Catalog: d.cat.Path(),
		SchemaVersion: media.SchemaVersion(), Demo: d.cfg.Demo, Warnings: d.eng.Warnings(),
	}
	if l := d.listener(); l.URL != "" {
		st.Listener = &l
	}
	stats, err := d.cat.Stats(ctx)
	if err != nil {
		st.Problems = append(st.Problems, "catalog: "+err.Error())
	}
	st.Stats = stats
	// The manifest states are keys here: written as JSON keys are.
	manifests := make(map[string]int64, len(stats.Manifests))
	for state, n := range stats.Manifests {
		manifests[strings.ReplaceAll(state, "-", "_")] = n
	}
	st.Stats.Manifests = manifests
	if err := d.cat.Ping(ctx); err != nil {
		st.Problems = append(st.Problems, err.Error())
	}
	if ev, err := d.cat.Events(ctx, media.EventFilter{Limit: 1}); err == nil && len(ev) == 1 {
		st.AuditHead = ev[0].Hash
	}
	st.Problems = append(st.Problems, d.eng.Degraded()...)
	st.Runs = d.eng.ActiveRuns()
	if st.Runs == nil {
		st.Runs = []engine.ActiveRun{}
	}
	ops, err := d.eng.ActiveOperations(ctx)
	if err != nil {
		st.Problems = append(st.Problems, "operations: "+err.Error())
	}
	if ops == nil {
		ops = []media.Operation{}
	}
	st.Operations = ops
	st.Waiting = d.eng.Waiting()
	st.Drives = d.eng.Drives(ctx)
	if open, err := d.cat.Prompts(ctx, false); err == nil {
		st.OpenPrompts = len(open)
	}
	if a := d.eng.AuditState(); !a.Checked.IsZero() && !a.OK {
		where := "the catalog's rows differ from the audit chain"
		if a.BrokenAt > 0 {
			where = fmt.Sprintf("the audit chain is broken at event %d", a.BrokenAt)
		}
		st.Problems = append(st.Problems, fmt.Sprintf("%s (%s): the custody records cannot be trusted; see 'tapewarden audit verify', and restore the catalog from a copy whose head you kept", where, a.Problem))
	}
	st.AuditVerified = d.eng.AuditState()
	if cc := d.eng.CatalogCopies(); cc.Enabled {
		st.CatalogCopies = &cc
	}
	if sl, ok := d.eng.LastSiteLossDrill(); ok {
		st.SiteLossDrill = &sl
	}
	st.Healthy = len(st.Problems) == 0
	st.Health = "healthy"
	if !st.Healthy {
		st.Health = "degraded"
	}
	return st, nil
}

// SiteView is a site with how many cartridges are there.
type SiteView struct {
	media.Site
	Cartridges int64  `json:"cartridges"`
	Address    string `json:"address,omitempty"`
	// Protections are the properties of each storage place (lockable,
	// fireproof, waterproof, access-controlled), from the configuration.
	Protections map[string][]string `json:"protections,omitempty"`
}

func (d *Server) apiSites(r *http.Request, _ media.Actor) (any, error) {
	sites, err := d.cat.Sites(r.Context())
	if err != nil {
		return nil, err
	}
	// Add counts per site so the operator sees where the cartridges are.
	stats, err := d.cat.Stats(r.Context())
	if err != nil {
		return nil, err
	}
	out := make([]SiteView, 0, len(sites))
	for _, s := range sites {
		v := SiteView{Site: s}
		for _, c := range stats.Cartridges {
			if c.Site == s.Name {
				v.Cartridges += c.Count
			}
		}
		if cs := d.cfg.Site(s.Name); cs != nil {
			v.Address = cs.Address
			for _, p := range cs.Places {
				if len(p.Properties) > 0 {
					if v.Protections == nil {
						v.Protections = map[string][]string{}
					}
					v.Protections[p.Name] = p.Properties
				}
			}
		}
		out = append(out, v)
	}
	return out, nil
}

func (d *Server) apiMediaList(r *http.Request, _ media.Actor) (any, error) {
	q := r.URL.Query()
	limit, err := queryInt(r, "limit", 0)
	if err != nil {
		return nil, err
	}
	f := media.Filter{Site: q.Get("site"), PlaceKind: media.PlaceKind(q.Get("place_kind")), Place: q.Get("place"),
		Pool: q.Get("pool"), State: media.State(q.Get("state")), MediaType: q.Get("media_type"), After: q.Get("after"), Limit: limit}
	if f.Site != "" && d.cfg.Site(f.Site) == nil && f.Site != "in-transit" {
		return nil, badRequest("no site %q is configured; see 'tapewarden site list'", f.Site)
	}
	list, err := d.cat.Cartridges(r.Context(), f)
	if err != nil {
		return nil, err
	}
	if list == nil {
		list = []media.Cartridge{}
	}
	if err := d.classify(r.Context(), list); err != nil {
		return nil, err
	}
	return list, nil
}

// AddRequest is the body of POST /v1/media.
type AddRequest struct {
	Barcode   string `json:"barcode"`
	MediaType string `json:"media_type,omitempty"`
	Pool      string `json:"pool,omitempty"`
	State     string `json:"state,omitempty"`
	At        string `json:"at"` // a location in text form, e.g. honcho/shelf
	UsesLeft  *int   `json:"uses_left,omitempty"`
	Notes     string `json:"notes,omitempty"`
}

func (d *Server) apiMediaAdd(r *http.Request, actor media.Actor) (any, error) {
	var req AddRequest
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	if req.At == "" {
		return nil, badRequest("say where the cartridge is (--at SITE/PLACE, e.g. %s/%s)", d.cfg.PrimarySite().Name, d.cfg.PrimarySite().Places[0].Name)
	}
	loc, err := media.ParseLocation(req.At)
	if err != nil {
		return nil, err
	}
	switch loc.Kind {
	case media.InDrive:
		return nil, badRequest("a cartridge is added where a person keeps it (e.g. %s/%s), not in drive %s: add it there, then load it through the library ('tapewarden library load') or insert it ('tapewarden drive insert')",
			loc.Site, d.cfg.PrimarySite().Places[0].Name, loc.Place)
	case media.InSlot, media.InMailSlot:
		return nil, badRequest("a cartridge is added where a person keeps it (e.g. %s/%s), not in %s, which only the library fills: put it in the mail slot and run 'tapewarden library import', or let 'tapewarden library inventory' add cartridges it finds (add_unknown)",
			loc.Site, d.cfg.PrimarySite().Places[0].Name, loc)
	}
	return d.cat.AddCartridge(r.Context(), actor, media.NewCartridge{Barcode: req.Barcode, MediaType: req.MediaType, Pool: req.Pool,
		State: media.State(req.State), Location: loc, UsesLeft: req.UsesLeft, Notes: req.Notes})
}

// MediaView is one cartridge with its custody history.
type MediaView struct {
	media.Cartridge
	Events []media.Event `json:"events"`
}

func (d *Server) apiMediaShow(r *http.Request, _ media.Actor) (any, error) {
	c, err := d.cat.Cartridge(r.Context(), r.PathValue("barcode"))
	if err != nil {
		return nil, err
	}
	events, err := d.cat.Events(r.Context(), media.EventFilter{Barcode: c.Barcode, Limit: 50})
	if err != nil {
		return nil, err
	}
	one := []media.Cartridge{c}
	if err := d.classify(r.Context(), one); err != nil {
		return nil, err
	}
	return MediaView{Cartridge: one[0], Events: events}, nil
}

// MoveRequest is the body of POST /v1/media/{barcode}/move.
type MoveRequest struct {
	To     string `json:"to"`
	Reason string `json:"reason,omitempty"`
	Force  bool   `json:"force,omitempty"`
}

func (d *Server) apiMediaMove(r *http.Request, actor media.Actor) (any, error) {
	var req MoveRequest
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	to, err := media.ParseLocation(req.To)
	if err != nil {
		return nil, err
	}
	if to.Kind == media.InSlot || to.Kind == media.InMailSlot || to.Kind == media.InDrive {
		if !req.Force {
			return nil, badRequest("cartridges enter library slots and drives through the library ('tapewarden library import|load'); to record a move made by hand, repeat with --force and a reason")
		}
	}
	return d.cat.Move(r.Context(), actor, r.PathValue("barcode"), to, media.MoveOptions{Reason: req.Reason, Force: req.Force})
}

// ReasonRequest carries a reason.
type ReasonRequest struct {
	Reason string `json:"reason"`
}

func (d *Server) apiMediaRetire(r *http.Request, actor media.Actor) (any, error) {
	var req ReasonRequest
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	return d.cat.Retire(r.Context(), actor, r.PathValue("barcode"), req.Reason)
}

// EraseRequest is the body of POST /v1/media/{barcode}/erase.
type EraseRequest struct {
	Reason  string `json:"reason"`
	Confirm bool   `json:"confirm"`
}

func (d *Server) apiMediaErase(r *http.Request, actor media.Actor) (any, error) {
	var req EraseRequest
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	return d.eng.EraseMedia(r.Context(), actor, r.PathValue("barcode"), req.Reason, req.Confirm)
}

// FoundRequest is the body of POST /v1/media/{barcode}/found.
type FoundRequest struct {
	At     string `json:"at"`
	Reason string `json:"reason,omitempty"`
}

func (d *Server) apiMediaFound(r *http.Request, actor media.Actor) (any, error) {
	var req FoundRequest
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	loc, err := media.ParseLocation(req.At)
	if err != nil {
		return nil, err
	}
	return d.cat.Found(r.Context(), actor, r.PathValue("barcode"), loc, req.Reason)
}

func (d *Server) apiManifestList(r *http.Request, _ media.Actor) (any, error) {
	q := r.URL.Query()
	limit, err := queryInt(r, "limit", 100)
	if err != nil {
		return nil, err
	}
	list, err := d.cat.Manifests(r.Context(), media.ManifestFilter{State: media.ManifestState(q.Get("state")),
		Destination: q.Get("destination"), Active: q.Get("active") == "true", Limit: limit})
	if err != nil {
		return nil, err
	}
	if err := d.report.ClassifyManifests(r.Context(), list); err != nil {
		return nil, err
	}
	if list == nil {
		list = []media.Manifest{}
	}
	return list, nil
}

func (d *Server) apiManifestCreate(r *http.Request, actor media.Actor) (any, error) {
	var req media.NewManifest
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	m, err := d.cat.CreateManifest(r.Context(), actor, req)
	return d.classifiedManifest(r.Context(), m, err)
}

func (d *Server) apiManifestShow(r *http.Request, _ media.Actor) (any, error) {
	m, err := d.cat.Manifest(r.Context(), r.PathValue("id"))
	return d.classifiedManifest(r.Context(), m, err)
}

func (d *Server) apiManifestPickup(r *http.Request, actor media.Actor) (any, error) {
	var req media.Handover
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	if _, ok := auth.CourierManifest(actor); ok {
		// A courier signs for itself.
		req.Courier = auth.CourierName(actor)
	}
	m, err := d.eng.Pickup(r.Context(), actor, r.PathValue("id"), req)
	return d.classifiedManifest(r.Context(), m, err)
}

func (d *Server) apiManifestDeliver(r *http.Request, actor media.Actor) (any, error) {
	var req media.Handover
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	m, err := d.cat.Deliver(r.Context(), actor, r.PathValue("id"), req)
	return d.classifiedManifest(r.Context(), m, err)
}

// ResolveRequest is the body of POST /v1/manifests/{id}/resolve.
type ResolveRequest struct {
	Barcode string `json:"barcode"`
	Found   string `json:"found,omitempty"` // where it turned up
	Lost    bool   `json:"lost,omitempty"`
	Note    string `json:"note,omitempty"`
}

func (d *Server) apiManifestResolve(r *http.Request, actor media.Actor) (any, error) {
	var req ResolveRequest
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	res, err := req.resolution()
	if err != nil {
		return nil, err
	}
	m, err := d.cat.Resolve(r.Context(), actor, r.PathValue("id"), req.Barcode, res)
	return d.classifiedManifest(r.Context(), m, err)
}

func (d *Server) apiManifestCancel(r *http.Request, actor media.Actor) (any, error) {
	var req ReasonRequest
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	m, err := d.cat.CancelManifest(r.Context(), actor, r.PathValue("id"), req.Reason)
	return d.classifiedManifest(r.Context(), m, err)
}

func (d *Server) apiAuditLog(r *http.Request, _ media.Actor) (any, error) {
	q := r.URL.Query()
	limit, err := queryInt(r, "limit", 50)
	if err != nil {
		return nil, err
	}
	after, err := queryInt(r, "after", 0)
	if err != nil {
		return nil, err
	}
	barcode := q.Get("barcode")
	if barcode != "" {
		if barcode, err = d.cat.NormalizeBarcode(barcode); err != nil {
			return nil, err
		}
	}
	list, err := d.cat.Events(r.Context(), media.EventFilter{Barcode: barcode, Manifest: q.Get("manifest"), Kind: q.Get("kind"),
		AfterID: int64(after), Limit: limit, Ascending: after > 0 || strings.EqualFold(q.Get("order"), "asc")})
	if err != nil {
		return nil, err
	}
	if list == nil {
		list = []media.Event{}
	}
	return list, nil
}

func (d *Server) apiAuditVerify(r *http.Request, _ media.Actor) (any, error) {
	head := r.URL.Query().Get("head")
	if head != "" && !media.ValidEventHash(head) {
		return nil, badRequest("head %q is not an audit hash: give the 64 hexadecimal digits that 'tapewarden audit verify' or a tape's label printed", head)
	}
	return d.cat.Verify(r.Context(), strings.ToLower(head))
}

// CopyRequest is the body of POST /v1/catalog/copy.
type CopyRequest struct {
	To string `json:"to"`
}

func (d *Server) apiCatalogCopy(r *http.Request, actor media.Actor) (any, error) {
	var req CopyRequest
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	if req.To == "" {
		return nil, badRequest("say where the copy goes (--to FILE)")
	}
	return d.eng.StartCatalogCopy(r.Context(), actor, req.To)
}

// resolution is the catalog's form of a resolve request: where the
// cartridge was found, or that it is lost.
func (req ResolveRequest) resolution() (media.Resolution, error) {
	res := media.Resolution{Lost: req.Lost, Note: req.Note}
	if req.Found != "" {
		loc, err := media.ParseLocation(req.Found)
		if err != nil {
			return res, err
		}
		res.Found = &loc
	}
	return res, nil
}
