package media

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// PlaceKind says what kind of place holds a cartridge.
type PlaceKind string

// The kinds of place a cartridge can be in. Exactly one applies at a time.
const (
	InStorage  PlaceKind = "storage"  // a shelf, safe or vault at a site
	InSlot     PlaceKind = "slot"     // a library storage slot
	InMailSlot PlaceKind = "mailslot" // a library import/export slot
	InDrive    PlaceKind = "drive"    // a tape drive
	InTransit  PlaceKind = "transit"  // with a courier, on a manifest
)

// Location is where a cartridge physically is. Site is empty only in
// transit; Place is the storage place, library, drive or manifest ID; Slot
// is the slot or mail slot number (mtx numbering) for library places.
type Location struct {
	Kind  PlaceKind `json:"kind"`
	Site  string    `json:"site,omitempty"`
	Place string    `json:"place"`
	Slot  int       `json:"slot,omitempty"`
}

// Storage is a storage place at a site.
func Storage(site, place string) Location { return Location{Kind: InStorage, Site: site, Place: place} }

// LibrarySlot is storage slot n of a library at a site.
func LibrarySlot(site, library string, n int) Location {
	return Location{Kind: InSlot, Site: site, Place: library, Slot: n}
}

// LibraryMailSlot is import/export slot n of a library at a site.
func LibraryMailSlot(site, library string, n int) Location {
	return Location{Kind: InMailSlot, Site: site, Place: library, Slot: n}
}

// Drive is a tape drive at a site.
func DriveAt(site, drive string) Location { return Location{Kind: InDrive, Site: site, Place: drive} }

// Transit is "with a courier on manifest id".
func Transit(manifest string) Location { return Location{Kind: InTransit, Place: manifest} }

// String renders the location in the canonical form ParseLocation reads:
// site/place, site/library/slot/N, site/library/mailslot/N,
// site/drive/NAME, transit/MANIFEST.
func (l Location) String() string {
	switch l.Kind {
	case InStorage:
		return l.Site + "/" + l.Place
	case InSlot, InMailSlot:
		return l.Site + "/" + l.Place + "/" + string(l.Kind) + "/" + strconv.Itoa(l.Slot)
	case InDrive:
		return l.Site + "/drive/" + l.Place
	case InTransit:
		return "transit/" + l.Place
	}
	return ""
}

// IsZero reports whether the location is unset.
func (l Location) IsZero() bool { return l.Kind == "" }

// InLibrary reports whether the location is a library slot or mail slot.
func (l Location) InLibrary() bool { return l.Kind == InSlot || l.Kind == InMailSlot }

// MarshalJSON adds the canonical text form beside the fields.
func (l Location) MarshalJSON() ([]byte, error) {
	type plain Location
	return json.Marshal(struct {
		plain
		Text string `json:"text"`
	}{plain(l), l.String()})
}

// UnmarshalJSON accepts the object form or the canonical text form.
func (l *Location) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		loc, err := ParseLocation(s)
		if err != nil {
			return err
		}
		*l = loc
		return nil
	}
	type plain Location
	var p struct {
		plain
		Text string `json:"text"`
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*l = Location(p.plain)
	return nil
}

// ParseLocation reads the canonical text form of a location. It checks
// the syntax only; whether the place exists is the catalog's business.
func ParseLocation(s string) (Location, error) {
	parts := strings.Split(strings.TrimSpace(s), "/")
	for _, p := range parts {
		if p == "" {
			return Location{}, fmt.Errorf("%w: location %q: expected SITE/PLACE (e.g. honcho/safe), SITE/LIBRARY/slot/N, SITE/LIBRARY/mailslot/N or SITE/drive/NAME", ErrBadInput, s)
		}
	}
	switch {
	case len(parts) == 2 && parts[0] == "transit":
		return Transit(parts[1]), nil
	case len(parts) == 2:
		return Storage(parts[0], parts[1]), nil
	case len(parts) == 3 && parts[1] == "drive":
		return DriveAt(parts[0], parts[2]), nil
	case len(parts) == 4 && (parts[2] == "slot" || parts[2] == "mailslot"):
		n, err := strconv.Atoi(parts[3])
		if err != nil || n < 1 {
			return Location{}, fmt.Errorf("%w: location %q: slot numbers start at 1", ErrBadInput, s)
		}
		if parts[2] == "slot" {
			return LibrarySlot(parts[0], parts[1], n), nil
		}
		return LibraryMailSlot(parts[0], parts[1], n), nil
	}
	return Location{}, fmt.Errorf("%w: location %q: expected SITE/PLACE (e.g. honcho/safe), SITE/LIBRARY/slot/N, SITE/LIBRARY/mailslot/N or SITE/drive/NAME", ErrBadInput, s)
}
