package drives

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
)

// VirtualLibraryConfig configures a new virtual library. For an existing
// library (state found in its directory) the layout comes from the state and
// non-zero layout fields must match it.
type VirtualLibraryConfig struct {
	// Name is the device name the inventory reports; default: the
	// directory.
	Name string
	// DriveType is the generation of every drive (a media type name).
	DriveType string
	// Drives, Slots and MailSlots give the layout: N drives, M storage
	// slots and K import/export slots (numbered M+1…M+K).
	Drives, Slots, MailSlots int
	// NoBarcodeReader makes the inventory report no barcodes, like an
	// autoloader without a reader.
	NoBarcodeReader bool
	// Drive is the template for the virtual drives (throttle, cleaning
	// threshold). Name and DriveType are set per drive.
	Drive VirtualTapeConfig
	// DriveNames name the drives in messages, by element; a drive without
	// one is "driveN".
	DriveNames []string
	// Logger receives robot moves and operator actions; nil discards them.
	Logger *slog.Logger
}

type vlibElement struct {
	Cartridge  string `json:"cartridge,omitempty"` // image path
	Barcode    string `json:"barcode,omitempty"`
	SourceSlot int    `json:"source_slot,omitempty"` // drives only
}

type vlibState struct {
	Format          string        `json:"format"`
	Version         int           `json:"version"`
	Name            string        `json:"name"`
	DriveType       string        `json:"drive_type"`
	NoBarcodeReader bool          `json:"no_barcode_reader,omitempty"`
	MailSlots       int           `json:"mail_slots"`
	Drives          []vlibElement `json:"drives"`
	Slots           []vlibElement `json:"slots"` // storage slots then mail slots
}

const vlibFormat = "tapewarden-virtual-library"

// VirtualLibrary is a virtual SCSI medium changer: N virtual drives, M
// storage slots and K import/export slots, its state kept in a directory:
//
//	DIR/library.json        element state (written atomically)
//	DIR/library.lock        held while the library is open
//	DIR/driveN.json         state of virtual drive N (see VirtualTape)
//	DIR/cartridges/*.vtape  cartridge images made by AddCartridge
//
// Moves really move cartridge images: Load inserts the image into the
// virtual drive, which threads it; Unload takes it back. It behaves like a
// real changer driven by mtx and fails with the same messages and
// sentinels, in the order mtx checks (rig captures mtx-err-*.txt): loading
// into a full drive ("Drive 0 Full (Storage Element 3 loaded)",
// ErrDriveFull, even when the source is empty too), moving from an empty
// slot ("Source Element Address 1004 is Empty", ErrSourceEmpty), to a full
// slot ("Destination Element Address 1002 is Already Full" for transfer,
// "Storage Element 3 is Already Full" for unload, ErrDestinationFull), to
// no such slot ("Invalid destination", ErrNoSuchElement), unloading an
// empty drive ("Data Transfer Element 0 is Empty", ErrDriveEmpty) or a
// drive whose cartridge was not ejected first ("Drive needs offline before
// move", ASC/ASCQ 3A/00, ErrDriveNotEjected). Slot n has element address
// 999+n, as in the rig's library.
//
// Only one VirtualLibrary may have a directory open at a time (ErrBusy
// otherwise), and it owns its drives: open them with Drive(i).Open(). All
// methods are safe for concurrent use; moves are serialised.
type VirtualLibrary struct {
	mu      sync.Mutex
	dir     string
	lockf   *os.File
	log     *slog.Logger
	st      vlibState
	drives  []*VirtualTape
	failErr error
	alerts  ChangerAlertFlags
	closed  bool
}

var (
	_ Changer            = (*VirtualLibrary)(nil)
	_ ChangerAlertReader = (*VirtualLibrary)(nil)
)

