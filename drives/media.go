package drives

import (
	"fmt"
	"strings"

	"github.com/tapewarden/tapewarden/media/mediatype"
)

// Media type names. The catalog uses the same strings. A drive type is the
// name of its native media type ("LTO-8" drive). They are mediatype's.
const (
	LTO1   = mediatype.LTO1
	LTO2   = mediatype.LTO2
	LTO3   = mediatype.LTO3
	LTO4   = mediatype.LTO4
	LTO5   = mediatype.LTO5
	LTO6   = mediatype.LTO6
	LTO7   = mediatype.LTO7
	LTO7M  = mediatype.LTO7M // LTO-7 Type M (M8), initialised to 9 TB by an LTO-8 drive
	LTO8   = mediatype.LTO8
	LTO9   = mediatype.LTO9
	LTO10  = mediatype.LTO10
	LTOCLN = mediatype.LTOCLN // universal LTO cleaning cartridge
	DDS1   = mediatype.DDS1
	DDS2   = mediatype.DDS2
	DDS3   = mediatype.DDS3
	DDS4   = mediatype.DDS4
	DAT72  = mediatype.DAT72
	DAT160 = mediatype.DAT160
	DAT320 = mediatype.DAT320
	DDSCLN = mediatype.DDSCLN
)

// Family groups media that share a drive form factor.
type Family = mediatype.Family

// Media families.
const (
	FamilyLTO = mediatype.FamilyLTO
	FamilyDDS = mediatype.FamilyDDS
)

// MediaInfo describes one cartridge type (media-facts.md); see
// mediatype.Info.
type MediaInfo = mediatype.Info

// Media returns the description of a tape media type name, or false.
func Media(name string) (MediaInfo, bool) {
	m, ok := mediatype.Lookup(name)
	if !ok || !m.Tape() {
		return MediaInfo{}, false
	}
	return m, true
}

// MediaTypes lists every tape media type in table order.
func MediaTypes() []MediaInfo {
	var out []MediaInfo
	for _, m := range mediatype.All() {
		if m.Tape() {
			out = append(out, m)
		}
	}
	return out
}

// MediaForDensity returns the media type whose density code st reports, or
// false for 0 and unknown codes.
func MediaForDensity(code uint8) (MediaInfo, bool) { return mediatype.ForDensity(code) }

// BarcodeMedia tells what an LTO barcode label says about its cartridge: the
// media type, whether it is WORM, whether it is a cleaning cartridge, by
// mediatype.ParseLabel (a bare CLN123 is the universal LTO cleaning
// cartridge). DDS labels carry no media identifier, so ok is false for them.
func BarcodeMedia(barcode string) (mediaType string, worm, cleaning, ok bool) {
	l, ok := mediatype.ParseLabel(barcode)
	return l.MediaType, l.WORM, l.Cleaning, ok
}

// Access is what a drive can do with a cartridge.
type Access = mediatype.Access

// Access levels.
const (
	AccessNone      = mediatype.AccessNone      // cannot be loaded / used
	AccessReadOnly  = mediatype.AccessReadOnly  // reads only; reports write-protected (TapeAlert 17)
	AccessReadWrite = mediatype.AccessReadWrite // reads and writes
	AccessClean     = mediatype.AccessClean     // a cleaning cartridge that fits the drive
)

// Compatibility says what a drive of type driveType can do with a cartridge
// of mediaType (mediatype.Compatibility: the table in media-facts.md).
// Unknown names give AccessNone.
func Compatibility(driveType, mediaType string) Access {
	return mediatype.Compatibility(driveType, mediaType)
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
