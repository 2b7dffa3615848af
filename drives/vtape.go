package drives

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// VirtualTapeConfig configures a virtual tape drive.
type VirtualTapeConfig struct {
	// Name is the drive's name in messages; default: the state file's base
	// name without extension.
	Name string
	// DriveType is the drive generation, a media type name such as LTO8.
	// Required when the state file does not exist yet; if given for an
	// existing drive it must match.
	DriveType string
	// Throttle limits transfers to the drive type's native speed. Off by
	// default: tests and benchmarks run at memory speed.
	Throttle bool
	// BytesPerSecond, if positive, limits transfers to this rate (overrides
	// Throttle).
	BytesPerSecond int64
	// CleanAfterBytes, if positive, makes the drive request cleaning
	// (TapeAlert 21, Status.CleaningRequested) once that many bytes were
	// read or written since the last cleaning. It is stored in the state.
	CleanAfterBytes int64
	// MaxTransfer is the largest read or write, in bytes, the virtual
	// adapter carries in one request; 0 means VirtualMaxTransfer (the
	// captured rig's HBA), negative means no limit beyond the block limits.
	MaxTransfer int
	// Logger receives drive events; nil discards them.
	Logger *slog.Logger
}

// The virtual drive's limits, as the captured IBM LTO-8 behind an HBA with
// sg_tablesize 128 reports them (rig captures st-limits.txt and
// st-read-buffer-sizes.txt): a read or write buffer larger than
// VirtualMaxBlock fails with ErrInvalidBlockSize (EINVAL), one larger than
// VirtualMaxTransfer with ErrBusy (EBUSY), whatever the size of the block
// on tape.
const (
	VirtualMinBlock    = 1
	VirtualMaxBlock    = 2 << 20
	VirtualMaxTransfer = 512 << 10
)

// VirtualTapeState is the persistent state of a virtual drive, kept in its
// state file so that a restarted daemon finds the same world.
type VirtualTapeState struct {
	Format             string         `json:"format"`
	Version            int            `json:"version"`
	Name               string         `json:"name"`
	DriveType          string         `json:"drive_type"`
	Cartridge          string         `json:"cartridge,omitempty"` // image path; "" = empty drive
	Loaded             bool           `json:"loaded"`              // threaded; false with a cartridge = ejected
	LoadCount          int64          `json:"load_count"`
	CleaningRequested  bool           `json:"cleaning_requested"`
	CleanNow           bool           `json:"clean_now,omitempty"` // request is "clean now" (TapeAlert 20)
	CleanAfterBytes    int64          `json:"clean_after_bytes,omitempty"`
	BytesSinceCleaning int64          `json:"bytes_since_cleaning"`
	BytesWritten       int64          `json:"bytes_written"`
	BytesRead          int64          `json:"bytes_read"`
	Cleanings          int64          `json:"cleanings"`
	LastCleaned        time.Time      `json:"last_cleaned,omitzero"`
	PendingAlerts      TapeAlertFlags `json:"pending_alerts,omitempty"`
}

const vtapeStateFormat = "tapewarden-virtual-drive"

// VirtualTape is a virtual tape drive: the device, not an open handle. It
// behaves like a drive behind the Linux st driver's no-rewind node: the
// position survives closing a handle, a handle is exclusive, filemarks and
// end of data read as st reports them.
//
// The cartridge is a file-backed image (CreateCartridge); the drive's state
// lives in a small JSON state file written atomically. A VirtualTape holds an
// exclusive lock on its state file (statePath + ".lock") while it exists:
// a second NewVirtualTape on the same state file, in this process or
// another, fails with ErrBusy. Close releases it.
//
// All methods are safe for concurrent use (a library robot may move a
// cartridge while a job holds the handle); each operation is atomic.
type VirtualTape struct {
	mu        sync.Mutex
	statePath string // "" for an in-memory drive
	lockf     *os.File
	log       *slog.Logger
	rate      int64
	st        VirtualTapeState
	access    Access
	cart      *cartridge // mounted image while loaded
	closed    bool
	open      bool // a handle is open

	// position and st session state
	pos          int
	fixedOff     int // bytes already returned from recs[pos] in fixed mode
	fileKnown    bool
	blockKnown   bool
	lastWrite    bool
	ewPending    bool
	eod          bool
	eodZeroGiven bool
	afterEOM     bool
	blockSize    int
	maxTransfer  int // 0 = none beyond the block limits

	// fault injection and throttling
	failReadIn  int
	failWriteIn int
	offline     bool
	nextFree    time.Time
}

