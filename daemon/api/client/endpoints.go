package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"

	"github.com/tapewarden/tapewarden/media"
	"github.com/tapewarden/tapewarden/rotation"

	"github.com/tapewarden/tapewarden/daemon/api"
	"github.com/tapewarden/tapewarden/daemon/engine"
	"github.com/tapewarden/tapewarden/daemon/report"
)

// Status is the daemon's health and what it is doing.
func (c *Client) Status(ctx context.Context) (api.Status, error) {
	return get[api.Status](ctx, c, "/v1/status", nil)
}

// Sites lists the configured sites with their cartridge counts.
func (c *Client) Sites(ctx context.Context) ([]api.SiteView, error) {
	return get[[]api.SiteView](ctx, c, "/v1/sites", nil)
}

// MediaQuery narrows a cartridge list; empty fields do not.
type MediaQuery struct {
	Site, Pool, State, Place, PlaceKind, MediaType string
	// After lists the barcodes after this one (pages); Limit bounds the
	// list (0: no bound).
	After string
	Limit int
}

// Media lists cartridges.
func (c *Client) Media(ctx context.Context, q MediaQuery) ([]media.Cartridge, error) {
	v := values("site", q.Site, "pool", q.Pool, "state", q.State, "place", q.Place, "place_kind", q.PlaceKind,
		"media_type", q.MediaType, "after", q.After)
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	return get[[]media.Cartridge](ctx, c, "/v1/media", v)
}

// AddMedia adds a cartridge to the catalog.
func (c *Client) AddMedia(ctx context.Context, req api.AddRequest) (media.Cartridge, error) {
	return post[media.Cartridge](ctx, c, "/v1/media", req)
}

// MediaShow is one cartridge with its custody history.
func (c *Client) MediaShow(ctx context.Context, barcode string) (api.MediaView, error) {
	return get[api.MediaView](ctx, c, p("/v1/media/", barcode), nil)
}

// MoveMedia records a move within a site.
func (c *Client) MoveMedia(ctx context.Context, barcode string, req api.MoveRequest) (media.Event, error) {
	return post[media.Event](ctx, c, p("/v1/media/", barcode, "/move"), req)
}

// RetireMedia marks a cartridge as never to be written again.
func (c *Client) RetireMedia(ctx context.Context, barcode string, req api.ReasonRequest) (media.Event, error) {
	return post[media.Event](ctx, c, p("/v1/media/", barcode, "/retire"), req)
}

// FoundMedia records that a lost cartridge turned up.
func (c *Client) FoundMedia(ctx context.Context, barcode string, req api.FoundRequest) (media.Event, error) {
	return post[media.Event](ctx, c, p("/v1/media/", barcode, "/found"), req)
}

// ManifestQuery narrows a manifest list.
type ManifestQuery struct {
	State, Destination string
	// Active keeps the open and in-transit manifests only.
	Active bool
	Limit  int
}

