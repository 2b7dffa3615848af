package drives

import (
	"fmt"
	"strings"
)

// Media type names. The catalog uses the same strings. A drive type is the
// name of its native media type ("LTO-8" drive).
const (
	LTO1   = "LTO-1"
	LTO2   = "LTO-2"
	LTO3   = "LTO-3"
	LTO4   = "LTO-4"
	LTO5   = "LTO-5"
	LTO6   = "LTO-6"
	LTO7   = "LTO-7"
	LTO7M  = "LTO-7M" // LTO-7 Type M (M8), initialised to 9 TB by an LTO-8 drive
	LTO8   = "LTO-8"
	LTO9   = "LTO-9"
	LTO10  = "LTO-10"
	LTOCLN = "LTO-CLN" // universal LTO cleaning cartridge
	DDS1   = "DDS-1"
	DDS2   = "DDS-2"
	DDS3   = "DDS-3"
	DDS4   = "DDS-4"
	DAT72  = "DAT72"
	DAT160 = "DAT160"
	DAT320 = "DAT320"
	DDSCLN = "DDS-CLN"
)

// Family groups media that share a drive form factor.
type Family string

// Media families.
const (
	FamilyLTO Family = "LTO"
	FamilyDDS Family = "DDS"
)

// MediaInfo describes one cartridge type (media-facts.md). Capacities are
// decimal native bytes; speeds native bytes per second.
type MediaInfo struct {
	Name        string
	Family      Family
	Generation  int    // 1-based order within the family; 0 for cleaning cartridges
	NativeBytes int64  // native capacity
	Speed       int64  // native transfer rate, bytes/s
	Density     uint8  // density code st reports (0 = not known)
	BarcodeID   string // LTO media identifier of a data cartridge ("L8"); "" for DDS
	WORMID      string // LTO WORM media identifier ("LY"); "" if no WORM version
	Cleaning    bool   // a cleaning cartridge
	CleanUses   int    // rated uses of a fresh cleaning cartridge
	LoadCycles  int    // rated load/unload cycles (0 = not rated)
	Verified    bool   // false where the figures are unverified (LTO-10 id, DAT160/320 density)
	DriveNative bool   // a drive of this type exists (false for LTO-7M and cleaning cartridges)
}

const (
	gb = 1000 * 1000 * 1000
	tb = 1000 * gb
	mb = 1000 * 1000
)

var mediaTable = []MediaInfo{
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
	{Name: LTOCLN, Family: FamilyLTO, NativeBytes: 0, BarcodeID: "CU", Cleaning: true, CleanUses: 50, Verified: true},
	{Name: DDS1, Family: FamilyDDS, Generation: 1, NativeBytes: 2 * gb, Speed: 183 * 1000, Density: 0x13, Verified: true, DriveNative: true},
	{Name: DDS2, Family: FamilyDDS, Generation: 2, NativeBytes: 4 * gb, Speed: 720 * 1000, Density: 0x24, Verified: true, DriveNative: true},
	{Name: DDS3, Family: FamilyDDS, Generation: 3, NativeBytes: 12 * gb, Speed: 1500 * 1000, Density: 0x25, Verified: true, DriveNative: true},
	{Name: DDS4, Family: FamilyDDS, Generation: 4, NativeBytes: 20 * gb, Speed: 3200 * 1000, Density: 0x26, Verified: true, DriveNative: true},
	{Name: DAT72, Family: FamilyDDS, Generation: 5, NativeBytes: 36 * gb, Speed: 3200 * 1000, Density: 0x47, Verified: true, DriveNative: true},
	{Name: DAT160, Family: FamilyDDS, Generation: 6, NativeBytes: 80 * gb, Speed: 6900 * 1000, DriveNative: true},
	{Name: DAT320, Family: FamilyDDS, Generation: 7, NativeBytes: 160 * gb, Speed: 12 * mb, DriveNative: true},
	{Name: DDSCLN, Family: FamilyDDS, Cleaning: true, CleanUses: 50},
}

// Media returns the description of a media type name, or false.
func Media(name string) (MediaInfo, bool) {
	for _, m := range mediaTable {
		if m.Name == name {
			return m, true
		}
	}
	return MediaInfo{}, false
}

// MediaTypes lists every known media type in table order.
func MediaTypes() []MediaInfo {
	return append([]MediaInfo(nil), mediaTable...)
}

// MediaForDensity returns the media type whose density code st reports, or
// false for 0 and unknown codes.
func MediaForDensity(code uint8) (MediaInfo, bool) {
	if code == 0 {
		return MediaInfo{}, false
	}
	for _, m := range mediaTable {
		if m.Density == code {
			return m, true
		}
	}
	return MediaInfo{}, false
}

// BarcodeMedia tells what an LTO barcode label says about its cartridge: the
// media type, whether it is WORM, whether it is a cleaning cartridge. DDS
// labels carry no media identifier, so ok is false for them.
func BarcodeMedia(barcode string) (mediaType string, worm, cleaning, ok bool) {
	b := strings.ToUpper(strings.TrimSpace(barcode))
	if strings.HasPrefix(b, "CLN") {
		return LTOCLN, false, true, true
	}
	if len(b) < 3 {
		return "", false, false, false
	}
	id := b[len(b)-2:]
	if id == "CU" {
		return LTOCLN, false, true, true
	}
	for _, m := range mediaTable {
		if m.Family != FamilyLTO || m.Cleaning {
			continue
		}
		if m.BarcodeID == id {
			return m.Name, false, false, true
		}
		if m.WORMID != "" && m.WORMID == id {
			return m.Name, true, false, true
		}
	}
	return "", false, false, false
}