// NewVirtualTape opens the virtual drive whose state lives at statePath,
// creating it (empty, no cartridge) if the file does not exist. A drive that
// held a loaded cartridge comes back with it loaded at the beginning of the
// tape, like a new st session after power-on.
func NewVirtualTape(statePath string, cfg VirtualTapeConfig) (*VirtualTape, error) {
	if statePath == "" {
		return nil, errors.New("drives: new virtual tape: empty state path")
	}
	statePath, err := filepath.Abs(statePath)
	if err != nil {
		return nil, fmt.Errorf("drives: new virtual tape: %w", err)
	}
	lockf, err := os.OpenFile(statePath+".lock", os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("drives: new virtual tape: %w", err)
	}
	if err := lockFile(lockf); err != nil {
		_ = lockf.Close()
		return nil, &OpError{Drive: statePath, Op: "open", Err: err}
	}
	v := &VirtualTape{statePath: statePath, lockf: lockf}
	if err := v.loadState(cfg); err != nil {
		_ = lockf.Close()
		return nil, err
	}
	return v, nil
}

// loadState reads the drive's state file, or starts an empty drive of
// cfg.DriveType when there is none, applies cfg and saves the result.
func (v *VirtualTape) loadState(cfg VirtualTapeConfig) error {
	data, err := os.ReadFile(v.statePath)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if !isDriveType(cfg.DriveType) {
			return fmt.Errorf("drives: new virtual tape %s: bad drive type %q", v.statePath, cfg.DriveType)
		}
		name := cfg.Name
		if name == "" {
			name = strings.TrimSuffix(filepath.Base(v.statePath), filepath.Ext(v.statePath))
		}
		v.st = VirtualTapeState{Format: vtapeStateFormat, Version: 1, Name: name, DriveType: cfg.DriveType}
	case err != nil:
		return fmt.Errorf("drives: new virtual tape: %w", err)
	default:
		if err := decodeVTapeState(data, &v.st); err != nil {
			return fmt.Errorf("drives: new virtual tape %s: %w", v.statePath, err)
		}
		if cfg.DriveType != "" && cfg.DriveType != v.st.DriveType {
			return fmt.Errorf("drives: new virtual tape %s: drive type is %s, not %s", v.statePath, v.st.DriveType, cfg.DriveType)
		}
		if cfg.Name != "" {
			v.st.Name = cfg.Name
		}
	}
	v.configure(cfg)
	v.resetSession()
	return v.saveLocked()
}

// newEphemeralTape makes an in-memory drive (no state file) of driveType.
func newEphemeralTape(name, driveType string, cfg VirtualTapeConfig) *VirtualTape {
	v := &VirtualTape{st: VirtualTapeState{Format: vtapeStateFormat, Version: 1, Name: name, DriveType: driveType}}
	v.configure(cfg)
	v.resetSession()
	return v
}

