package media

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// Media types the catalog knows. LTO and DDS names match those in package
// drives; the others are removable media the catalog tracks and rotates
// although tapewarden does not drive them (the standard lists RDX, USB disks
// and optical discs beside tape).
var knownMediaTypes = map[string]bool{
	"LTO-1": true, "LTO-2": true, "LTO-3": true, "LTO-4": true, "LTO-5": true,
	"LTO-6": true, "LTO-7": true, "LTO-7M": true, "LTO-8": true, "LTO-9": true,
	"LTO-10": true, "LTO-CLN": true,
	"DDS-1": true, "DDS-2": true, "DDS-3": true, "DDS-4": true,
	"DAT72": true, "DAT160": true, "DAT320": true, "DDS-CLN": true,
	"RDX": true, "USB-DISK": true, "OPTICAL": true,
}

// KnownMediaType reports whether name is a media type the catalog knows.
func KnownMediaType(name string) bool { return knownMediaTypes[name] }

// MediaTypes returns the known media type names, sorted.
func MediaTypes() []string {
	names := make([]string, 0, len(knownMediaTypes))
	for n := range knownMediaTypes {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// IsCleaningType reports whether a media type names a cleaning cartridge.
func IsCleaningType(mediaType string) bool { return strings.HasSuffix(mediaType, "-CLN") }

// LabelPattern lets a site accept barcodes that are not LTO labels: DAT
// cartridges, RDX packs, USB disks. Pattern must match the whole barcode;
// MediaType is what such a barcode is (empty: the operator must say).
type LabelPattern struct {
	Pattern   *regexp.Regexp
	MediaType string
	Cleaning  bool
}

// Barcode is a parsed cartridge label.
type Barcode struct {
	Text      string // the whole label, upper case
	MediaType string // derived from the media identifier or a pattern; may be empty
	WORM      bool
	Cleaning  bool
}

// LTO media identifiers (the last two characters of an LTO label).
var ltoMediaIDs = map[string]struct {
	mediaType string
	worm      bool
}{
	"L1": {"LTO-1", false}, "L2": {"LTO-2", false}, "L3": {"LTO-3", false},
	"L4": {"LTO-4", false}, "L5": {"LTO-5", false}, "L6": {"LTO-6", false},
	"L7": {"LTO-7", false}, "L8": {"LTO-8", false}, "L9": {"LTO-9", false},
	"LA": {"LTO-10", false}, "M8": {"LTO-7M", false},
	"LT": {"LTO-3", true}, "LU": {"LTO-4", true}, "LV": {"LTO-5", true},
	"LW": {"LTO-6", true}, "LX": {"LTO-7", true}, "LY": {"LTO-8", true},
	"LZ": {"LTO-9", true},
	"CU": {"LTO-CLN", false},
}

const maxBarcodeLen = 32 // the SCSI volume tag field is 32 bytes

// ParseBarcode validates a barcode against the LTO label format (six
// characters A–Z/0–9 followed by a two-character media identifier) and then
// against the configured patterns, in order. Surrounding spaces are trimmed
// (libraries pad volume tags) and letters are upper-cased. The error wraps
// ErrBadBarcode and says what was expected.
func ParseBarcode(s string, patterns []LabelPattern) (Barcode, error) {
	text := strings.ToUpper(strings.TrimSpace(s))
	switch {
	case text == "":
		return Barcode{}, fmt.Errorf("%w: empty barcode", ErrBadBarcode)
	case len(text) > maxBarcodeLen:
		return Barcode{}, fmt.Errorf("%w: %q is longer than %d characters", ErrBadBarcode, text, maxBarcodeLen)
	}
	for _, r := range text {
		if r < 0x21 || r > 0x7e {
			return Barcode{}, fmt.Errorf("%w: %q contains a character that is not printable ASCII", ErrBadBarcode, s)
		}
	}
	if b, ok := parseLTO(text); ok {
		return b, nil
	}
	for _, p := range patterns {
		if p.Pattern != nil && p.Pattern.MatchString(text) {
			return Barcode{Text: text, MediaType: p.MediaType, Cleaning: p.Cleaning || IsCleaningType(p.MediaType)}, nil
		}
	}
	hint := "an LTO label is six characters A-Z/0-9 and a media id such as L8 (e.g. DLY001L8)"
	if len(patterns) > 0 {
		hint += " or it must match one of catalog.label_patterns"
	} else {
		hint += "; other media need a pattern in catalog.label_patterns"
	}
	return Barcode{}, fmt.Errorf("%w: %q: %s", ErrBadBarcode, text, hint)
}

func parseLTO(text string) (Barcode, bool) {
	if len(text) != 8 {
		return Barcode{}, false
	}
	for _, r := range text {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return Barcode{}, false
		}
	}
	id, ok := ltoMediaIDs[text[6:]]
	if !ok {
		return Barcode{}, false
	}
	b := Barcode{Text: text, MediaType: id.mediaType, WORM: id.worm}
	// Cleaning cartridges are recognised by a CLN volume serial; their media
	// id is CU (universal) or a generation's L-id.
	if strings.HasPrefix(text, "CLN") {
		b.Cleaning = true
		b.MediaType = "LTO-CLN"
		b.WORM = false
	} else if b.MediaType == "LTO-CLN" {
		b.Cleaning = true
	}
	return b, true
}
