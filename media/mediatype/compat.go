package mediatype

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
//   - A removable disk type (RDX, USB-DISK, OPTICAL) is read and written by
//     a directory drive of the same type only.
//
// Unknown names, and media no drive of tapewarden takes, give AccessNone.
func Compatibility(driveType, mediaType string) Access {
	d, ok := Lookup(driveType)
	if !ok || !d.DriveNative {
		return AccessNone
	}
	m, ok := Lookup(mediaType)
	if !ok || m.Family != d.Family {
		return AccessNone
	}
	if m.Cleaning {
		return AccessClean
	}
	if d.Family == FamilyOther {
		if m.Name == d.Name {
			return AccessReadWrite
		}
		return AccessNone
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