// NewVirtualLibrary opens the virtual library in dir, creating it (and dir)
// with the configured layout if it has no state yet.
func NewVirtualLibrary(dir string, cfg VirtualLibraryConfig) (*VirtualLibrary, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("drives: virtual library: %w", err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "cartridges"), 0o755); err != nil {
		return nil, fmt.Errorf("drives: virtual library: %w", err)
	}
	lockf, err := os.OpenFile(filepath.Join(dir, "library.lock"), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("drives: virtual library: %w", err)
	}
	if err := lockFile(lockf); err != nil {
		_ = lockf.Close()
		return nil, fmt.Errorf("drives: virtual library %s: %w", dir, err)
	}
	l := &VirtualLibrary{dir: dir, lockf: lockf, log: cfg.Logger}
	if l.log == nil {
		l.log = slog.New(slog.DiscardHandler)
	}
	if err := l.init(cfg); err != nil {
		_ = l.Close()
		return nil, err
	}
	l.log = l.log.With("changer", l.st.Name)
	return l, nil
}

func (l *VirtualLibrary) init(cfg VirtualLibraryConfig) error {
	statePath := filepath.Join(l.dir, "library.json")
	data, err := os.ReadFile(statePath)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if !isDriveType(cfg.DriveType) || cfg.Drives < 1 || cfg.Slots < 1 || cfg.MailSlots < 0 {
			return fmt.Errorf("drives: virtual library %s: need a drive type, at least one drive and one slot (got %q, %d drives, %d slots, %d mail slots)",
				l.dir, cfg.DriveType, cfg.Drives, cfg.Slots, cfg.MailSlots)
		}
		name := cfg.Name
		if name == "" {
			name = l.dir
		}
		l.st = vlibState{
			Format: vlibFormat, Version: 1, Name: name, DriveType: cfg.DriveType,
			NoBarcodeReader: cfg.NoBarcodeReader, MailSlots: cfg.MailSlots,
			Drives: make([]vlibElement, cfg.Drives), Slots: make([]vlibElement, cfg.Slots+cfg.MailSlots),
		}
	case err != nil:
		return fmt.Errorf("drives: virtual library: %w", err)
	default:
		if err := json.Unmarshal(data, &l.st); err != nil || l.st.Format != vlibFormat || l.st.Version != 1 {
			return fmt.Errorf("drives: virtual library %s: bad state file %s", l.dir, statePath)
		}
		storage := len(l.st.Slots) - l.st.MailSlots
		if (cfg.DriveType != "" && cfg.DriveType != l.st.DriveType) || (cfg.Drives != 0 && cfg.Drives != len(l.st.Drives)) ||
			(cfg.Slots != 0 && cfg.Slots != storage) || (cfg.MailSlots != 0 && cfg.MailSlots != l.st.MailSlots) {
			return fmt.Errorf("drives: virtual library %s: has %d %s drives, %d slots and %d mail slots; the configuration asks for something else",
				l.dir, len(l.st.Drives), l.st.DriveType, storage, l.st.MailSlots)
		}
	}
	for i := range l.st.Drives {
		dcfg := cfg.Drive
		dcfg.Name = fmt.Sprintf("drive%d", i)
		if i < len(cfg.DriveNames) && cfg.DriveNames[i] != "" {
			dcfg.Name = cfg.DriveNames[i]
		}
		dcfg.DriveType = l.st.DriveType
		if dcfg.Logger == nil {
			dcfg.Logger = cfg.Logger
		}
		v, err := NewVirtualTape(filepath.Join(l.dir, fmt.Sprintf("drive%d.json", i)), dcfg)
		if err != nil {
			return err
		}
		l.drives = append(l.drives, v)
		l.reconcile(i)
	}
	return l.save()
}

// reconcile makes drive i and the library state agree after a crash
// between the two halves of a move: the library's record wins if the drive
// is empty, the drive's content wins otherwise.
func (l *VirtualLibrary) reconcile(i int) {
	v := l.drives[i]
	path, _ := v.cartridgePath()
	rec := l.st.Drives[i]
	switch {
	case path == rec.Cartridge:
	case path == "" && rec.Cartridge != "":
		if err := v.Insert(rec.Cartridge); err != nil {
			l.log.Warn("re-inserting cartridge after restart", "drive", i, "err", err)
		}
	default:
		info, _ := ReadCartridgeInfo(path)
		l.st.Drives[i] = vlibElement{Cartridge: path, Barcode: info.Barcode}
	}
}

