package api

import (
	"net/http"

	"github.com/tapewarden/tapewarden/media"
	"github.com/tapewarden/tapewarden/rotation"

	"github.com/tapewarden/tapewarden/daemon/engine"
)

func (d *Server) apiDrives(r *http.Request, _ media.Actor) (any, error) {
	return d.eng.Drives(r.Context()), nil
}

func (d *Server) apiDriveStatus(r *http.Request, _ media.Actor) (any, error) {
	return d.eng.DriveStatus(r.Context(), r.PathValue("name"))
}

func (d *Server) apiDriveIdentify(r *http.Request, actor media.Actor) (any, error) {
	return d.eng.Identify(r.Context(), actor, r.PathValue("name"))
}

func (d *Server) apiDriveInsert(r *http.Request, actor media.Actor) (any, error) {
	var req engine.InsertRequest
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	return d.eng.Insert(r.Context(), actor, r.PathValue("name"), req)
}

func (d *Server) apiDriveEject(r *http.Request, actor media.Actor) (any, error) {
	var req engine.EjectRequest
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	return d.eng.Eject(r.Context(), actor, r.PathValue("name"), req)
}

// LibraryRequest names a library ("" when there is only one).
type LibraryRequest struct {
	Library string `json:"library,omitempty"`
}

func (d *Server) apiLibraryInventory(r *http.Request, actor media.Actor) (any, error) {
	var req LibraryRequest
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	return d.eng.Inventory(r.Context(), actor, req.Library)
}

func (d *Server) apiLibraryLoad(r *http.Request, actor media.Actor) (any, error) {
	var req engine.LoadRequest
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	if (req.Barcode == "") == (req.Slot == 0) {
		return nil, badRequest("say what to load: a barcode or --slot N")
	}
	return d.eng.Load(r.Context(), actor, req)
}

func (d *Server) apiLibraryUnload(r *http.Request, actor media.Actor) (any, error) {
	var req engine.UnloadRequest
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	return d.eng.Unload(r.Context(), actor, req)
}

func (d *Server) apiLibraryTransfer(r *http.Request, actor media.Actor) (any, error) {
	var req engine.TransferRequest
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	return d.eng.Transfer(r.Context(), actor, req)
}

// ExportRequest names cartridges to put into mail slots.
type ExportRequest struct {
	Library  string   `json:"library,omitempty"`
	Barcodes []string `json:"barcodes"`
}

func (d *Server) apiLibraryExport(r *http.Request, actor media.Actor) (any, error) {
	var req ExportRequest
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	events, err := d.eng.Export(r.Context(), actor, req.Library, req.Barcodes)
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

func (d *Server) apiLibraryImport(r *http.Request, actor media.Actor) (any, error) {
	var req LibraryRequest
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	events, problems, err := d.eng.Import(r.Context(), actor, req.Library)
	if err != nil {
		return nil, err
	}
	if events == nil {
		events = []media.Event{}
	}
	return ImportResult{Imported: events, Problems: problems}, nil
}

func (d *Server) apiLibraryMailSlot(r *http.Request, actor media.Actor) (any, error) {
	var req engine.MailSlotRequest
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	return d.eng.MailSlot(r.Context(), actor, req)
}

func (d *Server) apiDriveClean(r *http.Request, actor media.Actor) (any, error) {
	var req NoteRequest
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	return d.eng.Clean(r.Context(), actor, r.PathValue("name"), req.Note, false)
}

// DriveHistory is `tapewarden drive history`: the drive's cleaning
// status and its recorded events.
type DriveHistory struct {
	Drive    string             `json:"drive"`
	Cleaning *rotation.Cleaning `json:"cleaning,omitempty"`
	Events   []media.DriveEvent `json:"events"`
}

func (d *Server) apiDriveHistory(r *http.Request, _ media.Actor) (any, error) {
	name := r.PathValue("name")
	if err := d.eng.HasDrive(name); err != nil {
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
	if cl, err := d.eng.CleaningStatus(r.Context()); err == nil {
		for i := range cl {
			if cl[i].Drive == name {
				h.Cleaning = &cl[i]
			}
		}
	}
	return h, nil
}