func (v *VirtualTape) configure(cfg VirtualTapeConfig) {
	v.log = cfg.Logger
	if v.log == nil {
		v.log = slog.New(slog.DiscardHandler)
	}
	v.log = v.log.With("drive", v.st.Name)
	switch {
	case cfg.MaxTransfer == 0:
		v.maxTransfer = VirtualMaxTransfer
	case cfg.MaxTransfer > 0:
		v.maxTransfer = cfg.MaxTransfer
	default:
		v.maxTransfer = 0
	}
	if cfg.CleanAfterBytes > 0 {
		v.st.CleanAfterBytes = cfg.CleanAfterBytes
	}
	switch {
	case cfg.BytesPerSecond > 0:
		v.rate = cfg.BytesPerSecond
	case cfg.Throttle:
		m, _ := Media(v.st.DriveType)
		v.rate = m.Speed
	}
}

func isDriveType(t string) bool {
	m, ok := Media(t)
	return ok && m.DriveNative
}

func decodeVTapeState(data []byte, st *VirtualTapeState) error {
	if err := json.Unmarshal(data, st); err != nil {
		return fmt.Errorf("bad state file: %w", err)
	}
	if st.Format != vtapeStateFormat || st.Version != 1 {
		return fmt.Errorf("bad state file: format %q version %d", st.Format, st.Version)
	}
	if !isDriveType(st.DriveType) {
		return fmt.Errorf("bad state file: drive type %q", st.DriveType)
	}
	return nil
}

// isVTapeState reports whether the file at path is a virtual drive state file.
func isVTapeState(path string) bool {
	data, err := os.ReadFile(path)
	if err != nil || len(data) > 1<<20 {
		return false
	}
	var st VirtualTapeState
	return decodeVTapeState(data, &st) == nil
}

func (v *VirtualTape) saveLocked() error {
	if v.statePath == "" {
		return nil
	}
	data, err := json.MarshalIndent(v.st, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(v.statePath, append(data, '\n'))
}

// Name returns the drive's name.
func (v *VirtualTape) Name() string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.st.Name
}

// DriveType returns the drive's generation (a media type name).
func (v *VirtualTape) DriveType() string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.st.DriveType
}

// State returns a copy of the persistent state.
func (v *VirtualTape) State() VirtualTapeState {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.st
}

// Close releases the drive: the mounted cartridge and the state lock. Open
// handles fail with ErrClosed afterwards.
func (v *VirtualTape) Close() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.closed {
		return nil
	}
	v.closed = true
	err := v.saveLocked()
	err = errors.Join(err, v.cart.close())
	v.cart = nil
	if v.lockf != nil {
		err = errors.Join(err, v.lockf.Close())
	}
	return err
}

// Open returns the drive's handle. Only one handle may be open at a time;
// a second Open fails with ErrBusy, as st's does. The handle also
// implements Positioner and TapeAlertReader.
func (v *VirtualTape) Open() (Drive, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	switch {
	case v.closed:
		return nil, &OpError{Drive: v.st.Name, Op: "open", Err: ErrClosed}
	case v.offline:
		return nil, &OpError{Drive: v.st.Name, Op: "open", Err: ErrOffline}
	case v.open:
		return nil, &OpError{Drive: v.st.Name, Op: "open", Err: ErrBusy}
	}
	v.open = true
	return &vtapeHandle{v: v}, nil
}

// Insert puts a cartridge image into the empty drive, as an operator or a
// robot does; the drive then threads it. A cleaning cartridge cleans the
// drive (or raises TapeAlert 22/23) and is ejected at once. A cartridge the
// drive cannot use is ejected with TapeAlert 12 and the error says why; in
// every case the cartridge is in the drive afterwards, loaded or ejected,
// until Eject takes it out.
func (v *VirtualTape) Insert(imagePath string) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.closed {
		return &OpError{Drive: v.st.Name, Op: "insert", Err: ErrClosed}
	}
	if v.st.Cartridge != "" {
		return &OpError{Drive: v.st.Name, Op: "insert", Err: fmt.Errorf("%w: holds %s", ErrDriveFull, v.st.Cartridge)}
	}
	abs, err := filepath.Abs(imagePath)
	if err != nil {
		return &OpError{Drive: v.st.Name, Op: "insert", Err: err}
	}
	if _, err := ReadCartridgeInfo(abs); err != nil {
		return &OpError{Drive: v.st.Name, Op: "insert", Err: err}
	}
	v.st.Cartridge = abs
	v.st.Loaded = false
	err = v.threadLocked()
	return errors.Join(opErr(v.st.Name, "insert", err), v.saveLocked())
}

