package daemon

import (
	"net/http"

	"github.com/tapewarden/tapewarden/media"
	"github.com/tapewarden/tapewarden/rotation"
)

func (d *Daemon) apiDrives(r *http.Request, _ media.Actor) (any, error) {
	return d.Drives(r.Context()), nil
}

func (d *Daemon) apiDriveStatus(r *http.Request, _ media.Actor) (any, error) {
	return d.DriveStatus(r.Context(), r.PathValue("name"))
}

func (d *Daemon) apiDriveIdentify(r *http.Request, actor media.Actor) (any, error) {
	return d.Identify(r.Context(), actor, r.PathValue("name"))
}

func (d *Daemon) apiDriveInsert(r *http.Request, actor media.Actor) (any, error) {
	var req InsertRequest
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	return d.Insert(r.Context(), actor, r.PathValue("name"), req)
}

func (d *Daemon) apiDriveEject(r *http.Request, actor media.Actor) (any, error) {
	var req EjectRequest
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	return d.Eject(r.Context(), actor, r.PathValue("name"), req)
}

// LibraryRequest names a library ("" when there is only one).
type LibraryRequest struct {
	Library string `json:"library,omitempty"`
}

func (d *Daemon) apiLibraryInventory(r *http.Request, actor media.Actor) (any, error) {
	var req LibraryRequest
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	return d.Inventory(r.Context(), actor, req.Library)
}

func (d *Daemon) apiLibraryLoad(r *http.Request, actor media.Actor) (any, error) {
	var req LoadRequest
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	if (req.Barcode == "") == (req.Slot == 0) {
		return nil, badRequest("say what to load: a barcode or --slot N")
	}
	return d.Load(r.Context(), actor, req)
}

func (d *Daemon) apiLibraryUnload(r *http.Request, actor media.Actor) (any, error) {
	var req UnloadRequest
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	return d.Unload(r.Context(), actor, req)
}

func (d *Daemon) apiLibraryTransfer(r *http.Request, actor media.Actor) (any, error) {
	var req TransferRequest
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	return d.Transfer(r.Context(), actor, req)
}

// ExportRequest names cartridges to put into mail slots.
type ExportRequest struct {
	Library  string   `json:"library,omitempty"`
	Barcodes []string `json:"barcodes"`
}

func (d *Daemon) apiLibraryExport(r *http.Request, actor media.Actor) (any, error) {
	var req ExportRequest
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	events, err := d.Export(r.Context(), actor, req.Library, req.Barcodes)
	if err != nil {
		return nil, err
	}
	if events == nil {
		events = []media.Event{}
	}
	return events, nil
}

// ImportResult is what `library import` moved and what it left.
type ImportResult struct {
	Imported []media.Event `json:"imported"`
	Problems []string      `json:"problems,omitempty"`
}

func (d *Daemon) apiLibraryImport(r *http.Request, actor media.Actor) (any, error) {
	var req LibraryRequest
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	events, problems, err := d.Import(r.Context(), actor, req.Library)
	if err != nil {
		return nil, err
	}
	if events == nil {
		events = []media.Event{}
	}
	return ImportResult{Imported: events, Problems: problems}, nil
}

func (d *Daemon) apiLibraryMailSlot(r *http.Request, actor media.Actor) (any, error) {
	var req MailSlotRequest
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	return d.MailSlot(r.Context(), actor, req)
}

func (d *Daemon) apiDriveClean(r *http.Request, actor media.Actor) (any, error) {
	var req NoteRequest
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	reason := "requested by " + actor.Name
	if req.Note != "" {
		reason += ": " + req.Note
	}
	return d.Clean(r.Context(), actor, r.PathValue("name"), reason, false)
}

// DriveHistory is `tapewarden drive history`: the drive's cleaning
// status and its recorded events.
type DriveHistory struct {
	Drive    string             `json:"drive"`
	Cleaning *rotation.Cleaning `json:"cleaning,omitempty"`
	Events   []media.DriveEvent `json:"events"`
}

func (d *Daemon) apiDriveHistory(r *http.Request, _ media.Actor) (any, error) {
	name := r.PathValue("name")
	if _, err := d.dev.drive(name); err != nil {
		return nil, err
	}
	limit, err := queryInt(r, "limit", 100)
	if err != nil {
		return nil, err
	}
	events, err := d.cat.DriveEvents(r.Context(), name, limit)
	if err != nil {
		return nil, err
	}
	if events == nil {
		events = []media.DriveEvent{}
	}
	h := DriveHistory{Drive: name, Events: events}
	if cl, err := d.CleaningStatus(r.Context()); err == nil {
		for i := range cl {
			if cl[i].Drive == name {
				h.Cleaning = &cl[i]
			}
		}
	}
	return h, nil
}