func (l *VirtualLibrary) save() error {
	data, err := json.MarshalIndent(l.st, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(l.dir, "library.json"), append(data, '\n'))
}

// Close releases the drives and the library directory.
func (l *VirtualLibrary) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	l.closed = true
	var err error
	for _, v := range l.drives {
		err = errors.Join(err, v.Close())
	}
	return errors.Join(err, l.lockf.Close())
}

// Dir returns the library's state directory.
func (l *VirtualLibrary) Dir() string { return l.dir }

// Drive returns virtual drive n (from 0), or nil.
func (l *VirtualLibrary) Drive(n int) *VirtualTape {
	if n < 0 || n >= len(l.drives) {
		return nil
	}
	return l.drives[n]
}

// DriveCount returns the number of drives.
func (l *VirtualLibrary) DriveCount() int { return len(l.drives) }

// FailNextMove makes the next Load, Unload or Transfer fail with err
// before anything moves; nil means a robot failure matching
// ErrChangerFailed.
func (l *VirtualLibrary) FailNextMove(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err == nil {
		err = ErrChangerFailed
	}
	l.failErr = err
}

// RaiseChangerAlert raises library TapeAlert flag n (1…64; SMC defines
// 1…32, the rest are reserved), as a real library does on a door or mail
// slot problem.
func (l *VirtualLibrary) RaiseChangerAlert(n int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if n >= 1 && n <= 64 {
		l.alerts |= 1 << (n - 1)
	}
}

// ClearChangerAlert clears library TapeAlert flag n, as the library does
// when the condition ends (the door is closed again).
func (l *VirtualLibrary) ClearChangerAlert(n int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if n >= 1 && n <= 64 {
		l.alerts &^= 1 << (n - 1)
	}
}

// ReadChangerAlerts returns the library TapeAlert flags. Unlike a drive's,
// the library's page is not cleared by reading it (rig captures
// sg_logs-tapealert-changer-flag16*.txt: read twice, flag 16 both times);
// a flag stays until ClearChangerAlert.
func (l *VirtualLibrary) ReadChangerAlerts(ctx context.Context) (ChangerAlertFlags, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return DecodeChangerAlertPage(EncodeTapeAlertPage(TapeAlertFlags(l.alerts)))
}

func (l *VirtualLibrary) storageCount() int { return len(l.st.Slots) - l.st.MailSlots }

func (l *VirtualLibrary) isMailSlot(n int) bool {
	return n > l.storageCount() && n <= len(l.st.Slots)
}

func (l *VirtualLibrary) cerr(op string, sentinel error, asc, ascq int, format string, args ...any) error {
	return &ChangerError{Changer: l.st.Name, Op: op, Message: fmt.Sprintf(format, args...), ASC: asc, ASCQ: ascq, ExitCode: 1, Err: sentinel}
}

// begin locks the library for a move and applies an injected failure.
func (l *VirtualLibrary) begin(ctx context.Context, op string) error {
	l.mu.Lock()
	switch {
	case l.closed:
		l.mu.Unlock()
		return &ChangerError{Changer: l.st.Name, Op: op, ASC: -1, ASCQ: -1, Err: ErrClosed}
	case ctx.Err() != nil:
		l.mu.Unlock()
		return &ChangerError{Changer: l.st.Name, Op: op, ASC: -1, ASCQ: -1, Err: ctx.Err()}
	case l.failErr != nil:
		err := l.failErr
		l.failErr = nil
		l.mu.Unlock()
		var ce *ChangerError
		if errors.As(err, &ce) {
			return err
		}
		return &ChangerError{Changer: l.st.Name, Op: op, Message: "MOVE MEDIUM Failed (injected)", ASC: 0x15, ASCQ: 0x01, ExitCode: 1, Err: err}
	}
	return nil
}

