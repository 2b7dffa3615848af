package mediatype

import "strings"

// Label is what a barcode label says about its cartridge.
type Label struct {
	Text      string // the label, trimmed and upper case
	MediaType string // e.g. LTO-8, LTO-7M, LTO-CLN
	WORM      bool
	Cleaning  bool
}

// ParseLabel reads an LTO barcode label (media-facts.md §3). Surrounding
// spaces are trimmed (libraries pad volume tags) and letters upper-cased.
// It recognises:
//
//   - eight characters A–Z/0–9: a six-character volume serial and a media
//     identifier: L1…L9, LA (LTO-10, provisional), M8 (LTO-7M), the WORM
//     ids LT…LZ, and CU (the universal cleaning cartridge);
//   - a volume serial starting CLN: a cleaning cartridge, whatever
//     generation id follows (CLN003L1 cleans every LTO drive like CLN001CU);
//   - six characters A–Z/0–9 starting CLN with no media identifier
//     ("CLN123", as a library set to report only the volume serial shows
//     it): the universal LTO cleaning cartridge, LTO-CLN.
//
// Anything else is not an LTO label and ok is false: DDS, RDX and other
// labels carry no media identifier, and the site's label patterns say what
// they are.
func ParseLabel(barcode string) (l Label, ok bool) {
	text := strings.ToUpper(strings.TrimSpace(barcode))
	for _, r := range text {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return Label{}, false
		}
	}
	cln := strings.HasPrefix(text, "CLN")
	switch len(text) {
	case 6:
		if cln {
			return Label{Text: text, MediaType: LTOCLN, Cleaning: true}, true
		}
		return Label{}, false
	case 8:
	default:
		return Label{}, false
	}
	l = Label{Text: text}
	found := false
	for _, m := range table {
		if m.Family != FamilyLTO {
			continue
		}
		switch text[6:] {
		case m.BarcodeID:
			l.MediaType, found = m.Name, true
		case m.WORMID:
			if m.WORMID != "" {
				l.MediaType, l.WORM, found = m.Name, true, true
			}
		}
		if found {
			break
		}
	}
	if !found {
		return Label{}, false
	}
	if cln || l.MediaType == LTOCLN {
		l = Label{Text: text, MediaType: LTOCLN, Cleaning: true}
	}
	return l, true
}

// IsCleaningLabel reports whether a barcode label marks a cleaning
// cartridge by itself (see ParseLabel).
func IsCleaningLabel(barcode string) bool {
	l, ok := ParseLabel(barcode)
	return ok && l.Cleaning
}