// Access is what a drive can do with a cartridge.
type Access int

// Access levels.
const (
	AccessNone      Access = iota // cannot be loaded / used
	AccessReadOnly                // reads only; reports write-protected (TapeAlert 17)
	AccessReadWrite               // reads and writes
	AccessClean                   // a cleaning cartridge that fits the drive
)

// String names the access level.
func (a Access) String() string {
	switch a {
	case AccessReadOnly:
		return "read-only"
	case AccessReadWrite:
		return "read-write"
	case AccessClean:
		return "cleaning"
	default:
		return "none"
	}
}

// Compatibility says what a drive of type driveType can do with a cartridge
// of mediaType, following the compatibility table in media-facts.md:
//
//   - LTO-1…LTO-7 drives write their own and the previous generation and read
//     two back; LTO-7 drives cannot use M8.
//   - LTO-8 drives write LTO-8, LTO-7 and LTO-7M (M8) and read nothing older.
//   - LTO-9 drives write LTO-9 and LTO-8 only; LTO-10 drives only LTO-10.
//   - DDS-1…DDS-3 drives use all earlier DDS generations (vendor examples);
//     later DAT drives write their own and the previous generation and read
//     two back (the typical rule; DAT 160 reads DDS-4, DAT 320 reads DAT 72).
//   - Cleaning cartridges fit every drive of their family.
//
// Unknown names give AccessNone.
func Compatibility(driveType, mediaType string) Access {
	d, ok := Media(driveType)
	if !ok || !d.DriveNative {
		return AccessNone
	}
	m, ok := Media(mediaType)
	if !ok || m.Family != d.Family {
		return AccessNone
	}
	if m.Cleaning {
		return AccessClean
	}
	dg, mg := d.Generation, m.Generation
	if d.Family == FamilyDDS {
		switch {
		case dg <= 3 && mg <= dg:
			return AccessReadWrite
		case mg == dg || mg == dg-1:
			return AccessReadWrite
		case mg == dg-2:
			return AccessReadOnly
		}
		return AccessNone
	}
	if m.Name == LTO7M {
		if dg == 8 {
			return AccessReadWrite
		}
		return AccessNone
	}
	switch {
	case dg == 10:
		if mg == 10 {
			return AccessReadWrite
		}
	case dg >= 8:
		if mg == dg || mg == dg-1 {
			return AccessReadWrite
		}
	default:
		if mg == dg || mg == dg-1 {
			return AccessReadWrite
		}
		if mg == dg-2 {
			return AccessReadOnly
		}
	}
	return AccessNone
}

// CompatError explains why a cartridge cannot be used as asked. It matches
// ErrIncompatibleMedium.
type CompatError struct {
	DriveType string
	MediaType string
	Access    Access // what the drive can do with it
	Write     bool   // whether writing was asked for
}

// Error says what the drive cannot do with the cartridge.
func (e *CompatError) Error() string {
	switch {
	case e.Access == AccessReadOnly && e.Write:
		return fmt.Sprintf("drives: %s cartridge is read-only in %s %s drive", e.MediaType, article(e.DriveType), e.DriveType)
	case e.Access == AccessClean:
		return fmt.Sprintf("drives: %s is a cleaning cartridge and holds no data", e.MediaType)
	}
	if _, ok := Media(e.DriveType); !ok {
		return fmt.Sprintf("drives: unknown drive type %q", e.DriveType)
	}
	if _, ok := Media(e.MediaType); !ok {
		return fmt.Sprintf("drives: unknown media type %q", e.MediaType)
	}
	return fmt.Sprintf("drives: %s cartridge cannot be read or written in %s %s drive", e.MediaType, article(e.DriveType), e.DriveType)
}

// article picks "an" for names read with a vowel sound ("an LTO-9 drive").
func article(name string) string {
	if strings.HasPrefix(name, "LTO") {
		return "an"
	}
	return "a"
}

// Unwrap returns ErrIncompatibleMedium.
func (e *CompatError) Unwrap() error { return ErrIncompatibleMedium }

// CheckLoad is the check made before every load: nil if a cartridge of
// mediaType can be read (and, when write is true, written) in a drive of
// driveType; otherwise a *CompatError wrapping ErrIncompatibleMedium, such as
// "LTO-6 cartridge cannot be read or written in an LTO-9 drive" or "LTO-5
// cartridge is read-only in an LTO-7 drive". Loading a cleaning cartridge of
// the drive's family for cleaning (write false) is allowed.
func CheckLoad(driveType, mediaType string, write bool) error {
	a := Compatibility(driveType, mediaType)
	switch a {
	case AccessReadWrite:
		return nil
	case AccessReadOnly, AccessClean:
		if !write {
			return nil
		}
	}
	return &CompatError{DriveType: driveType, MediaType: mediaType, Access: a, Write: write}
}