// Inventory reports the element status, like `mtx status`.
func (l *VirtualLibrary) Inventory(ctx context.Context) (Inventory, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return Inventory{}, &ChangerError{Changer: l.st.Name, Op: "status", ASC: -1, ASCQ: -1, Err: ErrClosed}
	}
	inv := Inventory{Device: l.st.Name}
	tag := func(b string) string {
		if l.st.NoBarcodeReader {
			return ""
		}
		return b
	}
	for i, d := range l.st.Drives {
		inv.Drives = append(inv.Drives, DriveElement{Number: i, Full: d.Cartridge != "", Barcode: tag(d.Barcode), SourceSlot: d.SourceSlot})
	}
	for i, s := range l.st.Slots {
		inv.Slots = append(inv.Slots, SlotElement{Number: i + 1, Full: s.Cartridge != "", Barcode: tag(s.Barcode), ImportExport: l.isMailSlot(i + 1)})
	}
	return inv, nil
}

// slotAddress is the SCSI element address of slot n (from 1), which mtx
// prints in some of its refusals: the rig's library numbers its slots from
// address 1000 (mtx-err-transfer-from-empty.txt: slot 17 is address 1016).
func slotAddress(n int) int { return 999 + n }

func (l *VirtualLibrary) checkSlot(op, cmd string, n int) error {
	if n < 1 || n > len(l.st.Slots) {
		return l.cerr(op, ErrNoSuchElement, -1, -1, "Invalid <storage-element-number> argument '%d' to '%s' command", n, cmd)
	}
	return nil
}

func (l *VirtualLibrary) checkDrive(op, cmd string, n int) error {
	if n < 0 || n >= len(l.st.Drives) {
		return l.cerr(op, ErrNoSuchElement, -1, -1, "illegal <drive-number> argument '%d' to '%s' command", n, cmd)
	}
	return nil
}

// Load moves the cartridge in slot into drive, which threads it. A
// cartridge the drive rejects (incompatible, a cleaning cartridge) still
// moves and sits ejected in the drive, as with a real library; the drive's
// TapeAlert flags and status tell what happened.
func (l *VirtualLibrary) Load(ctx context.Context, slot, drive int) error {
	op := fmt.Sprintf("load %d %d", slot, drive)
	if err := l.begin(ctx, op); err != nil {
		return err
	}
	defer l.mu.Unlock()
	if err := l.checkSlot(op, "load", slot); err != nil {
		return err
	}
	if err := l.checkDrive(op, "load", drive); err != nil {
		return err
	}
	src := l.st.Slots[slot-1]
	dst := l.st.Drives[drive]
	// mtx checks the drive before the source (rig captures
	// mtx-err-load-into-full-drive.txt, mtx-err-load-from-empty-slot.txt).
	switch {
	case dst.Cartridge != "":
		return l.cerr(op, ErrDriveFull, -1, -1, "Drive %d Full (Storage Element %d loaded)", drive, dst.SourceSlot)
	case src.Cartridge == "":
		return l.cerr(op, ErrSourceEmpty, -1, -1, "Source Element Address %d is Empty", slotAddress(slot))
	}
	v := l.drives[drive]
	err := v.Insert(src.Cartridge)
	if errors.Is(err, ErrDriveFull) {
		return l.cerr(op, ErrDriveFull, -1, -1, "Drive %d Full (Unknown Storage Element loaded)", drive)
	}
	if got, _ := v.cartridgePath(); got != src.Cartridge {
		return l.cerr(op, ErrChangerFailed, 0x3b, 0x0d, "MOVE MEDIUM from Element Address %d to %d Failed: %v", slot, drive, err)
	}
	if err != nil {
		l.log.Warn("drive rejected the cartridge", "drive", drive, "barcode", src.Barcode, "err", err)
	}
	l.st.Drives[drive] = vlibElement{Cartridge: src.Cartridge, Barcode: src.Barcode, SourceSlot: slot}
	l.st.Slots[slot-1] = vlibElement{}
	l.log.Debug("loaded", "slot", slot, "drive", drive, "barcode", src.Barcode)
	return l.save()
}