// Eject is the operator pressing the eject button and taking the cartridge:
// a loaded cartridge is rewound and unloaded (no filemark is written), then
// removed. It returns the image path. An empty drive gives ErrNoMedium.
func (v *VirtualTape) Eject() (string, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.st.Cartridge == "" {
		return "", &OpError{Drive: v.st.Name, Op: "eject", Err: ErrNoMedium}
	}
	if v.st.Loaded {
		v.unloadLocked()
	}
	return v.takeLocked()
}

// take removes an ejected cartridge, as a robot does. A cartridge still
// loaded gives ErrDriveNotEjected; an empty drive ErrDriveEmpty.
func (v *VirtualTape) take() (string, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.st.Cartridge == "" {
		return "", ErrDriveEmpty
	}
	if v.st.Loaded {
		return "", ErrDriveNotEjected
	}
	return v.takeLocked()
}

func (v *VirtualTape) takeLocked() (string, error) {
	path := v.st.Cartridge
	v.st.Cartridge = ""
	v.st.Loaded = false
	v.resetSession()
	if err := v.saveLocked(); err != nil {
		return path, err
	}
	v.log.Debug("cartridge removed", "cartridge", path)
	return path, nil
}

// cartridgePath returns the image in the drive ("" if empty) and whether it
// is loaded.
func (v *VirtualTape) cartridgePath() (string, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.st.Cartridge, v.st.Loaded
}

// threadLocked loads the cartridge sitting in the drive.
func (v *VirtualTape) threadLocked() error {
	info, err := ReadCartridgeInfo(v.st.Cartridge)
	if err != nil {
		return detail(ErrIO, "%v", err)
	}
	acc := Compatibility(v.st.DriveType, info.MediaType)
	if info.Cleaning() {
		return v.cleanLocked(info, acc)
	}
	if acc == AccessNone {
		v.raise(AlertUnsupportedFormat)
		v.log.Warn("cartridge rejected", "barcode", info.Barcode, "media_type", info.MediaType)
		return &CompatError{DriveType: v.st.DriveType, MediaType: info.MediaType, Access: acc}
	}
	c, err := mountCartridge(v.st.Cartridge)
	if err != nil {
		return err
	}
	c.info.Loads++
	if err := c.writeHeader(); err != nil {
		_ = c.close()
		return detail(ErrIO, "%v", err)
	}
	v.cart = c
	v.access = acc
	v.st.Loaded = true
	v.st.LoadCount++
	v.resetSession()
	if acc == AccessReadOnly {
		v.raise(AlertReadOnlyFormat)
	}
	v.reraiseCleaning()
	v.log.Debug("cartridge loaded", "barcode", info.Barcode, "media_type", info.MediaType)
	return nil
}

// cleanLocked runs a cleaning cartridge and leaves it ejected.
func (v *VirtualTape) cleanLocked(info CartridgeInfo, acc Access) error {
	v.st.Loaded = false
	if acc != AccessClean {
		v.raise(AlertInvalidCleaningTape)
		return detail(ErrCleaningCartridge, "%s cleaning cartridge %s does not fit a %s drive", info.MediaType, info.Barcode, v.st.DriveType)
	}
	if info.CleaningUses <= 0 {
		v.raise(AlertExpiredCleaning)
		return detail(ErrCleaningCartridge, "cleaning cartridge %s is expired", info.Barcode)
	}
	if err := updateCartridge(v.st.Cartridge, func(c *CartridgeInfo) { c.CleaningUses--; c.Loads++ }); err != nil {
		return err
	}
	v.st.LoadCount++
	v.st.CleaningRequested, v.st.CleanNow = false, false
	v.st.BytesSinceCleaning = 0
	v.st.Cleanings++
	v.st.LastCleaned = time.Now().UTC()
	v.st.PendingAlerts &^= TapeAlertFlags(0).With(AlertCleanNow).With(AlertCleanPeriodic)
	v.log.Info("drive cleaned", "barcode", info.Barcode, "uses_left", info.CleaningUses-1)
	return nil
}

