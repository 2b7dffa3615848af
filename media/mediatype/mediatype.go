package mediatype

import "slices"

// Media type names. The catalog stores the same strings. A drive type is the
// name of its native media type ("LTO-8" drive).
const (
	LTO1    = "LTO-1"
	LTO2    = "LTO-2"
	LTO3    = "LTO-3"
	LTO4    = "LTO-4"
	LTO5    = "LTO-5"
	LTO6    = "LTO-6"
	LTO7    = "LTO-7"
	LTO7M   = "LTO-7M" // LTO-7 Type M (M8), initialised to 9 TB by an LTO-8 drive
	LTO8    = "LTO-8"
	LTO9    = "LTO-9"
	LTO10   = "LTO-10"
	LTOCLN  = "LTO-CLN" // universal LTO cleaning cartridge
	DDS1    = "DDS-1"
	DDS2    = "DDS-2"
	DDS3    = "DDS-3"
	DDS4    = "DDS-4"
	DAT72   = "DAT72"
	DAT160  = "DAT160"
	DAT320  = "DAT320"
	DDSCLN  = "DDS-CLN"
	RDX     = "RDX"      // removable disk cartridge
	USBDisk = "USB-DISK" // USB disk used as backup media
	Optical = "OPTICAL"  // optical disc
)

// Family groups media that share a drive form factor.
type Family string

// Media families.
const (
	FamilyLTO Family = "LTO"
	FamilyDDS Family = "DDS"
	// FamilyOther is removable disks (the standard lists RDX, USB disks and
	// optical discs beside tape): catalogued and rotated like tapes, and
	// written by a directory drive, one drive type per disk type, to the
	// disk mounted as a file system.
	FamilyOther Family = "other"
)

// Info describes one media type (media-facts.md). Capacities are decimal
// native bytes; speeds native bytes per second.
type Info struct {
	Name        string
	Family      Family
	Generation  int    // 1-based order within the family; 0 for cleaning cartridges and other media
	NativeBytes int64  // native capacity (0 = not known)
	Speed       int64  // native transfer rate, bytes/s (0 = not known)
	Density     uint8  // density code st reports (0 = not known)
	BarcodeID   string // LTO media identifier of a data cartridge ("L8"); "" for DDS
	WORMID      string // LTO WORM media identifier ("LY"); "" if no WORM version
	Cleaning    bool   // a cleaning cartridge
	CleanUses   int    // rated uses of a fresh cleaning cartridge
	LoadCycles  int    // rated load/unload cycles (0 = not rated)
	Verified    bool   // false where the figures are unverified (LTO-10 id, DAT160/320 density)
	DriveNative bool   // a drive of this type exists (false for LTO-7M and cleaning cartridges; a directory drive for disks)
}

// Tape reports whether the media type is a tape that tapewarden drives.
func (i Info) Tape() bool { return i.Family == FamilyLTO || i.Family == FamilyDDS }

// Disk reports whether the media type is a removable disk, written by a
// directory drive.
func (i Info) Disk() bool { return i.Family == FamilyOther }

const (
	gb = 1000 * 1000 * 1000
	tb = 1000 * gb
	mb = 1000 * 1000
)