// Unload moves the cartridge in drive to slot. The drive must have ejected
// it (Drive.Unload) first.
func (l *VirtualLibrary) Unload(ctx context.Context, drive, slot int) error {
	op := fmt.Sprintf("unload %d %d", slot, drive)
	if err := l.begin(ctx, op); err != nil {
		return err
	}
	defer l.mu.Unlock()
	if err := l.checkSlot(op, "unload", slot); err != nil {
		return err
	}
	if err := l.checkDrive(op, "unload", drive); err != nil {
		return err
	}
	src := l.st.Drives[drive]
	switch {
	case src.Cartridge == "":
		return l.cerr(op, ErrDriveEmpty, -1, -1, "Data Transfer Element %d is Empty", drive)
	case l.st.Slots[slot-1].Cartridge != "":
		return l.cerr(op, ErrDestinationFull, -1, -1, "Storage Element %d is Already Full", slot)
	}
	path, err := l.drives[drive].take()
	switch {
	case errors.Is(err, ErrDriveNotEjected):
		return l.cerr(op, ErrDriveNotEjected, 0x3a, 0x00, "Drive needs offline before move")
	case err != nil:
		return l.cerr(op, ErrChangerFailed, -1, -1, "MOVE MEDIUM from drive %d to Storage Element %d Failed: %v", drive, slot, err)
	}
	l.st.Slots[slot-1] = vlibElement{Cartridge: path, Barcode: src.Barcode}
	l.st.Drives[drive] = vlibElement{}
	l.log.Debug("unloaded", "drive", drive, "slot", slot, "barcode", src.Barcode)
	return l.save()
}

// Transfer moves a cartridge from one slot to another (including mail
// slots).
func (l *VirtualLibrary) Transfer(ctx context.Context, fromSlot, toSlot int) error {
	op := fmt.Sprintf("transfer %d %d", fromSlot, toSlot)
	if err := l.begin(ctx, op); err != nil {
		return err
	}
	defer l.mu.Unlock()
	if err := l.checkSlot(op, "transfer", fromSlot); err != nil {
		return err
	}
	if toSlot < 1 || toSlot > len(l.st.Slots) {
		// mtx-err-transfer-no-such-slot.txt
		return l.cerr(op, ErrNoSuchElement, -1, -1, "Invalid destination")
	}
	switch {
	case l.st.Slots[fromSlot-1].Cartridge == "":
		return l.cerr(op, ErrSourceEmpty, -1, -1, "Source Element Address %d is Empty", slotAddress(fromSlot))
	case l.st.Slots[toSlot-1].Cartridge != "":
		return l.cerr(op, ErrDestinationFull, -1, -1, "Destination Element Address %d is Already Full", slotAddress(toSlot))
	}
	l.st.Slots[toSlot-1] = l.st.Slots[fromSlot-1]
	l.st.Slots[fromSlot-1] = vlibElement{}
	l.log.Debug("transferred", "from", fromSlot, "to", toSlot, "barcode", l.st.Slots[toSlot-1].Barcode)
	return l.save()
}

// InsertIntoMailSlot is the operator opening the mail slot and putting the
// cartridge image in: into mail slot n, or the first empty one if n is 0.
// It returns the slot used. The image stays where it is on disk.
func (l *VirtualLibrary) InsertIntoMailSlot(n int, imagePath string) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	abs, err := filepath.Abs(imagePath)
	if err != nil {
		return 0, err
	}
	info, err := ReadCartridgeInfo(abs)
	if err != nil {
		return 0, err
	}
	if l.holds(abs) {
		return 0, fmt.Errorf("drives: %s: cartridge %s is already in the library", l.st.Name, info.Barcode)
	}
	if n == 0 {
		for s := l.storageCount() + 1; s <= len(l.st.Slots); s++ {
			if l.st.Slots[s-1].Cartridge == "" {
				n = s
				break
			}
		}
		if n == 0 {
			return 0, fmt.Errorf("drives: %s: every mail slot is full: %w", l.st.Name, ErrDestinationFull)
		}
	}
	if !l.isMailSlot(n) {
		return 0, fmt.Errorf("drives: %s: slot %d is not a mail slot: %w", l.st.Name, n, ErrNoSuchElement)
	}
	if l.st.Slots[n-1].Cartridge != "" {
		return 0, fmt.Errorf("drives: %s: mail slot %d is full: %w", l.st.Name, n, ErrDestinationFull)
	}
	l.st.Slots[n-1] = vlibElement{Cartridge: abs, Barcode: info.Barcode}
	l.log.Info("operator inserted cartridge into mail slot", "slot", n, "barcode", info.Barcode)
	return n, l.save()
}

