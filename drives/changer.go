package drives

import (
	"context"
	"fmt"
	"strings"
)

// Changer is a SCSI medium changer (autoloader or library).
//
// Numbering follows mtx: drives (data transfer elements) count from 0;
// slots count from 1, storage slots first, then the import/export slots
// (mail slots), which are included in the slot count. Moves to and from an
// import/export slot use Transfer.
//
// Implementations serialise their own commands (one robot move at a time per
// library) and are safe for concurrent use. A changer can be moved by others
// (front panel, web UI): re-read Inventory before deciding a move. Errors
// are *ChangerError values wrapping ErrSourceEmpty, ErrDestinationFull,
// ErrDriveFull, ErrDriveEmpty, ErrDriveNotEjected, ErrNoSuchElement,
// ErrChangerNotReady or ErrChangerFailed. Many libraries refuse to take a
// cartridge from a drive that has not ejected it: call Drive.Unload first.
type Changer interface {
	// Inventory reads the element status: drives, slots, barcodes.
	Inventory(ctx context.Context) (Inventory, error)
	// Load moves the cartridge in slot into drive.
	Load(ctx context.Context, slot, drive int) error
	// Unload moves the (ejected) cartridge in drive into slot.
	Unload(ctx context.Context, drive, slot int) error
	// Transfer moves a cartridge between two slots (including mail slots).
	Transfer(ctx context.Context, fromSlot, toSlot int) error
}

// ChangerAlertReader is implemented by changers that can read the library
// TapeAlert flags. Reading does not clear them (unlike a drive's): a flag
// stays raised while its condition lasts, so a reader reports a flag when
// it appears, not at every read.
type ChangerAlertReader interface {
	ReadChangerAlerts(ctx context.Context) (ChangerAlertFlags, error)
}

// Inventory is a changer's element status in mtx numbering.
type Inventory struct {
	// Device is the changer device as reported (mtx prints its -f
	// argument).
	Device string         `json:"device"`
	Drives []DriveElement `json:"drives"`
	// Slots holds storage slots then import/export slots.
	Slots []SlotElement `json:"slots"`
}

// DriveElement is one drive of a changer.
type DriveElement struct {
	Number     int    `json:"number"` // from 0
	Full       bool   `json:"full"`
	Barcode    string `json:"barcode,omitempty"`     // right-trimmed primary volume tag
	AltBarcode string `json:"alt_barcode,omitempty"` // alternate volume tag, rare
	// SourceSlot is the slot the cartridge was loaded from, as the library
	// reports it (mtx: "Full (Storage Element 1 Loaded)"); 0 = unknown
	// ("Unknown Storage Element Loaded"). It is the library's record, not
	// a guess: put the cartridge back there.
	SourceSlot int `json:"source_slot,omitempty"`
}

// SlotElement is one storage or import/export slot.
type SlotElement struct {
	Number       int    `json:"number"` // from 1
	Full         bool   `json:"full"`
	Barcode      string `json:"barcode,omitempty"`
	AltBarcode   string `json:"alt_barcode,omitempty"`
	ImportExport bool   `json:"import_export,omitempty"`
}

// ImportExportCount returns the number of import/export slots.
func (inv Inventory) ImportExportCount() int {
	n := 0
	for _, s := range inv.Slots {
		if s.ImportExport {
			n++
		}
	}
	return n
}

// Slot returns slot number n.
func (inv Inventory) Slot(n int) (SlotElement, bool) {
	for _, s := range inv.Slots {
		if s.Number == n {
			return s, true
		}
	}
	return SlotElement{}, false
}

// Drive returns drive number n.
func (inv Inventory) Drive(n int) (DriveElement, bool) {
	for _, d := range inv.Drives {
		if d.Number == n {
			return d, true
		}
	}
	return DriveElement{}, false
}

// HasBarcodes reports whether any full element reports a barcode. A library
// with a reader that suddenly reports none was read without barcodes (the
// mtx UNIT ATTENTION retry): read the status again.
func (inv Inventory) HasBarcodes() bool {
	for _, d := range inv.Drives {
		if d.Full && d.Barcode != "" {
			return true
		}
	}
	for _, s := range inv.Slots {
		if s.Full && s.Barcode != "" {
			return true
		}
	}
	return false
}

func (inv Inventory) hasFull() bool {
	for _, d := range inv.Drives {
		if d.Full {
			return true
		}
	}
	for _, s := range inv.Slots {
		if s.Full {
			return true
		}
	}
	return false
}

// Location says where a cartridge is in a changer.
type Location struct {
	InDrive bool // true: Number is a drive; false: a slot
	Number  int
}

// String renders "drive 0" or "slot 5".
func (l Location) String() string {
	if l.InDrive {
		return fmt.Sprintf("drive %d", l.Number)
	}
	return fmt.Sprintf("slot %d", l.Number)
}

// Find locates a cartridge by barcode (compared after trimming, case
// insensitive), without moving anything.
func (inv Inventory) Find(barcode string) (Location, bool) {
	want := strings.TrimSpace(barcode)
	for _, d := range inv.Drives {
		if d.Full && strings.EqualFold(d.Barcode, want) {
			return Location{InDrive: true, Number: d.Number}, true
		}
	}
	for _, s := range inv.Slots {
		if s.Full && strings.EqualFold(s.Barcode, want) {
			return Location{Number: s.Number}, true
		}
	}
	return Location{}, false
}

// EmptySlots returns the numbers of empty storage slots (not mail slots).
func (inv Inventory) EmptySlots() []int {
	var out []int
	for _, s := range inv.Slots {
		if !s.Full && !s.ImportExport {
			out = append(out, s.Number)
		}
	}
	return out
}

// ChangerError is a failed changer command. Message quotes what the changer
// (or mtx) said, e.g. "Storage Element 3 is Already Full"; ASC/ASCQ are the
// sense codes when known (-1 otherwise).
type ChangerError struct {
	Changer  string
	Op       string // "status", "load 3 0", "unload 3 0", "transfer 24 5"
	Message  string
	SenseKey string
	ASC      int
	ASCQ     int
	ExitCode int
	Err      error // one of the sentinels
}

// Error formats as "drives: changer /dev/sg5: load 3 0: Storage Element 3
// is Already Full (sense ASC/ASCQ 3B/0D)".
func (e *ChangerError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "drives: changer %s: %s: ", e.Changer, e.Op)
	if e.Message != "" {
		b.WriteString(e.Message)
	} else if e.Err != nil {
		b.WriteString(strings.TrimPrefix(e.Err.Error(), "drives: "))
	}
	if e.ASC >= 0 {
		fmt.Fprintf(&b, " (sense ")
		if e.SenseKey != "" {
			fmt.Fprintf(&b, "%s, ", e.SenseKey)
		}
		fmt.Fprintf(&b, "ASC/ASCQ %02X/%02X)", e.ASC, max(e.ASCQ, 0))
	}
	return b.String()
}

// Unwrap returns the sentinel.
func (e *ChangerError) Unwrap() error { return e.Err }
