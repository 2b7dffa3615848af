package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/tapewarden/tapewarden/drives"

	"github.com/tapewarden/tapewarden/daemon/config"
)

// The offline tape commands work on a drive directly, without the daemon,
// for the operator at the machine: a real no-rewind device or a virtual
// cartridge image. A drive the daemon is using reports busy.

// tapeStatus is what `tapewarden tape status` shows.
type tapeStatus struct {
	Device string             `json:"device"`
	Status drives.Status      `json:"status"`
	Media  string             `json:"media,omitempty"` // from the density code
	Label  *drives.Label      `json:"label,omitempty"`
	Alerts []drives.TapeAlert `json:"tapealerts,omitempty"`
	// AlertsRead says the TapeAlert page was read (through --sg-device, or
	// from a virtual drive). Reading clears the drive's flags: Alerts is
	// the only record of them.
	AlertsRead bool `json:"tapealerts_read"`
	// AlertsError says why the page could not be read.
	AlertsError string `json:"tapealerts_error,omitempty"`
	// Limits are the drive's block limits and its adapter's transfer
	// limit, when the drive reports them.
	Limits *drives.Limits `json:"limits,omitempty"`
}

// openTape opens a drive for an offline command; sg may be empty.
func openTape(device, sg string) (drives.Drive, error) {
	d, err := drives.Open(device, drives.WithSCSIGeneric(sg))
	if errors.Is(err, drives.ErrBusy) {
		return nil, fmt.Errorf("%w (is the tapewarden daemon using it? use 'tapewarden drive status' instead)", err)
	}
	return d, err
}

// offlineTapeStatus reads a drive's status without moving the tape.
func offlineTapeStatus(ctx context.Context, device, sg string) (tapeStatus, error) {
	d, err := openTape(device, sg)
	if err != nil {
		return tapeStatus{}, err
	}
	defer func() { _ = d.Close() }() // status only: nothing written to lose
	st, err := d.Status(ctx)
	if err != nil {
		return tapeStatus{}, err
	}
	ts := tapeStatus{Device: device, Status: st}
	if mi, ok := drives.MediaForDensity(st.Density); ok && st.Density != 0 {
		ts.Media = mi.Name
	}
	if l := drives.DriveLimits(d); l != (drives.Limits{}) {
		ts.Limits = &l
	}
	// The TapeAlert page is read when asked for through the sg node, and
	// from a virtual drive (which has none). Reading clears the flags on
	// the drive, so what was read is returned for the operator to note.
	tr, ok := d.(drives.TapeAlertReader)
	if fi, err := os.Stat(device); ok && (sg != "" || err == nil && fi.Mode().IsRegular()) {
		f, err := tr.ReadTapeAlerts(ctx)
		if err != nil {
			ts.AlertsError = err.Error()
		} else {
			ts.AlertsRead = true
			ts.Alerts = f.Alerts()
		}
	}
	return ts, nil
}

// offlineReadLabel reads the volume label (rewinding the tape).
func offlineReadLabel(ctx context.Context, device, sg string) (drives.Label, error) {
	d, err := openTape(device, sg)
	if err != nil {
		return drives.Label{}, err
	}
	defer func() { _ = d.Close() }() // reads the label: nothing written to lose
	return drives.ReadLabel(ctx, d)
}

// labelRequest is `tapewarden tape label`.
type labelRequest struct {
	Device    string
	SGDevice  string
	Barcode   string
	Pool      string
	MediaType string // default: from the barcode
	Force     bool
	// LibraryBarcode is the barcode the library reports for the cartridge
	// (when known); a label with another barcode is refused.
	LibraryBarcode string
	// Changer and Element, when set, read LibraryBarcode from the changer.
	Changer string
	Element int
}

// offlineLabel writes a volume label. It refuses a cartridge that already
// carries a label (unless Force) and a barcode that differs from the one
// the library — or, for a virtual image, the cartridge's sticker — reports.
func offlineLabel(ctx context.Context, req labelRequest) (drives.Label, error) {
	if req.Barcode == "" {
		return drives.Label{}, fmt.Errorf("%w: give the barcode on the cartridge's sticker (--barcode)", config.ErrConfig)
	}
	expected := req.LibraryBarcode
	// whose says where expected came from, for the refusal.
	whose := "the library reports (--library-barcode)"
	if req.Changer != "" {
		inv, err := drives.NewMTXChanger(req.Changer).Inventory(ctx)
		if err != nil {
			return drives.Label{}, err
		}
		de, ok := inv.Drive(req.Element)
		if !ok || !de.Full {
			return drives.Label{}, fmt.Errorf("%w: changer drive element %d is empty", drives.ErrNoMedium, req.Element)
		}
		expected = de.Barcode
		whose = fmt.Sprintf("the library (%s) reports for the cartridge in drive element %d", req.Changer, req.Element)
	}
	if drives.IsCartridgeImage(req.Device) {
		info, err := drives.ReadCartridgeInfo(req.Device)
		if err != nil {
			return drives.Label{}, err
		}
		expected = info.Barcode
		whose = "on the cartridge image's sticker"
		if req.MediaType == "" {
			req.MediaType = info.MediaType
		}
	}
	if req.MediaType == "" {
		mt, _, _, ok := drives.BarcodeMedia(req.Barcode)
		if !ok {
			return drives.Label{}, fmt.Errorf("%w: the barcode %s does not say the media type; give --type", config.ErrConfig, req.Barcode)
		}
		req.MediaType = mt
	}
	label, err := drives.NewLabel(req.Barcode, req.Pool, req.MediaType, config.Version, time.Now())
	if err != nil {
		return label, err
	}
	if expected != "" && drives.CheckBarcode(label, expected) != nil {
		return label, fmt.Errorf("%w: you gave --barcode %s, but the barcode %s is %s; label the cartridge with the barcode on its sticker, or load the cartridge you meant",
			drives.ErrWrongBarcode, req.Barcode, whose, strings.TrimSpace(expected))
	}
	d, err := openTape(req.Device, req.SGDevice)
	if err != nil {
		return label, err
	}
	if err := drives.WriteLabel(ctx, d, label, req.Force); err != nil {
		_ = d.Close() // the write error is the one returned
		return label, err
	}
	// Closing writes the filemark after the label: check it.
	if err := d.Close(); err != nil {
		return label, fmt.Errorf("label %s: close %s: %w", req.Barcode, req.Device, err)
	}
	return label, nil
}