// TakeFromMailSlot is the operator opening the mail slot and taking the
// cartridge out of mail slot n. It returns the image path.
func (l *VirtualLibrary) TakeFromMailSlot(n int) (string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.isMailSlot(n) {
		return "", fmt.Errorf("drives: %s: slot %d is not a mail slot: %w", l.st.Name, n, ErrNoSuchElement)
	}
	e := l.st.Slots[n-1]
	if e.Cartridge == "" {
		return "", fmt.Errorf("drives: %s: mail slot %d is empty: %w", l.st.Name, n, ErrSourceEmpty)
	}
	l.st.Slots[n-1] = vlibElement{}
	l.log.Info("operator took cartridge from mail slot", "slot", n, "barcode", e.Barcode)
	return e.Cartridge, l.save()
}

func (l *VirtualLibrary) holds(path string) bool {
	for _, e := range append(append([]vlibElement(nil), l.st.Drives...), l.st.Slots...) {
		if e.Cartridge == path {
			return true
		}
	}
	return false
}

// AddCartridge creates a new cartridge image in DIR/cartridges/BARCODE.vtape,
// writes label as its volume label when label is not nil (the label's
// barcode and media type default to the spec's), and puts it into the empty
// slot (storage or mail slot). It is how tests and the demo stock a library.
func (l *VirtualLibrary) AddCartridge(slot int, spec CartridgeSpec, label *Label) (string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if slot < 1 || slot > len(l.st.Slots) {
		return "", fmt.Errorf("drives: %s: no slot %d: %w", l.st.Name, slot, ErrNoSuchElement)
	}
	if l.st.Slots[slot-1].Cartridge != "" {
		return "", fmt.Errorf("drives: %s: slot %d is full: %w", l.st.Name, slot, ErrDestinationFull)
	}
	if !reBarcode.MatchString(spec.Barcode) {
		return "", fmt.Errorf("drives: %s: bad barcode %q", l.st.Name, spec.Barcode)
	}
	path := filepath.Join(l.dir, "cartridges", spec.Barcode+".vtape")
	if err := CreateLabelledCartridge(path, spec, label); err != nil {
		return "", err
	}
	l.st.Slots[slot-1] = vlibElement{Cartridge: path, Barcode: spec.Barcode}
	return path, l.save()
}

// CreateLabelledCartridge creates a cartridge image at path and, when label
// is not nil, writes it as the volume label (its barcode and media type
// default to the spec's). For standalone virtual drives and demos.
func CreateLabelledCartridge(path string, spec CartridgeSpec, label *Label) error {
	if err := CreateCartridge(path, spec); err != nil {
		return err
	}
	if label == nil {
		return nil
	}
	lb := *label
	if lb.Barcode == "" {
		lb.Barcode = spec.Barcode
	}
	if lb.MediaType == "" {
		lb.MediaType = spec.MediaType
	}
	if lb.UUID == "" {
		id, err := NewUUID()
		if err != nil {
			return err
		}
		lb.UUID = id
	}
	ctx := context.Background()
	wp := spec.WriteProtected
	if wp {
		if err := SetWriteProtect(path, false); err != nil {
			return err
		}
	}
	d, err := Open(path)
	if err != nil {
		return err
	}
	err = WriteLabel(ctx, d, lb, false)
	err = errors.Join(err, d.Close())
	if err == nil && wp {
		err = SetWriteProtect(path, true)
	}
	if err != nil {
		_ = os.Remove(path)
		return fmt.Errorf("drives: label new cartridge %s: %w", spec.Barcode, err)
	}
	return nil
}