var table = []Info{
	{Name: LTO1, Family: FamilyLTO, Generation: 1, NativeBytes: 100 * gb, Speed: 20 * mb, Density: 0x40, BarcodeID: "L1", LoadCycles: 5000, Verified: true, DriveNative: true},
	{Name: LTO2, Family: FamilyLTO, Generation: 2, NativeBytes: 200 * gb, Speed: 40 * mb, Density: 0x42, BarcodeID: "L2", LoadCycles: 10000, Verified: true, DriveNative: true},
	{Name: LTO3, Family: FamilyLTO, Generation: 3, NativeBytes: 400 * gb, Speed: 80 * mb, Density: 0x44, BarcodeID: "L3", WORMID: "LT", LoadCycles: 20000, Verified: true, DriveNative: true},
	{Name: LTO4, Family: FamilyLTO, Generation: 4, NativeBytes: 800 * gb, Speed: 120 * mb, Density: 0x46, BarcodeID: "L4", WORMID: "LU", LoadCycles: 20000, Verified: true, DriveNative: true},
	{Name: LTO5, Family: FamilyLTO, Generation: 5, NativeBytes: 1500 * gb, Speed: 140 * mb, Density: 0x58, BarcodeID: "L5", WORMID: "LV", LoadCycles: 20000, Verified: true, DriveNative: true},
	{Name: LTO6, Family: FamilyLTO, Generation: 6, NativeBytes: 2500 * gb, Speed: 160 * mb, Density: 0x5a, BarcodeID: "L6", WORMID: "LW", LoadCycles: 20000, Verified: true, DriveNative: true},
	{Name: LTO7, Family: FamilyLTO, Generation: 7, NativeBytes: 6 * tb, Speed: 300 * mb, Density: 0x5c, BarcodeID: "L7", WORMID: "LX", LoadCycles: 20000, Verified: true, DriveNative: true},
	{Name: LTO7M, Family: FamilyLTO, Generation: 7, NativeBytes: 9 * tb, Speed: 300 * mb, Density: 0x5d, BarcodeID: "M8", LoadCycles: 20000, Verified: true},
	{Name: LTO8, Family: FamilyLTO, Generation: 8, NativeBytes: 12 * tb, Speed: 360 * mb, Density: 0x5e, BarcodeID: "L8", WORMID: "LY", LoadCycles: 20000, Verified: true, DriveNative: true},
	{Name: LTO9, Family: FamilyLTO, Generation: 9, NativeBytes: 18 * tb, Speed: 400 * mb, Density: 0x60, BarcodeID: "L9", WORMID: "LZ", DriveNative: true},
	{Name: LTO10, Family: FamilyLTO, Generation: 10, NativeBytes: 30 * tb, Speed: 400 * mb, BarcodeID: "LA", DriveNative: true},
	{Name: LTOCLN, Family: FamilyLTO, BarcodeID: "CU", Cleaning: true, CleanUses: 50, Verified: true},
	{Name: DDS1, Family: FamilyDDS, Generation: 1, NativeBytes: 2 * gb, Speed: 183 * 1000, Density: 0x13, Verified: true, DriveNative: true},
	{Name: DDS2, Family: FamilyDDS, Generation: 2, NativeBytes: 4 * gb, Speed: 720 * 1000, Density: 0x24, Verified: true, DriveNative: true},
	{Name: DDS3, Family: FamilyDDS, Generation: 3, NativeBytes: 12 * gb, Speed: 1500 * 1000, Density: 0x25, Verified: true, DriveNative: true},
	{Name: DDS4, Family: FamilyDDS, Generation: 4, NativeBytes: 20 * gb, Speed: 3200 * 1000, Density: 0x26, Verified: true, DriveNative: true},
	{Name: DAT72, Family: FamilyDDS, Generation: 5, NativeBytes: 36 * gb, Speed: 3200 * 1000, Density: 0x47, Verified: true, DriveNative: true},
	{Name: DAT160, Family: FamilyDDS, Generation: 6, NativeBytes: 80 * gb, Speed: 6900 * 1000, DriveNative: true},
	{Name: DAT320, Family: FamilyDDS, Generation: 7, NativeBytes: 160 * gb, Speed: 12 * mb, DriveNative: true},
	{Name: DDSCLN, Family: FamilyDDS, Cleaning: true, CleanUses: 50},
	{Name: RDX, Family: FamilyOther, DriveNative: true},
	{Name: USBDisk, Family: FamilyOther, DriveNative: true},
	{Name: Optical, Family: FamilyOther, DriveNative: true},
}

// Lookup returns the description of a media type name, or false.
func Lookup(name string) (Info, bool) {
	for _, m := range table {
		if m.Name == name {
			return m, true
		}
	}
	return Info{}, false
}

// All lists every known media type in table order: LTO, DDS, then the other
// removable media.
func All() []Info { return slices.Clone(table) }

// Known reports whether name is a media type tapewarden knows.
func Known(name string) bool {
	_, ok := Lookup(name)
	return ok
}

// Names returns the known media type names, sorted.
func Names() []string {
	names := make([]string, len(table))
	for i, m := range table {
		names[i] = m.Name
	}
	slices.Sort(names)
	return names
}

// IsCleaning reports whether a media type names a cleaning cartridge.
// Unknown names are not cleaning cartridges.
func IsCleaning(name string) bool {
	m, ok := Lookup(name)
	return ok && m.Cleaning
}

// IsDriveType reports whether a drive of this type exists: a tape
// generation, not LTO-7M (a cartridge format), not a cleaning cartridge;
// or a removable disk type, whose drive is a directory drive.
func IsDriveType(name string) bool {
	m, ok := Lookup(name)
	return ok && m.DriveNative
}

// IsDisk reports whether a media type names a removable disk (RDX,
// USB-DISK, OPTICAL). Unknown names are not disks.
func IsDisk(name string) bool {
	m, ok := Lookup(name)
	return ok && m.Disk()
}

// ForDensity returns the media type whose density code st reports, or false
// for 0 and unknown codes.
func ForDensity(code uint8) (Info, bool) {
	if code == 0 {
		return Info{}, false
	}
	for _, m := range table {
		if m.Density == code {
			return m, true
		}
	}
	return Info{}, false
}

// CleanerFor returns the cleaning media type that cleans a drive or
// cartridge of type name: LTO-CLN for every LTO type (the universal
// cleaning cartridge), DDS-CLN for every DDS and DAT type. It returns ""
// for cleaning cartridges themselves, other media and unknown names.
func CleanerFor(name string) string {
	m, ok := Lookup(name)
	if !ok || m.Cleaning {
		return ""
	}
	switch m.Family {
	case FamilyLTO:
		return LTOCLN
	case FamilyDDS:
		return DDSCLN
	}
	return ""
}

// Cleans reports whether a cleaning cartridge of media type cleaner cleans
// a drive of type driveType ("LTO-CLN" cleans "LTO-8", "DDS-CLN" cleans
// "DAT160").
func Cleans(cleaner, driveType string) bool {
	return cleaner != "" && CleanerFor(driveType) == cleaner
}
