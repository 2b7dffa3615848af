package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/tapewarden/tapewarden/drives"

	"github.com/tapewarden/tapewarden/daemon/config"
)

// library is a configured autoloader or library.
type library struct {
	cfg     *config.LibraryConfig
	changer drives.Changer
	virtual *drives.VirtualLibrary // nil unless type virtual

	// mu serialises multi-step library operations (inventory then move);
	// the changer itself serialises single commands.
	mu sync.Mutex
}

// drive is a configured tape drive and its exclusive lease.
type drive struct {
	cfg     *config.DriveConfig
	path    string
	lib     *library // nil for a standalone drive
	element int      // changer drive element; -1 standalone
	virtual *drives.VirtualTape
	dir     *drives.DirectoryDrive // a directory drive for removable disks
	log     *slog.Logger           // for what the device reports (TapeAlert, recovered errors)

	alloc *allocator

	// mu guards awaitingPerson and state.
	mu    sync.Mutex
	state driveState
	// awaitingPerson is set while the drive's holder waits for a person to
	// put a cartridge in or take one out: those physical acts are allowed
	// then.
	awaitingPerson bool
}

// devices holds every drive and library the configuration names.
type devices struct {
	alloc  *allocator
	libs   map[string]*library
	drives map[string]*drive
	order  []string // drive names in configuration order
}

// openDevices prepares the configured drives and libraries. Virtual ones
// are created on first use in the state directory; real ones are only
// opened when needed.
func openDevices(cfg *config.Config, log *slog.Logger, now func() time.Time) (*devices, error) {
	dv := &devices{alloc: newAllocator(now), libs: map[string]*library{}, drives: map[string]*drive{}}
	for i := range cfg.Libraries {
		lc := &cfg.Libraries[i]
		l := &library{cfg: lc}
		switch lc.Type {
		case "virtual":
			driveType := ""
			for _, ld := range lc.Drives {
				if d := cfg.Drive(ld.Drive); d != nil {
					driveType = d.MediaType
				}
			}
			for _, ld := range lc.Drives {
				if d := cfg.Drive(ld.Drive); d != nil && d.MediaType != driveType {
					_ = dv.close() // the error below is the one returned
					return nil, fmt.Errorf("virtual library %s: all its drives must be of one generation (%s and %s)", lc.Name, driveType, d.MediaType)
				}
			}
			vcfg := drives.VirtualLibraryConfig{
				Name: lc.Name, DriveType: driveType, Drives: len(lc.Drives), Slots: lc.Slots, MailSlots: lc.MailSlots,
				Logger: log.With("library", lc.Name),
			}
			// Its drives log under the names the configuration gives them.
			for _, ld := range lc.Drives {
				for len(vcfg.DriveNames) <= ld.Element {
					vcfg.DriveNames = append(vcfg.DriveNames, "")
				}
				vcfg.DriveNames[ld.Element] = ld.Drive
			}
			if cfg.Demo {
				// The demo's drives ask for cleaning after a few runs.
				vcfg.Drive.CleanAfterBytes = 20 << 20
			}
			vl, err := drives.NewVirtualLibrary(cfg.LibraryPath(lc), vcfg)
			if err != nil {
				_ = dv.close() // the error below is the one returned
				return nil, fmt.Errorf("virtual library %s: %w", lc.Name, err)
			}
			l.virtual, l.changer = vl, vl
		case "mtx":
			l.changer = drives.NewMTXChanger(cfg.LibraryPath(lc), drives.WithMTXLogger(log.With("library", lc.Name)))
		}
		dv.libs[lc.Name] = l
	}
	for i := range cfg.Drives {
		dc := &cfg.Drives[i]
		d := &drive{cfg: dc, path: cfg.DrivePath(dc), element: -1, alloc: dv.alloc, log: log}
		if lc, el := cfg.LibraryOf(dc.Name); lc != nil {
			d.lib, d.element = dv.libs[lc.Name], el
		}
		if dc.Type == "virtual" {
			if d.lib != nil {
				if d.element >= d.lib.virtual.DriveCount() {
					_ = dv.close() // the error below is the one returned
					return nil, fmt.Errorf("drive %s: virtual library %s has no drive element %d", dc.Name, d.lib.cfg.Name, d.element)
				}
				d.virtual = d.lib.virtual.Drive(d.element)
			} else {
				if err := os.MkdirAll(filepath.Dir(d.path), 0o750); err != nil {
					_ = dv.close() // the error below is the one returned
					return nil, err
				}
				vtc := drives.VirtualTapeConfig{Name: dc.Name, DriveType: dc.MediaType,
					BytesPerSecond: int64(dc.SpeedMBs * 1e6), Logger: log} // it adds drive=NAME itself
				if cfg.Demo {
					// The demo's DAT drive asks for cleaning after its
					// first run.
					vtc.CleanAfterBytes = 8 << 10
				}
				vt, err := drives.NewVirtualTape(d.path, vtc)
				if err != nil {
					_ = dv.close() // the error below is the one returned
					return nil, fmt.Errorf("virtual drive %s: %w", dc.Name, err)
				}
				d.virtual = vt
			}
		}
		if dc.Type == "directory" {
			dd, err := newDirectoryDrive(dc, log)
			if err != nil {
				_ = dv.close() // the error below is the one returned
				return nil, err
			}
			d.dir, d.path = dd, ""
		}
		if d.virtual != nil && dc.SpeedMBs > 0 {
			d.virtual.SetRate(int64(dc.SpeedMBs * 1e6))
		}
		dv.drives[dc.Name] = d
		dv.order = append(dv.order, dc.Name)
	}
	return dv, nil
}