// Manifests lists courier manifests.
func (c *Client) Manifests(ctx context.Context, q ManifestQuery) ([]media.Manifest, error) {
	v := values("state", q.State, "destination", q.Destination)
	if q.Active {
		v.Set("active", "true")
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	return get[[]media.Manifest](ctx, c, "/v1/manifests", v)
}

// CreateManifest lists cartridges for a courier trip.
func (c *Client) CreateManifest(ctx context.Context, req media.NewManifest) (media.Manifest, error) {
	return post[media.Manifest](ctx, c, "/v1/manifests", req)
}

// Manifest is one manifest.
func (c *Client) Manifest(ctx context.Context, id string) (media.Manifest, error) {
	return get[media.Manifest](ctx, c, p("/v1/manifests/", id), nil)
}

// Pickup records a courier taking a manifest's cartridges.
func (c *Client) Pickup(ctx context.Context, id string, req media.Handover) (media.Manifest, error) {
	return post[media.Manifest](ctx, c, p("/v1/manifests/", id, "/pickup"), req)
}

// Deliver records a manifest's cartridges arriving.
func (c *Client) Deliver(ctx context.Context, id string, req media.Handover) (media.Manifest, error) {
	return post[media.Manifest](ctx, c, p("/v1/manifests/", id, "/deliver"), req)
}

// Resolve settles a custody discrepancy.
func (c *Client) Resolve(ctx context.Context, id string, req api.ResolveRequest) (media.Manifest, error) {
	return post[media.Manifest](ctx, c, p("/v1/manifests/", id, "/resolve"), req)
}

// CancelManifest withdraws a manifest not picked up.
func (c *Client) CancelManifest(ctx context.Context, id string, req api.ReasonRequest) (media.Manifest, error) {
	return post[media.Manifest](ctx, c, p("/v1/manifests/", id, "/cancel"), req)
}

// ManifestsFromPlan creates the manifests the courier plan asks for.
func (c *Client) ManifestsFromPlan(ctx context.Context, req report.FromPlanRequest) (report.FromPlanResult, error) {
	return post[report.FromPlanResult](ctx, c, "/v1/manifests/from-plan", req)
}

// Drives lists the configured drives.
func (c *Client) Drives(ctx context.Context) ([]engine.DriveInfo, error) {
	return get[[]engine.DriveInfo](ctx, c, "/v1/drives", nil)
}

// Drive reads one drive's status.
func (c *Client) Drive(ctx context.Context, name string) (engine.DriveInfo, error) {
	return get[engine.DriveInfo](ctx, c, p("/v1/drives/", name), nil)
}

// Identify reads the label in a drive and records the cartridge there.
func (c *Client) Identify(ctx context.Context, drive string) (media.Event, error) {
	return post[media.Event](ctx, c, p("/v1/drives/", drive, "/identify"), nil)
}

// Insert puts a virtual cartridge into a virtual standalone drive (demo).
func (c *Client) Insert(ctx context.Context, drive string, req engine.InsertRequest) (engine.InsertResult, error) {
	return post[engine.InsertResult](ctx, c, p("/v1/drives/", drive, "/insert"), req)
}

// Eject ejects a standalone drive's cartridge.
func (c *Client) Eject(ctx context.Context, drive string, req engine.EjectRequest) (media.Event, error) {
	return post[media.Event](ctx, c, p("/v1/drives/", drive, "/eject"), req)
}

// Clean cleans a drive now.
func (c *Client) Clean(ctx context.Context, drive string, req api.NoteRequest) (engine.CleanResult, error) {
	return post[engine.CleanResult](ctx, c, p("/v1/drives/", drive, "/clean"), req)
}

// DriveHistory is a drive's recorded events, newest first, at most limit
// (0: the daemon's default).
func (c *Client) DriveHistory(ctx context.Context, drive string, limit int) (api.DriveHistory, error) {
	v := values()
	if limit > 0 {
		v.Set("limit", strconv.Itoa(limit))
	}
	return get[api.DriveHistory](ctx, c, p("/v1/drives/", drive, "/history"), v)
}

// Inventory reads a library's slots (every library when req names none).
func (c *Client) Inventory(ctx context.Context, req api.LibraryRequest) ([]engine.InventoryReport, error) {
	return post[[]engine.InventoryReport](ctx, c, "/v1/library/inventory", req)
}

// Load moves a cartridge from a slot into a drive.
func (c *Client) Load(ctx context.Context, req engine.LoadRequest) (media.Event, error) {
	return post[media.Event](ctx, c, "/v1/library/load", req)
}

// Unload puts a drive's cartridge back into a slot.
func (c *Client) Unload(ctx context.Context, req engine.UnloadRequest) (media.Event, error) {
	return post[media.Event](ctx, c, "/v1/library/unload", req)
}

// Transfer moves a cartridge between slots.
func (c *Client) Transfer(ctx context.Context, req engine.TransferRequest) (media.Event, error) {
	return post[media.Event](ctx, c, "/v1/library/transfer", req)
}

// Export moves cartridges to the mail slots.
func (c *Client) Export(ctx context.Context, req api.ExportRequest) ([]media.Event, error) {
	return post[[]media.Event](ctx, c, "/v1/library/export", req)
}

// Import moves the cartridges in the mail slots into free slots.
func (c *Client) Import(ctx context.Context, req api.LibraryRequest) (api.ImportResult, error) {
	return post[api.ImportResult](ctx, c, "/v1/library/import", req)
}

// MailSlot plays the person at a virtual library's mail slot (demo).
func (c *Client) MailSlot(ctx context.Context, req engine.MailSlotRequest) (engine.MailSlotResult, error) {
	return post[engine.MailSlotResult](ctx, c, "/v1/library/mailslot", req)
}

// Jobs lists the configured jobs and their last run.
func (c *Client) Jobs(ctx context.Context) ([]engine.JobInfo, error) {
	return get[[]engine.JobInfo](ctx, c, "/v1/jobs", nil)
}

// RunJob queues a run of a job now and answers with it at once; follow
// it with Run or WaitRun.
func (c *Client) RunJob(ctx context.Context, job string) (media.Run, error) {
	return post[media.Run](ctx, c, p("/v1/jobs/", job, "/run"), api.RunRequest{})
}

// Runs lists past runs, newest first: of one job, or of all ("").
func (c *Client) Runs(ctx context.Context, job string, limit int) ([]media.Run, error) {
	v := values("job", job)
	if limit > 0 {
		v.Set("limit", strconv.Itoa(limit))
	}
	return get[[]media.Run](ctx, c, "/v1/runs", v)
}

// Run is one run with its pieces and log.
func (c *Client) Run(ctx context.Context, runID int64) (media.Run, error) {
	return get[media.Run](ctx, c, p("/v1/runs/", id(runID)), nil)
}

// CancelRun stops a run in progress.
func (c *Client) CancelRun(ctx context.Context, runID int64) (media.Run, error) {
	return post[media.Run](ctx, c, p("/v1/runs/", id(runID), "/cancel"), nil)
}

// Prompts lists the open prompts, or all with all.
func (c *Client) Prompts(ctx context.Context, all bool) ([]media.Prompt, error) {
	v := values()
	if all {
		v.Set("all", "true")
	}
	return get[[]media.Prompt](ctx, c, "/v1/prompts", v)
}

// PromptDone says a person did what a prompt asked.
func (c *Client) PromptDone(ctx context.Context, promptID int64, note string) (media.Prompt, error) {
	return post[media.Prompt](ctx, c, p("/v1/prompts/", id(promptID), "/done"), api.NoteRequest{Note: note})
}

// PromptCancel withdraws a prompt.
func (c *Client) PromptCancel(ctx context.Context, promptID int64, note string) (media.Prompt, error) {
	return post[media.Prompt](ctx, c, p("/v1/prompts/", id(promptID), "/cancel"), api.NoteRequest{Note: note})
}

// Drills is each system's last restore drill.
func (c *Client) Drills(ctx context.Context) ([]api.DrillInfo, error) {
	return get[[]api.DrillInfo](ctx, c, "/v1/drills", nil)
}

// CourierPlan is the courier's plan for a day (date YYYY-MM-DD, at HH:MM;
// empty: the next trip), its texts in lang (en, ja; empty: the daemon's
// configured language).
func (c *Client) CourierPlan(ctx context.Context, lang, date, at string) (report.CourierPlan, error) {
	return get[report.CourierPlan](ctx, c, "/v1/courier/plan", values("date", date, "at", at, "lang", lang))
}

// Calendar is the rotation calendar.
func (c *Client) Calendar(ctx context.Context, req report.CalendarRequest) (rotation.Schedule, error) {
	v := values("pool", req.Pool, "from", req.From, "at", req.At)
	if req.Days > 0 {
		v.Set("days", strconv.Itoa(req.Days))
	}
	return get[rotation.Schedule](ctx, c, "/v1/rotation/calendar", v)
}

// PolicyCheck checks the daemon's own configuration against the catalog.
func (c *Client) PolicyCheck(ctx context.Context) (report.PolicyReport, error) {
	return get[report.PolicyReport](ctx, c, "/v1/policy/check", nil)
}

// PolicyCheckConfig checks another configuration against the catalog.
func (c *Client) PolicyCheckConfig(ctx context.Context, req report.PolicyCheckRequest) (report.PolicyReport, error) {
	return post[report.PolicyReport](ctx, c, "/v1/policy/check", req)
}

// SwapList is the day's list of cartridges to swap, its texts in lang
// (en, ja; empty: the daemon's configured language).
func (c *Client) SwapList(ctx context.Context, lang, date, at string) (report.SwapList, error) {
	return get[report.SwapList](ctx, c, "/v1/swap-list", values("date", date, "at", at, "lang", lang))
}

// AuditQuery narrows the audit log.
type AuditQuery struct {
	Barcode, Manifest, Kind string
	// Limit bounds the list (0: the daemon's default).
	Limit int
	// After lists the events after this ID, oldest first.
	After int64
	// Ascending lists oldest first.
	Ascending bool
}

// Audit lists audit events.
func (c *Client) Audit(ctx context.Context, q AuditQuery) ([]media.Event, error) {
	v := values("barcode", q.Barcode, "manifest", q.Manifest, "kind", q.Kind)
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	if q.After > 0 {
		v.Set("after", strconv.FormatInt(q.After, 10))
	}
	if q.Ascending {
		v.Set("order", "asc")
	}
	return get[[]media.Event](ctx, c, "/v1/audit", v)
}

// AuditVerify checks the audit hash chain, and that it ends at head when
// head is given.
func (c *Client) AuditVerify(ctx context.Context, head string) (media.VerifyResult, error) {
	return get[media.VerifyResult](ctx, c, "/v1/audit/verify", values("head", head))
}

// Metrics is the Prometheus exposition served on the socket.
func (c *Client) Metrics(ctx context.Context) (string, error) {
	b, err := c.raw(ctx, "GET", "/metrics", nil, nil)
	return string(b), err
}

// Restore starts a restore (or, with req.Drill, a restore drill) and
// answers at once with its operation; follow it with Operation. Its
// result is an engine.RestoreResult (RestoreResult decodes it).
func (c *Client) Restore(ctx context.Context, req engine.RestoreRequest) (media.Operation, error) {
	return post[media.Operation](ctx, c, "/v1/restore", req)
}

// CatalogCopy starts a consistent copy of the catalog to a file the
// daemon can write, and answers at once with its operation. Its result
// is a media.VerifyResult (CopyResult decodes it).
func (c *Client) CatalogCopy(ctx context.Context, to string) (media.Operation, error) {
	return post[media.Operation](ctx, c, "/v1/catalog/copy", api.CopyRequest{To: to})
}

// Operations lists operations, newest first: only those in progress with
// running; at most limit (0: the daemon's default).
func (c *Client) Operations(ctx context.Context, running bool, limit int) ([]media.Operation, error) {
	v := values()
	if running {
		v.Set("running", "true")
	}
	if limit > 0 {
		v.Set("limit", strconv.Itoa(limit))
	}
	return get[[]media.Operation](ctx, c, "/v1/operations", v)
}

// Operation is one operation: its state, its progress while it runs, and
// its result once it has finished.
func (c *Client) Operation(ctx context.Context, opID int64) (media.Operation, error) {
	return get[media.Operation](ctx, c, p("/v1/operations/", id(opID)), nil)
}

// CancelOperation stops an operation in progress and answers once it has
// stopped.
func (c *Client) CancelOperation(ctx context.Context, opID int64) (media.Operation, error) {
	return post[media.Operation](ctx, c, p("/v1/operations/", id(opID), "/cancel"), nil)
}

// RestoreResult decodes the result of a restore or drill operation
// (zero when it has none).
func RestoreResult(op media.Operation) (engine.RestoreResult, error) {
	return result[engine.RestoreResult](op)
}

// CopyResult decodes the result of a catalog copy operation.
func CopyResult(op media.Operation) (media.VerifyResult, error) {
	return result[media.VerifyResult](op)
}

// SiteLossDrill starts a site-loss drill and answers at once with its
// operation. Its result is an engine.SiteLossDrillResult
// (SiteLossDrillResult decodes it).
func (c *Client) SiteLossDrill(ctx context.Context) (media.Operation, error) {
	return post[media.Operation](ctx, c, "/v1/drills/site-loss", struct{}{})
}

// SiteLossDrillResult decodes a site-loss drill's result.
func SiteLossDrillResult(op media.Operation) (engine.SiteLossDrillResult, error) {
	return result[engine.SiteLossDrillResult](op)
}

func result[T any](op media.Operation) (T, error) {
	var out T
	if len(op.Result) == 0 {
		return out, nil
	}
	if err := json.Unmarshal(op.Result, &out); err != nil {
		return out, fmt.Errorf("decode the result of operation %d: %w", op.ID, err)
	}
	return out, nil
}

// EraseMedia releases what a cartridge's tape holds that the catalog does
// not know, so that the next run may overwrite it; recorded with who and
// why.
func (c *Client) EraseMedia(ctx context.Context, barcode string, req api.EraseRequest) (media.Event, error) {
	return post[media.Event](ctx, c, p("/v1/media/", barcode, "/erase"), req)
}

// Check runs the pre-flight check of the named jobs (every job when none
// is named).
func (c *Client) Check(ctx context.Context, jobs ...string) (engine.CheckReport, error) {
	q := url.Values{}
	for _, j := range jobs {
		q.Add("job", j)
	}
	return get[engine.CheckReport](ctx, c, "/v1/check", q)
}

// KeyCheck asks whether an identity decrypts the newest generation of
// every encrypted pool, without restoring.
func (c *Client) KeyCheck(ctx context.Context, req engine.KeyCheckRequest) ([]engine.KeyCheck, error) {
	return post[[]engine.KeyCheck](ctx, c, "/v1/key/check", req)
}

// ListMembers lists, from the file index, what a restore with the same
// selection would bring back.
func (c *Client) ListMembers(ctx context.Context, req engine.ListRequest) (engine.ListResult, error) {
	q := values("system", req.System, "job", req.Job, "generation", req.Generation, "pattern", req.Pattern)
	q.Set("limit", strconv.Itoa(req.Limit))
	return get[engine.ListResult](ctx, c, "/v1/restore/list", q)
}

// Find says which runs, generations and cartridges hold files matching
// pattern, newest first.
func (c *Client) Find(ctx context.Context, pattern string, limit int) ([]media.Holding, error) {
	return get[[]media.Holding](ctx, c, "/v1/find", url.Values{"pattern": {pattern}, "limit": {strconv.Itoa(limit)}})
}