func (v *VirtualTape) unloadLocked() {
	_ = v.cart.close()
	v.cart = nil
	v.st.Loaded = false
	v.resetSession()
}

func (v *VirtualTape) resetSession() {
	v.pos, v.fixedOff = 0, 0
	v.fileKnown, v.blockKnown = true, true
	v.lastWrite, v.ewPending, v.eod, v.eodZeroGiven, v.afterEOM = false, false, false, false, false
	v.blockSize = 0
}

func (v *VirtualTape) raise(flag int) {
	v.st.PendingAlerts = v.st.PendingAlerts.With(flag)
}

func (v *VirtualTape) reraiseCleaning() {
	if !v.st.CleaningRequested {
		return
	}
	if v.st.CleanNow {
		v.raise(AlertCleanNow)
	} else {
		v.raise(AlertCleanPeriodic)
	}
}

// Fault injection and operator actions. They are meant for tests and the
// demo.

// FailRead makes the nth read from now (1 = the next) fail with ErrIO.
func (v *VirtualTape) FailRead(n int) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.failReadIn = n
}

// FailWrite makes the nth write from now (1 = the next) fail with ErrIO,
// writing nothing.
func (v *VirtualTape) FailWrite(n int) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.failWriteIn = n
}

// SetOffline takes the drive offline (every operation and Open fail with
// ErrOffline) or back online.
func (v *VirtualTape) SetOffline(off bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.offline = off
}

// SetRate limits transfers to bytesPerSecond (0 = unlimited).
func (v *VirtualTape) SetRate(bytesPerSecond int64) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.rate = max(bytesPerSecond, 0)
}

// RequestCleaning makes the drive ask for cleaning now: TapeAlert 20 if now
// is true ("clean now"), else 21 ("clean periodic"), and
// Status.CleaningRequested until a cleaning cartridge is inserted.
func (v *VirtualTape) RequestCleaning(now bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.requestCleaningLocked(now)
	_ = v.saveLocked()
}

func (v *VirtualTape) requestCleaningLocked(now bool) {
	v.st.CleaningRequested = true
	v.st.CleanNow = v.st.CleanNow || now
	v.reraiseCleaning()
	v.log.Info("drive requests cleaning", "clean_now", v.st.CleanNow)
}

// CleanAfter makes the drive request cleaning once n bytes were moved since
// the last cleaning (0 = never).
func (v *VirtualTape) CleanAfter(n int64) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.st.CleanAfterBytes = max(n, 0)
	_ = v.saveLocked()
}

// countBytes records a transfer, applies the throttle and the cleaning
// threshold.
func (v *VirtualTape) countBytes(n int, write bool) {
	if write {
		v.st.BytesWritten += int64(n)
	} else {
		v.st.BytesRead += int64(n)
	}
	v.st.BytesSinceCleaning += int64(n)
	if v.st.CleanAfterBytes > 0 && !v.st.CleaningRequested && v.st.BytesSinceCleaning >= v.st.CleanAfterBytes {
		v.requestCleaningLocked(false)
	}
	if v.rate > 0 {
		now := time.Now()
		if v.nextFree.Before(now) {
			v.nextFree = now
		}
		v.nextFree = v.nextFree.Add(time.Duration(float64(n) / float64(v.rate) * float64(time.Second)))
		if d := time.Until(v.nextFree); d > 0 {
			time.Sleep(d)
		}
	}
}