// newDirectoryDrive makes the drive of a directory drive's configuration:
// its disk is the directory at path, or the disk whose file system label
// or UUID matches, found under /dev/disk and in /proc/self/mountinfo.
func newDirectoryDrive(dc *config.DriveConfig, log *slog.Logger) (*drives.DirectoryDrive, error) {
	var finder drives.DiskFinder = drives.MountFinder{Label: dc.Label, UUIDs: dc.UUID, MountCommand: dc.MountCommand}
	if dc.Path != "" {
		finder = drives.DirFinder{Dir: dc.Path}
	}
	dd, err := drives.NewDirectoryDrive(drives.DirectoryDriveConfig{Name: dc.Name, MediaType: dc.MediaType, Finder: finder,
		Capacity: dc.CapacityMB * 1000 * 1000, Logger: log})
	if err != nil {
		return nil, fmt.Errorf("directory drive %s: %w", dc.Name, err)
	}
	return dd, nil
}

// close closes the virtual tapes and libraries; closing saves their state,
// so the error says what was not saved.
func (dv *devices) close() error {
	var errs []error
	for _, d := range dv.drives {
		if d.virtual != nil && d.lib == nil {
			errs = append(errs, d.virtual.Close())
		}
		if d.dir != nil {
			errs = append(errs, d.dir.Close())
		}
	}
	for _, l := range dv.libs {
		if l.virtual != nil {
			errs = append(errs, l.virtual.Close())
		}
	}
	return errors.Join(errs...)
}

func (dv *devices) drive(name string) (*drive, error) {
	d, ok := dv.drives[name]
	if !ok {
		names := append([]string(nil), dv.order...)
		sort.Strings(names)
		return nil, notFound("no drive %q is configured (drives: %v)", name, names)
	}
	return d, nil
}

func (dv *devices) library(name string) (*library, error) {
	if name == "" && len(dv.libs) == 1 {
		for _, l := range dv.libs {
			return l, nil
		}
	}
	l, ok := dv.libs[name]
	if !ok {
		var names []string
		for n := range dv.libs {
			names = append(names, n)
		}
		sort.Strings(names)
		if name == "" {
			return nil, notFound("say which library (--library; configured: %v)", names)
		}
		return nil, notFound("no library %q is configured (libraries: %v)", name, names)
	}
	return l, nil
}

// driveAt returns the drive at a library's drive element.
func (dv *devices) driveAt(l *library, element int) *drive {
	for _, d := range dv.drives {
		if d.lib == l && d.element == element {
			return d
		}
	}
	return nil
}

// errDriveBusy is returned when a drive's lease is held; it is an ErrBusy.
var errDriveBusy = &kindError{kind: ErrBusy, err: errors.New("daemon: drive is in use")}

// tryAcquire leases the drive if it is free.
func (d *drive) tryAcquire(l lease) (func(), error) {
	return d.alloc.tryAcquire(d, l)
}

// leaseSoon leases the drive for a person's request, waiting a short while
// if something brief (a status check, another request) holds it; a drive
// held longer (by a run) is reported busy with its holder.
func (d *drive) leaseSoon(ctx context.Context, l lease) (func(), error) {
	release, err := d.tryAcquire(l)
	if err == nil {
		return release, nil
	}
	if held, _ := d.holder(); held.kind.long() {
		return nil, err // held for long: say so at once
	}
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	_, release, werr := d.alloc.acquire(wctx, l, []*drive{d})
	if werr != nil {
		held, since := d.holder()
		if held.who == "" {
			return nil, err
		}
		return nil, fmt.Errorf("%w: drive %s is in use by %s since %s", errDriveBusy, d.cfg.Name, held.who, since.Format("15:04:05"))
	}
	return release, nil
}

// holder says what the drive is leased for, if anything.
func (d *drive) holder() (lease, time.Time) { return d.alloc.holderOf(d) }

// setAwaitingPerson marks the drive as waiting for a person's hands.
func (d *drive) setAwaitingPerson(on bool) {
	d.mu.Lock()
	d.awaitingPerson = on
	d.mu.Unlock()
}

func (d *drive) isAwaitingPerson() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.awaitingPerson
}

// open opens the drive's device. The caller must hold the lease.
func (d *drive) open() (drives.Drive, error) {
	if d.virtual != nil {
		return d.virtual.Open()
	}
	if d.dir != nil {
		return d.dir.Open()
	}
	return drives.Open(d.path, drives.WithSCSIGeneric(d.cfg.SGDevice), drives.WithLogger(d.log))
}

// mailSlotNumber turns a catalog mail slot (1…K) into the changer's slot
// number (after the storage slots), and back.
func (l *library) changerSlot(mail int) int { return l.cfg.Slots + mail }

// slotName names a changer slot as people and the catalog do:
// "slot/3", or "mailslot/1" for a mail slot (never the changer's "slot 25").
func (l *library) slotName(changerSlot int) string {
	if n, mail := l.mailSlot(changerSlot); mail {
		return fmt.Sprintf("mailslot/%d", n)
	}
	return fmt.Sprintf("slot/%d", changerSlot)
}

// slotWords names a changer slot in a sentence: "slot 3" or "mail slot 1".
func (l *library) slotWords(changerSlot int) string {
	if n, mail := l.mailSlot(changerSlot); mail {
		return fmt.Sprintf("mail slot %d", n)
	}
	return fmt.Sprintf("slot %d", changerSlot)
}

func (l *library) mailSlot(changerSlot int) (int, bool) {
	if changerSlot > l.cfg.Slots {
		return changerSlot - l.cfg.Slots, true
	}
	return 0, false
}

// freeMailSlot returns the changer slot number of the first empty mail
// slot in inv.
func (l *library) freeMailSlot(inv drives.Inventory) (int, bool) {
	for _, s := range inv.Slots {
		if _, mail := l.mailSlot(s.Number); mail && !s.Full {
			return s.Number, true
		}
	}
	return 0, false
}

// emptyStorageSlots returns the empty storage slots in inv, in the order
// the library reports them.
func (l *library) emptyStorageSlots(inv drives.Inventory) []int {
	var out []int
	for _, n := range inv.EmptySlots() {
		if n <= l.cfg.Slots {
			out = append(out, n)
		}
	}
	return out
}
